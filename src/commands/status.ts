/** `cwt status` (alias `ls`): who is running on this repository, as a table, JSON or a markdown sheet. */
import { existsSync } from 'node:fs';
import { loadConfigLazily } from '../core/config/lazy.js';
import { isClaimBinding } from '../core/coordination/claims.js';
import { formatAge, formatAgo } from '../core/util/duration.js';
import { getWorktreeChanges, resolveRepoAndIdentity } from '../core/git/git.js';
import { createLivenessProbe } from '../core/sessions/liveness.js';
import type { SessionPathVerifier } from '../core/sessions/sessionpaths.js';
import { getSessionState, type SessionState } from '../core/sessions/sessions.js';
import { openStore, releaseStore } from '../core/store/open.js';
import { toLeaseEnv } from '../core/coordination/leases.js';
import type { ClaimRecord, ClaudeSessionRecord, LeaseRecord, SessionActivity, SessionRecord, TaskRecord, WaitingReason } from '../core/store/store.js';
import { describeActivity, getShownActivity } from '../core/sessions/activity.js';
import { describeProgress, MESSAGES } from '../texts/messages.js';
import { createProcessOutput, printJson, type Output } from '../ui/output.js';
import { renderMarkdownTable, renderTable } from '../ui/table.js';
import { UsageError } from '../core/util/errors.js';
import { sleepQuietly } from '../core/util/sleep.js';
import { sanitizeForTerminal } from '../texts/sanitize.js';

export interface StatusOptions {
  all?: boolean;
  json?: boolean;
  markdown?: boolean;
  /** Redraw the table as the store changes (see watchStatus). */
  watch?: boolean;
  /** --watch: redraw at least this often, for the ages (default 5 s). */
  refreshMs?: number;
  /** --watch: stops it (tests; SIGINT and SIGTERM otherwise). */
  signal?: AbortSignal;
  /** --watch: where frames go (default process.stdout) and whether it is a terminal to redraw in place. */
  screen?: WatchScreen;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  output?: Output;
  /** The process exits right after (the lean entry): the store is left to the exit, as AppendOptions.exiting. */
  exiting?: boolean;
}

/** The JSON shape of one session: stable for scripts. */
export interface SessionView {
  id: string;
  branch: string;
  worktree: string;
  agent: string;
  /** 'cwt' (started by cwt) or 'adopted' (a plain Claude Code tab the hooks registered). */
  kind: SessionRecord['kind'];
  state: SessionState;
  pid: number | null;
  host: string;
  repo: string;
  baseCommit: string;
  startedAt: string;
  heartbeatAt: string;
  endedAt: string | null;
  agentExit: number | null;
  memoryDir: string;
  /**
   * conflict: a memory merge waits for the user; merged: merged at memoryMergedAt (it may have written since);
   * unmerged: never merged; shared: an adopted tab, which writes canonical memory itself.
   */
  memory: MemoryState;
  memoryMergedAt: string | null;
  /** Values leased to the session, by variable (`{"PORT": "3001"}`); empty when none. */
  leases: Record<string, string>;
  /** The tasks it has claimed (cwt task), with their progress. */
  tasks: TaskProgressView[];
  /**
   * What it is doing, from Claude Code's hooks: working, waiting (for its user) or idle; null when nothing says
   * (no hook yet, its Claude session or the session ended, or an agent without cwt's hooks).
   */
  activity: SessionActivity | null;
  /** When that activity began; null with no activity. */
  activitySince: string | null;
  /** Why a waiting session waits: permission (a permission prompt) or input; null otherwise or when unknown. */
  activityReason: WaitingReason | null;
  /** Its Claude Code conversations, oldest first (--json only): what `cwt attach --pick` chooses from. */
  conversations?: ConversationView[];
}

export interface ConversationView {
  id: string;
  startedAt: string;
  /** When a hook last saw it (the last one seen is what `cwt attach` continues). */
  activeAt: string;
  endedAt: string | null;
  /** Its first prompt's first line, sanitised and capped; null before one was submitted. */
  firstPrompt: string | null;
}

