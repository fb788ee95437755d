/**
 * Faults of the machine rather than of cwt that reach the top level: a full disk under a path or under the
 * SQLite store, or a PostgreSQL store whose server went away in the middle of a command. They reach the user
 * as an EnvironmentError (exit 4) naming what failed, not as "a bug in cwt" with a stack.
 */
import { statfsSync } from 'node:fs';
import { join } from 'node:path';
import { EnvironmentError } from '../util/errors.js';
import { createDiskFullError, isDiskFullError } from '../fs/diskfull.js';
import { resolveCwtHome } from '../fs/paths.js';
import { isPostgresUrl } from './open.js';
import { describeError, isServerUnreachableError, parsePostgresUrl } from './postgresurl.js';
import { MESSAGES } from '../../texts/messages.js';

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
