import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteStore, SQLITE_FILE_NAME } from '../../src/core/store/sqlite.js';
import { SQLITE_MIGRATIONS } from '../../src/core/store/migrations.js';
import type { ClaimDecider, ClaimRequest, ClaimState, LockRequest } from '../../src/core/store/store.js';
import { STORE_BACKENDS } from '../helpers/backends.js';
import { sampleSession, useStoreFixture } from '../helpers/store.js';

function lockRequest(overrides: Partial<LockRequest> = {}): LockRequest {
  return { name: 'deploy', holder: 's1', session: 's1', pid: 1, host: 'h', ttlMs: 1000, note: null, now: 10_000, ...overrides };
}

describe('SqliteStore', () => {
  const fixture = useStoreFixture('sqlite');

  it('creates the state dir 0700 and the database, WAL and SHM files 0600', async () => {
    await fixture.store.insertSession(sampleSession());
    expect(statSync(fixture.sandbox.cwtHome).mode & 0o777).toBe(0o700);
    for (const suffix of ['', '-wal', '-shm']) {
      expect(statSync(join(fixture.sandbox.cwtHome, SQLITE_FILE_NAME + suffix)).mode & 0o777).toBe(0o600);
    }
  });

  it('runs every migration once and records the schema version; reopening is a no-op', async () => {
    await fixture.store.appendEvent({ kind: 'before-reopen' });
    const reopened = new SqliteStore(fixture.sandbox.cwtHome);
    expect((await reopened.listEvents()).map((e) => e.kind)).toEqual(['before-reopen']);
    await reopened.close();
    const db = new Database(join(fixture.sandbox.cwtHome, SQLITE_FILE_NAME), { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(SQLITE_MIGRATIONS.length);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('keeps the event log append-only even against direct SQL', async () => {
    await fixture.store.appendEvent({ kind: 'test', data: { n: 1 } });
    const db = new Database(join(fixture.sandbox.cwtHome, SQLITE_FILE_NAME));
    expect(() => db.prepare('UPDATE events SET kind = ?').run('forged')).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM events').run()).toThrow(/append-only/);
    db.close();
    expect((await fixture.store.listEvents())[0]).toMatchObject({ kind: 'test', data: { n: 1 } });
  });

  it('prepares a statement once per connection, and past its bound still answers every shape of SQL rightly', async () => {
    const session = sampleSession();
    await fixture.store.insertSession(session);
    const prepared: string[] = [];
    const original = Database.prototype.prepare;
    Database.prototype.prepare = function (this: Database.Database, sql: string) {
      prepared.push(sql);
      return original.call(this, sql);
    } as typeof original;
    try {
      for (let i = 0; i < 50; i++) expect(await fixture.store.getSession(session.id)).toEqual(session);
      expect(prepared.filter((sql) => sql === 'SELECT * FROM sessions WHERE id = ?')).toHaveLength(1);
      // 300 shapes (an IN list of every length) against a bound of 256: each answered by its own statement.
      const kinds = Array.from({ length: 300 }, (_, i) => `kind-${i}`);
      for (const kind of kinds) await fixture.store.appendEvent({ kind });
      for (let n = 1; n <= kinds.length; n++) expect((await fixture.store.listEvents({ kinds: kinds.slice(0, n) })).map((e) => e.kind)).toEqual(kinds.slice(0, n));
      // The oldest shape went: asked again, it is prepared again, and still right.
      const oneKind = () => prepared.filter((sql) => /kind IN \(\?\)/.test(sql)).length;
      expect(oneKind()).toBe(1);
      expect((await fixture.store.listEvents({ kinds: kinds.slice(0, 1) })).map((e) => e.kind)).toEqual(['kind-0']);
      expect(oneKind()).toBe(2);
    } finally {
      Database.prototype.prepare = original;
    }
  });
});

describe.each(STORE_BACKENDS)('the %s store', (backend) => {
  const fixture = useStoreFixture(backend);

  it('round-trips a session and applies patches with their event in one transaction', async () => {
    const session = sampleSession();
    await fixture.store.insertSession(session, { kind: 'session.new', session: session.id });
    expect(await fixture.store.getSession(session.id)).toEqual(session);
    expect(await fixture.store.updateSession(session.id, { pid: 42, heartbeatAt: 2000 }, { kind: 'session.beat', session: session.id })).toBe(true);
    expect(await fixture.store.getSession(session.id)).toMatchObject({ pid: 42, heartbeatAt: 2000 });
    expect(await fixture.store.updateSession('nope', { pid: 1 }, { kind: 'x' })).toBe(false);
    expect((await fixture.store.listEvents()).map((e) => e.kind)).toEqual(['session.new', 'session.beat']);
  });

  it('writes an activity and logs it only when the stored one differs (onActivityChange), the heartbeat always', async () => {
    const session = sampleSession();
    await fixture.store.insertSession(session);
    const working = (at: number) => [session.id, { heartbeatAt: at, activity: 'working', activityAt: at }, { kind: 'session.working', session: session.id }, { onActivityChange: true }] as const;
    expect(await fixture.store.updateSession(...working(2000))).toBe(true);
    expect(await fixture.store.updateSession(...working(3000))).toBe(true); // a racer that read the old activity
    expect(await fixture.store.getSession(session.id)).toMatchObject({ heartbeatAt: 3000, activity: 'working', activityAt: 2000 });
    await fixture.store.updateSession(session.id, { activity: null, activityAt: null }, undefined, { onActivityChange: true });
    expect(await fixture.store.getSession(session.id)).not.toHaveProperty('activity');
    expect((await fixture.store.listEvents()).map((e) => e.kind)).toEqual(['session.working']);
  });

  it('keeps a session\'s memory merge state: when merged, and the conflicts waiting (absent until there is some)', async () => {
    const session = sampleSession();
    await fixture.store.insertSession(session);
    const conflicts = [{ file: 'a.md', reason: 'both-changed' as const, canonicalSha: 'c'.repeat(64), sessionSha: null, conflictSha: 'f'.repeat(64) }];
    await fixture.store.updateSession(session.id, { memoryConflicts: conflicts });
    expect(await fixture.store.getSession(session.id)).toEqual({ ...session, memoryConflicts: conflicts });
    await fixture.store.updateSession(session.id, { memoryMergedAt: 1234, memoryConflicts: [] });
    expect(await fixture.store.getSession(session.id)).toEqual({ ...session, memoryMergedAt: 1234 });
  });

  it('hides ended sessions unless asked and filters by repository', async () => {
    await fixture.store.insertSession(sampleSession({ id: 'a1', state: 'ended' }));
    await fixture.store.insertSession(sampleSession({ id: 'a2' }));
    await fixture.store.insertSession(sampleSession({ id: 'a3', repo: '/other/.git' }));
    expect((await fixture.store.listSessions({ repo: '/r/.git' })).map((s) => s.id)).toEqual(['a2']);
    expect((await fixture.store.listSessions({ repo: '/r/.git', includeEnded: true })).map((s) => s.id)).toEqual(['a1', 'a2']);
    expect((await fixture.store.listSessions()).map((s) => s.id)).toEqual(['a2', 'a3']);
  });

  describe('locks', () => {
    it('grants a free lock, refuses a live holder, and issues strictly increasing fencing tokens', async () => {
      const first = await fixture.store.acquireLock(lockRequest(), () => false);
      expect(first).toMatchObject({ acquired: true, takenOver: null, lock: { token: 1 } });
      const busy = await fixture.store.acquireLock(lockRequest({ holder: 's2', session: 's2' }), () => false);
      expect(busy).toMatchObject({ acquired: false, current: { holder: 's1', token: 1 } });
      expect(await fixture.store.releaseLock('deploy', 1)).toBe(true);
      const again = await fixture.store.acquireLock(lockRequest({ holder: 's2' }), () => false);
      // Released and re-acquired: the token still moves forward, never reused.
      expect(again).toMatchObject({ acquired: true, lock: { token: 2, holder: 's2' } });
    });

    it('takes over a stale holder and reports whom it displaced; the old token can no longer release or heartbeat', async () => {
      await fixture.store.acquireLock(lockRequest(), () => false);
      const takeover = await fixture.store.acquireLock(lockRequest({ holder: 's2', session: 's2' }), () => true);
      expect(takeover).toMatchObject({ acquired: true, lock: { token: 2 }, takenOver: { holder: 's1', token: 1 } });
      expect(await fixture.store.heartbeatLock('deploy', 1, 20_000)).toBe(false);
      expect(await fixture.store.releaseLock('deploy', 1)).toBe(false);
      expect(await fixture.store.getLock('deploy')).toMatchObject({ holder: 's2', token: 2 });
      expect((await fixture.store.listEvents()).map((e) => e.kind)).toEqual(['lock.acquire', 'lock.takeover']);
    });

    it("releases every lock of a session and nobody else's", async () => {
      await fixture.store.acquireLock(lockRequest({ name: 'a' }), () => false);
      await fixture.store.acquireLock(lockRequest({ name: 'b' }), () => false);
      await fixture.store.acquireLock(lockRequest({ name: 'c', holder: 's2', session: 's2' }), () => false);
      expect((await fixture.store.releaseSessionLocks('s1')).map((l) => l.name).sort()).toEqual(['a', 'b']);
      expect((await fixture.store.listLocks()).map((l) => l.name)).toEqual(['c']);
    });
  });

  describe('claims', () => {
    const request = (overrides: Partial<ClaimRequest> = {}): ClaimRequest => ({
      checkout: '/r', relPath: 'src/a.ts', repo: '/r/.git', absPath: '/r/src/a.ts', session: 's1', claudeId: 'c1', now: 1000, ...overrides,
    });
    const allowAll: ClaimDecider = () => ({ allow: true, takeover: false });

    it('records a claim, shows the decider the holder and the last denial, and applies deny and takeover verdicts', async () => {
      const holder = sampleSession({ id: 's1' });
      await fixture.store.insertSession(holder);
      await fixture.store.claimPath(request(), allowAll);
      const seen: ClaimState[] = [];
      const denied = await fixture.store.claimPath(request({ session: 's2', claudeId: null, now: 2000 }), (state) => {
        seen.push(state);
        return { allow: false, recordDenial: true };
      });
      expect(denied.verdict).toEqual({ allow: false, recordDenial: true });
      expect(seen[0]).toMatchObject({ existing: { session: 's1', at: 1000 }, holder: { id: 's1' }, deniedAt: null });
      const retried = await fixture.store.claimPath(request({ session: 's2', claudeId: null, now: 3000 }), (state) => {
        seen.push(state);
        return { allow: true, takeover: true };
      });
      expect(retried.state.deniedAt).toBe(2000);
      expect(await fixture.store.listClaims({ checkout: '/r' })).toEqual([
        { checkout: '/r', relPath: 'src/a.ts', repo: '/r/.git', absPath: '/r/src/a.ts', session: 's2', claudeId: null, at: 3000 },
      ]);
      expect((await fixture.store.listEvents()).map((e) => e.kind)).toEqual(['claim', 'claim.deny', 'claim.takeover']);
    });

    it('lists claims by repository and path across checkouts, and releases them by paths, by Claude id, or all', async () => {
      await fixture.store.claimPath(request(), allowAll);
      await fixture.store.claimPath(request({ relPath: 'src/b.ts', absPath: '/r/src/b.ts', claudeId: 'c2' }), allowAll);
      await fixture.store.claimPath(request({ relPath: 'src/c.ts', absPath: '/r/src/c.ts' }), allowAll);
      await fixture.store.claimPath(request({ checkout: '/w', absPath: '/w/src/a.ts', session: 's2' }), allowAll);
      expect((await fixture.store.listClaims({ repo: '/r/.git', relPath: 'src/a.ts' })).map((c) => c.checkout).sort()).toEqual(['/r', '/w']);
      expect((await fixture.store.releaseClaims('s1', { absPaths: ['/r/src/a.ts', '/nowhere'] })).map((c) => c.relPath)).toEqual(['src/a.ts']);
      expect((await fixture.store.releaseClaims('s1', { claudeId: 'c2' })).map((c) => c.relPath)).toEqual(['src/b.ts']);
      expect((await fixture.store.releaseClaims('s1')).map((c) => c.relPath)).toEqual(['src/c.ts']);
      expect((await fixture.store.listClaims()).map((c) => c.session)).toEqual(['s2']);
    });

    it('links a Claude session id once, relinks it only after it ended, and remembers reads', async () => {
      await fixture.store.linkClaudeSession('c1', 's1', 1);
      await fixture.store.linkClaudeSession('c1', 's2', 2);
      expect(await fixture.store.getSessionOfClaude('c1')).toBe('s1');
      await fixture.store.endClaudeSession('c1', 3);
      await fixture.store.linkClaudeSession('c1', 's2', 4);
      expect(await fixture.store.getSessionOfClaude('c1')).toBe('s2');
      await fixture.store.recordRead({ session: 's1', path: '/p', sha256: 'a', at: 1 });
      await fixture.store.recordRead({ session: 's1', path: '/p', sha256: 'b', at: 2 });
      expect(await fixture.store.getRead('s1', '/p')).toEqual({ session: 's1', path: '/p', sha256: 'b', at: 2 });
      expect(await fixture.store.getRead('s2', '/p')).toBeUndefined();
    });
  });

  describe('conversations', () => {
    it('records the first prompt once and the transcript, lists a session\'s conversations, and moves one', async () => {
      const { store } = fixture;
      await store.linkClaudeSession('c1', 's1', 10);
      await store.noteClaudeSession('c1', 's1', { firstPrompt: 'fix the login bug', transcript: '/h/projects/-w/c1.jsonl' }, 20);
      await store.noteClaudeSession('c1', 's1', { firstPrompt: 'a later prompt' }, 30);
      // Not linked yet: linked now (a UserPromptSubmit before SessionStart).
      await store.noteClaudeSession('c2', 's1', { firstPrompt: 'second' }, 40);
      // A row of another session is left alone.
      await store.noteClaudeSession('c1', 's2', { firstPrompt: 'stolen?' }, 50);
      expect(await store.listClaudeSessions('s1')).toEqual([
        { claudeId: 'c1', session: 's1', startedAt: 10, activeAt: 30, endedAt: null, firstPrompt: 'fix the login bug', transcript: '/h/projects/-w/c1.jsonl' },
        { claudeId: 'c2', session: 's1', startedAt: 40, activeAt: 40, endedAt: null, firstPrompt: 'second', transcript: null },
      ]);
      // Resumed after it ended: its start stays, its activity moves.
      await store.endClaudeSession('c1', 60);
      await store.linkClaudeSession('c1', 's1', 70);
      expect((await store.listClaudeSessions('s1'))[0]).toMatchObject({ startedAt: 10, activeAt: 70, endedAt: null });
      expect(await store.moveClaudeSession('c1', 's1', 's3', 80)).toBe(true);
      expect(await store.moveClaudeSession('c1', 's1', 's3', 81)).toBe(false);
      expect((await store.listClaudeSessions('s3')).map((c) => [c.claudeId, c.firstPrompt, c.activeAt])).toEqual([['c1', 'fix the login bug', 80]]);
      expect(await store.getSessionOfClaude('c1')).toBe('s3');
      expect((await store.listEvents()).filter((e) => e.kind === 'claude.move').map((e) => e.data)).toEqual([{ claudeSession: 'c1', from: 's1' }]);
    });
  });

  it('records a hook call for its first decider only (sixteen at once: concurrent statements on PostgreSQL), and prunes old records', async () => {
    const results = await Promise.all(Array.from({ length: 16 }, (_, i) => fixture.store.claimHookCall({ key: 'c1/toolu_1/pre-tool-use', by: i % 2 ? 'fastpath' : 'command', at: 100 + i })));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await fixture.store.claimHookCall({ key: 'c1/toolu_1/post-tool-use', by: 'command', at: 500 })).toBe(true);
    expect((await fixture.store.listHookCalls()).map((call) => call.key)).toEqual(['c1/toolu_1/pre-tool-use', 'c1/toolu_1/post-tool-use']);
    expect(await fixture.store.pruneHookCalls(400)).toBe(1);
    expect((await fixture.store.listHookCalls()).map((call) => [call.key, call.by, call.at])).toEqual([['c1/toolu_1/post-tool-use', 'command', 500]]);
  });

  describe('commits', () => {
    it('recordCommit records the commit, advances the tip, releases only the committed claims of that session, in one go', async () => {
      const { store } = fixture;
      await store.insertSession(sampleSession());
      await store.insertSession(sampleSession({ id: 'other001' }));
      const claim = (session: string, relPath: string) =>
        store.claimPath({ checkout: '/r.worktrees/feat-x', relPath, repo: '/r/.git', absPath: `/r.worktrees/feat-x/${relPath}`, session, claudeId: null, now: 5 }, () => ({ allow: true, takeover: false }));
      await claim('abcd1234', 'a.ts');
      await claim('abcd1234', 'b.ts');
      await claim('other001', 'c.ts');
      const sha = 'c'.repeat(40);
      const released = await store.recordCommit(
        { repo: '/r/.git', sha, session: 'abcd1234', branch: 'feat/x', at: 9 },
        { advanceTip: true, releasePaths: ['/r.worktrees/feat-x/a.ts', '/r.worktrees/feat-x/c.ts'], event: { kind: 'commit', session: 'abcd1234', data: { sha } } },
      );
      expect(released.map((c) => c.relPath)).toEqual(['a.ts']);
      expect((await store.listClaims()).map((c) => c.relPath).sort()).toEqual(['b.ts', 'c.ts']);
      expect((await store.getSession('abcd1234'))?.knownTip).toBe(sha);
      expect((await store.getSession('other001'))?.knownTip).toBeUndefined();
      expect(await store.listCommits('/r/.git', [sha, 'd'.repeat(40)])).toEqual([{ repo: '/r/.git', sha, session: 'abcd1234', branch: 'feat/x', at: 9 }]);
      expect(await store.listCommits('/other/.git', [sha])).toEqual([]);
      expect((await store.listEvents()).map((e) => e.kind).slice(-2)).toEqual(['claim.release', 'commit']);
      // The first record of a commit stands; a commit by no session advances nobody's tip.
      await store.recordCommit({ repo: '/r/.git', sha, session: null, branch: 'feat/x', at: 10 }, { advanceTip: true });
      expect((await store.listCommits('/r/.git', [sha]))[0]?.session).toBe('abcd1234');
    });
  });
});
