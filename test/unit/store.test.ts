import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteStore, SQLITE_FILE_NAME } from '../../src/core/store/sqlite.js';
import { SQLITE_MIGRATIONS } from '../../src/core/store/migrations.js';
import type { LockRequest, SessionRecord } from '../../src/core/store/store.js';
import { createSandbox, type Sandbox } from '../helpers/env.js';

let sandbox: Sandbox;
let store: SqliteStore;

beforeEach(() => {
  sandbox = createSandbox();
  store = new SqliteStore(sandbox.cwtHome);
});
afterEach(async () => {
  await store.close();
  sandbox.cleanup();
});

export function sampleSession(overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id: 'abcd1234',
    repo: '/r/.git',
    mainWorktree: '/r',
    worktree: '/r.worktrees/feat-x',
    branch: 'feat/x',
    createdBranch: true,
    baseCommit: 'a'.repeat(40),
    agent: 'claude',
    pid: null,
    host: 'h',
    startedAt: 1000,
    heartbeatAt: 1000,
    state: 'live',
    endedAt: null,
    agentExit: null,
    memoryDir: '/c/projects/-r/cwt-memory/feat-x',
    memoryBase: '/s/sessions/abcd1234/memory-base',
    ...overrides,
  };
}

function lockRequest(overrides: Partial<LockRequest> = {}): LockRequest {
  return { name: 'deploy', holder: 's1', session: 's1', pid: 1, host: 'h', ttlMs: 1000, note: null, now: 10_000, ...overrides };
}

describe('SqliteStore', () => {
  it('creates the state dir 0700 and the database, WAL and SHM files 0600', async () => {
    await store.insertSession(sampleSession());
    expect(statSync(sandbox.cwtHome).mode & 0o777).toBe(0o700);
    for (const suffix of ['', '-wal', '-shm']) {
      expect(statSync(join(sandbox.cwtHome, SQLITE_FILE_NAME + suffix)).mode & 0o777).toBe(0o600);
    }
  });

  it('runs every migration once and records the schema version; reopening is a no-op', async () => {
    await store.close();
    store = new SqliteStore(sandbox.cwtHome);
    const db = new Database(join(sandbox.cwtHome, SQLITE_FILE_NAME), { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(SQLITE_MIGRATIONS.length);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('round-trips a session and applies patches with their event in one transaction', async () => {
    const session = sampleSession();
    await store.insertSession(session, { kind: 'session.new', session: session.id });
    expect(await store.getSession(session.id)).toEqual(session);
    expect(await store.updateSession(session.id, { pid: 42, heartbeatAt: 2000 }, { kind: 'session.beat', session: session.id })).toBe(true);
    expect(await store.getSession(session.id)).toMatchObject({ pid: 42, heartbeatAt: 2000 });
    expect(await store.updateSession('nope', { pid: 1 }, { kind: 'x' })).toBe(false);
    expect((await store.listEvents()).map((e) => e.kind)).toEqual(['session.new', 'session.beat']);
  });

  it('hides ended sessions unless asked and filters by repository', async () => {
    await store.insertSession(sampleSession({ id: 'a1', state: 'ended' }));
    await store.insertSession(sampleSession({ id: 'a2' }));
    await store.insertSession(sampleSession({ id: 'a3', repo: '/other/.git' }));
    expect((await store.listSessions({ repo: '/r/.git' })).map((s) => s.id)).toEqual(['a2']);
    expect((await store.listSessions({ repo: '/r/.git', includeEnded: true })).map((s) => s.id)).toEqual(['a1', 'a2']);
    expect((await store.listSessions()).map((s) => s.id)).toEqual(['a2', 'a3']);
  });

  it('keeps the event log append-only even against direct SQL', async () => {
    await store.appendEvent({ kind: 'test', data: { n: 1 } });
    const db = new Database(join(sandbox.cwtHome, SQLITE_FILE_NAME));
    expect(() => db.prepare('UPDATE events SET kind = ?').run('forged')).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM events').run()).toThrow(/append-only/);
    db.close();
    expect((await store.listEvents())[0]).toMatchObject({ kind: 'test', data: { n: 1 } });
  });

  describe('locks', () => {
    it('grants a free lock, refuses a live holder, and issues strictly increasing fencing tokens', async () => {
      const first = await store.acquireLock(lockRequest(), () => false);
      expect(first).toMatchObject({ acquired: true, takenOver: null, lock: { token: 1 } });
      const busy = await store.acquireLock(lockRequest({ holder: 's2', session: 's2' }), () => false);
      expect(busy).toMatchObject({ acquired: false, current: { holder: 's1', token: 1 } });
      expect(await store.releaseLock('deploy', 1)).toBe(true);
      const again = await store.acquireLock(lockRequest({ holder: 's2' }), () => false);
      // Released and re-acquired: the token still moves forward, never reused.
      expect(again).toMatchObject({ acquired: true, lock: { token: 2, holder: 's2' } });
    });

    it('takes over a stale holder and reports whom it displaced; the old token can no longer release or heartbeat', async () => {
      await store.acquireLock(lockRequest(), () => false);
      const takeover = await store.acquireLock(lockRequest({ holder: 's2', session: 's2' }), () => true);
      expect(takeover).toMatchObject({ acquired: true, lock: { token: 2 }, takenOver: { holder: 's1', token: 1 } });
      expect(await store.heartbeatLock('deploy', 1, 20_000)).toBe(false);
      expect(await store.releaseLock('deploy', 1)).toBe(false);
      expect(await store.getLock('deploy')).toMatchObject({ holder: 's2', token: 2 });
      expect((await store.listEvents()).map((e) => e.kind)).toEqual(['lock.acquire', 'lock.takeover']);
    });

    it("releases every lock of a session and nobody else's", async () => {
      await store.acquireLock(lockRequest({ name: 'a' }), () => false);
      await store.acquireLock(lockRequest({ name: 'b' }), () => false);
      await store.acquireLock(lockRequest({ name: 'c', holder: 's2', session: 's2' }), () => false);
      expect((await store.releaseSessionLocks('s1')).map((l) => l.name).sort()).toEqual(['a', 'b']);
      expect((await store.listLocks()).map((l) => l.name)).toEqual(['c']);
    });
  });
});
