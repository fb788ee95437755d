import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync, writeSync, chmodSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { rethrowWriteError } from './diskfull.js';
import { isPidAlive } from '../sessions/liveness.js';
import { randomHex } from '../util/random.js';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Creates a directory (and parents) readable by the owner only; tightens it if it already exists. */
export function ensurePrivateDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if ((statSync(dir).mode & 0o777) !== PRIVATE_DIR_MODE) chmodSync(dir, PRIVATE_DIR_MODE);
  return dir;
}

export interface AtomicWriteOptions {
  /** The file's mode, set exactly; by default an existing file keeps its own. */
  mode?: number;
  /**
   * The mode a file that does not exist yet is created with, less the umask: by default 0o666, as any
   * editor's new file (0o644 under the usual umask 022, 0o600 under 077).
   */
  newFileMode?: number;
  /**
   * false skips the directory fsync after the rename, for a caller replacing many files that fsyncs each
   * directory once at the end (the rename is atomic either way; only its durability waits for that fsync).
   */
  syncDir?: boolean;
}

function existingMode(path: string): number | undefined {
  try {
    return statSync(path).mode & 0o7777;
  } catch {
    return undefined;
  }
}

/** fsyncs a directory so a rename inside it survives a crash. */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on a directory; the rename is still atomic there.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function tempName(path: string, pid: number): string {
  return `.${basename(path)}.cwt-${pid}-${randomHex(4)}.tmp`;
}

/** The pid in a temporary file name `tempName` made, if `name` is one (of the file `target`, when given). */
function getTempFileWriter(name: string, target?: string): number | undefined {
  const match = /^\.(.+)\.cwt-(\d+)-[0-9a-f]+\.tmp$/.exec(name);
  if (!match || (target !== undefined && match[1] !== target)) return undefined;
  return Number(match[2]);
}

/** Removes the temporary files in `dir` (of `target` only, when given) whose writer is no longer alive. */
function sweepDir(dir: string, target?: string): number {
  let removed = 0;
  for (const name of readdirSync(dir)) {
    const pid = getTempFileWriter(name, target);
    if (pid !== undefined && pid !== process.pid && !isPidAlive(pid)) {
      rmSync(join(dir, name), { force: true });
      removed++;
    }
  }
  return removed;
}

/**
 * Removes temporary files that writers of `path` killed mid-write (kill -9) left beside it: those whose pid
 * is no longer alive. Call it holding the file's lock. Returns how many it removed.
 */
export function sweepStaleTempFiles(path: string): number {
  return sweepDir(dirname(path), basename(path));
}

/** Like sweepStaleTempFiles, for every file of a directory (call it holding the lock that guards them all). */
export function sweepStaleTempFilesIn(dir: string): number {
  return sweepDir(dir);
}

/**
 * Replaces `path` with `data` atomically: a temporary file in the same directory, fsync, rename over the
 * target, fsync the directory. A crash at any point leaves either the old file or the new one, never a torn
 * one. The existing file's mode is kept unless `mode` is given; a new file honours the umask.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const exactMode = options.mode ?? existingMode(path);
  const temp = join(dir, tempName(path, process.pid));
  let fd: number;
  try {
    fd = openSync(temp, 'wx', exactMode ?? options.newFileMode ?? 0o666);
  } catch (error) {
    rethrowWriteError(error, path);
  }
  try {
    const buffer = typeof data === 'string' ? Buffer.from(data) : data;
    let offset = 0;
    while (offset < buffer.length) offset += writeSync(fd, buffer, offset, buffer.length - offset);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(temp, { force: true });
    // A write error names no file: a full disk is reported against the file that was being replaced.
    rethrowWriteError(error, path);
  }
  closeSync(fd);
  try {
    // openSync's mode is filtered by the umask: right for a new file, not for one keeping its mode.
    if (exactMode !== undefined) chmodSync(temp, exactMode);
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  if (options.syncDir !== false) fsyncDir(dir);
}
