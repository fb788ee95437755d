/**
 * The trust boundary between the store and this machine's disk. Every teammate can write a shared store, so
 * the paths a session row names are input, not facts: before cwt acts on one (merges from it, moves a merge
 * base in it, runs git in it, removes it), the path must be where cwt itself puts such a thing on this
 * machine, for this repository:
 *
 *   main_worktree  this repository's main checkout (and `repo` its git common dir)
 *   worktree       one that `git worktree list` of this repository shows (or gone: then nothing acts on it)
 *   memory_dir     inside <claude home>/projects/<key of the main checkout>/cwt-memory/
 *   memory_base    inside $CWT_HOME/sessions/<id>/
 *
 * and the row must have been recorded on this host: another machine's paths mean nothing here. Real paths
 * are compared, symlinks resolved, so a link cannot carry a path out of where it seems to be.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { EnvironmentError, UntrustedSessionError } from '../util/errors.js';
import { listWorktrees, resolveRepo, type RepoInfo } from '../git/git.js';
import { getNamespaceRoot } from '../harness/harness.js';
import { getHostId } from './liveness.js';
import { resolveClaudeHome, resolveCwtHome, resolveSessionStateDir, toRealPath } from '../fs/paths.js';
import { isPathInside } from './sessions.js';
import type { SessionRecord } from '../store/store.js';
import { MESSAGES } from '../../texts/messages.js';

/**
 * What a command is about to do with a row, beyond its main checkout (always checked): act in its worktree
 * (git there, remove it, write its lease file, launch in it), or use its memory namespace and merge base.
 */
export type SessionPathUse = 'worktree' | 'memory';

/** Where cwt puts one repository's things on this machine: what a row's paths must agree with. */
export interface TrustedPlaces {
  host: string;
  claudeHome: string;
  cwtHome: string;
  mainWorktree: string;
  commonDir: string;
  /** Every checkout `git worktree list` shows for the repository, the main one included. */
  worktrees: readonly string[];
}

/** One path of a row that cwt will not use, by its store column, and why. */
export interface PathRefusal {
  column: 'main_worktree' | 'repo' | 'worktree' | 'memory_dir' | 'memory_base' | 'id';
  path: string;
  why: string;
}

/** The file system as the check sees it; tests pass their own. */
export interface PathProbe {
  realPath: (path: string) => string;
  exists: (path: string) => boolean;
}

const DISK: PathProbe = { realPath: toRealPath, exists: existsSync };

/** The ids cwt makes are hex; anything with a separator or a dot could name a directory outside sessions/. */
const PLAIN_ID = /^[A-Za-z0-9_-]+$/;

/**
 * The paths of `session` that cwt must not use for `uses`, against `places` (the host is checked by the
 * caller, see assertSessionPathsTrusted). Pure but for `probe`: real paths and existence.
 */
export function findUntrustedPaths(session: SessionRecord, places: TrustedPlaces, uses: readonly SessionPathUse[], probe: PathProbe = DISK): PathRefusal[] {
  const real = probe.realPath;
  const isStrictlyInside = (path: string, dir: string) => real(path) !== real(dir) && isPathInside(real(path), real(dir));
  const refusals: PathRefusal[] = [];
  if (real(session.mainWorktree) !== real(places.mainWorktree)) {
    refusals.push({ column: 'main_worktree', path: session.mainWorktree, why: MESSAGES.untrustedMainWorktree(places.mainWorktree) });
  } else if (real(session.repo) !== real(places.commonDir)) {
    refusals.push({ column: 'repo', path: session.repo, why: MESSAGES.untrustedRepo(places.commonDir) });
  }
  if (uses.includes('worktree') && probe.exists(session.worktree)) {
    const listed = places.worktrees.map(real);
    // A cwt session never works in the main checkout; an adopted tab may.
    const allowed = session.kind === 'cwt' ? listed.filter((path) => path !== real(places.mainWorktree)) : listed;
    if (!allowed.includes(real(session.worktree))) refusals.push({ column: 'worktree', path: session.worktree, why: MESSAGES.untrustedWorktree(places.mainWorktree) });
  }
  if (uses.includes('memory')) {
    const namespaceRoot = getNamespaceRoot(places.claudeHome, places.mainWorktree);
    if (!isStrictlyInside(session.memoryDir, namespaceRoot)) refusals.push({ column: 'memory_dir', path: session.memoryDir, why: MESSAGES.untrustedNamespace(namespaceRoot) });
    if (!PLAIN_ID.test(session.id)) {
      refusals.push({ column: 'id', path: session.id, why: MESSAGES.untrustedId });
    } else {
      const stateDir = resolveSessionStateDir(places.cwtHome, session.id);
      if (!isStrictlyInside(session.memoryBase, stateDir)) refusals.push({ column: 'memory_base', path: session.memoryBase, why: MESSAGES.untrustedBase(stateDir) });
    }
  }
  return refusals;
}

/**
 * Throws UntrustedSessionError unless `session` was recorded on this host and every path `uses` needs is
 * where cwt puts it (findUntrustedPaths). Nothing has been changed when it throws.
 */
