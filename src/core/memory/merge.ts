/**
 * Merging a memory directory (a session's namespace, or a directory `cwt memory rescue` found) into canonical
 * memory, and undoing a merge. The decisions are memory/plan.ts's; this module reads the trees, takes the
 * backup, writes the journal and carries it out (memory/journal.ts), all under the canonical-memory lock.
 * No terminal I/O: choices at the terminal come in through `decide`, the test failpoint through
 * `onCanonicalWrite`.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PRIVATE_FILE_MODE } from '../fs/atomic.js';
import { assertContainedWrite } from '../fs/containedwrite.js';
import { debug } from '../util/debug.js';
import { merge3 } from './diff3.js';
import { ConflictError } from '../util/errors.js';
import { mergeFiles } from '../git/git.js';
import { acquireLock, memoryLockName } from '../coordination/locks.js';
import { createBackup, discardIncompleteBackups, getBackupFile, getManifestPath, pruneBackups, readManifest, renderManifest, type BackupManifest } from './backup.js';
import {
  applyJournal,
  commitJournal,
  finishJournal,
  getJournalDir,
  recoverJournal,
  JournalStage,
  type Journal,
  type JournalTarget,
  type JournalSessionUpdate,
  type JournalWrite,
} from './journal.js';
import {
  createIndexMatcher,
  getConflictFileName,
  planMemoryMerge,
  type ConflictReason,
  type ConflictRecord,
  type Decision,
  type FileMap,
  type MergePlan,
  type MergeSummary,
} from './plan.js';
import { getRescuedStateDir, resolveCanonicalMemoryDir } from './memory.js';
import { listTreeFiles, readSettledTree, readTreeEntry, type SettleOptions, type TreeEntry } from './snapshot.js';
import { assertSessionPathsTrusted, type TrustedPlaces } from '../sessions/sessionpaths.js';
import { sha256 } from '../coordination/sharedfile.js';
import type { SessionRecord, Store } from '../store/store.js';
import { chunksFromMarkedText, type LineMerger, type TextConflict } from './textmerge.js';
import { MESSAGES } from '../../texts/messages.js';

export type { TreeEntry } from './snapshot.js';

/** Every memory file under `dir` as it is now (listTreeFiles), by relative path. A missing directory is empty. */
export function readTree(dir: string | null): Map<string, TreeEntry> {
  return new Map([...listTreeFiles(dir)].map(([file, path]) => [file, readTreeEntry(path)]));
}

/** The contents of `tree`, without the files a merge leaves for later. */
const contents = (tree: ReadonlyMap<string, TreeEntry>, leftOut: ReadonlySet<string> = new Set()): FileMap =>
  new Map([...tree].filter(([file]) => !leftOut.has(file)).map(([file, entry]) => [file, entry.data]));

/** What is merged into canonical: a session's namespace, or a directory found by `cwt memory rescue`. */
export interface MemorySource {
  kind: 'session' | 'dir';
  /** Names the session side in conflict markers and reports. */
  label: string;
  /** The session's side. */
  dir: string;
  /** Where the base is read from; null for none (everything in `dir` is an addition). */
  readBaseDir: string | null;
  /** Where the base is kept from now on. */
  baseDir: string;
  /** Contents recorded at conflict time, by sha256. */
  blobDir: string;
  pending: ConflictRecord[];
  session: SessionRecord | null;
  /** Directory sources: the JSON file recording their merge state. */
  stateFile: string | null;
  /** Short tag naming backups. */
  tag: string;
}

/**
 * A session's namespace, merged against the base `cwt new` seeded (and later merges moved). The row's paths
 * are checked against `places` first: a merge writes into both (assertSessionPathsTrusted).
 */
export function getSessionSource(session: SessionRecord, places: TrustedPlaces): MemorySource {
  assertSessionPathsTrusted(session, places, ['memory']);
  return {
    kind: 'session',
    label: `session ${session.id} (${session.branch})`,
    dir: session.memoryDir,
    readBaseDir: session.memoryBase,
    baseDir: session.memoryBase,
    blobDir: join(dirname(session.memoryBase), 'memory-conflicts'),
    pending: session.memoryConflicts ?? [],
    session,
    stateFile: null,
    tag: session.id,
  };
}

interface RescuedState {
  dir: string;
  mergedAt: number | null;
  conflicts: ConflictRecord[];
}

