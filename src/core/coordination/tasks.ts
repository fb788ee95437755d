/**
 * Work items: a queue of tasks that sessions claim atomically (claim-next), report progress on, and complete.
 * A claim binds while its owner lives: a task whose owner session is no longer live, or whose heartbeat is
 * older than the claim's TTL, goes back to pending (lazily at the next claim-next of its queue, and at gc).
 * The operations the CLI (`cwt task`) and the MCP tools share.
 */
import { ConflictError, UsageError } from '../util/errors.js';
import { isHolderAlive, type LivenessProbe } from '../sessions/liveness.js';
import type { Actor } from '../sessions/sessions.js';
import type { SessionRecord, StaleTaskPredicate, Store, TaskChange, TaskClaimResult, TaskRecord, TaskState } from '../store/store.js';
import { assertKvName, assertValueFits } from './kv.js';
import { MESSAGES } from '../../texts/messages.js';

export const DEFAULT_QUEUE = 'default';
/** A claimed task without a sign of life (claim, progress) for this long goes back to pending. */
export const DEFAULT_TASK_TTL_MS = 30 * 60_000;
export const TASK_STATES: readonly TaskState[] = ['pending', 'claimed', 'done'];

/**
 * True when a claimed task's owner is gone: its heartbeat is past the claim's TTL, or its owner is a session
 * that ended, vanished or is not live. An owner named with --owner has only the heartbeat.
 */
export function isTaskStale(task: TaskRecord, owner: SessionRecord | undefined, probe: LivenessProbe): boolean {
  if (task.heartbeatAt === null || probe.now - task.heartbeatAt >= task.ttlMs) return true;
  if (task.ownerSession === null) return false;
  return owner === undefined || owner.state === 'ended' || !isHolderAlive(owner, probe.ttlMs, probe);
}

/** The predicate the store runs inside its transaction (at the transaction's `now`, not the probe's). */
export function createStaleTaskPredicate(probe: LivenessProbe): StaleTaskPredicate {
  return (task, owner, now) => isTaskStale(task, owner, { ...probe, now });
}

/** The claimed tasks `isStale` would put back to pending, without changing anything (gc --dry-run). */
export async function findStaleTasks(store: Store, isStale: StaleTaskPredicate, now: number): Promise<TaskRecord[]> {
  const stale: TaskRecord[] = [];
  for (const task of await store.listTasks({ state: 'claimed' })) {
    const owner = task.ownerSession === null ? undefined : await store.getSession(task.ownerSession);
    if (isStale(task, owner, now)) stale.push(task);
  }
  return stale;
}

/** A task or handoff id as typed: a positive integer, optionally written `#12`. */
export function parseRecordId(text: string, what: 'task' | 'handoff'): number {
  const match = /^#?(\d{1,15})$/.exec(text.trim());
  const id = match ? Number(match[1]) : NaN;
  if (!Number.isSafeInteger(id) || id <= 0) throw new UsageError(MESSAGES.badRecordId(what, text), { hint: MESSAGES.badRecordIdHint(what) });
  return id;
}

export function parseTaskState(text: string): TaskState {
  if ((TASK_STATES as readonly string[]).includes(text)) return text as TaskState;
  throw new UsageError(MESSAGES.taskBadState(text), { hint: `use one of: ${TASK_STATES.join(', ')}` });
}

/** A progress percentage: 0-100. */
export function parsePercent(value: string | number): number {
  const percent = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(percent) || percent < 0 || percent > 100) throw new UsageError(MESSAGES.taskBadPercent(String(value)), { hint: MESSAGES.taskBadPercentHint });
  return Math.round(percent);
}

export async function addTask(store: Store, actor: Actor | undefined, input: { queue?: string; title: string; data?: unknown }): Promise<TaskRecord> {
  const queue = input.queue ?? DEFAULT_QUEUE;
  assertKvName('scope', queue);
  if (input.title.trim() === '') throw new UsageError(MESSAGES.taskEmptyTitle, { hint: MESSAGES.taskEmptyTitleHint });
  assertValueFits(input.data, 'task data');
  return store.addTask({ queue, title: input.title, data: input.data ?? null, createdBy: actor?.name ?? null, session: actor?.session?.id ?? null, now: Date.now() });
}

/** Claims the next pending task of the queue (or task `id`), first putting stale owners' tasks back. */
export async function claimTask(
  store: Store,
  actor: Actor,
  options: { queue?: string; id?: number; ttlMs?: number; probe: LivenessProbe },
): Promise<TaskClaimResult> {
  let queue = options.queue ?? DEFAULT_QUEUE;
  if (options.id !== undefined) {
    const task = await store.getTask(options.id);
    if (!task) throw new UsageError(MESSAGES.taskNotFound(options.id), { hint: MESSAGES.taskListHint });
    queue = task.queue;
  }
  assertKvName('scope', queue);
  const result = await store.claimTask(
    { queue, owner: actor.name, ownerSession: actor.session?.id ?? null, ttlMs: options.ttlMs ?? DEFAULT_TASK_TTL_MS, id: options.id, now: Date.now() },
    createStaleTaskPredicate(options.probe),
  );
  if (options.id !== undefined && !result.task) {
    throw new ConflictError(MESSAGES.taskNotClaimable(result.current!), { hint: MESSAGES.taskNotClaimableHint(result.current!.queue) });
  }
  return result;
}

/** Completes, releases or reports progress on a task the actor holds (any claimed task with `force`). */
export async function changeTask(store: Store, actor: Actor, id: number, change: TaskChange, force = false): Promise<TaskRecord> {
  if (change.kind === 'done') assertValueFits(change.result, 'task result');
  const result = await store.updateTask({ id, owner: actor.name, session: actor.session?.id ?? null, change, force, now: Date.now() });
  if (result.ok) return result.task;
  const current = result.current;
  if (!current) throw new UsageError(MESSAGES.taskNotFound(id), { hint: MESSAGES.taskListHint });
  // Completing a task one already completed is done, not an error: a retried call must not fail.
  if (change.kind === 'done' && current.state === 'done' && current.owner === actor.name) return current;
  throw new ConflictError(MESSAGES.taskNotYours(current, actor.name), { hint: MESSAGES.taskNotYoursHint(current) });
}

/** The JSON shape of a task for scripts and the MCP tools. */
export function toTaskView(task: TaskRecord): Record<string, unknown> {
  const iso = (at: number | null) => (at === null ? null : new Date(at).toISOString());
  return {
    id: task.id,
    queue: task.queue,
    title: task.title,
    data: task.data,
    state: task.state,
    owner: task.owner,
    ownerSession: task.ownerSession,
    attempts: task.attempts,
    progress: task.progress && { phase: task.progress.phase, percent: task.progress.percent, message: task.progress.message, at: iso(task.progress.at) },
    result: task.result,
    createdBy: task.createdBy,
    createdAt: iso(task.createdAt),
    claimedAt: iso(task.claimedAt),
    heartbeatAt: iso(task.heartbeatAt),
    doneAt: iso(task.doneAt),
  };
}
