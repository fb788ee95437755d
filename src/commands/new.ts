/**
 * `cwt new <branch>`: a worktree of its own, a registered session, a memory namespace seeded from canonical
 * memory, leased resources, the session notes (CLAUDE.local.md, or where another agent reads them), then the
 * agent, supervised. Built as a pipeline whose every step rolls back. createSession (everything but the launch)
 * is also what the WorktreeCreate hook of `claude -w` runs.
 *
 * The pipeline keeps a run journal (core/runjournal.ts), so a `cwt new` killed with kill -9 at any step is
 * rolled back later: by the next `cwt new` in the repository or by `cwt gc` (recoverInterruptedNewRuns),
 * from the journal's record, by the same rollbacks Ctrl-C runs — except that a worktree found holding work
 * is kept and reported, never deleted.
 */
import { readFastPathTarget, resolveWorktreeFastPath } from '../core/harness/fastpath.js';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { buildAgentArgs, findExecutable, getAgentProfile, planInstructions, type FileStatus } from '../core/sessions/agent.js';
import { ensurePrivateDir, PRIVATE_FILE_MODE, writeFileAtomic } from '../core/fs/atomic.js';
import type { Config } from '../core/config/config.js';
import { loadConfigLazily } from '../core/config/lazy.js';
import { assertContainedWrite } from '../core/fs/containedwrite.js';
import { formatAge } from '../core/util/duration.js';
import { ConflictError, EnvironmentError, UsageError } from '../core/util/errors.js';
import { ensureExcluded } from '../core/git/exclude.js';
import {
  addWorktree,
  deleteBranch,
  findClashingBranch,
  findWorkAtRisk,
  findWorktreeOfBranch,
  getTrackedPaths,
  listBranchesNear,
  hasLocalBranch,
  isTracked,
  isValidBranchName,
  listWorktrees,
  removeWorktree,
  resolveCommit,
  resolveHooksDir,
  resolveRepo,
  resolveRepoAndIdentity,
  resolveRepoIdentity,
  type PlainRepo,
  type RepoInfo,
} from '../core/git/git.js';
import { getGitHookCommand, installGitHooks } from '../core/git/githooks.js';
import {
  addMcpServer,
  AGENT_NOTES_TEMPLATE,
  buildAdoptedTabSettings,
  buildWorktreeLocalSettings,
  enableProjectMcpServer,
  CLAUDE_LOCAL_MD,
  getCanonicalMemoryDir,
  getNamespaceRoot,
  LOCAL_SETTINGS,
  MCP_JSON,
  readJsonObject,
  readTemplate,
  renderTemplate,
  writeSessionMcpConfig,
  writeSessionSettings,
} from '../core/harness/harness.js';
import { acquireSessionLeases, LEASE_ENV_FILE, renderLeaseEnvFile, renderLeaseNotes, toLeaseEnv } from '../core/coordination/leases.js';
import { createLivenessProbe, getHostId } from '../core/sessions/liveness.js';
import { acquireLock, repoLockName, withLock, type LockHandle } from '../core/coordination/locks.js';
import { claimNamespaceDir, overlayUnmergedNotes, pickNamespaceDir, seedNamespace } from '../core/memory/memory.js';
import { buildResumeArgs, copyTranscript, getTranscriptPath, removeUnusedTranscriptCopy } from '../core/harness/conversation.js';
import type { StartingConversation } from '../core/sessions/conversations.js';
import { getSessionAgentPath, getSessionMcpConfigPath, getSessionNotesPath, getSessionSettingsPath, isEmptyDir, resolveClaudeHome, resolveCwtHome, resolveSessionStateDir } from '../core/fs/paths.js';
import { getRunJournalPath, listInterruptedRuns, NEW_RUN_JOURNAL, sweepRunJournalTempFiles, type NewJournalRecord, type RunJournalFile } from '../core/sessions/runjournal.js';
import { getSessionState, isPathInside, newSessionId } from '../core/sessions/sessions.js';
import { verifySessionPaths } from '../core/sessions/sessionpaths.js';
import { pickFreeName, toBranchSlug } from '../core/util/slug.js';
import { openStore, releaseStore } from '../core/store/open.js';
import type { LeaseRecord, SessionRecord, Store } from '../core/store/store.js';
import { copyWorktreeIncludes, WORKTREE_INCLUDE_FILE } from '../core/git/worktreeinclude.js';
import { MESSAGES } from '../texts/messages.js';
import { createProcessOutput, printJson, type Output } from '../ui/output.js';
import { chooseRenderer, preloadPipeline, rollBackFromJournal, runPipeline, type PipelineStep, type RendererChoice, type RollbackKept } from '../ui/pipeline.js';

export interface NewOptions {
  branch: string;
  from?: string;
  path?: string;
  agent?: string;
  /** false for --no-launch. */
  launch?: boolean;
  json?: boolean;
  agentArgs?: string[];
  /** --fork: the session (id or branch) whose conversation the new one starts from a copy of. */
  fork?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  output?: Output;
  /**
   * The process exits right after (the lean entry): without a launch the store is left to the exit, sparing the
   * WAL checkpoint a last close makes (see releaseStore). A launched agent's supervisor closes it as ever.
   */
  exiting?: boolean;
}

/** What createSession needs: `cwt new` without the launch, plus what a `claude -w` worktree adds. */
export interface CreateSessionOptions extends Omit<NewOptions, 'agentArgs'> {
  /** No progress on stderr (JSON output, hooks). */
  quiet?: boolean;
  /**
   * The session is a `claude -w` worktree (WorktreeCreate): this Claude Code process is its live agent, and the
   * worktree gets a `.claude/settings.local.json` carrying the memory namespace and cwt's hooks.
   */
  claudeWorktree?: { agentPid: number };
  /** Start from a copy of a conversation (see StartingConversation); a fork also gets the parent's unmerged notes. */
  conversation?: StartingConversation;
  /** Recreating the worktree of this ended session (cwt attach after end --remove), without a conversation. */
  continues?: SessionRecord;
}

/** A session made by createSession, with what launching its agent needs. */
export interface CreatedSession {
  session: SessionRecord;
  config: Config;
  settingsPath: string;
  /** cwt's MCP server config for Claude Code (--mcp-config). */
  mcpConfigPath: string;
  /** Session notes for Claude Code's system prompt, when CLAUDE.local.md is tracked. */
  appendSystemPrompt: string | undefined;
  /** The notes in the state dir, when the agent is pointed at them by a flag (aider --read). */
  notesPath: string | undefined;
  leases: LeaseRecord[];
}

