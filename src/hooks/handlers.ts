/**
 * The Claude Code hook handlers, shared by the command hook (`cwt hook <event>`) and the supervisor's http
 * fast path: input JSON in, decision JSON out (or nothing). Hot path: node:* and small core modules only.
 *
 * - SessionStart: link Claude's session id, heartbeat, tell the model which sibling sessions are live.
 * - PreToolUse (Edit/Write/MultiEdit/NotebookEdit): refuse a stale-read write or a write leased by another
 *   session to a protected harness file; deny an edit of a file another live session in the same checkout
 *   is editing (deny-once by default); warn of merge-conflict risk with other worktrees; record the claim.
 * - PreToolUse (Bash): refuse shell writes into protected harness files.
 * - PostToolUse: heartbeat; remember what was read of protected files; release the write lease.
 * - PostToolUseFailure (an edit PreToolUse let through failed, e.g. the file changed under it): release the
 *   write lease at once instead of holding it until its TTL.
 * - SessionEnd: release this Claude session's claims and leases; an adopted tab's session ends.
 * - Every event of a session's Claude Code: heartbeat, and its activity (sessions/activity.ts) in the same
 *   update — UserPromptSubmit and the tool events: working; Notification: waiting, with why (a permission
 *   prompt or input) from its notification_type, or nothing for one that only informs; Stop: idle; SessionEnd: none.
 */
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { decideClaim, DENY_ONCE_RETRY_MS, getCheckoutRelativePath, getRivalClaim, isClaimBinding, type ClaimPolicy } from '../core/coordination/claims.js';
import type { Config } from '../core/config/config.js';
import { loadConfigLazily } from '../core/config/lazy.js';
import { formatAgo } from '../core/util/duration.js';
import { decideActivity, describeActivity, getActivityEventKind, getShownActivity } from '../core/sessions/activity.js';
import { createPatternMatcher, expandShellPath, findShellWriteTargets, isProtectedPath, type HarnessGuard } from '../core/harness/guard.js';
import { toFirstPromptLine } from '../core/harness/conversation.js';
import { createLivenessProbe, getHostId, isPidAlive } from '../core/sessions/liveness.js';
import { fileLockName, isLockStale } from '../core/coordination/locks.js';
import { resolveClaudeHome, toRealPath } from '../core/fs/paths.js';
import { isToolHookEvent } from '../core/harness/harness.js';
import { getRepoKey, getSessionState } from '../core/sessions/sessions.js';
import type { ClaimRecord, SessionRecord, Store, ToolCallClaim } from '../core/store/store.js';
import { settleCommitJournal } from '../core/store/open.js';
import { MESSAGES } from '../texts/messages.js';
import { getToolString, type HookEvent, type HookInput } from './input.js';
import { decideInOneTrip } from './onetrip.js';
import { resolveHookSession } from './session.js';

/** Tools that write the file named by `file_path` (or `notebook_path`). */
export const EDIT_TOOLS = new Set(['Edit', 'Write', 'MultiEdit', 'NotebookEdit']);
/** A write lease on a protected file lives from PreToolUse to PostToolUse; this bounds a lost PostToolUse. */
export const WRITE_LEASE_TTL_MS = 30_000;
/** Claude Code caps hook output strings at 10,000 characters. */
const MAX_OUTPUT_CHARS = 9_500;
const SIBLING_RECENT_FILES = 5;

export interface HookOutput {
  hookSpecificOutput: {
    hookEventName: 'SessionStart' | 'PreToolUse' | 'PostToolUse' | 'SessionEnd';
    permissionDecision?: 'deny';
    permissionDecisionReason?: string;
    additionalContext?: string;
  };
}

export interface HookContext {
  store: Store;
  env: NodeJS.ProcessEnv;
  /** The session the supervisor's http server serves; the command hook resolves it per call. */
  sessionId?: string;
  now?: number;
  /** Who is answering ('fastpath', 'command', 'supervisor', 'mcp': cwt mcp's hook endpoint): recorded with the first answer to a tool call. */
  decider?: string;
  /**
   * Whether another decider may get the same call (the per-user fast path and its fallback): then the first to
   * record it decides. Off for the supervisor's own server, the only decider of its session's tool calls.
   */
  dedupe?: boolean;
  /** See ResolveHookSessionOptions.callerPid. */
  callerPid?: number | null;
  /** The store was opened for this call, and openStore replayed git's commit journal: once is enough. */
  journalSettled?: boolean;
}

