/**
 * Rows as both stores keep them, mapped to and from records. The PostgreSQL schema mirrors the SQLite one
 * column for column (times as integer milliseconds, booleans as 0/1, lists and event data as JSON text), so
 * one set of mappers serves both.
 */
import type { ConflictRecord, SessionActivity, SessionPatch, WaitingReason } from './store.js';
import type { ClaimRecord, ClaudeSessionRecord, CommitRecord, EventRecord, HandoffRecord, KvRecord, LeaseRecord, LockRecord, PruneCounts, SessionRecord, TaskRecord } from './store.js';

export type Row = Record<string, unknown>;

export const SESSION_COLUMNS: Record<keyof Omit<SessionRecord, 'id'>, string> = {
  repo: 'repo',
  mainWorktree: 'main_worktree',
  worktree: 'worktree',
  branch: 'branch',
  createdBranch: 'created_branch',
  baseCommit: 'base_commit',
  agent: 'agent',
  pid: 'pid',
  host: 'host',
  startedAt: 'started_at',
  heartbeatAt: 'heartbeat_at',
  state: 'state',
  endedAt: 'ended_at',
  agentExit: 'agent_exit',
  memoryDir: 'memory_dir',
  memoryBase: 'memory_base',
  kind: 'kind',
  memoryMergedAt: 'memory_merged_at',
  memoryConflicts: 'memory_conflicts',
  knownTip: 'known_tip',
  repoId: 'repo_id',
  activity: 'activity',
  activityAt: 'activity_at',
  activityReason: 'activity_reason',
};

/** The patch without its activity columns when the stored activity is already the patch's (SessionUpdateOptions). */
export function guardActivity(patch: SessionPatch, stored: unknown): { patch: SessionPatch; changed: boolean } {
  if ((stored ?? null) !== (patch.activity ?? null)) return { patch, changed: true };
  // The reason goes with the activity: a second Notification while waiting keeps the first one's.
  const { activity: _activity, activityAt: _activityAt, activityReason: _activityReason, ...rest } = patch;
  return { patch: rest, changed: false };
}

export function toSqlValue(value: unknown): unknown {
  if (typeof value === 'boolean') return value ? 1 : 0;
  // Lists (memory conflicts) are stored as JSON text; an empty one as NULL.
  if (Array.isArray(value)) return value.length === 0 ? null : JSON.stringify(value);
  return value ?? null;
}

export function toSession(row: Row): SessionRecord {
  return {
    id: row.id as string,
    repo: row.repo as string,
    mainWorktree: row.main_worktree as string,
    worktree: row.worktree as string,
    branch: row.branch as string,
    createdBranch: row.created_branch === 1,
    baseCommit: row.base_commit as string,
    agent: row.agent as string,
    pid: row.pid as number | null,
    host: row.host as string,
    startedAt: row.started_at as number,
    heartbeatAt: row.heartbeat_at as number,
    state: row.state as SessionRecord['state'],
    endedAt: row.ended_at as number | null,
    agentExit: row.agent_exit as number | null,
    memoryDir: row.memory_dir as string,
    memoryBase: row.memory_base as string,
    kind: row.kind as SessionRecord['kind'],
    // Memory merge state appears only once there is some: a never-merged session reads as it was inserted.
    ...(row.memory_merged_at == null ? {} : { memoryMergedAt: row.memory_merged_at as number }),
    ...(row.memory_conflicts == null ? {} : { memoryConflicts: JSON.parse(row.memory_conflicts as string) as ConflictRecord[] }),
    ...(row.known_tip == null ? {} : { knownTip: row.known_tip as string }),
    ...(row.repo_id == null ? {} : { repoId: row.repo_id as string }),
    // Like the merge state: a session no hook has reported on reads as it was inserted.
    ...(row.activity == null ? {} : { activity: row.activity as SessionActivity, activityAt: row.activity_at as number | null }),
    ...(row.activity_reason == null ? {} : { activityReason: row.activity_reason as WaitingReason }),
  };
}

export function toClaudeSession(row: Row): ClaudeSessionRecord {
  return {
    claudeId: row.claude_id as string,
    session: row.session as string,
    startedAt: Number(row.started_at),
    activeAt: Number(row.active_at ?? row.started_at),
    endedAt: row.ended_at == null ? null : Number(row.ended_at),
    firstPrompt: (row.first_prompt as string | null) ?? null,
    transcript: (row.transcript as string | null) ?? null,
  };
}

