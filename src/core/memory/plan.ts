/**
 * What a memory merge does, file by file, decided as a pure function over the three trees (base, canonical
 * now, the session's side) plus the session's pending conflicts. No I/O: memory/merge.ts reads the trees and
 * carries the plan out.
 *
 * Per file: unchanged on the session's side -> canonical stays; unchanged in canonical -> the session's version
 * (added, changed or deleted); identical on both -> stays; otherwise a 3-way text merge (textmerge.ts). A
 * rename is a delete plus an add. Both sides changing a binary or non-UTF-8 file, one side deleting what the
 * other changed, and two different files added under one name are conflicts (index files union instead).
 *
 * Base rule: after the merge the session's base for a file becomes exactly what the session had (its snapshot,
 * not canonical's result), so a session that goes on merges only what it changes later, and other sessions'
 * additions in canonical are never read as its deletions. A conflicted file keeps its old base.
 *
 * Pending conflicts: cwt wrote `<name>.conflict.md` beside the session's copy and recorded canonical's and the
 * session's content at that moment. On a re-run: the conflict file unedited -> merged afresh as usual (canonical
 * or the session may have moved); edited and free of markers -> its text is the session's side, merged against
 * canonical-at-conflict (an unchanged canonical takes it exactly); edited with markers left -> still a conflict;
 * deleted -> the session's copy, as fixed by the user, is the session's side, against canonical-at-conflict.
 */
import { renderConflictLines, type MarkerLabels } from './frontmatter.js';
import { splitLines } from './diff3.js';
import { sha256 } from '../coordination/sharedfile.js';
import { chunksFromMarkedText, hasConflictMarkers, mergeMemoryText, mergeSameNote, type LineMerger, type TextConflict } from './textmerge.js';

/** Relative path (with `/`) -> bytes. */
export type FileMap = ReadonlyMap<string, Buffer>;

// Stored with the session, so declared with the store's records; the merge plan is where they arise.
export type { ConflictReason, ConflictRecord } from '../store/store.js';
import type { ConflictReason, ConflictRecord } from '../store/store.js';

/** A choice made at the terminal for one conflicted file. */
export type Decision = { choice: 'canonical' | 'session' | 'both' } | { choice: 'text'; text: string };

export interface PlanInput {
  base: FileMap;
  canonical: FileMap;
  session: FileMap;
  pending: readonly ConflictRecord[];
  /** Conflict files present beside the session's copies, keyed by the conflicted file's path. */
  conflictFiles: FileMap;
  /** Contents recorded at conflict time, keyed by sha256. */
  conflictBlobs: FileMap;
  decisions?: ReadonlyMap<string, Decision>;
  isIndexFile: (file: string) => boolean;
  labels: MarkerLabels;
  lineMerger?: LineMerger;
}

export type Outcome = 'unchanged' | 'merged' | 'added' | 'deleted' | 'conflict';

export interface PlannedConflict {
  reason: ConflictReason;
  /** The conflict file's content: the merged text with markers, or the notice for a binary file. */
  text: string;
  hunks: TextConflict[];
  /** What to persist; for 'unresolved' the old record, unchanged. */
  record: ConflictRecord;
  /** Canonical's and the session's side, for the report and the choices at the terminal. */
  canonical: Buffer | null;
  session: Buffer | null;
}

export interface FilePlan {
  file: string;
  outcome: Outcome;
  /** Canonical's content now; null when absent. */
  before: Buffer | null;
  /** Canonical's new content: undefined leaves it, null deletes it. */
  write?: Buffer | null;
  /** The session's base for this file after the merge; null when absent. */
  base: Buffer | null;
  conflict?: PlannedConflict;
  /** A pending conflict of this file is settled: its conflict file goes. */
  resolved: boolean;
  /** The session's side as merged (its copy, or the resolved conflict file's text). */
  session: Buffer | null;
}

export interface MergeSummary {
  merged: string[];
  added: string[];
  deleted: string[];
  unchanged: string[];
  conflicts: Array<{ file: string; reason: ConflictReason }>;
}

export interface MergePlan {
  files: FilePlan[];
  summary: MergeSummary;
}

const CONFLICT_SUFFIX = '.conflict.md';

/** `notes/arch.md` -> `notes/arch.conflict.md`; `a.txt` -> `a.txt.conflict.md`. */
export function getConflictFileName(file: string): string {
  return `${file.endsWith('.md') ? file.slice(0, -3) : file}${CONFLICT_SUFFIX}`;
}

