/**
 * Which of a few paths are changed in a sibling worktree, as `git status --porcelain --untracked-files=all --
 * <paths>` would list them, without starting git for it in the usual case: the sibling's index (parsed once and
 * kept while the file is the same: inode, size, times and its SHA-1 trailer) against its HEAD's tree (kept per
 * commit: a commit never changes) and each path's lstat now. Whenever the answer is not certain — the file's stat
 * differs from the index entry (git would hash it), a racily clean entry, an untracked candidate (ignored?), a
 * conflict, a submodule, an index format we do not read — it says so and the caller asks git. A path is never
 * reported unchanged unless git, asked the same instant, would not list it either.
 *
 * Hot path (every commit, the per-user service and the Node hook): node:* modules and git.ts only.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readFileSync, readSync, realpathSync, type BigIntStats } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { hasValidIndexChecksum, parseIndexFile, type IndexEntry } from './indexfile.js';
import { runGit } from './git.js';

const SHA1_HEX = /^[0-9a-f]{40}$/;
/** Indexes kept (a service serves every repository of its user; ~90 bytes an entry); least recently used goes first. */
const MAX_CACHED_INDEXES = 32;
/** Bytes of index kept in all; and the largest index read here at all (beyond it, git status reads it). */
const MAX_CACHED_BYTES = 128 * 1024 * 1024;
const MAX_INDEX_BYTES = 64 * 1024 * 1024;
/** A worktree's `.git` file is one line. */
const MAX_DOT_GIT_BYTES = 4096;
/** (commit, path) entries of HEAD trees kept before the map starts over. */
const MAX_CACHED_TREE_ENTRIES = 50_000;
const GITLINK = 0o160000;
const TREE = 0o040000;
const SYMLINK = 0o120000;

interface CachedIndex {
  key: string;
  /** The file's bytes, checksum verified; entries are looked up in it per request (parseIndexFile). */
  data: Buffer;
  mtimeSec: number;
  mtimeNsec: number;
}

type TreeEntry = { mode: number; oid: string } | null;

const indexes = new Map<string, CachedIndex>();
/** Per (commit, path); a promise, so that siblings on one commit checked at once share one `git ls-tree`. */
const trees = new Map<string, Promise<TreeEntry>>();

/** Forgets every cached index and tree entry (tests). */
export function clearSiblingChangeCache(): void {
  indexes.clear();
  trees.clear();
}

/** What the cache holds now (tests). */
export function getSiblingChangeCacheSize(): { indexes: number; treeEntries: number } {
  return { indexes: indexes.size, treeEntries: trees.size };
}

/** The git dir of a worktree of the repository whose common dir is `commonDir`; undefined for anything else. */
function resolveWorktreeGitDir(worktree: string, commonDir: string): string | undefined {
  const dotGit = join(worktree, '.git');
  const stats = lstatSync(dotGit, { throwIfNoEntry: false });
  if (!stats) return undefined;
  const common = realpathSync(commonDir);
  if (stats.isDirectory()) return realpathSync(dotGit) === common ? common : undefined;
  if (!stats.isFile() || stats.size > MAX_DOT_GIT_BYTES) return undefined;
  const line = /^gitdir: (.+)\n?$/.exec(readFileSync(dotGit, 'utf8'))?.[1];
  if (line === undefined) return undefined;
  const gitDir = realpathSync(isAbsolute(line) ? line : resolve(worktree, line));
  // A linked worktree's git dir is <common>/worktrees/<name>, nowhere else.
  return dirname(gitDir) === join(common, 'worktrees') ? gitDir : undefined;
}

const low32 = (value: bigint) => Number(BigInt.asUintN(32, value));
const seconds = (ns: bigint) => low32(ns / 1_000_000_000n);
const nanos = (ns: bigint) => Number(ns % 1_000_000_000n);

