/**
 * A session's activity, from Claude Code's hooks: what each hook event says the session is doing, and what a
 * hook call therefore writes. Pure; the hook handler folds the result into the heartbeat update it makes anyway.
 */
import type { HookEvent } from '../harness/harness.js';
import type { SessionActivity, SessionPatch, SessionRecord, WaitingReason } from '../store/store.js';
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

/**
 * What a Notification's `notification_type` says, as both ends of the supported range send it (2.1.197 and
 * 2.1.332 list the same set; the newer adds a few). Some mean Claude Code waits for its user: a permission
 * prompt (its own, or a worker's), input after 60 s idle, an MCP elicitation dialog, a background agent that
 * needs an answer. The others only inform (a login went through, an agent finished, an elicitation was
 * answered, a push message): the session is not waiting for anyone, so they change nothing.
 */
const WAITING_REASON_OF_TYPE: Record<string, WaitingReason | null> = {
  permission_prompt: 'permission',
  worker_permission_prompt: 'permission',
  idle_prompt: 'input',
  elicitation_dialog: 'input',
  elicitation_url_dialog: 'input',
  agent_needs_input: 'input',
  auth_success: null,
  auth_storage_failure: null,
  elicitation_complete: null,
  elicitation_response: null,
  agent_completed: null,
  push_notification: null,
  plugin_notification: null,
  computer_use_enter: null,
  computer_use_exit: null,
  model_refusal_fallback: null,
};

/**
 * Whether a Notification means waiting, and why: a reason, or null for "waiting, reason unknown" (a payload
 * without a type); undefined when the notification only informs, or its type is one cwt does not know (no
 * guess: a new type changes nothing until it is listed above). Pure.
 */
export function getWaitingReason(notificationType: string | undefined): WaitingReason | null | undefined {
  if (notificationType === undefined) return null;
  const reason = Object.hasOwn(WAITING_REASON_OF_TYPE, notificationType) ? WAITING_REASON_OF_TYPE[notificationType] : undefined;
  return reason === null ? undefined : reason;
}

/** The activity a hook event reports: undefined when it reports none (the activity stays as it was). */
export function getActivityOfEvent(event: HookEvent, notificationType?: string): SessionActivity | null | undefined {
  if (event === 'notification' && getWaitingReason(notificationType) === undefined) return undefined;
  return ACTIVITY_OF_EVENT[event];
}

/** The event-log kind of a change to an activity (`session.working`, `session.waiting`, `session.idle`). */
export function getActivityEventKind(activity: SessionActivity): `session.${SessionActivity}` {
  return `session.${activity}`;
}

/** What one hook call changes: the columns to write, and the activity to log when it changed to one. */
export interface ActivityChange {
  patch: Pick<SessionPatch, 'activity' | 'activityAt' | 'activityReason'>;
  /** Set only when the activity changed to a value: one event per change, none per tool call. */
  logged?: SessionActivity;
  /** With `logged` waiting: why, when the Notification said (the event's data). */
  reason?: WaitingReason;
}

/**
 * The activity change a hook event makes to a session, or undefined when there is none: the same activity
 * keeps its start time (so `cwt status` says how long it has lasted), and only a change is logged.
 */
export function decideActivity(session: Pick<SessionRecord, 'activity'>, event: HookEvent, now: number, notificationType?: string): ActivityChange | undefined {
  const next = getActivityOfEvent(event, notificationType);
  const current = session.activity ?? null;
  if (next === undefined || next === current) return undefined;
  const reason = next === 'waiting' ? getWaitingReason(notificationType) ?? null : null;
  return {
    patch: { activity: next, activityAt: next === null ? null : now, activityReason: reason },
    ...(next === null ? {} : { logged: next }),
    ...(reason === null ? {} : { reason }),
  };
}

/** "working 12s", "waiting: permission 3m", "idle 1h": the activity (and why it waits) with how long it has lasted at `now`. */
export function describeActivity(activity: SessionActivity, since: number, now: number, reason?: WaitingReason | null): string {
  return MESSAGES.activityLabel(activity, formatAge(Math.max(0, now - since)), activity === 'waiting' ? reason ?? undefined : undefined);
}

/**
 * The activity to show for a session: none once it ended (a crashed Claude Code never sends SessionEnd, and
 * its last word would otherwise stand forever).
 */
export function getShownActivity(
  session: Pick<SessionRecord, 'activity' | 'activityAt' | 'activityReason'>,
  ended: boolean,
): { activity: SessionActivity; since: number; reason: WaitingReason | null } | undefined {
  if (ended || session.activity == null || session.activityAt == null) return undefined;
  return { activity: session.activity, since: session.activityAt, reason: session.activity === 'waiting' ? session.activityReason ?? null : null };
}
