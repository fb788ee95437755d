/**
 * The commit check (`cwt check`, and what the pre-commit hook runs), in three parts:
 *   1. foreign commits: the branch tip moved past the tip this checkout's session last saw, by commits the
 *      session did not make (recorded by post-commit) -> block;
 *   2. staged paths another live session in this same checkout claims -> block;
 *   3. staged paths that sibling sessions changed in their worktrees (uncommitted, or committed on their
 *      branch since the merge base) -> warn, with the conflict `git merge-tree` predicts; strict blocks.
 * Without a session in this checkout only part 3 runs. Read-only but for git objects nobody references
 * (merge-tree's result, the scratch commits it merges), which git's gc collects.
 *
 * Hot path (every commit): node:* modules, git.ts, the store and small core modules only.
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isClaimBinding, type ClaimPolicy } from '../coordination/claims.js';
import type { Config } from '../config/config.js';
import {
  commitWorktreeFiles,
  createDanglingCommit,
  getCurrentBranch,
  getHeadAndBranch,
  listChangedPathsIn,
  listBranchesNotMergedInto,
  listCommitsBetween,
  listPathsChangedSince,
  listWorktrees,
  listStagedPaths,
  predictMerge,
  readBlobAt,
  writeTree,
  type CommitInfo,
  type RepoInfo,
  type WorktreeEntry,
} from './git.js';
import { listSiblingChanges } from './siblingchanges.js';
import { createLivenessProbe, getHostId } from '../sessions/liveness.js';
import { toRealPath } from '../fs/paths.js';
import { randomHex } from '../util/random.js';
import { debug } from '../util/debug.js';
import { findCurrentSession, getSessionState, getRepoKey } from '../sessions/sessions.js';
import type { ClaimRecord, SessionRecord, Store } from '../store/store.js';

/** Above this many paths, sibling worktrees are asked about all their changes and the answer is filtered. */
const MAX_PATHSPEC = 500;
const MAX_HUNKS_PER_FILE = 3;
const MAX_HUNK_LINES = 24;

export interface ForeignCommit extends CommitInfo {
  /** The session that made it, when a post-commit hook recorded one. */
  madeBy: SessionRecord | null;
}

export interface ClaimedPath {
  path: string;
  claim: ClaimRecord;
  holder: SessionRecord;
}

export interface OverlapPath {
  path: string;
  /** How the sibling changed it: uncommitted in its worktree, committed on its branch, or both. */
  how: 'uncommitted' | 'committed' | 'both';
}

export interface PredictedConflict {
  path: string;
  /** Conflict hunks from the predicted merge, markers labelled; empty for a conflict with no text hunk. */
  hunks: string[][];
}

export interface SiblingOverlap {
  /** The sessions working in that worktree (usually one). */
  sessions: SessionRecord[];
  worktree: string;
  branch: string;
  paths: OverlapPath[];
  conflicts: PredictedConflict[];
  /** Why no prediction could be made, when it could not. */
  predictionError?: string;
}

export interface CommitCheckReport {
  /** The checkout's session; undefined when it has none (only part 3 ran). */
  session: SessionRecord | undefined;
  branch: string;
  /** The tip the session had seen, when part 1 ran. */
  knownTip: string | undefined;
  /** The paths checked: staged (or, without --staged, changed in the worktree). */
  paths: string[];
  foreign: ForeignCommit[];
  claimed: ClaimedPath[];
  overlaps: SiblingOverlap[];
  strict: boolean;
  blocked: boolean;
}

/**
 * The session a git operation in checkout `topLevel` belongs to: $CWT_SESSION (agents cwt launches export it,
 * and their shell tools inherit it), else the Claude Code session running the command ($CLAUDE_CODE_SESSION_ID,
 * which Claude Code sets for its Bash tool, linked to a cwt session by the hooks), else the cwt session whose
 * worktree this is. A clue naming a session of another checkout (an agent committing elsewhere) is ignored.
 */
