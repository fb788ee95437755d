/**
 * The memory merge journal: makes a merge (or an undo) that touches many files complete after a crash.
 *
 * Protocol, all under the canonical-memory lock: (1) every new content is staged in one pack file,
 * `<state>/journal/staged.pack`, and fsynced; (2) `journal.json`, listing every planned write (a slice of the
 * pack, or a backup file for an undo) and delete and the session-row update, is written atomically: the commit
 * point; (3) each target is replaced atomically (writeFileAtomic) or removed, and each directory touched is
 * fsynced; (4) the session row is updated; (5) the journal directory is removed. Replaying
 * a committed journal is idempotent, so whoever takes the lock next (a re-run after `kill -9`) finishes steps
 * 3-5; a journal directory without `journal.json` was never committed and is discarded, nothing having been
 * written yet.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, rmdirSync, rmSync, writeSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { ensurePrivateDir, fsyncDir, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, sweepStaleTempFilesIn, writeFileAtomic } from '../fs/atomic.js';
import { rethrowWriteError } from '../fs/diskfull.js';
import type { ConflictRecord } from './plan.js';
import { isEmptyDir, readTextIfExists } from '../fs/paths.js';
import { sha256 } from '../coordination/sharedfile.js';
import type { Store } from '../store/store.js';

/** What a write is for: canonical memory (counted by the failpoint), the session's base, its side, cwt's state. */
export type JournalTarget = 'canonical' | 'base' | 'session' | 'state';

export interface JournalWrite {
  target: JournalTarget;
  /** Absolute path of the file to replace or remove. */
  path: string;
  /** Absolute path of the file holding the content to put there; null removes the file. */
  blob: string | null;
  /** The content is the slice [offset, offset + length) of `blob` (a staging pack); by default all of it. */
  offset?: number;
  length?: number;
  /** The new file's mode; by default an existing file keeps its own. */
  mode?: number;
}

export interface JournalSessionUpdate {
  id: string;
  memoryMergedAt: number | null;
  memoryConflicts: ConflictRecord[];
}

export interface Journal {
  version: 1;
  kind: 'merge' | 'undo';
  createdAt: number;
  canonical: string;
  /** Directories that removals may leave empty subdirectories in; those are pruned up to (not including) them. */
  roots: string[];
  writes: JournalWrite[];
  session?: JournalSessionUpdate;
}

const JOURNAL_FILE = 'journal.json';

export function getJournalDir(stateDir: string): string {
  return join(stateDir, 'journal');
}

/**
 * Collects the contents a journal will write into one pack file, so staging costs one fsync however many
 * files the merge writes. Identical contents are staged once. `flush` writes the pack; call it before
 * commitJournal.
 */
export class JournalStage {
  readonly pack: string;
  private readonly chunks: Uint8Array[] = [];
  private readonly offsets = new Map<string, { offset: number; length: number }>();
  private size = 0;

  constructor(journalDir: string) {
    this.pack = join(journalDir, 'staged.pack');
  }

  /** The journal fields that point at `data` in the pack. */
  add(data: Uint8Array): Pick<JournalWrite, 'blob' | 'offset' | 'length'> {
    const key = sha256(data);
    let slot = this.offsets.get(key);
    if (slot === undefined) {
      slot = { offset: this.size, length: data.length };
      this.offsets.set(key, slot);
      this.chunks.push(data);
      this.size += data.length;
    }
    return { blob: this.pack, ...slot };
  }

  flush(): void {
    ensurePrivateDir(dirname(this.pack));
    writeDurably(this.pack, Buffer.concat(this.chunks));
  }
}

/** Writes a private file and fsyncs it (no rename: the name is not visible to anyone until the commit). */
export function writeDurably(path: string, data: Uint8Array, mode = PRIVATE_FILE_MODE): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const fd = openSync(path, 'w', mode);
  try {
    let offset = 0;
    while (offset < data.length) offset += writeSync(fd, data, offset, data.length - offset);
    fsyncSync(fd);
  } catch (error) {
    // A write error names no file; nobody reads this one before the commit point, so it is just reported.
    rethrowWriteError(error, path);
  } finally {
    closeSync(fd);
  }
}

