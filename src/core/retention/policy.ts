/**
 * Retention: what the store may forget, so that a year of daily use does not grow it without bound. Pure
 * rules over data; retention/pass.ts gathers the facts and has the store apply the plan (Store.pruneExpired).
 *
 * Kept whatever their age: every open (live or stale) session with its reads and commits; an ended session
 * whose memory was never merged (or waits on conflicts), one a memory backup not yet undone names
 * (`cwt merge-memory --undo` restores its merge state), one a lock, claim or lease still names, and, on a
 * shared store, another host's (its backups live on that host, which prunes its own). Claim denials live only
 * as long as deny-once needs them.
 */
import { DENY_ONCE_RETRY_MS } from '../coordination/claims.js';
import { parseDuration } from '../util/duration.js';
import type { SessionRecord } from '../store/store.js';

const DAY_MS = 86_400_000;

/** What `retain` can bound, by its config key. */
export const RETENTION_KEYS = ['events', 'endedSessions', 'kvTombstones', 'claimDenials', 'reads', 'commits'] as const;
export type RetentionKey = (typeof RETENTION_KEYS)[number];

/** How long each kind of record is kept, in ms; null keeps it forever. */
export type RetentionPolicy = Record<RetentionKey, number | null>;

export const DEFAULT_RETENTION: Readonly<RetentionPolicy> = {
  events: 30 * DAY_MS,
  endedSessions: 90 * DAY_MS,
  kvTombstones: 30 * DAY_MS,
  claimDenials: DAY_MS,
  reads: 30 * DAY_MS,
  commits: 90 * DAY_MS,
};

/** The value that keeps a kind of record forever. */
export const RETAIN_FOREVER = 'forever';

/** Parses a `retain` value: a duration ("30d", "12h") in ms, or "forever" as null. */
export function parseRetentionPeriod(text: string, what = 'retention period'): number | null {
  return text.trim() === RETAIN_FOREVER ? null : parseDuration(text, what);
}

/** Why an ended session past its window keeps its row; 'open', 'recent' and 'forever' are not reported. */
export type RetentionKeepReason = 'open' | 'recent' | 'forever' | 'other-host' | 'unmerged' | 'undo' | 'holds';

export type SessionRetentionVerdict = { prune: true } | { prune: false; reason: RetentionKeepReason };

export interface SessionRetentionFacts {
  session: SessionRecord;
  /** A memory merge backup that was not undone names the session. */
  neededByUndo: boolean;
  /** A lock, claim or lease still names the session. */
  holdsSomething: boolean;
}

export interface RetentionClock {
  now: number;
  /**
   * On a shared store, this machine (getHostId): only its own ended sessions are pruned here. Absent for a
   * local store, which holds this machine's alone.
   */
  host?: string;
}

/** Whether an ended session's row may go. */
export function decideSessionRetention(facts: SessionRetentionFacts, policy: RetentionPolicy, clock: RetentionClock): SessionRetentionVerdict {
  const { session } = facts;
  if (session.state !== 'ended') return { prune: false, reason: 'open' };
  if (policy.endedSessions === null) return { prune: false, reason: 'forever' };
  if ((session.endedAt ?? session.heartbeatAt) > clock.now - policy.endedSessions) return { prune: false, reason: 'recent' };
  if (clock.host !== undefined && session.host !== clock.host) return { prune: false, reason: 'other-host' };
  // A cwt session's namespace was merged without conflicts waiting; an adopted tab wrote canonical memory itself.
  if (session.kind === 'cwt' && (session.memoryMergedAt == null || (session.memoryConflicts ?? []).length > 0)) return { prune: false, reason: 'unmerged' };
  if (facts.neededByUndo) return { prune: false, reason: 'undo' };
  if (facts.holdsSomething) return { prune: false, reason: 'holds' };
  return { prune: true };
}

export interface RetentionInput {
  policy: RetentionPolicy;
  clock: RetentionClock;
  /** Every session, ended ones included. */
  sessions: readonly SessionRecord[];
  /** Sessions a lock, claim or lease names. */
  holders: ReadonlySet<string>;
  /** Sessions a memory backup not yet undone names. */
  undoSessions: ReadonlySet<string>;
}

/** Rows older than these go; null: that kind is kept. */
export interface RetentionCutoffs {
  events: number | null;
  kvTombstones: number | null;
  claimDenials: number | null;
  reads: number | null;
  commits: number | null;
}

export interface RetentionPlan {
  cutoffs: RetentionCutoffs;
  /** Ended sessions whose rows go (with their Claude session links). */
  sessions: string[];
  /** Sessions whose reads and commits are kept whatever their age: the open ones. */
  openSessions: string[];
  /** Ended sessions past their window that keep their rows, and why. */
  kept: Array<{ session: SessionRecord; reason: RetentionKeepReason }>;
}

const before = (now: number, keepMs: number | null): number | null => (keepMs === null ? null : now - keepMs);

/** What a retention pass removes, and which ended sessions past their window it keeps. */
export function planRetention(input: RetentionInput): RetentionPlan {
  const { policy, clock } = input;
  const plan: RetentionPlan = {
    cutoffs: {
      events: before(clock.now, policy.events),
      kvTombstones: before(clock.now, policy.kvTombstones),
      // A denial matters only while its session may retry (deny-once); never shorter than that.
      claimDenials: before(clock.now, policy.claimDenials === null ? null : Math.max(policy.claimDenials, DENY_ONCE_RETRY_MS)),
      reads: before(clock.now, policy.reads),
      commits: before(clock.now, policy.commits),
    },
    sessions: [],
    openSessions: [],
    kept: [],
  };
  for (const session of input.sessions) {
    const verdict = decideSessionRetention({ session, neededByUndo: input.undoSessions.has(session.id), holdsSomething: input.holders.has(session.id) }, policy, clock);
    if (verdict.prune) plan.sessions.push(session.id);
    else if (verdict.reason === 'open') plan.openSessions.push(session.id);
    else if (verdict.reason !== 'recent' && verdict.reason !== 'forever') plan.kept.push({ session, reason: verdict.reason });
  }
  return plan;
}
