/** The activity decision: which hook event says what, what a call writes, and that only a change is logged. */
import { describe, expect, it } from 'vitest';
import { decideActivity, describeActivity, getActivityEventKind, getActivityOfEvent, getShownActivity } from '../../src/core/sessions/activity.js';
import { HOOK_EVENT_NAMES, type HookEvent } from '../../src/core/harness/harness.js';
import { describeEvent } from '../../src/core/coordination/events.js';
import { MESSAGES } from '../../src/texts/messages.js';
import type { SessionActivity } from '../../src/core/store/store.js';

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
    [undefined, 'user-prompt-submit', { patch: { activity: 'working', activityAt: NOW }, logged: 'working' }],
    [null, 'notification', { patch: { activity: 'waiting', activityAt: NOW }, logged: 'waiting' }],
    ['working', 'pre-tool-use', undefined], // the same activity: its start time stays, nothing logged
    ['working', 'stop', { patch: { activity: 'idle', activityAt: NOW }, logged: 'idle' }],
    ['waiting', 'notification', undefined],
    ['waiting', 'post-tool-use', { patch: { activity: 'working', activityAt: NOW }, logged: 'working' }],
    ['idle', 'session-end', { patch: { activity: null, activityAt: null } }], // ends it, logs nothing
    [null, 'session-end', undefined],
    ['idle', 'session-start', undefined],
  ])('from %s, %s changes %j', (activity, event, change) => expect(decideActivity({ activity }, event, NOW)).toEqual(change));

  it.each<[number, string]>([
    [400, 'working now'],
    [12_000, 'working 12s'],
    [3 * 60_000, 'working 3m'],
    [3_600_000, 'working 1h'],
    [-5, 'working now'], // another machine's clock a little ahead
  ])('after %d ms reads %j', (age, text) => expect(describeActivity('working', NOW - age, NOW)).toBe(text));

  it('shows nothing for an ended session or one no hook reported on', () => {
    expect(getShownActivity({ activity: 'idle', activityAt: NOW }, false)).toEqual({ activity: 'idle', since: NOW });
    expect(getShownActivity({ activity: 'idle', activityAt: NOW }, true)).toBeUndefined();
    expect(getShownActivity({}, false)).toBeUndefined();
  });

  it.each<SessionActivity>(['working', 'waiting', 'idle'])('cwt log reads a change to %s in words', (activity) => {
    const logged = decideActivity({ activity: null }, REPORTED.find(([, reported]) => reported === activity)![0], NOW)!.logged!;
    expect(describeEvent({ id: 1, at: NOW, kind: getActivityEventKind(logged), session: 's1', repo: null, data: {} })).toBe(MESSAGES.eventActivity(activity));
  });
});
