/**
 * YAML frontmatter of memory notes, merged key by key rather than line by line. Claude Code rewrites the
 * frontmatter of every note it writes or edits in its memory directory: it adds a `metadata:` block holding
 * `node_type: memory` and `originSessionId: <its session id>` (seen on 2.1.197 and 2.1.332), and from 2.1.332
 * on also `modified: <ISO time>`. Two sessions that edit the same note therefore both insert a `metadata:`
 * block at the same place, differing in the session id and the time: a line merge calls that a conflict.
 * Merged per key (and per key of a nested block), those edits combine, and the bookkeeping keys the client
 * rewrites on every write resolve deterministically instead of failing (see CLIENT_MAINTAINED_KEYS).
 *
 * Pure. Only the shape Claude Code writes is parsed: top-level `key: value` lines, each with its indented
 * continuation lines; a block whose continuation lines are all `  child: value` (two spaces) is a nested map.
 */

/** One key's lines (the `key: value` line and its continuations), or undefined where a side has no such key. */
type KeyLines = readonly string[] | undefined;

/** The value of a `key: value` line, trimmed. */
function valueOf(lines: KeyLines): string {
  const first = lines?.[0] ?? '';
  return first.slice(first.indexOf(':') + 1).trim();
}

/** A time Claude Code wrote (ISO 8601), as ms; NaN when it is not one. */
function timeOf(lines: KeyLines): number {
  return lines === undefined ? Number.NaN : Date.parse(valueOf(lines));
}

/** The side with the later time; a side whose value is not a time gives way to the other. */
function laterTime(ours: KeyLines, theirs: KeyLines): KeyLines {
  const [o, t] = [timeOf(ours), timeOf(theirs)];
  if (Number.isNaN(t)) return ours ?? theirs;
  return Number.isNaN(o) || t > o ? theirs : ours;
}

/**
 * Keys that Claude Code rewrites on every write of a note, with how a change by both sides resolves: never a
 * conflict, and the same answer whatever order sessions merge in. Every other key merges as usual.
 * - `originSessionId`: the last session that wrote the note; canonical's value is kept.
 * - `modified`: when the note last changed; the later of the two times (a side without one, or with a value
 *   that is not a time, gives way to the other).
 */
export const CLIENT_MAINTAINED_KEYS: ReadonlyMap<string, (ours: KeyLines, theirs: KeyLines) => KeyLines> = new Map([
  ['originSessionId', (ours: KeyLines, theirs: KeyLines) => ours ?? theirs],
  ['modified', laterTime],
]);

export interface Frontmatter {
  /** The lines between the `---` fences. */
  lines: string[];
  /** Everything after the closing fence's newline. */
  body: string;
  /** The fence lines as written (`---` or `---\r`). */
  open: string;
  close: string;
}

const FENCE = /^---\r?$/;
/** A frontmatter block longer than this is not Claude Code's and is merged as plain text. */
const MAX_FRONTMATTER_LINES = 200;

/** Splits `---` fenced frontmatter from the body; undefined when the text has none. */
export function splitFrontmatter(text: string): Frontmatter | undefined {
  const firstBreak = text.indexOf('\n');
  if (firstBreak < 0 || !FENCE.test(text.slice(0, firstBreak))) return undefined;
  let position = firstBreak + 1;
  const lines: string[] = [];
  while (lines.length <= MAX_FRONTMATTER_LINES) {
    const end = text.indexOf('\n', position);
    const line = end < 0 ? text.slice(position) : text.slice(position, end);
    // A closing fence without a newline after it would not survive the round trip: leave such text alone.
    if (end < 0) return undefined;
    if (FENCE.test(line)) return { lines, body: text.slice(end + 1), open: text.slice(0, firstBreak), close: line };
    lines.push(line);
    position = end + 1;
  }
  return undefined;
}

/** Reassembles a note: fences, frontmatter lines, body. */
export function joinFrontmatter(front: Pick<Frontmatter, 'open' | 'close'>, lines: readonly string[], body: string): string {
  return [front.open, ...lines, front.close].join('\n') + '\n' + body;
}

interface Entry {
  key: string;
  /** The key line and its continuation lines. */
  lines: string[];
}

