/**
 * A full disk (or an exhausted quota) under a file cwt writes is a fault of the machine, not of cwt: it reaches
 * the user as an EnvironmentError (exit 4) naming the path and the disk. Every write cwt makes replaces its
 * target atomically (atomic.ts) or inside a transaction, so such a failure leaves the old content: the message
 * says so.
 */
import { dirname } from 'node:path';
import { EnvironmentError } from '../util/errors.js';
import { MESSAGES } from '../../texts/messages.js';

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