/** The sibling's index, parsed or from the cache when the file is byte for byte the one parsed; undefined: unreadable. */
function readIndex(path: string): CachedIndex | undefined {
  let fd: number;
  try {
    // Not through a link, and never waiting on a FIFO put there: git's index is a plain file.
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const stats = fstatSync(fd, { bigint: true });
    const size = Number(stats.size);
    if (!stats.isFile() || size < 32 || size > MAX_INDEX_BYTES) return undefined;
    const trailer = Buffer.alloc(20);
    if (readSync(fd, trailer, 0, 20, size - 20) !== 20) return undefined;
    // Without a checksum (index.skipHash) two versions could look alike: nothing is kept.
    const checksummed = !trailer.every((byte) => byte === 0);
    const key = `${stats.dev}:${stats.ino}:${size}:${stats.mtimeNs}:${stats.ctimeNs}:${trailer.toString('hex')}`;
    const cached = indexes.get(path);
    if (checksummed && cached?.key === key) {
      indexes.delete(path);
      indexes.set(path, cached);
      return cached;
    }
    const data = Buffer.alloc(size);
    for (let read = 0; read < size; ) {
      const n = readSync(fd, data, read, size - read, read);
      if (n === 0) return undefined;
      read += n;
    }
    if (!hasValidIndexChecksum(data)) return undefined;
    const entry: CachedIndex = { key, data, mtimeSec: seconds(stats.mtimeNs), mtimeNsec: nanos(stats.mtimeNs) };
    if (checksummed) {
      indexes.delete(path);
      indexes.set(path, entry);
      let bytes = 0;
      for (const kept of indexes.values()) bytes += kept.data.length;
      while (indexes.size > MAX_CACHED_INDEXES || (indexes.size > 1 && bytes > MAX_CACHED_BYTES)) {
        const [oldest, kept] = indexes.entries().next().value!;
        bytes -= kept.data.length;
        indexes.delete(oldest);
      }
    }
    return entry;
  } finally {
    closeSync(fd);
  }
}

/** Each path's entry in commit `head`'s tree (null: not there), one `git ls-tree` for those not cached. */
async function readTreeEntries(head: string, paths: readonly string[], cwd: string): Promise<Map<string, TreeEntry>> {
  const pending = new Map<string, Promise<TreeEntry>>();
  const missing: string[] = [];
  for (const path of paths) {
    const cached = trees.get(`${head}\0${path}`);
    if (cached) pending.set(path, cached);
    else missing.push(path);
  }
  if (missing.length > 0) {
    // --full-tree: paths from the root whatever the cwd; --literal-pathspecs: names, not patterns.
    const listing = runGit(['--literal-pathspecs', 'ls-tree', '-z', '--full-tree', head, '--', ...missing], { cwd, trim: false }).then((stdout) => {
      const listed = new Map<string, TreeEntry>();
      for (const record of stdout.split('\0')) {
        const match = /^(\d{6}) \w+ ([0-9a-f]{40})\t(.*)$/s.exec(record);
        if (match) listed.set(match[3]!, { mode: parseInt(match[1]!, 8), oid: match[2]! });
      }
      return listed;
    });
    if (trees.size + missing.length > MAX_CACHED_TREE_ENTRIES) trees.clear();
    for (const path of missing) {
      const key = `${head}\0${path}`;
      const entry = listing.then((listed) => listed.get(path) ?? null);
      // A failed listing is not kept: the next check asks again.
      entry.catch(() => trees.delete(key));
      trees.set(key, entry);
      pending.set(path, entry);
    }
  }
  const found = new Map<string, TreeEntry>();
  for (const [path, entry] of pending) found.set(path, await entry);
  return found;
}

