/**
 * The state store interface. Asynchronous throughout so that a networked implementation (PostgreSQL) fits
 * behind it; no synchronous API leaks out. Every method is one transaction.
 */

/** Why a memory file could not be merged. */
export type ConflictReason = 'both-changed' | 'both-added' | 'deleted-in-canonical' | 'deleted-in-session' | 'binary' | 'unresolved';

/** A memory file's merge conflict waiting for the user, as persisted with the session (see memory/plan.ts). */
export interface ConflictRecord {
  file: string;
  reason: Exclude<ConflictReason, 'unresolved'>;
  /** sha256 of canonical's content when the conflict was found; null when canonical had no such file. */
  canonicalSha: string | null;
  /** sha256 of the session's content at that moment; null when the session had deleted it. */
  sessionSha: string | null;
  /** sha256 of the conflict file cwt wrote, to tell an edited one from an untouched one. */
  conflictSha: string;
}

/** Stored state; whether a non-ended session is live is derived (see sessions.ts). */
export type StoredSessionState = 'live' | 'stale' | 'ended';

/** 'cwt': started by `cwt new`/`claude -w`; 'adopted': a plain Claude Code tab registered by the hooks. */
export type SessionKind = 'cwt' | 'adopted';

export interface SessionRecord {
  id: string;
  /** The repository's git common dir: every worktree of one repository shares it. */
  repo: string;
  /** The main checkout of the repository. */
  mainWorktree: string;
  worktree: string;
  branch: string;
  /** True when cwt created the branch (rollback deletes it; `end --delete-branch` may). */
  createdBranch: boolean;
  baseCommit: string;
  agent: string;
  /** The supervising cwt process while the agent runs, else null. */
  pid: number | null;
  host: string;
  startedAt: number;
  heartbeatAt: number;
  state: StoredSessionState;
  endedAt: number | null;
  /** The agent's last exit code, once it has exited. */
  agentExit: number | null;
  /** The session's own auto-memory directory. */
  memoryDir: string;
  /** The copy of canonical memory taken at start: the base of the later 3-way merge. */
  memoryBase: string;
  /** How the session came to be; adopted sessions have no worktree or namespace of their own. */
  kind: SessionKind;
  /** When the session's memory was last merged into canonical without conflicts; null when never. */
  memoryMergedAt?: number | null;
  /** Memory merge conflicts waiting for the user (see memory/plan.ts); empty when none. */
  memoryConflicts?: ConflictRecord[];
  /**
   * The tip of its branch this session last saw (at start, after its own commits and merges, or accepted with
   * `cwt check --accept`): commits after it that the session did not make block its next commit.
   */
  knownTip?: string | null;
  /**
   * The repository's identity across machines: its origin remote, normalised (git.ts resolveRepoIdentity), else
   * its common dir. Claims are keyed by it. Absent on sessions recorded before it existed: `repo` stands in.
   */
  repoId?: string;
  /**
   * What the session is doing, from Claude Code's hooks (sessions/activity.ts); absent or null when nothing
   * says: no hook has fired yet, its Claude session ended, or an agent without cwt's hooks.
   */
  activity?: SessionActivity | null;
  /** When the current activity began (not refreshed while it lasts). */
  activityAt?: number | null;
  /** Why a waiting session waits (its Notification's type, sessions/activity.ts); null otherwise or when unknown. */
  activityReason?: WaitingReason | null;
}

/** working: a prompt or a tool call is running; waiting: Claude Code asked the user something; idle: the turn ended. */
export type SessionActivity = 'working' | 'waiting' | 'idle';

/** permission: Claude Code asks to allow a tool call; input: it waits for an answer or a new prompt. */
export type WaitingReason = 'permission' | 'input';

export type SessionPatch = Partial<Omit<SessionRecord, 'id' | 'repo'>>;

export interface SessionFilter {
  /** One repository on this machine: its git common dir. */
  repo?: string;
  /** One repository wherever it is cloned (its identity, SessionRecord.repoId; or a common dir for older rows). */
  repoKey?: string;
  includeEnded?: boolean;
}

export interface EventInput {
  kind: string;
  session?: string | null;
  repo?: string | null;
  data?: Record<string, unknown>;
}

export interface EventRecord {
  id: number;
  at: number;
  kind: string;
  session: string | null;
  repo: string | null;
  data: Record<string, unknown>;
}

