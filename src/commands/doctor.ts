/**
 * `cwt doctor [--json]`: read-only checks of the environment (git, the agent and Claude Code's version against
 * the tested range, hooks, state dir modes, stale
 * sessions and locks, leftovers of a `cwt new` killed midway) and signs of concurrent work cwt does not coordinate (live sentinel files, commits no
 * session made, bursts of writes to shared memory and skills, claude processes no session accounts for).
 * Every finding that needs action names the command that fixes it; exit 1 when there is one.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { findExecutable } from '../core/sessions/agent.js';
import { CLAUDE_CODE_RANGE, getRangePosition, parseClaudeCodeVersion } from '../core/harness/claudecode.js';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../core/fs/atomic.js';
import { loadConfig, readRepoConfig, TRUST_REQUIRED_KEYS, type Config } from '../core/config/load.js';
import { formatAgo } from '../core/util/duration.js';
import { EnvironmentError } from '../core/util/errors.js';
import { getGitVersion, getUnmergedCommits, listCommitsBetween, listWorktrees, resolveHooksDir, resolveRepo, type RepoInfo } from '../core/git/git.js';
import { inspectGitHooks } from '../core/git/githooks.js';
import { getCanonicalMemoryDir, isCwtHookCommand,
  isCwtHookUrl, isJsonObject } from '../core/harness/harness.js';
import { createLivenessProbe, getHostId, isPidAlive, type LivenessProbe } from '../core/sessions/liveness.js';
import { isLockStale } from '../core/coordination/locks.js';
import { listClaudeProcesses } from '../core/sessions/processes.js';
import { resolveClaudeHome, resolveCwtHome, toRealPath } from '../core/fs/paths.js';
import { getRunJournalState, listRunJournals, NEW_RUN_JOURNAL, type NewJournalRecord } from '../core/sessions/runjournal.js';
import { inspectSentinel } from '../core/coordination/sentinel.js';
import { getSessionState, isPathInside } from '../core/sessions/sessions.js';
import { SQLITE_FILE_NAME } from '../core/store/sqlite.js';
import { openStore } from '../core/store/open.js';
import type { SessionRecord, Store } from '../core/store/store.js';
import { getFastPathSquatterUid, getMcpDeciderGap, getRunningFastPathPid, hasMcpDeciderInCheckout, readFastPathTarget } from '../core/harness/fastpath.js';
import { MESSAGES } from '../texts/messages.js';
import { createProcessOutput, printJson, type Output } from '../ui/output.js';

export interface DoctorOptions {
  json?: boolean;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  output?: Output;
}

/** ok: fine; info: worth knowing; warn: needs action (exit 1), with the command that fixes it. */
export type Severity = 'ok' | 'info' | 'warn';

export interface Finding {
  id: string;
  severity: Severity;
  message: string;
  fix?: string;
}

/** git merge-tree --write-tree, which the commit check uses, appeared in 2.38. */
const MIN_GIT: [number, number] = [2, 38];
/** Writes to shared memory or skills within this window count towards a burst. */
export const BURST_WINDOW_MS = 10 * 60_000;
export const BURST_MIN_FILES = 3;
const SENTINEL_NAMES = ['ACTIVE-SESSION.md'];
const VERSION_TIMEOUT_MS = 10_000;

/** Files under `dir` (two levels deep) modified since `since`, newest first. */
function listRecentFiles(dir: string, since: number, depth = 2): { path: string; mtime: number }[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const found: { path: string; mtime: number }[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && depth > 0) found.push(...listRecentFiles(path, since, depth - 1));
    else if (entry.isFile()) {
      const mtime = statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? 0;
      if (mtime >= since) found.push({ path, mtime });
    }
  }
  return found.sort((a, b) => b.mtime - a.mtime);
}

function hasCwtClaudeHooks(path: string): boolean {
  try {
    const settings: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (!isJsonObject(settings) || !isJsonObject(settings.hooks)) return false;
    return Object.values(settings.hooks).flat().some((group) => isJsonObject(group) && Array.isArray(group.hooks) && group.hooks.some((handler: unknown) => isJsonObject(handler) && (isCwtHookCommand(handler.command) || isCwtHookUrl(handler.url))));
  } catch {
    return false;
  }
}