interface Call {
  input: HookInput;
  store: Store;
  env: NodeJS.ProcessEnv;
  now: number;
  session: SessionRecord;
  config: Config;
  isLive: (session: SessionRecord) => boolean;
  /** The claim rules for this call: mode and TTL from the config, liveness from `isLive`. */
  policy: ClaimPolicy;
}

function cap(text: string): string {
  return text.length > MAX_OUTPUT_CHARS ? `${text.slice(0, MAX_OUTPUT_CHARS)}…` : text;
}

function deny(reason: string): HookOutput {
  return { hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: cap(reason) } };
}

function context(hookEventName: HookOutput['hookSpecificOutput']['hookEventName'], lines: readonly string[]): HookOutput | null {
  // No permissionDecision: context alone must not approve a tool call the user's permission rules would ask about.
  return lines.length === 0 ? null : { hookSpecificOutput: { hookEventName, additionalContext: cap(lines.join('\n')) } };
}

/** The file's sha256, or undefined when it cannot be read. node:crypto loads only for protected files. */
async function sha256OfFile(path: string): Promise<string | undefined> {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch {
    return undefined;
  }
  const { createHash } = await import('node:crypto');
  return createHash('sha256').update(data).digest('hex');
}

async function buildGuard(call: Call): Promise<HarnessGuard> {
  const { session, config } = call;
  return {
    claudeHome: toRealPath(resolveClaudeHome(call.env)),
    // A cwt session owns its namespace; an adopted tab writes canonical memory, which stays guarded.
    exempt: session.kind === 'cwt' && session.memoryDir !== '' ? [toRealPath(session.memoryDir)] : [],
    matches: config.protectedPaths === undefined ? undefined : await createPatternMatcher(config.protectedPaths),
  };
}

function describeHolder(store: Store, id: string | null, fallback: string): Promise<string> {
  if (id === null) return Promise.resolve(fallback);
  return store.getSession(id).then((session) => (session ? MESSAGES.hookWho(session) : fallback));
}

/** The absolute path an edit tool writes, resolved against the call's cwd. */
function getEditedPath(input: HookInput, session: SessionRecord): string | undefined {
  const path = getToolString(input, 'file_path') ?? getToolString(input, 'notebook_path');
  return path === undefined ? undefined : resolve(input.cwd ?? session.worktree, path);
}

/** Protected-file checks before an edit: a stale read, or another session's write lease. Takes the lease. */
async function checkProtectedWrite(call: Call, path: string): Promise<HookOutput | null> {
  const { store, session, now } = call;
  const read = await store.getRead(session.id, path);
  if (read && (await sha256OfFile(path)) !== read.sha256) return deny(MESSAGES.hookStaleRead(path));
  const host = getHostId(call.env);
  const result = await store.acquireLock(
    {
      name: fileLockName(path),
      holder: session.id,
      session: session.id,
      pid: session.pid ?? process.pid,
      host,
      ttlMs: WRITE_LEASE_TTL_MS,
      note: 'agent edit',
      now,
    },
    // The session's own earlier lease (a PostToolUse that never came) is its to take again.
    (current, at) => current.session === session.id || isLockStale(current, { now: at, host, ttlMs: current.ttlMs, isPidAlive }),
  );
  if (result.acquired) return null;
  return deny(MESSAGES.hookLeaseBusy(path, await describeHolder(store, result.current.session, result.current.holder)));
}

/** Claims in other worktrees of the repository, and files modified there since their session began. */
async function findSiblingRisks(call: Call, relPath: string): Promise<string[]> {
  const { store, session, now } = call;
  const lines: string[] = [];
  const seen = new Set<string>();
  const { policy } = call;
  const siblings = (await store.listSessions({ repo: session.repo })).filter((other) => other.worktree !== session.worktree && call.isLive(other));
  const byId = new Map(siblings.map((other) => [other.id, other]));
  // Keyed by the repository's identity: claims made in clones of it on other machines (a shared store) count too.
  for (const claim of await store.listClaims({ repo: getRepoKey(session), relPath })) {
    if (claim.checkout === session.worktree || claim.session === session.id || seen.has(claim.session)) continue;
    const holder = byId.get(claim.session) ?? (await store.getSession(claim.session));
    if (!holder || !isClaimBinding(claim, holder, policy)) continue;
    seen.add(holder.id);
    const who = holder.host === session.host ? MESSAGES.hookWho(holder) : MESSAGES.hookWhoOnHost(holder);
    lines.push(MESSAGES.hookSiblingRisk(relPath, who, formatAgo(now - claim.at), 'claimed'));
  }
  for (const other of siblings) {
    if (seen.has(other.id)) continue;
    try {
      const modified = statSync(join(other.worktree, relPath)).mtimeMs;
      if (modified > other.startedAt) lines.push(MESSAGES.hookSiblingRisk(relPath, MESSAGES.hookWho(other), formatAgo(now - modified), 'modified'));
    } catch {
      // Not there: nothing to conflict with.
    }
  }
  return lines;
}

