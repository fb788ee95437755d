/**
 * Tabs on two machines write one file of one checkout at the same moment, each deciding from its own process
 * and connection through the one-round-trip function (cwt_tool_call): exactly one is allowed, the others are
 * denied and told who holds it, because the function decides under claimPath's advisory lock. The function is
 * also run slowed down (a sleep between its reads and its writes) with the lock, and without it: the control,
 * where several tabs are allowed and the claim ends with whoever wrote last. One call that six deciders get at
 * once is decided by one of them.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CLAIM_TTL_MS, DENY_ONCE_RETRY_MS } from '../../src/core/coordination/claims.js';
import { POSTGRES_MIGRATIONS } from '../../src/core/store/postgresmigrations.js';
import type { Store, ToolCallRequest } from '../../src/core/store/store.js';
import { connectStoreSql, openSandboxStore, useBackend } from '../helpers/backends.js';
import { CWT_BIN } from '../helpers/cli.js';
import { createSandbox, type Sandbox } from '../helpers/env.js';
import { sampleSession } from '../helpers/store.js';

const STORE_MODULE = join(CWT_BIN, '..', '..', 'dist', 'store.js');
const MACHINES = ['machine-a', 'machine-b'];
/** The function as migration 13 creates it. */
const FUNCTION_SQL = POSTGRES_MIGRATIONS[12]!;

/** One contender: opens the store, waits for the agreed moment, decides once, prints the outcome. */
const CONTENDER = `
const [storeModule, startAt, request] = process.argv.slice(1);
(async () => {
  const { openStore } = await import(storeModule);
  const store = await openStore(process.env);
  await store.getSchemaVersion();
  await new Promise((r) => setTimeout(r, Math.max(0, Number(startAt) - Date.now())));
  const answer = await store.decideToolCall({ ...JSON.parse(request), now: Date.now() });
  process.stdout.write(answer.outcome === 'decided' ? (answer.claim ? (answer.claim.verdict.allow ? 'allowed' : 'denied') : 'decided') : answer.outcome);
  await store.close();
})();
`;

let s: Sandbox;
let store: Store | undefined;
beforeEach(() => {
  s = useBackend(createSandbox(), 'postgres');
});
afterEach(async () => {
  await store?.close();
  store = undefined;
  s.cleanup();
});

/** `count` adopted tabs in one checkout, alternately on two machines, each linked to its Claude session. */
async function registerTabs(count: number): Promise<{ checkout: string; requests: ToolCallRequest[] }> {
  const checkout = join(s.root, 'checkout');
  mkdirSync(join(checkout, 'src'), { recursive: true });
  writeFileSync(join(checkout, 'src', 'x.ts'), 'export {};\n');
  store = await openSandboxStore(s);
  const now = Date.now();
  const requests: ToolCallRequest[] = [];
  for (let i = 0; i < count; i++) {
    const host = MACHINES[i % 2]!;
    const session = sampleSession({ id: `tab${String(i).padStart(2, '0')}`, kind: 'adopted', worktree: checkout, mainWorktree: checkout, repo: join(checkout, '.git'), pid: process.pid, host, startedAt: now, heartbeatAt: now });
    await store.insertSession(session);
    await store.linkClaudeSession(`claude-${i}`, session.id, now);
    requests.push({
      now: 0,
      host,
      hookCall: { key: `claude-${i}/toolu_race/pre-tool-use`, by: 'fastpath' },
      claudeId: `claude-${i}`,
      expect: session,
      claim: { relPath: 'src/x.ts', absPath: join(checkout, 'src', 'x.ts'), repo: session.repo, claudeId: `claude-${i}`, mode: 'deny-once', claimTtlMs: DEFAULT_CLAIM_TTL_MS, sessionTtlMs: 120_000, retryMs: DENY_ONCE_RETRY_MS },
      pids: {},
    });
  }
  return { checkout, requests };
}

/** Replaces the function in the test's schema with a variant of migration 13's text. */
async function replaceFunction(edit: (text: string) => string): Promise<void> {
  const sql = connectStoreSql(s.env.CWT_STORE!);
  try {
    await sql.unsafe(edit(FUNCTION_SQL.replace('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION')));
  } finally {
    await sql.end();
  }
}

const SLOW = (text: string) => {
  expect(text).toContain('v_has_denial := FOUND;');
  return text.replace('v_has_denial := FOUND;', 'v_has_denial := FOUND;\n      PERFORM pg_sleep(0.3);');
};
const WITHOUT_LOCK = (text: string) => {
  const lock = /PERFORM pg_advisory_xact_lock\(hashtextextended\([\s\S]*?, 0\)\);/;
  expect(text).toMatch(lock);
  return text.replace(lock, '');
};