export async function findCheckoutSession(store: Store, topLevel: string, env: NodeJS.ProcessEnv): Promise<SessionRecord | undefined> {
  const here = toRealPath(topLevel);
  const isHere = (session: SessionRecord | undefined) => session !== undefined && toRealPath(session.worktree) === here;
  for (const clues of [{ cwtSession: env.CWT_SESSION }, { claudeSession: env.CLAUDE_CODE_SESSION_ID }, { cwd: topLevel, host: getHostId(env) }]) {
    if (Object.values(clues)[0] === undefined || Object.values(clues)[0] === '') continue;
    const session = await findCurrentSession(store, clues);
    if (isHere(session)) return session;
  }
  return undefined;
}

/**
 * A commit made with a session's identity ($CWT_SESSION, or a Claude Code session id linked to it) in a
 * checkout that is not the session's and onto a branch that is not the session's: a conversation that ended up
 * in the wrong checkout (a resumed one that runs in the main checkout, say). Returns that session and the
 * branch being committed to; undefined for the usual commits (a session in its own worktree, a person without
 * a session's identity, an identity of another repository or of an adopted tab, which belongs to its checkout).
 */
export async function findMisplacedSession(store: Store, repo: Pick<RepoInfo, 'topLevel' | 'commonDir'>, env: NodeJS.ProcessEnv): Promise<{ session: SessionRecord; branch: string } | undefined> {
  const here = toRealPath(repo.topLevel);
  for (const clues of [{ cwtSession: env.CWT_SESSION }, { claudeSession: env.CLAUDE_CODE_SESSION_ID }]) {
    const value = Object.values(clues)[0];
    if (value === undefined || value === '') continue;
    const session = await findCurrentSession(store, clues);
    if (session === undefined || session.kind !== 'cwt' || session.repo !== repo.commonDir) continue;
    if (toRealPath(session.worktree) === here) return undefined;
    const branch = await getCurrentBranch(repo.topLevel);
    return branch === session.branch ? undefined : { session, branch };
  }
  return undefined;
}

/** Part 1, pure: the commits of the range that the session did not make. */
export function selectForeignCommits(range: readonly CommitInfo[], madeBy: ReadonlyMap<string, string | null>, session: string, sessions: ReadonlyMap<string, SessionRecord>): ForeignCommit[] {
  return range
    .filter((commit) => madeBy.get(commit.sha) !== session)
    .map((commit) => {
      const maker = madeBy.get(commit.sha);
      return { ...commit, madeBy: maker == null ? null : (sessions.get(maker) ?? null) };
    });
}

/** Part 2, pure: staged paths claimed in this checkout by another session whose claim still binds. */
export function selectClaimedPaths(
  paths: readonly string[],
  claims: readonly ClaimRecord[],
  session: SessionRecord,
  sessions: ReadonlyMap<string, SessionRecord>,
  policy: ClaimPolicy,
): ClaimedPath[] {
  const staged = new Set(paths);
  const here = toRealPath(session.worktree);
  const found: ClaimedPath[] = [];
  for (const claim of claims) {
    if (claim.session === session.id || !staged.has(claim.relPath) || toRealPath(claim.checkout) !== here) continue;
    const holder = sessions.get(claim.session);
    if (holder && isClaimBinding(claim, holder, policy)) found.push({ path: claim.relPath, claim, holder });
  }
  return found.sort((a, b) => a.path.localeCompare(b.path));
}

/**
 * The conflict hunks of a file merge-tree wrote with markers: each from `<<<<<<<` to `>>>>>>>`, the marker
 * labels (commit ids) replaced by `ours`/`theirs`, at most a few hunks of a few lines. Pure.
 */
