/**
 * Sixteen sessions claim one file at the same moment, each from its own `cwt claim` process: exactly one
 * wins, on either store, because deciding and recording happen in one transaction (SQLite: BEGIN IMMEDIATE;
 * PostgreSQL: an advisory lock on the path). The control runs the naive recipe against the same database —
 * read "is it claimed?", then write "mine" — and several processes believe they won.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { parsePostgresUrl } from '../../src/core/store/postgres.js';
import { SQLITE_FILE_NAME } from '../../src/core/store/sqlite.js';
import type { Store } from '../../src/core/store/store.js';
import { openSandboxStore, STORE_BACKENDS, useBackend } from '../helpers/backends.js';
import { runCwt } from '../helpers/cli.js';
import { createSandbox, type Sandbox } from '../helpers/env.js';
import { sampleSession } from '../helpers/store.js';

const CONTENDERS = 16;

let s: Sandbox;
let store: Store | undefined;
beforeEach(() => {
  s = createSandbox();
});
afterEach(async () => {
  await store?.close();
  store = undefined;
  s.cleanup();
});

/** A checkout with a file, and 16 live sessions registered in it (their supervisor: this test process). */
async function registerContenders(): Promise<{ checkout: string; ids: string[] }> {
  const checkout = join(s.root, 'checkout');
  mkdirSync(checkout);
  writeFileSync(join(checkout, 'shared.ts'), 'export {};\n');
  store = await openSandboxStore(s);
  const ids = Array.from({ length: CONTENDERS }, (_, i) => `s${String(i).padStart(2, '0')}`);
  const now = Date.now();
  for (const id of ids) {
    await store.insertSession(sampleSession({ id, worktree: checkout, mainWorktree: checkout, repo: join(checkout, '.git'), pid: process.pid, host: hostname(), startedAt: now, heartbeatAt: now }));
  }
  return { checkout, ids };
}

/**
 * The naive recipe, for the control: SELECT the claim; if there is none, say so, give the others the
 * moment a real program spends between its read and its write, then INSERT OR REPLACE "mine". All start
 * reading at one agreed moment, as sessions woken by the same event would.
 */
const NAIVE_SQLITE = `
const Database = require(process.argv[1]);
const [file, id, startAt] = process.argv.slice(2);
const db = new Database(file, { timeout: 10000 });
while (Date.now() < Number(startAt));
const free = db.prepare("SELECT 1 FROM claims WHERE checkout = 'c' AND rel_path = 'shared.ts'").get() === undefined;
setTimeout(() => {
  if (free) db.prepare("INSERT OR REPLACE INTO claims (checkout, rel_path, repo, abs_path, session, claude_id, at) VALUES ('c', 'shared.ts', 'r', '/c/shared.ts', ?, NULL, 1)").run(id);
  process.stdout.write(free ? 'won' : 'lost');
}, 30);
`;
const NAIVE_POSTGRES = `
const postgres = require(process.argv[1]);
const [url, schema, id, startAt] = process.argv.slice(2);
const sql = postgres(url, { max: 1, onnotice: () => {}, connection: { search_path: schema } });
(async () => {
  await sql\`SELECT 1\`;
  await new Promise((r) => setTimeout(r, Math.max(0, Number(startAt) - Date.now())));
  const free = (await sql\`SELECT 1 FROM claims WHERE checkout = 'c' AND rel_path = 'shared.ts'\`).length === 0;
  await new Promise((r) => setTimeout(r, 30));
  if (free) await sql\`INSERT INTO claims (checkout, rel_path, repo, abs_path, session, claude_id, at) VALUES ('c', 'shared.ts', 'r', '/c/shared.ts', \${id}, NULL, 1) ON CONFLICT (checkout, rel_path) DO UPDATE SET session = excluded.session\`;
  process.stdout.write(free ? 'won' : 'lost');
  await sql.end();
})();
`;

async function runNaive(backend: (typeof STORE_BACKENDS)[number], id: string, startAt: number): Promise<string> {
  const target = backend === 'postgres' ? parsePostgresUrl(s.env.CWT_STORE!) : undefined;
  const args = target
    ? ['-e', NAIVE_POSTGRES, require.resolve('postgres'), target.url, target.schema, id, String(startAt)]
    : ['-e', NAIVE_SQLITE, require.resolve('better-sqlite3'), join(s.cwtHome, SQLITE_FILE_NAME), id, String(startAt)];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk));
  await once(child, 'close');
  return out;
}

describe.each(STORE_BACKENDS)('16 sessions claim one file at once, on the %s store', (backend) => {
  beforeEach(() => {
    useBackend(s, backend);
  });

  it('cwt claim: exactly one wins, the other 15 are told who holds it (exit 3)', async () => {
    const { checkout, ids } = await registerContenders();
    const results = await Promise.all(ids.map((id) => runCwt(['claim', 'shared.ts', '--json'], { cwd: checkout, env: { ...s.env, CWT_SESSION: id } })));
    const winners = results.filter((result) => result.code === 0);
    expect(winners).toHaveLength(1);
    for (const loser of results.filter((result) => result.code !== 0)) {
      expect(loser.code).toBe(3);
      expect(loser.stderr).toContain('shared.ts');
    }
    const winner = (JSON.parse(winners[0]!.stdout) as { session: string }).session;
    expect((await store!.listClaims({ checkout })).map((claim) => claim.session)).toEqual([winner]);
  });

  it('control: the naive read-then-write recipe lets several processes believe they won', async () => {
    await registerContenders(); // creates the schema
    const startAt = Date.now() + 3000;
    const outcomes = await Promise.all(Array.from({ length: CONTENDERS }, (_, i) => runNaive(backend, `n${i}`, startAt)));
    expect(outcomes.filter((outcome) => outcome === 'won').length).toBeGreaterThan(1);
  });
});
