/**
 * Every user-facing sentence cwt prints, including recovery recipes. Tests assert against these, so a
 * wording change is made here once. Each error says what happened, to what, and the next command to run.
 */
import type { PathRefusal } from '../core/sessions/sessionpaths.js';
import type { HandoffRecord, KvRecord, LeaseRecord, LockRecord, PruneCounts, SessionActivity, SessionRecord, TaskRecord, WaitingReason } from '../core/store/store.js';
import type { RetentionKeepReason } from '../core/retention/policy.js';
import type { RetentionReport } from '../core/retention/pass.js';
import type { ClaudeCodeRange } from '../core/harness/claudecode.js';
import type { NewJournalRecord, RunJournal } from '../core/sessions/runjournal.js';
import { quoteShellWord } from './shellquote.js';
import { sanitizeForTerminal } from './sanitize.js';

/** Text a model or another machine supplied (a title, a note, a summary), as part of one line. */
const oneLine = (text: string): string => sanitizeForTerminal(text);
/** A name (a branch, a scope, a path) as one word of a command the user may copy into a shell. */
const word = (text: string): string => quoteShellWord(text);

function since(at: number, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - at) / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)}m ago`;
  return `${Math.round(seconds / 3600)}h ago`;
}

/** A size as people read it: 812 B, 4.2 kB, 12.3 MB. */
function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} kB`;
  return bytes < 1e9 ? `${(bytes / 1e6).toFixed(1)} MB` : `${(bytes / 1e9).toFixed(2)} GB`;
}

/** What each count of a retention pass is of. */
const RETENTION_COUNT_NOUNS: Record<keyof PruneCounts, string> = {
  events: 'event(s)',
  sessions: 'ended session record(s)',
  claudeSessions: 'Claude session link(s)',
  kvTombstones: 'deleted kv key(s)',
  claimDenials: 'claim denial(s)',
  reads: 'read record(s)',
  commits: 'commit record(s)',
};

/** Why an ended session past its window keeps its record, and what would let it go. */
const RETENTION_KEEP_REASONS: Record<Exclude<RetentionKeepReason, 'open' | 'recent' | 'forever'>, string> = {
  unmerged: 'memory never merged (merge it: cwt merge-memory <id>, or cwt memory rescue)',
  undo: 'a memory backup not undone names it (cwt merge-memory --undo may still need it)',
  holds: 'a lock, claim or lease still names it (cwt gc releases stale ones)',
  'other-host': "it ran on another machine (that machine's cwt gc prunes it)",
};