function checkGit(version: [number, number, number] | undefined): Finding {
  const text = version?.join('.') ?? 'unknown';
  const old = version === undefined || version[0] < MIN_GIT[0] || (version[0] === MIN_GIT[0] && version[1] < MIN_GIT[1]);
  return old ? { id: 'git', severity: 'warn', message: MESSAGES.doctorGitOld(text), fix: MESSAGES.doctorGitOldFix } : { id: 'git', severity: 'ok', message: MESSAGES.doctorGitOk(text) };
}

/** The first line an executable prints for `--version`; undefined when it fails or prints nothing. */
function readVersionLine(path: string, env: NodeJS.ProcessEnv): string | undefined {
  const result = spawnSync(path, ['--version'], { env, encoding: 'utf8', timeout: VERSION_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'pipe'] });
  const line = result.status === 0 ? result.stdout.trim().split('\n')[0] : undefined;
  return line === '' ? undefined : line;
}

/** The configured agent, and (when plain tabs run Claude Code: always) the installed `claude` against the tested range. */
function checkAgents(config: Config, env: NodeJS.ProcessEnv, cwd: string): Finding[] {
  const findings: Finding[] = [];
  const path = findExecutable(config.agent, env, cwd);
  const agentVersion = path ? readVersionLine(path, env) : undefined;
  if (!path) findings.push({ id: 'agent', severity: 'warn', message: MESSAGES.agentNotFound(config.agent), fix: MESSAGES.agentNotFoundHint(config.agent) });
  else findings.push({ id: 'agent', severity: 'ok', message: MESSAGES.doctorAgent(config.agent, path, agentVersion) });
  const claude = config.agent === 'claude' ? path : findExecutable('claude', env, cwd);
  if (claude) findings.push(checkClaudeVersion(claude, claude === path ? agentVersion : readVersionLine(claude, env)));
  return findings;
}

function checkClaudeVersion(path: string, versionLine: string | undefined): Finding {
  const version = versionLine === undefined ? undefined : parseClaudeCodeVersion(versionLine);
  if (version === undefined) return { id: 'claude-version', severity: 'info', message: MESSAGES.doctorClaudeVersionUnknown(path, CLAUDE_CODE_RANGE) };
  const position = getRangePosition(version);
  if (position === 'inside') return { id: 'claude-version', severity: 'ok', message: MESSAGES.doctorClaudeVersionOk(version, CLAUDE_CODE_RANGE) };
  return { id: 'claude-version', severity: 'warn', message: MESSAGES.doctorClaudeVersionOutside(version, position, CLAUDE_CODE_RANGE), fix: MESSAGES.doctorClaudeVersionFix(position, CLAUDE_CODE_RANGE) };
}

/** Whether the per-user hook fast path is set up (cwt install) and running. */
function checkFastPath(env: NodeJS.ProcessEnv): Finding {
  const target = readFastPathTarget(env);
  if (!target) return { id: 'fast-path', severity: 'info', message: MESSAGES.doctorFastPathNone };
  const pid = getRunningFastPathPid(env);
  const squatter = pid === undefined ? getFastPathSquatterUid(env) : undefined;
  if (squatter !== undefined) return { id: 'fast-path', severity: 'warn', message: MESSAGES.doctorFastPathSquatted(target.port, squatter), fix: MESSAGES.doctorFastPathSquattedFix };
  return pid === undefined
    ? { id: 'fast-path', severity: 'info', message: MESSAGES.doctorFastPathStopped(target.port) }
    : { id: 'fast-path', severity: 'ok', message: MESSAGES.doctorFastPathRunning(target.port, pid) };
}

function checkStateModes(cwtHome: string): Finding {
  const loose: string[] = [];
  const mode = (path: string) => (statSync(path, { throwIfNoEntry: false })?.mode ?? 0) & 0o777;
  if (existsSync(cwtHome) && mode(cwtHome) !== PRIVATE_DIR_MODE) loose.push(cwtHome);
  const files = ['', '-wal', '-shm'].map((suffix) => join(cwtHome, `${SQLITE_FILE_NAME}${suffix}`)).filter((path) => existsSync(path) && (mode(path) & 0o077) !== 0);
  loose.push(...files);
  if (loose.length === 0) return { id: 'state-modes', severity: 'ok', message: MESSAGES.doctorStateModesOk(cwtHome) };
  const fix = [...(loose.includes(cwtHome) ? [`chmod 700 '${cwtHome}'`] : []), ...(files.length > 0 ? [`chmod 600 ${files.map((path) => `'${path}'`).join(' ')}`] : [])].join(' && ');
  return { id: 'state-modes', severity: 'warn', message: MESSAGES.doctorStateModesLoose(loose, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE), fix };
}

