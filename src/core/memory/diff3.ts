/**
 * Line diff and 3-way merge, in process and pure: Myers' O(ND) diff gives the longest common subsequence of
 * two line arrays; `merge3` aligns both sides against the base and cuts the three files into chunks the way
 * diff3 does (Khanna, Kunal and Pierce, "A formal investigation of Diff3"): stable runs where all three agree,
 * and unstable chunks between them, each taken from the side that changed it, from either side when both made
 * the same change, or reported as a conflict. What to do with a conflict is the caller's policy.
 */

/** A text cut into lines without their `\n`; a `\r` stays part of its line. */
export interface TextLines {
  lines: string[];
  /** True when the text ends with `\n` (an empty text has none). */
  finalNewline: boolean;
}

export function splitLines(text: string): TextLines {
  if (text === '') return { lines: [], finalNewline: false };
  const finalNewline = text.endsWith('\n');
  const lines = (finalNewline ? text.slice(0, -1) : text).split('\n');
  return { lines, finalNewline };
}

export function joinLines(text: TextLines): string {
  if (text.lines.length === 0) return '';
  return text.lines.join('\n') + (text.finalNewline ? '\n' : '');
}

/** Beyond this many differences the diff stops looking for the shortest script (memory grows with its square). */
const MAX_EDIT_DISTANCE = 2000;

/**
 * Matched line pairs `[i, j]` (a[i] === b[j]), strictly increasing in both: a longest common subsequence
 * (Myers 1986), found after trimming the common prefix and suffix. Past MAX_EDIT_DISTANCE differences it
 * settles for the prefix and suffix alone, which is still a valid (if not minimal) diff.
 */
export function diffLines(a: readonly string[], b: readonly string[]): Array<[number, number]> {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const pairs: Array<[number, number]> = [];
  for (let i = 0; i < start; i++) pairs.push([i, i]);
  const middle = myers(a, b, start, endA, start, endB);
  for (const pair of middle) pairs.push(pair);
  for (let k = 0; endA + k < a.length; k++) pairs.push([endA + k, endB + k]);
  return pairs;
}

/** Myers' greedy algorithm on a[aLo..aHi) x b[bLo..bHi), keeping every V to walk the path back. */
function myers(a: readonly string[], b: readonly string[], aLo: number, aHi: number, bLo: number, bHi: number): Array<[number, number]> {
  const n = aHi - aLo;
  const m = bHi - bLo;
  if (n === 0 || m === 0) return [];
  // Compare small integers, not strings, in the inner loop.
  const ids = new Map<string, number>();
  const id = (line: string) => {
    let value = ids.get(line);
    if (value === undefined) ids.set(line, (value = ids.size));
    return value;
  };
  const x = Int32Array.from({ length: n }, (_, i) => id(a[aLo + i]!));
  const y = Int32Array.from({ length: m }, (_, j) => id(b[bLo + j]!));
  const max = Math.min(n + m, MAX_EDIT_DISTANCE);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= max && found < 0; d++) {
    trace.push(v.slice(offset - d - 1, offset + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let i = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? v[offset + k + 1]! : v[offset + k - 1]! + 1;
      let j = i - k;
      while (i < n && j < m && x[i] === y[j]) {
        i++;
        j++;
      }
      v[offset + k] = i;
      if (i >= n && j >= m) {
        found = d;
        break;
      }
    }
  }
  if (found < 0) return []; // too different: everything in between is changed
  // Walk back through the saved frontiers; trace[d] holds v[-d-1 .. d+1] as it was before step d.
  const pairs: Array<[number, number]> = [];
  let i = n;
  let j = m;
  for (let d = found; d > 0; d--) {
    const before = trace[d]!;
    const at = (k: number) => before[k + d + 1]!;
    const k = i - j;
    const down = k === -d || (k !== d && at(k - 1) < at(k + 1));
    const prevK = down ? k + 1 : k - 1;
    const prevI = at(prevK);
    const prevJ = prevI - prevK;
    // The snake after the edit: matched lines from (startI, startJ) to (i, j).
    const startI = down ? prevI : prevI + 1;
    const startJ = startI - k;
    while (i > startI && j > startJ) {
      i--;
      j--;
      pairs.push([aLo + i, bLo + j]);
    }
    i = prevI;
    j = prevJ;
  }
  while (i > 0 && j > 0) {
    i--;
    j--;
    pairs.push([aLo + i, bLo + j]);
  }
  return pairs.reverse();
}

