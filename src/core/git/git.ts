/**
 * The only module that runs git. Arguments are arrays (never a shell string), every call has an explicit
 * `cwd`, stdout comes back trimmed, and a failure is a GitError carrying the args, code and stderr.
 * Porcelain and -z output is parsed by pure functions exported for table tests.
 *
 * Deliberately built on node:child_process rather than simple-git or execa: both cost 30–95 ms to import,
 * and this module is reached from hot paths (git hooks, status).
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { debug, getClockMs } from '../util/debug.js';
import { EnvironmentError, GitError } from '../util/errors.js';
import { MESSAGES } from '../../texts/messages.js';
import { discoverRepo } from './discover.js';
import { isBranchNear, isPlainBranchName, readBranchesNear, readHeadCommit, readLocalBranches, readWorktreeBranches, type WorktreeBranch } from './localrefs.js';

/** Variables a git hook inherits that would point git at the wrong repository when run elsewhere. */
const INHERITED_GIT_VARIABLES = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_PREFIX', 'GIT_COMMON_DIR'];

export interface GitOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Text for git's stdin. */
  input?: string;
  /** Exit codes that are answers rather than failures (e.g. 1 for `merge-base --is-ancestor`). */
  okCodes?: readonly number[];
  /** false keeps stdout byte for byte (file contents); by default trailing whitespace is trimmed. */
  trim?: boolean;
  /**
   * The index git should use (GIT_INDEX_FILE), set deliberately: inherited variables are always dropped, but
   * inside a pre-commit hook the index being committed is the one git named (`commit -a`, `commit <paths>`).
   */
  indexFile?: string;
  /**
   * git's messages in the user's language instead of LC_ALL=C: for a command whose output cwt never reads. A
   * 20,000-file `git worktree add` took ~40 ms (5%) longer under LC_ALL=C than in the C.UTF-8 locale here
   * (interleaved runs, measured).
   */
  userLocale?: boolean;
}

export interface GitResult {
  stdout: string;
  code: number;
}

function gitEnv(base: NodeJS.ProcessEnv | undefined, indexFile: string | undefined, userLocale = false): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...(base ?? process.env) };
  for (const name of INHERITED_GIT_VARIABLES) delete env[name];
  if (indexFile !== undefined) env.GIT_INDEX_FILE = indexFile;
  // Read-only commands such as `git status` must not take index.lock in a sibling's worktree.
  env.GIT_OPTIONAL_LOCKS = '0';
  env.GIT_TERMINAL_PROMPT = '0';
  // Output cwt parses, in git's own words.
  if (!userLocale) env.LC_ALL = 'C';
  return env;
}