async function preEdit(call: Call): Promise<HookOutput | null> {
  const { store, session, now, input } = call;
  const absolute = getEditedPath(input, session);
  if (absolute === undefined) return null;
  const path = toRealPath(absolute);
  const guard = await buildGuard(call);
  const isProtected = isProtectedPath(path, guard);
  if (isProtected) {
    const refused = await checkProtectedWrite(call, path);
    if (refused) return refused;
  }
  const relPath = getCheckoutRelativePath(path, session.worktree);
  if (relPath === undefined) return null;
  const { policy } = call;
  const outcome = await store.claimPath(
    { checkout: session.worktree, relPath, repo: getRepoKey(session), absPath: path, session: session.id, claudeId: input.session_id ?? null, now },
    (state) => decideClaim(state, session.id, policy),
  );
  const lines: string[] = [];
  const rival: ClaimRecord | undefined = getRivalClaim(outcome.state, session.id, policy);
  if (rival) {
    const who = outcome.state.holder ? MESSAGES.hookWho(outcome.state.holder) : rival.session;
    const ago = formatAgo(now - rival.at);
    if (!outcome.verdict.allow) {
      if (isProtected) await store.releaseLockOfSession(fileLockName(path), session.id);
      return deny(policy.mode === 'deny' ? MESSAGES.hookClaimDeny(relPath, who, ago) : MESSAGES.hookClaimDenyOnce(relPath, who, ago));
    }
    if (policy.mode === 'warn') lines.push(MESSAGES.hookClaimWarn(relPath, who, ago));
  }
  lines.push(...(await findSiblingRisks(call, relPath)));
  return context('PreToolUse', lines);
}

async function preBash(call: Call): Promise<HookOutput | null> {
  const command = getToolString(call.input, 'command');
  if (command === undefined) return null;
  const targets = findShellWriteTargets(command);
  if (targets.length === 0) return null;
  const guard = await buildGuard(call);
  const home = call.env.HOME ?? '';
  const cwd = call.input.cwd ?? call.session.worktree;
  for (const target of targets) {
    const path = toRealPath(expandShellPath(target, cwd, home));
    if (isProtectedPath(path, guard)) return deny(MESSAGES.hookShellWrite(path));
  }
  return null;
}

/** The protected harness file a Read or edit call names (real path), if it names one. */
async function getProtectedTarget(call: Call, tools: ReadonlySet<string>): Promise<string | undefined> {
  if (!tools.has(call.input.tool_name ?? '')) return undefined;
  const absolute = getEditedPath(call.input, call.session);
  if (absolute === undefined) return undefined;
  const path = toRealPath(absolute);
  return isProtectedPath(path, await buildGuard(call)) ? path : undefined;
}

const READ_AND_EDIT_TOOLS: ReadonlySet<string> = new Set(['Read', ...EDIT_TOOLS]);

async function postTool(call: Call): Promise<HookOutput | null> {
  const { store, session, input, now } = call;
  const path = await getProtectedTarget(call, READ_AND_EDIT_TOOLS);
  if (path === undefined) return null;
  // After a Read this is what the session saw; after its own write, what it wrote.
  const sha = await sha256OfFile(path);
  if (sha !== undefined) await store.recordRead({ session: session.id, path, sha256: sha, at: now });
  if (EDIT_TOOLS.has(input.tool_name ?? '')) await store.releaseLockOfSession(fileLockName(path), session.id);
  return null;
}

async function postToolFailure(call: Call): Promise<HookOutput | null> {
  // Nothing was written, so nothing new was seen: only the lease PreToolUse took goes.
  const path = await getProtectedTarget(call, EDIT_TOOLS);
  if (path !== undefined) await call.store.releaseLockOfSession(fileLockName(path), call.session.id);
  return null;
}