export function extractConflictHunks(text: string, labels: { ours: string; theirs: string }): string[][] {
  const hunks: string[][] = [];
  let hunk: string[] | undefined;
  for (const line of text.split('\n')) {
    if (hunk === undefined) {
      if (!line.startsWith('<<<<<<<')) continue;
      if (hunks.length === MAX_HUNKS_PER_FILE) break;
      hunk = [`<<<<<<< ${labels.ours}`];
    } else if (line.startsWith('>>>>>>>')) {
      hunk.push(`>>>>>>> ${labels.theirs}`);
      hunks.push(hunk.length > MAX_HUNK_LINES ? [...hunk.slice(0, MAX_HUNK_LINES - 2), `… ${hunk.length - MAX_HUNK_LINES + 1} more line(s)`, hunk.at(-1)!] : hunk);
      hunk = undefined;
    } else {
      hunk.push(line);
    }
  }
  return hunks;
}

/** Merges what is staged with each sibling's overlapping changes, lazily building the commits merge-tree needs. */
class MergePredictor {
  private ours: Promise<string> | undefined;
  private readonly scratch: string[] = [];

  constructor(
    private readonly topLevel: string,
    private readonly head: string,
    private readonly staged: boolean,
    private readonly paths: readonly string[],
    private readonly indexFile: string | undefined,
  ) {}

  private scratchIndex(): string {
    const path = join(tmpdir(), `cwt-check-${process.pid}-${randomHex(4)}.index`);
    this.scratch.push(path);
    return path;
  }

  private oursCommit(): Promise<string> {
    this.ours ??= this.staged
      ? writeTree(this.topLevel, this.indexFile).then((tree) => createDanglingCommit(tree, this.head, 'cwt check: staged changes', this.topLevel))
      : commitWorktreeFiles(this.head, this.topLevel, this.paths.filter(isSafeStdinPath), this.scratchIndex(), this.topLevel);
    return this.ours;
  }

  async predict(sibling: { worktree: string; head: string; uncommitted: string[]; label: string }, overlap: readonly string[]): Promise<PredictedConflict[]> {
    const theirs =
      sibling.uncommitted.length > 0
        ? await commitWorktreeFiles(sibling.head, sibling.worktree, sibling.uncommitted.filter(isSafeStdinPath), this.scratchIndex(), this.topLevel)
        : sibling.head;
    const merge = await predictMerge(await this.oursCommit(), theirs, this.topLevel);
    const wanted = new Set(overlap);
    const conflicts: PredictedConflict[] = [];
    for (const path of merge.conflicted.filter((name) => wanted.has(name))) {
      const text = await readBlobAt(merge.tree, path, this.topLevel);
      const labels = { ours: this.staged ? 'staged here' : 'changed here', theirs: sibling.label };
      conflicts.push({ path, hunks: text === undefined ? [] : extractConflictHunks(text, labels) });
    }
    return conflicts;
  }

  dispose(): void {
    for (const path of this.scratch) rmSync(path, { force: true });
  }
}

/** Paths `hash-object --stdin-paths` and `update-index --index-info` can take (one per line). */
function isSafeStdinPath(path: string): boolean {
  return !path.includes('\n');
}

export interface CommitCheckOptions {
  store: Store;
  repo: RepoInfo;
  env: NodeJS.ProcessEnv;
  config: Config;
  /** Check the index (a commit about to happen) rather than every change in the worktree. */
  staged: boolean;
  /** The index being committed (a pre-commit hook's GIT_INDEX_FILE), absolute. */
  indexFile?: string;
  strict: boolean;
  /** Open sessions of the repository, when the caller already has them. */
  sessions?: SessionRecord[];
}

