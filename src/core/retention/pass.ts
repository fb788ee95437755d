/**
 * The retention pass: gathers what retention/policy.ts decides on (every session, what they hold, what
 * `cwt merge-memory --undo` still needs), has the store remove the rest and give the space back. `cwt gc` runs
 * it whole (or dry); ordinary commands run a bounded one at most once a day after their work
 * (runRetentionPassIfDue); hooks never do.
 */
import { loadConfig } from '../config/load.js';
import { debug } from '../util/debug.js';
import { getHostId } from '../sessions/liveness.js';
import { getMemoryStateRoot } from '../memory/memory.js';
import { listSessionsNeededByUndo } from '../memory/backup.js';
import { resolveCwtHome } from '../fs/paths.js';
import { HOOK_CALL_KEEP_MS } from '../harness/fastpath.js';
import { planRetention, type RetentionKeepReason, type RetentionPolicy } from './policy.js';
import type { PruneCounts, Store } from '../store/store.js';

/** How often ordinary commands run a pass. */
import { getPassMarkerPath, isMarkerDue, RETENTION_PASS_INTERVAL_MS, touchMarker } from './due.js';

export { RETENTION_PASS_INTERVAL_MS };
/** What such a pass removes at most per kind of record, so that it stays short on a long-neglected store; cwt gc takes the rest. */
export const RETENTION_PASS_LIMIT = 5_000;

export interface RetentionOptions {
  policy: RetentionPolicy;
  env: NodeJS.ProcessEnv;
  now?: number;
  /** Count what would go; change nothing. */
  dryRun?: boolean;
  /** A bounded pass: at most this many rows per kind, and no one-time VACUUM or WAL truncation. */
  limit?: number;
}

export interface RetentionReport {
  dryRun: boolean;
  pruned: PruneCounts;
  /** Ended sessions past their window that keep their rows, and why. */
  kept: Array<{ session: string; branch: string; reason: RetentionKeepReason }>;
  /** The store's size in bytes before and after (the same on a dry run). */
  sizeBefore: number;
  sizeAfter: number;
  /** A SQLite file from before incremental auto-vacuum was converted (a one-time VACUUM). */
  vacuumed: boolean;
}

/** Runs one retention pass over the store. */
export async function applyRetention(store: Store, options: RetentionOptions): Promise<RetentionReport> {
  const { env } = options;
  const dryRun = options.dryRun === true;
  const now = options.now ?? Date.now();
  const [sessions, locks, claims, leases] = await Promise.all([store.listSessions({ includeEnded: true }), store.listLocks(), store.listClaims(), store.listLeases()]);
  const holders = new Set([...locks.map((lock) => lock.session), ...claims.map((claim) => claim.session), ...leases.map((lease) => lease.session)].filter((id) => id !== null));
  const plan = planRetention({
    policy: options.policy,
    clock: { now, ...(store.kind === 'postgres' ? { host: getHostId(env) } : {}) },
    sessions,
    holders,
    undoSessions: listSessionsNeededByUndo(getMemoryStateRoot(resolveCwtHome(env))),
  });
  const sizeBefore = await store.getStoreSize();
  const pruned = await store.pruneExpired({
    eventsBefore: plan.cutoffs.events,
    kvTombstonesBefore: plan.cutoffs.kvTombstones,
    claimDenialsBefore: plan.cutoffs.claimDenials,
    readsBefore: plan.cutoffs.reads,
    commitsBefore: plan.cutoffs.commits,
    keepSessions: plan.openSessions,
    sessions: plan.sessions,
    limit: options.limit,
    dryRun,
  });
  // Who answered a tool call matters for seconds (the fast path and its fallback, src/server/fastpath.ts).
  if (!dryRun) await store.pruneHookCalls(now - HOOK_CALL_KEEP_MS);
  const vacuumed = dryRun ? false : await store.reclaimSpace({ full: options.limit === undefined });
  return {
    dryRun,
    pruned,
    kept: plan.kept.map(({ session, reason }) => ({ session: session.id, branch: session.branch, reason })),
    sizeBefore,
    sizeAfter: dryRun ? sizeBefore : await store.getStoreSize(),
    vacuumed,
  };
}

/** An empty file whose time says when this machine last looked: the day's other commands need not open the store. */
/**
 * After an ordinary command's work: a bounded retention pass, when this machine ran none for a day. The
 * store's record decides (one of many processes wins); a marker file spares the day's other commands opening
 * the store to ask. Never throws: it must not fail the command.
 */
export async function runRetentionPassIfDue(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  try {
    const now = Date.now();
    const marker = getPassMarkerPath(env);
    if (!isMarkerDue(marker, now)) return;
    touchMarker(marker, now);
    const { openStore } = await import('../store/open.js');
    const store = await openStore(env);
    try {
      if (!(await store.claimPeriodicRun(`retention@${getHostId(env)}`, now, RETENTION_PASS_INTERVAL_MS))) return;
      const report = await applyRetention(store, { policy: loadConfig({ env }).retain, env, now, limit: RETENTION_PASS_LIMIT });
      debug('retention', `daily pass: ${JSON.stringify(report.pruned)}; ${report.sizeBefore} -> ${report.sizeAfter} bytes`);
    } finally {
      await store.close();
    }
  } catch (error) {
    debug('retention', `daily pass failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
