/**
 * Reading local branches and worktree HEADs from git's files (core/git/localrefs.ts) against git itself:
 * wherever the reader answers, its answer is what `git for-each-ref --format=%(refname) refs/heads/` and `git
 * worktree list --porcelain` say of the same repository; where a ref or HEAD is one it does not know exactly,
 * it answers nothing (undefined), and git is asked.
 */
import { rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { findWorktreeOfBranch, hasLocalBranch, isValidBranchName, listLocalBranches, listWorktrees, resolveCommit } from '../../src/core/git/git.js';
import { isBranchNear, isPlainBranchName, readBranchesNear, readHeadCommit, readLocalBranches, readWorktreeBranches } from '../../src/core/git/localrefs.js';
import { createSandbox, type Sandbox } from '../helpers/env.js';
import { createRepo, git } from '../helpers/git.js';

let sb: Sandbox;
let repo: string;
let commonDir: string;

beforeEach(() => {
  sb = createSandbox();
  repo = createRepo(join(sb.root, 'repo'));
  commonDir = join(repo, '.git');
});
afterEach(() => sb.cleanup());

async function expectSameAsGit(): Promise<void> {
  expect(readLocalBranches(commonDir)).toEqual(await listLocalBranches(repo));
  const fromGit = (await listWorktrees(repo)).map((entry) => ({ path: entry.path, branch: entry.branch }));
  expect(readWorktreeBranches(commonDir, repo)).toEqual(expect.arrayContaining(fromGit));
  expect(readWorktreeBranches(commonDir, repo)).toHaveLength(fromGit.length);
}

describe('branches and worktree HEADs from the files, as git lists them', () => {
  it('a fresh repository: its one branch, checked out in the main worktree', async () => {
    await expectSameAsGit();
    expect(readLocalBranches(commonDir)).toEqual(['main']);
  });

  it('loose, nested, packed and both-packed-and-loose branches, tags left out, in git\'s order', async () => {
    for (const name of ['feat/x', 'feat/y/z', 'fix-1', 'Zed', 'a.b', 'release/1.2']) git(repo, ['branch', name]);
    git(repo, ['tag', 'v1']);
    git(repo, ['tag', '-a', 'v2', '-m', 'annotated: a peeled line in packed-refs']);
    git(repo, ['pack-refs', '--all']);
    // After packing: one more loose branch, and a packed one updated (loose and packed at once).
    git(repo, ['branch', 'late']);
    writeFileSync(join(repo, 'f.txt'), 'x\n');
    git(repo, ['add', 'f.txt']);
    git(repo, ['commit', '-qm', 'moves main, packed before']);
    await expectSameAsGit();
    expect(readLocalBranches(commonDir)).toEqual(['Zed', 'a.b', 'feat/x', 'feat/y/z', 'fix-1', 'late', 'main', 'release/1.2']);
  });

  it('the branches near a name (itself, a directory of it, inside it): the same as git\'s list, filtered', async () => {
    for (const name of ['feat/x', 'feat/y/z', 'fix-1', 'solo']) git(repo, ['branch', name]);
    git(repo, ['pack-refs', '--all']);
    git(repo, ['branch', 'feat/w']);
    git(repo, ['branch', 'deep/a/b']);
    const all = await listLocalBranches(repo);
    for (const name of ['feat', 'feat/x', 'feat/x/more', 'feat/y', 'feat/y/z/more', 'deep', 'deep/a', 'deep/a/b', 'solo', 'solo/x', 'absent', 'absent/x', 'main']) {
      expect(readBranchesNear(commonDir, name), name).toEqual(all.filter((other) => isBranchNear(other, name)));
      expect(await hasLocalBranch(name, repo, { commonDir, mainWorktree: repo, gitDir: commonDir }), name).toBe(all.includes(name));
    }
    // A name that is not a plain one is never made into a path.
    expect(readBranchesNear(commonDir, '../../../etc/passwd')).toBeUndefined();
    expect(readBranchesNear(commonDir, 'feat/ü')).toBeUndefined();
  });

  it('a deleted packed branch is gone from both', async () => {
    git(repo, ['branch', 'gone']);
    git(repo, ['pack-refs', '--all']);
    git(repo, ['branch', '-D', 'gone']);
    await expectSameAsGit();
  });

  it('linked worktrees on branches, a detached one, a locked one, one whose directory was deleted, a detached main', async () => {
    git(repo, ['worktree', 'add', '-q', '-b', 'wt/a', join(sb.root, 'a')]);
    git(repo, ['worktree', 'add', '-q', '--detach', join(sb.root, 'detached')]);
    git(repo, ['worktree', 'add', '-q', '--lock', '-b', 'locked', join(sb.root, 'locked')]);
    git(repo, ['worktree', 'add', '-q', '-b', 'deleted', join(sb.root, 'deleted')]);
    rmSync(join(sb.root, 'deleted'), { recursive: true });
    git(repo, ['checkout', '-q', '--detach']);
    await expectSameAsGit();
    expect(await findWorktreeOfBranch('wt/a', repo, { commonDir, mainWorktree: repo, gitDir: commonDir })).toEqual({ path: join(sb.root, 'a'), branch: 'refs/heads/wt/a' });
    expect(await findWorktreeOfBranch('main', repo, { commonDir, mainWorktree: repo, gitDir: commonDir })).toBeUndefined();
  });

  it('an unborn branch in the main worktree is its HEAD, and no branch yet', async () => {
    git(repo, ['checkout', '-q', '--orphan', 'fresh']);
    await expectSameAsGit();
    expect(readLocalBranches(commonDir)).toEqual(['main']);
    expect(readWorktreeBranches(commonDir, repo)).toEqual([{ path: repo, branch: 'refs/heads/fresh' }]);
  });
});

describe('what the reader leaves to git', () => {
  it.each([
    ['a ref being written (its .lock file)', 'busy', () => writeFileSync(join(commonDir, 'refs', 'heads', 'busy.lock'), '')],
    ['a symbolic branch', 'alias', () => git(repo, ['symbolic-ref', 'refs/heads/alias', 'refs/heads/main'])],
    ['a link where a ref belongs', 'linked', () => symlinkSync(join(commonDir, 'refs', 'heads', 'main'), join(commonDir, 'refs', 'heads', 'linked'))],
    ['a malformed loose ref', 'broken', () => writeFileSync(join(commonDir, 'refs', 'heads', 'broken'), 'not an id\n')],
    ['a packed-refs line of another shape', 'main', () => writeFileSync(join(commonDir, 'packed-refs'), '# pack-refs with: peeled fully-peeled sorted \nsomething else\n')],
    ['a branch name outside plain ASCII', 'feat', () => git(repo, ['branch', 'feat/ünï'])],
  ])('%s: no answer for the branches', async (_, near, make) => {
    make();
    expect(readLocalBranches(commonDir)).toBeUndefined();
    // Nor for the branches near the one concerned.
    expect(readBranchesNear(commonDir, near)).toBeUndefined();
    // The callers then ask git, whose answer (or refusal: git rejects that packed-refs) stands.
    const settle = (answer: Promise<unknown>) => answer.then((value) => ({ value }), (error: Error) => ({ error: error.message }));
    const plain = { commonDir, mainWorktree: repo, gitDir: commonDir };
    expect(await settle(listLocalBranches(repo, plain))).toEqual(await settle(listLocalBranches(repo)));
    expect(await settle(hasLocalBranch('main', repo, plain))).toEqual(await settle(hasLocalBranch('main', repo)));
  });

  it.each([
    ['a HEAD that is not a branch or an id', (wt: string) => writeFileSync(join(wt, 'HEAD'), 'ref: refs/remotes/origin/main\n')],
    ['a worktree record without its gitdir file', (wt: string) => rmSync(join(wt, 'gitdir'))],
    ['a relative gitdir', (wt: string) => writeFileSync(join(wt, 'gitdir'), '../b/.git\n')],
  ])('%s: no answer for the worktrees', async (_, make) => {
    git(repo, ['worktree', 'add', '-q', '-b', 'b', join(sb.root, 'b')]);
    make(join(commonDir, 'worktrees', 'b'));
    expect(readWorktreeBranches(commonDir, repo)).toBeUndefined();
    expect(await findWorktreeOfBranch('main', repo, { commonDir, mainWorktree: repo, gitDir: commonDir })).toEqual(await findWorktreeOfBranch('main', repo));
  });

  it('no refs/heads directory at all (every branch packed) is an answer, not a refusal', async () => {
    git(repo, ['pack-refs', '--all']);
    rmSync(join(commonDir, 'refs', 'heads'), { recursive: true, force: true });
    expect(readLocalBranches(commonDir)).toEqual(['main']);
    await expectSameAsGit();
  });
});

describe('branch names and HEAD commits without git', () => {
  /** What `git check-ref-format --branch` prints for `name`, or null when it refuses it. */
  const gitBranchName = (name: string) => {
    const result = spawnSync('git', ['check-ref-format', '--branch', name], { cwd: repo, encoding: 'utf8' });
    return result.status === 0 ? result.stdout.trim() : null;
  };

  it('every plain name is one git accepts as it is; the others are git\'s to judge, and isValidBranchName asks it', async () => {
    const plain = ['feat/x', 'fix-1', 'a.b', 'release/1.2.3', 'Zed_9', 'deep/a/b/c', 'x-', 'a_b/c-d.e'];
    const other = ['', 'a..b', '.hidden', 'feat/.x', 'x.lock', 'x.lock/y', 'trailing/', 'trailing.', 'a//b', '/lead', 'sp ace', 'tilde~', 'c^', 'co:lon', 'q?', 'st*r', 'br[', 'back\\slash', 'feat/ü', 'at@{x', '@', 'HEAD', '-dash', 'a/b.lock'];
    for (const name of plain) {
      expect(isPlainBranchName(name), name).toBe(true);
      expect(gitBranchName(name), name).toBe(name);
    }
    for (const name of other) {
      expect(isPlainBranchName(name), name).toBe(false);
      const judged = gitBranchName(name);
      expect(await isValidBranchName(name, repo), name).toBe(judged === name && !name.startsWith('-') && name !== '@');
    }
  });

  it("HEAD's commit from the files, as git's HEAD^{commit}: a loose branch, a packed one, detached, unborn, a linked worktree", async () => {
    const plain = { commonDir, mainWorktree: repo, gitDir: commonDir };
    const viaGit = (cwd: string) => resolveCommit('HEAD', cwd);
    expect(readHeadCommit(commonDir, commonDir)).toBe(await viaGit(repo));
    git(repo, ['pack-refs', '--all']);
    expect(readHeadCommit(commonDir, commonDir)).toBe(await viaGit(repo));
    git(repo, ['checkout', '-q', '--detach']);
    expect(readHeadCommit(commonDir, commonDir)).toBe(await viaGit(repo));
    git(repo, ['worktree', 'add', '-q', '-b', 'side', join(sb.root, 'side')]);
    writeFileSync(join(sb.root, 'side', 'f.txt'), 'x\n');
    git(join(sb.root, 'side'), ['add', 'f.txt']);
    git(join(sb.root, 'side'), ['commit', '-qm', 'side moves on']);
    const sideGitDir = join(commonDir, 'worktrees', 'side');
    expect(readHeadCommit(commonDir, sideGitDir)).toBe(await viaGit(join(sb.root, 'side')));
    expect(readHeadCommit(commonDir, sideGitDir)).not.toBe(readHeadCommit(commonDir, commonDir));
    git(repo, ['checkout', '-q', '--orphan', 'fresh']);
    expect(readHeadCommit(commonDir, commonDir)).toBeNull();
    expect(await viaGit(repo)).toBeUndefined();
    expect(await resolveCommit('HEAD', repo, plain)).toBeUndefined();
    // Not HEAD, or a HEAD it does not know: git answers.
    writeFileSync(join(commonDir, 'HEAD'), 'ref: refs/remotes/origin/x\n');
    expect(readHeadCommit(commonDir, commonDir)).toBeUndefined();
  });
});