export interface EventFilter {
  session?: string;
  sinceId?: number;
  sinceAt?: number;
  /** Only these kinds. */
  kinds?: readonly string[];
  /** Only kinds that start with this (`claim.` for claim.deny, claim.takeover, …), compared as plain text. */
  kindPrefix?: string;
  limit?: number;
  /** The newest `limit` events (still returned oldest first) instead of the oldest. */
  newest?: boolean;
}

export interface LockRecord {
  name: string;
  /** Who holds it: a cwt session id, or pid@host for a process outside any session. */
  holder: string;
  session: string | null;
  /** Fencing token: strictly increases on every acquisition of this name, never reused. */
  token: number;
  pid: number;
  host: string;
  acquiredAt: number;
  heartbeatAt: number;
  ttlMs: number;
  note: string | null;
}

export interface LockRequest {
  name: string;
  holder: string;
  session: string | null;
  pid: number;
  host: string;
  ttlMs: number;
  note: string | null;
  now: number;
}

export type AcquireResult =
  | { acquired: true; lock: LockRecord; takenOver: LockRecord | null }
  | { acquired: false; current: LockRecord };

/**
 * Decides, inside the acquiring transaction, whether an existing holder may be displaced. Synchronous on
 * purpose: it only compares times and probes a pid, and must not hold a transaction open across I/O.
 */
export type StaleLockPredicate = (current: LockRecord, now: number) => boolean;

/** One Claude Code conversation of a cwt session (the hooks link them), with what identifies it to a person. */
export interface ClaudeSessionRecord {
  claudeId: string;
  session: string;
  /** When it was first linked: the conversation's start. */
  startedAt: number;
  /** When a hook last saw it (linked again on resume, or a prompt submitted); its start when never seen since. */
  activeAt: number;
  endedAt: number | null;
  /** The first line of its first prompt, sanitised and capped (conversation.ts); null until one was submitted. */
  firstPrompt: string | null;
  /** Where Claude Code said its transcript is (hook input), unchecked: resolve it with conversation.ts before use. */
  transcript: string | null;
}

/** The session that last edited a file in one checkout. */
export interface ClaimRecord {
  /** The checkout (worktree top level) the path is relative to. */
  checkout: string;
  relPath: string;
  /** The repository's git common dir: claims with the same repo and relPath in other checkouts are siblings. */
  repo: string;
  absPath: string;
  session: string;
  /** The Claude Code session id that edited, when a hook recorded it. */
  claudeId: string | null;
  at: number;
}

/** A claim to record, stamped `now`. */
export type ClaimRequest = Omit<ClaimRecord, 'at'> & { now: number };

/** What the deciding transaction sees about one path in one checkout. */
export interface ClaimState {
  existing: ClaimRecord | undefined;
  /** The session holding `existing`, when it still exists. */
  holder: SessionRecord | undefined;
  /** When the requesting session was last denied this path (deny-once), else null. */
  deniedAt: number | null;
}

export type ClaimVerdict =
  | { allow: true; /** An existing live claim of another session moved to the requester. */ takeover: boolean }
  | { allow: false; /** Record the denial, so a retry can be recognised. */ recordDenial: boolean };

/** Decides inside the claiming transaction; synchronous, like StaleLockPredicate. */
export type ClaimDecider = (state: ClaimState) => ClaimVerdict;

export interface ClaimOutcome {
  verdict: ClaimVerdict;
  state: ClaimState;
}

export interface ClaimFilter {
  repo?: string;
  checkout?: string;
  relPath?: string;
  session?: string;
}

/** A commit seen by the post-commit hook, and the session that made it (null: none did). */
export interface CommitRecord {
  repo: string;
  sha: string;
  session: string | null;
  /** Short branch name; '' on a detached HEAD. */
  branch: string;
  at: number;
}

export interface RecordCommitOptions {
  /** Make the commit the session's known tip. */
  advanceTip: boolean;
  /** Release the session's claims on these absolute paths (the files the commit carried). */
  releasePaths?: readonly string[];
  event?: EventInput;
}

export interface ReadRecord {
  session: string;
  path: string;
  sha256: string;
  at: number;
}