export function toConversationView(record: ClaudeSessionRecord): ConversationView {
  const iso = (at: number) => new Date(at).toISOString();
  return { id: record.claudeId, startedAt: iso(record.startedAt), activeAt: iso(record.activeAt), endedAt: record.endedAt === null ? null : iso(record.endedAt), firstPrompt: record.firstPrompt };
}

export interface TaskProgressView {
  id: number;
  queue: string;
  title: string;
  phase: string | null;
  percent: number | null;
  message: string | null;
  progressAt: string | null;
}

export function toTaskProgressView(task: TaskRecord): TaskProgressView {
  const progress = task.progress;
  return {
    id: task.id,
    queue: task.queue,
    title: task.title,
    phase: progress?.phase ?? null,
    percent: progress?.percent ?? null,
    message: progress?.message ?? null,
    progressAt: progress ? new Date(progress.at).toISOString() : null,
  };
}

export type MemoryState = 'merged' | 'unmerged' | 'conflict' | 'shared';

/** From the registry alone (no directory is read): status stays cheap with many sessions. */
export function getMemoryState(session: SessionRecord): MemoryState {
  if (session.kind === 'adopted') return 'shared';
  if ((session.memoryConflicts ?? []).length > 0) return 'conflict';
  return (session.memoryMergedAt ?? null) === null ? 'unmerged' : 'merged';
}

export function toSessionView(session: SessionRecord, state: SessionState, leases: readonly LeaseRecord[] = [], tasks: readonly TaskRecord[] = []): SessionView {
  const shown = getShownActivity(session, state === 'ended');
  return {
    id: session.id,
    branch: session.branch,
    worktree: session.worktree,
    agent: session.agent,
    kind: session.kind,
    state,
    pid: session.pid,
    host: session.host,
    repo: session.repo,
    baseCommit: session.baseCommit,
    startedAt: new Date(session.startedAt).toISOString(),
    heartbeatAt: new Date(session.heartbeatAt).toISOString(),
    endedAt: session.endedAt === null ? null : new Date(session.endedAt).toISOString(),
    agentExit: session.agentExit,
    memoryDir: session.memoryDir,
    memory: getMemoryState(session),
    memoryMergedAt: session.memoryMergedAt == null ? null : new Date(session.memoryMergedAt).toISOString(),
    leases: toLeaseEnv(leases),
    tasks: tasks.map(toTaskProgressView),
    activity: shown?.activity ?? null,
    activitySince: shown ? new Date(shown.since).toISOString() : null,
    activityReason: shown?.reason ?? null,
  };
}

const MAX_EDITING_SHOWN = 5;

/** At most MAX_EDITING_SHOWN paths, and how many more there are. */
function listSome(paths: readonly string[]): string {
  const shown = paths.slice(0, MAX_EDITING_SHOWN).join(', ');
  return paths.length > MAX_EDITING_SHOWN ? `${shown} (+${paths.length - MAX_EDITING_SHOWN})` : shown;
}

/**
 * What a session is editing, for the markdown sheet: the files it claims now (relative to its checkout, from
 * the store, so another machine's sessions show theirs too), else, when it claims none, its uncommitted paths
 * (none shown for another machine's worktree).
 */
async function describeEditing(session: SessionRecord, claims: readonly ClaimRecord[], verifySessionPaths: SessionPathVerifier): Promise<string> {
  if (claims.length > 0) return listSome([...new Set(claims.map((claim) => claim.relPath))].sort());
  if (session.state === 'ended' || !existsSync(session.worktree)) return '';
  // git runs in the worktree: only in one of this machine's that git lists for the row's repository.
  const { getRefusal } = await import('../core/sessions/sessionpaths.js');
  if (await getRefusal(() => verifySessionPaths(session, ['worktree']))) return '';
  return listSome((await getWorktreeChanges(session.worktree)).map((entry) => entry.path));
}