export const MESSAGES = {
  // environment
  gitMissing: 'git was not found on PATH; cwt needs git 2.38 or newer',
  notAGitRepo: (cwd: string) => `${cwd} is not inside a git repository`,
  notAGitRepoHint: 'cd into your repository (or one of its worktrees) and run the command again',
  bareRepo: (cwd: string) => `${cwd} is a bare repository; cwt needs a checkout`,
  agentNotFound: (agent: string) => `the agent '${agent}' was not found on PATH`,
  agentNotFoundHint: (agent: string) =>
    agent === 'claude'
      ? 'install Claude Code (npm install -g @anthropic-ai/claude-code), choose another agent with --agent <cmd>, or use --no-launch'
      : `check the name, pass another with --agent <cmd>, or use --no-launch`,

  storeUnreachable: (location: string, reason: string) => `cannot use the state store at ${location}: ${reason}`,
  storeUnreachableHint:
    'check that the database server is up and CWT_STORE (or PG* variables such as PGPASSWORD) is right; unset CWT_STORE to use the local SQLite store',
  hookStoreUnreachable: (detail: string) => `cwt: ${detail}; hooks allow every call until the store is back`,

  // usage
  storeUrlInvalid: 'CWT_STORE must be a postgres://… URL (or empty for the local SQLite store)',
  storeUrlHint: 'for example: CWT_STORE=postgres://me@db.internal:5432/cwt (add ?schema=<name> to use a schema other than cwt)',
  unknownCommand: (name: string) => `unknown command '${name}'`,
  unknownCommandHint: 'run cwt --help to see the commands',
  unknownGlobalOption: (option: string) => `unknown global option '${option}' (before the command cwt takes -C <dir>, --debug, --help and --version)`,
  directoryOptionEmpty: 'cwt -C: needs a directory',
  directoryOptionHint: 'cwt -C <dir> <command> …',
  directoryUnusable: (dir: string) => `cannot change to directory '${dir}'`,
  directoryUnusableHint: 'check the path given to -C',
  unknownHookEvent: (name: string) => `unknown hook event '${name}'`,
  unknownHookEventHint: 'use one of: session-start, user-prompt-submit, pre-tool-use, post-tool-use, post-tool-use-failure, notification, stop, session-end, worktree-create, worktree-remove (cwt install writes these for you)',
  unknownGitHook: (name: string) => `unknown git hook '${name}'`,
  unknownGitHookHint: 'cwt handles pre-commit, post-commit, post-merge and post-rewrite; install them with: cwt install --git-hooks',
  badArguments: (command: string, detail: string) => `cwt ${command}: ${detail}`,
  badArgumentsHint: (command: string) => `run cwt ${command} --help for usage`,
  invalidBranch: (name: string) =>
    name === '' ? 'the branch name is empty' : `'${name}' is not a valid branch name (git check-ref-format --branch refuses it)`,
  invalidBranchHint: 'use a name such as feat/login or fix-1234: no spaces, no "..", not starting with "-"',
  branchCheckedOut: (branch: string, path: string) => `branch '${branch}' is already checked out in ${path}`,
  branchCheckedOutHint: (branch: string, sessionId: string | undefined) =>
    sessionId ? `resume that session with: cwt attach ${sessionId}` : `pick another branch, or work in that checkout: cd <path>; to resume a cwt session there: cwt attach ${word(branch)}`,
  branchClash: (branch: string, existing: string) =>
    `branch '${branch}' cannot be created next to the existing branch '${existing}' (git keeps one as a directory of the other)`,
  branchClashHint: 'choose a name that is neither a prefix path of an existing branch nor inside one',
  unknownRef: (ref: string) => `--from '${ref}' does not name a commit`,
  unknownRefHint: 'pass a branch, tag or commit id that exists: git log --oneline -5',
  fromWithExistingBranch: (branch: string) => `branch '${branch}' already exists, so --from has nothing to start from`,
  fromWithExistingBranchHint: (branch: string) => `drop --from to check out the existing '${branch}', or choose a new branch name`,
  pathExists: (path: string) => `${path} already exists and is not an empty directory`,
  pathExistsHint: 'choose another --path, or remove that directory first',
  pathInsideRepo: (path: string) => `${path} is inside the repository's main checkout`,
  pathInsideRepoHint: 'worktrees inside the checkout show up as untracked files there; choose a --path outside it',
  configNotJson: (path: string, detail: string) => `${path} is not valid JSON: ${detail}`,
  configInvalid: (path: string, key: string, detail: string) => `${path}: '${key}' ${detail}`,

  // sessions
  noSuchSession: (ref: string) => `no session matches '${ref}'`,
  noSessionHere: (cwd: string) => `no cwt session owns ${cwd}`,
  listSessionsHint: 'run cwt status --all to list sessions, then pass a branch or session id',
  ambiguousSession: (ref: string, sessions: readonly SessionRecord[]) =>
    `'${ref}' matches several sessions: ${sessions.map((s) => `${s.id} (${s.branch})`).join(', ')}`,
  ambiguousSessionHint: 'pass the full session id',
  sessionEnded: (session: SessionRecord) => `session ${session.id} (${session.branch}) has ended`,
  sessionEndedHint: (branch: string) => `start a new session on that branch with: cwt new ${word(branch)}`,
  supervisorAlive: (session: SessionRecord) =>
    `session ${session.id} (${session.branch}) is live: its supervisor (pid ${session.pid} on ${session.host}) is still running`,
  supervisorAliveHint: (id: string) => `switch to that terminal, or take over with: cwt attach ${id} --force`,
  adoptedNotAttachable: (session: SessionRecord) =>
    `session ${session.id} is a Claude Code tab that cwt adopted in ${session.worktree}; cwt did not start it and cannot relaunch it`,
  adoptedNotAttachableHint: 'start claude there yourself (claude --resume), or start a session of its own with: cwt new <branch>',
  adoptedNoNamespace: (session: SessionRecord) =>
    `session ${session.id} is a Claude Code tab cwt adopted; it wrote the repository's memory directly (${session.memoryDir}), so there is nothing to merge`,
  adoptedNoNamespaceHint: 'merge a session started with cwt new, or find stray memory with: cwt memory rescue --dry-run',
  adoptedNotRemovable: (session: SessionRecord) =>
    `session ${session.id} is a Claude Code tab adopted in ${session.worktree}: that checkout and its branch are not the session's to remove`,
  adoptedNotRemovableHint: (id: string) => `end it without removing anything: cwt end ${id}`,
  worktreeMissing: (session: SessionRecord) => `the worktree of session ${session.id} is gone: ${session.worktree}`,
  worktreeMissingHint: 'run cwt gc to drop the session record (its memory namespace is kept)',

  // cwt new
  created: (session: SessionRecord) => `session ${session.id} on ${session.branch}: ${session.worktree}`,
  launching: (agent: string, worktree: string) => `starting ${agent} in ${worktree}`,
  agentExited: (session: SessionRecord, code: number | null) =>
    `${session.agent} exited${code !== null ? ` with code ${code}` : ''}; session ${session.id} (${session.branch}) is kept`,
  nextStepAfterAgent: (session: SessionRecord) =>
    `next: cwt end ${session.id}   (resume instead with: cwt attach ${session.id})`,
  askEndNow: 'End the session now (merge its memory, release its holdings, unlock the worktree)?',
  rolledBack: 'cancelled: everything this command had created was removed',
  rollbackFailed: (step: string, detail: string) => `could not undo '${step}': ${detail}`,
  /** A pipeline step started to run alongside the next ones (PipelineStep.joinBefore). */
  pipelineStarted: (step: string) => `${step} (started; the next steps run meanwhile)`,
  /** The pipeline waits for the steps it started alongside. */
  pipelineWaitFor: (steps: readonly string[]) => `Wait for: ${steps.join('; ')}`,
  setupFailed: (command: string, code: number | null) => `setup command failed (exit ${code}): ${command}`,
  setupFailedHint: 'fix the command in your cwt config (setup) or run it by hand; the new session was rolled back',
  trackedLocalMd: (path: string) => `${path} is tracked by git; cwt leaves it unchanged and passes the session notes another way`,
  instructionsOverride: (tracked: string, override: string) =>
    `${tracked} is already in the worktree; cwt leaves it unchanged and writes ${override} (its text, then the session notes), which the agent reads instead`,
  instructionsBlocked: (agent: string, file: string, notesPath: string) =>
    `${file} is already in the worktree and ${agent} has no alternative instructions file cwt knows; the session notes are only at ${notesPath}`,
  worktreeSettingsTracked: (path: string) =>
    `${path} is tracked by git; cwt leaves it unchanged, so this claude -w session uses the repository's shared memory and cwt's hooks only where installed`,
  // The fast path's mcp_tool decider in a worktree's own files (issue 17: every kind of session).
  worktreeAdoptedSettingsTracked: (path: string) =>
    `${path} is tracked by git; cwt leaves it unchanged, so a plain claude started in this worktree gets cwt's hooks only where installed`,
  worktreeMcpJsonTracked: (path: string) =>
    `${path} is tracked by git (the team's); cwt adds no server to it, so sessions in this worktree keep the fallback guard command (a shell start per tool call) instead of cwt mcp`,
  leaseEnvTracked: (path: string) => `${path} is tracked by git; cwt leaves it unchanged (the leased values are still in the agent's environment)`,

  // cwt new journal: leftovers of a `cwt new` killed midway (kill -9), found by its run journal
  workAtRisk: (changes: readonly { code: string; path: string }[], commits: readonly { sha: string; subject: string }[]) => [
    ...changes.map((change) => `uncommitted: ${change.code} ${change.path}`),
    ...commits.map((commit) => `commit on no other branch: ${commit.sha.slice(0, 10)} ${commit.subject}`),
  ],
  leftoverNotAWorktree: (path: string) => `${path} is not a git worktree and is not empty: its files are not cwt's to delete`,
  leftoverRepoGone: (path: string, mainWorktree: string) => `${path} is not empty and its repository ${mainWorktree} is gone`,
  namespaceTaken: (dir: string) => `the memory namespace ${dir} was created by something else while this session was being set up`,
  namespaceTakenHint: 'run the command again: it picks the next free name',
  interruptedRun: (journal: RunJournal<NewJournalRecord>) =>
    `an interrupted cwt new ${journal.record.branch} (pid ${journal.pid}, killed ${journal.done.length === 0 ? 'before its first step finished' : `after step '${journal.done.at(-1)}'`})`,
  leftoverRolledBack: (run: string, undone: readonly string[]) => `rolled back ${run}: ${undone.length > 0 ? `undid: ${undone.join('; ')}` : 'it had made nothing'}`,
  leftoverWouldRollBack: (run: string, steps: readonly string[]) => `would roll back ${run}: ${steps.join('; ')}`,
  leftoverKept: (run: string, worktree: string, branch: string, kept: readonly string[], dryRun: boolean) =>
    `${dryRun ? 'would keep' : 'kept'} ${worktree} (branch ${branch}), left by ${run}: removing it would lose work:\n${kept.map((line) => `  ${line}`).join('\n')}${
      dryRun ? '' : '\nthe rest of that run was rolled back'
    }`,
  leftoverKeptHint: ({ worktree, branch, repo, createdBranchFrom }: NewJournalRecord) =>
    `keep the work: commit it on '${branch}' and merge or push it, then run cwt gc, which finishes the rollback and keeps the branch (cwt new ${branch} continues on it); or throw it away: git -C '${repo.mainWorktree}' worktree remove --force --force '${worktree}'${
      createdBranchFrom !== null ? ` && git -C '${repo.mainWorktree}' branch -D '${branch}'` : ''
    } && cwt gc`,
  leftoverFailed: (run: string, journal: string) => `could not finish rolling back ${run}; its journal stays at ${journal}`,
  leftoverFailedHint: 'fix what the error above names, then run cwt gc again',
  doctorInterruptedNew: (run: string, worktree: string, kept: readonly string[]) =>
    kept.length > 0
      ? `${run} left ${worktree}, kept because it holds work:\n${kept.map((line) => `  ${line}`).join('\n')}`
      : `${run} left what no session describes (worktree ${worktree}, its branch, memory namespace or session row)`,
  doctorInterruptedNewFix: 'cwt gc',
  doctorRunElsewhere: (branch: string, host: string, pid: number) =>
    `cwt new ${branch} on host ${host} (pid ${pid}) has not finished: it is running there, or was killed there`,
  doctorRunElsewhereFix: (host: string) => `if it was killed, run cwt gc on ${host} (a pid is only checked on its own host)`,

  // leases
  leasePortBusy: (name: string, port: string) => `${name}: port ${port} is in use by another process; trying the next one`,
  leasesExhausted: (name: string, what: string, busy: number) =>
    `no value left for ${name}: every one of ${what} is held by a live session${busy > 0 ? ` or in use by another process (${busy} busy)` : ''}`,
  leasesExhaustedHint: 'end sessions you no longer need (cwt status; cwt end <id>), run cwt gc, or widen the range in your cwt config (leases)',

  // claude -w (WorktreeCreate / WorktreeRemove hooks)
  worktreeHookNoName: 'the WorktreeCreate input names no worktree (expected {"name": "…", "cwd": "…"} on stdin)',
  worktreeHookNoPath: 'the WorktreeRemove input names no worktree (expected {"worktree_path": "…"} on stdin)',
  worktreeHookHint: 'this command is run by Claude Code for `claude -w <name>`; register it with: cwt install',
  worktreeResumed: (session: SessionRecord) => `resuming session ${session.id} (${session.branch}) in ${session.worktree}`,
  worktreeKeptWithWork: (path: string, reasons: readonly string[], id: string) =>
    `kept ${path}: removing it would lose work:\n${reasons.map((r) => `  ${r}`).join('\n')}\nthe session ${id} is ended; commit (and push or merge) the work, then: cwt end ${id} --remove`,
  worktreeNotCwt: (path: string) => `${path} is not a cwt session's worktree; removed it the way Claude Code would (git worktree remove)`,
  worktreeNotCwtDirty: (path: string) => `kept ${path}: it is not a cwt session's worktree and has uncommitted changes`,

  // locks
  lockBusy: (lock: LockRecord, now: number) =>
    `lock '${lock.name}' is held by ${lock.holder} (pid ${lock.pid} on ${lock.host}) since ${since(lock.acquiredAt, now)}${lock.note ? `: ${oneLine(lock.note)}` : ''}`,
  lockBusyHint: (name: string) => `wait and retry, or inspect it with: cwt lock ls (stale locks are taken over automatically; forced: cwt lock release ${name} --force)`,
  lockTakenOver: (previous: LockRecord) =>
    `WARNING: took over stale lock '${previous.name}' from ${previous.holder} (pid ${previous.pid} on ${previous.host}, last heartbeat ${since(previous.heartbeatAt)})`,

  // shared files
  sharedFileNoDir: (path: string) => `cannot write ${path}: its directory does not exist`,
  sharedFileNoDirHint: (dir: string) => `create it first (mkdir -p ${word(dir)}) or check the path`,
  sharedFileIsDir: (path: string) => `${path} is a directory, not a file`,
  sharedFileUnreadable: (path: string) => `cannot read ${path}: permission denied`,
  shaMismatch: (path: string, expected: string, actual: string) =>
    `${path} changed since you read it: expected sha256 ${expected}, it is now ${actual}`,
  shaMismatchHint: (path: string) => `read it again (cwt sha ${word(path)}), redo your change on the new content, and write with the new sha`,
  appendLineInvalid: 'the line to append must be one line: no newline, carriage return or NUL',
  appended: (path: string) => `appended to ${path}`,
  appendNoop: (path: string) => `${path} already has that line; nothing changed`,
  invalidShaArgument: (value: string) => `--expect-sha '${value}' is not a sha256 (64 hex characters)`,

  // cwt lock
  invalidLockName: (name: string) => `'${JSON.stringify(name).slice(1, -1)}' is not a valid lock name`,
  invalidLockNameHint: 'use letters, digits and . _ : @ + - (no "/", "..", spaces or control characters), e.g. deploy:prod',
  lockNeedsCommand: 'cwt lock <name> needs the command to run after --',
  lockNeedsCommandHint: 'cwt lock deploy --wait 2m -- ./deploy.sh',
  lockCommandNotFound: (command: string) => `cannot run '${command}': not found or not executable`,
  lockAcquired: (name: string, token: number) => `holding lock '${name}' (fencing token ${token})`,
  lockLostLoud: (name: string, token: number, current: LockRecord | undefined) =>
    `WARNING: lock '${name}' (token ${token}) was taken over while the command ran${
      current ? ` by ${current.holder} (token ${current.token})` : ''
    }; another process may have run the same operation concurrently. Check its results.`,
  sentinelBusy: (path: string, ageMs: number, who: string) =>
    `${path} says another session is running this (${who}, started ${Math.round(ageMs / 60_000)}m ago)`,
  sentinelBusyHint: (path: string) => `wait for it (--wait 10m), or, if nothing is running, delete ${path}`,
  sentinelTakeover: (path: string, reason: string) => `WARNING: taking over ${path}: ${reason}`,
  sentinelKept: (path: string) => `the command failed; ${path} is kept so others know the operation is incomplete`,
  lockNotHeld: (name: string) => `lock '${name}' is not held`,
  lockReleased: (lock: LockRecord) => `released lock '${lock.name}' (held by ${lock.holder}, token ${lock.token})`,
  lockReleaseRefused: (lock: LockRecord) => `lock '${lock.name}' is held by ${lock.holder} (pid ${lock.pid} on ${lock.host}), not by you`,
  lockReleaseRefusedHint: (name: string) => `if that holder is gone, run: cwt lock release ${name} --force (allowed once it is stale, or confirmed on a terminal)`,
  lockReleaseLive: (lock: LockRecord) => `lock '${lock.name}' is live: its holder ${lock.holder} (pid ${lock.pid}) is still running and heartbeating`,
  lockReleaseLiveHint: 'stop that process first; a forced release of a live lock needs a terminal to confirm',
  askForceRelease: (lock: LockRecord) => `Release '${lock.name}' although ${lock.holder} (pid ${lock.pid}) is still alive?`,
  noLocks: 'no locks are held',

  // cwt end
  ended: (session: SessionRecord) => `ended session ${session.id} (${session.branch})`,
  alreadyEnded: (session: SessionRecord) => `session ${session.id} (${session.branch}) had already ended`,
  worktreeKept: (path: string) => `worktree kept at ${path}`,
  worktreeRemoved: (path: string) => `removed worktree ${path}`,
  branchDeleted: (branch: string) => `deleted branch ${branch}`,
  memoryKept: (path: string) => `memory namespace kept at ${path}`,
  refuseRemoveDirty: (path: string, files: readonly string[]) =>
    `refusing to remove ${path}: it has uncommitted changes:\n${files.map((f) => `  ${f}`).join('\n')}`,
  refuseUnmerged: (branch: string, commits: readonly { sha: string; subject: string }[]) =>
    `refusing to lose branch '${branch}': ${commits.length} commit(s) are on no other branch or upstream:\n${commits
      .slice(0, 20)
      .map((c) => `  ${c.sha.slice(0, 10)} ${c.subject}`)
      .join('\n')}${commits.length > 20 ? `\n  … and ${commits.length - 20} more` : ''}`,
  refuseRemoveHint: (id: string) =>
    `commit and push (or merge) the work first; or, to throw it away: cwt end ${id} --remove --force`,
  endLiveSupervisor: (session: SessionRecord) =>
    `session ${session.id} (${session.branch}) still has a running agent (supervisor pid ${session.pid})`,
  endLiveSupervisorHint: (id: string) => `exit the agent first, or end it anyway with: cwt end ${id} --force`,

  // cwt gc
  gcMarkedStale: (session: SessionRecord) => `stale: session ${session.id} (${session.branch}): supervisor gone, heartbeat expired`,
  gcReleasedLock: (lock: LockRecord) => `released lock '${lock.name}' held by ${lock.holder}`,
  gcDroppedSession: (session: SessionRecord) => `dropped session ${session.id} (${session.branch}): its worktree ${session.worktree} is gone`,
  gcReleasedClaims: (session: SessionRecord, count: number) => `released ${count} file claim(s) of session ${session.id} (${session.branch})`,
  gcReleasedLeases: (session: SessionRecord, leases: readonly LeaseRecord[]) =>
    `released lease(s) of session ${session.id} (${session.branch}): ${leases.map((l) => `${l.name}=${l.value}`).join(', ')}`,
  gcNothing: 'nothing to collect',
  gcDryRun: '(dry run: nothing was changed)',

  // Retention
  /** What a retention pass removed (or would), what it kept past the windows and why, and the space given back. */
  retentionReport: (report: RetentionReport, location: string): string[] => {
    const counts = (Object.keys(RETENTION_COUNT_NOUNS) as (keyof PruneCounts)[]).filter((kind) => report.pruned[kind] > 0);
    const lines: string[] = [];
    if (counts.length > 0) {
      const list = counts.map((kind) => `${report.pruned[kind].toLocaleString('en-US')} ${RETENTION_COUNT_NOUNS[kind]}`).join(', ');
      lines.push(`${report.dryRun ? 'would prune' : 'pruned'} what the retention windows let go (retain in your cwt config): ${list}`);
    }
    for (const reason of Object.keys(RETENTION_KEEP_REASONS) as (keyof typeof RETENTION_KEEP_REASONS)[]) {
      const kept = report.kept.filter((entry) => entry.reason === reason);
      if (kept.length === 0) continue;
      const shown = kept.slice(0, 5).map((entry) => `${entry.session} (${entry.branch})`).join(', ');
      lines.push(`kept ${kept.length} ended session record(s) past the window, ${RETENTION_KEEP_REASONS[reason]}: ${shown}${kept.length > 5 ? `, … ${kept.length - 5} more` : ''}`);
    }
    if (report.vacuumed) lines.push(`converted ${location} to incremental auto-vacuum (a one-time VACUUM): pruning gives space back from now on`);
    if (!report.dryRun && (counts.length > 0 || report.vacuumed)) lines.push(`store ${location}: ${formatBytes(report.sizeBefore)} -> ${formatBytes(report.sizeAfter)}`);
    return lines;
  },

  // Activity
  /** A session's activity and how long it has lasted, as status, the MCP tools and sibling notes show it: "working 12s". */
  activityLabel: (activity: SessionActivity, age: string, reason?: WaitingReason) => `${activity}${reason ? `: ${reason}` : ''} ${age}`,
  /** No activity: no hook has said anything yet, the Claude session ended, or an agent without cwt's hooks. */
  activityNone: '—',
  hookSiblingActivity: (label: string) => `; activity: ${label}`,
  /** `cwt log`: a session's activity changed. */
  eventActivity: (activity: SessionActivity, reason?: WaitingReason) =>
    ({
      working: 'working (a prompt was submitted or a tool runs)',
      waiting: reason === 'permission' ? 'waiting for its user (a permission prompt)' : reason === 'input' ? 'waiting for its user (for input)' : 'waiting for its user (Claude Code asked something)',
      idle: 'idle (the turn ended)',
    })[activity],
  /** The webhook's message when a session starts waiting for its user. */
  notifyWaiting: (session: SessionRecord | undefined, id: string, reason: WaitingReason | undefined) =>
    `session ${id}${session?.branch ? ` on ${session.branch}` : ''} is waiting for you${reason === 'permission' ? ' (a permission prompt)' : reason === 'input' ? ' (for input)' : ''}`,

  // status
  noSessions: 'no sessions; start one with: cwt new <branch>',
  statusTasksHeader: '\ntasks in progress:',
  /** `cwt status --watch`: the line above the table. */
  statusWatchHeader: (time: string, tty: boolean) => `cwt status --watch · ${time}${tty ? ' · Ctrl-C to quit' : ''}`,
  statusWatchWithFormat: '--watch draws the table; it cannot be combined with --json or --markdown',
  statusWatchWithFormatHint: 'cwt status --watch   (or cwt log -f --json for a machine-readable stream)',
  statusTaskLine: (session: string, id: number, title: string, progress: string) => `  ${session}  #${id} ${oneLine(title)}: ${progress}`,

  // claims
  noCurrentSession: (cwd: string) => `no cwt session here (${cwd}), so there is nobody to claim or release for`,
  noCurrentSessionHint: 'run it inside a session\'s worktree, from an agent cwt launched, or with CWT_SESSION=<id> (see cwt status)',
  claimOutsideCheckout: (path: string, session: SessionRecord) => `${path} is outside the checkout of session ${session.id} (${session.worktree})`,
  claimOutsideCheckoutHint: 'claims are per checkout: name files inside the session\'s worktree',
  claimBusy: (relPath: string, who: string) => `${relPath} is claimed by ${who}; nothing was claimed`,
  claimBusyHint: (relPath: string) => `see who and since when: cwt who ${word(relPath)}; take it anyway with --force`,
  claimed: (path: string, session: SessionRecord) => `claimed ${path} for session ${session.id}`,
  releasedClaim: (path: string) => `released ${path}`,
  nothingReleased: (session: SessionRecord) => `session ${session.id} held no matching claims`,
  whoNobody: (path: string) => `nobody claims ${path}`,
  whoWriteLock: (lock: LockRecord) => `being written now: ${lock.holder} holds ${lock.name} (${lock.note === null ? 'no note' : oneLine(lock.note)}, since ${since(lock.acquiredAt)})`,


  // shared state (cwt kv, MCP store_data / retrieve_data / list_scopes / delete_data)
  kvBadName: (what: 'scope' | 'key', name: string) => `'${JSON.stringify(name).slice(1, -1)}' is not a valid ${what}`,
  kvBadNameHint: 'use 1-200 characters without control characters, e.g. scope issue:15 and key owner',
  kvBadVersion: (value: string) => `'${value}' is not a version: versions are whole numbers, 0 meaning "the key does not exist yet"`,
  kvBadVersionHint: 'read the current version with: cwt kv get <scope> <key> --json',
  kvVersionConflict: (scope: string, key: string, expected: number, current: KvRecord | undefined) =>
    `${scope} ${key}: expected version ${expected}${expected === 0 ? ' (absent)' : ''}, but ${
      current ? `it is at version ${current.version}, value ${JSON.stringify(current.value)}${current.session ? `, written by session ${current.session}` : ''}` : 'it does not exist'
    }; nothing was written`,
  kvVersionConflictHint: (scope: string, key: string) =>
    `someone else wrote it first: read it again (cwt kv get ${word(scope)} ${word(key)} --json) and decide whether to retry with the new version`,
  kvNotFound: (scope: string, key: string) => `${scope} ${key} is not set`,
  kvScopeEmpty: (scope: string) => `scope ${scope} holds no values`,
  kvNoScopes: 'no shared values are stored; set one with: cwt kv set <scope> <key> <value>',
  kvDeleted: (scope: string, key: string) => `deleted ${scope} ${key}`,
  kvScopeDeleted: (scope: string, count: number) => `deleted scope ${scope} (${count} key${count === 1 ? '' : 's'})`,
  kvWritten: (record: KvRecord) => `${record.scope} ${record.key} = ${JSON.stringify(record.value)} (version ${record.version})`,
  kvCasNeedsExpect: 'cwt kv cas needs --expect <version> (0: only if the key does not exist yet)',
  kvCasNeedsExpectHint: 'cwt kv cas issue:15 owner "$CWT_SESSION" --expect 0',
  kvRmNeedsKey: 'cwt kv rm needs a key, or --all to delete the whole scope',
  kvRmNeedsKeyHint: 'cwt kv rm issue:15 owner   |   cwt kv rm issue:15 --all',

  // tasks (cwt task, MCP task_* and progress)
  badRecordId: (what: 'task' | 'handoff', text: string) => `'${text}' is not a ${what} id`,
  badRecordIdHint: (what: 'task' | 'handoff') => `${what} ids are numbers; list them with: cwt ${what} ls`,
  taskBadState: (text: string) => `'${text}' is not a task state`,
  taskBadPercent: (value: string) => `'${value}' is not a percentage`,
  taskBadPercentHint: 'give a number from 0 to 100',
  taskEmptyTitle: 'a task needs a title',
  taskEmptyTitleHint: 'cwt task add "migrate the users table" --queue issue:15',
  taskNotFound: (id: number) => `there is no task ${id}`,
  taskListHint: 'list the tasks with: cwt task ls',
  taskNotClaimable: (task: TaskRecord) => `task ${task.id} (${oneLine(task.title)}) is ${task.state === 'claimed' ? `claimed by ${task.owner}` : task.state}; nothing was claimed`,
  taskNotClaimableHint: (queue: string) => `claim the next pending task instead: cwt task claim --queue ${word(queue)}`,
  taskNotYours: (task: TaskRecord, who: string) =>
    task.state === 'claimed'
      ? `task ${task.id} (${oneLine(task.title)}) is claimed by ${task.owner}, not by ${who}`
      : `task ${task.id} (${oneLine(task.title)}) is ${task.state}${task.owner ? ` (last owner ${task.owner})` : ''}, not claimed by ${who}`,
  taskNotYoursHint: (task: TaskRecord) =>
    task.state === 'pending'
      ? `your claim lapsed (its heartbeat passed its TTL or your session stopped being live); claim it again: cwt task claim ${task.id}`
      : `see who has it: cwt task ls --queue ${word(task.queue)}; a human may override with --force`,
  noActor: (cwd: string) => `no cwt session here (${cwd}), so there is nobody to own the task`,
  noActorHint: "run it inside a session's worktree or from an agent cwt launched (CWT_SESSION), or name an owner for a script: --owner <name>",
  taskNone: (queue: string) => `no pending task in queue ${queue}`,
  taskAdded: (task: TaskRecord) => `added task ${task.id} to ${task.queue}: ${oneLine(task.title)}`,
  taskClaimed: (task: TaskRecord) => `claimed task ${task.id} (${task.queue}): ${oneLine(task.title)}`,
  taskRequeued: (task: TaskRecord) => `task ${task.id} (${oneLine(task.title)}) went back to pending: its owner was gone`,
  taskDone: (task: TaskRecord) => `task ${task.id} done: ${oneLine(task.title)}`,
  taskReleased: (task: TaskRecord) => `released task ${task.id}: ${oneLine(task.title)} is pending again`,
  taskProgressed: (task: TaskRecord) => `task ${task.id}: ${describeProgress(task)}`,
  noTasks: 'no tasks; add one with: cwt task add "<title>" [--queue <name>]',
  taskProgressNeedsField: 'cwt task progress needs at least one of --phase, --percent, --message',
  taskProgressNeedsFieldHint: 'cwt task progress 12 --phase testing --percent 60 --message "3 of 5 suites green"',

  // handoffs
  handoffEmpty: 'a handoff needs a summary of where the work stands',
  handoffEmptyHint: 'cwt handoff create "login form done, API pending" --next "wire POST /login" --file src/login.ts',
  handoffNotFound: (id: number) => `there is no handoff ${id}`,
  handoffListHint: 'list open handoffs with: cwt handoff ls',
  handoffTaken: (handoff: HandoffRecord) =>
    handoff.state === 'accepted' ? `handoff ${handoff.id} was already accepted by ${handoff.acceptedBy}` : `handoff ${handoff.id} is meant for session ${handoff.toSession}`,
  handoffCreated: (handoff: HandoffRecord) => `created handoff ${handoff.id}${handoff.toSession ? ` for session ${handoff.toSession}` : ''}; accept it with: cwt handoff accept ${handoff.id}`,
  handoffAccepted: (handoff: HandoffRecord) =>
    [
      `accepted handoff ${handoff.id}${handoff.fromSession ? ` from session ${handoff.fromSession}` : ''}: ${oneLine(handoff.summary)}`,
      ...(handoff.branch ? [`  branch: ${oneLine(handoff.branch)}`] : []),
      ...handoff.nextSteps.map((step, index) => `  ${index + 1}. ${oneLine(step)}`),
      ...handoff.files.map((file) => `  file: ${oneLine(file)}`),
    ].join('\n'),
  noHandoffs: 'no handoffs; leave one with: cwt handoff create "<summary>" --next "<step>"',

  // cwt log
  logNothing: 'no events yet',

  // the event log, in words (cwt log, webhook notifications)
  eventSessionNew: (branch: string, worktree: string) => `started a session on ${branch} in ${worktree}`,
  eventSessionAdopt: (branch: string, worktree: string) => `a Claude Code tab joined (adopted) on ${branch || '(no branch)'} in ${worktree}`,
  eventSessionAttach: 'attached again',
  eventAgentStart: (command: string) => `agent ${command} started`,
  eventAgentExit: (code: number | null, signal: string | null) => `agent exited${code !== null ? ` with code ${code}` : ''}${signal ? ` (${signal})` : ''}`,
  eventSessionEnd: (removed: boolean, reason: string | undefined) => `session ended${removed ? ', worktree removed' : ''}${reason ? ` (${reason})` : ''}`,
  eventSessionStale: 'session went stale: supervisor gone, heartbeat expired',
  eventSessionDrop: (worktree: string) => `session dropped: its worktree ${worktree} is gone`,
  eventSessionRollback: (branch: string) => `session on ${branch} rolled back before it started`,
  eventClaudeLink: (id: string) => `Claude Code session ${id} joined`,
  eventClaudeEnd: (id: string) => `Claude Code session ${id} ended`,
  eventClaim: (path: string) => `claimed ${path}`,
  eventClaimTakeover: (path: string, previous: string) => `took over the claim on ${path} from ${previous || 'another session'} (conflict)`,
  eventClaimDeny: (path: string, holder: string) => `was denied an edit of ${path}: claimed by ${holder || 'another session'}`,
  eventClaimRelease: (paths: readonly string[]) => `released ${paths.length === 1 ? paths[0] : `${paths.length} claims`}`,
  eventLockAcquire: (name: string, token: string) => `acquired lock ${name} (token ${token})`,
  eventLockTakeover: (name: string, previous: string) => `took over stale lock ${name} from ${previous}`,
  eventLockRelease: (name: string) => `released lock ${name}`,
  eventLockForceRelease: (name: string, previous: string) => `force-released lock ${name} held by ${previous}`,
  eventMemoryMerge: (conflicts: readonly string[]) =>
    conflicts.length === 0 ? 'merged its memory' : `memory merge conflict in ${conflicts.join(', ')} (resolve, then cwt merge-memory)`,
  eventMemoryUndo: 'undid the last memory merge',
  eventKvSet: (scope: string, key: string, version: string) => `set ${scope} ${key} (version ${version})`,
  eventKvDelete: (scope: string, key: string) => `deleted ${scope} ${key}`,
  eventKvDeleteScope: (scope: string, keys: string) => `deleted scope ${scope} (${keys} keys)`,
  eventTask: (verb: string, data: Record<string, unknown>) =>
    `task ${String(data.id)} ${verb}${verb === 'claimed' && data.owner ? ` by ${String(data.owner)}` : ''}: ${String(data.title)} [${String(data.queue)}]`,
  eventTaskProgress: (data: Record<string, unknown>) => {
    const progress = (data.progress ?? {}) as { phase?: string | null; percent?: number | null; message?: string | null };
    return `task ${String(data.id)}: ${[progress.phase, progress.percent != null ? `${progress.percent}%` : null, progress.message].filter(Boolean).join(', ')}`;
  },
  eventHandoffCreate: (id: string, summary: string, to: string | null) => `left handoff ${id}${to ? ` for ${to}` : ''}: ${summary}`,
  eventHandoffAccept: (id: string, by: string, from: string) => `${by ? `${by} ` : ''}accepted handoff ${id}${from ? ` from ${from}` : ''}`,
  eventNotifyFailed: (event: string, error: string) => `webhook notification for event ${event} failed: ${error}`,

  // webhook notifications
  notifyWho: (session: SessionRecord) => `${session.id} (${session.branch || 'no branch'}, ${session.mainWorktree.split('/').pop()})`,
  notifySomeone: 'cwt',
  notifySessionId: (id: string) => `session ${id}`,
  notifyText: (body: string) => `[cwt] ${body}`,
  notifySuppressed: (count: number) => `(and ${count} more like it held back by the throttle)`,
  notifyTestText: 'test notification: the webhook is wired up',
  notifyBadUrl: 'the webhook URL is not an http(s) URL',
  notifyBadUrlHint: 'pass the full URL your chat tool gave you, e.g. cwt notify set - < webhook-url.txt',
  notifyConfigBroken: (path: string) => `${path} is not a webhook config: it must be a JSON object with a "url" string (and optionally "throttle": "60s")`,
  notifyConfigBrokenHint: 'write it again with: cwt notify set - < webhook-url.txt   (or remove it: cwt notify off)',
  notifyNotConfigured: (path: string) => `no webhook is configured (${path} does not exist)`,
  notifyNotConfiguredHint: 'set one with: cwt notify set - < webhook-url.txt',
  notifyExposed: (path: string) =>
    `WARNING: ${path} is readable by other users, and the webhook URL in it is a secret; fix with: chmod 600 ${path}`,
  notifySet: (path: string) => `webhook saved in ${path} (mode 600); sessions starting and ending, conflicts, denials, lock takeovers and memory merge conflicts will be posted; try it with: cwt notify test`,
  notifyOff: (path: string) => `webhook removed (${path}); nothing will be posted`,
  notifyStatus: (view: { configured: boolean; path: string; scheme: string | null; throttleMs: number; pending: boolean; lastFailure: { at: string; error: unknown } | null }) =>
    view.configured
      ? [
          `webhook: configured in ${view.path} (${view.scheme}; the URL is not shown)`,
          `throttle: one message per file or lock every ${Math.round(view.throttleMs / 1000)}s`,
          `pending: ${view.pending ? 'yes (a sender starts with the next cwt command or hook; or run cwt notify send)' : 'nothing'}`,
          ...(view.lastFailure ? [`last failure: ${view.lastFailure.at}: ${String(view.lastFailure.error)}`] : []),
        ].join('\n')
      : `webhook: not configured (${view.path}); set one with: cwt notify set - < webhook-url.txt`,
  notifyTestSent: (status: number) => `test notification posted (HTTP ${status})`,
  notifyTestFailed: (error: string) => `the test notification failed: ${error}`,
  notifyTestFailedHint: (path: string) => `check the URL in ${path} (set it again with cwt notify set -) and that this machine can reach it`,
  notifyDrained: (report: { sent: number; throttled: number; failed: number }) =>
    `webhook: ${report.sent} sent, ${report.throttled} held back by the throttle, ${report.failed} failed`,
  notifyBusy: 'another webhook sender is running; it will send what is pending',


  // cwt mcp: tool errors are read by a model, so each names the next step
  mcpNoSession: (cwd: string) =>
    `this cwt MCP server is not attached to a cwt session (no CWT_SESSION, no cwt worktree at ${cwd}, no Claude Code tab cwt adopted), so it cannot take locks, write shared data, or own claims, tasks, handoffs or progress`,
  mcpNoSessionHint:
    'read-only tools (list_sessions, who_has, retrieve_data, list_scopes) still work; to own work, the user starts the agent with `cwt new <branch>` or installs the hooks with `cwt install`, which adopt plain tabs at their first edit',
  mcpLockNotYours: (lock: LockRecord) => `lock '${lock.name}' is held by ${lock.holder} (pid ${lock.pid} on ${lock.host}), not by this session`,
  mcpLockNotYoursHint: 'only its holder releases it; call list_sessions to see who that is, and ask the user if it looks abandoned (cwt lock release <name> --force)',
  mcpProgressHint: 'call progress again with at least one of phase, percent (0-100) or message',
  mcpUnknownTool: (name: string, known: readonly string[]) => `there is no cwt tool '${name}'. Next step: use one of ${known.join(', ')}`,
  mcpBadArguments: (tool: string, detail: string) => `invalid arguments for ${tool}: ${detail}. Next step: call ${tool} again with arguments matching its input schema`,
  mcpToolFailed: (message: string, hint: string | undefined) => `${message}${hint ? `\nNext step: ${hint}` : ''}`,
  mcpInternalError: (tool: string, detail: string) => `cwt failed inside ${tool}: ${detail}. Next step: tell the user; this is a bug in cwt (run with CWT_DEBUG=1)`,
  // cwt mcp: log_event and recent_events
  mcpMilestoneEmpty: 'the milestone text is empty once control characters are removed',
  mcpMilestoneEmptyHint: 'call log_event again with a short sentence saying what was reached, e.g. "tests green on the users table"',
  mcpBadSince: (since: string) => `since '${since}' is neither a duration (30s, 10m, 2h, 1d) nor a date and time (2026-12-01T10:00:00Z)`,
  mcpBadSinceHint: 'call recent_events again with since as a duration such as 10m, or an ISO date and time',
  mcpUnknownEventSession: (ref: string) => `no session '${ref}' in this store`,
  mcpUnknownEventSessionHint: 'call list_sessions (with all: true for ended ones) and pass an id or a branch from it',
  /** `cwt log`: an agent's own milestone (MCP log_event). */
  eventAgentMilestone: (text: string) => `milestone: ${text}`,
  mcpInstructions:
    'cwt coordinates the coding-agent sessions working on this repository at once. list_sessions: who else is working, on what. who_has: before editing a file others may be on. lock / unlock: around work only one session may run (deploys, migrations). store_data with expected_version: claim something so exactly one session wins. task_*: a shared queue of work. progress: say where you are. handoff_create / handoff_accept: pass work on. log_event: record a milestone the user will see in cwt log; recent_events: what happened lately (denials, locks, commits, others’ milestones). Where the client lists these tools as deferred, load them first (ToolSearch "select:mcp__cwt__list_sessions").',

  // cwt install
  installed: (path: string) => `cwt hooks installed in ${path}`,
  installUnchanged: (path: string) => `cwt hooks already installed in ${path}; nothing changed`,
  uninstalled: (path: string) => `cwt hooks removed from ${path}`,
  uninstallNothing: (path: string) => `no cwt hooks in ${path}; nothing changed`,
  installNotObject: (path: string) => `${path} does not hold a JSON object; cwt will not rewrite it`,
  installNotObjectHint: 'fix the file by hand (it must be a JSON object), then run cwt install again',
  installRaced: (path: string) => `${path} kept changing while cwt tried to update it`,
  installedMcp: (path: string) => `cwt's MCP server registered in ${path} (kept out of git) and approved in .claude/settings.local.json; its tools reach claude as mcp__cwt__*`,
  installMcpUnchanged: (path: string) => `cwt's MCP server already registered in ${path}; nothing changed`,
  uninstalledMcp: (path: string) => `cwt's MCP server removed from ${path}`,
  // cwt install registers the MCP server by default (issue 17: the fast path's second decider is cwt mcp).
  installMcpChoiceHint: 'cwt install registers the MCP server by default; add --no-mcp to keep it out',
  installMcpJsonTrackedGuard: (path: string) =>
    `${path} is tracked by git (the team's): cwt adds no server to it, so this repository keeps the fallback guard command (a shell start per tool call while the fast path runs); to get cwt mcp anyway, add it yourself: claude mcp add --scope local cwt -- cwt mcp`,
  installMcpDeclinedGuard: (path: string) =>
    `cwt's MCP server is turned off for this repository in Claude Code (disabledMcpjsonServers, or /mcp): cwt leaves that as it is and registers nothing in ${path}, so the fallback is the guard command; to use cwt mcp, enable it again (/mcp, or remove cwt from disabledMcpjsonServers) and run cwt install`,
  doctorMcpDeciderGap: (checkout: string, gap: 'no-server' | 'not-approved' | 'declined') =>
    `${checkout}: its settings make cwt mcp the fallback decider, but ${gap === 'declined' ? 'cwt\'s MCP server is turned off there in Claude Code' : gap === 'no-server' ? 'its .mcp.json has no cwt server' : 'cwt\'s .mcp.json server is not approved (enabledMcpjsonServers)'}: while the per-user service is down, tool calls there go ahead with no decision`,
  doctorMcpDeciderGapFix: 'enable cwt\'s server again in Claude Code (/mcp) and run cwt install; or cwt install --no-mcp, so the guard command is the fallback (worktrees created after it get the guard too)',
  doctorMcpDeciderOk: (count: number) => `the fast path's second decider is cwt mcp in ${count} checkout${count === 1 ? '' : 's'} of this repository, its server registered and approved there`,
  installGuardFallback: (why: 'global' | 'tracked' | 'no-mcp') =>
    why === 'global'
      ? 'the fallback beside the http handler is a guard command (a shell start per tool call): cwt registers no MCP server for every session (it does not write ~/.claude.json), so none is certain to run'
      : why === 'no-mcp'
        ? 'the fallback beside the http handler is a guard command (a shell start per tool call), as --no-mcp asked; a plain cwt install registers cwt mcp instead (no process per call)'
        : 'the fallback beside the http handler stays the guard command',
  installMcpJsonTracked: (path: string) => `${path} is tracked by git; cwt will not add this machine's paths to a file the team shares`,
  installMcpAddHint: (scope: 'local' | 'user', entry: Record<string, unknown>) =>
    `let Claude Code register it for you instead: claude mcp add --scope ${scope} cwt -- ${[entry.command as string, ...(entry.args as string[])].join(' ')}`,
  installMcpGlobal: (entry: Record<string, unknown>) =>
    `cwt does not write ~/.claude.json (Claude Code rewrites it while it runs). To give every session cwt's MCP server, run once:\n  claude mcp add --scope user cwt -- ${[entry.command as string, ...(entry.args as string[])].join(' ')}`,
  installScope: (global: boolean) =>
    global
      ? 'every Claude Code session of this user now reports to cwt; plain tabs are adopted as sessions; claude -w <name> creates its worktree through cwt'
      : 'Claude Code sessions started in this repository now report to cwt, and claude -w <name> creates its worktree through cwt; sessions started with cwt new get the hooks either way',

  // The per-user hook fast path (cwt serve, issue 17)
  installFastPath: (port: number, decider: 'mcp' | 'guard' = 'guard') =>
    decider === 'mcp'
      ? `tool and turn hooks go to cwt's per-user fast path on 127.0.0.1:${port} and to the session's own cwt mcp, both long-lived (no process per tool call; only your uid gets an answer); either decides when the other is not running`
      : `tool and turn hooks go to cwt's per-user fast path on 127.0.0.1:${port} (no process per tool call; only your uid gets an answer); the command hook answers when it is not running`,
  installNoFastPath: 'no fast path here (it needs Linux peer credentials, or CWT_FASTPATH=off): every hook is a command hook',
  doctorFastPathRunning: (port: number, pid: number) => `fast path: serving on 127.0.0.1:${port} (pid ${pid})`,
  doctorFastPathStopped: (port: number) => `fast path: set up on 127.0.0.1:${port}, not running (the next session start runs it; until then the command hooks answer)`,
  fastPathPortBusy: (port: number) => `the fast path cannot listen on 127.0.0.1:${port}: another program holds it; the command hooks answer meanwhile. Run cwt install again to move it to a free port`,
  fastPathPortSquatted: (port: number, uid: number) =>
    `cwt: the fast path's port 127.0.0.1:${port} is held by another user (uid ${uid}), who would receive this session's tool calls and could answer them; every tool call is denied until you run cwt install (it moves the fast path to a free port)`,
  doctorFastPathSquatted: (port: number, uid: number) => `fast path: its port 127.0.0.1:${port} is held by another user (uid ${uid}); tool calls are denied until it moves`,
  doctorFastPathSquattedFix: 'cwt install   # records a free port and rewrites the settings (once per settings file you installed)',
  doctorFastPathNone: 'fast path: not set up (cwt install sets it up; hooks are command hooks)',

  // cwt install --git-hooks
  gitHookChange: (hook: string, path: string, action: string) =>
    ({
      installed: `installed ${hook}: ${path}`,
      chained: `installed ${hook}: ${path} (the hook that was there runs first, kept as ${path}.cwt-chained)`,
      updated: `updated ${hook}: ${path} (now runs this cwt)`,
      unchanged: `${hook} already installed: ${path}`,
      tracked: `left ${hook} alone: ${path} is tracked by git, and replacing it would change your repository`,
      removed: `removed ${hook}: ${path}`,
      restored: `removed ${hook}: ${path} (the hook that was there before is back)`,
      absent: `no cwt ${hook} in ${path.slice(0, -hook.length - 1)}`,
    })[action] ?? `${hook}: ${action}`,
  gitHookTrackedHint: (hook: string, path: string, command: string) =>
    `add this line to ${path} (it runs on every ${hook}): ${command}`,
  gitHooksTracked: 'some hooks were not installed: their files are tracked by git',
  gitHooksInstallFailed: (detail: string) => `could not install cwt's git hooks: ${detail}; the session works without them`,
  gitHooksInstallFailedHint: 'install them later with: cwt install --git-hooks',

  // cwt doctor
  doctorLine: (severity: 'ok' | 'info' | 'warn', message: string, fix?: string) =>
    `${severity === 'ok' ? 'ok  ' : severity === 'info' ? 'info' : 'WARN'}  ${message}${fix !== undefined && severity !== 'ok' ? `\n      fix: ${fix}` : ''}`,
  doctorSummary: (warnings: number) => (warnings === 0 ? 'nothing needs action' : `${warnings} finding${warnings === 1 ? '' : 's'} need${warnings === 1 ? 's' : ''} action (exit 1)`),
  doctorGitOk: (version: string) => `git ${version}`,
  doctorGitOld: (version: string) => `git ${version} is older than 2.38: the commit check needs git merge-tree --write-tree`,
  doctorGitOldFix: 'install git 2.38 or newer (your package manager, or https://git-scm.com/downloads)',
  doctorAgent: (agent: string, path: string, version: string | undefined) => `${agent}: ${path}${version ? ` (${version})` : ' (its version could not be read)'}`,
  doctorClaudeVersionOk: (version: string, range: ClaudeCodeRange) => `Claude Code ${version}, inside the range cwt is tested with (${range.oldest} to ${range.newest})`,
  doctorClaudeVersionUnknown: (path: string, range: ClaudeCodeRange) =>
    `${path} did not report a Claude Code version; cwt is tested with Claude Code ${range.oldest} to ${range.newest}`,
  doctorClaudeVersionOutside: (version: string, position: 'older' | 'newer', range: ClaudeCodeRange) =>
    `Claude Code ${version} is ${position} than the range cwt is tested with (${range.oldest} to ${range.newest}): ` +
    (position === 'older'
      ? 'hooks cwt relies on may be missing or shaped differently, and claude -w may bypass cwt'
      : 'hook payloads, memory note frontmatter or MCP tool loading may have changed; a memory merge may report conflicts that are not real, or a hook may stop deciding'),
  doctorClaudeVersionFix: (position: 'older' | 'newer', range: ClaudeCodeRange) =>
    position === 'older'
      ? `upgrade Claude Code: npm install -g @anthropic-ai/claude-code@${range.newest}`
      : `if something misbehaves, run Claude Code ${range.newest} (npm install -g @anthropic-ai/claude-code@${range.newest}) or a cwt release tested with yours`,
  doctorStore: (kind: 'sqlite' | 'postgres', location: string, schemaVersion: number, sizeBytes: number) =>
    `state store: ${kind === 'sqlite' ? 'SQLite file' : 'PostgreSQL'} ${location}, reachable, schema version ${schemaVersion}, ${formatBytes(sizeBytes)}`,
  doctorStateModesOk: (dir: string) => `state directory ${dir} is private`,
  doctorStateModesLoose: (paths: readonly string[], dirMode: number, fileMode: number) =>
    `others can read cwt's state (the directory should be ${dirMode.toString(8)}, its files ${fileMode.toString(8)}): ${paths.join(', ')}`,
  doctorSessionsOk: (count: number) => `${count} open session${count === 1 ? '' : 's'}, none stale; no stale locks`,
  doctorStaleSession: (session: SessionRecord, ago: string) => `session ${session.id} (${session.branch || session.worktree}) is stale: no supervisor, last heartbeat ${ago}`,
  doctorStaleSessionFix: (session: SessionRecord) =>
    session.kind === 'cwt' ? `resume it: cwt attach ${session.id}; or release what it holds: cwt gc` : `end it: cwt end ${session.id}; or: cwt gc`,
  doctorStaleLock: (name: string, holder: string, ago: string) => `lock '${name}' is stale: held by ${holder}, last heartbeat ${ago}`,
  doctorStaleLockFix: (name: string) => `cwt gc (or now: cwt lock release ${name} --force)`,
  doctorGitHooksOk: (dir: string) => `cwt's git hooks are installed in ${dir}`,
  doctorGitHooksMissing: (dir: string, missing: readonly string[], other: readonly string[]) =>
    [missing.length > 0 ? `cwt's git hooks are missing in ${dir}: ${missing.join(', ')}` : '', other.length > 0 ? `${other.join(', ')} in ${dir} run another cwt installation` : '']
      .filter(Boolean)
      .join('; '),
  doctorClaudeHooksOk: (paths: readonly string[]) => `cwt's Claude Code hooks are in ${paths.join(' and ')}`,
  doctorClaudeHooksMissing: "plain claude tabs in this repository do not report to cwt (sessions started with cwt new do)",
  doctorSentinelLive: (path: string, who: string, command: string | null, ago: string) => `${path} says an operation is running: ${who}${command ? ` (${command})` : ''}, started ${ago}`,
  doctorSentinelStale: (path: string, ago: string) => `${path} is left over from an operation started ${ago} that is no longer running`,
  doctorUnknownCommits: (session: SessionRecord, lines: readonly string[]) =>
    `${lines.length} commit${lines.length === 1 ? '' : 's'} on ${session.branch} (session ${session.id}) made by no known session:\n${lines
      .slice(0, 10)
      .map((line) => `        ${line}`)
      .join('\n')}${lines.length > 10 ? `\n        … and ${lines.length - 10} more` : ''}`,
  doctorUnknownCommitsFix: (session: SessionRecord) =>
    `look at them (git log ${word(`${session.baseCommit.slice(0, 10)}..${session.branch}`)}); made where cwt's hooks do not run: cwt install --git-hooks (and cwt install for plain claude tabs)`,
  doctorBurst: (dir: string, count: number, window: string, newest: readonly string[]) => `${count} files in ${dir} changed in the last ${window} (newest: ${newest.join(', ')})`,
  doctorBurstFix: 'if several sessions write there, check nothing was lost (cwt status, cwt who <file>); shared files: cwt append / cwt write; memory: cwt merge-memory',
  doctorUnknownAgent: (pid: number, cwd: string) => `claude (pid ${pid}) runs in ${cwd} without a cwt session`,
  doctorUnknownAgentFix: 'cwt install (plain tabs then register on their next tool call), or start sessions with cwt new',

  // hooks: what the model reads (deny reasons and context), so each says what to do next
  hookWho: (session: SessionRecord) =>
    session.kind === 'adopted'
      ? `a Claude Code tab in ${session.worktree} (cwt session ${session.id}, branch ${session.branch || '(none)'})`
      : `cwt session ${session.id} on branch ${session.branch} (${session.worktree})`,
  hookClaimDenyOnce: (rel: string, who: string, ago: string) =>
    `cwt: ${rel} was edited ${ago} by another session working in this same checkout: ${who}. It may be halfway through a change, and this edit could overwrite that work. Check the file's current content, and check with the user if unsure. If you still need to edit it, retry the same edit: it will go through and the file becomes yours.`,
  hookClaimDeny: (rel: string, who: string, ago: string) =>
    `cwt: ${rel} is reserved by another session working in this same checkout: ${who}, last edit ${ago}. It stays reserved until that session releases it (cwt release) or its claim expires. Work on something else or ask the user.`,
  hookClaimWarn: (rel: string, who: string, ago: string) =>
    `cwt: ${rel} was also edited ${ago} by ${who}, in this same checkout. Re-read it before building on your version.`,
  hookWhoOnHost: (session: SessionRecord) => `${MESSAGES.hookWho(session)} on host ${session.host}`,
  hookSiblingRisk: (rel: string, who: string, ago: string, how: 'claimed' | 'modified') =>
    `cwt: merge-conflict risk: ${rel} is also ${how === 'claimed' ? 'being edited' : 'modified'} in another worktree of this repository by ${who}, ${ago}. Keep your change to it focused; the branches will need merging.`,
  hookLeaseBusy: (path: string, who: string) =>
    `cwt: ${path} is being written right now by ${who}. Retry in a few seconds. (Scripts: cwt write / cwt append wait their turn.)`,
  hookStaleRead: (path: string) =>
    `cwt: ${path} changed since you read it: another session or process wrote it. Read it again and reapply your change on the new content; writing now would drop theirs.`,
  hookShellWrite: (path: string) =>
    `cwt: this command writes ${path}, a Claude Code file other sessions share; an unlocked shell write can lose their changes. Add a line with: cwt append ${word(path)} "<line>" --unique. Replace it with: <new content> | cwt write ${word(path)} --expect-sha "$(cwt sha ${word(path)})".`,
  hookSiblings: (self: SessionRecord, lines: readonly string[]) =>
    `cwt: you are ${self.kind === 'adopted' ? 'adopted as' : ''} cwt session ${self.id} (branch ${self.branch || '(none)'}). Other live sessions on this repository:\n${lines.join('\n')}\nAvoid editing files they are working on. An edit of a file another session in your checkout is editing is denied once; retry only if you are sure.`,
  hookSiblingLine: (session: SessionRecord, recent: readonly string[], activity?: string) =>
    `- ${session.kind === 'adopted' ? 'Claude Code tab' : 'session'} ${session.id} on branch ${session.branch || '(none)'} in ${session.worktree}${activity === undefined ? '' : MESSAGES.hookSiblingActivity(activity)}${recent.length > 0 ? `; recently edited: ${recent.join(', ')}` : ''}`,
  // commit check (cwt check, the pre-commit hook): read by people and by agents running git commit
  checkForeignHeader: (branch: string, count: number, tip: string) =>
    `cwt: commit blocked: ${count} commit${count === 1 ? '' : 's'} landed on ${branch} after ${tip.slice(0, 10)}, the tip this session last saw, and ${count === 1 ? 'it was' : 'they were'} not made by this session:`,
  checkForeignLine: (sha: string, author: string, email: string, at: number, subject: string, who: string) =>
    `  ${sha.slice(0, 10)}  ${author} <${email}>  ${new Date(at).toISOString().replace(/\.\d+Z$/, 'Z')} (${since(at)})  ${subject}\n      made by ${who}`,
  checkForeignNobody: 'no cwt session (made where cwt\'s hooks did not run: another tool, a terminal without them, or git commands other than commit)',
  checkForeignHint: (tip: string) =>
    `what to do: read them (git log -p ${tip.slice(0, 10)}..HEAD) — your staged changes may redo, undo or clash with them. Once your work takes them into account, run: cwt check --accept   and commit again. To commit without the check: CWT_SKIP_CHECK=1 git commit … (logged).`,
  checkClaimedHeader: 'cwt: commit blocked: staged files are being edited by another session working in this same checkout:',
  checkClaimedLine: (path: string, who: string, ago: string) => `  ${path}: ${who}, last edit ${ago}`,
  checkClaimedHint:
    'what to do: leave their half-done work out of your commit (git restore --staged <file>) and commit the rest, or wait until that session commits them (its commit releases them) or runs cwt release; see who: cwt who <file>',
  checkOverlapHeader: (strict: boolean) =>
    strict
      ? 'cwt: commit blocked (strict check): staged files were also changed by sessions in other worktrees:'
      : 'cwt: warning: staged files were also changed by sessions in other worktrees; merging the branches will need care:',
  checkOverlapSibling: (who: string) => `  ${who}:`,
  checkOverlapPath: (path: string, how: 'uncommitted' | 'committed' | 'both') =>
    `    ${path} (${how === 'both' ? 'committed on its branch and changed again, uncommitted' : how === 'committed' ? 'committed on its branch since the merge base' : 'uncommitted there'})`,
  checkConflict: (path: string) => `    predicted merge conflict in ${path}:`,
  checkConflictNoHunk: (path: string) => `    predicted merge conflict in ${path} (not a text conflict: added, deleted or binary on one side)`,
  checkNoConflict: '    git merge-tree predicts no conflict in these files',
  checkPredictionFailed: (detail: string) => `    (no conflict prediction: ${detail})`,
  checkHunkLine: (line: string) => `      | ${line}`,
  checkOverlapHint: (strict: boolean) =>
    strict
      ? 'what to do: agree with that session who changes these files (cwt status lists it), or commit anyway with CWT_SKIP_CHECK=1 git commit … (logged)'
      : 'the commit goes ahead; to block in this case use --strict, "strictCheck": true in .cwt.json, or CWT_STRICT_CHECK=1',
  checkClean: (paths: number) => `cwt check: ${paths} path${paths === 1 ? '' : 's'} checked; nothing to report`,
  checkNoPaths: 'cwt check: nothing staged; nothing to check',
  checkAccepted: (branch: string, tip: string) => `recorded ${tip.slice(0, 10)} as the tip of ${branch} this session has seen; commit again`,
  checkAcceptNoSession: (cwd: string) => `no cwt session works in ${cwd}, so there is no tip to accept`,
  checkAcceptNoSessionHint: 'run it in the session\'s checkout (or from its agent); cwt status lists the sessions',
  checkAcceptOtherBranch: (branch: string, sessionBranch: string) => `this checkout is on ${branch || 'a detached HEAD'}, but its session works on ${sessionBranch}`,
  checkAcceptOtherBranchHint: (sessionBranch: string) => `switch back (git switch ${word(sessionBranch)}) and run cwt check --accept again`,
  checkSkipped: 'cwt: commit check skipped (CWT_SKIP_CHECK=1); the bypass is logged as an event',
  checkFailedOpen: (detail: string, log: string) => `cwt: the commit check could not run and was skipped: ${detail} (details in ${log})`,

  // memory merge (cwt merge-memory, cwt end, cwt memory rescue)
  mergeSummary: (label: string, canonical: string, s: MergeCounts) =>
    `merged ${label} into ${canonical}: ${s.added} added, ${s.merged} merged, ${s.deleted} deleted, ${s.unchanged} unchanged${
      s.conflicts > 0 ? `; ${s.conflicts} conflicted file${s.conflicts === 1 ? '' : 's'} left as canonical has ${s.conflicts === 1 ? 'it' : 'them'}` : ''
    }`,
  mergeNothing: (label: string, canonical: string) => `memory of ${label}: nothing to merge into ${canonical}`,
  mergePlanHeader: (label: string, canonical: string) => `plan: merge ${label} into ${canonical}`,
  mergeDryRun: '(dry run: nothing was changed)',
  mergeLine: (action: 'add' | 'merge' | 'delete' | 'conflict', file: string, reason?: string) => `  ${action.padEnd(8)}  ${file}${reason ? ` (${describeConflictReason(reason)})` : ''}`,
  mergeBackup: (dir: string) => `backup of canonical memory before this merge: ${dir}\n  undo with: cwt merge-memory --undo`,
  mergeRecovered: (kind: string) => `finished a memory ${kind} that was interrupted (its journal was complete); canonical memory is consistent`,
  mergeMissingDir: (dir: string) => `the memory directory ${dir} does not exist; nothing to merge (nothing deleted)`,
  mergeConflictHeader: (file: string, reason: string) => `CONFLICT in memory file ${file}: ${describeConflictReason(reason)}`,
  mergeConflictPaths: (canonical: string, session: string) => `  canonical copy: ${canonical}\n  session copy:   ${session}`,
  mergeConflictHunk: (line: number, canonical: readonly string[], base: readonly string[], session: readonly string[], label: string) =>
    [
      `  at line ${line} of the conflict file:`,
      '    canonical has:',
      ...quoteLines(canonical),
      `    ${label} has:`,
      ...quoteLines(session),
      '    (the base had:)',
      ...quoteLines(base),
    ].join('\n'),
  mergeConflictFile: (path: string) => `  merged text with conflict markers: ${path}`,
  mergeConflictUnresolved: (path: string) => `  ${path} still has conflict markers (<<<<<<< ||||||| ======= >>>>>>>)`,
  mergeConflicts: (count: number, canonical: string) =>
    `memory merge stopped on ${count} conflict${count === 1 ? '' : 's'}: canonical memory (${canonical}) was left unchanged for ${count === 1 ? 'that file' : 'those files'}; every other file was merged`,
  mergeConflictsHint: (rerun: string) =>
    `edit each .conflict.md file named above to the text you want and remove the marker lines (or fix the session copy and delete the .conflict.md), then run: ${rerun}`,
  askConflictChoice: (file: string) => `How should ${file} be resolved?`,
  conflictChoices: {
    canonical: 'keep canonical (drop the session’s change)',
    session: 'take the session’s version (drop canonical’s change)',
    both: 'keep both (canonical’s lines, then the session’s, in each conflicting place)',
    editor: 'open the merged text in $EDITOR',
    later: 'leave it for later (write the .conflict.md file)',
  },
  editorFailed: (editor: string, code: number | null) => `the editor '${editor}' exited with code ${code}; the conflict is left for later`,
  endMergeHint: (id: string) => `resolve the conflicts, then run: cwt end ${id}   (or end without merging: cwt end ${id} --no-merge)`,
  endNotMerged: (id: string) => `memory was not merged (--no-merge); merge it later with: cwt merge-memory ${id}`,

  // cwt merge-memory --undo
  undoNothing: (canonical: string) => `no memory merge to undo for ${canonical}`,
  undoNothingHint: 'cwt merge-memory keeps a backup of canonical memory for each merge that changed it or moved a base; none is left to undo',
  undoCanonicalChanged: (canonical: string, files: readonly string[]) =>
    `canonical memory (${canonical}) changed since that merge, so undoing it would lose those changes:\n${files
      .slice(0, 20)
      .map((file) => `  ${file}`)
      .join('\n')}${files.length > 20 ? `\n  … and ${files.length - 20} more` : ''}`,
  undoCanonicalChangedHint: 'look at those files first; to restore the backup anyway: cwt merge-memory --undo --force',
  undoBackupDamaged: (dir: string, file: string) => `the backup ${dir} is damaged: ${file} is missing or does not match its recorded sha256`,
  undoBackupDamagedHint: 'nothing was changed; older backups are in the same directory',
  undone: (dir: string, restored: number, removed: number) => `restored canonical memory from ${dir}: ${restored} file(s) written back, ${removed} removed`,
  undoPlan: (dir: string) => `plan: restore canonical memory from ${dir}`,

  // cwt memory rescue
  rescueFound: (count: number) => `found ${count} memory director${count === 1 ? 'y' : 'ies'} to merge into canonical memory`,
  rescueNothing: (canonical: string) => `no memory directories to rescue into ${canonical}`,
  rescueCandidate: (dir: string, why: string) => `- ${dir}\n    ${why}`,
  rescueSkipped: (dir: string, why: string) => `- skipped ${dir}: ${why}`,
  rescueHint: 'resolve the conflicts as described, then run: cwt memory rescue',

  // Trust boundaries: store rows
  agentNotTrusted: (session: SessionRecord, expected: string) =>
    `session ${session.id} (${session.branch}) names the agent '${session.agent}' in the store, but this machine started it with '${expected}': cwt launches only what it started`,
  agentNotTrustedHint: (session: SessionRecord) => `someone with access to the store changed the session's row; end it (cwt end ${session.id}) and start a new one`,
  sessionOnOtherHost: (id: string, host: string, here: string) =>
    `session ${id} runs on host ${host}, not on this machine (${here}): its worktree and memory are there, so cwt leaves it alone here`,
  sessionOnOtherHostHint: (host: string) =>
    `run the command on ${host}; if that machine is gone, cwt gc releases what the session holds once its heartbeat expires (if this machine is ${host} under a new name, set CWT_HOST_ID=${host})`,
  untrustedSessionPaths: (id: string, refusals: readonly PathRefusal[]) =>
    `refusing to act on session ${id}: its record in the store names paths cwt does not put there:\n${refusals.map((r) => `  ${r.column} ${r.path}: ${r.why}`).join('\n')}`,
  untrustedSessionPathsHint: (id: string, memoryOnly: boolean) =>
    `nothing was changed for it. Someone with write access to the store changed this record (the paths cwt recorded when it started are in its session.new event: cwt log --json); ${
      memoryOnly ? `to end the session without touching its memory: cwt end ${id} --no-merge` : 'have the record corrected or deleted in the store'
    }`,
  untrustedMainWorktree: (main: string) => `not this repository's main checkout (${main})`,
  untrustedMainNotRepo: 'not the main checkout of a git repository on this machine (no .git directory there, or one of another repository)',
  untrustedRepo: (commonDir: string) => `not this repository's git directory (${commonDir})`,
  untrustedWorktree: (main: string) => `not a worktree that git worktree list shows for ${main}`,
  untrustedNamespace: (root: string) => `not inside ${root}/ (where cwt puts this repository's memory namespaces)`,
  untrustedBase: (stateDir: string) => `not inside ${stateDir}/ (this session's state directory)`,
  untrustedId: 'not a session id cwt makes (letters, digits, - and _ only)',
  gcRefusedSessions: (count: number) => `${count} session record(s) were left alone: they name paths cwt does not put there (listed above); everything else was collected`,
  rescueRefusedSessions: (count: number) => `${count} session record(s) were not rescued: they name paths cwt does not put there (listed above)`,
  refusedSessionsHint: 'someone with write access to the store changed these records; have them corrected or deleted in the store, then run the command again',
  rescueWorktreeUnlisted: (path: string, main: string) => `the session's worktree ${path} is neither listed by git worktree list nor under a worktree directory of ${main}`,
  branchNotDeleted: (branch: string, reason: string) => `kept branch '${branch}': git branch -d refused to delete it: ${reason.trim().split('\n')[0]}`,
  branchNotDeletedHint: (id: string) =>
    `git branch -d counts only HEAD and the branch's upstream as holding its commits; if cwt found them on another branch or a remote-tracking branch and you want it gone: cwt end ${id} --delete-branch --force`,
  // Trust boundaries: repository files and symlinks
  repoConfigUntrusted: (path: string, keys: readonly string[], changed: boolean) =>
    `ignored ${keys.join(', ')} from ${path}: ${changed ? 'the file changed since you trusted it' : 'this repository file is not trusted yet'} (these keys run commands or weaken a guard); review it, then run: cwt trust`,
  repoConfigTrustFix: 'review the file, then run: cwt trust (it prints what it allowed; cwt trust --revoke takes it back)',
  trustNoRepoFile: (path: string) => `there is no ${path}, so there is nothing to trust`,
  trustNoRepoFileHint: (keys: readonly string[]) =>
    `cwt trust allows the ${keys.join(', ')} of a repository's own .cwt.json; your own settings go in ~/.config/cwt/config.json and need no trust`,
  trustRecorded: (path: string, sha: string, keys: Readonly<Record<string, unknown>>) =>
    [
      `trusted ${path} (sha256 ${sha})`,
      ...(Object.keys(keys).length === 0 ? ['  (none of its keys needs trust)'] : Object.entries(keys).map(([key, value]) => `  ${key}: ${JSON.stringify(value)}`)),
      'cwt new and claude -w in this repository now use these, until the file changes (then run cwt trust again); undo with: cwt trust --revoke',
    ].join('\n'),
  trustRevoked: (path: string, keys: readonly string[]) => `no longer trusted: ${path}; cwt new and claude -w ignore its ${keys.join(', ')} again`,
  trustNothingToRevoke: (path: string) => `${path} was not trusted; nothing changed`,
  doctorRepoConfigUntrusted: (path: string, keys: readonly string[], changed: boolean) =>
    `${path} ${changed ? 'changed since you trusted it' : 'is not trusted'}: cwt ignores its ${keys.join(', ')} (your own config and the defaults apply instead)`,
  doctorRepoConfigTrusted: (path: string, sha: string, keys: readonly string[]) => `${path} is trusted (sha256 ${sha.slice(0, 12)}…): its ${keys.join(', ')} apply`,
  doctorRepoConfigNeedsNoTrust: (path: string, keys: readonly string[]) => `${path} needs no trust: it sets none of ${keys.join(', ')}`,
  writeThroughLinkRefused: (dest: string, link: string, landsAt: string, root: string) =>
    `refused to write ${dest}: ${link} is a symbolic link, and writing through it would put the file at ${landsAt}; cwt never writes through a link below ${root}`,
  writeThroughLinkRefusedHint: (link: string) =>
    `nothing was written. Look at where ${link} points; if it came with the repository (a tracked link), remove or replace it on that branch, otherwise replace it with a real directory or file; then run the command again`,
  canonicalMemoryNotADirectory: (canonical: string, target: string) =>
    `the repository's memory directory ${canonical} is a link to ${target}, which is missing or not a directory`,
  canonicalMemoryNotADirectoryHint: (target: string) => `mount or create ${target} (mkdir -p '${target}'), or remove the link to start with empty memory; then run the command again`,
  // Trust boundaries: input limits and output hygiene
  ttlTooLong: (what: string, text: string, max: string) => `${what} '${text}' is longer than cwt accepts for a TTL: at most ${max}`,
  ttlTooLongHint:
    'a TTL is how long a hung holder keeps others out; heartbeats keep a long job alive, so minutes to hours are enough (for example --ttl 10m)',
  configTtlExpected: (max: string) => `a duration such as 30s, 2m or 1h, at most ${max}`,
  lockNameReserved: (name: string) => `'${name}' is reserved: lock names starting with cwt: are cwt's own (the webhook sender holds cwt:notify-sender)`,
  lockNameReservedHint: 'choose a name of your own, e.g. deploy:prod',
  sentinelIsDirectory: (path: string) => `--sentinel ${path} is a directory; it must name a file`,
  sentinelNoDirectory: (path: string) => `--sentinel ${path}: its directory does not exist`,
  sentinelNotOurs: (path: string) =>
    `--sentinel ${path} is an existing file that is not a sentinel (no front matter with session_id, started_at or pid); cwt would overwrite and then delete it, so it is left as it is`,
  sentinelPathHint: 'name a file for cwt to write while the command runs, such as ACTIVE-SESSION.md in the directory it works on',
  storeUrlNoHost: 'CWT_STORE names no database host (and PGHOST is not set)',
  storeUrlMalformed: 'CWT_STORE is not a valid URL (check the user, host and port parts)',
  storeUrlBadSchema: (schema: string) => `CWT_STORE's schema '${schema}' is not a plain lower-case SQL identifier`,
  valueTooBig: (what: 'value' | 'task data' | 'task result', bytes: number, max: number) => `the ${what} is ${bytes} bytes of JSON; cwt keeps at most ${max} bytes (${max / 1024} KiB)`,
  valueTooBigHint: 'store a path or a summary instead of the content itself',
  hookInputTooBig: (bytes: number, max: number) => `ignored the hook input: it is ${bytes} bytes or more, past the cap of ${max} bytes (Claude Code's input is far smaller)`,
  mcpMessageTooBig: (bytes: number, max: number) =>
    `the message is ${bytes} bytes; cwt mcp accepts at most ${max} bytes per message, and ignored it. Next step: send a smaller value (a path or a summary instead of the content)`,
  mcpMessageTooBigLog: (bytes: number, max: number) => `cwt mcp: refused a message of ${bytes} bytes (at most ${max} bytes per message); still serving`,
  doctorSentinelStaleFix: (path: string) => `rm ${word(path)}`,

  // Faults and consistency
  /** A memory file that kept changing while a merge read it (memory/snapshot.ts): not merged, base not moved. */
  gcRescuedMemory: (session: SessionRecord, counts: { added: number; merged: number; deleted: number }) =>
    `merged the memory of session ${session.id} (${session.branch}) into canonical memory before dropping its record: ${counts.added} added, ${counts.merged} merged, ${counts.deleted} deleted`,
  gcKeptForMemory: (session: SessionRecord, files: number) =>
    `kept the record of session ${session.id} (${session.branch}), whose worktree is gone: ${files} memory file(s) could not be merged yet; finish with: cwt merge-memory ${session.id}`,
  diskFull: (path: string) => `no space left on the disk holding ${path}: it was not written, and what was there is unchanged`,
  diskFullSomewhere: 'no space left on a disk cwt writes to: nothing was half written, and what was there is unchanged',
  diskFullHint: (dir: string) => `free some space there (df -h '${dir}' shows how much is left), then run the command again`,
  mergeUnsettled: (path: string) => `left ${path} for the next merge: it kept changing while it was read (the agent may still be writing it)`,

  // Conversations (cwt attach, cwt new --fork): Claude Code transcripts cwt follows, copies, never edits
  continuingConversation: (claudeId: string, firstPrompt: string | null) =>
    `continuing conversation ${claudeId}${firstPrompt ? ` ("${oneLine(firstPrompt)}")` : ''}`,
  noConversationYet: (session: SessionRecord) => `session ${session.id} (${session.branch}) has no recorded conversation yet: starting a new one`,
  newConversation: (session: SessionRecord) => `starting a new conversation in session ${session.id} (${session.branch})`,
  transcriptGone: (claudeId: string, path: string) => `the transcript of conversation ${claudeId} is gone (looked for ${path})`,
  transcriptGoneHint: (ref: string) => `start a new conversation instead: cwt attach ${word(ref)} --new   (or choose another: cwt attach ${word(ref)} --pick)`,
  transcriptCopyExists: (dest: string, source: string) => `${dest} exists and differs from ${source}: cwt never replaces a transcript`,
  transcriptCopyExistsHint: (dest: string) => `move ${word(dest)} aside if it is not needed, then run the command again`,
  transcriptCopied: (source: string, dest: string) => `copied the transcript ${source} to ${dest} (the original is unchanged; the copy is marked by ${dest}.cwt-copy.json)`,
  pickNeedsTerminal: (ref: string, lines: readonly string[]) =>
    `--pick asks which conversation to continue, and there is no terminal to ask on. The conversations:\n${lines.map((line) => `  ${line}`).join('\n')}`,
  pickNeedsTerminalHint: (ref: string) => `name one: cwt attach ${word(ref)} --pick <conversation id>`,
  pickNothing: (session: SessionRecord) => `session ${session.id} (${session.branch}) has no recorded conversation to pick`,
  pickNothingHint: (ref: string) => `start a new one: cwt attach ${word(ref)} --new`,
  noSuchConversation: (claudeId: string, session: SessionRecord) => `session ${session.id} (${session.branch}) has no conversation '${claudeId}'`,
  noSuchConversationHint: (ref: string) => `list them with: cwt status --json (conversations), or choose with: cwt attach ${word(ref)} --pick`,
  pickQuestion: 'Which conversation should continue?',
  conversationLine: (claudeId: string, startedAt: number, firstPrompt: string | null) =>
    `${claudeId}  started ${new Date(startedAt).toISOString()}  ${firstPrompt ? oneLine(firstPrompt) : '(no prompt recorded)'}`,
  attachNewAndPick: 'choose one of --new (a fresh conversation) and --pick (an earlier one)',
  attachNewAndPickHint: 'run cwt attach <branch|id> --new, or cwt attach <branch|id> --pick',
  pickIdWithoutPick: (value: string) => `unexpected argument '${value}': a conversation id goes after --pick`,
  pickIdWithoutPickHint: 'run cwt attach <branch|id> --pick <conversation id>',
  conversationsUnsupported: (agent: string, what: string) =>
    `${what} continues a Claude Code conversation; this session's agent is ${agent}, whose conversations cwt cannot resume`,
  conversationsUnsupportedHint: (ref: string) => `start the agent afresh: cwt attach ${word(ref)} --new`,
  attachEndedWorktreeKept: (session: SessionRecord, path: string) =>
    `session ${session.id} (${session.branch}) has ended, and its branch is still checked out at ${path}`,
  attachEndedWorktreeKeptHint: (branch: string) => `remove it first (git worktree remove), or start a new session on that branch: cwt new ${word(branch)}`,
  attachBranchGone: (session: SessionRecord) =>
    `session ${session.id} ended and its worktree was removed, and its branch '${session.branch}' no longer exists: there is nothing to recreate the worktree from`,
  attachBranchGoneHint: 'start a new session: cwt new <branch>   (git reflog may still hold the branch tip)',
  attachRepoGone: (session: SessionRecord) =>
    `session ${session.id} ended and its worktree was removed, and ${session.mainWorktree} is no longer a checkout of its repository (${session.repo}): there is nothing to recreate the worktree in`,
  recreatingSession: (old: SessionRecord) =>
    `session ${old.id} (${old.branch}) ended with its worktree removed: recreating the worktree from the branch as a new session`,
  recreatedSession: (old: SessionRecord, session: SessionRecord) =>
    `session ${session.id} continues session ${old.id} on ${session.branch}: ${session.worktree}`,
  forkUnknownSession: (ref: string) => `--fork: no session matches '${ref}'`,
  forkUnknownSessionHint: 'run cwt status --all to list sessions, then pass a branch or session id to --fork',
  forkNoConversation: (session: SessionRecord) => `--fork: session ${session.id} (${session.branch}) has no recorded conversation to fork`,
  forkNoConversationHint: (branch: string) => `start without one: cwt new ${word(branch)} --from <ref>`,
  forkTranscriptGoneHint: (branch: string) => `start without the conversation: cwt new ${word(branch)} --from <ref>`,
  forkNoTip: (session: SessionRecord) => `--fork: the branch '${session.branch}' of session ${session.id} no longer exists, so there is no tip to start from`,
  forkNoTipHint: 'name the starting point: cwt new <branch> --fork <session> --from <ref>',
  forkUnsupported: (agent: string) => `--fork starts from a copy of a Claude Code conversation; ${agent} has no conversations cwt can fork`,
  forkUnsupportedHint: 'start the session without --fork, or with --agent claude',
  forked: (parent: SessionRecord, claudeId: string) => `forking conversation ${claudeId} of session ${parent.id} (${parent.branch}); the original goes on untouched`,
  notesForked: (parent: SessionRecord, claudeId: string, notes: readonly string[]) =>
    `## Where this session comes from\nThis session was forked from session ${parent.id} (branch \`${parent.branch}\`, worktree ${parent.worktree}): ` +
    `its branch starts at that session's tip, and this conversation continues from a copy of that session's conversation ${claudeId}, which goes on ` +
    `untouched there. Your memory directory was seeded from the repository's shared memory plus that session's unmerged notes` +
    `${notes.length > 0 ? ` (${notes.join(', ')})` : ' (it had none)'}.\n\n`,
  notesContinued: (old: SessionRecord, claudeId: string | undefined) =>
    `## Where this session comes from\nThis session continues session ${old.id} (branch \`${old.branch}\`), whose worktree was removed; cwt recreated it from the branch` +
    `${claudeId ? ` and continues conversation ${claudeId} from a copy of its transcript` : ''}. Your memory directory was seeded from the repository's shared memory, which holds what that session merged when it ended.\n\n`,
  wrongCheckoutCommit: (session: SessionRecord, topLevel: string, branch: string) =>
    `this commit comes from session ${session.id} (its agent's environment names it), but it is being made in ${topLevel} on '${branch}', ` +
    `which is not that session's checkout: session ${session.id} works on '${session.branch}' in ${session.worktree}`,
  wrongCheckoutCommitHint: (session: SessionRecord) =>
    `cd ${word(session.worktree)} and commit there; if this commit is meant for '${session.branch}' elsewhere on purpose, commit with CWT_SKIP_CHECK=1`,
  // The mcp_tool hook endpoint (issue 17): listed to the model like every tool, so it says it is none of its business.
  mcpHookToolDescription:
    "cwt's hook endpoint: Claude Code's own mcp_tool hooks call it with the hook input of a tool call. Not for use by a model: it answers {} to anything that is not a hook input of this session, and calling it yourself does nothing useful.",
} as const;

