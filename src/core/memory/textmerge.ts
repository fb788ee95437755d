/**
 * The 3-way merge of one memory text file, as policy over diff3 chunks. Pure (given a pure line merger).
 *
 * Ordinary notes: a region only one side changed takes that side; identical changes are taken once; where both
 * sides only inserted lines at the same place (the base region is empty: two sessions appending a section each)
 * both insertions are kept, canonical's first; a region both sides changed differently is a conflict, written
 * with diff3-style markers. Frontmatter is merged per key (see frontmatter.ts).
 *
 * Index files (`MEMORY.md`): an ordered union of lines. A base line one side deleted goes when the other side
 * kept it; lines either side added stay, in canonical's order with the session's additions after canonical's
 * in the same region; a line both sides added appears once (blank lines excepted). Index files never conflict.
 */
import { diffLines, merge3, splitLines, joinLines, type MergeChunk, type TextLines } from './diff3.js';
import { joinFrontmatter, mergeFrontmatterLines, renderConflictLines, splitFrontmatter, type MarkerLabels } from './frontmatter.js';

export type { MarkerLabels } from './frontmatter.js';

/** The line-level 3-way merge used for note bodies: in-process diff3 by default. */
export type LineMerger = (base: readonly string[], ours: readonly string[], theirs: readonly string[]) => MergeChunk[] | Promise<MergeChunk[]>;

export interface TextConflict {
  /** 1-based line of the `<<<<<<<` marker in the merged text. */
  line: number;
  base: string[];
  ours: string[];
  theirs: string[];
}

export interface TextMerge {
  /** The merged text; with conflicts, the marker blocks are in it. */
  text: string;
  conflicts: TextConflict[];
}

export interface TextMergeOptions {
  index: boolean;
  labels: MarkerLabels;
  lineMerger?: LineMerger;
}

const MARKER_LINE = /^(<{7}|>{7}|\|{7})(\s|$)/m;

/** True when a text still holds conflict markers (`<<<<<<<`, `|||||||` or `>>>>>>>` at the start of a line). */
export function hasConflictMarkers(text: string): boolean {
  return MARKER_LINE.test(text);
}

function containsRun(haystack: readonly string[], needle: readonly string[]): boolean {
  if (needle.length === 0) return true;
  for (let start = 0; start + needle.length <= haystack.length; start++) {
    if (needle.every((line, k) => haystack[start + k] === line)) return true;
  }
  return false;
}

interface Hunk {
  /** The base range [start, end) this side replaced... */
  start: number;
  end: number;
  /** ...with these lines. */
  lines: string[];
}

/** One side's changes to `base` as hunks, from the line diff. */
function toHunks(base: readonly string[], side: readonly string[]): Hunk[] {
  const hunks: Hunk[] = [];
  let i = 0;
  let j = 0;
  for (const [pi, pj] of [...diffLines(base, side), [base.length, side.length] as const]) {
    if (pi > i || pj > j) hunks.push({ start: i, end: pi, lines: side.slice(j, pj) });
    i = pi + 1;
    j = pj + 1;
  }
  return hunks;
}

/**
 * A region both sides changed, looked at closer: when no change of one side overlaps a change of the other
 * (they only touch, e.g. one side edits a line and the other inserts right after it), both apply; an insertion
 * at the start of the other side's range goes first. Overlapping changes, or two insertions at one point, give
 * undefined: a real conflict (or, for insertions, the union below).
 */
function mergeDisjointHunks(base: readonly string[], ours: readonly string[], theirs: readonly string[]): string[] | undefined {
  const a = toHunks(base, ours);
  const b = toHunks(base, theirs);
  for (const x of a) {
    for (const y of b) {
      if (x.start < y.end && y.start < x.end) return undefined;
      if (x.start === x.end && y.start === y.end && x.start === y.start) return undefined;
    }
  }
  const hunks = [...a, ...b].sort((h1, h2) => h1.start - h2.start || h1.end - h1.start - (h2.end - h2.start));
  const out: string[] = [];
  let position = 0;
  for (const hunk of hunks) {
    out.push(...base.slice(position, hunk.start), ...hunk.lines);
    position = Math.max(position, hunk.end);
  }
  out.push(...base.slice(position));
  return out;
}