export function assertSessionPathsTrusted(session: SessionRecord, places: TrustedPlaces, uses: readonly SessionPathUse[]): void {
  assertSessionOnThisHost(session, places.host);
  const refusals = findUntrustedPaths(session, places, uses);
  if (refusals.length > 0) throw toUntrustedSessionError(session, refusals);
}

const MEMORY_COLUMNS = new Set<PathRefusal['column']>(['memory_dir', 'memory_base', 'id']);

/** The error naming a row's refused paths; `cwt end --no-merge` is offered when its checkout paths are fine. */
function toUntrustedSessionError(session: SessionRecord, refusals: readonly PathRefusal[]): UntrustedSessionError {
  const memoryOnly = refusals.every((refusal) => MEMORY_COLUMNS.has(refusal.column));
  return new UntrustedSessionError(session.id, MESSAGES.untrustedSessionPaths(session.id, refusals), { hint: MESSAGES.untrustedSessionPathsHint(session.id, memoryOnly) });
}

/** Throws UntrustedSessionError when `session` was recorded on another host than `host`. */
export function assertSessionOnThisHost(session: SessionRecord, host: string): void {
  if (session.host !== host) {
    throw new UntrustedSessionError(session.id, MESSAGES.sessionOnOtherHost(session.id, session.host, host), { hint: MESSAGES.sessionOnOtherHostHint(session.host) });
  }
}

/** Where cwt puts `repo`'s things on this machine (one `git worktree list`). */
export async function getTrustedPlaces(repo: Pick<RepoInfo, 'mainWorktree' | 'commonDir'>, env: NodeJS.ProcessEnv): Promise<TrustedPlaces> {
  const worktrees = (await listWorktrees(repo.mainWorktree)).filter((entry) => !entry.bare).map((entry) => entry.path);
  return { host: getHostId(env), claudeHome: resolveClaudeHome(env), cwtHome: resolveCwtHome(env), mainWorktree: repo.mainWorktree, commonDir: repo.commonDir, worktrees };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The places of the repository a row names, for a command that runs outside it (gc, or an id given
 * elsewhere). git runs there only once the row's main checkout holds a `.git` directory that is the row's
 * common dir: a directory of a pushed commit can hold no `.git`, so git never reads a config planted in one.
 */
async function resolvePlacesOfRow(session: SessionRecord, env: NodeJS.ProcessEnv): Promise<TrustedPlaces> {
  const dotGit = join(session.mainWorktree, '.git');
  if (!isDirectory(dotGit) || toRealPath(dotGit) !== toRealPath(session.repo)) {
    throw toUntrustedSessionError(session, [{ column: 'main_worktree', path: session.mainWorktree, why: MESSAGES.untrustedMainNotRepo }]);
  }
  return getTrustedPlaces(await resolveRepo(session.mainWorktree, env), env);
}

/** Checks a row before a command acts on it; see createSessionPathVerifier. */
export type SessionPathVerifier = (session: SessionRecord, uses: readonly SessionPathUse[]) => Promise<TrustedPlaces>;

/**
 * A verifier for the rows one command acts on: checks the host first (another host's row is refused without
 * looking at its paths), then the paths against `repo` (the repository the command runs in) or, without
 * one, the repository the row names once it proved to be one. Returns the places checked against; throws
 * UntrustedSessionError. Places are looked up once per repository.
 */
export function createSessionPathVerifier(env: NodeJS.ProcessEnv, repo?: Pick<RepoInfo, 'mainWorktree' | 'commonDir'>): SessionPathVerifier {
  const cache = new Map<string, Promise<TrustedPlaces>>();
  const getPlaces = (session: SessionRecord) => {
    const key = repo ? repo.mainWorktree : session.mainWorktree;
    let places = cache.get(key);
    if (!places) {
      places = repo ? getTrustedPlaces(repo, env) : resolvePlacesOfRow(session, env);
      // Without a repository the check reads the row's own repo column: its refusal is not the next row's.
      places.catch(() => cache.delete(key));
      cache.set(key, places);
    }
    return places;
  };
  return async (session, uses) => {
    assertSessionOnThisHost(session, getHostId(env));
    const places = await getPlaces(session);
    assertSessionPathsTrusted(session, places, uses);
    return places;
  };
}

/** Checks one row before a command acts on it (createSessionPathVerifier, for a single use). */
export function verifySessionPaths(session: SessionRecord, uses: readonly SessionPathUse[], env: NodeJS.ProcessEnv, repo?: Pick<RepoInfo, 'mainWorktree' | 'commonDir'>): Promise<TrustedPlaces> {
  return createSessionPathVerifier(env, repo)(session, uses);
}

/** What `verify` refused: its UntrustedSessionError, else undefined (any other error is thrown). */
export async function getRefusal(verify: () => unknown): Promise<UntrustedSessionError | undefined> {
  try {
    await verify();
    return undefined;
  } catch (error) {
    if (error instanceof UntrustedSessionError) return error;
    throw error;
  }
}

/**
 * For commands over many rows (gc, rescue), which act on every row they trust and leave the others alone:
 * one error (exit 4) at the end naming each row left alone, then `summary`.
 */
export function throwIfRefused(refused: readonly UntrustedSessionError[], summary: string): void {
  if (refused.length === 0) return;
  throw new EnvironmentError([...refused.map((error) => error.message), summary].join('\n'), { hint: MESSAGES.refusedSessionsHint });
}
