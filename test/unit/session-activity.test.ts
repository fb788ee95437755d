/** The activity decision: which hook event says what, what a call writes, and that only a change is logged. */
import { describe, expect, it } from 'vitest';
import { decideActivity, describeActivity, getActivityEventKind, getActivityOfEvent, getShownActivity, getWaitingReason } from '../../src/core/sessions/activity.js';
import { HOOK_EVENT_NAMES, type HookEvent } from '../../src/core/harness/harness.js';
import { describeEvent, toNotification } from '../../src/core/coordination/events.js';
import { MESSAGES } from '../../src/texts/messages.js';
import type { SessionActivity, SessionRecord, WaitingReason } from '../../src/core/store/store.js';

const NOW = 1_700_000_000_000;

const REPORTED: Array<[HookEvent, SessionActivity | null | undefined]> = [
  ['user-prompt-submit', 'working'],
  ['pre-tool-use', 'working'],
  ['post-tool-use', 'working'],
  ['post-tool-use-failure', 'working'],
  ['notification', 'waiting'],
  ['stop', 'idle'],
  ['session-end', null],
  ['session-start', undefined],
  ['worktree-create', undefined],
  ['worktree-remove', undefined],
];

describe('session activity', () => {
  it.each(REPORTED)('%s reports %s', (event, activity) => expect(getActivityOfEvent(event)).toBe(activity));

  it('the table above has a row for every hook event', () => {
    expect(REPORTED.map(([event]) => event).sort()).toEqual(Object.keys(HOOK_EVENT_NAMES).sort());
  });

  it.each<[SessionActivity | null | undefined, HookEvent, ReturnType<typeof decideActivity>]>([
    [undefined, 'user-prompt-submit', { patch: { activity: 'working', activityAt: NOW, activityReason: null }, logged: 'working' }],
    [null, 'notification', { patch: { activity: 'waiting', activityAt: NOW, activityReason: null }, logged: 'waiting' }], // a payload without a type
    ['working', 'pre-tool-use', undefined], // the same activity: its start time stays, nothing logged
    ['working', 'stop', { patch: { activity: 'idle', activityAt: NOW, activityReason: null }, logged: 'idle' }],
    ['waiting', 'notification', undefined],
    ['waiting', 'post-tool-use', { patch: { activity: 'working', activityAt: NOW, activityReason: null }, logged: 'working' }],
    ['idle', 'session-end', { patch: { activity: null, activityAt: null, activityReason: null } }], // ends it, logs nothing
    [null, 'session-end', undefined],
    ['idle', 'session-start', undefined],
  ])('from %s, %s changes %j', (activity, event, change) => expect(decideActivity({ activity }, event, NOW)).toEqual(change));

  // The notification types both binaries send (their strings list them); only those asking the user something
  // mean waiting, and an unknown one changes nothing rather than guessing.
  it.each<[string | undefined, WaitingReason | null | undefined]>([
    ['permission_prompt', 'permission'],
    ['worker_permission_prompt', 'permission'],
    ['idle_prompt', 'input'],
    ['elicitation_dialog', 'input'],
    ['elicitation_url_dialog', 'input'],
    ['agent_needs_input', 'input'],
    ['auth_success', undefined],
    ['elicitation_complete', undefined],
    ['elicitation_response', undefined],
    ['agent_completed', undefined],
    ['push_notification', undefined],
    ['computer_use_exit', undefined],
    ['some_future_type', undefined],
    ['toString', undefined], // not an inherited property
    [undefined, null], // no type: waiting, reason unknown
  ])('notification_type %s waits for %s', (type, reason) => expect(getWaitingReason(type)).toBe(reason));

  it('a Notification records why it waits, and one that only informs changes nothing', () => {
    expect(decideActivity({ activity: 'working' }, 'notification', NOW, 'permission_prompt')).toEqual({
      patch: { activity: 'waiting', activityAt: NOW, activityReason: 'permission' },
      logged: 'waiting',
      reason: 'permission',
    });
    expect(decideActivity({ activity: 'idle' }, 'notification', NOW, 'idle_prompt')).toMatchObject({ patch: { activityReason: 'input' }, reason: 'input' });
    expect(decideActivity({ activity: 'working' }, 'notification', NOW, 'auth_success')).toBeUndefined();
    expect(getActivityOfEvent('notification', 'agent_completed')).toBeUndefined();
    expect(describeActivity('waiting', NOW - 3 * 60_000, NOW, 'permission')).toBe('waiting: permission 3m');
    expect(describeActivity('working', NOW, NOW, 'permission')).toBe('working now'); // a reason belongs to waiting only
    expect(getShownActivity({ activity: 'waiting', activityAt: NOW, activityReason: 'input' }, false)).toEqual({ activity: 'waiting', since: NOW, reason: 'input' });
  });

  it('the webhook says who is waiting for you, throttled per session', () => {
    const session = { id: 's1', branch: 'feat/y', mainWorktree: '/r/repo' } as SessionRecord;
    const event = { id: 7, at: NOW, kind: 'session.waiting', session: 's1', repo: null, data: { reason: 'permission', notificationType: 'permission_prompt' } };
    expect(toNotification(event, session)).toEqual({ text: '[cwt] session s1 on feat/y is waiting for you (a permission prompt)', throttleKey: 'waiting:s1' });
    expect(toNotification({ ...event, kind: 'session.idle', data: {} }, session)).toBeUndefined(); // idle interrupts nobody
    expect(describeEvent(event)).toBe(MESSAGES.eventActivity('waiting', 'permission'));
  });

  it.each<[number, string]>([
    [400, 'working now'],
    [12_000, 'working 12s'],
    [3 * 60_000, 'working 3m'],
    [3_600_000, 'working 1h'],
    [-5, 'working now'], // another machine's clock a little ahead
  ])('after %d ms reads %j', (age, text) => expect(describeActivity('working', NOW - age, NOW)).toBe(text));

  it('shows nothing for an ended session or one no hook reported on', () => {
    expect(getShownActivity({ activity: 'idle', activityAt: NOW }, false)).toEqual({ activity: 'idle', since: NOW, reason: null });
    expect(getShownActivity({ activity: 'idle', activityAt: NOW }, true)).toBeUndefined();
    expect(getShownActivity({}, false)).toBeUndefined();
  });

  it.each<SessionActivity>(['working', 'waiting', 'idle'])('cwt log reads a change to %s in words', (activity) => {
    const logged = decideActivity({ activity: null }, REPORTED.find(([, reported]) => reported === activity)![0], NOW)!.logged!;
    expect(describeEvent({ id: 1, at: NOW, kind: getActivityEventKind(logged), session: 's1', repo: null, data: {} })).toBe(MESSAGES.eventActivity(activity));
  });
});
