/**
 * `cwt gc [--dry-run]`: marks sessions whose supervisor died and whose heartbeat expired as stale and
 * releases what they hold (locks, claims, leases); drops the rows of this machine's sessions whose worktree
 * is gone (another machine's worktree is on that machine: such a session is judged by its heartbeat alone),
 * after merging what its namespace holds into canonical memory (a row with memory conflicts is kept, so
 * `cwt merge-memory <id>` can finish); releases stale locks and leases nobody holds any more. Never deletes a
 * worktree or a memory namespace — except what a `cwt new` killed midway made and its journal names, rolled
 * back first, and only when it holds no work; then prunes what the retention windows let go (retention/pass.ts).
 * Reports each action. A row naming a main checkout that is not the repository it claims is left alone, and
 * makes the run exit 4 once everything else is collected.
 */
import { existsSync } from 'node:fs';
import { mergeSessionMemory } from './merge-memory.js';
import { loadConfig } from '../core/config/load.js';
import { pruneWorktrees, unlockWorktree } from '../core/git/git.js';
import { createLivenessProbe } from '../core/sessions/liveness.js';
import { isLockStale } from '../core/coordination/locks.js';
import type { UntrustedSessionError } from '../core/util/errors.js';
import { createSessionPathVerifier, getRefusal, throwIfRefused, type SessionPathVerifier } from '../core/sessions/sessionpaths.js';
import { applyRetention } from '../core/retention/pass.js';
import { getSessionState } from '../core/sessions/sessions.js';
import { createStaleTaskPredicate, findStaleTasks } from '../core/coordination/tasks.js';
import { resolveCwtHome } from '../core/fs/paths.js';
import { listInterruptedRuns, NEW_RUN_JOURNAL } from '../core/sessions/runjournal.js';
import { openStore } from '../core/store/open.js';
import type { SessionRecord, Store } from '../core/store/store.js';
import { MESSAGES } from '../texts/messages.js';
import { createProcessOutput, printJson, type Output } from '../ui/output.js';

export interface GcOptions {
  dryRun?: boolean;
  json?: boolean;
  env?: NodeJS.ProcessEnv;
  output?: Output;
}

export interface GcAction {
  action: 'mark-stale' | 'rescue-memory' | 'keep-session' | 'drop-session' | 'release-lock' | 'release-claims' | 'release-leases' | 'requeue-task' | 'roll-back-new';
  session?: string;
  lock?: string;
  task?: number;
  /** For roll-back-new: NewRecovery's outcome. */
  outcome?: string;
  message: string;
}

/**
 * Merges a session's namespace into canonical memory before gc drops its row. Returns what it did: nothing
 * (the namespace had nothing new), a rescue, or, when the merge found conflicts or notes still being written,
 * the row kept for `cwt merge-memory <id>`.
 */
async function rescueSessionMemory(
  session: SessionRecord,
  options: { store: Store; env: NodeJS.ProcessEnv; output: Output; dryRun: boolean; verifySessionPaths: SessionPathVerifier },
): Promise<GcAction | undefined> {
  const result = await mergeSessionMemory(session, { ...options, interactive: false });
  if (result.conflicts.length > 0 || result.unsettled.length > 0) {
    return { action: 'keep-session', session: session.id, message: MESSAGES.gcKeptForMemory(session, result.conflicts.length + result.unsettled.length) };
  }
  const { added, merged, deleted } = result.summary;
  if (added.length + merged.length + deleted.length === 0) return undefined;
  return { action: 'rescue-memory', session: session.id, message: MESSAGES.gcRescuedMemory(session, { added: added.length, merged: merged.length, deleted: deleted.length }) };
}