/** Which store is in use (file, or URL without its password), whether it answers, its schema version and size. */
async function checkStore(store: Store): Promise<Finding> {
  try {
    const version = await store.getSchemaVersion();
    return { id: 'store', severity: 'ok', message: MESSAGES.doctorStore(store.kind, store.location, version, await store.getStoreSize()) };
  } catch (error) {
    if (!(error instanceof EnvironmentError)) throw error;
    return { id: 'store', severity: 'warn', message: error.message, ...(error.hint !== undefined ? { fix: error.hint } : {}) };
  }
}

async function checkSessionsAndLocks(store: Store, probe: LivenessProbe, repo: RepoInfo | undefined): Promise<Finding[]> {
  const findings: Finding[] = [];
  const sessions = await store.listSessions(repo ? { repo: repo.commonDir } : {});
  for (const session of sessions.filter((s) => getSessionState(s, probe) === 'stale')) {
    findings.push({ id: 'stale-session', severity: 'warn', message: MESSAGES.doctorStaleSession(session, formatAgo(probe.now - session.heartbeatAt)), fix: MESSAGES.doctorStaleSessionFix(session) });
  }
  for (const lock of (await store.listLocks()).filter((l) => isLockStale(l, probe))) {
    findings.push({ id: 'stale-lock', severity: 'warn', message: MESSAGES.doctorStaleLock(lock.name, lock.holder, formatAgo(probe.now - lock.heartbeatAt)), fix: MESSAGES.doctorStaleLockFix(lock.name) });
  }
  if (findings.length === 0) findings.push({ id: 'sessions', severity: 'ok', message: MESSAGES.doctorSessionsOk(sessions.length) });
  return findings;
}

/**
 * The journals of `cwt new` runs that did not finish: killed on this host (a leftover `cwt gc` rolls back, or
 * a worktree it kept because it holds work), or unfinished on another host, whose pid cannot be checked here.
 */
function checkInterruptedRuns(cwtHome: string, env: NodeJS.ProcessEnv): Finding[] {
  const host = getHostId(env);
  return listRunJournals<NewJournalRecord>(cwtHome, NEW_RUN_JOURNAL).flatMap(({ journal }): Finding[] => {
    const { record } = journal;
    const state = getRunJournalState(journal, host);
    if (state === 'running') return [];
    if (state === 'elsewhere') {
      return [{ id: 'interrupted-new', severity: 'info', message: MESSAGES.doctorRunElsewhere(record.branch, journal.host, journal.pid), fix: MESSAGES.doctorRunElsewhereFix(journal.host) }];
    }
    const fix = journal.kept.length > 0 ? MESSAGES.leftoverKeptHint(record) : MESSAGES.doctorInterruptedNewFix;
    return [{ id: 'interrupted-new', severity: 'warn', message: MESSAGES.doctorInterruptedNew(MESSAGES.interruptedRun(journal), record.worktree, journal.kept), fix }];
  });
}

async function checkGitHooks(repo: RepoInfo): Promise<Finding> {
  const hooksDir = await resolveHooksDir(repo.topLevel);
  const states = inspectGitHooks(hooksDir);
  const missing = states.filter((entry) => entry.state === 'missing').map((entry) => entry.hook);
  const other = states.filter((entry) => entry.state === 'other-cwt').map((entry) => entry.hook);
  if (missing.length === 0 && other.length === 0) return { id: 'git-hooks', severity: 'ok', message: MESSAGES.doctorGitHooksOk(hooksDir) };
  return { id: 'git-hooks', severity: 'warn', message: MESSAGES.doctorGitHooksMissing(hooksDir, missing, other), fix: 'cwt install --git-hooks' };
}

function checkClaudeHooks(repo: RepoInfo, claudeHome: string): Finding {
  const local = join(repo.mainWorktree, '.claude', 'settings.local.json');
  const global = join(claudeHome, 'settings.json');
  const where = [local, global].filter(hasCwtClaudeHooks);
  if (where.length > 0) return { id: 'claude-hooks', severity: 'ok', message: MESSAGES.doctorClaudeHooksOk(where) };
  return { id: 'claude-hooks', severity: 'info', message: MESSAGES.doctorClaudeHooksMissing, fix: 'cwt install' };
}

