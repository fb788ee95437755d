/**
 * Which cwt session a hook call belongs to: the one the supervisor serves, else $CWT_SESSION, else the one
 * Claude's session id was linked to, else the cwt session whose worktree holds `cwd`, else a new *adopted*
 * session for this Claude tab, so plain `claude` tabs in one checkout coordinate too.
 */
import { EnvironmentError } from '../core/util/errors.js';
import { getCanonicalMemoryDir } from '../core/harness/harness.js';
import { getCallerPid, getHostId } from '../core/sessions/liveness.js';
import { resolveClaudeHome } from '../core/fs/paths.js';
import { findCurrentSession, getOpenSession, newSessionId } from '../core/sessions/sessions.js';
import type { SessionRecord, Store } from '../core/store/store.js';
import type { HookInput } from './input.js';

export interface ResolveHookSessionOptions {
  store: Store;
  env: NodeJS.ProcessEnv;
  now: number;
  /** Set by the supervisor's http server: the one session it serves. */
  sessionId?: string;
  /** Register an unknown Claude tab as an adopted session (not on SessionEnd). */
  adopt: boolean;
  /**
   * The agent process behind the call, when the caller knows better than this process's parents: null for the
   * per-user service, which is nobody's child (the adopted tab is then live by its heartbeat).
   */
  callerPid?: number | null;
}

async function adoptSession(input: HookInput & { session_id: string; cwd: string }, options: ResolveHookSessionOptions): Promise<SessionRecord | undefined> {
  const { store, env, now } = options;
  // Loaded here only: child_process costs a few ms, and adoption happens once per Claude session.
  const { getCurrentBranch, resolveCommit, resolveRepo, resolveRepoIdentity } = await import('../core/git/git.js');
  let repo;
  try {
    repo = await resolveRepo(input.cwd, env);
  } catch (error) {
    // Outside a git checkout there is nothing to coordinate on.
    if (error instanceof EnvironmentError) return undefined;
    throw error;
  }
  const head = (await resolveCommit('HEAD', repo.topLevel)) ?? '';
  const session: SessionRecord = {
    id: newSessionId(),
    repo: repo.commonDir,
    repoId: await resolveRepoIdentity(repo.commonDir),
    mainWorktree: repo.mainWorktree,
    worktree: repo.topLevel,
    branch: await getCurrentBranch(repo.topLevel, env),
    createdBranch: false,
    baseCommit: head,
    agent: 'claude',
    // The agent process that ran this hook: the tab is live while it runs.
    pid: options.callerPid !== undefined ? options.callerPid : options.sessionId === undefined ? getCallerPid() : null,
    host: getHostId(env),
    startedAt: now,
    heartbeatAt: now,
    state: 'live',
    endedAt: null,
    agentExit: null,
    // An adopted tab uses canonical memory: it has no namespace of its own.
    memoryDir: getCanonicalMemoryDir(resolveClaudeHome(env), repo.mainWorktree),
    memoryBase: '',
    kind: 'adopted',
    // The commit check blocks on commits after this tip that the tab did not make.
    knownTip: head === '' ? null : head,
  };
  await store.insertSession(session, {
    kind: 'session.adopt',
    session: session.id,
    repo: session.repo,
    data: { claudeSession: input.session_id, worktree: session.worktree, branch: session.branch, pid: session.pid },
  });
  await store.linkClaudeSession(input.session_id, session.id, now);
  // Parallel tool calls of one new tab may adopt at once; the first link wins, the loser's row goes.
  const winner = await store.getSessionOfClaude(input.session_id);
  if (winner !== session.id) {
    await store.deleteSession(session.id);
    return winner === undefined ? undefined : getOpenSession(store, winner);
  }
  return session;
}

/** The session a hook call belongs to, or undefined when there is none and none may be adopted. */
export async function resolveHookSession(input: HookInput, options: ResolveHookSessionOptions): Promise<SessionRecord | undefined> {
  const { store, env } = options;
  if (options.sessionId !== undefined) return getOpenSession(store, options.sessionId);
  const found = await findCurrentSession(store, { cwtSession: env.CWT_SESSION, claudeSession: input.session_id, cwd: input.cwd, host: getHostId(env) });
  if (found || !options.adopt || input.session_id === undefined || input.cwd === undefined) return found;
  return adoptSession(input as HookInput & { session_id: string; cwd: string }, options);
}