export interface MergeCounts {
  added: number;
  merged: number;
  deleted: number;
  unchanged: number;
  conflicts: number;
}

const CONFLICT_REASONS: Record<string, string> = {
  'both-changed': 'both sides changed the same lines',
  'both-added': 'both sides added a different file under this name',
  'deleted-in-canonical': 'canonical deleted it, the session changed it',
  'deleted-in-session': 'the session deleted it, canonical changed it',
  binary: 'not text (binary or not UTF-8) and both sides changed it',
  unresolved: 'its .conflict.md file still has conflict markers',
};

/** A task's progress in a few words: `testing, 60%, 3 of 5 suites green`. */
export function describeProgress(task: TaskRecord): string {
  const progress = task.progress;
  if (!progress) return task.state === 'claimed' ? 'claimed, no progress reported' : task.state;
  return oneLine([progress.phase, progress.percent !== null ? `${progress.percent}%` : null, progress.message].filter(Boolean).join(', '));
}

export function describeConflictReason(reason: string): string {
  return CONFLICT_REASONS[reason] ?? reason;
}

function quoteLines(lines: readonly string[]): string[] {
  if (lines.length === 0) return ['      (nothing)'];
  const shown = lines.slice(0, 12).map((line) => `      | ${line}`);
  return lines.length > 12 ? [...shown, `      | … ${lines.length - 12} more line(s)`] : shown;
}