/**
 * A directory merged by rescue. Its base is what the last rescue merged of it; the first time, `seedBase` (a
 * dropped session's merge base), else nothing.
 */
export function getDirectorySource(memoryStateDir: string, dir: string, label: string, seedBase: string | null = null): MemorySource {
  const stateDir = getRescuedStateDir(memoryStateDir, dir);
  const stateFile = join(stateDir, 'state.json');
  let state: RescuedState | undefined;
  try {
    state = JSON.parse(readFileSync(stateFile, 'utf8')) as RescuedState;
  } catch {
    state = undefined;
  }
  const baseDir = join(stateDir, 'base');
  return {
    kind: 'dir',
    label,
    dir,
    readBaseDir: state !== undefined ? baseDir : seedBase,
    baseDir,
    blobDir: join(stateDir, 'blobs'),
    pending: state?.conflicts ?? [],
    session: null,
    stateFile,
    tag: 'rescue',
  };
}

/** A conflict as the report and the terminal choices show it. */
export interface ConflictView {
  file: string;
  reason: ConflictReason;
  hunks: TextConflict[];
  canonicalPath: string;
  sessionPath: string;
  /** The conflict file beside the session's copy (written unless the run was a dry run). */
  conflictPath: string;
  canonical: Buffer | null;
  session: Buffer | null;
  /** The conflict file's text. */
  text: string;
}

export interface MemoryMergeOptions {
  store: Store;
  canonicalDir: string;
  /** resolveMemoryStateDir(cwtHome, canonicalDir). */
  stateDir: string;
  source: MemorySource;
  indexFiles: readonly string[];
  dryRun?: boolean;
  lineMerger?: LineMerger;
  /** Names the line merger in the --debug trace. */
  lineMergerName?: string;
  /** Asked once with the conflicts when the run may prompt; returns choices by file. */
  decide?: (conflicts: readonly ConflictView[]) => Promise<ReadonlyMap<string, Decision>>;
  onCanonicalWrite?: (count: number) => Promise<void>;
  /** Called with the backup taken and the content staged, just before the journal is committed. */
  onBeforeCommit?: () => Promise<void>;
  /** How long a source file must keep still to be merged (memory/snapshot.ts). */
  settle?: SettleOptions;
  now?: number;
}

export interface MemoryMergeResult {
  source: MemorySource;
  canonicalDir: string;
  summary: MergeSummary;
  conflicts: ConflictView[];
  /** The backup taken before canonical or the base changed; null when neither did. */
  backup: string | null;
  /** The source directory does not exist: nothing was merged (and nothing deleted). */
  missing: boolean;
  /** Source files that kept changing while they were read: not merged (the base stays), for the next merge. */
  unsettled: string[];
}

const EMPTY_SUMMARY: MergeSummary = { merged: [], added: [], deleted: [], unchanged: [], conflicts: [] };

function toViews(plan: MergePlan, options: MemoryMergeOptions): ConflictView[] {
  return plan.files.flatMap((file) =>
    file.conflict
      ? [
          {
            file: file.file,
            reason: file.conflict.reason,
            hunks: file.conflict.hunks,
            canonicalPath: join(options.canonicalDir, file.file),
            sessionPath: join(options.source.dir, file.file),
            conflictPath: join(options.source.dir, getConflictFileName(file.file)),
            canonical: file.conflict.canonical,
            session: file.conflict.session,
            text: file.conflict.text,
          },
        ]
      : [],
  );
}

const sameRecords = (a: readonly ConflictRecord[], b: readonly ConflictRecord[]) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Refuses the whole merge (or undo) before its first write when one of them would go through a link inside
 * canonical memory, the base or the source directory: readTree does not follow links, so such a file is
 * neither memory nor in the backup, and writing it would land outside memory. cwt's own state is exempt.
 */
function assertWritesContained(writes: readonly JournalWrite[], roots: Readonly<Record<Exclude<JournalTarget, 'state'>, string>>): void {
  for (const write of writes) if (write.target !== 'state') assertContainedWrite(write.path, roots[write.target]);
}

/**
 * Merges one source into canonical. The caller holds the canonical-memory lock (withMemoryLock). Dry runs
 * plan and return; otherwise: backup (when canonical changes), journal, apply, finish.
 */