export function toClaim(row: Row): ClaimRecord {
  return {
    checkout: row.checkout as string,
    relPath: row.rel_path as string,
    repo: row.repo as string,
    absPath: row.abs_path as string,
    session: row.session as string,
    claudeId: row.claude_id as string | null,
    at: row.at as number,
  };
}

export function toLock(row: Row): LockRecord {
  return {
    name: row.name as string,
    holder: row.holder as string,
    session: row.session as string | null,
    token: row.token as number,
    pid: row.pid as number,
    host: row.host as string,
    acquiredAt: row.acquired_at as number,
    heartbeatAt: row.heartbeat_at as number,
    ttlMs: row.ttl_ms as number,
    note: row.note as string | null,
  };
}

export function toEvent(row: Row): EventRecord {
  return {
    id: row.id as number,
    at: row.at as number,
    kind: row.kind as string,
    session: row.session as string | null,
    repo: row.repo as string | null,
    data: JSON.parse(row.data as string) as Record<string, unknown>,
  };
}

export function toLease(row: Row): LeaseRecord {
  return {
    resource: row.resource as string,
    name: row.name as string,
    kind: row.kind as LeaseRecord['kind'],
    value: row.value as string,
    session: row.session as string,
    repo: row.repo as string,
    at: row.at as number,
  };
}

export function toCommit(row: Row): CommitRecord {
  return { repo: row.repo as string, sha: row.sha as string, session: row.session as string | null, branch: row.branch as string, at: row.at as number };
}

export function parseJson(text: unknown): unknown {
  return typeof text === 'string' ? (JSON.parse(text) as unknown) : null;
}

export function toKv(row: Row): KvRecord {
  return {
    scope: row.scope as string,
    key: row.key as string,
    value: parseJson(row.value),
    version: row.version as number,
    session: row.session as string | null,
    updatedAt: row.updated_at as number,
  };
}

export function toTask(row: Row): TaskRecord {
  const hasProgress = row.progress_at !== null;
  return {
    id: row.id as number,
    queue: row.queue as string,
    title: row.title as string,
    data: parseJson(row.data),
    state: row.state as TaskRecord['state'],
    owner: row.owner as string | null,
    ownerSession: row.owner_session as string | null,
    createdBy: row.created_by as string | null,
    heartbeatAt: row.heartbeat_at as number | null,
    ttlMs: row.ttl_ms as number,
    attempts: row.attempts as number,
    progress: hasProgress
      ? { phase: row.phase as string | null, percent: row.percent as number | null, message: row.message as string | null, at: row.progress_at as number }
      : null,
    result: parseJson(row.result),
    createdAt: row.created_at as number,
    claimedAt: row.claimed_at as number | null,
    doneAt: row.done_at as number | null,
  };
}

export function toHandoff(row: Row): HandoffRecord {
  return {
    id: row.id as number,
    repo: row.repo as string | null,
    fromSession: row.from_session as string | null,
    toSession: row.to_session as string | null,
    acceptedBy: row.accepted_by as string | null,
    summary: row.summary as string,
    nextSteps: parseJson(row.next_steps) as string[],
    files: parseJson(row.files) as string[],
    branch: row.branch as string | null,
    state: row.state as HandoffRecord['state'],
    createdAt: row.created_at as number,
    acceptedAt: row.accepted_at as number | null,
  };
}

/** A task event's data: enough to read the log without looking the task up. */
export function taskEventData(task: TaskRecord, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id: task.id, queue: task.queue, title: task.title, owner: task.owner, ...extra };
}

/** Keys of the `meta` table (migration 8), the same in both stores. */
export const META_KEYS = {
  /** The highest version of a pruned kv tombstone: a key created again starts above it. */
  kvVersionFloor: 'kv.version-floor',
  /** SQLite: present only inside the retention pass's transaction, which migration 8's event-log guard lets delete. */
  pruning: 'retention.pruning',
  /** When the periodic job `name` last ran (Store.claimPeriodicRun). */
  periodicRun: (name: string) => `periodic.${name}`,
} as const;

/** A PruneCounts with nothing counted yet. */
export function createPruneCounts(): PruneCounts {
  return { events: 0, sessions: 0, claudeSessions: 0, kvTombstones: 0, claimDenials: 0, reads: 0, commits: 0 };
}