/** Runs git and returns its full result; throws GitError unless the exit code is 0 or in okCodes. */
export async function runGitResult(args: readonly string[], options: GitOptions): Promise<GitResult> {
  const started = getClockMs();
  // Loaded with the first git call: node:child_process (and the net and stream modules it brings) costs a
  // process that reads the repository from its files alone (discover.ts) several ms.
  const { spawn } = await import('node:child_process');
  return new Promise((resolvePromise, reject) => {
    const stdin = options.input === undefined ? 'ignore' : 'pipe';
    const child = spawn('git', args, { cwd: options.cwd, env: gitEnv(options.env, options.indexFile, options.userLocale), stdio: [stdin, 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') reject(new EnvironmentError(MESSAGES.gitMissing));
      else reject(error);
    });
    child.on('close', (code) => {
      debug('git', `${args.join(' ')} -> ${code} (${(getClockMs() - started).toFixed(1)}ms)`);
      const stdout = Buffer.concat(out).toString('utf8');
      if (code === 0 || (code !== null && options.okCodes?.includes(code))) {
        resolvePromise({ stdout: options.trim === false ? stdout : stdout.replace(/\s+$/, ''), code: code ?? 0 });
      } else {
        reject(new GitError(args, code, Buffer.concat(err).toString('utf8'), options.cwd));
      }
    });
    if (child.stdin) {
      // git may exit before reading its input; the exit code tells what happened, not the broken pipe.
      child.stdin.on('error', () => {});
      child.stdin.end(options.input);
    }
  });
}

/** Runs git and returns trimmed stdout. */
export async function runGit(args: readonly string[], options: GitOptions): Promise<string> {
  return (await runGitResult(args, options)).stdout;
}

export interface RepoInfo {
  /** Top level of the checkout that contains cwd. */
  topLevel: string;
  /** This checkout's git dir (for a linked worktree: <common>/worktrees/<name>). */
  gitDir: string;
  /** The repository's common git dir: the identity of the repository shared by all its worktrees. */
  commonDir: string;
  /** The main checkout (the directory holding the common dir), which Claude Code keys memory by. */
  mainWorktree: string;
  /** True when cwd is in a linked worktree rather than the main checkout. */
  isLinkedWorktree: boolean;
}

/** Resolves top level, git dir and common dir in one rev-parse; throws EnvironmentError outside a repo. */
export async function resolveRepo(cwd: string, env?: NodeJS.ProcessEnv): Promise<RepoInfo> {
  let stdout: string;
  try {
    stdout = await runGit(['rev-parse', '--show-toplevel', '--absolute-git-dir', '--git-common-dir'], { cwd, env });
  } catch (error) {
    if (error instanceof GitError) {
      throw new EnvironmentError(MESSAGES.notAGitRepo(cwd), { hint: MESSAGES.notAGitRepoHint });
    }
    throw error;
  }
  const [topLevel, gitDir, rawCommon] = stdout.split('\n');
  if (!topLevel || !gitDir || !rawCommon) throw new EnvironmentError(MESSAGES.bareRepo(cwd));
  return toRepoInfo(cwd, topLevel, gitDir, rawCommon);
}

/** RepoInfo from what `git rev-parse --show-toplevel --absolute-git-dir --git-common-dir` printed in `cwd`. */
function toRepoInfo(cwd: string, topLevel: string, gitDir: string, rawCommon: string): RepoInfo {
  // --git-common-dir is relative to cwd when not absolute.
  const commonDir = isAbsolute(rawCommon) ? rawCommon : resolve(cwd, rawCommon);
  return {
    topLevel,
    gitDir,
    commonDir,
    mainWorktree: dirname(commonDir),
    isLinkedWorktree: resolve(gitDir) !== resolve(commonDir),
  };
}

/**
 * A remote URL as `host/path`, so every clone of one remote agrees on it whatever the transport: scheme,
 * user, port and a trailing `.git` or `/` dropped, the host lower-cased; scp-style `user@host:path` read as
 * ssh. An absolute local path (or file://) stays a path. Undefined for an empty value or a relative path.
 */
export function normalizeRemoteUrl(url: string): string | undefined {
  const text = url.trim();
  if (text === '') return undefined;
  const strip = (path: string) => path.replace(/\/+$/, '').replace(/\.git$/, '').replace(/^\/+/, '');
  const scheme = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(text);
  if (scheme) {
    if (scheme[1]!.toLowerCase() === 'file') return `/${strip(scheme[2]!)}`;
    const rest = scheme[2]!;
    const slash = rest.indexOf('/');
    const authority = slash === -1 ? rest : rest.slice(0, slash);
    const host = authority.slice(authority.lastIndexOf('@') + 1).replace(/:\d*$/, '').toLowerCase();
    return `${host}/${strip(slash === -1 ? '' : rest.slice(slash))}`;
  }
  // scp-like: [user@]host:path (a colon before any slash), as ssh reads it.
  const scp = /^(?:[^@/]+@)?([^:/]+):(.+)$/.exec(text);
  if (scp) return `${scp[1]!.toLowerCase()}/${strip(scp[2]!)}`;
  // A relative path means nothing without the repository it is relative to.
  return isAbsolute(text) ? `/${strip(text)}` : undefined;
}

/**
 * The repository's identity across machines: its `origin` remote, normalised, or else its common git dir
 * (then only this machine's clones share it). Sessions of one repository on two machines have different
 * common dirs but the same identity.
 */
export async function resolveRepoIdentity(commonDir: string): Promise<string> {
  // exit 1: no such key.
  const { stdout, code } = await runGitResult(['config', '--get', 'remote.origin.url'], { cwd: commonDir, okCodes: [1] });
  if (code !== 0) return commonDir;
  // A relative local remote is relative to the main checkout.
  const url = /^[./]/.test(stdout) && !isAbsolute(stdout) ? resolve(dirname(commonDir), stdout) : stdout;
  return normalizeRemoteUrl(url) ?? commonDir;
}

/**
 * resolveRepo and resolveRepoIdentity with their two git calls side by side (`git config` from `cwd` reads the
 * same repository config as from its common dir): what `cwt status` and `cwt new` ask first. Undefined outside
 * a repository. `plain` is set when the layout was read from git's files (so may its refs be: PlainRepo).
 */
export async function resolveRepoAndIdentity(cwd: string, env?: NodeJS.ProcessEnv): Promise<{ repo: RepoInfo; identity: string; plain?: PlainRepo } | undefined> {
  // A plain layout is read from its files, as git would read it, without starting git (discover.ts).
  const found = discoverRepo(cwd, env ?? process.env);
  if (found === null) return undefined;
  if (found !== undefined) {
    const repo = toRepoInfo(cwd, found.topLevel, found.gitDir, found.rawCommonDir);
    // runGit trims git's output.
    return { repo, identity: toRepoIdentity(repo.commonDir, found.originUrl?.replace(/\s+$/, '')), plain: repo };
  }
  const [repo, origin] = await Promise.all([
    resolveRepo(cwd, env).catch(() => undefined),
    runGitResult(['config', '--get', 'remote.origin.url'], { cwd, env, okCodes: [1, 128] }).catch(() => undefined),
  ]);
  if (!repo) return undefined;
  return { repo, identity: toRepoIdentity(repo.commonDir, origin?.code === 0 ? origin.stdout : undefined) };
}

/** The identity from the origin URL git printed (undefined: none), as resolveRepoIdentity gives it. */
function toRepoIdentity(commonDir: string, originUrl: string | undefined): string {
  if (originUrl === undefined) return commonDir;
  // A relative local remote is relative to the main checkout.
  const url = /^[./]/.test(originUrl) && !isAbsolute(originUrl) ? resolve(dirname(commonDir), originUrl) : originUrl;
  return normalizeRemoteUrl(url) ?? commonDir;
}

/** True when git accepts `name` as a branch name (`git check-ref-format --branch`). */
export async function isValidBranchName(name: string, cwd: string): Promise<boolean> {
  // '-x' would read as an option to later commands; a lone '@' is accepted by git as refs/heads/@ but means
  // HEAD in revision syntax, so `git log @` would silently show the wrong branch.
  if (name === '' || name.startsWith('-') || name === '@') return false;
  // The plain names (most) are certainly git's; git judges the rest.
  if (isPlainBranchName(name)) return true;
  const result = await runGitResult(['check-ref-format', '--branch', name], { cwd, okCodes: [1, 128] });
  return result.code === 0 && result.stdout === name;
}

export interface WorktreeEntry {
  path: string;
  head: string | null;
  /** Full ref, e.g. refs/heads/feat/x; null when detached or bare. */
  branch: string | null;
  bare: boolean;
  detached: boolean;
  locked: string | null;
  prunable: string | null;
}

/** Parses `git worktree list --porcelain -z`. */
export function parseWorktreeList(output: string): WorktreeEntry[] {
  const entries: WorktreeEntry[] = [];
  let current: WorktreeEntry | null = null;
  for (const field of output.split('\0')) {
    if (field === '') {
      if (current) entries.push(current);
      current = null;
      continue;
    }
    const space = field.indexOf(' ');
    const key = space === -1 ? field : field.slice(0, space);
    const value = space === -1 ? '' : field.slice(space + 1);
    if (key === 'worktree') {
      if (current) entries.push(current);
      current = { path: value, head: null, branch: null, bare: false, detached: false, locked: null, prunable: null };
    } else if (current) {
      if (key === 'HEAD') current.head = value;
      else if (key === 'branch') current.branch = value;
      else if (key === 'bare') current.bare = true;
      else if (key === 'detached') current.detached = true;
      else if (key === 'locked') current.locked = value;
      else if (key === 'prunable') current.prunable = value;
    }
  }
  if (current) entries.push(current);
  return entries;
}

export async function listWorktrees(cwd: string): Promise<WorktreeEntry[]> {
  return parseWorktreeList(await runGit(['worktree', 'list', '--porcelain', '-z'], { cwd }));
}

/**
 * A repository whose layout was read from its files (resolveRepoAndIdentity's `plain`): its refs and worktree
 * HEADs may be read from files too (localrefs.ts), and git is asked only where that reader declines.
 */
export type PlainRepo = Pick<RepoInfo, 'commonDir' | 'mainWorktree' | 'gitDir'>;

/** The worktree that has `branch` checked out, if any. */
export async function findWorktreeOfBranch(branch: string, cwd: string, plain?: PlainRepo): Promise<WorktreeBranch | undefined> {
  const ref = `refs/heads/${branch}`;
  const worktrees = (plain && readWorktreeBranches(plain.commonDir, plain.mainWorktree)) ?? (await listWorktrees(cwd));
  return worktrees.find((entry) => entry.branch === ref);
}

export async function hasLocalBranch(branch: string, cwd: string, plain?: PlainRepo): Promise<boolean> {
  const fromFiles = plain && readBranchesNear(plain.commonDir, branch);
  if (fromFiles) return fromFiles.includes(branch);
  const result = await runGitResult(['show-ref', '--verify', '--quiet', `refs/heads/${branch}`], { cwd, okCodes: [1] });
  return result.code === 0;
}

/** The branch checked out in `cwd` (short form), or '' on a detached HEAD. */
export async function getCurrentBranch(cwd: string, env?: NodeJS.ProcessEnv): Promise<string> {
  // -q: exit 1 quietly when HEAD is detached instead of failing.
  return (await runGitResult(['symbolic-ref', '--short', '-q', 'HEAD'], { cwd, env, okCodes: [1] })).stdout;
}

/**
 * The local branches near `branch` (localrefs.ts isBranchNear: itself, a directory of it, inside it): whether it
 * exists and whether it clashes with another (findClashingBranch) tell from these alone.
 */
export async function listBranchesNear(branch: string, cwd: string, plain?: PlainRepo): Promise<string[]> {
  return (plain && readBranchesNear(plain.commonDir, branch)) ?? (await listLocalBranches(cwd)).filter((name) => isBranchNear(name, branch));
}

/** Local branch names (short form): from the files of a plain layout (localrefs.ts), else from git. */
export async function listLocalBranches(cwd: string, plain?: PlainRepo): Promise<string[]> {
  const fromFiles = plain && readLocalBranches(plain.commonDir);
  if (fromFiles) return fromFiles;
  // The full name, prefix dropped: %(refname:short) would print heads/x for a branch x when a tag x exists too.
  const stdout = await runGit(['for-each-ref', '--format=%(refname)', 'refs/heads/'], { cwd });
  return stdout === '' ? [] : stdout.split('\n').map((ref) => ref.slice('refs/heads/'.length));
}

/**
 * The existing branch that makes `branch` impossible to create because one name is a directory of the
 * other in refs/heads (`feat/x` vs `feat/x/y`). Pure.
 */
export function findClashingBranch(branch: string, existing: readonly string[]): string | undefined {
  return existing.find((other) => other.startsWith(`${branch}/`) || branch.startsWith(`${other}/`));
}

/**
 * HEAD's commit and the current branch (short, '' when detached) in one git call where HEAD is a commit: what
 * resolveCommit('HEAD') and getCurrentBranch say. `--abbrev-ref=loose` shortens as `symbolic-ref --short`
 * does (`heads/x` when a tag x exists too). On an unborn branch that call fails, and the two are asked apart.
 */
export async function getHeadAndBranch(cwd: string): Promise<{ head: string | undefined; branch: string }> {
  const result = await runGitResult(['rev-parse', 'HEAD^{commit}', '--abbrev-ref=loose', 'HEAD'], { cwd, okCodes: [1, 128] });
  const [head, branch, ...rest] = result.stdout.split('\n');
  if (result.code === 0 && rest.length === 0 && head !== undefined && /^[0-9a-f]{40,64}$/.test(head) && branch !== undefined && branch !== '') {
    // A branch cannot be named HEAD: the name means detached.
    return { head, branch: branch === 'HEAD' ? '' : branch };
  }
  const [unbornBranch, commit] = await Promise.all([getCurrentBranch(cwd), resolveCommit('HEAD', cwd)]);
  return { head: commit, branch: unbornBranch };
}

/**
 * Resolves a revision to a full commit id; undefined when it does not name a commit. `HEAD` in a repository read
 * from its files (PlainRepo) is read from them too (localrefs.ts readHeadCommit), git asked where that declines.
 */
export async function resolveCommit(rev: string, cwd: string, plain?: PlainRepo): Promise<string | undefined> {
  const fromFiles = rev === 'HEAD' && plain !== undefined ? readHeadCommit(plain.commonDir, plain.gitDir) : undefined;
  if (fromFiles !== undefined) return fromFiles ?? undefined;
  const result = await runGitResult(['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`], {
    cwd,
    okCodes: [1, 128],
  });
  return result.code === 0 && result.stdout !== '' ? result.stdout : undefined;
}

export interface AddWorktreeOptions {
  path: string;
  branch: string;
  /** Create `branch` from this commit; omit to check out the existing branch. */
  newBranchFrom?: string;
  lockReason?: string;
}

/** `git worktree add`, creating the branch when asked, locked with a reason when given. */
export async function addWorktree(options: AddWorktreeOptions, cwd: string): Promise<void> {
  const args = ['worktree', 'add'];
  if (options.lockReason !== undefined) args.push('--lock', '--reason', options.lockReason);
  // --no-track: the new branch does not inherit an upstream from the start point.
  if (options.newBranchFrom !== undefined) args.push('--no-track', '-b', options.branch);
  args.push('--end-of-options', options.path);
  args.push(options.newBranchFrom ?? options.branch);
  // Nothing of its output is read (a failure shows git's words as they are), and the checkout is faster so.
  await runGit(args, { cwd, userLocale: true });
}

/** Removes a worktree's directory and admin data; `force` discards local changes. */
export async function removeWorktree(path: string, cwd: string, force = false): Promise<void> {
  // A locked worktree needs the lock lifted first; `--force --force` would also override the lock.
  await unlockWorktree(path, cwd);
  await runGit(['worktree', 'remove', ...(force ? ['--force'] : []), '--end-of-options', path], { cwd });
}

export async function lockWorktree(path: string, reason: string, cwd: string): Promise<void> {
  const result = await runGitResult(['worktree', 'lock', '--reason', reason, '--end-of-options', path], {
    cwd,
    okCodes: [128],
  });
  // 128 with "already locked" is fine; anything else is a real failure.
  if (result.code !== 0) {
    const entries = await listWorktrees(cwd);
    if (!entries.some((entry) => entry.path === path && entry.locked !== null)) {
      throw new GitError(['worktree', 'lock', path], result.code, 'could not lock worktree', cwd);
    }
  }
}

/** Unlocks a worktree; not an error when it was not locked. */
export async function unlockWorktree(path: string, cwd: string): Promise<void> {
  await runGitResult(['worktree', 'unlock', '--end-of-options', path], { cwd, okCodes: [128] });
}

/** `git worktree prune`: drops admin data of worktrees whose directory is gone (locked ones are kept). */
export async function pruneWorktrees(cwd: string): Promise<void> {
  await runGit(['worktree', 'prune'], { cwd });
}

export interface StatusEntry {
  /** Two-letter XY code from porcelain v1, e.g. " M", "??", "A ". */
  code: string;
  path: string;
}

/** Parses `git status --porcelain -z` (v1): renames carry the old path as an extra field. */
export function parseStatusPorcelain(output: string): StatusEntry[] {
  const entries: StatusEntry[] = [];
  const fields = output.split('\0');
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    if (field.length < 4) continue;
    const code = field.slice(0, 2);
    entries.push({ code, path: field.slice(3) });
    if (code[0] === 'R' || code[0] === 'C') i++; // the source path follows
  }
  return entries;
}

