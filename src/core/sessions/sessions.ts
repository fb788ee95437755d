/**
 * The session registry's domain rules: ids, derived liveness, resolving what the user typed to a session.
 */
import { relative, isAbsolute, resolve } from 'node:path';
import { UsageError } from '../util/errors.js';
import { randomHex } from '../util/random.js';
import { getHostId, isHolderAlive, isPidAlive, type LivenessProbe } from './liveness.js';
import type { SessionRecord, Store } from '../store/store.js';
import { MESSAGES } from '../../texts/messages.js';

export const DEFAULT_SESSION_TTL_MS = 2 * 60_000;

export type SessionState = 'live' | 'stale' | 'ended';

/** 8 lowercase hex characters: short enough to type, random enough not to collide on one machine. */
export function newSessionId(): string {
  return randomHex(4);
}

/** Ended is recorded; live vs stale is derived from the supervisor pid and the heartbeat. */
/** What a session's claims are keyed by: its repository's identity across machines, or (older rows) its common dir. */
export function getRepoKey(session: Pick<SessionRecord, 'repo' | 'repoId'>): string {
  return session.repoId ?? session.repo;
}

export function getSessionState(session: SessionRecord, probe: LivenessProbe): SessionState {
  if (session.state === 'ended') return 'ended';
  return isHolderAlive(session, probe.ttlMs, probe) ? 'live' : 'stale';
}

/** True when `path` is `dir` or inside it. */
export function isPathInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * The cwt session whose worktree contains `cwd`, if any. Adopted tabs are never found by place: they share
 * their checkout with whoever else works there. With `host`, only that machine's sessions: a path names a
 * place on one machine, and another machine may have a worktree at the same path.
 */
export function findSessionByPath(sessions: readonly SessionRecord[], cwd: string, host?: string): SessionRecord | undefined {
  const path = resolve(cwd);
  // The deepest worktree wins, should one ever sit inside another.
  return sessions
    .filter((session) => session.kind === 'cwt' && (host === undefined || session.host === host) && isPathInside(path, session.worktree))
    .sort((a, b) => b.worktree.length - a.worktree.length)[0];
}

/**
 * Resolves what the user typed: an exact id, an id prefix, or a branch name. Ambiguity is an error that
 * lists the candidates. `sessions` should already be filtered to the relevant repository.
 */
export function matchSessionRef(sessions: readonly SessionRecord[], ref: string): SessionRecord | undefined {
  // An adopted tab answers to its id only: its branch belongs to its checkout, not to it.
  const exact = sessions.filter((session) => session.id === ref || (session.branch === ref && session.kind === 'cwt'));
  const candidates = exact.length > 0 ? exact : sessions.filter((session) => ref.length >= 4 && session.id.startsWith(ref));
  if (candidates.length > 1) {
    // Prefer the one that is not ended when a branch was reused.
    const open = candidates.filter((session) => session.state !== 'ended');
    if (open.length === 1) return open[0];
    throw new UsageError(MESSAGES.ambiguousSession(ref, candidates), { hint: MESSAGES.ambiguousSessionHint });
  }
  return candidates[0];
}

/** Resolves a session from a ref (or from the worktree containing cwd when ref is omitted). */
export async function resolveSession(
  store: Store,
  options: { ref?: string; cwd: string; repo?: string; host?: string; includeEnded?: boolean },
): Promise<SessionRecord> {
  const sessions = await store.listSessions({ repo: options.repo, includeEnded: options.includeEnded ?? false });
  const found = options.ref !== undefined ? matchSessionRef(sessions, options.ref) : findSessionByPath(sessions, options.cwd, options.host);
  if (!found) {
    throw new UsageError(options.ref !== undefined ? MESSAGES.noSuchSession(options.ref) : MESSAGES.noSessionHere(options.cwd), {
      hint: MESSAGES.listSessionsHint,
    });
  }
  return found;
}

/** A session that has not ended, by id. */
export async function getOpenSession(store: Store, id: string): Promise<SessionRecord | undefined> {
  const session = await store.getSession(id);
  return session && session.state !== 'ended' ? session : undefined;
}

/** What tells which session a caller belongs to. */
export interface SessionClues {
  /** A cwt session id ($CWT_SESSION, exported to the agents cwt launches). */
  cwtSession?: string;
  /** A Claude Code session id, linked to its cwt session by the SessionStart hook. */
  claudeSession?: string;
  cwd?: string;
  /** This machine's host id: `cwd` only finds a session of this machine. */
  host?: string;
}

/**
 * The session a caller inside one belongs to (a hook, or a command an agent runs): the cwt session named,
 * else the one the Claude Code session id was linked to, else the cwt worktree holding `cwd`.
 */
export async function findCurrentSession(store: Store, clues: SessionClues): Promise<SessionRecord | undefined> {
  if (clues.cwtSession) {
    const session = await getOpenSession(store, clues.cwtSession);
    if (session) return session;
  }
  if (clues.claudeSession) {
    const id = await store.getSessionOfClaude(clues.claudeSession);
    const session = id === undefined ? undefined : await getOpenSession(store, id);
    if (session) return session;
  }
  return clues.cwd === undefined ? undefined : findSessionByPath(await store.listSessions(), clues.cwd, clues.host);
}

/** Who is calling a coordination command: the current session, or a name given for scripts outside one. */
export interface Actor {
  /** A session id, or the name given with --owner. */
  name: string;
  session: SessionRecord | undefined;
}

/** The caller's session (see findCurrentSession), else `ownerName`; undefined when neither is there. */
export async function findActor(store: Store, clues: SessionClues, ownerName?: string): Promise<Actor | undefined> {
  const session = await findCurrentSession(store, clues);
  if (session) return { name: session.id, session };
  return ownerName === undefined || ownerName === '' ? undefined : { name: ownerName, session: undefined };
}

/** The clues of a CLI process: $CWT_SESSION, Claude Code's session id, the working directory on this host. */
export function getProcessClues(env: NodeJS.ProcessEnv, cwd: string): SessionClues {
  return { cwtSession: env.CWT_SESSION, claudeSession: env.CLAUDE_CODE_SESSION_ID, cwd, host: getHostId(env) };
}

/** True when another cwt process on this host is supervising the session right now. */
export function hasLiveSupervisor(session: SessionRecord, env: NodeJS.ProcessEnv): boolean {
  return session.pid !== null && session.pid !== process.pid && session.host === getHostId(env) && isPidAlive(session.pid);
}