/** How long `cwt new` waits for another `cwt new`/`end` on the same repository to finish its git work. */
const REPO_LOCK_WAIT_MS = 120_000;
const REPO_LOCK_TTL_MS = 60_000;

/**
 * What the rollbacks of `cwt new` need. The journal records it (as a NewJournalRecord) as each step begins, so a
 * later process can rebuild it and roll back a run that was killed.
 */
interface NewRollbackContext {
  id: string;
  repo: RepoInfo;
  branch: string;
  /** The commit a branch cwt creates starts at; undefined when the branch already existed. */
  createBranchFrom: string | undefined;
  /** Where the worktree goes: picked in the preflight, picked again under the lock by the 'place' step. */
  worktree: string;
  /** The session's memory namespace, picked by the 'place' step and claimed by the 'memory' step. */
  memoryDir: string | undefined;
  stateDir: string;
  store: Store;
  lock?: LockHandle;
  /**
   * True when a later process rolls back a run that died: time has passed since, so the worktree may hold
   * someone's work, and the branch or path may be another session's by now.
   */
  recovering: boolean;
  /** What the 'conversation' step's rollback needs (the journal keeps it too). */
  conversationRef?: NonNullable<NewJournalRecord['conversation']>;
}

interface NewContext extends NewRollbackContext {
  config: Config;
  /** True when the user chose the path (--path); otherwise it is re-picked under the lock. */
  explicitPath: boolean;
  cwtHome: string;
  claudeHome: string;
  /** Where namespaces of this repository live; the session's own is picked and claimed under the repository lock. */
  namespaceRoot: string;
  memoryBase: string;
  canonicalMemoryDir: string;
  settingsPath: string;
  /** Set when CLAUDE.local.md is tracked and cannot carry the notes. */
  appendSystemPrompt: string | undefined;
  notesPath: string | undefined;
  claudeWorktree: CreateSessionOptions['claudeWorktree'];
  leases: LeaseRecord[];
  env: NodeJS.ProcessEnv;
  output: Output;
  launch: boolean;
  session?: SessionRecord;
  conversation: StartingConversation | undefined;
  continues: SessionRecord | undefined;
  /** The parent's unmerged notes a fork's namespace received (relative paths). */
  forkedNotes: string[];
  /** The repository's identity (SessionRecord.repoId), found with the repository. */
  repoId: string;
  /** Set when the repository was read from git's files: its branches and worktree HEADs are read so too. */
  plain: PlainRepo | undefined;
  /** The commit the worktree checks out (the session's base): asked during the checkout. */
  startCommit?: string;
  /** Where git runs the new worktree's hooks from: found during the checkout, or asked once it exists; undefined if that failed. */
  hooksDir?: Promise<string | undefined>;
  /** Whether git tracks each of the worktree's own files (getWorktreeOwnFiles), asked during the checkout; undefined if that failed. */
  tracked?: ReadonlyMap<string, boolean>;
}

function toJournalRecord(ctx: NewRollbackContext): NewJournalRecord {
  return {
    sessionId: ctx.id,
    repo: ctx.repo,
    branch: ctx.branch,
    worktree: ctx.worktree,
    createdBranchFrom: ctx.createBranchFrom ?? null,
    namespaceDir: ctx.memoryDir ?? null,
    stateDir: ctx.stateDir,
    conversation: ctx.conversationRef ?? null,
  };
}

function fromJournalRecord(record: NewJournalRecord, store: Store): NewRollbackContext {
  return {
    id: record.sessionId,
    // git runs in the main checkout: the one the run was started in may be gone by now.
    repo: { ...record.repo, topLevel: record.repo.mainWorktree },
    branch: record.branch,
    worktree: record.worktree,
    createBranchFrom: record.createdBranchFrom ?? undefined,
    memoryDir: record.namespaceDir ?? undefined,
    stateDir: record.stateDir,
    store,
    recovering: true,
    conversationRef: record.conversation ?? undefined,
  };
}

/** The default worktree location: `../<repo>.worktrees/<branch-slug>`, first free name. Pure but for `exists`. */
export function resolveDefaultWorktreePath(
  mainWorktree: string,
  worktreeDir: string,
  branch: string,
  exists: (path: string) => boolean = existsSync,
): string {
  const parent = resolve(mainWorktree, worktreeDir.replaceAll('{repo}', basename(mainWorktree)));
  return join(parent, pickFreeName(toBranchSlug(branch), (name) => exists(join(parent, name))));
}