/** Uncommitted changes in a worktree: modified, staged and untracked (not ignored) paths. */
export async function getWorktreeChanges(worktree: string): Promise<StatusEntry[]> {
  return parseStatusPorcelain(await runGit(['status', '--porcelain', '-z', '--untracked-files=all'], { cwd: worktree }));
}

export interface CommitSummary {
  sha: string;
  subject: string;
}

/**
 * Commits on `branch` that no other branch, remote-tracking branch, or the branch's upstream contains:
 * the work that deleting the branch would lose.
 */
export async function getUnmergedCommits(branch: string, cwd: string): Promise<CommitSummary[]> {
  const stdout = await runGit(
    [
      'log',
      '--format=%H%x09%s',
      `refs/heads/${branch}`,
      '--not',
      // --exclude applies to the next --branches: every local branch but this one.
      `--exclude=${branch}`,
      '--branches',
      '--remotes',
    ],
    { cwd },
  );
  if (stdout === '') return [];
  return stdout.split('\n').map((line) => {
    const tab = line.indexOf('\t');
    return { sha: line.slice(0, tab), subject: line.slice(tab + 1) };
  });
}

/** What removing a session's worktree (`worktree`) or its branch (`branch`) would lose. */
export interface WorkAtRisk {
  /** Uncommitted changes in the worktree. */
  changes: StatusEntry[];
  /** Commits of the branch that no other branch, remote-tracking branch or upstream holds. */
  commits: CommitSummary[];
}

