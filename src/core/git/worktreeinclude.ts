/**
 * `.worktreeinclude`: gitignore-syntax patterns naming ignored files (`.env`, local config) that a new
 * worktree should get a copy of. The same file Claude Code reads for `claude -w`.
 */
import { cpSync, existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertContainedWrite } from '../fs/containedwrite.js';
import { listIgnoredPaths } from './git.js';

export const WORKTREE_INCLUDE_FILE = '.worktreeinclude';

/**
 * Which of the ignored paths the patterns select (a directory entry ends with `/`). Pure. The pattern library
 * loads here, not with the module: `cwt new` imports this module on its way to starting git, and most
 * repositories have no `.worktreeinclude`.
 */
export async function selectIncludedPaths(patterns: string, ignoredPaths: readonly string[]): Promise<string[]> {
  const { default: ignore } = await import('ignore');
  const matcher = ignore().add(patterns);
  return ignoredPaths.filter((path) => matcher.ignores(path));
}

/** `path` (relative to `source`) and, for a directory, everything below it (links not followed). */
function listCopiedPaths(source: string, path: string): string[] {
  const absolute = join(source, path);
  if (!lstatSync(absolute).isDirectory()) return [path];
  return [path, ...readdirSync(absolute, { recursive: true, encoding: 'utf8' }).map((entry) => join(path, entry))];
}

/**
 * Copies the ignored files the source checkout's `.worktreeinclude` selects; returns the copied paths. The
 * target is a checkout of a branch that may track links: every destination is checked before anything is
 * copied, so a secret never lands outside the worktree or in a tracked directory.
 */
export async function copyWorktreeIncludes(source: string, target: string): Promise<string[]> {
  const file = join(source, WORKTREE_INCLUDE_FILE);
  if (!existsSync(file)) return [];
  const selected = (await selectIncludedPaths(readFileSync(file, 'utf8'), await listIgnoredPaths(source))).map((path) => path.replace(/\/$/, ''));
  for (const path of selected) for (const copied of listCopiedPaths(source, path)) assertContainedWrite(join(target, copied), target);
  for (const path of selected) {
    cpSync(join(source, path), join(target, path), { recursive: true, force: false, errorOnExist: false, verbatimSymlinks: true });
  }
  return selected;
}