/** Who answered one hook call (see Store.claimHookCall). */
export interface HookCallRecord {
  /** `<claude session id>/<tool_use_id>/<event>`. */
  key: string;
  /** The decider that recorded it first: 'fastpath', 'command', 'supervisor' or 'mcp' (cwt mcp's hook endpoint, the mcp_tool decider). */
  by: string;
  at: number;
}

export type LeaseKind = 'port' | 'name';

/** A value a session holds for its agent (see leases.ts): a port, a compose project name, a database name. */
export interface LeaseRecord {
  /** What the value is unique within: 'port' for every port (ports are machine-wide), else the variable name. */
  resource: string;
  /** The environment variable the value is exported as. */
  name: string;
  kind: LeaseKind;
  value: string;
  session: string;
  /** The repository's git common dir. */
  repo: string;
  at: number;
}

/** A lease to take for `session`, stamped `now`; the value is chosen by the decider. */
export type LeaseRequest = Omit<LeaseRecord, 'value' | 'at'> & { now: number };

/** One current holder of a value of the requested resource, with its session while that exists. */
export interface LeaseHolding {
  lease: LeaseRecord;
  holder: SessionRecord | undefined;
}

/**
 * Picks, inside the acquiring transaction, the value to take: a free one, or one whose holder it judges dead
 * (returned as `reclaim`, which the store then deletes). Synchronous, like ClaimDecider. undefined: none left.
 */
export type LeaseDecider = (holdings: readonly LeaseHolding[]) => { value: string; reclaim?: LeaseRecord } | undefined;

export type LeaseOutcome = { acquired: true; lease: LeaseRecord; reclaimed: LeaseRecord | null } | { acquired: false };

export interface LeaseFilter {
  session?: string;
  repo?: string;
}

/** One value of the scoped shared state. */
export interface KvRecord {
  /** `session:<id>`, `issue:<n>`, `project:<name>`, … */
  scope: string;
  key: string;
  /** Any JSON value. */
  value: unknown;
  /** Grows by one with every write or delete of this key and is never reused, so a compare-and-set cannot be fooled by a delete and re-create. */
  version: number;
  /** The session that wrote it last, when known. */
  session: string | null;
  updatedAt: number;
}

export interface KvWrite {
  scope: string;
  key: string;
  value: unknown;
  /** Compare-and-set: write only if the current version is this (0: only if the key does not exist). */
  expectVersion?: number;
  session: string | null;
  now: number;
}

export type KvWriteResult = { ok: true; record: KvRecord } | { ok: false; current: KvRecord | undefined };

export interface KvScopeSummary {
  scope: string;
  keys: number;
  updatedAt: number;
}

export type TaskState = 'pending' | 'claimed' | 'done';

export interface TaskProgress {
  phase: string | null;
  /** 0-100. */
  percent: number | null;
  message: string | null;
  at: number;
}

export interface TaskRecord {
  id: number;
  queue: string;
  title: string;
  /** Any JSON value the adder attached. */
  data: unknown;
  state: TaskState;
  /** Who claimed it: a cwt session id, or a name given with --owner. */
  owner: string | null;
  /** The owner when it is a cwt session: the task goes back to pending when that session is no longer live. */
  ownerSession: string | null;
  createdBy: string | null;
  /** The owner's last sign of life on this task (claim, progress, heartbeat). */
  heartbeatAt: number | null;
  /** A claim whose heartbeat is older than this is stale. */
  ttlMs: number;
  /** How many times it was claimed. */
  attempts: number;
  progress: TaskProgress | null;
  result: unknown;
  createdAt: number;
  claimedAt: number | null;
  doneAt: number | null;
}

export interface TaskInput {
  queue: string;
  title: string;
  data: unknown;
  createdBy: string | null;
  session: string | null;
  now: number;
}

export interface TaskClaim {
  queue: string;
  owner: string;
  ownerSession: string | null;
  ttlMs: number;
  /** A specific task instead of the next pending one. */
  id?: number;
  now: number;
}

/**
 * Decides, inside the claiming transaction, whether a claimed task's owner is gone (its session not live,
 * its heartbeat past the task's TTL). Synchronous, like StaleLockPredicate.
 */
export type StaleTaskPredicate = (task: TaskRecord, ownerSession: SessionRecord | undefined, now: number) => boolean;