/**
 * What removing the worktree and/or deleting the branch of `session` (a session, or a run that meant to be one)
 * would lose: `cwt end --remove`, the `claude -w` removal and a rolled-back `cwt new` all decide by it.
 */
export async function findWorkAtRisk(
  session: { worktree: string; branch: string; mainWorktree: string },
  scope: { worktree: boolean; branch: boolean },
): Promise<WorkAtRisk> {
  const changes = scope.worktree && existsSync(session.worktree) ? await getWorktreeChanges(session.worktree) : [];
  const commits =
    scope.branch && (await hasLocalBranch(session.branch, session.mainWorktree)) ? await getUnmergedCommits(session.branch, session.mainWorktree) : [];
  return { changes, commits };
}

export async function deleteBranch(branch: string, cwd: string, force = false): Promise<void> {
  await runGit(['branch', force ? '-D' : '-d', '--end-of-options', branch], { cwd });
}

/** True when `path` (relative to the worktree) is tracked by git there. */
export async function isTracked(path: string, worktree: string): Promise<boolean> {
  const result = await runGitResult(['ls-files', '--error-unmatch', '--', path], { cwd: worktree, okCodes: [1] });
  return result.code === 0;
}

/**
 * Which of `paths` (relative to the worktree's top level) git tracks there, each answered as isTracked would,
 * with one `ls-files` for all of them; with `at`, which of them the commit holds (one `ls-tree`), as a checkout
 * of it, still being made, will track them.
 */