/** Runs the three parts and says whether the commit should be blocked. */
export async function runCommitCheck(options: CommitCheckOptions): Promise<CommitCheckReport> {
  const { store, repo, env, config } = options;
  const topLevel = repo.topLevel;
  const sessions = options.sessions ?? (await store.listSessions({ repo: repo.commonDir }));
  const byId = new Map(sessions.map((session) => [session.id, session]));
  // What part 3 asks git about the repository (every worktree's HEAD, the branches HEAD lacks) needs only the
  // checkout: started beside the first calls, so the siblings' status calls come one round of git sooner.
  const here = toRealPath(topLevel);
  const lookups = sessions.some((other) => other.state !== 'ended' && toRealPath(other.worktree) !== here) ? startSiblingLookups(topLevel) : undefined;
  const [session, { head, branch }, paths] = await Promise.all([
    findCheckoutSession(store, topLevel, env),
    getHeadAndBranch(topLevel),
    options.staged ? listStagedPaths(topLevel, options.indexFile) : listChangedPathsIn(topLevel, []).then((entries) => entries.map((entry) => entry.path)),
  ]);
  debug('check', `head, branch and ${paths.length} staged path(s) read`);
  const probe = createLivenessProbe(config.sessionTtlMs, env);
  const isLive = (other: SessionRecord) => getSessionState(other, probe) === 'live';
  const report: CommitCheckReport = { session, branch, knownTip: undefined, paths, foreign: [], claimed: [], overlaps: [], strict: options.strict, blocked: false };

  const [foreign, claimed, overlaps] = await Promise.all([
    session ? checkForeignCommits(store, repo, session, branch, head, report) : [],
    session ? store.listClaims({ repo: getRepoKey(session) }).then((claims) => selectClaimedPaths(paths, claims, session, byId, { mode: config.claimMode, claimTtlMs: config.claimTtlMs, now: probe.now, isLive })) : [],
    checkSiblings(sessions, topLevel, head, paths, options, lookups),
  ]);
  Object.assign(report, { foreign, claimed, overlaps });
  report.blocked = foreign.length > 0 || claimed.length > 0 || (options.strict && overlaps.length > 0);
  return report;
}

async function checkForeignCommits(store: Store, repo: RepoInfo, session: SessionRecord, branch: string, head: string | undefined, report: CommitCheckReport): Promise<ForeignCommit[]> {
  // The tip is the session's own branch's; on another branch (a checkout switched away) there is nothing to compare.
  const tip = session.knownTip ?? session.baseCommit;
  if (head === undefined || tip === '' || branch === '' || branch !== session.branch || tip === head) {
    if (tip !== '' && branch === session.branch) report.knownTip = tip;
    return [];
  }
  report.knownTip = tip;
  const range = await listCommitsBetween(tip, head, repo.topLevel);
  if (range === undefined || range.length === 0) return [];
  const recorded = await store.listCommits(repo.commonDir, range.map((commit) => commit.sha));
  const madeBy = new Map(recorded.map((commit) => [commit.sha, commit.session]));
  const makers = new Map<string, SessionRecord>();
  for (const id of new Set(recorded.map((commit) => commit.session))) {
    const maker = id === null ? undefined : await store.getSession(id);
    if (maker) makers.set(maker.id, maker);
  }
  return selectForeignCommits(range, madeBy, session.id, makers);
}

interface SiblingLookups {
  worktrees: Promise<WorktreeEntry[]>;
  /** Branches with commits HEAD lacks; only awaited when HEAD is a commit (it fails on an unborn branch). */
  unmerged: Promise<Set<string>>;
}

function startSiblingLookups(topLevel: string): SiblingLookups {
  const lookups = { worktrees: listWorktrees(topLevel), unmerged: listBranchesNotMergedInto('HEAD', topLevel) };
  // Awaited later (or, for nothing to check, never): a failure then is the check's error, not an unhandled one.
  lookups.worktrees.catch(() => {});
  lookups.unmerged.catch(() => {});
  return lookups;
}

