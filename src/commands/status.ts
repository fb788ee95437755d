/** `cwt status` (alias `ls`): who is running on this repository, as a table, JSON or a markdown sheet. */
import { existsSync } from 'node:fs';
import { loadConfigLazily } from '../core/config/lazy.js';
import { formatAge, formatAgo } from '../core/util/duration.js';
import { getWorktreeChanges, resolveRepoAndIdentity } from '../core/git/git.js';
import { createLivenessProbe } from '../core/sessions/liveness.js';
import { createSessionPathVerifier, getRefusal, type SessionPathVerifier } from '../core/sessions/sessionpaths.js';
import { getSessionState, type SessionState } from '../core/sessions/sessions.js';
import { openStore } from '../core/store/open.js';
import { toLeaseEnv } from '../core/coordination/leases.js';
import type { LeaseRecord, SessionActivity, SessionRecord, TaskRecord } from '../core/store/store.js';
import { describeActivity, getShownActivity } from '../core/sessions/activity.js';
import { describeProgress, MESSAGES } from '../texts/messages.js';
import { createProcessOutput, printJson, type Output } from '../ui/output.js';
import { renderMarkdownTable, renderTable } from '../ui/table.js';

export interface StatusOptions {
  all?: boolean;
  json?: boolean;
  markdown?: boolean;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  output?: Output;
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
  };
}

const MAX_EDITING_SHOWN = 5;

/** What a session is editing, for the markdown sheet: its uncommitted paths (none shown for another machine's). */
async function describeEditing(session: SessionRecord, verifySessionPaths: SessionPathVerifier): Promise<string> {
  if (session.state === 'ended' || !existsSync(session.worktree)) return '';
  // git runs in the worktree: only in one of this machine's that git lists for the row's repository.
  if (await getRefusal(() => verifySessionPaths(session, ['worktree']))) return '';
  const paths = (await getWorktreeChanges(session.worktree)).map((entry) => entry.path);
  const shown = paths.slice(0, MAX_EDITING_SHOWN).join(', ');
  return paths.length > MAX_EDITING_SHOWN ? `${shown} (+${paths.length - MAX_EDITING_SHOWN})` : shown;
}

export async function showStatus(options: StatusOptions = {}): Promise<number> {
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
    const views = sessions.map((session) =>
      toSessionView(session, getSessionState(session, probe), leases.filter((lease) => lease.session === session.id), tasksOf(session)),
    );
    const activityOf = (view: SessionView) =>
      view.activity === null || view.activitySince === null ? MESSAGES.activityNone : describeActivity(view.activity, Date.parse(view.activitySince), probe.now);
    if (options.json) {
      printJson(output, views);
      return 0;
    }
    if (options.markdown) {
      const verifySessionPaths = createSessionPathVerifier(env);
      const editing = await Promise.all(sessions.map((session) => describeEditing(session, verifySessionPaths)));
      output.stdout(
        renderMarkdownTable(
          ['session id', 'started', 'last active', 'activity', 'currently editing'],
          views.map((view, index) => [
            `${view.id} (${view.branch}, ${view.state})`,
            view.startedAt.replace('T', ' ').slice(0, 16),
            view.heartbeatAt.replace('T', ' ').slice(0, 16),
            activityOf(view),
            editing[index]!,
          ]),
        ),
      );
      return 0;
    }
    if (views.length === 0) {
      output.stdout(MESSAGES.noSessions);
      return 0;
    }
    // The LEASES column only when some session holds any, HOST only when a session runs on another machine, so
    // the usual table stays narrow.
    const showLeases = views.some((view) => Object.keys(view.leases).length > 0);
    const showHost = sessions.some((session) => session.host !== probe.host);
    const describeLeases = (view: SessionView) => Object.entries(view.leases).map(([name, value]) => `${name}=${value}`).join(' ');
    output.stdout(
      renderTable(
        ['ID', 'BRANCH', 'STATE', 'ACTIVITY', 'AGENT', 'AGE', 'HEARTBEAT', 'MEMORY', ...(showLeases ? ['LEASES'] : []), ...(showHost ? ['HOST'] : []), 'WORKTREE'],
        sessions.map((session, index) => [
          session.id,
          session.branch,
          views[index]!.state,
          activityOf(views[index]!),
          session.kind === 'adopted' ? `${session.agent} (tab)` : session.agent,
          formatAge(probe.now - session.startedAt),
          formatAgo(probe.now - session.heartbeatAt),
          views[index]!.memory,
          ...(showLeases ? [describeLeases(views[index]!)] : []),
          ...(showHost ? [session.host] : []),
          session.worktree,
        ]),
      ),
    );
    const working = sessions.flatMap((session) => tasksOf(session).map((task) => MESSAGES.statusTaskLine(session.id, task.id, task.title, describeProgress(task))));
    if (working.length > 0) output.stdout([MESSAGES.statusTasksHeader, ...working].join('\n'));
    return 0;
  } finally {
    await store.close();
  }
}
