/**
 * Faults of the machine rather than of cwt: a full disk (or an exhausted quota) under a file cwt writes, or
 * under the SQLite store; a PostgreSQL store whose server went away in the middle of a command. They reach the user as an EnvironmentError (exit 4) naming the path and the disk,
 * not as "a bug in cwt" with a stack. Every write cwt makes replaces its target atomically (atomic.ts) or
 * inside a transaction, so such a failure leaves the old content: the message says so.
 */
import { statfsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { EnvironmentError } from './errors.js';
import { resolveCwtHome } from './paths.js';
import { isPostgresUrl } from './store/open.js';
import { describeError, isServerUnreachableError, parsePostgresUrl } from './store/postgresurl.js';
import { MESSAGES } from '../ui/messages.js';

/** True for the errno codes of a full disk or an exhausted quota. */
export function isDiskFullError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/** The EnvironmentError for a full disk under `path` (a write there failed, and left the old content). */
export function createDiskFullError(path: string, cause: unknown): EnvironmentError {
  return new EnvironmentError(MESSAGES.diskFull(path), { hint: MESSAGES.diskFullHint(dirname(path)), cause });
}

/** Rethrows a full-disk failure of a write to `path` as createDiskFullError; anything else as it is. */
export function rethrowWriteError(error: unknown, path: string): never {
  throw isDiskFullError(error) ? createDiskFullError(path, error) : error;
}

/**
 * The EnvironmentError an error that reached the top level stands for, if it is a fault of the machine: a
 * full disk under a path (node's fs errors carry it) or under the SQLite store (SQLITE_FULL names no file), or
 * a PostgreSQL store (CWT_STORE) that stopped answering.
 */
export function toEnvironmentFault(error: unknown, env: NodeJS.ProcessEnv = process.env): EnvironmentError | undefined {
  if (isDiskFullError(error)) {
    const path = (error as NodeJS.ErrnoException).path;
    return path === undefined ? new EnvironmentError(MESSAGES.diskFullSomewhere, { hint: MESSAGES.diskFullHint(resolveCwtHome(env)), cause: error }) : createDiskFullError(path, error);
  }
  const store = env.CWT_STORE;
  if (store !== undefined && isPostgresUrl(store) && isServerUnreachableError(error)) {
    // The server went away after the store connected (its first use maps this itself): still not a bug.
    return new EnvironmentError(MESSAGES.storeUnreachable(getRedactedUrl(store), describeError(error)), { hint: MESSAGES.storeUnreachableHint, cause: error });
  }
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return undefined;
  const home = resolveCwtHome(env);
  // SQLite says SQLITE_FULL when a page write fails, but an I/O error when its WAL index (-shm) cannot grow.
  if (code === 'SQLITE_FULL' || (/^SQLITE_(IOERR|CANTOPEN)/.test(code) && isFilesystemFull(home))) return createDiskFullError(join(home, 'state.db'), error);
  return undefined;
}

function getRedactedUrl(url: string): string {
  try {
    return parsePostgresUrl(url).redacted;
  } catch {
    return 'CWT_STORE';
  }
}

/** True when the filesystem holding `dir` has no block left for an unprivileged writer. */
function isFilesystemFull(dir: string): boolean {
  try {
    return statfsSync(dir).bavail === 0;
  } catch {
    return false;
  }
}