/** One piece of a 3-way merge. Line arrays are slices of the inputs. */
export type MergeChunk =
  /** All three agree. */
  | { kind: 'stable'; lines: string[] }
  /** Only one side changed this region (`lines` is its version), or both made the identical change. */
  | { kind: 'ours' | 'theirs' | 'both'; base: string[]; lines: string[] }
  /** Both sides changed this region, differently. */
  | { kind: 'conflict'; base: string[]; ours: string[]; theirs: string[] };

function sameLines(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((line, index) => line === b[index]);
}

function toMatchMap(length: number, pairs: ReadonlyArray<[number, number]>): Int32Array {
  const map = new Int32Array(length).fill(-1);
  for (const [i, j] of pairs) map[i] = j;
  return map;
}

/**
 * Cuts base, ours and theirs into chunks: stable runs (a base line matched, in step, on both sides) and the
 * unstable chunks between them, each classified. Concatenating each chunk's chosen lines gives the merge.
 */
export function merge3(base: readonly string[], ours: readonly string[], theirs: readonly string[]): MergeChunk[] {
  const toOurs = toMatchMap(base.length, diffLines(base, ours));
  const toTheirs = toMatchMap(base.length, diffLines(base, theirs));
  const chunks: MergeChunk[] = [];
  let o = 0;
  let a = 0;
  let b = 0;
  const push = (chunk: MergeChunk) => {
    const last = chunks.at(-1);
    // Adjacent stable runs read better as one.
    if (chunk.kind === 'stable' && last?.kind === 'stable') last.lines.push(...chunk.lines);
    else chunks.push(chunk);
  };
  for (;;) {
    let run = 0;
    while (o + run < base.length && toOurs[o + run] === a + run && toTheirs[o + run] === b + run) run++;
    if (run > 0) {
      push({ kind: 'stable', lines: base.slice(o, o + run) });
      o += run;
      a += run;
      b += run;
    }
    if (o >= base.length && a >= ours.length && b >= theirs.length) break;
    // The next base line both sides kept: the end of this unstable chunk.
    let next = o;
    while (next < base.length && (toOurs[next] === -1 || toTheirs[next] === -1)) next++;
    const nextA = next < base.length ? toOurs[next]! : ours.length;
    const nextB = next < base.length ? toTheirs[next]! : theirs.length;
    const baseLines = base.slice(o, next);
    const oursLines = ours.slice(a, nextA);
    const theirsLines = theirs.slice(b, nextB);
    const oursSame = sameLines(oursLines, baseLines);
    const theirsSame = sameLines(theirsLines, baseLines);
    if (oursSame && theirsSame) push({ kind: 'stable', lines: baseLines });
    else if (oursSame) push({ kind: 'theirs', base: baseLines, lines: theirsLines });
    else if (theirsSame) push({ kind: 'ours', base: baseLines, lines: oursLines });
    else if (sameLines(oursLines, theirsLines)) push({ kind: 'both', base: baseLines, lines: oursLines });
    else push({ kind: 'conflict', base: baseLines, ours: oursLines, theirs: theirsLines });
    o = next;
    a = nextA;
    b = nextB;
  }
  return chunks;
}

/** The lines of one side, rebuilt from the chunks (for tests and for "take this side" resolutions). */
export function sideOf(chunks: readonly MergeChunk[], side: 'base' | 'ours' | 'theirs'): string[] {
  const out: string[] = [];
  for (const chunk of chunks) {
    if (chunk.kind === 'stable') out.push(...chunk.lines);
    else if (chunk.kind === 'conflict') out.push(...chunk[side]);
    else if (side === 'base') out.push(...chunk.base);
    else if (chunk.kind === 'both' || chunk.kind === side) out.push(...chunk.lines);
    else out.push(...chunk.base);
  }
  return out;
}