async function preflight(
  options: CreateSessionOptions,
  repo: RepoInfo,
  plain: PlainRepo | undefined,
  store: Store,
  env: NodeJS.ProcessEnv,
  renderer: RendererChoice,
): Promise<Omit<NewContext, 'store' | 'output' | 'lock' | 'session' | 'repoId' | 'plain'>> {
  const cwd = options.cwd ?? process.cwd();
  const branch = options.branch;
  const from = options.from ?? 'HEAD';
  // The questions are independent reads, of git's files in a plain layout (none of them starts git there) and
  // else of git: asked side by side, they cost at most one git start of waiting, and any git process starts
  // before the file reads. Which answer matters is decided below, in the order the checks fail in (a bad name
  // first: the others only ever see it inside refs/heads/…, never as an option).
  const asked = Promise.all([
    isValidBranchName(branch, repo.topLevel),
    resolveCommit(from, repo.topLevel, plain),
    // zod (the config file's validation) loads only when a config file exists.
    loadConfigLazily({ repoRoot: repo.mainWorktree, env, flags: { agent: options.agent } }),
    findWorktreeOfBranch(branch, repo.topLevel, plain),
    listBranchesNear(branch, repo.topLevel, plain),
  ]);
  // The task list's library (on a terminal) loads while git answers.
  preloadPipeline(renderer);
  const [validName, fromCommit, config, checkedOut, branches] = await asked;
  const branchExists = branches.includes(branch);
  if (!validName) {
    throw new UsageError(MESSAGES.invalidBranch(branch), { hint: MESSAGES.invalidBranchHint });
  }
  const launch = options.launch ?? true;
  if (launch && !findExecutable(config.agent, env, cwd)) {
    throw new EnvironmentError(MESSAGES.agentNotFound(config.agent), { hint: MESSAGES.agentNotFoundHint(config.agent) });
  }
  if (checkedOut) {
    const owner = (await store.listSessions({ repo: repo.commonDir })).find((session) => session.worktree === checkedOut.path);
    throw new UsageError(MESSAGES.branchCheckedOut(branch, checkedOut.path), { hint: MESSAGES.branchCheckedOutHint(branch, owner?.id) });
  }
  let createBranchFrom: string | undefined;
  if (branchExists) {
    if (options.from !== undefined) {
      throw new UsageError(MESSAGES.fromWithExistingBranch(branch), { hint: MESSAGES.fromWithExistingBranchHint(branch) });
    }
  } else {
    const clash = findClashingBranch(branch, branches);
    if (clash !== undefined) throw new UsageError(MESSAGES.branchClash(branch, clash), { hint: MESSAGES.branchClashHint });
    createBranchFrom = fromCommit;
    if (!createBranchFrom) throw new UsageError(MESSAGES.unknownRef(from), { hint: MESSAGES.unknownRefHint });
  }
  let worktree: string;
  if (options.path !== undefined) {
    worktree = resolve(cwd, options.path);
    if (existsSync(worktree) && !isEmptyDir(worktree)) throw new UsageError(MESSAGES.pathExists(worktree), { hint: MESSAGES.pathExistsHint });
    if (isPathInside(worktree, repo.mainWorktree)) {
      throw new UsageError(MESSAGES.pathInsideRepo(worktree), { hint: MESSAGES.pathInsideRepoHint });
    }
  } else {
    worktree = resolveDefaultWorktreePath(repo.mainWorktree, config.worktreeDir, branch);
  }
  const id = newSessionId();
  const cwtHome = resolveCwtHome(env);
  const claudeHome = resolveClaudeHome(env);
  const stateDir = resolveSessionStateDir(cwtHome, id);
  const namespaceRoot = getNamespaceRoot(claudeHome, repo.mainWorktree);
  return {
    id,
    repo,
    config,
    branch,
    createBranchFrom,
    worktree,
    explicitPath: options.path !== undefined,
    cwtHome,
    claudeHome,
    stateDir,
    namespaceRoot,
    memoryDir: undefined,
    memoryBase: join(stateDir, 'memory-base'),
    canonicalMemoryDir: getCanonicalMemoryDir(claudeHome, repo.mainWorktree),
    settingsPath: getSessionSettingsPath(stateDir),
    appendSystemPrompt: undefined,
    notesPath: undefined,
    claudeWorktree: options.claudeWorktree,
    leases: [],
    env,
    launch,
    recovering: false,
    conversation: options.conversation,
    conversationRef: options.conversation && { claudeId: options.conversation.claudeId, from: options.conversation.from.id, fork: options.conversation.fork, claudeHome },
    continues: options.continues ?? (options.conversation?.fork === false ? options.conversation.from : undefined),
    forkedNotes: [],
  };
}

function describeSiblings(siblings: readonly SessionRecord[], now: number): string {
  if (siblings.length === 0) return '- none';
  return siblings
    .map((s) => `- ${s.id} on branch \`${s.branch}\` in ${s.worktree} (${s.agent}, started ${formatAge(now - s.startedAt)} ago)`)
    .join('\n');
}

function runSetupCommand(command: string, cwd: string, env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    // The user's own configured command line, run as written by their shell; nothing is interpolated into it.
    const child = spawn(command, { cwd, env, shell: true, stdio: ['ignore', 2, 2], signal });
    child.on('error', (error) => reject(signal.aborted ? signal.reason : error));
    child.on('close', (code) => (code === 0 ? resolvePromise() : reject(new ConflictError(MESSAGES.setupFailed(command, code), { hint: MESSAGES.setupFailedHint }))));
  });
}

/** The session notes: CLAUDE.local.md's template for Claude Code, an agent-neutral one for other agents. */
async function renderSessionNotes(ctx: NewContext): Promise<string> {
  const now = Date.now();
  const probe = createLivenessProbe(ctx.config.sessionTtlMs, ctx.env);
  const siblings = (await ctx.store.listSessions({ repo: ctx.repo.commonDir })).filter((s) => s.id !== ctx.id && getSessionState(s, probe) === 'live');
  const template = getAgentProfile(ctx.config.agent).claudeWiring ? CLAUDE_LOCAL_MD : AGENT_NOTES_TEMPLATE;
  return renderTemplate(readTemplate(template), {
    sessionId: ctx.id,
    branch: ctx.branch,
    worktree: ctx.worktree,
    mainWorktree: ctx.repo.mainWorktree,
    memoryDir: ctx.memoryDir!,
    canonicalMemoryDir: ctx.canonicalMemoryDir,
    siblings: describeSiblings(siblings, now),
    leases: renderLeaseNotes(ctx.leases),
    conversation: describeOrigin(ctx),
  });
}

/** CLAUDE.local.md's paragraph on where a forked or continued session comes from; empty for a plain one. */
function describeOrigin(ctx: NewContext): string {
  if (ctx.conversation?.fork === true) return MESSAGES.notesForked(ctx.conversation.from, ctx.conversation.claudeId, ctx.forkedNotes);
  if (ctx.continues !== undefined) return MESSAGES.notesContinued(ctx.continues, ctx.conversation?.claudeId);
  return '';
}

/** The files cwt new may write into a worktree of its own (never over a tracked one): asked about in one git call. */
function getWorktreeOwnFiles(agent: string): string[] {
  const profile = getAgentProfile(agent);
  return [profile.instructionsFile, profile.overrideFile, LOCAL_SETTINGS, MCP_JSON, LEASE_ENV_FILE].filter((file): file is string => file !== undefined);
}

/** Tracked, untracked or absent; `tracked` answers for the files already asked about (getTrackedPaths). */
async function getFileStatus(worktree: string, file: string, tracked?: ReadonlyMap<string, boolean>): Promise<FileStatus> {
  if (tracked?.get(file) ?? (await isTracked(file, worktree))) return 'tracked';
  return existsSync(join(worktree, file)) ? 'untracked' : 'absent';
}