/**
 * True when the conversation belongs to another cwt session: it stays there. Claude Code 2.1.197 starts a
 * forked conversation (`--resume <id> --fork-session`, cwt new --fork) with a SessionStart that still names
 * the parent's id, and only its later events the new one (2.1.332 names the new id throughout); linking that
 * id to the fork would take the parent's conversation away from it. An adopted tab's conversation may be
 * linked afresh once that tab ended, as before.
 */
async function isOtherSessionsConversation(store: Store, claudeId: string, session: string): Promise<boolean> {
  const owner = await store.getSessionOfClaude(claudeId);
  if (owner === undefined || owner === session) return false;
  return (await store.getSession(owner))?.kind === 'cwt';
}

async function sessionStart(call: Call): Promise<HookOutput | null> {
  const { store, session, input, now } = call;
  if (input.session_id !== undefined && !(await isOtherSessionsConversation(store, input.session_id, session.id))) {
    await store.linkClaudeSession(input.session_id, session.id, now);
    if (input.transcript_path !== undefined) await store.noteClaudeSession(input.session_id, session.id, { transcript: input.transcript_path }, now);
  }
  const siblings = (await store.listSessions({ repo: session.repo })).filter((other) => other.id !== session.id && call.isLive(other));
  if (siblings.length === 0) return null;
  const lines: string[] = [];
  for (const sibling of siblings) {
    const recent = (await store.listClaims({ session: sibling.id })).slice(0, SIBLING_RECENT_FILES).map((claim) => claim.relPath);
    const shown = getShownActivity(sibling, false);
    lines.push(MESSAGES.hookSiblingLine(sibling, recent, shown && describeActivity(shown.activity, shown.since, now, shown.reason)));
  }
  return context('SessionStart', [MESSAGES.hookSiblings(session, lines)]);
}

async function sessionEnd(call: Call): Promise<HookOutput | null> {
  const { store, session, input, now } = call;
  // An adopted tab's session ends with it, so all its claims go; a cwt session keeps those of its other Claude sessions.
  if (session.kind === 'adopted') await store.releaseClaims(session.id);
  else if (input.session_id !== undefined) await store.releaseClaims(session.id, { claudeId: input.session_id });
  if (input.session_id !== undefined) await store.endClaudeSession(input.session_id, now);
  for (const lock of await store.listLocks()) {
    if (lock.session === session.id && lock.name.startsWith('file:')) await store.releaseLockOfSession(lock.name, session.id);
  }
  if (session.kind === 'adopted') {
    await store.updateSession(session.id, { state: 'ended', endedAt: now }, { kind: 'session.end', session: session.id, repo: session.repo, data: { reason: input.reason ?? null } });
  }
  return null;
}

/** The conversation's first prompt line (what `cwt attach --pick` and status show) and its transcript path. */
async function userPromptSubmit(call: Call): Promise<HookOutput | null> {
  const { store, session, input, now } = call;
  if (input.session_id === undefined) return null;
  const firstPrompt = input.prompt === undefined ? undefined : toFirstPromptLine(input.prompt);
  await store.noteClaudeSession(input.session_id, session.id, { firstPrompt, transcript: input.transcript_path }, now);
  return null;
}

const HANDLERS: Record<HookEvent, (call: Call) => Promise<HookOutput | null>> = {
  'session-start': sessionStart,
  'pre-tool-use': (call) => {
    const tool = call.input.tool_name ?? '';
    if (EDIT_TOOLS.has(tool)) return preEdit(call);
    if (tool === 'Bash') return preBash(call);
    return Promise.resolve(null);
  },
  'post-tool-use': postTool,
  'post-tool-use-failure': postToolFailure,
  'session-end': sessionEnd,
  // The activity they report is written by handleHook with the heartbeat; nothing else to do.
  'user-prompt-submit': userPromptSubmit,
  notification: () => Promise.resolve(null),
  stop: () => Promise.resolve(null),
  // Answered by hooks/worktree.ts through the full CLI (they create and remove worktrees), never here.
  'worktree-create': () => Promise.resolve(null),
  'worktree-remove': () => Promise.resolve(null),
};

