/**
 * getTrackedPaths answers, for several paths in one git call, what isTracked answers for each: a tracked file,
 * a directory holding tracked files (as `ls-files --error-unmatch` counts it), an untracked or absent path.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { getTrackedPaths, isTracked } from '../../src/core/git/git.js';
import { createSandbox, type Sandbox } from '../helpers/env.js';
import { commitAll, createRepo, writeFile } from '../helpers/git.js';

let sb: Sandbox;
beforeEach(() => {
  sb = createSandbox();
});
afterEach(() => sb.cleanup());

it('answers as isTracked does for each path, in one call', async () => {
  const repo = createRepo(join(sb.root, 'repo'));
  writeFile(repo, 'CLAUDE.local.md', 'tracked\n');
  writeFile(repo, '.claude/settings.local.json', '{}\n');
  writeFile(repo, '.claude/settings.local.json.bak', '{}\n');
  writeFile(repo, 'held/inner.txt', 'x\n');
  commitAll(repo, 'the branch tracks some of cwt\'s files');
  writeFile(repo, '.mcp.json', '{}\n');
  mkdirSync(join(repo, 'empty'));
  const paths = ['CLAUDE.local.md', '.claude/settings.local.json', '.claude/settings', '.mcp.json', 'held', 'empty', 'absent.env', 'held/inner'];
  const tracked = await getTrackedPaths(paths, repo);
  const expected = new Map<string, boolean>();
  for (const path of paths) expected.set(path, await isTracked(path, repo));
  expect(tracked).toEqual(expected);
  expect([...tracked].filter(([, is]) => is).map(([path]) => path)).toEqual(['CLAUDE.local.md', '.claude/settings.local.json', 'held']);
});

it('at a commit, answers what a checkout of it tracks, asked from another checkout of the repository', async () => {
  const repo = createRepo(join(sb.root, 'repo'));
  writeFile(repo, 'CLAUDE.local.md', 'tracked on the branch\n');
  writeFile(repo, 'held/inner.txt', 'x\n');
  commitAll(repo, 'the branch tracks some of cwt\'s files');
  const { execFileSync } = await import('node:child_process');
  const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repo, encoding: 'utf8' }).trim();
  // The checkout the question is asked in has moved on: staged and committed other files since.
  execFileSync('git', ['rm', '-q', 'CLAUDE.local.md'], { cwd: repo });
  writeFile(repo, '.mcp.json', '{}\n');
  commitAll(repo, 'main moved on');
  const paths = ['CLAUDE.local.md', '.mcp.json', 'held', 'held/inner', 'absent.env'];
  const atCommit = await getTrackedPaths(paths, repo, { at: commit });
  expect([...atCommit].filter(([, is]) => is).map(([path]) => path)).toEqual(['CLAUDE.local.md', 'held']);
  // What a worktree of that commit answers from its own index is the same.
  const worktree = join(sb.root, 'wt');
  execFileSync('git', ['worktree', 'add', '-q', '--detach', worktree, commit], { cwd: repo });
  expect(await getTrackedPaths(paths, worktree)).toEqual(atCommit);
});