/** Puts the notes where the agent reads instructions; a tracked file is never modified. */
async function writeSessionNotes(ctx: NewContext, text: string): Promise<void> {
  const profile = getAgentProfile(ctx.config.agent);
  const files = [profile.instructionsFile, profile.overrideFile].filter((file): file is string => file !== undefined);
  const statuses = new Map<string, FileStatus>();
  for (const file of files) statuses.set(file, await getFileStatus(ctx.worktree, file, ctx.tracked));
  const plan = planInstructions(profile, (file) => statuses.get(file) ?? 'absent');
  const notesPath = getSessionNotesPath(ctx.stateDir);
  switch (plan.kind) {
    case 'file': {
      ensureExcluded(ctx.repo.commonDir, `/${plan.file}`);
      const prefix = plan.prepend === undefined ? '' : `${readFileSync(join(ctx.worktree, plan.prepend), 'utf8').trimEnd()}\n\n`;
      if (plan.prepend !== undefined) ctx.output.stderr(MESSAGES.instructionsOverride(plan.prepend, plan.file));
      writeFileAtomic(join(ctx.worktree, plan.file), prefix + text);
      return;
    }
    case 'system-prompt':
      // Never modify a tracked file: the notes travel in the system prompt instead.
      ctx.output.stderr(MESSAGES.trackedLocalMd(join(ctx.worktree, CLAUDE_LOCAL_MD)));
      ctx.appendSystemPrompt = text;
      break;
    case 'read-flag':
      ctx.notesPath = notesPath;
      break;
    case 'none':
      ctx.output.stderr(MESSAGES.instructionsBlocked(ctx.config.agent, plan.blockedBy, notesPath));
      break;
  }
  writeFileAtomic(notesPath, text, { mode: PRIVATE_FILE_MODE });
}

/** What writeWorktreeClaudeFiles needs of a new session (or of a claude -w session resumed). */
export interface WorktreeClaudeFiles {
  env: NodeJS.ProcessEnv;
  repo: Pick<RepoInfo, 'mainWorktree' | 'commonDir'>;
  worktree: string;
  /** True for a claude -w worktree: its settings carry the memory namespace and WorktreeRemove too. */
  claudeWorktree: boolean;
  memoryDir: string;
  output: Output;
  /** What git tracks among the worktree's own files, when already asked (getTrackedPaths); else asked here. */
  tracked?: ReadonlyMap<string, boolean>;
}

/**
 * The worktree's own Claude Code files. `claude -w`: `.claude/settings.local.json`, which Claude Code reads for
 * that session (memory namespace, cwt's hooks). Where the fast path's second decider is `cwt mcp`
 * (resolveWorktreeFastPath: `cwt install` registered the server for this repository), every new worktree also
 * gets a `.mcp.json` with cwt's server, approved in that settings file (enabledMcpjsonServers), so a session
 * there — `claude -w`, or a plain `claude` started in a `cwt new` worktree (an adopted tab) — runs `cwt mcp`
 * and no process starts per tool call. Both files are excluded from git like CLAUDE.local.md; a tracked one is
 * the team's and left alone (a tracked .mcp.json: the guard instead, for this worktree).
 */
export async function writeWorktreeClaudeFiles(ctx: WorktreeClaudeFiles): Promise<void> {
  let fastPath = resolveWorktreeFastPath(ctx.env, ctx.repo.mainWorktree);
  if (!ctx.claudeWorktree && fastPath?.mcp !== true) return;
  const path = join(ctx.worktree, LOCAL_SETTINGS);
  // The branch may track `.claude` (or the file) as a link: never write the settings through it. claude -w
  // needs them (its memory namespace): refused, as before. A cwt new worktree's are for an adopted tab only:
  // left out, with the reason, and the session goes on.
  if (!isContainedWrite(path, ctx, ctx.claudeWorktree)) return;
  if ((await getFileStatus(ctx.worktree, LOCAL_SETTINGS, ctx.tracked)) === 'tracked') {
    ctx.output.stderr(ctx.claudeWorktree ? MESSAGES.worktreeSettingsTracked(path) : MESSAGES.worktreeAdoptedSettingsTracked(path));
    return;
  }
  if (fastPath?.mcp === true) {
    const mcpJson = join(ctx.worktree, MCP_JSON);
    // A link (its refusal printed) or the team's tracked file: no server here, so the guard for this worktree.
    const contained = isContainedWrite(mcpJson, ctx, false);
    const tracked = contained && (await getFileStatus(ctx.worktree, MCP_JSON, ctx.tracked)) === 'tracked';
    if (tracked) ctx.output.stderr(MESSAGES.worktreeMcpJsonTracked(mcpJson));
    if (!contained || tracked) {
      if (!ctx.claudeWorktree) return;
      fastPath = { ...fastPath, mcp: false };
    } else {
      ensureExcluded(ctx.repo.commonDir, `/${MCP_JSON}`);
      writeFileAtomic(mcpJson, `${JSON.stringify(addMcpServer(readJsonObject(mcpJson) ?? {}), null, 2)}\n`, { mode: PRIVATE_FILE_MODE });
    }
  }
  // A copy from .worktreeinclude keeps its keys and hooks; a broken one is replaced by cwt's own.
  const existing = readJsonObject(path) ?? {};
  ensureExcluded(ctx.repo.commonDir, `/${LOCAL_SETTINGS}`);
  mkdirSync(dirname(path), { recursive: true });
  let settings: Record<string, unknown>;
  if (!ctx.claudeWorktree) settings = buildAdoptedTabSettings(existing, fastPath!);
  else {
    settings = buildWorktreeLocalSettings(existing, ctx.memoryDir, fastPath);
    if (fastPath?.mcp === true) settings = enableProjectMcpServer(settings);
  }
  writeFileAtomic(path, `${JSON.stringify(settings, null, 2)}\n`, { mode: PRIVATE_FILE_MODE });
}

/**
 * assertContainedWrite for a worktree's own file: with `required`, the refusal propagates (exit 4); without, it
 * is printed and false returned, so the caller leaves the file out.
 */
function isContainedWrite(path: string, ctx: WorktreeClaudeFiles, required: boolean): boolean {
  try {
    assertContainedWrite(path, ctx.worktree);
    return true;
  } catch (error) {
    if (required || !(error instanceof EnvironmentError)) throw error;
    ctx.output.stderr(`${error.message}${error.hint === undefined ? '' : `\n  next: ${error.hint}`}`);
    return false;
  }
}

/** The leases as a dotenv file in the worktree, excluded from git (never over a tracked file). */
async function writeLeaseEnvFile(ctx: NewContext): Promise<void> {
  const path = join(ctx.worktree, LEASE_ENV_FILE);
  if ((await getFileStatus(ctx.worktree, LEASE_ENV_FILE, ctx.tracked)) === 'tracked') {
    ctx.output.stderr(MESSAGES.leaseEnvTracked(path));
    return;
  }
  ensureExcluded(ctx.repo.commonDir, `/${LEASE_ENV_FILE}`);
  writeFileAtomic(path, renderLeaseEnvFile(ctx.leases, ctx.id));
}

