/**
 * Reading a memory directory that is still being written. The agent writes its notes while `cwt end` or
 * `cwt merge-memory` runs, and neither Claude Code nor an editor promises an atomic save: a file may be read
 * truncated, or half written. A merge of such a read puts a torn note into canonical memory and moves the base
 * past it, so the next merge cannot even tell. Here a file counts as read only once it kept still: the same
 * inode, size, mtime and ctime before and after the read, and for at least `quietMs` (a writer pausing between
 * two chunks leaves a file that is consistent across one read, and still torn). A file that never keeps still
 * within a few tries is reported as unsettled and left out of the merge, for the next one.
 *
 * An empty read is never taken on its timestamps alone. A truncating open (an editor's save, `>` in a shell)
 * gives the file its new size before it stamps the times (ext4 stamps a shrink in its truncate, once the
 * blocks are freed), so for that while a stat shows size 0 beside the old, long-quiet mtime and ctime. Seen on
 * a loaded machine: a whole note merged as an empty one. An empty file is taken only once it was read and then
 * stat'd unchanged a quiet period later, by which time the open has stamped it.
 */
import { lstatSync, readdirSync, readFileSync, type BigIntStats } from 'node:fs';
import { join } from 'node:path';
import { sleepQuietly } from '../util/sleep.js';
import { isMergeableName } from './plan.js';

export interface TreeEntry {
  data: Buffer;
  mode: number;
}

/**
 * Every regular file under `dir` by relative path (`/`-separated) and absolute path, skipping cwt's conflict
 * files and temp files. Links are not followed (a memory directory has none of its own; one pointing outside
 * is not memory). A missing directory is empty.
 */
export function listTreeFiles(dir: string | null): Map<string, string> {
  const out = new Map<string, string>();
  if (dir === null) return out;
  const walk = (absolute: string, prefix: string) => {
    let entries;
    try {
      entries = readdirSync(absolute, { withFileTypes: true });
    } catch (error) {
      // A directory removed between the listing and the walk (or never there) holds nothing.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const entry of entries) {
      const path = join(absolute, entry.name);
      const rel = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
      if (entry.isDirectory()) walk(path, rel);
      else if (entry.isFile() && isMergeableName(entry.name)) out.set(rel, path);
    }
  };
  walk(dir, '');
  return out;
}

/** Reads a file as it is now, without waiting for it to keep still. */
export function readTreeEntry(path: string): TreeEntry {
  return { data: readFileSync(path), mode: lstatSync(path).mode & 0o7777 };
}

/** How long a file must keep still to count as written, and how many times a changing one is looked at again. */
export interface SettleOptions {
  quietMs?: number;
  attempts?: number;
  /** The wall clock in ms (Date.now): a test's way to stand in for a process paused at the clock's reading. */
  now?: () => number;
}

/** 200 ms: far longer than a save takes, short enough that a merge right after the last write barely waits. */
export const DEFAULT_QUIET_MS = 200;
const DEFAULT_ATTEMPTS = 5;

export interface SettledTree {
  tree: Map<string, TreeEntry>;
  /** Files that kept changing while they were read: left out of `tree`, for the next merge. */
  unsettled: string[];
}

const sameStat = (a: BigIntStats, b: BigIntStats) => a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs;

interface Reading {
  entry: TreeEntry;
  /** The file's stat right after the read. */
  after: BigIntStats;
  /** Nothing changed while it was read. */
  consistent: boolean;
  /** Consistent, not empty, and last changed at least quietMs before the read (see the header for empty reads). */
  settled: boolean;
}

/**
 * One read between two stats; undefined when the file went away meanwhile. The clock is read before the file:
 * "still for quietMs" must hold when the read began. Read after it, a pause of this process between the read and
 * the clock (a loaded machine) would pass a file caught mid-write for one that had kept still.
 */
function readOnce(path: string, quietNs: bigint, clock: () => number): Reading | undefined {
  try {
    const now = BigInt(clock()) * 1_000_000n;
    const before = lstatSync(path, { bigint: true });
    const data = readFileSync(path);
    const after = lstatSync(path, { bigint: true });
    const consistent = sameStat(before, after) && BigInt(data.length) === after.size;
    const settled = consistent && data.length > 0 && now - after.mtimeNs >= quietNs && now - after.ctimeNs >= quietNs;
    return { entry: { data, mode: Number(after.mode) & 0o7777 }, after, consistent, settled };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Reads `dir` as readTree does, but only files that kept still (see the header). A file that vanished and
 * stayed gone is left out as deleted; one still changing after `attempts` looks is in `unsettled`.
 */
export async function readSettledTree(dir: string | null, options: SettleOptions = {}): Promise<SettledTree> {
  const quietMs = options.quietMs ?? DEFAULT_QUIET_MS;
  const quietNs = BigInt(quietMs) * 1_000_000n;
  const clock = options.now ?? Date.now;
  const tree = new Map<string, TreeEntry>();
  let waiting = new Map<string, { path: string; last: Reading | undefined }>();
  for (const [file, path] of listTreeFiles(dir)) {
    const reading = readOnce(path, quietNs, clock);
    if (reading?.settled) tree.set(file, reading.entry);
    else waiting.set(file, { path, last: reading });
  }
  for (let attempt = 0; attempt < (options.attempts ?? DEFAULT_ATTEMPTS) && waiting.size > 0; attempt++) {
    await sleepQuietly(quietMs);
    const next = new Map<string, { path: string; last: Reading | undefined }>();
    for (const [file, { path, last }] of waiting) {
      let now: BigIntStats | undefined;
      try {
        now = lstatSync(path, { bigint: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
      if (now === undefined) {
        // Gone since the last look and still gone a quiet period later: deleted.
        if (last === undefined) continue;
        next.set(file, { path, last: undefined });
        continue;
      }
      // Unchanged for a whole quiet period since a consistent read: that read is the file.
      if (last?.consistent && sameStat(last.after, now)) {
        tree.set(file, last.entry);
        continue;
      }
      const reading = readOnce(path, quietNs, clock);
      if (reading?.settled) tree.set(file, reading.entry);
      else next.set(file, { path, last: reading });
    }
    waiting = next;
  }
  return { tree, unsettled: [...waiting.keys()].sort() };
}