export async function collectGarbage(options: GcOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  const output = options.output ?? createProcessOutput();
  const dryRun = options.dryRun === true;
  const store = await openStore(env);
  const actions: GcAction[] = [];
  try {
    const config = loadConfig({ env });
    const probe = createLivenessProbe(config.sessionTtlMs, env);
    // First what `cwt new` runs killed midway left (a partial session row among it), from their journals.
    if (listInterruptedRuns(resolveCwtHome(env), NEW_RUN_JOURNAL, env).length > 0) {
      const { recoverInterruptedNewRuns } = await import('./new.js');
      for (const run of await recoverInterruptedNewRuns({ store, env, output, dryRun })) {
        actions.push({ action: 'roll-back-new', session: run.sessionId, outcome: run.outcome, message: run.message });
      }
    }
    const verifySessionPaths = createSessionPathVerifier(env);
    const refused: UntrustedSessionError[] = [];
    for (const session of await store.listSessions()) {
      if (session.host === probe.host && !existsSync(session.worktree)) {
        // git runs in the main checkout to free the branch: only in the repository the row claims to be of.
        const cleanUp = session.kind === 'cwt' && existsSync(session.mainWorktree);
        if (cleanUp) {
          const refusal = await getRefusal(() => verifySessionPaths(session, []));
          if (refusal) {
            refused.push(refusal);
            continue;
          }
        }
        // The row is what lets `cwt merge-memory <id>` find the namespace and its base: merge before it goes.
        if (cleanUp && existsSync(session.memoryDir)) {
          let rescue: GcAction | undefined;
          const refusal = await getRefusal(async () => (rescue = await rescueSessionMemory(session, { store, env, output, dryRun, verifySessionPaths })));
          if (refusal) refused.push(refusal);
          if (rescue) actions.push(rescue);
          if (refusal || rescue?.action === 'keep-session') continue;
        }
        actions.push({ action: 'drop-session', session: session.id, message: MESSAGES.gcDroppedSession(session) });
        if (dryRun) continue;
        await store.releaseSessionLocks(session.id);
        await store.releaseClaims(session.id);
        await store.releaseLeases(session.id, 'gc: worktree gone');
        await store.deleteSession(session.id, { kind: 'session.drop', session: session.id, repo: session.repo, data: { worktree: session.worktree, memoryDir: session.memoryDir } });
        if (cleanUp) {
          // The directory is gone; lift cwt's lock so git forgets the worktree and frees its branch.
          await unlockWorktree(session.worktree, session.mainWorktree);
          await pruneWorktrees(session.mainWorktree);
        }
        continue;
      }
      if (getSessionState(session, probe) !== 'stale') continue;
      if (session.state !== 'stale') {
        actions.push({ action: 'mark-stale', session: session.id, message: MESSAGES.gcMarkedStale(session) });
        if (!dryRun) {
          await store.updateSession(session.id, { state: 'stale', pid: null }, { kind: 'session.stale', session: session.id, repo: session.repo, data: { lastHeartbeat: session.heartbeatAt, pid: session.pid } });
        }
      }
      for (const lock of (await store.listLocks()).filter((l) => l.session === session.id)) {
        actions.push({ action: 'release-lock', session: session.id, lock: lock.name, message: MESSAGES.gcReleasedLock(lock) });
      }
      const claims = await store.listClaims({ session: session.id });
      if (claims.length > 0) actions.push({ action: 'release-claims', session: session.id, message: MESSAGES.gcReleasedClaims(session, claims.length) });
      const leases = await store.listLeases({ session: session.id });
      if (leases.length > 0) actions.push({ action: 'release-leases', session: session.id, message: MESSAGES.gcReleasedLeases(session, leases) });
      if (!dryRun) {
        await store.releaseSessionLocks(session.id);
        await store.releaseClaims(session.id);
        await store.releaseLeases(session.id, 'gc: session stale');
      }
    }
    // Leases whose session ended or whose record is gone (a crash between steps): nobody holds them.
    const open = new Set((await store.listSessions()).map((session) => session.id));
    const handled = new Set(actions.map((action) => action.session));
    const orphans = (await store.listLeases()).filter((lease) => !open.has(lease.session) && !handled.has(lease.session));
    for (const id of new Set(orphans.map((lease) => lease.session))) {
      const session = (await store.getSession(id)) ?? ({ id, branch: '(record gone)' } as SessionRecord);
      actions.push({ action: 'release-leases', session: id, message: MESSAGES.gcReleasedLeases(session, orphans.filter((lease) => lease.session === id)) });
      if (!dryRun) await store.releaseLeases(id, 'gc: session not open');
    }
    for (const lock of await store.listLocks()) {
      if (actions.some((a) => a.lock === lock.name) || !isLockStale(lock, { ...probe, ttlMs: lock.ttlMs })) continue;
      actions.push({ action: 'release-lock', lock: lock.name, message: MESSAGES.gcReleasedLock(lock) });
      if (!dryRun) await store.forceReleaseLock(lock.name);
    }
    // Tasks claimed by owners that are gone go back to pending (claim-next does the same, lazily, per queue).
    const isTaskStale = createStaleTaskPredicate(probe);
    const staleTasks = dryRun ? await findStaleTasks(store, isTaskStale, probe.now) : await store.requeueStaleTasks(isTaskStale, probe.now);
    for (const task of staleTasks) actions.push({ action: 'requeue-task', task: task.id, message: MESSAGES.taskRequeued(task) });
    // Last: what the steps above released no longer holds a session's record.
    const retention = await applyRetention(store, { policy: config.retain, env, dryRun });
    if (options.json) {
      printJson(output, { dryRun, actions, retention, refused: refused.map((error) => ({ session: error.session, message: error.message })) });
    } else {
      const retained = MESSAGES.retentionReport(retention, store.location);
      for (const line of [...actions.map((action) => action.message), ...retained]) output.stdout(line);
      if (actions.length === 0 && retained.length === 0 && refused.length === 0) output.stdout(MESSAGES.gcNothing);
      else if (dryRun) output.stdout(MESSAGES.gcDryRun);
    }
    throwIfRefused(refused, MESSAGES.gcRefusedSessions(refused.length));
    return 0;
  } finally {
    await store.close();
  }
}