/** Open sessions of the repository other than this run's. */
async function listOtherSessions(ctx: NewRollbackContext): Promise<SessionRecord[]> {
  return (await ctx.store.listSessions({ repo: ctx.repo.commonDir })).filter((session) => session.id !== ctx.id);
}

/**
 * What a dead run's worktree (and the branch it created) hold that rolling back would lose, as lines to
 * report; `foreign` when the path or branch has become another session's or checkout's since, so neither is
 * this run's to touch. Read-only: the rollback and `gc --dry-run` both decide by it.
 */
async function findLeftoverWork(ctx: NewRollbackContext): Promise<{ foreign: boolean; work: string[] }> {
  const holdsFiles = existsSync(ctx.worktree) && !isEmptyDir(ctx.worktree);
  if (!existsSync(ctx.repo.commonDir)) return { foreign: false, work: holdsFiles ? [MESSAGES.leftoverRepoGone(ctx.worktree, ctx.repo.mainWorktree)] : [] };
  const ref = `refs/heads/${ctx.branch}`;
  const entries = await listWorktrees(ctx.repo.topLevel);
  const entry = entries.find((candidate) => candidate.path === ctx.worktree);
  const others = await listOtherSessions(ctx);
  const foreign =
    (entry !== undefined && entry.branch !== ref) ||
    entries.some((candidate) => candidate.path !== ctx.worktree && candidate.branch === ref) ||
    others.some((session) => session.worktree === ctx.worktree || session.branch === ctx.branch);
  if (foreign) return { foreign, work: [] };
  if (holdsFiles && entry === undefined) return { foreign, work: [MESSAGES.leftoverNotAWorktree(ctx.worktree)] };
  // The checks `cwt end --remove` makes: uncommitted changes, and commits of a branch cwt made that no other holds.
  const risk = await findWorkAtRisk(
    { worktree: ctx.worktree, branch: ctx.branch, mainWorktree: ctx.repo.mainWorktree },
    { worktree: holdsFiles, branch: ctx.createBranchFrom !== undefined },
  );
  return { foreign, work: MESSAGES.workAtRisk(risk.changes, risk.commits) };
}