export async function getTrackedPaths(paths: readonly string[], worktree: string, options: { at?: string } = {}): Promise<Map<string, boolean>> {
  // -z: names as they are; a path is tracked when it is a tracked file or holds one, as --error-unmatch says.
  // At a commit (a checkout's index is its tree until someone stages): -r lists the files under a directory,
  // --full-tree names them from the top level, as ls-files does from there.
  const args = options.at === undefined ? ['ls-files', '-z', '--', ...paths] : ['ls-tree', '-r', '-z', '--name-only', '--full-tree', options.at, '--', ...paths];
  const listed = splitNul(await runGit(args, { cwd: worktree }));
  return new Map(paths.map((path) => [path, listed.some((entry) => entry === path || entry.startsWith(`${path}/`))]));
}

/** Ignored files and directories (collapsed) in a checkout, relative to its top level. */
export async function listIgnoredPaths(topLevel: string): Promise<string[]> {
  const stdout = await runGit(['ls-files', '-z', '--others', '--ignored', '--exclude-standard', '--directory'], {
    cwd: topLevel,
  });
  return stdout.split('\0').filter((entry) => entry !== '');
}

export interface MergeFileResult {
  /** The merged text, conflicts written with diff3-style markers. */
  text: string;
  /** How many conflicts git found (capped at 127 by git's exit code). */
  conflicts: number;
}