export async function runMemoryMerge(options: MemoryMergeOptions): Promise<MemoryMergeResult> {
  const { source, canonicalDir } = options;
  if (!existsSync(source.dir)) return { source, canonicalDir, summary: EMPTY_SUMMARY, conflicts: [], backup: null, missing: true, unsettled: [] };
  const reading = performance.now();
  const baseTree = readTree(source.readBaseDir);
  const canonicalTree = readTree(canonicalDir);
  // The agent may still be writing its side: only what kept still is merged, the rest waits for the next run.
  const { tree: sessionTree, unsettled } = await readSettledTree(source.dir, options.settle);
  const leftOut = new Set(unsettled);
  debug('merge-memory', `read base, canonical and session trees (${baseTree.size}, ${canonicalTree.size}, ${sessionTree.size} files, ${unsettled.length} unsettled) in ${(performance.now() - reading).toFixed(1)}ms`);
  const readIfExists = (path: string) => (existsSync(path) ? readFileSync(path) : undefined);
  const conflictFiles = new Map<string, Buffer>();
  const conflictBlobs = new Map<string, Buffer>();
  const pendingNow = source.pending.filter((record) => !leftOut.has(record.file));
  for (const record of pendingNow) {
    const conflictFile = readIfExists(join(source.dir, getConflictFileName(record.file)));
    if (conflictFile !== undefined) conflictFiles.set(record.file, conflictFile);
    for (const sha of [record.canonicalSha, record.sessionSha]) {
      const blob = sha === null ? undefined : readIfExists(join(source.blobDir, sha));
      if (blob !== undefined) conflictBlobs.set(sha!, blob);
    }
  }
  let lineMerges = 0;
  const countingMerger: LineMerger = (base, ours, theirs) => {
    lineMerges++;
    return (options.lineMerger ?? merge3)(base, ours, theirs);
  };
  // A file left out is absent from all three sides: the plan neither writes it nor moves its base.
  const input = {
    base: contents(baseTree, leftOut),
    canonical: contents(canonicalTree, leftOut),
    session: contents(sessionTree, leftOut),
    pending: pendingNow,
    conflictFiles,
    conflictBlobs,
    isIndexFile: createIndexMatcher(options.indexFiles),
    labels: { ours: 'canonical memory', base: 'base', theirs: source.label },
    lineMerger: countingMerger,
  };
  const planning = performance.now();
  let plan = await planMemoryMerge(input);
  debug('merge-memory', `planned ${plan.files.length} files, ${lineMerges} line merges (${options.lineMergerName ?? 'diff3'}) in ${(performance.now() - planning).toFixed(1)}ms`);
  if (plan.summary.conflicts.length > 0 && options.decide && !options.dryRun) {
    const decisions = await options.decide(toViews(plan, options).filter((view) => view.reason !== 'unresolved'));
    if (decisions.size > 0) plan = await planMemoryMerge({ ...input, decisions });
  }
  const conflicts = toViews(plan, options);
  const result: MemoryMergeResult = { source, canonicalDir, summary: plan.summary, conflicts, backup: null, missing: false, unsettled };
  if (options.dryRun) return result;

  const now = options.now ?? Date.now();
  const journalDir = getJournalDir(options.stateDir);
  const staged = new JournalStage(journalDir);
  const stage = (data: Uint8Array) => staged.add(data);
  const writes: JournalWrite[] = [];
  const atRisk = new Set<string>();
  const after = new Map([...canonicalTree].map(([file, entry]) => [file, sha256(entry.data)]));
  for (const file of plan.files) {
    if (file.write === undefined) continue;
    atRisk.add(file.file);
    const added = file.before === null;
    writes.push({
      target: 'canonical',
      path: join(canonicalDir, file.file),
      ...(file.write === null ? { blob: null } : stage(file.write)),
      // A new file takes the mode of the session's copy.
      ...(added && file.write !== null ? { mode: sessionTree.get(file.file)?.mode ?? 0o644 } : {}),
    });
    if (file.write === null) after.delete(file.file);
    else after.set(file.file, sha256(file.write));
  }
  // The base moves to what the session had, file by file (all of it when the base directory is new).
  const baseIsNew = source.readBaseDir !== source.baseDir;
  const baseBefore = new Map<string, Buffer | null>();
  for (const file of plan.files) {
    const old = baseIsNew ? null : (baseTree.get(file.file)?.data ?? null);
    const next = file.base;
    if (old === null ? next === null : next !== null && old.equals(next)) continue;
    baseBefore.set(file.file, old);
    writes.push({ target: 'base', path: join(source.baseDir, file.file), ...(next === null ? { blob: null } : stage(next)), mode: PRIVATE_FILE_MODE });
  }
  // Conflict files beside the session's copies, the contents they were found against, resolved ones removed.
  const conflictFilesWritten: Record<string, string> = {};
  const removedConflictFiles = new Map<string, Buffer>();
  // The conflicts of files left out stay as they were, for the run that reads them.
  const pending: ConflictRecord[] = source.pending.filter((record) => leftOut.has(record.file));
  for (const file of plan.files) {
    const conflictPath = join(source.dir, getConflictFileName(file.file));
    if (file.conflict) {
      pending.push(file.conflict.record);
      if (file.conflict.reason === 'unresolved') continue;
      const text = Buffer.from(file.conflict.text);
      if (!conflictFiles.get(file.file)?.equals(text)) {
        writes.push({ target: 'session', path: conflictPath, ...stage(text) });
        conflictFilesWritten[conflictPath] = sha256(text);
      }
      for (const data of [file.conflict.canonical, file.conflict.session]) {
        if (data !== null && !existsSync(join(source.blobDir, sha256(data)))) {
          writes.push({ target: 'state', path: join(source.blobDir, sha256(data)), ...stage(data), mode: PRIVATE_FILE_MODE });
        }
      }
    } else if (file.resolved && conflictFiles.has(file.file)) {
      writes.push({ target: 'session', path: conflictPath, blob: null });
      removedConflictFiles.set(conflictPath, conflictFiles.get(file.file)!);
    }
  }
  // Merged means all of it: a file left for later keeps the session (or directory) waiting for a merge.
  const mergedAt = pending.length === 0 && unsettled.length === 0 ? now : (source.session?.memoryMergedAt ?? null);
  let sessionUpdate: JournalSessionUpdate | undefined;
  if (source.session) {
    if (!sameRecords(pending, source.pending) || mergedAt !== (source.session.memoryMergedAt ?? null)) {
      sessionUpdate = { id: source.session.id, memoryMergedAt: mergedAt, memoryConflicts: pending };
    }
  } else if (source.stateFile !== null && (writes.length > 0 || !sameRecords(pending, source.pending) || !existsSync(source.stateFile))) {
    // A rescued directory's state changes with its base or its conflicts; a re-run that found nothing new leaves it.
    const state: RescuedState = { dir: source.dir, mergedAt, conflicts: pending };
    writes.push({ target: 'state', path: source.stateFile, ...stage(Buffer.from(`${JSON.stringify(state, null, 2)}\n`)), mode: PRIVATE_FILE_MODE });
  }
  assertWritesContained(writes, { canonical: canonicalDir, base: source.baseDir, session: source.dir });
  if (writes.length === 0) {
    finishJournal(journalDir);
    if (sessionUpdate) {
      // Nothing to write, but the session's merge state changed (conflicts found, or resolved): an event too.
      await options.store.updateSession(
        sessionUpdate.id,
        { memoryMergedAt: sessionUpdate.memoryMergedAt, memoryConflicts: sessionUpdate.memoryConflicts },
        { kind: 'memory.merge', session: sessionUpdate.id, data: { canonical: canonicalDir, conflicts: sessionUpdate.memoryConflicts.map((record) => record.file) } },
      );
    }
    return result;
  }
  const writing = performance.now();
  // A merge that only moves the base (both sides made the same change) is backed up too: `--undo` takes back
  // the last merge, and restoring an older backup instead would leave that base behind.
  if (atRisk.size > 0 || baseBefore.size > 0) {
    const backup = createBackup({
      stateDir: options.stateDir,
      canonical: canonicalTree,
      atRisk,
      baseBefore,
      removedConflictFiles,
      tag: source.tag,
      manifest: {
        createdAt: now,
        canonical: canonicalDir,
        source: {
          kind: source.kind,
          label: source.label,
          dir: source.dir,
          session: source.session?.id ?? null,
          baseDir: source.baseDir,
          baseDirCreated: !existsSync(source.baseDir),
          stateFile: source.stateFile,
        },
        sessionBefore: source.session ? { memoryMergedAt: source.session.memoryMergedAt ?? null, memoryConflicts: source.pending } : null,
        stateBefore: source.stateFile !== null && existsSync(source.stateFile) ? readFileSync(source.stateFile, 'utf8') : null,
      },
    });
    const completed: BackupManifest = { ...backup.manifest, after: Object.fromEntries([...after].sort()), conflictFiles: conflictFilesWritten };
    writes.push({ target: 'state', path: getManifestPath(backup.dir), ...stage(Buffer.from(renderManifest(completed))), mode: PRIVATE_FILE_MODE });
    result.backup = backup.dir;
  }
  const journal: Journal = {
    version: 1,
    kind: 'merge',
    createdAt: now,
    canonical: canonicalDir,
    roots: [canonicalDir, source.baseDir, source.dir],
    writes,
    ...(sessionUpdate ? { session: sessionUpdate } : {}),
  };
  staged.flush();
  await options.onBeforeCommit?.();
  commitJournal(journalDir, journal);
  debug('merge-memory', `backup, staging and journal commit (${writes.length} writes) in ${(performance.now() - writing).toFixed(1)}ms`);
  const applying = performance.now();
  await applyJournal(journal, { store: options.store, onCanonicalWrite: options.onCanonicalWrite });
  finishJournal(journalDir);
  pruneBackups(options.stateDir);
  debug('merge-memory', `applied in ${(performance.now() - applying).toFixed(1)}ms`);
  return result;
}

