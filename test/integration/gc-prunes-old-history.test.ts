/**
 * A store that has seen months of use: `cwt gc` prunes events, ended sessions, kv tombstones, claim denials,
 * read records and commit records older than their retention windows, and keeps what is still needed: an open
 * session (with its old reads and commits), an ended session a live lock names, one whose memory was never
 * merged, and one a memory backup names, which `cwt merge-memory --undo` then restores. --dry-run shows the
 * same and changes nothing; `cwt log --since` still shows what is kept. Everyday commands prune too, once a
 * day; hooks never. On both stores.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_RETENTION } from '../../src/core/retention/policy.js';
import type { RetentionReport } from '../../src/core/retention/pass.js';
import type { Store } from '../../src/core/store/store.js';
import { MESSAGES } from '../../src/texts/messages.js';
import { openSandboxStore, STORE_BACKENDS, useBackend } from '../helpers/backends.js';
import { runCwt } from '../helpers/cli.js';
import { readText, startSession, useMemoryScenario, writeFiles, type TestSession } from '../helpers/memory.js';

const DAY = 86_400_000;

describe.each(STORE_BACKENDS)('cwt gc after months of use (%s store)', (backend) => {
  const fixture = useMemoryScenario({ 'MEMORY.md': '- [a](a.md)\n', 'a.md': 'alpha\n' });
  beforeEach(() => {
    useBackend(fixture.s, backend);
  });

  async function withStore<T>(fn: (store: Store) => Promise<T>): Promise<T> {
    const store = await openSandboxStore(fixture.s);
    try {
      return await fn(store);
    } finally {
      await store.close();
    }
  }

  it('prunes what the windows let go and keeps what open sessions, locks, unmerged memory and --undo need', async () => {
    const { s, canonical } = fixture;
    const ended = async (branch: string, args: string[] = [], change?: Record<string, string>): Promise<TestSession> => {
      const session = await startSession(s, branch);
      if (change) writeFiles(session.memoryDir, change);
      const end = await s.cwt(['end', session.id, ...args]);
      expect(end.stderr).not.toContain('cwt:');
      return session;
    };
    const plain = await ended('feat/plain');
    const undoable = await ended('feat/undoable', [], { 'a.md': 'alpha, learned\n' });
    const unmerged = await ended('feat/unmerged', ['--no-merge'], { 'b.md': 'beta\n' });
    const locker = await ended('feat/locker');
    const open = await startSession(s, 'feat/open');
    expect(readText(canonical, 'a.md')).toBe('alpha, learned\n');

    const now = Date.now();
    const old = now - 100 * DAY;
    await withStore(async (store) => {
      // Everything ended a hundred days ago.
      for (const session of [plain, undoable, unmerged, locker]) expect(await store.updateSession(session.id, { endedAt: old, heartbeatAt: old })).toBe(true);
      // An ended session still named by a live lock (this process holds it).
      await store.acquireLock({ name: 'deploy', holder: locker.id, session: locker.id, pid: process.pid, host: (await store.getSession(locker.id))!.host, ttlMs: 600_000, note: null, now }, () => false);
      // Old records, each with its event stamped then: a deleted kv key, a denied edit, reads, commits.
      await store.setData({ scope: 'project:x', key: 'gone', value: 1, session: null, now: old });
      await store.deleteData('project:x', 'gone', { session: null, now: old });
      await store.claimPath({ checkout: open.worktree, relPath: 'a.ts', repo: '/elsewhere/.git', absPath: `${open.worktree}/a.ts`, session: open.id, claudeId: null, now: old }, () => ({ allow: false, recordDenial: true }));
      await store.recordRead({ session: open.id, path: '/c/skills/INDEX.md', sha256: 'a'.repeat(64), at: old });
      await store.recordRead({ session: 'gone0001', path: '/c/skills/INDEX.md', sha256: 'a'.repeat(64), at: old });
      const padding = 'x'.repeat(2000);
      for (let n = 0; n < (backend === 'sqlite' ? 1500 : 20); n++) {
        await store.recordCommit({ repo: '/elsewhere/.git', sha: `old${n}`, session: null, branch: 'main', at: old }, { advanceTip: false, event: { kind: 'commit', data: { n, padding } } });
      }
      await store.recordCommit({ repo: '/elsewhere/.git', sha: 'open-old', session: open.id, branch: 'feat/open', at: old }, { advanceTip: false });
      await store.appendEvent({ kind: 'recent.note', data: { why: 'kept: inside the window' } });
    });
    const location = await withStore(async (store) => store.location);

    // Dry run: reported, nothing changed.
    const dryJson = await s.cwt(['gc', '--dry-run', '--json']);
    expect(dryJson.code).toBe(0);
    const planned = (JSON.parse(dryJson.stdout) as { retention: RetentionReport }).retention;
    expect(planned).toMatchObject({ dryRun: true, pruned: { sessions: 1, kvTombstones: 1, claimDenials: 1, reads: 1, commits: backend === 'sqlite' ? 1500 : 20 } });
    expect(planned.pruned.events).toBeGreaterThan(0);
    expect(planned.pruned.claudeSessions).toBe(0);
    expect(planned.kept.map((entry) => [entry.session, entry.reason]).sort()).toEqual(
      [
        [undoable.id, 'undo'],
        [unmerged.id, 'unmerged'],
        [locker.id, 'holds'],
      ].sort(),
    );
    const dry = await s.cwt(['gc', '--dry-run']);
    expect(dry.stdout.trim().split('\n')).toEqual([...MESSAGES.retentionReport(planned, location), MESSAGES.gcDryRun]);
    expect((await s.sessions()).map((session) => session.id)).toContain(plain.id);

    const gc = await s.cwt(['gc', '--json']);
    expect(gc.code).toBe(0);
    const report = (JSON.parse(gc.stdout) as { retention: RetentionReport }).retention;
    expect(report.pruned).toEqual(planned.pruned);
    if (backend === 'sqlite') expect(report.sizeAfter).toBeLessThan(report.sizeBefore);

    await withStore(async (store) => {
      const ids = (await store.listSessions({ includeEnded: true })).map((session) => session.id).sort();
      expect(ids).toEqual([undoable.id, unmerged.id, locker.id, open.id].sort());
      expect((await store.listEvents()).filter((event) => event.at < now - DEFAULT_RETENTION.events!)).toEqual([]);
      expect((await store.listEvents({ kinds: ['recent.note'] })).length).toBe(1);
      expect(await store.getRead(open.id, '/c/skills/INDEX.md')).toBeDefined();
      expect(await store.getRead('gone0001', '/c/skills/INDEX.md')).toBeUndefined();
      expect((await store.listCommits('/elsewhere/.git', ['old0', 'open-old'])).map((commit) => commit.sha)).toEqual(['open-old']);
      expect(await store.getLock('deploy')).toMatchObject({ session: locker.id });
      // The deleted key's version is not reused.
      expect(await store.setData({ scope: 'project:x', key: 'gone', value: 2, session: null, now })).toMatchObject({ ok: true, record: { version: 3 } });
    });

    // What is kept still reads: the log of the last day, and the undo of the last merge with its session's state.
    const log = await s.cwt(['log', '--since', '1d', '--json']);
    expect(log.code).toBe(0);
    expect(log.stdout).toContain('recent.note');
    expect(log.stdout).not.toContain('"kind":"kv.delete"');
    const undo = await s.cwt(['merge-memory', '--undo', '--json']);
    expect(undo.stderr).not.toContain('cwt:');
    expect(undo.code).toBe(0);
    expect(readText(canonical, 'a.md')).toBe('alpha\n');
    expect((await s.sessions()).find((session) => session.id === undoable.id)).toMatchObject({ memory: 'unmerged', memoryMergedAt: null });

    // A second gc keeps the same records, now also the undone one's until it is merged again.
    expect((await s.cwt(['gc', '--json'])).code).toBe(0);
    await withStore(async (store) => expect(await store.getSession(undoable.id)).toBeDefined());
  });

  it('an everyday command prunes after its work, at most once a day; a hook never does', async () => {
    const { s } = fixture;
    const old = Date.now() - 100 * DAY;
    const commitOld = (sha: string) =>
      withStore((store) => store.recordCommit({ repo: '/elsewhere/.git', sha, session: null, branch: 'main', at: old }, { advanceTip: false, event: { kind: 'commit', data: { sha } } }));
    const recorded = (sha: string) => withStore(async (store) => (await store.listCommits('/elsewhere/.git', [sha])).length === 1);
    await commitOld('first');
    const hook = await runCwt(['hook', 'pre-tool-use'], { cwd: s.repo, env: s.env, input: JSON.stringify({ session_id: 'tab-1', cwd: s.repo, tool_name: 'Write', tool_input: { file_path: `${s.repo}/a.ts` } }) });
    expect(hook.code).toBe(0);
    expect(await recorded('first')).toBe(true);
    expect((await s.cwt(['status'])).code).toBe(0);
    expect(await recorded('first')).toBe(false);
    await withStore(async (store) => expect(await store.listEvents({ kinds: ['commit'] })).toEqual([]));
    // The same day: the next command leaves it for tomorrow (or for cwt gc).
    await commitOld('second');
    expect((await s.cwt(['status'])).code).toBe(0);
    expect(await recorded('second')).toBe(true);
    expect((await s.cwt(['gc'])).stdout).toContain('1 commit record(s)');
    expect(await recorded('second')).toBe(false);
  });
});