export interface TaskClaimResult {
  /** The task claimed, or undefined when none was pending (or the one asked for was not). */
  task: TaskRecord | undefined;
  /** Tasks of stale owners put back to pending on the way. */
  requeued: TaskRecord[];
  /** With `id`: the task as it was when it could not be claimed. */
  current?: TaskRecord;
}

export type TaskChange =
  | { kind: 'done'; result: unknown }
  | { kind: 'release' }
  | { kind: 'progress'; phase?: string | null; percent?: number | null; message?: string | null };

export interface TaskUpdate {
  id: number;
  /** Who asks: the change applies only while this owner holds the claim, unless `force`. */
  owner: string;
  session: string | null;
  change: TaskChange;
  force?: boolean;
  now: number;
}

export type TaskUpdateResult = { ok: true; task: TaskRecord } | { ok: false; current: TaskRecord | undefined };

export interface TaskFilter {
  queue?: string;
  state?: TaskState;
  ownerSession?: string;
}

export type HandoffState = 'open' | 'accepted';

export interface HandoffRecord {
  id: number;
  repo: string | null;
  fromSession: string | null;
  /** Meant for this session only; null: anyone may accept. */
  toSession: string | null;
  acceptedBy: string | null;
  summary: string;
  nextSteps: string[];
  files: string[];
  branch: string | null;
  state: HandoffState;
  createdAt: number;
  acceptedAt: number | null;
}

export type HandoffInput = Omit<HandoffRecord, 'id' | 'acceptedBy' | 'state' | 'acceptedAt' | 'createdAt'> & { now: number };

export type HandoffAcceptResult = { ok: true; handoff: HandoffRecord } | { ok: false; current: HandoffRecord | undefined };

export interface HandoffFilter {
  repo?: string;
  state?: HandoffState;
}

export interface ThrottleDecision {
  /** True: send now (recorded as sent). False: within the window of the last one under the same key. */
  send: boolean;
  /** How many were held back under this key since the last one sent (when sending), or so far (when not). */
  suppressed: number;
}

/** What a retention pass removes (see retention/policy.ts): rows older than each cutoff (null keeps that kind). */
export interface PruneRequest {
  eventsBefore: number | null;
  kvTombstonesBefore: number | null;
  claimDenialsBefore: number | null;
  readsBefore: number | null;
  commitsBefore: number | null;
  /** Reads and commits of these sessions stay whatever their age. */
  keepSessions: readonly string[];
  /** Ended sessions to remove, with their Claude session links (a row that is no longer ended stays). */
  sessions: readonly string[];
  /** At most this many rows of each kind (a bounded pass); all of them when absent. */
  limit?: number;
  /** Only count what would go. */
  dryRun?: boolean;
}

/** How many rows of each kind a retention pass removed (or, dry, would remove). */
export interface PruneCounts {
  events: number;
  sessions: number;
  claudeSessions: number;
  kvTombstones: number;
  claimDenials: number;
  reads: number;
  commits: number;
}

export interface SessionUpdateOptions {
  /**
   * The hook calls of one session race (parallel tool calls, a notification beside them): `activity` and
   * `activityAt` are written, and the event appended, only when the stored activity differs from the patch's,
   * checked inside the update's transaction. So a change is logged once and an activity keeps its start time.
   */
  onActivityChange?: boolean;
}

/** The claim an edit asks for, with the rules to decide it by (core/coordination/claims.ts: decideClaim). */
export interface ToolCallClaim {
  relPath: string;
  absPath: string;
  /** The repository key the claim is recorded under (sessions.ts getRepoKey). */
  repo: string;
  claudeId: string | null;
  mode: 'deny-once' | 'deny' | 'warn';
  claimTtlMs: number;
  /** A holder is live while its heartbeat is younger than this (or its process runs on this host). */
  sessionTtlMs: number;
  /** How long after a denial the same session's retry goes through (deny-once). */
  retryMs: number;
}

/**
 * One tool call's store work in one round trip (Store.decideToolCall): what hooks/onetrip.ts asks, having
 * planned the call (config, protected paths, the claim) from `expect`.
 */
