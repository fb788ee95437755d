/**
 * The dashboard's timeline, as geometry: one lane per session over the last hours, its events as marks (edits,
 * denials, commits, merges, milestones, takeovers, conflicts, waiting for the user), lock holds as bars, and a
 * line between two lanes that touched the same file within a few minutes (or where one was denied the other's
 * file), so a collision stands out. Pure and DOM-free: the page draws it as SVG, the unit tests read it.
 */

export type MarkCategory = 'edit' | 'denial' | 'commit' | 'merge' | 'milestone' | 'takeover' | 'conflict' | 'waiting';

/** Each category's symbol, drawn inside its mark and in the legend, so colour is never the only signal. */
export const MARK_SYMBOLS: Record<MarkCategory, string> = {
  edit: 'E',
  denial: '✕',
  commit: 'C',
  merge: 'M',
  milestone: '★',
  takeover: 'T',
  conflict: '!',
  waiting: '?',
};

export interface TimelineEvent {
  id: number;
  at: number;
  kind: string;
  session: string | null;
  data: Record<string, unknown>;
  /** The event in words (the mark's tooltip). */
  text: string;
}

export interface TimelineLock {
  name: string;
  session: string | null;
  token: number;
  acquiredAt: number;
}

export interface TimelineInput {
  lanes: ReadonlyArray<{ id: string; label: string }>;
  events: readonly TimelineEvent[];
  /** The locks held now (a hold that began before the window, or whose acquire event is gone, still shows). */
  locks: readonly TimelineLock[];
  now: number;
  windowMs: number;
  width: number;
  /** Two lanes touching one path within this long of each other collide (default 10 minutes). */
  collisionMs?: number;
}

export interface TimelineMark {
  x: number;
  y: number;
  category: MarkCategory;
  symbol: string;
  eventId: number;
  session: string;
  label: string;
}

export interface TimelineBar {
  x: number;
  width: number;
  y: number;
  session: string;
  name: string;
  token: number;
  /** Still held now. */
  held: boolean;
}

export interface TimelineCollision {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  path: string;
}

export interface TimelineLayout {
  width: number;
  height: number;
  /** Where the plot starts (the lane labels sit left of it). */
  left: number;
  right: number;
  start: number;
  lanes: Array<{ id: string; label: string; y: number; top: number; height: number }>;
  marks: TimelineMark[];
  bars: TimelineBar[];
  collisions: TimelineCollision[];
  /** Time ticks along the top: the page formats `at` in local time (with seconds when `tickMs` is under a minute). */
  ticks: Array<{ x: number; at: number }>;
  tickMs: number;
}

export const LANE_HEIGHT = 34;
export const AXIS_HEIGHT = 22;
export const LABEL_WIDTH = 170;
const RIGHT_PAD = 16;
const TICK_STEPS_MS = [0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 180, 360].map((minutes) => minutes * 60_000);
const MAX_TICKS = 8;

/** The mark category of an event, or undefined for kinds the timeline does not draw. */
export function getMarkCategory(event: Pick<TimelineEvent, 'kind' | 'data'>): MarkCategory | undefined {
  switch (event.kind) {
    case 'claim':
      return 'edit';
    case 'claim.deny':
      return 'denial';
    case 'commit':
      return 'commit';
    case 'memory.merge':
      return Array.isArray(event.data.conflicts) && event.data.conflicts.length > 0 ? 'conflict' : 'merge';
    case 'check.block':
      return 'conflict';
    case 'agent.milestone':
      return 'milestone';
    case 'claim.takeover':
    case 'lock.takeover':
      return 'takeover';
    case 'session.waiting':
      return 'waiting';
    default:
      return undefined;
  }
}

const LOCK_ENDS = new Set(['lock.release', 'lock.force-release', 'lock.takeover']);