const STEPS: PipelineStep<NewContext, NewRollbackContext>[] = [
  {
    id: 'lock',
    title: 'Lock the repository for worktree changes',
    run: async (ctx, signal) => {
      ctx.lock = await acquireLock(ctx.store, {
        name: repoLockName(ctx.repo.commonDir),
        ttlMs: REPO_LOCK_TTL_MS,
        waitMs: REPO_LOCK_WAIT_MS,
        note: `cwt new ${ctx.branch}`,
        env: ctx.env,
        signal,
        onTakeover: (previous) => ctx.output.stderr(MESSAGES.lockTakenOver(previous)),
      });
    },
    rollback: async (ctx) => {
      await ctx.lock?.release();
      ctx.lock = undefined;
    },
    // A killed run's lock is taken over (its pid is dead): no journal needs to be on disk for it.
    rollbackDiesWithProcess: true,
  },
  {
    id: 'place',
    title: 'Check the branch and choose the paths',
    // Creates nothing: it decides, under the lock, what the next steps create, so that the journal names each
    // path before it exists.
    run: async (ctx) => {
      // Re-check under the lock: another `cwt new` may have taken the branch or path since the preflight.
      const [checkedOut, branchCreatedMeanwhile] = await Promise.all([
        findWorktreeOfBranch(ctx.branch, ctx.repo.topLevel, ctx.plain),
        ctx.createBranchFrom !== undefined && hasLocalBranch(ctx.branch, ctx.repo.topLevel, ctx.plain),
      ]);
      if (checkedOut) throw new UsageError(MESSAGES.branchCheckedOut(ctx.branch, checkedOut.path), { hint: MESSAGES.branchCheckedOutHint(ctx.branch, undefined) });
      if (branchCreatedMeanwhile) {
        throw new UsageError(MESSAGES.fromWithExistingBranch(ctx.branch), { hint: MESSAGES.fromWithExistingBranchHint(ctx.branch) });
      }
      if (!ctx.explicitPath) {
        // Another `cwt new` may have taken the name picked in the preflight; pick again, now under the lock.
        ctx.worktree = resolveDefaultWorktreePath(ctx.repo.mainWorktree, ctx.config.worktreeDir, ctx.branch);
      } else if (existsSync(ctx.worktree) && !isEmptyDir(ctx.worktree)) {
        throw new UsageError(MESSAGES.pathExists(ctx.worktree), { hint: MESSAGES.pathExistsHint });
      }
      ctx.memoryDir = pickNamespaceDir(ctx.namespaceRoot, toBranchSlug(ctx.branch));
    },
  },
  {
    id: 'worktree',
    title: 'Create the worktree',
    // git's checkout is most of `cwt new`'s time; the steps up to the registration need none of its files.
    joinBefore: 'register',
    run: async (ctx) => {
      mkdirSync(dirname(ctx.worktree), { recursive: true });
      await addWorktree(
        { path: ctx.worktree, branch: ctx.branch, newBranchFrom: ctx.createBranchFrom, lockReason: `cwt session ${ctx.id}` },
        ctx.repo.topLevel,
      );
    },
    rollback: async (ctx): Promise<RollbackKept | void> => {
      if (ctx.recovering) {
        const { foreign, work } = await findLeftoverWork(ctx);
        if (foreign) return;
        if (work.length > 0) return { kept: work };
        if (!existsSync(ctx.repo.commonDir)) {
          // The repository is gone, and git's record of the worktree and the branch with it: only the directory is left.
          rmSync(ctx.worktree, { recursive: true, force: true });
          return;
        }
      }
      const registered = (await listWorktrees(ctx.repo.topLevel)).some((entry) => entry.path === ctx.worktree);
      if (registered) await removeWorktree(ctx.worktree, ctx.repo.topLevel, true);
      // The 'place' step saw the path absent (or empty) under the lock, so whatever is there now is ours.
      rmSync(ctx.worktree, { recursive: true, force: true });
      // A branch cwt created goes only while it is where cwt created it: a commit on it is someone's work.
      if (ctx.createBranchFrom !== undefined && (await resolveCommit(`refs/heads/${ctx.branch}`, ctx.repo.topLevel)) === ctx.createBranchFrom) {
        await deleteBranch(ctx.branch, ctx.repo.topLevel, true);
      }
    },
  },
  {
    id: 'memory',
    title: "Seed the memory namespace from canonical memory, write the session's settings",
    run: async (ctx) => {
      ensurePrivateDir(ctx.stateDir);
      // The store row names the agent too, but a shared store's rows are anyone's to edit: attach launches this.
      writeFileAtomic(getSessionAgentPath(ctx.stateDir), ctx.config.agent, { mode: PRIVATE_FILE_MODE });
      const picked = ctx.memoryDir!;
      if (!claimNamespaceDir(picked)) {
        // Not ours: the rollback (and the journal it rewrites first) must not name it.
        ctx.memoryDir = undefined;
        throw new ConflictError(MESSAGES.namespaceTaken(picked), { hint: MESSAGES.namespaceTakenHint });
      }
      seedNamespace({ canonical: ctx.canonicalMemoryDir, namespace: picked, base: ctx.memoryBase });
      // What `claude` is launched with (--settings, --mcp-config): in the state dir, so written while git checks out.
      if (getAgentProfile(ctx.config.agent).claudeWiring) {
        writeSessionSettings(ctx.settingsPath, { memoryDir: picked, fastPath: readFastPathTarget(ctx.env) });
        writeSessionMcpConfig(getSessionMcpConfigPath(ctx.stateDir));
      }
      const parent = ctx.conversation?.fork === true ? ctx.conversation.from : undefined;
      // An open cwt session's notes not merged yet (an ended one merged them; an adopted tab writes canonical memory).
      if (parent !== undefined && parent.kind === 'cwt' && parent.state !== 'ended') {
        await verifySessionPaths(parent, ['memory'], ctx.env, ctx.repo);
        ctx.forkedNotes = overlayUnmergedNotes({ parentNamespace: parent.memoryDir, parentBase: parent.memoryBase, namespace: picked });
      }
    },
    rollback: async (ctx) => {
      // Both are this session's alone: the namespace was claimed by an exclusive mkdir, the state dir is
      // named by the fresh session id. Nothing of anyone else's is inside — unless a dead run was killed
      // before it could drop a namespace it failed to claim, hence the check of the other sessions.
      const namespace = ctx.memoryDir;
      if (namespace !== undefined && !(ctx.recovering && (await listOtherSessions(ctx)).some((session) => session.memoryDir === namespace))) {
        rmSync(namespace, { recursive: true, force: true });
      }
      rmSync(ctx.stateDir, { recursive: true, force: true });
    },
  },
  {
    id: 'inspect',
    title: 'Ask git what the session starts from',
    // While the worktree is checked out, from the main checkout: the commit it checks out, what of it git tracks, where its hooks run.
    run: async (ctx) => {
      const start = ctx.createBranchFrom ?? (await resolveCommit(`refs/heads/${ctx.branch}`, ctx.repo.topLevel));
      if (start === undefined) throw new UsageError(MESSAGES.unknownRef(ctx.branch), { hint: MESSAGES.unknownRefHint });
      const [tracked, hooksDir] = await Promise.all([
        // For the notes and settings step: which of the files it may write the branch tracks (those it never touches).
        getTrackedPaths(getWorktreeOwnFiles(ctx.config.agent), ctx.repo.topLevel, { at: start }).catch(() => undefined),
        ctx.config.gitHooks ? resolveHooksDir(ctx.repo.topLevel).catch(() => undefined) : undefined,
      ]);
      ctx.startCommit = start;
      ctx.tracked = tracked;
      // The common dir's hooks/ (no core.hooksPath) is every worktree's; a core.hooksPath may resolve per
      // worktree, so the 'register' step asks in the new one once it exists.
      if (hooksDir === join(ctx.repo.commonDir, 'hooks')) ctx.hooksDir = Promise.resolve(hooksDir);
    },
  },
  {
    id: 'register',
    title: 'Register the session',
    run: async (ctx) => {
      const now = Date.now();
      // For the 'git-hooks' step, asked while the notes are written; a failure there is reported by that step, which asks again.
      if (ctx.config.gitHooks) ctx.hooksDir ??= resolveHooksDir(ctx.worktree).catch(() => undefined);
      const start = ctx.startCommit!;
      const session: SessionRecord = {
        id: ctx.id,
        repo: ctx.repo.commonDir,
        repoId: ctx.repoId,
        mainWorktree: ctx.repo.mainWorktree,
        worktree: ctx.worktree,
        branch: ctx.branch,
        createdBranch: ctx.createBranchFrom !== undefined,
        baseCommit: start,
        agent: ctx.config.agent,
        // A `claude -w` session has no supervisor: it is live while that Claude Code process runs.
        pid: ctx.claudeWorktree?.agentPid ?? null,
        host: getHostId(ctx.env),
        startedAt: now,
        heartbeatAt: now,
        state: 'live',
        endedAt: null,
        agentExit: null,
        memoryDir: ctx.memoryDir!,
        memoryBase: ctx.memoryBase,
        kind: 'cwt',
        // The commit check blocks on commits after this tip that the session did not make.
        knownTip: start,
      };
      ctx.session = session;
      await ctx.store.insertSession(session, {
        kind: 'session.new',
        session: session.id,
        repo: session.repo,
        data: { branch: session.branch, worktree: session.worktree, createdBranch: session.createdBranch, memoryDir: session.memoryDir },
      });
    },
    rollback: async (ctx) => {
      // A no-op when the row was never inserted.
      await ctx.store.deleteSession(ctx.id, { kind: 'session.rollback', session: ctx.id, repo: ctx.repo.commonDir, data: { branch: ctx.branch } });
    },
    rollbackHarmlessUnrun: true,
  },
  {
    id: 'conversation',
    title: 'Copy the conversation to where the agent looks for it',
    enabled: (ctx) => ctx.conversation !== undefined,
    run: async (ctx) => {
      const conversation = ctx.conversation!;
      const copy = copyTranscript({ source: conversation.source, claudeHome: ctx.claudeHome, cwd: ctx.worktree, claudeId: conversation.claudeId, session: ctx.id, now: Date.now() });
      ctx.output.stderr(MESSAGES.transcriptCopied(copy.source, copy.dest));
      await ctx.store.appendEvent({
        kind: 'conversation.copy',
        session: ctx.id,
        repo: ctx.repo.commonDir,
        data: { claudeSession: conversation.claudeId, from: conversation.from.id, source: copy.source, dest: copy.dest, sha256: copy.sha256, fork: conversation.fork, created: copy.created },
      });
      // The same conversation goes on here: its link follows it to this session. A fork gets a new id from the client.
      if (!conversation.fork) await ctx.store.moveClaudeSession(conversation.claudeId, conversation.from.id, ctx.id, Date.now());
    },
    rollback: async (ctx) => {
      const ref = ctx.conversationRef;
      if (ref === undefined) return;
      // No-ops when the step never got that far: the link is moved back only from this session.
      if (!ref.fork) await ctx.store.moveClaudeSession(ref.claudeId, ctx.id, ref.from, Date.now());
      // Only this run's copy, and only while nobody wrote to it: a conversation the agent went on with is the user's.
      removeUnusedTranscriptCopy(getTranscriptPath(ref.claudeHome, ctx.worktree, ref.claudeId), ctx.id);
    },
  },
  {
    id: 'leases',
    title: 'Lease the configured resources',
    enabled: (ctx) => Object.keys(ctx.config.leases).length > 0,
    run: async (ctx) => {
      const probe = createLivenessProbe(ctx.config.sessionTtlMs, ctx.env);
      ctx.leases = await acquireSessionLeases(ctx.store, ctx.session!, {
        specs: ctx.config.leases,
        isLive: (holder) => getSessionState(holder, probe) === 'live',
        onSkip: (name, value) => ctx.output.stderr(MESSAGES.leasePortBusy(name, value)),
      });
    },
    rollback: async (ctx) => {
      await ctx.store.releaseLeases(ctx.id, 'rollback');
    },
  },
  {
    id: 'include',
    title: `Copy files listed in ${WORKTREE_INCLUDE_FILE}`,
    enabled: (ctx) => existsSync(join(ctx.repo.mainWorktree, WORKTREE_INCLUDE_FILE)),
    run: async (ctx) => {
      await copyWorktreeIncludes(ctx.repo.mainWorktree, ctx.worktree);
    },
  },
  {
    id: 'instructions',
    title: 'Write the session notes and settings',
    run: async (ctx) => {
      const text = await renderSessionNotes(ctx);
      await writeSessionNotes(ctx, text);
      if (ctx.claudeWorktree || getAgentProfile(ctx.config.agent).claudeWiring) {
        await writeWorktreeClaudeFiles({ env: ctx.env, repo: ctx.repo, worktree: ctx.worktree, claudeWorktree: ctx.claudeWorktree !== undefined, memoryDir: ctx.memoryDir!, output: ctx.output, tracked: ctx.tracked });
      }
      if (ctx.leases.length > 0) await writeLeaseEnvFile(ctx);
    },
  },
  {
    id: 'git-hooks',
    // Under the repository lock, so two `cwt new` never chain each other's shim. Idempotent: usually a no-op.
    title: "Install cwt's git hooks",
    enabled: (ctx) => ctx.config.gitHooks,
    run: async (ctx) => {
      try {
        for (const change of await installGitHooks(ctx.worktree, (await ctx.hooksDir) ?? (await resolveHooksDir(ctx.worktree)))) {
          if (change.action === 'tracked') ctx.output.stderr(`${MESSAGES.gitHookChange(change.hook, change.path, change.action)}\n  ${MESSAGES.gitHookTrackedHint(change.hook, change.path, getGitHookCommand(change.hook))}`);
        }
      } catch (error) {
        // The session works without them; say so and go on.
        ctx.output.stderr(`${MESSAGES.gitHooksInstallFailed(error instanceof Error ? error.message : String(error))}\n  next: ${MESSAGES.gitHooksInstallFailedHint}`);
      }
    },
  },
  {
    id: 'unlock',
    // Setup commands (an npm ci, say) can take minutes and need no repository lock.
    title: 'Release the repository lock',
    run: async (ctx) => {
      await ctx.lock?.release();
      ctx.lock = undefined;
    },
  },
  {
    id: 'setup',
    title: 'Run the setup commands',
    enabled: (ctx) => ctx.config.setup.length > 0,
    run: async (ctx, signal) => {
      for (const command of ctx.config.setup) {
        await runSetupCommand(command, ctx.worktree, { ...ctx.env, ...toLeaseEnv(ctx.leases), CWT_SESSION: ctx.id, CWT_WORKTREE: ctx.worktree }, signal);
      }
    },
  },
];

