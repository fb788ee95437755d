/**
 * Shared files (skills catalogues, settings.json, index files): read-modify-write made safe. Every change
 * holds the lock `file:<realpath>`, so writers queue instead of overwriting each other, and lands through an
 * atomic replace, so a crash leaves the old or the new content, never a torn file. A symlink's target is
 * written; the link itself is never replaced.
 */
import { existsSync, lstatSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { PRIVATE_FILE_MODE, sweepStaleTempFiles, writeFileAtomic } from '../fs/atomic.js';
import { ConflictError, UsageError } from '../util/errors.js';
import { acquireLock, fileLockName } from './locks.js';
import { resolveClaudeHome, toRealPath } from '../fs/paths.js';
import { isPathInside } from '../sessions/sessions.js';
import type { Store } from '../store/store.js';
import { MESSAGES } from '../../texts/messages.js';

/** How long a writer waits for another writer of the same file. */
const FILE_LOCK_WAIT_MS = 60_000;
const FILE_LOCK_TTL_MS = 30_000;

/**
 * node:crypto is loaded at the first hash, not with this module: loading it takes ~4 ms, and `cwt append`
 * (the lean bundle) never hashes.
 */
export function sha256(data: string | Uint8Array): string {
  return process.getBuiltinModule('node:crypto').createHash('sha256').update(data).digest('hex');
}

/** A shared file: the path as the user gave it, and the real file a write must replace. */
export interface SharedFile {
  path: string;
  target: string;
}

/**
 * The real file a write to `path` must replace: the symlink's target when it is one, else the path itself
 * in its real directory. Refuses a missing directory or a directory as a usage error, before anything runs.
 */
export function resolveSharedFile(path: string, cwd = process.cwd()): SharedFile {
  let absolute = resolve(cwd, path);
  // A dangling symlink has no realpath yet: follow its chain to the file it will name, never replace the link.
  for (let hops = 0; hops < 40 && isSymlink(absolute) && !existsSync(absolute); hops++) {
    absolute = resolve(dirname(absolute), readlinkSync(absolute));
  }
  let target: string;
  let exists = true;
  try {
    target = realpathSync(absolute);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    exists = false;
    let dir: string;
    try {
      dir = realpathSync(dirname(absolute));
    } catch {
      throw new UsageError(MESSAGES.sharedFileNoDir(absolute), { hint: MESSAGES.sharedFileNoDirHint(dirname(absolute)) });
    }
    if (!statSync(dir).isDirectory()) throw new UsageError(MESSAGES.sharedFileNoDir(absolute), { hint: MESSAGES.sharedFileNoDirHint(dir) });
    target = join(dir, basename(absolute));
  }
  if (exists && statSync(target).isDirectory()) throw new UsageError(MESSAGES.sharedFileIsDir(absolute));
  return { path, target };
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** The file's bytes; nothing when it does not exist (yet). */
function readCurrent(target: string): Buffer {
  try {
    return readFileSync(target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') throw new UsageError(MESSAGES.sharedFileUnreadable(target));
    if (code === 'ENOENT') return Buffer.alloc(0);
    throw error;
  }
}

/** The sha256 that `--expect-sha` compares: of the file's bytes, or of nothing when it does not exist. */
export function getFileSha(file: SharedFile): string {
  return sha256(readCurrent(file.target));
}

/**
 * The atomic replace, first sweeping temp files of writers killed mid-write. Call it holding the lock. A new
 * file under the Claude home is private: settings there can hold secrets (env, apiKeyHelper).
 */
function replaceFile(target: string, data: string | Uint8Array, env: NodeJS.ProcessEnv): void {
  sweepStaleTempFiles(target);
  const inClaudeHome = isPathInside(target, toRealPath(resolveClaudeHome(env)));
  writeFileAtomic(target, data, inClaudeHome ? { newFileMode: PRIVATE_FILE_MODE } : {});
}

interface SharedFileOptions {
  store: Store;
  env: NodeJS.ProcessEnv;
  onTakeover?: Parameters<typeof acquireLock>[1]['onTakeover'];
}

async function withFileLock<T>(target: string, options: SharedFileOptions, fn: () => T): Promise<T> {
  const handle = await acquireLock(options.store, {
    name: fileLockName(target),
    session: options.env.CWT_SESSION ?? null,
    waitMs: FILE_LOCK_WAIT_MS,
    ttlMs: FILE_LOCK_TTL_MS,
    env: options.env,
    onTakeover: options.onTakeover,
  });
  try {
    return fn();
  } finally {
    await handle.release();
  }
}

export interface WriteResult {
  target: string;
  sha: string;
  previousSha: string;
}

/**
 * Replaces the file with `content` under its lock. With `expectSha`, refuses (ConflictError, exit 1) when
 * the file no longer has the content the caller read, and names the current sha.
 */
export async function writeSharedFile(
  file: SharedFile,
  content: Buffer,
  options: SharedFileOptions & { expectSha?: string },
): Promise<WriteResult> {
  const { target } = file;
  return withFileLock(target, options, () => {
    // Read under the lock: the content may have changed while waiting.
    const previousSha = getFileSha(file);
    if (options.expectSha !== undefined && options.expectSha.toLowerCase() !== previousSha) {
      throw new ConflictError(MESSAGES.shaMismatch(target, options.expectSha, previousSha), { hint: MESSAGES.shaMismatchHint(file.path) });
    }
    replaceFile(target, content, options.env);
    return { target, sha: sha256(content), previousSha };
  });
}

export interface AppendResult {
  target: string;
  appended: boolean;
}

/** Pure: the file's text with `line` appended on a line of its own, or null when `unique` finds it already. */
export function appendLine(text: string, line: string, unique: boolean): string | null {
  if (unique && text.split('\n').some((existing) => existing.replace(/\r$/, '') === line)) return null;
  const prefix = text === '' || text.endsWith('\n') ? text : `${text}\n`;
  return `${prefix}${line}\n`;
}

/** Throws a usage error unless `line` is a single line (no newline, carriage return or NUL). */
export function assertAppendableLine(line: string): void {
  if (/[\n\r\0]/.test(line)) throw new UsageError(MESSAGES.appendLineInvalid);
}

/** Appends one line under the file's lock (a read-modify-write that cannot lose a concurrent line). */
export async function appendSharedFile(
  file: SharedFile,
  line: string,
  options: SharedFileOptions & { unique?: boolean },
): Promise<AppendResult> {
  assertAppendableLine(line);
  const { target } = file;
  return withFileLock(target, options, () => {
    const next = appendLine(readCurrent(target).toString('utf8'), line, options.unique === true);
    if (next === null) return { target, appended: false };
    replaceFile(target, next, options.env);
    return { target, appended: true };
  });
}