// --- cwt dashboard -----------------------------------------------------------------------------------------
export const DASHBOARD_MESSAGES = {
  listening: (url: string, scope: string) => `cwt dashboard (${scope}): ${url}\nthe URL carries its access token: share it with nobody; Ctrl-C stops the dashboard`,
  scopeAll: 'every repository of the store',
  scopeRepo: (name: string) => `repository ${name}`,
  repoAndAll: '--repo and --all cannot be combined: one repository, or all of them',
  repoAndAllHint: 'cwt dashboard --all   (or cwt dashboard --repo <dir>)',
  badPort: (text: string) => `--port '${text}' is not a port number (1-65535)`,
  badPortHint: 'leave --port out for a free port, or pass e.g. --port 8731',
  portBusy: (port: number) => `port ${port} on 127.0.0.1 is in use`,
  portBusyHint: 'leave --port out for a free port, or pick another one',
  openFailed: (detail: string) => `warning: could not open a browser (${detail}); open the URL above yourself`,
  storeFailed: (detail: string) => `warning: the store could not be read (${detail}); the page shows the last state and cwt tries again`,
  pageMissing: (path: string) => `the dashboard page is missing (${path}): this cwt install is incomplete`,
  pageMissingHint: 'reinstall cwt (or run npm run build in a checkout of it)',
  /** The page's words for a commit the post-commit hook recorded. */
  eventCommit: (sha: string, subject: string, branch: string) => `committed ${sha} on ${branch || 'a detached HEAD'}: ${oneLine(subject)}`,
};