/** Lays out the timeline; events of sessions without a lane and events outside the window are left out. */
export function layoutTimeline(input: TimelineInput): TimelineLayout {
  const left = LABEL_WIDTH;
  const right = Math.max(left + 100, input.width - RIGHT_PAD);
  const start = input.now - input.windowMs;
  const xOf = (at: number) => left + ((Math.min(Math.max(at, start), input.now) - start) / input.windowMs) * (right - left);
  const lanes = input.lanes.map((lane, index) => {
    const top = AXIS_HEIGHT + index * LANE_HEIGHT;
    return { id: lane.id, label: lane.label, top, height: LANE_HEIGHT, y: top + LANE_HEIGHT / 2 };
  });
  const yOf = new Map(lanes.map((lane) => [lane.id, lane.y]));
  const events = [...input.events].sort((a, b) => a.at - b.at || a.id - b.id);

  const marks: TimelineMark[] = [];
  const collisions: TimelineCollision[] = [];
  const collisionMs = input.collisionMs ?? 10 * 60_000;
  // path -> lane -> the last mark on it, to find another lane's touch of the same file nearby in time.
  const lastTouch = new Map<string, Map<string, { at: number; x: number; y: number }>>();
  for (const event of events) {
    const y = event.session === null ? undefined : yOf.get(event.session);
    if (y === undefined || event.at < start || event.at > input.now) continue;
    const category = getMarkCategory(event);
    if (category === undefined) continue;
    const x = xOf(event.at);
    marks.push({ x, y, category, symbol: MARK_SYMBOLS[category], eventId: event.id, session: event.session!, label: event.text });
    const path = typeof event.data.path === 'string' ? event.data.path : undefined;
    if (path === undefined || (category !== 'edit' && category !== 'denial' && category !== 'takeover')) continue;
    // A denial names the holder: the collision is with its lane, at the same moment.
    const holder = category === 'denial' && typeof event.data.holder === 'string' ? yOf.get(event.data.holder) : undefined;
    if (holder !== undefined && holder !== y) collisions.push({ x1: x, y1: y, x2: x, y2: holder, path });
    const touches = lastTouch.get(path) ?? new Map<string, { at: number; x: number; y: number }>();
    for (const [lane, touch] of touches) {
      if (lane !== event.session && event.at - touch.at <= collisionMs && !(holder !== undefined && touch.y === holder && touch.x === x)) {
        collisions.push({ x1: touch.x, y1: touch.y, x2: x, y2: y, path });
      }
    }
    touches.set(event.session!, { at: event.at, x, y });
    lastTouch.set(path, touches);
  }

  // Lock holds: from an acquire (or takeover) to the release, force-release or next takeover of that name.
  const bars: TimelineBar[] = [];
  const open = new Map<string, { session: string | null; token: number; at: number }>();
  const close = (name: string, at: number) => {
    const hold = open.get(name);
    if (!hold) return;
    open.delete(name);
    const y = hold.session === null ? undefined : yOf.get(hold.session);
    if (y === undefined || at < start) return;
    const x = xOf(hold.at);
    bars.push({ x, width: Math.max(2, xOf(at) - x), y, session: hold.session!, name, token: hold.token, held: false });
  };
  for (const event of events) {
    const name = typeof event.data.name === 'string' ? event.data.name : undefined;
    if (name === undefined || !event.kind.startsWith('lock.')) continue;
    if (LOCK_ENDS.has(event.kind)) close(name, event.at);
    if (event.kind === 'lock.acquire' || event.kind === 'lock.takeover') open.set(name, { session: event.session, token: Number(event.data.token) || 0, at: event.at });
  }
  for (const lock of input.locks) {
    const hold = open.get(lock.name);
    open.delete(lock.name);
    const session = lock.session;
    const y = session === null ? undefined : yOf.get(session);
    if (y === undefined) continue;
    const from = hold && hold.token === lock.token ? hold.at : lock.acquiredAt;
    const x = xOf(from);
    bars.push({ x, width: Math.max(2, xOf(input.now) - x), y, session: session!, name: lock.name, token: lock.token, held: true });
  }
  // An acquire with no end and no current holder: the release is gone (pruned); draw the moment it began.
  for (const [name, hold] of open) {
    const y = hold.session === null ? undefined : yOf.get(hold.session);
    if (y === undefined || hold.at < start) continue;
    bars.push({ x: xOf(hold.at), width: 2, y, session: hold.session!, name, token: hold.token, held: false });
  }

  const step = TICK_STEPS_MS.find((ms) => input.windowMs / ms <= MAX_TICKS) ?? TICK_STEPS_MS.at(-1)!;
  const ticks: Array<{ x: number; at: number }> = [];
  for (let at = Math.ceil(start / step) * step; at <= input.now; at += step) ticks.push({ x: xOf(at), at });

  return { width: input.width, height: AXIS_HEIGHT + lanes.length * LANE_HEIGHT, left, right, start, lanes, marks, bars, collisions, ticks, tickMs: step };
}