/** Two insertions at one place: both, canonical's first, unless one already holds the other. */
function unionInsertions(ours: readonly string[], theirs: readonly string[]): string[] {
  if (containsRun(ours, theirs)) return [...ours];
  if (containsRun(theirs, ours)) return [...theirs];
  return [...ours, ...theirs];
}

interface BodyMerge {
  lines: string[];
  conflicts: Omit<TextConflict, 'line'>[];
}

function resolveNoteChunks(chunks: readonly MergeChunk[], labels: MarkerLabels): BodyMerge {
  const lines: string[] = [];
  const conflicts: BodyMerge['conflicts'] = [];
  for (const chunk of chunks) {
    if (chunk.kind === 'stable') lines.push(...chunk.lines);
    else if (chunk.kind !== 'conflict') lines.push(...chunk.lines);
    else if (chunk.base.length === 0) lines.push(...unionInsertions(chunk.ours, chunk.theirs));
    else {
      const disjoint = mergeDisjointHunks(chunk.base, chunk.ours, chunk.theirs);
      if (disjoint !== undefined) {
        lines.push(...disjoint);
        continue;
      }
      conflicts.push({ base: chunk.base, ours: chunk.ours, theirs: chunk.theirs });
      lines.push(...renderConflictLines(chunk.ours, chunk.base, chunk.theirs, labels));
    }
  }
  return { lines, conflicts };
}

function resolveIndexChunks(chunks: readonly MergeChunk[]): BodyMerge {
  // Lines canonical added anywhere: the session adding the same line again does not repeat it.
  const oursAdded = new Set<string>();
  for (const chunk of chunks) {
    if (chunk.kind === 'stable' || chunk.kind === 'theirs') continue;
    const base = new Set(chunk.base);
    for (const line of chunk.kind === 'conflict' ? chunk.ours : chunk.lines) if (!base.has(line)) oursAdded.add(line);
  }
  const isRepeat = (line: string) => line.trim() !== '' && oursAdded.has(line);
  const lines: string[] = [];
  for (const chunk of chunks) {
    if (chunk.kind === 'stable') lines.push(...chunk.lines);
    else if (chunk.kind === 'theirs') {
      const base = new Set(chunk.base);
      lines.push(...chunk.lines.filter((line) => base.has(line) || !isRepeat(line)));
    } else if (chunk.kind !== 'conflict') lines.push(...chunk.lines);
    else {
      const base = new Set(chunk.base);
      const ours = new Set(chunk.ours);
      const theirs = new Set(chunk.theirs);
      // A base line the session deleted goes, since canonical only kept it; the session's new lines follow.
      lines.push(...chunk.ours.filter((line) => !(base.has(line) && !theirs.has(line))));
      lines.push(...chunk.theirs.filter((line) => !base.has(line) && !ours.has(line) && !isRepeat(line)));
    }
  }
  return { lines, conflicts: [] };
}

/**
 * Merges the trailing-newline flag: whichever side changed it. An empty text has no opinion (it has no last
 * line), and a merge ending in an empty line keeps it, which needs the newline.
 */
function mergeFinalNewline(b: TextLines, o: TextLines, t: TextLines, lines: readonly string[]): boolean {
  if (lines.length > 0 && lines.at(-1) === '') return true;
  const base = b.finalNewline;
  const ours = o.lines.length === 0 ? base : o.finalNewline;
  const theirs = t.lines.length === 0 ? base : t.finalNewline;
  return ours === theirs || base === theirs ? ours : theirs;
}

async function mergeBody(base: string, ours: string, theirs: string, options: TextMergeOptions): Promise<{ text: string; conflicts: BodyMerge['conflicts'] }> {
  const b = splitLines(base);
  const o = splitLines(ours);
  const t = splitLines(theirs);
  const chunks = await (options.index ? merge3 : (options.lineMerger ?? merge3))(b.lines, o.lines, t.lines);
  const merged = options.index ? resolveIndexChunks(chunks) : resolveNoteChunks(chunks, options.labels);
  const finalNewline = merged.conflicts.length > 0 || mergeFinalNewline(b, o, t, merged.lines);
  return { text: joinLines({ lines: merged.lines, finalNewline }), conflicts: merged.conflicts };
}

/** `\n\nbody` -> [`\n\n`, `body`]. */
function splitLeadingBlankLines(text: string): [string, string] {
  const gap = /^(?:\r?\n)*/.exec(text)![0];
  return [gap, text.slice(gap.length)];
}