async function checkSiblings(
  sessions: readonly SessionRecord[],
  topLevel: string,
  head: string | undefined,
  paths: readonly string[],
  options: CommitCheckOptions,
  lookups: SiblingLookups | undefined,
): Promise<SiblingOverlap[]> {
  if (paths.length === 0) return [];
  const here = toRealPath(topLevel);
  const byWorktree = new Map<string, SessionRecord[]>();
  for (const other of sessions) {
    if (other.state === 'ended' || toRealPath(other.worktree) === here) continue;
    byWorktree.set(other.worktree, [...(byWorktree.get(other.worktree) ?? []), other]);
  }
  if (byWorktree.size === 0) return [];
  const ours = new Set(paths);
  const pathspec = paths.length > MAX_PATHSPEC ? [] : paths;
  // Every worktree's HEAD in one call, and which branches hold commits ours lacks: a sibling whose branch
  // has nothing we do not have changed nothing there since the merge base, and needs no diff.
  const [entries, unmerged] = await Promise.all([
    lookups?.worktrees ?? listWorktrees(topLevel),
    head === undefined ? new Set<string>() : (lookups?.unmerged ?? listBranchesNotMergedInto(head, topLevel)),
  ]);
  const heads = new Map(entries.map((entry) => [toRealPath(entry.path), entry]));
  const predictor = head === undefined ? undefined : new MergePredictor(topLevel, head, options.staged, paths, options.indexFile);
  try {
    const results = await Promise.all(
      [...byWorktree].map(async ([worktree, owners]): Promise<SiblingOverlap | undefined> => {
        const entry = heads.get(toRealPath(worktree));
        // A worktree git no longer knows (removed, pruned) has nothing to merge; cwt gc and cwt doctor speak of it.
        if (!entry || entry.prunable !== null || entry.head === null) return undefined;
        const theirHead = entry.head;
        const theirBranch = entry.branch?.replace(/^refs\/heads\//, '');
        let uncommitted: string[];
        try {
          // Read from the sibling's index and lstat where that is certain; git status where it is not.
          const known = pathspec.length === 0 ? undefined : await listSiblingChanges(worktree, theirHead, pathspec, options.repo.commonDir, topLevel).catch(() => undefined);
          debug('check', `${worktree}: ${known === undefined ? 'git status' : 'from its index'}`);
          uncommitted = known ?? (await listChangedPathsIn(worktree, pathspec)).map((change) => change.path).filter((path) => ours.has(path));
        } catch {
          return undefined;
        }
        const mayHaveCommitted = head !== undefined && theirHead !== head && (theirBranch === undefined || unmerged.has(theirBranch));
        const committed = mayHaveCommitted ? (await listPathsChangedSince(head, theirHead, pathspec, topLevel)).filter((path) => ours.has(path)) : [];
        if (uncommitted.length === 0 && committed.length === 0) return undefined;
        const dirty = new Set(uncommitted);
        const both = new Set(committed.filter((path) => dirty.has(path)));
        const overlap: OverlapPath[] = [...new Set([...uncommitted, ...committed])].sort().map((path) => ({
          path,
          how: both.has(path) ? 'both' : dirty.has(path) ? 'uncommitted' : 'committed',
        }));
        const branch = owners.find((owner) => owner.branch !== '')?.branch ?? '';
        const result: SiblingOverlap = { sessions: owners, worktree, branch, paths: overlap, conflicts: [] };
        if (predictor) {
          try {
            result.conflicts = await predictor.predict({ worktree, head: theirHead, uncommitted, label: branch || worktree }, overlap.map((entry) => entry.path));
          } catch (error) {
            result.predictionError = error instanceof Error ? error.message.split('\n')[0] : String(error);
          }
        }
        return result;
      }),
    );
    return results.filter((result): result is SiblingOverlap => result !== undefined);
  } finally {
    predictor?.dispose();
  }
}

/** Resolves a hook's GIT_INDEX_FILE (git may pass it relative to the checkout's top level). */
export function resolveIndexFile(value: string | undefined, topLevel: string): string | undefined {
  return value === undefined || value === '' ? undefined : resolve(topLevel, value);
}
