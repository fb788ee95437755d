/**
 * `.worktreeinclude`: gitignore-syntax patterns naming ignored files (`.env`, local config) that a new
 * worktree should get a copy of. The same file Claude Code reads for `claude -w`.
 */
import ignore from 'ignore';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listIgnoredPaths } from './git.js';

export const WORKTREE_INCLUDE_FILE = '.worktreeinclude';

/** Which of the ignored paths the patterns select (a directory entry ends with `/`). Pure. */
export function selectIncludedPaths(patterns: string, ignoredPaths: readonly string[]): string[] {
  const matcher = ignore().add(patterns);
  return ignoredPaths.filter((path) => matcher.ignores(path));
}

/** Copies the ignored files the source checkout's `.worktreeinclude` selects; returns the copied paths. */
export async function copyWorktreeIncludes(source: string, target: string): Promise<string[]> {
  const file = join(source, WORKTREE_INCLUDE_FILE);
  if (!existsSync(file)) return [];
  const selected = selectIncludedPaths(readFileSync(file, 'utf8'), await listIgnoredPaths(source));
  for (const path of selected) {
    cpSync(join(source, path), join(target, path), { recursive: true, force: false, errorOnExist: false, verbatimSymlinks: true });
  }
  return selected;
}