/** Numbers the conflicts by the marker lines in the final text (they appear in the same order). */
function locateConflicts(text: string, conflicts: readonly Omit<TextConflict, 'line'>[]): TextConflict[] {
  const starts: number[] = [];
  text.split('\n').forEach((line, index) => {
    if (/^<{7}(\s|$)/.test(line)) starts.push(index + 1);
  });
  return conflicts.map((conflict, index) => ({ line: starts[index] ?? 0, ...conflict }));
}

/**
 * 3-way merge of one memory file's text. `base` is '' when the file did not exist in the base (both added it):
 * callers decide beforehand whether that is allowed (index files) or a conflict.
 */
export async function mergeMemoryText(base: string, ours: string, theirs: string, options: TextMergeOptions): Promise<TextMerge> {
  const frontOurs = splitFrontmatter(ours);
  const frontTheirs = splitFrontmatter(theirs);
  if (frontOurs && frontTheirs) {
    const frontBase = splitFrontmatter(base);
    const front = mergeFrontmatterLines(frontBase?.lines ?? [], frontOurs.lines, frontTheirs.lines, options.labels);
    // Claude Code drops the blank line after the frontmatter when it rewrites a note: merge that gap on its own,
    // so both sides dropping it does not make every edit below it touch the other side's.
    const [baseGap, baseBody] = splitLeadingBlankLines(frontBase ? frontBase.body : base);
    const [oursGap, oursBody] = splitLeadingBlankLines(frontOurs.body);
    const [theirsGap, theirsBody] = splitLeadingBlankLines(frontTheirs.body);
    const gap = oursGap === theirsGap || baseGap === theirsGap ? oursGap : theirsGap;
    const body = await mergeBody(baseBody, oursBody, theirsBody, options);
    const text = joinFrontmatter(frontOurs, front.lines, gap + body.text);
    const conflicts = [...front.conflicts.map(({ base: b, ours: o, theirs: t }) => ({ base: b, ours: o, theirs: t })), ...body.conflicts];
    return { text, conflicts: locateConflicts(text, conflicts) };
  }
  const body = await mergeBody(base, ours, theirs, options);
  return { text: body.text, conflicts: locateConflicts(body.text, body.conflicts) };
}

/**
 * True when two versions of a note differ only in what both may set independently: same body, frontmatter
 * that merges (from nothing) without a conflict. Two sessions that wrote the same note get different
 * `originSessionId`s from Claude Code; that is not a disagreement.
 */
export function mergeSameNote(ours: string, theirs: string, labels: MarkerLabels): string | undefined {
  const frontOurs = splitFrontmatter(ours);
  const frontTheirs = splitFrontmatter(theirs);
  if (!frontOurs || !frontTheirs || frontOurs.body !== frontTheirs.body) return undefined;
  const front = mergeFrontmatterLines([], frontOurs.lines, frontTheirs.lines, labels);
  return front.conflicts.length === 0 ? joinFrontmatter(frontOurs, front.lines, frontOurs.body) : undefined;
}

/**
 * Chunks from a text merged elsewhere with diff3-style markers (`git merge-file --diff3`): text outside marker
 * blocks is taken as is, each block becomes a conflict chunk. Lets another line merger feed the same policy.
 */
export function chunksFromMarkedText(text: string): MergeChunk[] {
  const chunks: MergeChunk[] = [];
  let section: 'out' | 'ours' | 'base' | 'theirs' = 'out';
  let current = { ours: [] as string[], base: [] as string[], theirs: [] as string[] };
  let plain: string[] = [];
  for (const line of splitLines(text).lines) {
    if (section === 'out' && /^<{7}(\s|$)/.test(line)) {
      if (plain.length > 0) chunks.push({ kind: 'stable', lines: plain });
      plain = [];
      current = { ours: [], base: [], theirs: [] };
      section = 'ours';
    } else if (section === 'ours' && /^\|{7}(\s|$)/.test(line)) section = 'base';
    else if ((section === 'ours' || section === 'base') && line === '=======') section = 'theirs';
    else if (section === 'theirs' && /^>{7}(\s|$)/.test(line)) {
      chunks.push({ kind: 'conflict', ...current });
      section = 'out';
    } else if (section === 'out') plain.push(line);
    else current[section].push(line);
  }
  if (plain.length > 0) chunks.push({ kind: 'stable', lines: plain });
  return chunks;
}
