/**
 * Retention's pure rules: which ended session records may go (a table), what a pass removes, and the `retain`
 * config key.
 */
import { describe, expect, it } from 'vitest';
import { DENY_ONCE_RETRY_MS } from '../../src/core/coordination/claims.js';
import { loadConfig } from '../../src/core/config/load.js';
import { UsageError } from '../../src/core/util/errors.js';
import {
  decideSessionRetention,
  DEFAULT_RETENTION,
  parseRetentionPeriod,
  planRetention,
  type RetentionKeepReason,
  type RetentionPolicy,
} from '../../src/core/retention/policy.js';
import type { SessionRecord } from '../../src/core/store/store.js';
import { useConfigFixture } from '../helpers/config.js';
import { sampleSession } from '../helpers/store.js';

const DAY = 86_400_000;
const NOW = 1000 * DAY;
const policy: RetentionPolicy = { ...DEFAULT_RETENTION };

/** Ended `days` ago, memory merged: the record retention lets go once the window has passed. */
function ended(days: number, overrides: Partial<SessionRecord> = {}): SessionRecord {
  return sampleSession({ state: 'ended', endedAt: NOW - days * DAY, heartbeatAt: NOW - days * DAY, memoryMergedAt: NOW - days * DAY, ...overrides });
}

describe('decideSessionRetention', () => {
  const conflict = { file: 'a.md', reason: 'both-changed' as const, canonicalSha: 'c'.repeat(64), sessionSha: 's'.repeat(64), conflictSha: 'f'.repeat(64) };
  it.each<[string, SessionRecord, { undo?: boolean; holds?: boolean; host?: string; policy?: RetentionPolicy }, RetentionKeepReason | 'prune']>([
    ['an ended, merged session past the window', ended(91), {}, 'prune'],
    ['an adopted tab past the window (no namespace: canonical memory is its own)', ended(91, { kind: 'adopted', memoryMergedAt: null }), {}, 'prune'],
    ['a live session, however old', sampleSession({ state: 'live', heartbeatAt: NOW - 400 * DAY }), {}, 'open'],
    ['a stale session (its worktree and memory wait for a human)', sampleSession({ state: 'stale', heartbeatAt: NOW - 400 * DAY }), {}, 'open'],
    ['an ended session inside the window', ended(89), {}, 'recent'],
    ['any ended session, when ended sessions are kept forever', ended(900), { policy: { ...policy, endedSessions: null } }, 'forever'],
    ['a session whose memory was never merged (--no-merge)', ended(91, { memoryMergedAt: null }), {}, 'unmerged'],
    ['a session with merge conflicts waiting', ended(91, { memoryConflicts: [conflict] }), {}, 'unmerged'],
    ['a session a memory backup not undone names', ended(91), { undo: true }, 'undo'],
    ['a session a lock, claim or lease still names', ended(91), { holds: true }, 'holds'],
    ["another machine's session on a shared store", ended(91, { host: 'laptop' }), { host: 'desktop' }, 'other-host'],
    ["this machine's session on a shared store", ended(91, { host: 'desktop' }), { host: 'desktop' }, 'prune'],
  ])('%s', (_, session, facts, expected) => {
    const verdict = decideSessionRetention({ session, neededByUndo: facts.undo === true, holdsSomething: facts.holds === true }, facts.policy ?? policy, {
      now: NOW,
      ...(facts.host !== undefined ? { host: facts.host } : {}),
    });
    expect(verdict).toEqual(expected === 'prune' ? { prune: true } : { prune: false, reason: expected });
  });
});

describe('planRetention', () => {
  it('cuts each kind at its window, keeps the open sessions and says why it kept old ended ones', () => {
    const sessions = [
      sampleSession({ id: 'open0001', state: 'live', heartbeatAt: NOW }),
      ended(91, { id: 'gone0001' }),
      ended(91, { id: 'unmrg001', memoryMergedAt: null }),
      ended(91, { id: 'undo0001' }),
      ended(91, { id: 'lock0001' }),
      ended(10, { id: 'fresh001' }),
    ];
    const plan = planRetention({ policy, clock: { now: NOW }, sessions, holders: new Set(['lock0001', 'open0001']), undoSessions: new Set(['undo0001']) });
    expect(plan.cutoffs).toEqual({ events: NOW - 30 * DAY, kvTombstones: NOW - 30 * DAY, claimDenials: NOW - DAY, reads: NOW - 30 * DAY, commits: NOW - 90 * DAY });
    expect(plan.sessions).toEqual(['gone0001']);
    expect(plan.openSessions).toEqual(['open0001']);
    expect(plan.kept.map(({ session, reason }) => [session.id, reason])).toEqual([
      ['unmrg001', 'unmerged'],
      ['undo0001', 'undo'],
      ['lock0001', 'holds'],
    ]);
  });

  it('keeps what is kept forever, and claim denials at least as long as deny-once needs them', () => {
    const forever: RetentionPolicy = { events: null, endedSessions: null, kvTombstones: null, claimDenials: 1000, reads: null, commits: null };
    const plan = planRetention({ policy: forever, clock: { now: NOW }, sessions: [ended(900)], holders: new Set(), undoSessions: new Set() });
    expect(plan.cutoffs).toEqual({ events: null, kvTombstones: null, claimDenials: NOW - DENY_ONCE_RETRY_MS, reads: null, commits: null });
    expect(plan.sessions).toEqual([]);
    expect(plan.kept).toEqual([]);
  });
});

describe('the retain config key', () => {
  const fixture = useConfigFixture();
  const load = () => loadConfig({ env: fixture.sandbox.env, repoRoot: fixture.repo });

  it.each([
    ['30d', 30 * DAY],
    ['12h', 12 * 3_600_000],
    ['forever', null],
  ])('parses %s', (text, ms) => {
    expect(parseRetentionPeriod(text)).toBe(ms);
  });

  it('defaults to 30 days of events and 90 days of ended sessions; a file overrides key by key', () => {
    expect(load().retain).toEqual(DEFAULT_RETENTION);
    expect(DEFAULT_RETENTION).toMatchObject({ events: 30 * DAY, endedSessions: 90 * DAY });
    fixture.writeRepoConfig({ retain: { events: '7d', commits: 'forever' } });
    expect(load().retain).toEqual({ ...DEFAULT_RETENTION, events: 7 * DAY, commits: null });
  });

  it.each([
    [{ retain: { events: 'a while' } }, /'retain\.events' should be a duration such as 30d or 12h, or "forever"/],
    [{ retain: { event: '30d' } }, /'retain' has unknown key\(s\): event; known keys: events, endedSessions, kvTombstones/],
    [{ retain: '30d' }, /'retain' should be a object/],
  ])('rejects %j naming the key', (content, pattern) => {
    fixture.writeRepoConfig(content);
    expect(load).toThrow(UsageError);
    expect(load).toThrow(pattern);
  });
});
