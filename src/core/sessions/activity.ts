/**
 * A session's activity, from Claude Code's hooks: what each hook event says the session is doing, and what a
 * hook call therefore writes. Pure; the hook handler folds the result into the heartbeat update it makes anyway.
 */
import type { HookEvent } from '../harness/harness.js';
import type { SessionActivity, SessionPatch, SessionRecord } from '../store/store.js';
import { MESSAGES } from '../../texts/messages.js';
import { formatAge } from '../util/duration.js';

/**
 * What each hook event says, where it says something: a submitted prompt or a running tool is work, a
 * Notification is Claude Code asking the user something, Stop is the end of the turn, SessionEnd ends the
 * activity (null). SessionStart says nothing yet: a session may start on a prompt (`-p`) or wait for one.
 */
const ACTIVITY_OF_EVENT: Partial<Record<HookEvent, SessionActivity | null>> = {
  'user-prompt-submit': 'working',
  'pre-tool-use': 'working',
  'post-tool-use': 'working',
  'post-tool-use-failure': 'working',
  notification: 'waiting',
  stop: 'idle',
  'session-end': null,
};

/** The activity a hook event reports: undefined when it reports none (the activity stays as it was). */
export function getActivityOfEvent(event: HookEvent): SessionActivity | null | undefined {
  return ACTIVITY_OF_EVENT[event];
}

/** The event-log kind of a change to an activity (`session.working`, `session.waiting`, `session.idle`). */
export function getActivityEventKind(activity: SessionActivity): `session.${SessionActivity}` {
  return `session.${activity}`;
}

/** What one hook call changes: the columns to write, and the activity to log when it changed to one. */
export interface ActivityChange {
  patch: Pick<SessionPatch, 'activity' | 'activityAt'>;
  /** Set only when the activity changed to a value: one event per change, none per tool call. */
  logged?: SessionActivity;
}

/**
 * The activity change a hook event makes to a session, or undefined when there is none: the same activity
 * keeps its start time (so `cwt status` says how long it has lasted), and only a change is logged.
 */
export function decideActivity(session: Pick<SessionRecord, 'activity'>, event: HookEvent, now: number): ActivityChange | undefined {
  const next = getActivityOfEvent(event);
  const current = session.activity ?? null;
  if (next === undefined || next === current) return undefined;
  return { patch: { activity: next, activityAt: next === null ? null : now }, ...(next === null ? {} : { logged: next }) };
}

/** "working 12s", "waiting 3m", "idle 1h": the activity with how long it has lasted at `now`. */
export function describeActivity(activity: SessionActivity, since: number, now: number): string {
  return MESSAGES.activityLabel(activity, formatAge(Math.max(0, now - since)));
}

/**
 * The activity to show for a session: none once it ended (a crashed Claude Code never sends SessionEnd, and
 * its last word would otherwise stand forever).
 */
export function getShownActivity(session: Pick<SessionRecord, 'activity' | 'activityAt'>, ended: boolean): { activity: SessionActivity; since: number } | undefined {
  if (ended || session.activity == null || session.activityAt == null) return undefined;
  return { activity: session.activity, since: session.activityAt };
}
