/**
 * `cwt end --remove` and `--delete-branch` never lose work: a dirty worktree, or commits that no other
 * branch or upstream holds, make them refuse, list what would be lost, and change nothing.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createScenario, type Scenario } from '../helpers/scenario.js';
import { commitAll, git, listBranches, writeFile } from '../helpers/git.js';

let s: Scenario;
let worktree: string;
let id: string;
beforeEach(async () => {
  s = createScenario();
  expect((await s.cwt(['new', 'feat/safe', '--no-launch'])).code).toBe(0);
  worktree = join(s.root, 'repo.worktrees', 'feat-safe');
  id = (await s.sessions())[0]!.id as string;
});
afterEach(() => s.cleanup());

async function expectUnchanged() {
  expect(existsSync(worktree)).toBe(true);
  expect(listBranches(s.repo)).toContain('feat/safe');
  expect((await s.sessions())[0]).toMatchObject({ id, state: 'live' });
}

describe('end --remove safety', () => {
  it('refuses a worktree with uncommitted changes, listing them', async () => {
    writeFile(worktree, 'README.md', 'changed\n');
    writeFile(worktree, 'new-file.ts', 'x\n');
    const result = await s.cwt(['end', id, '--remove']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('uncommitted changes');
    expect(result.stderr).toContain('README.md');
    expect(result.stderr).toContain('new-file.ts');
    expect(result.stderr).toContain(`cwt end ${id} --remove --force`);
    await expectUnchanged();
  });

  it('refuses a branch whose commits are on no other branch and not pushed, listing them', async () => {
    writeFile(worktree, 'feature.ts', 'x\n');
    const sha = commitAll(worktree, 'add the feature');
    for (const args of [['end', id, '--remove'], ['end', id, '--remove', '--delete-branch']]) {
      const result = await s.cwt(args);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(sha.slice(0, 10));
      expect(result.stderr).toContain('add the feature');
      await expectUnchanged();
    }
  });

  it('removes once the commits are pushed to an upstream', async () => {
    const remote = join(s.root, 'remote.git');
    git(s.root, ['init', '-q', '--bare', remote]);
    git(s.repo, ['remote', 'add', 'origin', remote]);
    writeFile(worktree, 'feature.ts', 'x\n');
    commitAll(worktree, 'add the feature');
    git(worktree, ['push', '-q', '-u', 'origin', 'feat/safe']);
    const result = await s.cwt(['end', id, '--remove', '--delete-branch']);
    expect(result.stderr).not.toContain('cwt:');
    expect(result.code).toBe(0);
    expect(existsSync(worktree)).toBe(false);
    expect(listBranches(s.repo)).toEqual(['main']);
    expect(git(s.repo, ['rev-parse', '--verify', 'origin/feat/safe'])).toMatch(/^[0-9a-f]{40}$/);
  });

  it('--force throws the work away when told to', async () => {
    writeFile(worktree, 'scratch.ts', 'x\n');
    commitAll(worktree, 'scratch');
    writeFile(worktree, 'dirty.ts', 'y\n');
    const result = await s.cwt(['end', id, '--remove', '--delete-branch', '--force']);
    expect(result.code).toBe(0);
    expect(existsSync(worktree)).toBe(false);
    expect(listBranches(s.repo)).toEqual(['main']);
    expect((await s.sessions())[0]).toMatchObject({ id, state: 'ended' });
  });

  it('--delete-branch without --remove is refused while the branch is checked out', async () => {
    const result = await s.cwt(['end', id, '--delete-branch']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--remove');
    await expectUnchanged();
  });
});
