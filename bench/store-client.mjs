#!/usr/bin/env node
/**
 * One client of the store-throughput scenario (bench/run.mjs, `--only postgres`): opens the store that the
 * environment selects (CWT_STORE, else SQLite under CWT_HOME) through the built dist/store.js, waits for the
 * agreed start, then runs a hook-like mix of store calls until the deadline, and prints how many it made.
 *
 *   node bench/store-client.mjs <dist/store.js> <client index> <start epoch ms> <duration ms>
 *
 * One round = what a PreToolUse decision does to the store: find the session, claim a path (one
 * transaction), list the path's claims in other checkouts; plus a lock heartbeat. 4 store calls per round.
 */
import { pathToFileURL } from 'node:url';

const [storeModule, indexText, startText, durationText] = process.argv.slice(2);
const index = Number(indexText);
const { openStore } = await import(pathToFileURL(storeModule).href);
const store = await openStore(process.env);
const session = `bench-${index}`;
const checkout = `/bench/checkout-${index}`;
await store.getSession(session); // connected (and migrated) before the clock starts
const lock = await store.acquireLock(
  { name: `bench-lock-${index}`, holder: session, session, pid: process.pid, host: 'bench', ttlMs: 60_000, note: null, now: Date.now() },
  () => false,
);
const token = lock.acquired ? lock.lock.token : 0;
await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startText) - Date.now())));
const deadline = Number(startText) + Number(durationText);
let calls = 0;
for (let round = 0; Date.now() < deadline; round++) {
  const relPath = `src/m${round % 20}/f${(round * 7 + index) % 50}.ts`;
  const now = Date.now();
  await store.getSession(session);
  await store.claimPath({ checkout, relPath, repo: '/bench/.git', absPath: `${checkout}/${relPath}`, session, claudeId: null, now }, () => ({ allow: true, takeover: false }));
  await store.listClaims({ repo: '/bench/.git', relPath });
  await store.heartbeatLock(`bench-lock-${index}`, token, now);
  calls += 4;
}
await store.close();
process.stdout.write(`${JSON.stringify({ calls })}\n`);