/**
 * `git merge-file -p --diff3` on three files: merges without touching them and prints the result. Used as an
 * alternative line merger (CWT_MERGE_ENGINE=git) and measured against the in-process diff3 by the benchmark.
 */
export async function mergeFiles(paths: { ours: string; base: string; theirs: string }, labels: { ours: string; base: string; theirs: string }, cwd: string): Promise<MergeFileResult> {
  const result = await runGitResult(
    // -p: print the result instead of overwriting <ours>; -L thrice: the marker labels, in file order.
    ['merge-file', '-p', '--diff3', '-L', labels.ours, '-L', labels.base, '-L', labels.theirs, '--', paths.ours, paths.base, paths.theirs],
    // Exit code = number of conflicts; only a negative one (255 here) is a failure.
    { cwd, trim: false, okCodes: Array.from({ length: 127 }, (_, n) => n + 1) },
  );
  return { text: result.stdout, conflicts: result.code };
}

/** The installed git's version as [major, minor, patch], from `git --version`. */
export async function getGitVersion(cwd: string): Promise<[number, number, number] | undefined> {
  const match = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(await runGit(['--version'], { cwd }));
  return match ? [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)] : undefined;
}

/**
 * The hooks directory git runs hooks from in this checkout: core.hooksPath when set, else <common dir>/hooks.
 * `--git-path hooks` answers relative to the cwd when core.hooksPath is relative, and git resolves such a
 * path against the top level of the checkout running the hook, so this asks from the top level.
 */
export async function resolveHooksDir(topLevel: string): Promise<string> {
  return resolve(topLevel, await runGit(['rev-parse', '--git-path', 'hooks'], { cwd: topLevel }));
}

