/**
 * `cwt end --remove --delete-branch` checks that nothing would be lost, then waits for the repository lock
 * (another `cwt new` or `cwt end` holds it). A commit that lands on the branch meanwhile is work the first
 * check never saw: under the lock, right before removing or deleting, the check runs again and refuses. And
 * the branch goes with `git branch -d`, so git refuses too should a commit land after that; `-D` only under
 * `--force`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { acquireLock, repoLockName, type LockHandle } from '../../src/core/coordination/locks.js';
import type { Store } from '../../src/core/store/store.js';
import { openSandboxStore } from '../helpers/backends.js';
import { startCwt, waitForStderr } from '../helpers/cli.js';
import { commitAll, git, listBranches, writeFile } from '../helpers/git.js';
import { startSession, type TestSession } from '../helpers/memory.js';
import { createScenario, type Scenario } from '../helpers/scenario.js';

let s: Scenario;
let store: Store;
let session: TestSession;
beforeEach(async () => {
  s = createScenario();
  session = await startSession(s, 'feat/late');
  store = await openSandboxStore(s);
});
afterEach(async () => {
  await store.close();
  s.cleanup();
});

/** Holds the repository lock, as a `cwt new` creating another worktree would. */
function holdRepoLock(): Promise<LockHandle> {
  return acquireLock(store, { name: repoLockName(join(s.repo, '.git')), env: s.env, ttlMs: 60_000, note: 'the test, creating a worktree' });
}

/** Starts `cwt end` and resolves once it is inside `step` (waiting for the lock the test holds). */
async function startEndAt(args: string[], step: string) {
  const run = startCwt(['end', session.id, ...args], { cwd: s.repo, env: s.env });
  await waitForStderr(run.child, (text) => text.includes(step));
  return run;
}

describe('end --delete-branch and a commit made while it waits for the repository lock', () => {
  it('--remove --delete-branch: the commit is seen under the lock; worktree and branch are kept', async () => {
    const lock = await holdRepoLock();
    const end = await startEndAt(['--remove', '--delete-branch'], 'Remove the worktree');
    writeFile(session.worktree, 'late.ts', 'written after the check\n');
    const late = commitAll(session.worktree, 'late work');
    await lock.release();
    const result = await end.result;
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain(late.slice(0, 10));
    expect(git(s.repo, ['rev-parse', 'refs/heads/feat/late'])).toBe(late);
    expect(existsSync(session.worktree)).toBe(true);
  });

  it('--delete-branch of a removed worktree: the commit is seen under the lock; the branch is kept', async () => {
    const removed = await s.cwt(['end', session.id, '--remove']);
    expect(removed.code, removed.stderr).toBe(0);
    const tip = git(s.repo, ['rev-parse', 'refs/heads/feat/late']);
    const lock = await holdRepoLock();
    const end = await startEndAt(['--delete-branch'], 'Delete the branch');
    // Another clone's push, say: the branch moves without any worktree.
    const late = git(s.repo, ['commit-tree', `${tip}^{tree}`, '-p', tip, '-m', 'late work']);
    git(s.repo, ['update-ref', 'refs/heads/feat/late', late]);
    await lock.release();
    const result = await end.result;
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain(late.slice(0, 10));
    expect(git(s.repo, ['rev-parse', 'refs/heads/feat/late'])).toBe(late);
  });

  it('without --force the branch is deleted with git branch -d: one git does not see as merged is kept (exit 1), --force deletes it', async () => {
    // Pushed without an upstream: cwt sees the commit on a remote-tracking branch, git branch -d only looks at HEAD.
    const remote = join(s.root, 'remote.git');
    git(s.root, ['init', '-q', '--bare', remote]);
    git(s.repo, ['remote', 'add', 'origin', remote]);
    writeFile(session.worktree, 'feature.ts', 'x\n');
    commitAll(session.worktree, 'the feature');
    git(session.worktree, ['push', '-q', 'origin', 'feat/late']);
    const kept = await s.cwt(['end', session.id, '--remove', '--delete-branch']);
    expect(kept.code, kept.stderr).toBe(1);
    expect(kept.stderr).toContain("kept branch 'feat/late'");
    expect(kept.stderr).toContain(`cwt end ${session.id} --delete-branch --force`);
    expect(existsSync(session.worktree)).toBe(false);
    expect(listBranches(s.repo)).toContain('feat/late');
    expect((await store.getSession(session.id))!.state).toBe('ended');
    const forced = await s.cwt(['end', session.id, '--delete-branch', '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(listBranches(s.repo)).toEqual(['main']);
  });
});