/** The ids of the `cwt new` pipeline's steps, in order (tests interrupt it after each). */
export const NEW_STEP_IDS: readonly string[] = STEPS.map((step) => step.id);

/** What recovering one interrupted `cwt new` run did, or with dryRun would do. */
export interface NewRecovery {
  sessionId: string;
  branch: string;
  worktree: string;
  /** rolled-back: nothing of it is left; kept: its worktree (or branch) holds work and stays, and so does the journal; failed: a rollback failed, the journal stays. */
  outcome: 'rolled-back' | 'kept' | 'failed' | 'would-roll-back' | 'would-keep';
  /** What happened, and what to do next where something stays. */
  message: string;
}

function describeRecovery(entry: RunJournalFile<NewJournalRecord>, outcome: NewRecovery['outcome'], detail: { undone?: string[]; kept?: string[] }): NewRecovery {
  const { journal } = entry;
  const { record } = journal;
  const run = MESSAGES.interruptedRun(journal);
  let message: string;
  if (outcome === 'rolled-back') message = MESSAGES.leftoverRolledBack(run, detail.undone ?? []);
  else if (outcome === 'would-roll-back') message = MESSAGES.leftoverWouldRollBack(run, STEPS.filter((step) => step.rollback && journal.started.includes(step.id)).map((step) => step.title));
  else if (outcome === 'failed') message = `${MESSAGES.leftoverFailed(run, entry.path)}\n  next: ${MESSAGES.leftoverFailedHint}`;
  else message = `${MESSAGES.leftoverKept(run, record.worktree, record.branch, detail.kept ?? [], outcome === 'would-keep')}\n  next: ${MESSAGES.leftoverKeptHint(record)}`;
  return { sessionId: record.sessionId, branch: record.branch, worktree: record.worktree, outcome, message };
}

async function recoverRun(entry: RunJournalFile<NewJournalRecord>, options: { store: Store; output: Output; dryRun: boolean }): Promise<NewRecovery> {
  const ctx = fromJournalRecord(entry.journal.record, options.store);
  if (options.dryRun) {
    const { work } = entry.journal.started.includes('worktree') ? await findLeftoverWork(ctx) : { work: [] };
    return describeRecovery(entry, work.length > 0 ? 'would-keep' : 'would-roll-back', { kept: work });
  }
  const outcome = await rollBackFromJournal(STEPS, entry, ctx, options.output);
  if (outcome.kept.length > 0) return describeRecovery(entry, 'kept', outcome);
  return describeRecovery(entry, outcome.owed.length > 0 ? 'failed' : 'rolled-back', outcome);
}