export interface ToolCallRequest {
  now: number;
  /** This machine's host id: liveness and `cwd` are judged for it. */
  host: string;
  /** The call to record for its decider when another decider may get it too (Store.claimHookCall); null: no dedupe. */
  hookCall: Omit<HookCallRecord, 'at'> | null;
  /** The session the supervisor serves; else the clues of findCurrentSession. */
  sessionId?: string;
  cwtSession?: string;
  claudeId?: string;
  /** Absolute and normalised (path.resolve). */
  cwd?: string;
  /** The session row the call was planned with; null: answer 'stale' with the current row. */
  expect: SessionRecord | null;
  /** An edit's claim; null: a heartbeat only. */
  claim: ToolCallClaim | null;
  /** Processes of this host probed so far, by pid: whether each is alive. */
  pids: Record<string, boolean>;
}

/** What the prefetching decision read for the merge-conflict warning after an allowed claim. */
export interface ToolCallReads {
  /** The repository's open sessions (listSessions({ repo })). */
  sessions: SessionRecord[];
  /** The path's claims under the repository key (listClaims({ repo, relPath })). */
  claims: ClaimRecord[];
  /** The sessions holding those claims that are not among `sessions`, whatever their state (getSession). */
  holders: SessionRecord[];
}

/**
 * unknown: no open session by these clues; stale: `expect` is not the session's current row (here it is);
 * probe: a holder's liveness needs its pid probed on this host. None of these three wrote anything.
 * unavailable: the store has no way to (its function was dropped): the same, nothing written.
 * taken: another decider recorded the call first. decided: done, with the session as read before its heartbeat.
 */
export type ToolCallAnswer =
  | { outcome: 'unknown' }
  | { outcome: 'unavailable' }
  | { outcome: 'stale'; session: SessionRecord }
  | { outcome: 'probe'; pid: number }
  | { outcome: 'taken' }
  | { outcome: 'decided'; session: SessionRecord; claim?: ClaimOutcome; reads?: ToolCallReads };

/** How often the SQLite store looks at its change mark while something waits for a change (a cheap read). */
export const CHANGE_POLL_MS = 250;

export interface Store {
  /** Which implementation: the local SQLite file, or a shared PostgreSQL database. */
  readonly kind: 'sqlite' | 'postgres';
  /** Where the store lives, for messages (a file path, or a redacted URL). */
  readonly location: string;
  /** The schema version it is at (connects, for a networked store: an unreachable one throws). */
  getSchemaVersion(): Promise<number>;

  insertSession(session: SessionRecord, event?: EventInput): Promise<void>;
  getSession(id: string): Promise<SessionRecord | undefined>;
  listSessions(filter?: SessionFilter): Promise<SessionRecord[]>;
  /** Applies a patch; returns false when no such session exists. Appends `event` in the same transaction. */
  updateSession(id: string, patch: SessionPatch, event?: EventInput, options?: SessionUpdateOptions): Promise<boolean>;
  deleteSession(id: string, event?: EventInput): Promise<boolean>;

  appendEvent(event: EventInput): Promise<void>;
  listEvents(filter?: EventFilter): Promise<EventRecord[]>;

  /** Compare-and-set acquisition: free, or held by a holder `isStale` says may be displaced. */
  acquireLock(request: LockRequest, isStale: StaleLockPredicate): Promise<AcquireResult>;
  /** Extends a held lock; false when the token no longer holds it (taken over). */
  heartbeatLock(name: string, token: number, now: number): Promise<boolean>;
  /** Releases a lock if `token` still holds it; returns whether it did. */
  releaseLock(name: string, token: number): Promise<boolean>;
  /** Releases a lock whoever holds it (forced release, gc). */
  forceReleaseLock(name: string): Promise<LockRecord | undefined>;
  getLock(name: string): Promise<LockRecord | undefined>;
  listLocks(): Promise<LockRecord[]>;
  /** Releases every lock a session holds; returns what was released. */
  releaseSessionLocks(session: string): Promise<LockRecord[]>;

  /** Releases a lock held by this session, whatever its token (a write lease released at PostToolUse). */
  releaseLockOfSession(name: string, session: string): Promise<boolean>;

