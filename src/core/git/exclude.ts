import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic.js';

/**
 * Adds `pattern` to the repository's common `info/exclude` (shared by every worktree) unless a line already
 * says it. Callers hold the repository lock, so concurrent sessions do not lose each other's lines.
 */
export function ensureExcluded(commonDir: string, pattern: string): boolean {
  const path = join(commonDir, 'info', 'exclude');
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (text.split('\n').some((line) => line.trim() === pattern)) return false;
  const prefix = text === '' || text.endsWith('\n') ? text : `${text}\n`;
  writeFileAtomic(path, `${prefix}# added by cwt: per-worktree session instructions, never committed\n${pattern}\n`);
  return true;
}
