/**
 * What cwt's git hook shims run (`cwt git-hook <name>`), from the lean hook bundle:
 * - pre-commit: the commit check on what is being committed; blocks with exit 1, warns on stderr.
 * - post-commit: the commit becomes its session's known tip, the session's claims on the committed files
 *   are released, the commit is logged; a commit whose pre-commit did not run (`--no-verify`) is logged as
 *   a bypass.
 * - post-merge, post-rewrite: the checkout moved its own branch (merge, pull, rebase, amend): HEAD becomes
 *   its session's known tip.
 * In a repository without open sessions each returns before running git at all. Internal errors never fail
 * or stop git: they go to hook-errors.log and the commit proceeds.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findCheckoutSession, findMisplacedSession, resolveIndexFile, runCommitCheck } from '../core/git/commitcheck.js';
import { PRE_COMMIT_MARKER, recordCommitFacts } from '../core/git/commitjournal.js';
import { loadConfigLazily } from '../core/config/lazy.js';
import { getCurrentBranch, getHeadCommit, resolveRepo, type RepoInfo } from '../core/git/git.js';
import type { GitHookName } from '../core/git/githooks.js';
import { openStore, releaseStore, settleCommitJournal } from '../core/store/open.js';
import type { EventInput, SessionRecord, Store } from '../core/store/store.js';
import { getProcessStartTicks } from '../core/sessions/liveness.js';
import { debug } from '../core/util/debug.js';
import { formatCheckReport } from '../ui/checkreport.js';
import { MESSAGES } from '../texts/messages.js';
import { getHookLogPath, logHookError } from './errorlog.js';

export { isMadeByGitCommit, PRE_COMMIT_MARKER } from '../core/git/commitjournal.js';

export interface GitHookContext {
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Where the report goes (git shows a hook's stderr). */
  write: (text: string) => void;
  /** The pid of the git process running the hook; the shim execs node, so it is our parent. */
  gitPid: number;
  /** An open store to use (the per-user service's); without it the hook opens the user's store itself. */
  store?: Store;
  /** The checkout, when the caller resolved it already (the service validates the request's directory with it). */
  repo?: RepoInfo;
  /**
   * The shim that ran this hook: its pid and start (/proc ticks; the Node hook is the shim, exec'd: its own).
   * They name one commit attempt, whose check.block/check.bypass event is recorded once although the service
   * and the Node fallback may both check it (an answer after curl's time limit). Undefined: every run records.
   */
  shim?: { pid: number; start: string };
}

interface RepoState {
  store: Store;
  repo: RepoInfo;
  sessions: SessionRecord[];
}

/** The store and the repository's open sessions; undefined (before any git command) when there are none. */
async function openRepoState(context: GitHookContext, store: Store): Promise<RepoState | undefined> {
  const open = await store.listSessions();
  if (open.length === 0) return undefined;
  const repo = context.repo ?? (await resolveRepo(context.cwd, context.env));
  const sessions = open.filter((session) => session.repo === repo.commonDir);
  return sessions.length === 0 ? undefined : { store, repo, sessions };
}

/**
 * The key under which one commit attempt's pre-commit event is claimed (Store.claimHookCall): git's pid, the
 * shim's pid and its start (pids are reused). The same in the service and in the Node hook of that attempt, and
 * known to both after git and the shim are gone (a service resumed late).
 */
export function getPreCommitAttemptKey(gitPid: number, shim: { pid: number; start: string }): string {
  return `git/pre-commit/${gitPid}/${shim.pid}:${shim.start}`;
}

/** The shim of a Node hook that a shim exec'd: this process (same pid, same start). */
export function getOwnShim(): { pid: number; start: string } {
  return { pid: process.pid, start: getProcessStartTicks(process.pid) ?? '' };
}

/**
 * Appends a pre-commit event unless this commit attempt's was recorded already: when the service answered too
 * late for the shim, the Node hook checks the same attempt again, and only the first to claim it records.
 */
async function recordPreCommitEvent(store: Store, context: GitHookContext, event: EventInput): Promise<void> {
  try {
    if (context.shim !== undefined) {
      const key = getPreCommitAttemptKey(context.gitPid, context.shim);
      if (!(await store.claimHookCall({ key, by: context.store ? 'fastpath' : 'command', at: Date.now() }))) return;
    }
    await store.appendEvent(event);
  } catch (error) {
    // The check ran and its verdict stands (a block still blocks) when its event cannot be written: a store
    // busy past its timeout (another process holding the write lock, a stopped service), say.
    logHookError(context.env, 'git pre-commit', error);
  }
}