export interface MemoryLockOptions {
  store: Store;
  canonicalDir: string;
  stateDir: string;
  env: NodeJS.ProcessEnv;
  note: string;
  session?: string | null;
  onTakeover?: Parameters<typeof acquireLock>[1]['onTakeover'];
  /** Passed to the recovery of a journal a crash left behind. */
  onCanonicalWrite?: (count: number) => Promise<void>;
}

/** How long a merge waits for another merge of the same canonical memory (two `cwt end` at once). */
const MEMORY_LOCK_WAIT_MS = 120_000;
const MEMORY_LOCK_TTL_MS = 60_000;

/**
 * Runs `fn` holding the canonical-memory lock, after finishing whatever a crashed merge left (its committed
 * journal) and discarding backups of merges that never committed. `recovered` is that journal, if any.
 */
export async function withMemoryLock<T>(options: MemoryLockOptions, fn: (recovered: Journal | undefined) => Promise<T>): Promise<T> {
  // Canonical memory linked to a folder that is gone (unmounted): say so before any write fails on it.
  resolveCanonicalMemoryDir(options.canonicalDir);
  const handle = await acquireLock(options.store, {
    name: memoryLockName(options.canonicalDir),
    session: options.session ?? null,
    waitMs: MEMORY_LOCK_WAIT_MS,
    ttlMs: MEMORY_LOCK_TTL_MS,
    env: options.env,
    note: options.note,
    onTakeover: options.onTakeover,
  });
  try {
    const recovered = await recoverJournal(options.stateDir, { store: options.store });
    discardIncompleteBackups(options.stateDir);
    return await fn(recovered);
  } finally {
    await handle.release();
  }
}

