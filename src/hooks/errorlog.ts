/**
 * Hooks fail open: an internal error becomes "no decision" for Claude Code, and a line in the state dir's
 * hook log for the user. Never a stack trace on stdout, which Claude Code parses.
 */
import { appendFileSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../core/fs/atomic.js';
import { resolveCwtHome } from '../core/fs/paths.js';

export const HOOK_LOG_FILE = 'hook-errors.log';
/** The log is a diagnostic, not an archive: past this size it starts over. */
const MAX_LOG_BYTES = 1024 * 1024;

/** Where hook errors are logged. */
export function getHookLogPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(resolveCwtHome(env), HOOK_LOG_FILE);
}

/** Appends one entry; never throws (a hook that cannot log must still answer). */
export function logHookError(env: NodeJS.ProcessEnv, event: string, error: unknown): void {
  try {
    const path = getHookLogPath(env);
    ensurePrivateDir(resolveCwtHome(env));
    try {
      if (statSync(path).size > MAX_LOG_BYTES) truncateSync(path, 0);
    } catch {
      // No log yet.
    }
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    // One entry per line, whatever the error text holds.
    appendFileSync(path, `${new Date().toISOString()} ${event} pid ${process.pid}: ${detail}\n`, { mode: PRIVATE_FILE_MODE });
  } catch {
    // Nowhere to log: stay silent, answer anyway.
  }
}
