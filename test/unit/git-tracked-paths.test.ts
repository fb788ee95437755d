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