/** Splits NUL-terminated output (`-z`) into its fields. Pure. */
export function splitNul(output: string): string[] {
  return output.split('\0').filter((field) => field !== '');
}

/**
 * Paths staged for the next commit in `topLevel` (against HEAD, or everything on an unborn branch), read from
 * `indexFile` when given: inside a pre-commit hook git names the index being committed.
 */
export async function listStagedPaths(topLevel: string, indexFile?: string): Promise<string[]> {
  // --no-renames: a rename counts as both of its paths; -z: names unquoted.
  return splitNul(await runGit(['diff', '--cached', '--name-only', '-z', '--no-renames'], { cwd: topLevel, indexFile, trim: false }));
}

export interface CommitInfo {
  sha: string;
  author: string;
  email: string;
  /** Author time, ms since the epoch. */
  at: number;
  subject: string;
}

const COMMIT_INFO_FORMAT = '--format=%H%x1f%an%x1f%ae%x1f%at%x1f%s';

/** Parses `git log -z` output in COMMIT_INFO_FORMAT. Pure. */
export function parseCommitInfos(output: string): CommitInfo[] {
  return splitNul(output).map((record) => {
    const [sha = '', author = '', email = '', at = '0', subject = ''] = record.split('\x1f');
    return { sha: sha.trim(), author, email, at: Number(at) * 1000, subject };
  });
}

/** Commits reachable from `to` and not from `from`, newest first; undefined when `from` is no longer a commit. */
export async function listCommitsBetween(from: string, to: string, cwd: string): Promise<CommitInfo[] | undefined> {
  const result = await runGitResult(['log', '-z', COMMIT_INFO_FORMAT, '--end-of-options', to, `^${from}`], { cwd, okCodes: [128], trim: false });
  return result.code === 0 ? parseCommitInfos(result.stdout) : undefined;
}

export interface HeadCommit {
  sha: string;
  tree: string;
  parents: string[];
  subject: string;
  /** Paths the commit changed against its parent (none listed for a merge commit). */
  paths: string[];
}

/** Parses `git log -1 -z --name-only` output in the HeadCommit format. Pure. */
export function parseHeadCommit(output: string): HeadCommit | undefined {
  const end = output.indexOf('\0');
  const header = end === -1 ? output : output.slice(0, end);
  const [sha = '', tree = '', parents = '', subject = ''] = header.split('\x1f');
  if (sha === '') return undefined;
  // After the header's NUL comes a newline, then the paths, each NUL-terminated.
  const paths = end === -1 ? [] : splitNul(output.slice(end + 1).replace(/^\n/, ''));
  return { sha, tree, parents: parents === '' ? [] : parents.split(' '), subject, paths };
}

/** HEAD's commit and the paths it changed; undefined on an unborn branch. */
export function getHeadCommit(cwd: string): Promise<HeadCommit | undefined> {
  return getCommit('HEAD', cwd);
}

/** A commit (full id, or HEAD) and the paths it changed; undefined when there is no such commit. */
export async function getCommit(rev: string, cwd: string): Promise<HeadCommit | undefined> {
  const result = await runGitResult(['log', '-1', '-z', '--name-only', '--no-renames', '--format=%H%x1f%T%x1f%P%x1f%s', '--end-of-options', rev, '--'], {
    cwd,
    okCodes: [128],
    trim: false,
  });
  return result.code === 0 ? parseHeadCommit(result.stdout) : undefined;
}

/**
 * Which of `paths` are changed in a worktree (staged, unstaged or untracked). Read-only: git.ts runs every
 * command with GIT_OPTIONAL_LOCKS=0, so a sibling's index is never locked or refreshed by this.
 */
export async function listChangedPathsIn(worktree: string, paths: readonly string[]): Promise<StatusEntry[]> {
  // --literal-pathspecs: file names are names, not patterns.
  // core.preloadIndex=false for a few paths: its threads cost more than the lstat calls they would share.
  const preload = paths.length > 0 ? ['-c', 'core.preloadIndex=false'] : [];
  const stdout = await runGit([...preload, '--literal-pathspecs', 'status', '--porcelain', '-z', '--untracked-files=all', '--no-renames', '--', ...paths], { cwd: worktree, trim: false });
  return parseStatusPorcelain(stdout);
}