/** Every contender in its own process, on the machine its tab is on, all deciding at one agreed moment. */
async function race(requests: ToolCallRequest[]): Promise<string[]> {
  const startAt = Date.now() + 1500 + requests.length * 150;
  const outcomes = requests.map(async (request) => {
    const child = spawn(process.execPath, ['-e', CONTENDER, STORE_MODULE, String(startAt), JSON.stringify(request)], {
      env: { ...s.env, CWT_HOST_ID: request.host },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number];
    expect(code, err).toBe(0);
    return out;
  });
  return Promise.all(outcomes);
}

describe('tabs on two machines write one file at the same moment, each through cwt_tool_call', () => {
  it('exactly one is allowed and holds the claim; the others are denied, each once, naming the holder', async () => {
    const { checkout, requests } = await registerTabs(12);
    const outcomes = await race(requests);
    expect(outcomes.filter((outcome) => outcome === 'allowed')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome === 'denied')).toHaveLength(11);
    const winner = `tab${String(outcomes.indexOf('allowed')).padStart(2, '0')}`;
    expect((await store!.listClaims({ checkout })).map((claim) => claim.session)).toEqual([winner]);
    const denials = await store!.listEvents({ kinds: ['claim.deny'] });
    expect(denials).toHaveLength(11);
    expect(new Set(denials.map((event) => event.data.holder))).toEqual(new Set([winner]));
    expect(await store!.listHookCalls()).toHaveLength(12);
  });

  it('slowed down between its reads and writes, it still lets exactly one through: the advisory lock queues the rest', async () => {
    const { checkout, requests } = await registerTabs(6);
    await replaceFunction(SLOW);
    const outcomes = await race(requests);
    expect(outcomes.filter((outcome) => outcome === 'allowed')).toHaveLength(1);
    const winner = `tab${String(outcomes.indexOf('allowed')).padStart(2, '0')}`;
    expect((await store!.listClaims({ checkout })).map((claim) => claim.session)).toEqual([winner]);
  });

  it('control: the same slowed function without the advisory lock lets several tabs believe the file is theirs', async () => {
    const { checkout, requests } = await registerTabs(6);
    await replaceFunction((text) => WITHOUT_LOCK(SLOW(text)));
    const outcomes = await race(requests);
    const allowed = outcomes.filter((outcome) => outcome === 'allowed');
    expect(allowed.length).toBeGreaterThan(1);
    // One claim row survives (the last writer's): every other allowed tab was told a file was its own that is not.
    expect(await store!.listClaims({ checkout })).toHaveLength(1);
    expect((await store!.listEvents({ kinds: ['claim'] })).length).toBe(allowed.length);
  });
});

describe('one tool call reaching six deciders at the same moment (the service, its fallbacks)', () => {
  it('is decided by exactly one: the others find it recorded and answer nothing', async () => {
    const { checkout, requests } = await registerTabs(1);
    const call = requests[0]!;
    const outcomes = await race(Array.from({ length: 6 }, (_, i) => ({ ...call, hookCall: { key: call.hookCall!.key, by: `decider-${i}` } })));
    expect(outcomes.filter((outcome) => outcome === 'allowed')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome === 'taken')).toHaveLength(5);
    const recorded = await store!.listHookCalls();
    expect(recorded).toHaveLength(1);
    expect(recorded[0]!.by).toBe(`decider-${outcomes.indexOf('allowed')}`);
    expect(await store!.listEvents({ kinds: ['claim'] })).toHaveLength(1);
    expect(await store!.listClaims({ checkout })).toHaveLength(1);
  });
});

describe('cwt_tool_call and claimPath', () => {
  it('queue on one advisory lock per path, whatever characters the checkout and path hold', async () => {
    const { requests } = await registerTabs(1);
    const request = requests[0]!;
    // Quotes, a backslash, a tab, a control character, non-ASCII and U+2028: JSON text built by SQL and by JSON.stringify must agree.
    const checkout = join(s.root, 'we"ird\\ché\tck\u0001out\u2028');
    const relPath = 'src/ü "x".ts';
    await store!.updateSession(request.expect!.id, { worktree: checkout });
    const planned = { ...request, expect: { ...request.expect!, worktree: checkout }, claim: { ...request.claim!, relPath, absPath: join(checkout, relPath) } };
    const { schema } = (await import('../../src/core/store/postgres.js')).parsePostgresUrl(s.env.CWT_STORE!);
    const holder = connectStoreSql(s.env.CWT_STORE!);
    let release = () => {};
    try {
      const held = new Promise<void>((resolve) => (release = resolve));
      let locked!: () => void;
      const taken = new Promise<void>((resolve) => (locked = resolve));
      // The key exactly as PostgresStore.claimPath takes it.
      const transaction = holder.begin(async (tx) => {
        await tx`SELECT pg_advisory_xact_lock(hashtextextended(${JSON.stringify([schema, 'claim', checkout, relPath])}, 0))`;
        locked();
        await held;
      });
      await taken;
      let decided = false;
      const decision = store!.decideToolCall!({ ...planned, now: Date.now() }).then((answer) => {
        decided = true;
        return answer;
      });
      await new Promise((resolve) => setTimeout(resolve, 700));
      expect(decided).toBe(false);
      release();
      await transaction;
      const answer = await decision;
      expect(answer.outcome === 'decided' && answer.claim?.verdict.allow).toBe(true);
      expect((await store!.listClaims({ checkout })).map((claim) => claim.relPath)).toEqual([relPath]);
    } finally {
      release();
      await holder.end();
    }
  });
});