/** Every text the dashboard page shows (bundled into the page's script). */
export const DASHBOARD_TEXTS = {
  title: 'cwt dashboard',
  live: 'live',
  reconnecting: 'reconnecting…',
  stopped: 'not live: this dashboard stopped; run cwt dashboard again and open the URL it prints',
  updated: (time: string) => `updated ${time}`,
  noSessions: 'No sessions. Start one with: cwt new <branch>',
  sessionsHeading: 'Sessions',
  timelineHeading: 'Timeline',
  timelineHint: (span: string) => `the last ${span} (since the oldest session started, at most 3h); one lane per session; bars are lock holds; a dashed line joins two sessions that touched the same file`,
  locksHeading: 'Locks',
  noLocks: 'no lock is held',
  handoffsHeading: 'Open handoffs',
  noHandoffs: 'none open',
  latestHeading: 'Latest',
  latest: { denials: 'Denials', takeovers: 'Takeovers', conflicts: 'Conflicts', merges: 'Memory merges', commits: 'Commits' } as Record<string, string>,
  none: 'none',
  activity: {
    working: { icon: '▶', label: 'working' },
    waiting: { icon: '◆', label: 'waiting for you' },
    idle: { icon: '■', label: 'idle' },
  } as Record<string, { icon: string; label: string }>,
  noActivity: 'no activity reported',
  state: { live: '● live', stale: '◌ stale', ended: '✓ ended' } as Record<string, string>,
  fields: {
    worktree: 'worktree',
    agent: 'agent',
    heartbeat: 'heartbeat',
    memory: 'memory',
    leases: 'leases',
    claims: 'claims',
    tasks: 'tasks',
    host: 'host',
  },
  ago: (age: string) => `${age} ago`,
  nothing: '—',
  lockLine: (name: string, token: number) => `${name} · token ${token}`,
  lockHolder: (holder: string, age: string) => `held by ${holder} for ${age}`,
  handoffFrom: (from: string, to: string | null) => `from ${from}${to ? ` to ${to}` : ' to anyone'}`,
  eventsOf: (branch: string, id: string) => `Events of ${branch} (${id})`,
  noEvents: 'no events in the window',
  close: 'Close',
  openHint: 'Enter or Space shows its events',
  legend: 'Marks:',
  categories: {
    edit: 'edit (claim)',
    denial: 'denied edit',
    commit: 'commit',
    merge: 'memory merge',
    milestone: 'milestone',
    takeover: 'takeover',
    conflict: 'conflict',
    waiting: 'waiting for you',
  } as Record<string, string>,
  lockLegend: 'lock hold',
  lockBar: (name: string, token: number, held: boolean) => `lock ${name} (token ${token})${held ? ', held now' : ''}`,
  collision: (path: string) => `two sessions touched ${path}`,
};