/** The commit point: after this returns, a crash is finished by the next holder of the lock. */
export function commitJournal(journalDir: string, journal: Journal): void {
  ensurePrivateDir(journalDir);
  fsyncDir(journalDir);
  writeFileAtomic(join(journalDir, JOURNAL_FILE), `${JSON.stringify(journal, null, 2)}\n`, { mode: PRIVATE_FILE_MODE });
}

/** The committed journal, if any. */
export function readJournal(journalDir: string): Journal | undefined {
  const text = readTextIfExists(join(journalDir, JOURNAL_FILE));
  return text === undefined ? undefined : (JSON.parse(text) as Journal);
}

/** Removes directories a removal left empty, walking up to (not including) the root that holds the file. */
function pruneEmptyParents(path: string, roots: readonly string[]): void {
  const root = roots.find((dir) => !relative(dir, path).startsWith('..'));
  if (root === undefined) return;
  for (let dir = dirname(path); dir !== root && !relative(root, dir).startsWith('..') && isEmptyDir(dir); dir = dirname(dir)) rmdirSync(dir);
}

export interface ApplyOptions {
  store: Store;
  /** Called once the journal is committed (0) and after each canonical file is replaced or removed (1, 2, …). */
  onCanonicalWrite?: (count: number) => Promise<void>;
}

/** Steps 3-4: every write, then the session row. Idempotent. */
export async function applyJournal(journal: Journal, options: ApplyOptions): Promise<void> {
  const touched = new Set<string>();
  const blobs = new Map<string, Buffer>();
  const read = (write: JournalWrite): Buffer => {
    let data = blobs.get(write.blob!);
    if (data === undefined) blobs.set(write.blob!, (data = readFileSync(write.blob!)));
    return write.offset === undefined ? data : data.subarray(write.offset, write.offset + write.length!);
  };
  let canonicalWrites = 0;
  // Count 0: committed, nothing written yet.
  await options.onCanonicalWrite?.(0);
  for (const write of journal.writes) {
    const dir = dirname(write.path);
    if (!touched.has(dir) && existsSync(dir)) {
      // Temp files of a writer killed mid-rename (kill -9) would otherwise stay forever.
      sweepStaleTempFilesIn(dir);
    }
    touched.add(dir);
    if (write.blob === null) {
      rmSync(write.path, { force: true });
      pruneEmptyParents(write.path, journal.roots);
    } else {
      // cwt's own state (bases, conflict-time contents) is private; memory directories keep the usual modes.
      if (write.target === 'base' || write.target === 'state') mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
      // Each rename is atomic now; the directories are fsynced once, below, before the journal goes.
      writeFileAtomic(write.path, read(write), { ...(write.mode === undefined ? {} : { mode: write.mode }), syncDir: false });
    }
    if (write.target === 'canonical') await options.onCanonicalWrite?.(++canonicalWrites);
  }
  for (const dir of touched) if (existsSync(dir)) fsyncDir(dir);
  if (journal.session) {
    const { id, memoryMergedAt, memoryConflicts } = journal.session;
    await options.store.updateSession(id, { memoryMergedAt, memoryConflicts }, {
      kind: journal.kind === 'merge' ? 'memory.merge' : 'memory.undo',
      session: id,
      data: { canonical: journal.canonical, conflicts: memoryConflicts.map((record) => record.file) },
    });
  }
}

/** Step 5. */
export function finishJournal(journalDir: string): void {
  rmSync(journalDir, { recursive: true, force: true });
}

/**
 * Run at the start of every locked memory operation: finishes a committed journal a crash left behind, or
 * discards an uncommitted one. Returns the journal it finished, if any.
 */
export async function recoverJournal(stateDir: string, options: ApplyOptions): Promise<Journal | undefined> {
  const journalDir = getJournalDir(stateDir);
  if (!existsSync(journalDir)) return undefined;
  const journal = readJournal(journalDir);
  if (journal) await applyJournal(journal, options);
  finishJournal(journalDir);
  return journal;
}