/** A call's rules for `session`: config from its main checkout, liveness and claims judged at `now`. */
async function createCall(input: HookInput, store: Store, env: NodeJS.ProcessEnv, now: number, session: SessionRecord, config?: Config): Promise<Call> {
  config ??= await loadConfigLazily({ repoRoot: session.mainWorktree, env });
  const probe = { ...createLivenessProbe(config.sessionTtlMs, env), now };
  const isLive = (other: SessionRecord) => getSessionState(other, probe) === 'live';
  const policy: ClaimPolicy = { mode: config.claimMode, claimTtlMs: config.claimTtlMs, now, isLive };
  return { input, store, env, now, session, config, isLive, policy };
}

/**
 * What a tool call asks of the store besides its heartbeat, for a store that does it in one trip
 * (hooks/onetrip.ts): an edit's claim, nothing more (null), or undefined when the handler needs more than the
 * trip covers: a protected harness file (its read check and write lease).
 */
async function planOneTrip(event: HookEvent, call: Call): Promise<ToolCallClaim | null | undefined> {
  const { input, session, config } = call;
  if (event === 'post-tool-use') return (await getProtectedTarget(call, READ_AND_EDIT_TOOLS)) === undefined ? null : undefined;
  if (event === 'post-tool-use-failure') return (await getProtectedTarget(call, EDIT_TOOLS)) === undefined ? null : undefined;
  if (event !== 'pre-tool-use' || !EDIT_TOOLS.has(input.tool_name ?? '')) return null;
  const absolute = getEditedPath(input, session);
  if (absolute === undefined) return null;
  const path = toRealPath(absolute);
  if (isProtectedPath(path, await buildGuard(call))) return undefined;
  const relPath = getCheckoutRelativePath(path, session.worktree);
  if (relPath === undefined) return null;
  const { mode, claimTtlMs } = call.policy;
  return { relPath, absPath: path, repo: getRepoKey(session), claudeId: input.session_id ?? null, mode, claimTtlMs, sessionTtlMs: config.sessionTtlMs, retryMs: DENY_ONCE_RETRY_MS };
}

/** Runs one hook event; null means no decision and nothing to say. */
export async function handleHook(event: HookEvent, input: HookInput, context: HookContext): Promise<HookOutput | null> {
  const { store, env } = context;
  // A long-lived server opened its store long ago: commits journaled since are replayed before the claims are
  // read (the command hook's store was opened for this call, which replayed them).
  if (context.journalSettled !== true) await settleCommitJournal(store, env);
  const now = context.now ?? Date.now();
  // One tool call reaches the fast path and, while it starts or after it is gone, the command hook too: the first
  // to record the call decides it, the other answers nothing (Claude Code merges parallel answers: a deny stands).
  const key =
    context.dedupe === true && isToolHookEvent(event) && input.session_id !== undefined && input.tool_use_id !== undefined
      ? `${input.session_id}/${input.tool_use_id}/${event}`
      : undefined;
  const decider = context.decider ?? 'command';
  if (store.decideToolCall !== undefined && isToolHookEvent(event)) {
    // A networked store: the same steps as below, in one round trip where the plan covers them.
    let planned: Call | undefined;
    const trip = await decideInOneTrip({
      store,
      env,
      event,
      input,
      now,
      sessionId: context.sessionId,
      hookCall: key === undefined ? null : { key, by: decider },
      plan: async (session) => planOneTrip(event, (planned = await createCall(input, store, env, now, session))),
    });
    if (trip?.taken) return null;
    if (trip) return HANDLERS[event](await createCall(input, trip.store, env, now, trip.session, planned?.config));
  }
  if (key !== undefined && !(await store.claimHookCall({ key, by: decider, at: now }))) return null;
  const session = await resolveHookSession(input, { store, env, now, sessionId: context.sessionId, adopt: event !== 'session-end', callerPid: context.callerPid });
  if (!session) return null;
  // One update for the heartbeat and the activity, the event in its transaction. The row read above says whether
  // the activity may change (most tool calls: no, a bare heartbeat); the store checks again under its lock.
  const activity = decideActivity(session, event, now, input.notification_type);
  const logged = activity?.logged;
  const data = activity?.reason === undefined ? {} : { reason: activity.reason, notificationType: input.notification_type };
  const entry = logged === undefined ? undefined : { kind: getActivityEventKind(logged), session: session.id, repo: session.repo, data };
  const guard = { onActivityChange: activity !== undefined };
  if (event !== 'session-end') await store.updateSession(session.id, { heartbeatAt: now, ...activity?.patch }, entry, guard);
  else if (activity) await store.updateSession(session.id, activity.patch, undefined, guard);
  return HANDLERS[event](await createCall(input, store, env, now, session));
}
