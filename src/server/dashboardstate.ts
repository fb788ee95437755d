/**
 * What the dashboard shows, as one JSON document (GET /api/state, and each push of /api/stream): sessions
 * grouped by repository, with what each holds (leases, live claims, tasks) and does (activity and since when);
 * locks, open handoffs; the latest denials, takeovers, conflicts, merges and commits; the events of the
 * timeline's window. Pure: the command gathers the rows, this shapes them.
 */
import { basename } from 'node:path';
import type { SessionView } from '../commands/status.js';
import { describeEvent } from '../core/coordination/events.js';
import { DASHBOARD_MESSAGES } from '../texts/messages.js';
import type { ClaimRecord, EventRecord, HandoffRecord, LockRecord, SessionRecord } from '../core/store/store.js';

export interface DashboardEvent {
  id: number;
  at: number;
  kind: string;
  session: string | null;
  /** The event in words, as `cwt log` says it. */
  text: string;
  data: Record<string, unknown>;
}

export interface DashboardSession extends SessionView {
  /** The paths it claims now, relative to its checkout. */
  claims: string[];
}

export interface DashboardRepo {
  /** Its identity across machines (origin remote) or its common dir. */
  key: string;
  /** Its main checkout's directory name. */
  name: string;
  sessions: DashboardSession[];
}

export interface DashboardLock {
  name: string;
  holder: string;
  /** The holder session's branch, when the holder is a session the page knows. */
  holderBranch: string | null;
  session: string | null;
  token: number;
  acquiredAt: number;
  heartbeatAt: number;
  ageMs: number;
  note: string | null;
  host: string;
}

export interface DashboardHandoff {
  id: number;
  fromSession: string | null;
  toSession: string | null;
  summary: string;
  nextSteps: string[];
  files: string[];
  branch: string | null;
  createdAt: number;
}

export interface DashboardLatest {
  denials: DashboardEvent[];
  takeovers: DashboardEvent[];
  conflicts: DashboardEvent[];
  merges: DashboardEvent[];
  commits: DashboardEvent[];
}

export interface DashboardState {
  now: number;
  /** The timeline's span, ending now. */
  windowMs: number;
  /** Which sessions: one repository's (its name) or every one of the store. */
  scope: string;
  store: { kind: string; location: string };
  repos: DashboardRepo[];
  locks: DashboardLock[];
  handoffs: DashboardHandoff[];
  latest: DashboardLatest;
  /** The window's events, oldest first. */
  events: DashboardEvent[];
}

/** The event kinds of each "latest" list (memory merges count as conflicts only when they had some). */
export const LATEST_KINDS: Record<keyof DashboardLatest, readonly string[]> = {
  denials: ['claim.deny'],
  takeovers: ['claim.takeover', 'lock.takeover'],
  conflicts: ['check.block', 'memory.merge'],
  merges: ['memory.merge'],
  commits: ['commit'],
};

export const LATEST_SHOWN = 8;

export interface DashboardInput {
  now: number;
  windowMs: number;
  scope: string;
  store: { kind: string; location: string };
  sessions: ReadonlyArray<{ record: SessionRecord; view: SessionView }>;
  claims: readonly ClaimRecord[];
  locks: readonly LockRecord[];
  handoffs: readonly HandoffRecord[];
  /** The window's events. */
  events: readonly EventRecord[];
  /** The newest events of LATEST_KINDS' kinds, whatever their age. */
  latest: readonly EventRecord[];
}

export function toDashboardEvent(event: EventRecord): DashboardEvent {
  return { id: event.id, at: event.at, kind: event.kind, session: event.session, text: describeForPage(event), data: event.data };
}

/** As `cwt log` says it, but a milestone in the agent's own words and a commit as a sentence. */
function describeForPage(event: EventRecord): string {
  const data = event.data;
  if (event.kind === 'agent.milestone' && typeof data.text === 'string') return data.text;
  if (event.kind === 'commit' && typeof data.sha === 'string') return DASHBOARD_MESSAGES.eventCommit(data.sha.slice(0, 10), typeof data.subject === 'string' ? data.subject : '', typeof data.branch === 'string' ? data.branch : '');
  return describeEvent(event);
}

function hasConflicts(event: EventRecord): boolean {
  return event.kind !== 'memory.merge' || (Array.isArray(event.data.conflicts) && event.data.conflicts.length > 0);
}

/** Shapes the gathered rows into the page's document. */
export function shapeDashboardState(input: DashboardInput): DashboardState {
  const repos = new Map<string, DashboardRepo>();
  for (const { record, view } of input.sessions) {
    const key = record.repoId ?? record.repo;
    let repo = repos.get(key);
    if (!repo) {
      repo = { key, name: basename(record.mainWorktree) || record.mainWorktree, sessions: [] };
      repos.set(key, repo);
    }
    const claims = input.claims.filter((claim) => claim.session === record.id).map((claim) => claim.relPath).sort();
    repo.sessions.push({ ...view, claims });
  }
  const branchOf = new Map(input.sessions.map(({ record }) => [record.id, record.branch]));
  const newestFirst = (events: readonly EventRecord[]) => [...events].sort((a, b) => b.id - a.id);
  const latestOf = (name: keyof DashboardLatest) =>
    newestFirst(input.latest.filter((event) => LATEST_KINDS[name].includes(event.kind) && (name !== 'conflicts' || hasConflicts(event))))
      .slice(0, LATEST_SHOWN)
      .map(toDashboardEvent);
  return {
    now: input.now,
    windowMs: input.windowMs,
    scope: input.scope,
    store: input.store,
    repos: [...repos.values()].sort((a, b) => a.name.localeCompare(b.name)),
    locks: input.locks.map((lock) => ({
      name: lock.name,
      holder: lock.holder,
      holderBranch: lock.session === null ? null : (branchOf.get(lock.session) ?? null),
      session: lock.session,
      token: lock.token,
      acquiredAt: lock.acquiredAt,
      heartbeatAt: lock.heartbeatAt,
      ageMs: Math.max(0, input.now - lock.acquiredAt),
      note: lock.note,
      host: lock.host,
    })),
    handoffs: input.handoffs
      .filter((handoff) => handoff.state === 'open')
      .map((handoff) => ({
        id: handoff.id,
        fromSession: handoff.fromSession,
        toSession: handoff.toSession,
        summary: handoff.summary,
        nextSteps: handoff.nextSteps,
        files: handoff.files,
        branch: handoff.branch,
        createdAt: handoff.createdAt,
      })),
    latest: { denials: latestOf('denials'), takeovers: latestOf('takeovers'), conflicts: latestOf('conflicts'), merges: latestOf('merges'), commits: latestOf('commits') },
    events: [...input.events].sort((a, b) => a.id - b.id).map(toDashboardEvent),
  };
}
