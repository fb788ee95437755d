/**
 * The commit journal: post-commit's bookkeeping without a Node start in `git commit`. cwt's post-commit shim
 * (templates/git-hook.sh) writes one small file per commit into the state dir's commits/ directory with sh
 * and one `git rev-parse`; the next cwt process that opens the store (a hook, status, check, the next
 * commit's pre-commit, ...) replays it first: the commit becomes its session's known tip, the session's
 * claims on its files are released, it is logged, and a commit made with --no-verify is logged as a bypass.
 * Nothing is lost when no cwt process runs for days: the entry waits in the journal, and every reader
 * replays before it reads.
 *
 * An entry, written by the shim (temp file, then rename, umask 077), one value per line:
 *   cwt-commit v1 / sha / ref (refs/heads/<b>, or HEAD when detached) / the worktree's top level / its git
 *   dir / the common git dir (relative to the top level when git prints it so) / git's pid /
 *   CWT_SKIP_CHECK / CWT_SESSION / CLAUDE_CODE_SESSION_ID
 * Its mtime is the commit's time. Replayers take turns (a lock file in the journal dir), so commits are
 * recorded in order; each entry is also taken by renaming it (one rename wins), so that a commit is never
 * recorded twice, and an entry taken by a process that died is taken over.
 */
import { closeSync, existsSync, linkSync, lstatSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { isPidAlive } from '../sessions/liveness.js';
import type { SessionRecord, Store } from '../store/store.js';
import { findCheckoutSession } from './commitcheck.js';
import { getCommit, type HeadCommit, type RepoInfo } from './git.js';

export const COMMIT_JOURNAL_DIR = 'commits';
const ENTRY_HEADER = 'cwt-commit v1';
const ENTRY = /^commit-[0-9]+-[0-9]+-[0-9a-f]{40,64}$/;
const TAKEN = /^(commit-[0-9]+-[0-9]+-[0-9a-f]{40,64})\.taken-([0-9]+)$/;
/** Written by pre-commit into the checkout's git dir, consumed by post-commit: the pid of the `git commit`. */
export const PRE_COMMIT_MARKER = 'cwt-pre-commit';
/** Reflog messages of `git commit` (which runs pre-commit unless --no-verify), not of rebase or cherry-pick. */
const COMMIT_REFLOG = /^commit(?: \((?:amend|initial|merge)\))?: /;

export interface JournaledCommit {
  sha: string;
  /** The branch the commit was made on; '' when HEAD was detached. */
  branch: string;
  /** Where it was made, as `git rev-parse` said in the hook (so the replay need not ask again). */
  repo: RepoInfo;
  gitPid: number;
  skipCheck: string;
  cwtSession: string;
  claudeSession: string;
  at: number;
}

export function getCommitJournalDir(cwtHome: string): string {
  return join(cwtHome, COMMIT_JOURNAL_DIR);
}

/** Parses an entry's text; undefined when it is not one the shim writes. Pure. */
export function parseJournalEntry(text: string, at: number): JournaledCommit | undefined {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (lines.length !== 10 || lines[0] !== ENTRY_HEADER) return undefined;
  const [, sha = '', ref = '', topLevel = '', gitDir = '', rawCommon = '', pid = '', skipCheck = '', cwtSession = '', claudeSession = ''] = lines;
  if (!/^[0-9a-f]{40,64}$/.test(sha) || !/^[0-9]+$/.test(pid) || !isAbsolute(topLevel) || !isAbsolute(gitDir) || rawCommon === '') return undefined;
  if (ref !== 'HEAD' && !ref.startsWith('refs/heads/')) return undefined;
  const commonDir = isAbsolute(rawCommon) ? rawCommon : resolve(topLevel, rawCommon);
  const repo: RepoInfo = { topLevel, gitDir, commonDir, mainWorktree: dirname(commonDir), isLinkedWorktree: resolve(gitDir) !== resolve(commonDir) };
  return { sha, branch: ref === 'HEAD' ? '' : ref.slice('refs/heads/'.length), repo, gitPid: Number(pid), skipCheck, cwtSession, claudeSession, at };
}

/** True when the journal holds anything to replay: one readdir, for every reader's start. */
export function hasJournaledCommits(cwtHome: string): boolean {
  try {
    return readdirSync(getCommitJournalDir(cwtHome)).some((name) => ENTRY.test(name) || TAKEN.test(name));
  } catch {
    return false;
  }
}

function isSet(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

/**
 * Whether `sha` was made by `git commit`, which runs pre-commit unless told not to: a reflog entry moved HEAD
 * to `sha` with a commit message. Rebase, cherry-pick and revert commit without pre-commit. Pure.
 */
export function isMadeByGitCommit(reflogLine: string | undefined, sha: string): boolean {
  if (reflogLine === undefined) return false;
  const tab = reflogLine.indexOf('\t');
  const [, to] = reflogLine.slice(0, tab).split(' ');
  return tab !== -1 && to === sha && COMMIT_REFLOG.test(reflogLine.slice(tab + 1));
}

/** The last reflog line of HEAD that moved it to `sha`, reading only the file's tail (a reflog can be long). */
export function findReflogLine(gitDir: string, sha: string): string | undefined {
  const path = join(gitDir, 'logs', 'HEAD');
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const size = statSync(path).size;
    const length = Math.min(size, 64 * 1024);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    const lines = buffer.toString('utf8').replace(/\n$/, '').split('\n');
    for (let i = lines.length - 1; i >= 0; i--) {
      const [, to] = lines[i]!.slice(0, lines[i]!.indexOf('\t')).split(' ');
      if (to === sha) return lines[i];
    }
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * True when this commit's pre-commit ran: its marker names this git process. The marker goes when it is
 * this commit's, and stays when it names another (a pre-commit running now, for the next commit).
 */
function consumePreCommitMarker(gitDir: string, gitPid: number): boolean {
  const path = join(gitDir, PRE_COMMIT_MARKER);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return false;
  }
  if (text.trim() !== String(gitPid)) return false;
  rmSync(path, { force: true });
  return true;
}

export interface CommitFacts {
  repo: RepoInfo;
  commit: HeadCommit;
  branch: string;
  session: SessionRecord | undefined;
  gitPid: number;
  skipCheck: boolean;
  at: number;
}

/**
 * post-commit's bookkeeping for one commit, whether git's hook runs it (Node in the hook) or a reader
 * replays it from the journal: the bypass event for a --no-verify commit, then the commit recorded (tip,
 * claims released, event) in one transaction.
 */
export async function recordCommitFacts(store: Store, facts: CommitFacts): Promise<void> {
  const { repo, commit, branch, session, at } = facts;
  const verified = consumePreCommitMarker(repo.gitDir, facts.gitPid);
  if (!verified && !facts.skipCheck && isMadeByGitCommit(findReflogLine(repo.gitDir, commit.sha), commit.sha)) {
    await store.appendEvent({ kind: 'check.bypass', session: session?.id ?? null, repo: repo.commonDir, data: { reason: 'no-verify', sha: commit.sha, branch, worktree: repo.topLevel } });
  }
  await store.recordCommit(
    { repo: repo.commonDir, sha: commit.sha, session: session?.id ?? null, branch, at },
    {
      advanceTip: session !== undefined && branch === session.branch,
      releasePaths: session ? commit.paths.map((path) => join(session.worktree, path)) : [],
      event: {
        kind: 'commit',
        session: session?.id ?? null,
        repo: repo.commonDir,
        data: { sha: commit.sha, branch, subject: commit.subject, worktree: repo.topLevel, files: commit.paths.length, checked: verified },
      },
    },
  );
}

async function replayEntry(store: Store, entry: JournaledCommit, env: NodeJS.ProcessEnv): Promise<void> {
  const { repo } = entry;
  // The worktree is gone: nothing of it is left to keep track of.
  if (!existsSync(repo.gitDir) || !existsSync(repo.topLevel)) return;
  const open = await store.listSessions({ repo: repo.commonDir });
  if (open.length === 0) return;
  const commit = await getCommit(entry.sha, repo.topLevel);
  if (!commit) return; // not a commit of this repository (any more)
  // The session is found the way post-commit found it: by the variables of the committing process first.
  const clues = { ...env, CWT_SESSION: entry.cwtSession || undefined, CLAUDE_CODE_SESSION_ID: entry.claudeSession || undefined };
  const session = await findCheckoutSession(store, repo.topLevel, clues);
  await recordCommitFacts(store, { repo, commit, branch: entry.branch, session, gitPid: entry.gitPid, skipCheck: isSet(entry.skipCheck), at: entry.at });
}

const REPLAY_LOCK = '.replay.lock';
/** How long a reader waits for another reader's replay before it reads without (its entries stay queued). */
const REPLAY_WAIT_MS = 5_000;

/**
 * One replayer at a time, so that commits are recorded in order (a session's tip never moves back): a lock
 * file naming its pid, created exclusively; one whose process is gone is moved aside and checked before it
 * is removed, so a fresh lock is never taken for a stale one by mistake.
 */
async function takeReplayLock(dir: string): Promise<(() => void) | undefined> {
  const path = join(dir, REPLAY_LOCK);
  const deadline = Date.now() + REPLAY_WAIT_MS;
  for (;;) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx', mode: 0o600 });
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return undefined;
    }
    const holder = Number(readTextOrEmpty(path));
    if (holder > 0 && !isPidAlive(holder)) {
      const aside = `${path}.stale-${process.pid}`;
      try {
        renameSync(path, aside);
        if (Number(readTextOrEmpty(aside)) !== holder) linkSync(aside, path); // a fresh lock: put it back
      } catch {
        // Another reader is at it.
      }
      rmSync(aside, { force: true });
      continue;
    }
    if (Date.now() >= deadline) return undefined;
    await sleep(5);
  }
}