/**
 * Checkouts whose settings make cwt mcp the fast path's second decider while no cwt MCP server will run there
 * (not registered, not approved, or turned off in Claude Code): with the per-user service down, their tool calls
 * would go undecided.
 */
function checkMcpDeciders(checkouts: readonly string[], env: NodeJS.ProcessEnv): Finding[] {
  const findings: Finding[] = [];
  let served = 0;
  for (const checkout of checkouts) {
    const gap = getMcpDeciderGap(env, checkout);
    if (gap !== undefined) findings.push({ id: 'mcp-decider', severity: 'warn', message: MESSAGES.doctorMcpDeciderGap(checkout, gap), fix: MESSAGES.doctorMcpDeciderGapFix });
    else if (hasMcpDeciderInCheckout(checkout)) served++;
  }
  if (findings.length === 0 && served > 0) findings.push({ id: 'mcp-decider', severity: 'ok', message: MESSAGES.doctorMcpDeciderOk(served) });
  return findings;
}


/** Whether the repository's own .cwt.json may set the keys that need trust; nothing when it has no such file. */
function checkRepoConfigTrust(repo: RepoInfo, env: NodeJS.ProcessEnv): Finding[] {
  const config = readRepoConfig(repo.mainWorktree, env);
  if (config === undefined) return [];
  const keys = Object.keys(config.trustRequired);
  const id = 'repo-config-trust';
  if (keys.length === 0) return [{ id, severity: 'ok', message: MESSAGES.doctorRepoConfigNeedsNoTrust(config.path, TRUST_REQUIRED_KEYS) }];
  if (config.state === 'trusted') return [{ id, severity: 'ok', message: MESSAGES.doctorRepoConfigTrusted(config.path, config.sha256, keys) }];
  // Not a warning: leaving a repository untrusted is a choice, and cwt works with the user's own config.
  return [{ id, severity: 'info', message: MESSAGES.doctorRepoConfigUntrusted(config.path, keys, config.state === 'changed'), fix: MESSAGES.repoConfigTrustFix }];
}

function checkSentinels(worktrees: readonly string[], now: number): Finding[] {
  const findings: Finding[] = [];
  for (const dir of worktrees) {
    for (const name of SENTINEL_NAMES) {
      const path = join(dir, name);
      const found = inspectSentinel(path, now, isPidAlive);
      if (found.state === 'busy') {
        const who = found.info.sessionId ?? (found.info.pid !== null ? `pid ${found.info.pid}` : 'someone');
        findings.push({ id: 'sentinel', severity: 'warn', message: MESSAGES.doctorSentinelLive(path, who, found.info.command, formatAgo(found.ageMs)), fix: MESSAGES.sentinelBusyHint(path) });
      } else if (found.state === 'stale') {
        findings.push({ id: 'sentinel', severity: 'info', message: MESSAGES.doctorSentinelStale(path, formatAgo(found.ageMs)), fix: MESSAGES.doctorSentinelStaleFix(path) });
      }
    }
  }
  return findings;
}

/** Commits on each session's branch since it began that exist nowhere else and no session recorded. */
async function checkUnknownCommits(store: Store, repo: RepoInfo, sessions: readonly SessionRecord[]): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const session of sessions) {
    if (session.branch === '' || session.baseCommit === '' || !existsSync(session.worktree)) continue;
    const [range, unmerged] = await Promise.all([listCommitsBetween(session.baseCommit, `refs/heads/${session.branch}`, repo.topLevel), getUnmergedCommits(session.branch, repo.topLevel).catch(() => [])]);
    if (!range || range.length === 0) continue;
    const onlyHere = new Set(unmerged.map((commit) => commit.sha));
    const recorded = new Map((await store.listCommits(repo.commonDir, range.map((commit) => commit.sha))).map((commit) => [commit.sha, commit.session]));
    const unknown = range.filter((commit) => onlyHere.has(commit.sha) && (recorded.get(commit.sha) ?? null) === null);
    if (unknown.length === 0) continue;
    findings.push({
      id: 'unknown-commits',
      severity: 'warn',
      message: MESSAGES.doctorUnknownCommits(session, unknown.map((commit) => `${commit.sha.slice(0, 10)} ${commit.author} ${commit.subject}`)),
      fix: MESSAGES.doctorUnknownCommitsFix(session),
    });
  }
  return findings;
}