/** Files a merge never treats as memory: cwt's conflict files and the temporary files of an atomic write. */
export function isMergeableName(name: string): boolean {
  return !name.endsWith(CONFLICT_SUFFIX) && !/^\..*\.cwt-\d+-[0-9a-f]+\.tmp$/.test(name);
}

/** Index files by relative path, or by base name for entries without a `/`. */
export function createIndexMatcher(indexFiles: readonly string[]): (file: string) => boolean {
  const paths = new Set(indexFiles.filter((entry) => entry.includes('/')));
  const names = new Set(indexFiles.filter((entry) => !entry.includes('/')));
  return (file) => paths.has(file) || names.has(file.slice(file.lastIndexOf('/') + 1));
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Text cwt can merge line by line: valid UTF-8 without NUL bytes. */
export function isMergeableText(data: Buffer): boolean {
  if (data.includes(0)) return false;
  try {
    decoder.decode(data);
    return true;
  } catch {
    return false;
  }
}

const same = (a: Buffer | null, b: Buffer | null) => (a === null || b === null ? a === b : a.equals(b));
const text = (data: Buffer | null) => (data === null ? '' : data.toString('utf8'));
const lines = (data: Buffer | null) => splitLines(text(data)).lines;

type Merged = { take: Buffer | null } | { conflict: Omit<PlannedConflict, 'record' | 'canonical' | 'session'> };

function wholeFileConflict(reason: ConflictReason, base: Buffer | null, ours: Buffer | null, theirs: Buffer | null, labels: MarkerLabels): Merged {
  const marked = renderConflictLines(lines(ours), lines(base), lines(theirs), {
    ours: ours === null ? `${labels.ours} (deleted)` : labels.ours,
    base: labels.base,
    theirs: theirs === null ? `${labels.theirs} (deleted)` : labels.theirs,
  });
  return { conflict: { reason, text: `${marked.join('\n')}\n`, hunks: [{ line: 1, base: lines(base), ours: lines(ours), theirs: lines(theirs) }] } };
}

function binaryNotice(file: string, labels: MarkerLabels): string {
  return [
    `<<<<<<< ${labels.ours}`,
    `${file} is not text (binary or not UTF-8) and both sides changed it, so it cannot be merged line by line.`,
    'Canonical memory still has its own version. To resolve, put the version you want in the session copy beside',
    'this file (or delete the session copy to keep canonical as it is), then delete this file and merge again.',
    `>>>>>>> ${labels.theirs}`,
    '',
  ].join('\n');
}

/** The 3-way decision for one file's contents. */
async function mergeContents(file: string, base: Buffer | null, ours: Buffer | null, theirs: Buffer | null, input: PlanInput): Promise<Merged> {
  if (same(theirs, base)) return { take: ours };
  if (same(ours, base) || same(ours, theirs)) return { take: theirs };
  const index = input.isIndexFile(file);
  const present = [base, ours, theirs].filter((data): data is Buffer => data !== null);
  if (!present.every(isMergeableText)) return { conflict: { reason: 'binary', text: binaryNotice(file, input.labels), hunks: [] } };
  if (ours === null || theirs === null) {
    if (!index) return wholeFileConflict(ours === null ? 'deleted-in-canonical' : 'deleted-in-session', base, ours, theirs, input.labels);
    // An index file one side deleted and the other changed: the changed side's additions survive the deletion.
    const merged = await mergeMemoryText(text(base), text(ours), text(theirs), { index, labels: input.labels });
    return { take: merged.text === '' ? null : Buffer.from(merged.text) };
  }
  if (base === null && !index) {
    const note = mergeSameNote(text(ours), text(theirs), input.labels);
    return note !== undefined ? { take: Buffer.from(note) } : wholeFileConflict('both-added', base, ours, theirs, input.labels);
  }
  const merged = await mergeMemoryText(text(base), text(ours), text(theirs), { index, labels: input.labels, lineMerger: input.lineMerger });
  if (merged.conflicts.length > 0) return { conflict: { reason: 'both-changed', text: merged.text, hunks: merged.conflicts } };
  return { take: Buffer.from(merged.text) };
}

/** Applies a choice made at the terminal to a conflict; undefined when the choice does not apply. */
function decide(decision: Decision, conflict: Omit<PlannedConflict, 'record'>): Merged | undefined {
  switch (decision.choice) {
    case 'canonical':
      return { take: conflict.canonical };
    case 'session':
      return { take: conflict.session };
    case 'both': {
      if (conflict.reason === 'binary') return undefined;
      if (conflict.canonical === null || conflict.session === null) return { take: conflict.canonical ?? conflict.session };
      // Every conflicted region keeps canonical's lines, then the session's.
      const out = chunksFromMarkedText(conflict.text).flatMap((chunk) => (chunk.kind === 'conflict' ? [...chunk.ours, ...chunk.theirs] : chunk.kind === 'stable' ? chunk.lines : []));
      return { take: Buffer.from(`${out.join('\n')}\n`) };
    }
    case 'text':
      if (hasConflictMarkers(decision.text)) return { conflict: { reason: conflict.reason, text: decision.text, hunks: conflict.hunks } };
      return { take: Buffer.from(decision.text) };
  }
}

async function planFile(file: string, input: PlanInput): Promise<FilePlan> {
  const base = input.base.get(file) ?? null;
  const before = input.canonical.get(file) ?? null;
  const sessionCopy = input.session.get(file) ?? null;
  const pending = input.pending.find((record) => record.file === file);
  let mergeBase = base;
  let theirs = sessionCopy;
  // What the base becomes once this file merges cleanly: the session's copy it merged.
  let nextBase = sessionCopy;
  let resolved = false;
  if (pending) {
    const conflictFile = input.conflictFiles.get(file);
    const blob = (sha: string | null) => (sha === null ? null : (input.conflictBlobs.get(sha) ?? null));
    if (conflictFile !== undefined && sha256(conflictFile) === pending.conflictSha) {
      // Untouched: the user has not resolved anything; merge afresh (either side may have moved since).
      resolved = true;
    } else if (conflictFile !== undefined) {
      const edited = conflictFile.toString('utf8');
      if (pending.reason === 'binary' || hasConflictMarkers(edited)) {
        const conflict: PlannedConflict = { reason: 'unresolved', text: edited, hunks: [], record: pending, canonical: before, session: sessionCopy };
        return { file, outcome: 'conflict', before, base, conflict, resolved: false, session: sessionCopy };
      }
      // The edited conflict file is the session's side; the session's copy as it was then becomes its base.
      theirs = conflictFile;
      mergeBase = blob(pending.canonicalSha);
      nextBase = blob(pending.sessionSha);
      resolved = true;
    } else {
      // Deleted: the session's copy (fixed by the user, or deleted to drop the file) is the session's side.
      mergeBase = blob(pending.canonicalSha);
      resolved = true;
    }
  }
  let merged = await mergeContents(file, mergeBase, before, theirs, input);
  const decision = input.decisions?.get(file);
  if ('conflict' in merged && decision !== undefined) merged = decide(decision, { ...merged.conflict, canonical: before, session: theirs }) ?? merged;
  if ('conflict' in merged) {
    const record: ConflictRecord = {
      file,
      reason: merged.conflict.reason as ConflictRecord['reason'],
      canonicalSha: before === null ? null : sha256(before),
      sessionSha: theirs === null ? null : sha256(theirs),
      conflictSha: sha256(merged.conflict.text),
    };
    const conflict: PlannedConflict = { ...merged.conflict, record, canonical: before, session: theirs };
    return { file, outcome: 'conflict', before, base, conflict, resolved: false, session: theirs };
  }
  const after = merged.take;
  const outcome: Outcome = same(after, before) ? 'unchanged' : before === null ? 'added' : after === null ? 'deleted' : 'merged';
  return { file, outcome, before, ...(outcome === 'unchanged' ? {} : { write: after }), base: nextBase, resolved, session: theirs };
}

/** Plans the merge of every file any of the trees (or a pending conflict) names, in path order. */
export async function planMemoryMerge(input: PlanInput): Promise<MergePlan> {
  const names = new Set<string>([...input.base.keys(), ...input.canonical.keys(), ...input.session.keys(), ...input.pending.map((record) => record.file)]);
  const files: FilePlan[] = [];
  for (const file of [...names].sort()) files.push(await planFile(file, input));
  return { files, summary: summarize(files) };
}

export function summarize(files: readonly FilePlan[]): MergeSummary {
  // A file neither canonical nor the merge has (the session kept what canonical deleted) is not worth listing.
  const pick = (outcome: Outcome) => files.filter((plan) => plan.outcome === outcome && !(outcome === 'unchanged' && plan.before === null)).map((plan) => plan.file);
  return {
    merged: pick('merged'),
    added: pick('added'),
    deleted: pick('deleted'),
    unchanged: pick('unchanged'),
    conflicts: files.flatMap((plan) => (plan.conflict ? [{ file: plan.file, reason: plan.conflict.reason }] : [])),
  };
}