  /** Maps a Claude Code session id to a cwt session; the first mapping wins until that Claude session ends. */
  linkClaudeSession(claudeId: string, session: string, now: number): Promise<void>;
  /** The cwt session a Claude Code session id belongs to. */
  getSessionOfClaude(claudeId: string): Promise<string | undefined>;
  endClaudeSession(claudeId: string, now: number): Promise<void>;
  /**
   * Notes what a hook learnt of a conversation linked to `session`: its first prompt (kept once set) and its
   * transcript path; marks it active. Links it first when it is not linked yet. A row of another session is left alone.
   */
  noteClaudeSession(claudeId: string, session: string, details: { firstPrompt?: string; transcript?: string }, now: number): Promise<void>;
  /** The conversations of a session, oldest first. */
  listClaudeSessions(session: string): Promise<ClaudeSessionRecord[]>;
  /** Hands a conversation of an ended session to the session that continues it (cwt attach after end --remove). */
  moveClaudeSession(claudeId: string, from: string, to: string, now: number): Promise<boolean>;

  /** Reads the path's claim state, lets `decide` rule, and applies the verdict, in one transaction. */
  claimPath(request: ClaimRequest, decide: ClaimDecider): Promise<ClaimOutcome>;
  listClaims(filter?: ClaimFilter): Promise<ClaimRecord[]>;
  /**
   * Releases a session's claims: all of them, those of one Claude session id, or those on the given
   * absolute paths. Returns what was released.
   */
  releaseClaims(session: string, options?: { claudeId?: string; absPaths?: readonly string[] }): Promise<ClaimRecord[]>;

  /**
   * Takes one lease for the request's session and variable: the decider sees every holding of the resource and
   * picks the value. A value the session already held for the same variable is given up in the same
   * transaction (one value per variable).
   */
  acquireLease(request: LeaseRequest, decide: LeaseDecider): Promise<LeaseOutcome>;
  listLeases(filter?: LeaseFilter): Promise<LeaseRecord[]>;
  /** Releases one lease if `session` holds it (a port found busy after it was leased). */
  releaseLease(resource: string, value: string, session: string, reason: string): Promise<boolean>;
  /** Releases every lease of a session; returns what was released. */
  releaseLeases(session: string, reason: string): Promise<LeaseRecord[]>;

  /**
   * Post-commit bookkeeping in one transaction: records the commit, makes it the session's known tip when
   * asked, releases the session's claims on the committed files, appends the event. Returns the released claims.
   */
  recordCommit(commit: CommitRecord, options: RecordCommitOptions): Promise<ClaimRecord[]>;
  /** The recorded commits among `shas` in a repository. */
  listCommits(repo: string, shas: readonly string[]): Promise<CommitRecord[]>;

  recordRead(read: ReadRecord): Promise<void>;
  getRead(session: string, path: string): Promise<ReadRecord | undefined>;

  /** A live value, or undefined when the key does not exist (or was deleted). */
  getData(scope: string, key: string): Promise<KvRecord | undefined>;
  /** The live values of one scope, by key. */
  listData(scope: string): Promise<KvRecord[]>;
  /** Every scope holding at least one live value. */
  listScopes(): Promise<KvScopeSummary[]>;
  /** Writes a value; with `expectVersion`, only if the key is still at that version (compare-and-set). */
  setData(write: KvWrite): Promise<KvWriteResult>;
  /** Deletes a key (compare-and-set with `expectVersion`); ok:false with current undefined when it did not exist. */
  deleteData(scope: string, key: string, options: { expectVersion?: number; session: string | null; now: number }): Promise<KvWriteResult>;
  /** Deletes every key of a scope; returns how many. */
  deleteScope(scope: string, options: { session: string | null; now: number }): Promise<number>;

  addTask(input: TaskInput): Promise<TaskRecord>;
  /**
   * Atomic claim-next: puts the queue's claimed tasks whose owner `isStale` back to pending, then claims the
   * oldest pending task (or the one with `id`) for `owner`.
   */
  claimTask(claim: TaskClaim, isStale: StaleTaskPredicate): Promise<TaskClaimResult>;
  /** Completes, releases or reports progress on a task, only while `owner` still holds it (unless `force`). */
  updateTask(update: TaskUpdate): Promise<TaskUpdateResult>;
  getTask(id: number): Promise<TaskRecord | undefined>;
  listTasks(filter?: TaskFilter): Promise<TaskRecord[]>;
  /** Puts every claimed task whose owner `isStale` back to pending (gc); returns them. */
  requeueStaleTasks(isStale: StaleTaskPredicate, now: number): Promise<TaskRecord[]>;