export async function showStatus(options: StatusOptions = {}): Promise<number> {
  if (options.watch) return watchStatus(options);
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const output = options.output ?? createProcessOutput();
  // Inside a repository: its sessions, in every clone of it that shares the store (other machines, with a
  // PostgreSQL store). Elsewhere: every repository's.
  const resolved = await resolveRepoAndIdentity(cwd, env);
  const repo = resolved?.repo;
  const repoKey = resolved?.identity;
  // The schema library loads only for a config file: most status calls have none to read.
  const config = await loadConfigLazily({ repoRoot: repo?.mainWorktree, env });
  const store = await openStore(env);
  try {
    const sessions = await store.listSessions({ repoKey, includeEnded: options.all === true });
    const probe = createLivenessProbe(config.sessionTtlMs, env);
    const ids = new Set(sessions.map((session) => session.id));
    const leases = (await store.listLeases()).filter((lease) => ids.has(lease.session));
    const claimed = await store.listTasks({ state: 'claimed' });
    const tasksOf = (session: SessionRecord) => claimed.filter((task) => task.ownerSession === session.id);
    const leasesOf = (session: SessionRecord) => leases.filter((lease) => lease.session === session.id);
    const states = sessions.map((session) => getSessionState(session, probe));
    // The views (their dates as ISO text) for JSON and the sheet; the table reads the rows as they are, which
    // spares a 50-session status ~0.3 ms of building what it never prints (measured).
    const toViews = () => sessions.map((session, index) => toSessionView(session, states[index]!, leasesOf(session), tasksOf(session)));
    const activityOf = (session: SessionRecord, state: SessionState) => {
      const shown = getShownActivity(session, state === 'ended');
      return shown === undefined ? MESSAGES.activityNone : describeActivity(shown.activity, shown.since, probe.now, shown.reason);
    };
    if (options.json) {
      const views = toViews();
      const conversations = await Promise.all(sessions.map((session) => store.listClaudeSessions(session.id)));
      printJson(output, views.map((view, index) => ({ ...view, conversations: conversations[index]!.map(toConversationView) })));
      return 0;
    }
    if (options.markdown) {
      // The path checks, like --watch's modules, load only for their option: ~0.3 ms of every plain status.
      const { createSessionPathVerifier } = await import('../core/sessions/sessionpaths.js');
      const verifySessionPaths = createSessionPathVerifier(env);
      // Live claims only: a claim past its TTL, or of a session that is no longer live, binds nobody.
      const policy = { mode: config.claimMode, claimTtlMs: config.claimTtlMs, now: probe.now, isLive: (other: SessionRecord) => getSessionState(other, probe) === 'live' };
      const liveClaimsOf = async (session: SessionRecord) =>
        (await store.listClaims({ session: session.id })).filter((claim) => isClaimBinding(claim, session, policy));
      const editing = await Promise.all(sessions.map(async (session) => describeEditing(session, await liveClaimsOf(session), verifySessionPaths)));
      const views = toViews();
      output.stdout(
        renderMarkdownTable(
          ['session id', 'started', 'last active', 'activity', 'currently editing'],
          views.map((view, index) => [
            `${view.id} (${view.branch}, ${view.state})`,
            view.startedAt.replace('T', ' ').slice(0, 16),
            view.heartbeatAt.replace('T', ' ').slice(0, 16),
            activityOf(sessions[index]!, view.state),
            editing[index]!,
          ]),
        ),
      );
      return 0;
    }
    if (sessions.length === 0) {
      output.stdout(MESSAGES.noSessions);
      return 0;
    }
    // The LEASES column only when some session holds any, HOST only when a session runs on another machine, so
    // the usual table stays narrow.
    const showLeases = leases.length > 0;
    const showHost = sessions.some((session) => session.host !== probe.host);
    const describeLeases = (session: SessionRecord) =>
      Object.entries(toLeaseEnv(leasesOf(session)))
        .map(([name, value]) => `${name}=${value}`)
        .join(' ');
    output.stdout(
      renderTable(
        ['ID', 'BRANCH', 'STATE', 'ACTIVITY', 'AGENT', 'AGE', 'HEARTBEAT', 'MEMORY', ...(showLeases ? ['LEASES'] : []), ...(showHost ? ['HOST'] : []), 'WORKTREE'],
        sessions.map((session, index) => [
          session.id,
          session.branch,
          states[index]!,
          activityOf(session, states[index]!),
          session.kind === 'adopted' ? `${session.agent} (tab)` : session.agent,
          formatAge(probe.now - session.startedAt),
          formatAgo(probe.now - session.heartbeatAt),
          getMemoryState(session),
          ...(showLeases ? [describeLeases(session)] : []),
          ...(showHost ? [session.host] : []),
          session.worktree,
        ]),
      ),
    );
    const working = sessions.flatMap((session) => tasksOf(session).map((task) => MESSAGES.statusTaskLine(session.id, task.id, task.title, describeProgress(task))));
    if (working.length > 0) output.stdout([MESSAGES.statusTasksHeader, ...working].join('\n'));
    return 0;
  } finally {
    await releaseStore(store, options.exiting === true);
  }
}