function isSet(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

async function preCommit(state: RepoState, context: GitHookContext): Promise<number> {
  const { store, repo, sessions } = state;
  const { env } = context;
  if (isSet(env.CWT_SKIP_CHECK)) {
    const session = await findCheckoutSession(store, repo.topLevel, env);
    await recordPreCommitEvent(store, context, { kind: 'check.bypass', session: session?.id ?? null, repo: repo.commonDir, data: { reason: 'CWT_SKIP_CHECK', worktree: repo.topLevel } });
    context.write(MESSAGES.checkSkipped);
    return 0;
  }
  writeFileSync(join(repo.gitDir, PRE_COMMIT_MARKER), String(context.gitPid));
  const misplaced = await findMisplacedSession(store, repo, env);
  if (misplaced !== undefined) {
    context.write(MESSAGES.wrongCheckoutCommit(misplaced.session, repo.topLevel, misplaced.branch));
    context.write(`  next: ${MESSAGES.wrongCheckoutCommitHint(misplaced.session)}`);
    await recordPreCommitEvent(store, context, {
      kind: 'check.block',
      session: misplaced.session.id,
      repo: repo.commonDir,
      data: { reason: 'wrong-checkout', worktree: repo.topLevel, branch: misplaced.branch, sessionWorktree: misplaced.session.worktree, sessionBranch: misplaced.session.branch },
    });
    return 1;
  }
  const config = await loadConfigLazily({ repoRoot: repo.mainWorktree, env });
  debug('pre-commit', 'sessions, identity and config read');
  const report = await runCommitCheck({
    store,
    repo,
    env,
    config,
    staged: true,
    indexFile: resolveIndexFile(env.GIT_INDEX_FILE, repo.topLevel),
    strict: config.strictCheck,
    sessions,
  });
  for (const line of formatCheckReport(report)) context.write(line);
  if (!report.blocked) return 0;
  await recordPreCommitEvent(store, context, {
    kind: 'check.block',
    session: report.session?.id ?? null,
    repo: repo.commonDir,
    data: {
      worktree: repo.topLevel,
      branch: report.branch,
      foreign: report.foreign.map((commit) => commit.sha),
      claimed: report.claimed.map((item) => item.path),
      overlaps: report.overlaps.flatMap((overlap) => overlap.paths.map((entry) => entry.path)),
    },
  });
  return 1;
}

async function postCommit(state: RepoState, context: GitHookContext): Promise<number> {
  const { store, repo } = state;
  const { env } = context;
  const [commit, branch, session] = await Promise.all([getHeadCommit(repo.topLevel), getCurrentBranch(repo.topLevel), findCheckoutSession(store, repo.topLevel, env)]);
  if (!commit) return 0;
  await recordCommitFacts(store, { repo, commit, branch, session, gitPid: context.gitPid, skipCheck: isSet(env.CWT_SKIP_CHECK), at: Date.now() });
  return 0;
}

async function branchMoved(state: RepoState, context: GitHookContext, hook: GitHookName): Promise<number> {
  const { store, repo } = state;
  const session = await findCheckoutSession(store, repo.topLevel, context.env);
  if (!session) return 0;
  const [head, branch] = await Promise.all([getHeadCommit(repo.topLevel), getCurrentBranch(repo.topLevel)]);
  if (head === undefined || branch !== session.branch || head.sha === session.knownTip) return 0;
  const event = { kind: 'branch.moved', session: session.id, repo: repo.commonDir, data: { hook, branch, tip: head.sha, previous: session.knownTip ?? null } };
  // A merge commit `git merge` made here is the session's own (no post-commit ran for it); a fast-forward
  // tip is someone else's commit, only seen.
  if (hook === 'post-merge' && head.parents.length > 1) {
    await store.recordCommit({ repo: repo.commonDir, sha: head.sha, session: session.id, branch, at: Date.now() }, { advanceTip: true, event });
  } else {
    await store.updateSession(session.id, { knownTip: head.sha }, event);
  }
  return 0;
}

/** Runs one git hook; resolves to its exit code. Never throws. */
export async function runGitHook(hook: GitHookName, context: GitHookContext): Promise<number> {
  let store: Store | undefined;
  try {
    store = context.store ?? (await openStore(context.env, { hook: true }));
    // A long-lived service opened its store long ago: commits journaled since are replayed first, as openStore does.
    if (context.store) await settleCommitJournal(store, context.env);
    const state = await openRepoState(context, store);
    if (!state) return 0;
    if (hook === 'pre-commit') return await preCommit(state, context);
    if (hook === 'post-commit') return await postCommit(state, context);
    return await branchMoved(state, context, hook);
  } catch (error) {
    logHookError(context.env, `git ${hook}`, error);
    if (hook === 'pre-commit') context.write(MESSAGES.checkFailedOpen(error instanceof Error ? error.message.split('\n')[0]! : String(error), getHookLogPath(context.env)));
    return 0;
  } finally {
    if (!context.store) await releaseStore(store);
  }
}