export interface UndoOptions {
  store: Store;
  canonicalDir: string;
  stateDir: string;
  backupDir: string;
  force?: boolean;
  dryRun?: boolean;
}

export interface UndoResult {
  backup: string;
  manifest: BackupManifest;
  /** Canonical files written back and removed. */
  restored: string[];
  removed: string[];
  /** Files changed in canonical since the merge (restored anyway under --force). */
  changedSince: string[];
}

/** Files whose content differs between two file -> sha256 maps, or that only one has. */
export function diffShaMaps(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((file) => a[file] !== b[file]).sort();
}

/**
 * Puts canonical back as the backup holds it, byte for byte and mode for mode, with the source's base and
 * merge state as they were before that merge; removes the conflict files it wrote if untouched. Refuses when
 * canonical changed since the merge, unless `force`. The caller holds the canonical-memory lock.
 */
export async function undoMemoryMerge(options: UndoOptions): Promise<UndoResult> {
  const { backupDir, canonicalDir } = options;
  const manifest = readManifest(backupDir);
  if (manifest?.after == null) throw new ConflictError(MESSAGES.undoBackupDamaged(backupDir, 'manifest.json'), { hint: MESSAGES.undoBackupDamagedHint });
  const current = readTree(canonicalDir);
  const currentShas = Object.fromEntries([...current].map(([file, entry]) => [file, sha256(entry.data)]));
  const changedSince = diffShaMaps(currentShas, manifest.after);
  if (changedSince.length > 0 && !options.force) {
    throw new ConflictError(MESSAGES.undoCanonicalChanged(canonicalDir, changedSince), { hint: MESSAGES.undoCanonicalChangedHint });
  }
  const restored: string[] = [];
  const removed: string[] = [];
  const writes: JournalWrite[] = [];
  for (const [file, { sha, mode }] of Object.entries(manifest.files)) {
    const path = getBackupFile(backupDir, 'canonical', file);
    if (!existsSync(path) || sha256(readFileSync(path)) !== sha) throw new ConflictError(MESSAGES.undoBackupDamaged(backupDir, file), { hint: MESSAGES.undoBackupDamagedHint });
    if (currentShas[file] === sha && current.get(file)!.mode === mode) continue;
    restored.push(file);
    writes.push({ target: 'canonical', path: join(canonicalDir, file), blob: path, mode });
  }
  for (const file of current.keys()) {
    if (manifest.files[file] !== undefined) continue;
    removed.push(file);
    writes.push({ target: 'canonical', path: join(canonicalDir, file), blob: null });
  }
  const { source } = manifest;
  for (const [file, sha] of Object.entries(manifest.baseBefore)) {
    writes.push({ target: 'base', path: join(source.baseDir, file), blob: sha === null ? null : getBackupFile(backupDir, 'base', file), mode: PRIVATE_FILE_MODE });
  }
  for (const [path, sha] of Object.entries(manifest.conflictFiles)) {
    if (existsSync(path) && sha256(readFileSync(path)) === sha) writes.push({ target: 'session', path, blob: null });
  }
  // The resolutions it consumed come back, so the next run reads them again instead of the session's copy.
  for (const [path, name] of Object.entries(manifest.removedConflictFiles ?? {})) {
    if (!existsSync(path)) writes.push({ target: 'session', path, blob: getBackupFile(backupDir, 'conflict-files', name) });
  }
  assertWritesContained(writes, { canonical: canonicalDir, base: source.baseDir, session: source.dir });
  const result: UndoResult = { backup: backupDir, manifest, restored: restored.sort(), removed: removed.sort(), changedSince };
  if (options.dryRun) return result;
  const journalDir = getJournalDir(options.stateDir);
  const staged = new JournalStage(journalDir);
  if (source.stateFile !== null) {
    writes.push({ target: 'state', path: source.stateFile, ...(manifest.stateBefore === null ? { blob: null } : staged.add(Buffer.from(manifest.stateBefore))), mode: PRIVATE_FILE_MODE });
  }
  writes.push({ target: 'state', path: getManifestPath(backupDir), ...staged.add(Buffer.from(renderManifest({ ...manifest, undone: true }))), mode: PRIVATE_FILE_MODE });
  staged.flush();
  const journal: Journal = {
    version: 1,
    kind: 'undo',
    createdAt: Date.now(),
    canonical: canonicalDir,
    roots: [canonicalDir, source.baseDir, source.dir],
    writes,
    ...(source.session !== null && manifest.sessionBefore !== null ? { session: { id: source.session, ...manifest.sessionBefore } } : {}),
  };
  commitJournal(journalDir, journal);
  await applyJournal(journal, { store: options.store });
  finishJournal(journalDir);
  // A base directory the merge created goes with it: the next rescue starts from the seed again.
  if (source.baseDirCreated) rmSync(source.baseDir, { recursive: true, force: true });
  return result;
}

/**
 * The line merger behind CWT_MERGE_ENGINE=git: `git merge-file` per file, through temporary files (0700 dir),
 * its marker blocks fed to the same policy as diff3's conflicts. For comparison and benchmarks; diff3 in
 * process is the default (see the README for the measurements).
 */
export function createGitLineMerger(): { lineMerger: LineMerger; dispose: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'cwt-merge-'));
  let count = 0;
  const lineMerger: LineMerger = async (base, ours, theirs) => {
    const prefix = join(dir, String(count++));
    const write = (name: string, lines: readonly string[]) => {
      const path = `${prefix}.${name}`;
      writeFileSync(path, lines.length === 0 ? '' : `${lines.join('\n')}\n`, { mode: PRIVATE_FILE_MODE });
      return path;
    };
    const paths = { ours: write('ours', ours), base: write('base', base), theirs: write('theirs', theirs) };
    try {
      return chunksFromMarkedText((await mergeFiles(paths, { ours: 'ours', base: 'base', theirs: 'theirs' }, dir)).text);
    } finally {
      for (const path of Object.values(paths)) rmSync(path, { force: true });
    }
  };
  return { lineMerger, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