/** lstat of a worktree path, or why there is no file there: a missing component, or one that is not a directory. */
function lstatInWorktree(worktree: string, path: string): BigIntStats | 'absent' {
  const parts = path.split('/');
  let dir = worktree;
  for (const part of parts.slice(0, -1)) {
    dir = join(dir, part);
    const stats = lstatSync(dir, { throwIfNoEntry: false });
    // git does not follow a link on the way to a tracked file: the file is gone as far as it is concerned.
    if (!stats || !stats.isDirectory()) return 'absent';
  }
  return lstatSync(join(worktree, path), { bigint: true, throwIfNoEntry: false }) ?? 'absent';
}

/** The mode git would record for what is at the path now. */
function getWorktreeMode(stats: BigIntStats): number | undefined {
  if (stats.isSymbolicLink()) return SYMLINK;
  if (stats.isFile()) return (Number(stats.mode) & 0o100) !== 0 ? 0o100755 : 0o100644;
  return undefined;
}

/** True when the file's stat is exactly the entry's and the entry is not racily clean: git would not look inside. */
function isStatClean(entry: IndexEntry, stats: BigIntStats, index: CachedIndex): boolean {
  if (getWorktreeMode(stats) !== entry.mode) return false;
  const same =
    seconds(stats.mtimeNs) === entry.mtimeSec &&
    nanos(stats.mtimeNs) === entry.mtimeNsec &&
    seconds(stats.ctimeNs) === entry.ctimeSec &&
    nanos(stats.ctimeNs) === entry.ctimeNsec &&
    low32(stats.ino) === entry.ino &&
    low32(stats.dev) === entry.dev &&
    low32(stats.uid) === entry.uid &&
    low32(stats.gid) === entry.gid &&
    low32(stats.size) === entry.size;
  // Racily clean: written in the same instant as the index (or later), so a change may share its stat.
  const racy = entry.mtimeSec > index.mtimeSec || (entry.mtimeSec === index.mtimeSec && entry.mtimeNsec >= index.mtimeNsec);
  return same && !racy;
}

/**
 * Which of `paths` `git status` would list in the sibling `worktree` (HEAD `head`), or undefined when that is
 * not certain without git. `commonDir` is the repository's (the sibling must be one of its worktrees); `cwd`
 * runs `git ls-tree` for HEAD entries not cached yet.
 */
export async function listSiblingChanges(worktree: string, head: string, paths: readonly string[], commonDir: string, cwd: string): Promise<string[] | undefined> {
  if (!SHA1_HEX.test(head) || paths.some((path) => path.includes('\ufffd') || path === '' || path.startsWith('/'))) return undefined;
  let gitDir: string | undefined;
  try {
    gitDir = resolveWorktreeGitDir(worktree, commonDir);
  } catch {
    return undefined;
  }
  if (gitDir === undefined) return undefined;
  // HEAD's entries first: git runs while the index is read here.
  const entries = readTreeEntries(head, paths, cwd);
  entries.catch(() => {});
  const index = readIndex(join(gitDir, 'index'));
  const parsed = index && parseIndexFile(index.data, new Set(paths));
  if (!index || !parsed) return undefined;
  const tree = await entries;
  const changed: string[] = [];
  for (const path of paths) {
    if (parsed.conflicted.has(path)) return undefined;
    const entry = parsed.entries.get(path);
    const inHead = tree.get(path) ?? null;
    // A directory there in the sibling's HEAD: git would list what is under it, which is not this path.
    if (inHead?.mode === TREE) return undefined;
    const stats = lstatInWorktree(worktree, path);
    if (entry === undefined) {
      // Deleted in the index ("D "); or in neither, and nothing there; or something there: untracked or ignored.
      if (inHead !== null) changed.push(path);
      else if (stats !== 'absent') return undefined;
      continue;
    }
    if (entry.special || entry.mode === GITLINK) return undefined;
    if (inHead === null || inHead.oid !== entry.oid || inHead.mode !== entry.mode || stats === 'absent') {
      changed.push(path);
      continue;
    }
    if (!isStatClean(entry, stats, index)) return undefined;
  }
  return changed;
}