/** Which of `paths` changed on `theirs` since its merge base with `ours` (`git diff ours...theirs`). */
export async function listPathsChangedSince(ours: string, theirs: string, paths: readonly string[], cwd: string): Promise<string[]> {
  const stdout = await runGit(['--literal-pathspecs', 'diff', '--name-only', '-z', '--no-renames', `${ours}...${theirs}`, '--', ...paths], { cwd, trim: false });
  return splitNul(stdout);
}

/** Local branches with commits that `rev` does not contain (`for-each-ref --no-merged`), short names. */
export async function listBranchesNotMergedInto(rev: string, cwd: string): Promise<Set<string>> {
  const stdout = await runGit(['for-each-ref', '--format=%(refname:short)', `--no-merged=${rev}`, 'refs/heads/'], { cwd });
  return new Set(stdout === '' ? [] : stdout.split('\n'));
}

/** Writes the tree of an index (default: the checkout's) and returns its id. */
export async function writeTree(cwd: string, indexFile?: string): Promise<string> {
  return runGit(['write-tree'], { cwd, indexFile });
}

/** A commit object for `tree` on `parent`, referenced by nothing: for `merge-tree`, which takes commits. */
export async function createDanglingCommit(tree: string, parent: string, message: string, cwd: string): Promise<string> {
  // Fixed identity: the user's may be unset, and this object is never part of history.
  const env = { ...process.env, GIT_AUTHOR_NAME: 'cwt', GIT_AUTHOR_EMAIL: 'cwt@localhost', GIT_COMMITTER_NAME: 'cwt', GIT_COMMITTER_EMAIL: 'cwt@localhost' };
  return runGit(['commit-tree', tree, '-p', parent, '-m', message], { cwd, env });
}

/**
 * A commit of `base` with the given worktree files as they are on disk (missing ones deleted): a sibling's
 * uncommitted changes as something `merge-tree` can merge. Uses a temporary index, never the worktree's own.
 */
export async function commitWorktreeFiles(base: string, worktree: string, paths: readonly string[], scratchIndex: string, cwd: string): Promise<string> {
  await runGit(['read-tree', base], { cwd, indexFile: scratchIndex });
  const present = paths.filter((path) => existsSync(resolve(worktree, path)));
  // Run in the worktree itself, so its attributes (eol, filters) apply as `git add` would apply them there.
  const ids = present.length === 0 ? [] : (await runGit(['hash-object', '-w', '--stdin-paths'], { cwd: worktree, input: `${present.join('\n')}\n` })).split('\n');
  const lines = paths.map((path) => {
    const index = present.indexOf(path);
    // mode 0 removes the entry; 100644 is right for text files, which is what a conflict hunk can show.
    return index === -1 ? `0 ${'0'.repeat(40)}\t${path}` : `100644 ${ids[index]}\t${path}`;
  });
  await runGit(['update-index', '--index-info'], { cwd, indexFile: scratchIndex, input: `${lines.join('\n')}\n` });
  const tree = await writeTree(cwd, scratchIndex);
  return createDanglingCommit(tree, base, 'cwt check: uncommitted changes of a sibling worktree', cwd);
}

export interface MergePrediction {
  /** The merged tree; conflicted files in it hold conflict markers. */
  tree: string;
  conflicted: string[];
}

/** Parses `git merge-tree --write-tree --name-only -z`: the tree, then conflicted names, then an empty field. Pure. */
export function parseMergeTree(output: string): MergePrediction {
  const fields = output.split('\0');
  const conflicted: string[] = [];
  for (let i = 1; i < fields.length && fields[i] !== ''; i++) if (!conflicted.includes(fields[i]!)) conflicted.push(fields[i]!);
  return { tree: fields[0]!.trim(), conflicted };
}

/** Merges two commits without touching any worktree or ref (`git merge-tree --write-tree`, git >= 2.38). */
export async function predictMerge(ours: string, theirs: string, cwd: string): Promise<MergePrediction> {
  // Exit 1 = conflicts (the answer we want); other failures (unrelated histories, old git) throw.
  const result = await runGitResult(['merge-tree', '--write-tree', '--name-only', '-z', '--no-messages', ours, theirs], { cwd, okCodes: [1], trim: false });
  return parseMergeTree(result.stdout);
}

/** A file's content in a tree, or undefined when it is not there. */
export async function readBlobAt(tree: string, path: string, cwd: string): Promise<string | undefined> {
  const result = await runGitResult(['cat-file', 'blob', `${tree}:${path}`], { cwd, okCodes: [128], trim: false });
  return result.code === 0 ? result.stdout : undefined;
}