/**
 * Finds the `cwt new` runs that died on this host (kill -9) — of one repository (its common dir), or all —
 * and rolls back what each made, under its repository's lock, with the rollbacks Ctrl-C would have run; a
 * worktree holding work (uncommitted changes, or commits of a branch cwt made that no other branch holds)
 * is kept and reported instead. Runs of other hosts are never touched. With dryRun, only says what it would do.
 */
export async function recoverInterruptedNewRuns(options: { store: Store; env: NodeJS.ProcessEnv; output: Output; repo?: string; dryRun?: boolean }): Promise<NewRecovery[]> {
  const { store, env, output } = options;
  const dryRun = options.dryRun === true;
  const cwtHome = resolveCwtHome(env);
  const runs = listInterruptedRuns<NewJournalRecord>(cwtHome, NEW_RUN_JOURNAL, env).filter((entry) => options.repo === undefined || entry.journal.record.repo.commonDir === options.repo);
  const recoveries: NewRecovery[] = [];
  if (runs.length === 0) return recoveries;
  if (!dryRun) sweepRunJournalTempFiles(cwtHome);
  for (const repo of new Set(runs.map((entry) => entry.journal.record.repo.commonDir))) {
    const recoverAll = async () => {
      for (const entry of runs.filter((candidate) => candidate.journal.record.repo.commonDir === repo)) {
        // Another gc may have finished it while this one waited for the lock.
        if (!dryRun && !existsSync(entry.path)) continue;
        recoveries.push(await recoverRun(entry, { store, output, dryRun }));
      }
    };
    if (dryRun) await recoverAll();
    // Under the repository lock, as the run itself worked: no `cwt new` is halfway through creating a worktree meanwhile.
    else await withLock(store, { name: repoLockName(repo), ttlMs: REPO_LOCK_TTL_MS, waitMs: REPO_LOCK_WAIT_MS, env, note: 'roll back an interrupted cwt new' }, recoverAll);
  }
  return recoveries;
}

/**
 * Creates a session — preflight checks, then the pipeline (repository lock, worktree, memory namespace,
 * registry row, leases, .worktreeinclude, notes and settings, setup commands) — without launching anything.
 * `cwt new` and the WorktreeCreate hook (`claude -w`) both come through here. First it rolls back what a
 * `cwt new` killed midway in this repository left, so running the killed command again just works.
 */
export async function createSession(options: CreateSessionOptions, store: Store): Promise<CreatedSession> {
  const env = options.env ?? process.env;
  const output = options.output ?? createProcessOutput();
  const cwd = options.cwd ?? process.cwd();
  // Read from git's own files in a plain layout, without starting git; outside a repository (or in a bare one)
  // resolveRepo says which, as always.
  const found = await resolveRepoAndIdentity(cwd, env);
  const repo = found?.repo ?? (await resolveRepo(cwd, env));
  for (const recovery of await recoverInterruptedNewRuns({ store, env, output, repo: repo.commonDir })) output.stderr(recovery.message);
  const repoId = found?.identity ?? (await resolveRepoIdentity(repo.commonDir));
  const renderer = chooseRenderer({ quiet: options.quiet === true, env });
  const ctx: NewContext = { ...(await preflight(options, repo, found?.plain, store, env, renderer)), repoId, plain: found?.plain, store, output };
  const untrusted = ctx.config.untrustedRepoFile;
  // Said before anything runs: the user sees why their repository's setup (say) did not, and how to allow it.
  if (untrusted) output.stderr(MESSAGES.repoConfigUntrusted(untrusted.path, untrusted.keys, untrusted.changedSinceTrust));
  await runPipeline(STEPS, ctx, {
    renderer,
    output,
    env,
    name: NEW_RUN_JOURNAL,
    journal: { path: getRunJournalPath(ctx.cwtHome, NEW_RUN_JOURNAL, ctx.id), runId: ctx.id, record: toJournalRecord },
  });
  return {
    session: ctx.session!,
    config: ctx.config,
    settingsPath: ctx.settingsPath,
    mcpConfigPath: getSessionMcpConfigPath(ctx.stateDir),
    appendSystemPrompt: ctx.appendSystemPrompt,
    notesPath: ctx.notesPath,
    leases: ctx.leases,
  };
}

/** Runs `cwt new`; resolves to the process exit code. */
export async function newSession(options: NewOptions): Promise<number> {
  const env = options.env ?? process.env;
  const output = options.output ?? createProcessOutput();
  const leftToExit = options.exiting === true && options.launch === false;
  const store = await openStore(env, { exiting: leftToExit });
  try {
    let conversation: StartingConversation | undefined;
    let from = options.from;
    if (options.fork !== undefined) {
      const { resolveFork } = await import('../core/sessions/conversations.js');
      const fork = await resolveFork(store, { ref: options.fork, branch: options.branch, from, agent: options.agent, cwd: options.cwd ?? process.cwd(), env });
      conversation = fork.conversation;
      from = fork.from;
      output.stderr(MESSAGES.forked(fork.conversation.from, fork.conversation.claudeId));
    }
    const created = await createSession({ ...options, from, conversation, env, output, quiet: options.json === true }, store);
    const { session } = created;
    const view = { ...session, leases: toLeaseEnv(created.leases) };
    if (options.launch === false) {
      if (options.json) printJson(output, view);
      else output.stdout(session.worktree);
      return 0;
    }
    if (options.json) printJson(output, view);
    else output.stderr(MESSAGES.created(session));
    const agentArgs = buildAgentArgs({
      agent: session.agent,
      settingsPath: created.settingsPath,
      mcpConfigPath: created.mcpConfigPath,
      agentArgs: [...(conversation ? buildResumeArgs(conversation.claudeId, { fork: true }) : []), ...(options.agentArgs ?? [])],
      appendSystemPrompt: created.appendSystemPrompt,
      notesPath: created.notesPath,
    });
    // Loaded to launch only: the agent's supervisor and its hook server are no part of a --no-launch run.
    const { launchAndSupervise } = await import('../ui/launch.js');
    return await launchAndSupervise(store, session, { agentArgs, env, output, ttlMs: created.config.sessionTtlMs, settingsPath: created.settingsPath });
  } finally {
    await releaseStore(store, leftToExit);
  }
}