function checkBursts(dirs: readonly string[], now: number, liveSessions: number): Finding[] {
  const findings: Finding[] = [];
  for (const dir of dirs) {
    const recent = listRecentFiles(dir, now - BURST_WINDOW_MS);
    if (recent.length < BURST_MIN_FILES) continue;
    findings.push({
      id: 'write-burst',
      // Several live sessions make it likely that more than one of them wrote: then it needs a look.
      severity: liveSessions > 1 ? 'warn' : 'info',
      message: MESSAGES.doctorBurst(dir, recent.length, formatAgo(BURST_WINDOW_MS).replace(' ago', ''), recent.slice(0, 3).map((file) => file.path.slice(dir.length + 1))),
      fix: MESSAGES.doctorBurstFix,
    });
  }
  return findings;
}

function checkAgentProcesses(worktrees: readonly string[], sessions: readonly SessionRecord[]): Finding[] {
  const pids = new Set(sessions.flatMap((session) => (session.pid === null ? [] : [session.pid])));
  const ids = new Set(sessions.map((session) => session.id));
  const findings: Finding[] = [];
  for (const agent of listClaudeProcesses()) {
    if (agent.cwd === undefined) continue;
    const cwd = toRealPath(agent.cwd);
    if (!worktrees.some((dir) => isPathInside(cwd, toRealPath(dir)))) continue;
    const accounted = pids.has(agent.pid) || (agent.ppid !== undefined && pids.has(agent.ppid)) || (agent.cwtSession !== undefined && ids.has(agent.cwtSession));
    if (!accounted) findings.push({ id: 'unknown-agent', severity: 'warn', message: MESSAGES.doctorUnknownAgent(agent.pid, agent.cwd), fix: MESSAGES.doctorUnknownAgentFix });
  }
  return findings;
}

/** Collects every finding; read-only. */
export async function collectFindings(options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Finding[]> {
  const { cwd, env } = options;
  let repo: RepoInfo | undefined;
  try {
    repo = await resolveRepo(cwd, env);
  } catch (error) {
    if (!(error instanceof EnvironmentError)) throw error;
  }
  const config = loadConfig({ repoRoot: repo?.mainWorktree, env });
  const cwtHome = resolveCwtHome(env);
  const claudeHome = resolveClaudeHome(env);
  const probe = createLivenessProbe(config.sessionTtlMs, env);
  const findings: Finding[] = [checkGit(await getGitVersion(cwd)), ...checkAgents(config, env, cwd), checkStateModes(cwtHome), checkFastPath(env)];
  const store = await openStore(env);
  try {
    const storeFinding = await checkStore(store);
    findings.push(storeFinding);
    // Everything below reads the store: an unreachable one is the finding, not a crash of doctor.
    if (storeFinding.severity === 'warn') return findings;
    findings.push(...(await checkSessionsAndLocks(store, probe, repo)), ...checkInterruptedRuns(cwtHome, env));
    if (!repo) return findings;
    findings.push(await checkGitHooks(repo), checkClaudeHooks(repo, claudeHome), ...checkRepoConfigTrust(repo, env));
    // Another machine's sessions cannot have made this machine's commits, processes or writes.
    const sessions = (await store.listSessions({ repo: repo.commonDir })).filter((session) => session.host === probe.host);
    const worktrees = [...new Set([repo.mainWorktree, ...(await listWorktrees(repo.topLevel)).filter((entry) => !entry.bare && existsSync(entry.path)).map((entry) => entry.path)])];
    findings.push(...checkMcpDeciders(worktrees, env));
    const live = sessions.filter((session) => getSessionState(session, probe) === 'live').length;
    findings.push(
      ...checkSentinels(worktrees, probe.now),
      ...(await checkUnknownCommits(store, repo, sessions)),
      ...checkBursts([getCanonicalMemoryDir(claudeHome, repo.mainWorktree), join(claudeHome, 'skills')], probe.now, live),
      ...checkAgentProcesses(worktrees, sessions),
    );
    return findings;
  } finally {
    await store.close();
  }
}

export async function runDoctor(options: DoctorOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  const output = options.output ?? createProcessOutput();
  const findings = await collectFindings({ cwd: options.cwd ?? process.cwd(), env });
  const warnings = findings.filter((finding) => finding.severity === 'warn').length;
  if (options.json) {
    printJson(output, { warnings, findings });
  } else {
    for (const finding of findings) output.stdout(MESSAGES.doctorLine(finding.severity, finding.message, finding.fix));
    output.stdout(MESSAGES.doctorSummary(warnings));
  }
  return warnings > 0 ? 1 : 0;
}