/**
 * Entries are replayed only from a directory that is this user's and writable by no one else (the shim makes
 * it 0700): an entry names a checkout where git will run.
 */
function isPrivateDir(dir: string): boolean {
  try {
    const stat = lstatSync(dir);
    const uid = typeof process.getuid === 'function' ? process.getuid() : stat.uid;
    return stat.isDirectory() && stat.uid === uid && (stat.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

function readTextOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/**
 * Replays the journal, oldest commit first, under the replay lock; each entry is taken (renamed) before it is recorded and removed
 * after. A malformed entry is dropped. An entry that fails (the store busy past its timeout) is put back for
 * the next reader, and the replay stops there so that commits stay in order.
 */
export async function replayCommitJournal(store: Store, cwtHome: string, env: NodeJS.ProcessEnv): Promise<void> {
  const dir = getCommitJournalDir(cwtHome);
  if (!hasJournaledCommits(cwtHome) || !isPrivateDir(dir)) return;
  const unlock = await takeReplayLock(dir);
  if (!unlock) return;
  try {
    await replayLocked(store, dir, env);
  } finally {
    unlock();
  }
}

async function replayLocked(store: Store, dir: string, env: NodeJS.ProcessEnv): Promise<void> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  const candidates: Array<{ name: string; original: string; mtime: number }> = [];
  for (const name of names) {
    const taken = TAKEN.exec(name);
    // Taken by a process that is still replaying it: its business.
    if (taken && isPidAlive(Number(taken[2]))) continue;
    if (!taken && !ENTRY.test(name)) continue;
    try {
      candidates.push({ name, original: taken ? taken[1]! : name, mtime: statSync(join(dir, name)).mtimeMs });
    } catch {
      // Taken meanwhile.
    }
  }
  candidates.sort((a, b) => a.mtime - b.mtime || a.original.localeCompare(b.original));
  for (const candidate of candidates) {
    const mine = join(dir, `${candidate.original}.taken-${process.pid}`);
    try {
      renameSync(join(dir, candidate.name), mine);
    } catch {
      continue; // another reader took it
    }
    const entry = parseJournalEntry(readFileSync(mine, 'utf8'), Math.trunc(candidate.mtime));
    try {
      if (entry) await replayEntry(store, entry, env);
    } catch (error) {
      renameSync(mine, join(dir, candidate.original));
      throw error;
    }
    rmSync(mine, { force: true });
  }
}