const TOP_KEY = /^([^\s:#-][^:]*):(?:\s|$)/;
const CHILD_KEY = /^ {2}([^\s:#-][^:]*):(?:\s|$)/;

/** Cuts lines into entries keyed by `key:` at the given indentation; lines before the first key form '#pre'. */
function parseEntries(lines: readonly string[], keyPattern: RegExp): Entry[] {
  const entries: Entry[] = [];
  for (const line of lines) {
    const match = keyPattern.exec(line);
    if (match) entries.push({ key: match[1]!.trim(), lines: [line] });
    else if (entries.length > 0) entries.at(-1)!.lines.push(line);
    else entries.push({ key: '#pre', lines: [line] });
  }
  return entries;
}

/** A block whose continuation lines are all two-space `child: value` entries (or deeper continuations). */
function parseNested(entry: Entry): { header: string; children: Entry[] } | undefined {
  const rest = entry.lines.slice(1);
  if (rest.length === 0 || !CHILD_KEY.test(rest[0]!)) return undefined;
  if (!rest.every((line) => CHILD_KEY.test(line) || /^ {3,}\S/.test(line))) return undefined;
  return { header: entry.lines[0]!, children: parseEntries(rest, CHILD_KEY) };
}

export interface FrontmatterConflict {
  key: string;
  base: string[];
  ours: string[];
  theirs: string[];
}

export interface FrontmatterMerge {
  /** The merged lines; a conflicted key appears as its three versions between markers. */
  lines: string[];
  conflicts: FrontmatterConflict[];
}

export interface MarkerLabels {
  ours: string;
  base: string;
  theirs: string;
}

/** The conflict marker block for one region: ours, base, theirs (diff3 style). */
export function renderConflictLines(ours: readonly string[], base: readonly string[], theirs: readonly string[], labels: MarkerLabels): string[] {
  return [`<<<<<<< ${labels.ours}`, ...ours, `||||||| ${labels.base}`, ...base, '=======', ...theirs, `>>>>>>> ${labels.theirs}`];
}

/**
 * An entry's text for comparison. Trailing white space does not count: YAML ignores it, and the two ends of the
 * range write the same block header differently (2.1.197 `metadata: `, 2.1.332 `metadata:`).
 */
const joined = (entry: Entry | undefined) => (entry === undefined ? undefined : entry.lines.map((line) => line.trimEnd()).join('\n'));

/**
 * Merges ordered entries by key: a key only one side changed takes that side's version (a deletion included),
 * identical changes are taken once, a nested block both sides changed is merged child by child, a key the
 * client maintains resolves by its rule (CLIENT_MAINTAINED_KEYS), and anything else is a conflict. Order: ours, with keys only
 * theirs added placed after the key that precedes them in theirs.
 */
function mergeEntries(base: readonly Entry[], ours: readonly Entry[], theirs: readonly Entry[], labels: MarkerLabels, nested: boolean): FrontmatterMerge {
  const byKey = (entries: readonly Entry[]) => new Map(entries.map((entry) => [entry.key, entry]));
  const b = byKey(base);
  const o = byKey(ours);
  const t = byKey(theirs);
  const conflicts: FrontmatterConflict[] = [];
  const out = new Map<string, string[]>();
  const resolve = (key: string): string[] | undefined => {
    const bv = joined(b.get(key));
    const ov = joined(o.get(key));
    const tv = joined(t.get(key));
    if (ov === tv || bv === tv) return o.get(key)?.lines;
    if (bv === ov) return t.get(key)?.lines;
    const oe = o.get(key);
    const te = t.get(key);
    if (!nested && oe && te) {
      const on = parseNested(oe);
      const tn = parseNested(te);
      const be = b.get(key);
      const bn = be ? parseNested(be) : undefined;
      if (on && tn && (be === undefined || bn)) {
        const headers = mergeEntries(
          bn ? [{ key: 'h', lines: [bn.header] }] : [],
          [{ key: 'h', lines: [on.header] }],
          [{ key: 'h', lines: [tn.header] }],
          labels,
          true,
        );
        const children = mergeEntries(bn?.children ?? [], on.children, tn.children, labels, true);
        if (headers.conflicts.length === 0 && children.conflicts.length === 0) return [...headers.lines, ...children.lines];
      }
    }
    const maintained = CLIENT_MAINTAINED_KEYS.get(key);
    if (maintained) return maintained(oe?.lines, te?.lines)?.slice();
    const conflict = { key, base: b.get(key)?.lines ?? [], ours: oe?.lines ?? [], theirs: te?.lines ?? [] };
    conflicts.push(conflict);
    return renderConflictLines(conflict.ours, conflict.base, conflict.theirs, labels);
  };
  const order: string[] = ours.map((entry) => entry.key);
  let previous: string | undefined;
  for (const entry of theirs) {
    if (!order.includes(entry.key) && !b.has(entry.key)) order.splice(previous === undefined ? 0 : order.indexOf(previous) + 1, 0, entry.key);
    if (order.includes(entry.key)) previous = entry.key;
  }
  // Keys ours deleted and theirs changed come back (as a conflict, or theirs' version): place them at the end.
  for (const entry of theirs) if (!order.includes(entry.key)) order.push(entry.key);
  for (const key of order) {
    const lines = resolve(key);
    if (lines !== undefined) out.set(key, lines);
  }
  return { lines: [...out.values()].flat(), conflicts };
}

/** Merges three frontmatter line blocks (base may be empty: both sides added a frontmatter). */
export function mergeFrontmatterLines(base: readonly string[], ours: readonly string[], theirs: readonly string[], labels: MarkerLabels): FrontmatterMerge {
  return mergeEntries(parseEntries(base, TOP_KEY), parseEntries(ours, TOP_KEY), parseEntries(theirs, TOP_KEY), labels, false);
}