  createHandoff(input: HandoffInput): Promise<HandoffRecord>;
  /** Accepts an open handoff for `acceptor` (a session id, or a name), atomically: exactly one acceptor wins. */
  acceptHandoff(id: number, acceptor: { name: string; session: string | null }, now: number): Promise<HandoffAcceptResult>;
  getHandoff(id: number): Promise<HandoffRecord | undefined>;
  listHandoffs(filter?: HandoffFilter): Promise<HandoffRecord[]>;

  /** The id of the newest event (0 when there is none). */
  getLatestEventId(): Promise<number>;
  /**
   * Resolves once an event newer than `afterId` may have been appended, after `timeoutMs` at the latest, or
   * when `signal` aborts: a follower (`cwt log -f`) then reads what is new. PostgreSQL wakes it with the
   * event's NOTIFY; SQLite has no notifications, so it simply waits the time out (polling).
   */
  waitForEvents(afterId: number, timeoutMs: number, signal?: AbortSignal): Promise<void>;
  /**
   * A mark that moves whenever the store's content may have changed: the newest event id, and on SQLite also
   * `PRAGMA data_version` (which moves with every commit of another connection: heartbeats, claims, anything).
   * Opaque: compare two marks for equality only.
   */
  getChangeMark(): Promise<string>;
  /**
   * Resolves with the current mark once it differs from `mark`, after `timeoutMs` at the latest, or when
   * `signal` aborts: what `cwt status --watch` and `cwt dashboard` wait on. PostgreSQL is woken by the events'
   * NOTIFY (within milliseconds, from any machine); SQLite polls its mark every CHANGE_POLL_MS.
   */
  waitForChange(mark: string, timeoutMs: number, signal?: AbortSignal): Promise<string>;
  /** The id of the last event the webhook sender handled; null before it was ever set. */
  getNotifyCursor(): Promise<number | null>;
  /** Moves the sender's cursor from `from` to `to`; false when it was no longer at `from`. */
  setNotifyCursor(from: number | null, to: number): Promise<boolean>;
  /** Whether a notification under `key` may go now (at most one per `windowMs`); records it when it may. */
  throttleNotification(key: string, now: number, windowMs: number): Promise<ThrottleDecision>;

  /**
   * Removes what a retention pass planned, in one transaction. kv tombstones leave a version floor behind: a
   * key created again later starts above every version it had, so a compare-and-set from before still fails.
   */
  pruneExpired(request: PruneRequest): Promise<PruneCounts>;
  /**
   * Gives the space of removed rows back to the file system. SQLite: `PRAGMA incremental_vacuum`; with
   * `full`, also a checkpoint that truncates the WAL, and a file made before incremental auto-vacuum existed is
   * converted first with a one-time VACUUM (returns true then). PostgreSQL leaves it to autovacuum.
   */
  reclaimSpace(options: { full: boolean }): Promise<boolean>;
  /** Bytes the store takes: the SQLite file and its WAL, or the PostgreSQL schema's tables with indexes. */
  getStoreSize(): Promise<number>;
  /**
   * True for the one caller that finds the periodic job `name` due (last run `intervalMs` ago or more, or
   * never) and records it as run `now`; false for everybody else until the interval has passed again.
   */
  claimPeriodicRun(name: string, now: number, intervalMs: number): Promise<boolean>;
  /**
   * True for the one decider that records the hook call `key` first (one statement); false for every other,
   * which then answers nothing: Claude Code merges the outputs of parallel handlers, so the first decider's
   * answer is the call's answer, and the call is decided once.
   */
  claimHookCall(call: HookCallRecord): Promise<boolean>;
  /** The recorded hook calls, oldest first (doctor, tests). */
  listHookCalls(): Promise<HookCallRecord[]>;
  /** Drops hook-call records older than `before`; how many went. */
  pruneHookCalls(before: number): Promise<number>;
  /**
   * A tool call's store work in one round trip and one transaction (PostgreSQL: the cwt_tool_call function):
   * the session, claimHookCall, the heartbeat and activity (updateSession with onActivityChange), the claim
   * (claimPath with decideClaim) and the warning's reads. Absent where the statements cost no round trips (SQLite).
   */
  decideToolCall?(request: ToolCallRequest): Promise<ToolCallAnswer>;

  close(): Promise<void>;
}