// --- cwt status --watch -------------------------------------------------------------------------------------

export interface WatchScreen {
  write: (raw: string) => void;
  isTTY: boolean;
  /** The terminal's height and width: a frame is cut to them so it never scrolls. */
  rows?: number;
  columns?: number;
}

/** A table with its ages ("now", "12s", "3m ago") blanked and its padding collapsed: what is left is what changed. */
function withoutAges(table: string): string {
  return table.replace(/\b(?:\d+[smhd](?: ago)?|now)\b/g, '~').replace(/ +/g, ' ');
}

const DEFAULT_WATCH_REFRESH_MS = 5_000;
const FRAME_GAP_MS = 300;

/**
 * `cwt status --watch`: the table, redrawn in place on a terminal (home, overwrite, clear below: no flicker;
 * the cursor is hidden meanwhile and shown again on exit, Ctrl-C included), woken by the store's changes
 * (NOTIFY on PostgreSQL, a cheap poll on SQLite) and refreshed every few seconds for the ages. Without a
 * terminal (piped, over a log) it prints a new table each time the store changed and the table with it.
 */
async function watchStatus(options: StatusOptions): Promise<number> {
  if (options.json || options.markdown) throw new UsageError(MESSAGES.statusWatchWithFormat, { hint: MESSAGES.statusWatchWithFormatHint });
  // rows as a getter: a resized terminal gets frames of its new height.
  const screen: WatchScreen = options.screen ?? {
    write: (raw) => process.stdout.write(raw),
    isTTY: Boolean(process.stdout.isTTY),
    get rows() {
      return process.stdout.rows;
    },
    get columns() {
      return process.stdout.columns;
    },
  };
  const env = options.env ?? process.env;
  const controller = new AbortController();
  const stop = () => controller.abort();
  options.signal?.addEventListener('abort', stop);
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const [{ REDRAW_END, REDRAW_START, renderFrame }, { watchStore }, { formatEventTime }] = await Promise.all([
    import('../ui/redraw.js'),
    import('../core/coordination/watch.js'),
    import('../core/coordination/events.js'),
  ]);
  // The store that is waited on; each frame is a plain `cwt status` run into a buffer, so it is the same table.
  const store = await openStore(env);
  let last: string | undefined;
  let started = false;
  try {
    await watchStore(
      store,
      async (reason) => {
        const parts: string[] = [];
        const errors: string[] = [];
        const buffer: Output = { stdout: (text) => parts.push(text), stderr: (text) => errors.push(text), interactive: false };
        await showStatus({ ...options, watch: false, output: buffer });
        const table = sanitizeForTerminal([...parts, ...errors].join('\n'), { multiline: true });
        if (screen.isTTY) {
          if (!started) screen.write(REDRAW_START);
          started = true;
          screen.write(renderFrame(`${MESSAGES.statusWatchHeader(formatEventTime(Date.now()), true)}\n\n${table}`, screen.rows, screen.columns));
        } else if (reason !== 'refresh' && withoutAges(table) !== last) {
          // A new table per change: ages moving (the refresh, a heartbeat) print nothing in a log.
          last = withoutAges(table);
          screen.write(`${MESSAGES.statusWatchHeader(formatEventTime(Date.now()), false)}\n${table}\n\n`);
        }
        // Busy sessions heartbeat many times a second: one frame per FRAME_GAP_MS at most.
        await sleepQuietly(FRAME_GAP_MS, controller.signal);
      },
      { signal: controller.signal, refreshMs: options.refreshMs ?? DEFAULT_WATCH_REFRESH_MS },
    );
    return 0;
  } finally {
    if (started) screen.write(`${REDRAW_END}\n`);
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    options.signal?.removeEventListener('abort', stop);
    await store.close();
  }
}
