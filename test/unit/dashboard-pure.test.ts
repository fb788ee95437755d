/** The dashboard's pure parts, as tables: the request check, the timeline's layout, the state's shape; and the watch frame. */
import { describe, expect, it } from 'vitest';
import { authorizeRequest, createDashboardToken, getCookieName, isAllowedHost, isTokenEqual, readCookie } from '../../src/server/dashboardauth.js';
import { getMarkCategory, layoutTimeline, LABEL_WIDTH, type TimelineEvent } from '../../src/ui/dashboard/timeline.js';
import { LATEST_SHOWN, shapeDashboardState, toDashboardEvent } from '../../src/server/dashboardstate.js';
import { toSessionView } from '../../src/commands/status.js';
import { renderFrame } from '../../src/ui/redraw.js';
import type { ClaimRecord, EventRecord, HandoffRecord, LockRecord, SessionRecord } from '../../src/core/store/store.js';

const TOKEN = 'x'.repeat(43);
const PORT = 4321;

describe('the dashboard request check', () => {
  it.each([
    ['127.0.0.1:4321', true],
    ['localhost:4321', true],
    ['LOCALHOST:4321', true],
    ['127.0.0.1:4322', false],
    ['127.0.0.1', false],
    ['localhost', false],
    ['attacker.example:4321', false],
    ['127.0.0.1.attacker.example:4321', false],
    ['[::1]:4321', false],
    [undefined, false],
  ])('Host %j allowed: %s', (host, allowed) => {
    expect(isAllowedHost(host, PORT)).toBe(allowed);
  });

  it.each([
    [TOKEN, true],
    [`${TOKEN}x`, false],
    [TOKEN.slice(1), false],
    ['', false],
    [undefined, false],
    ['y'.repeat(43), false],
  ])('token %j equal: %s', (given, equal) => {
    expect(isTokenEqual(given, TOKEN)).toBe(equal);
  });

  it.each([
    ['a=1; cwt_dashboard_4321=abc; b=2', 'abc'],
    ['cwt_dashboard_4321=abc', 'abc'],
    ['cwt_dashboard_43210=abc', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('cookie header %j gives %j', (header, value) => {
    expect(readCookie(header, getCookieName(PORT))).toBe(value);
  });

  const base = { host: `127.0.0.1:${PORT}`, url: '/', cookie: undefined, authorization: undefined };
  it.each([
    ['no token', base, 'unauthorized'],
    ['a wrong query token', { ...base, url: '/?token=nope' }, 'unauthorized'],
    ['the query token', { ...base, url: `/?token=${TOKEN}` }, 'login'],
    ['the cookie', { ...base, cookie: `cwt_dashboard_${PORT}=${TOKEN}` }, 'ok'],
    ["another port's cookie", { ...base, cookie: `cwt_dashboard_1234=${TOKEN}` }, 'unauthorized'],
    ['a bearer header', { ...base, authorization: `Bearer ${TOKEN}` }, 'ok'],
    ['a wrong bearer', { ...base, authorization: 'Bearer nope' }, 'unauthorized'],
    ['the right token, a foreign Host', { ...base, host: `evil.example:${PORT}`, authorization: `Bearer ${TOKEN}` }, 'bad-host'],
    ['no Host at all', { ...base, host: undefined, url: `/?token=${TOKEN}` }, 'bad-host'],
  ])('%s: %s', (_name, request, kind) => {
    expect(authorizeRequest(request, { token: TOKEN, port: PORT }).kind).toBe(kind);
  });

  it('logs in with an HttpOnly SameSite=Strict cookie and a redirect without the token', () => {
    const decision = authorizeRequest({ ...base, url: `/?token=${TOKEN}&x=1` }, { token: TOKEN, port: PORT });
    expect(decision).toEqual({ kind: 'login', location: '/?x=1', cookie: `cwt_dashboard_${PORT}=${TOKEN}; HttpOnly; SameSite=Strict; Path=/` });
  });

  it('makes tokens of at least 128 random bits, URL-safe, never twice the same', () => {
    const tokens = new Set(Array.from({ length: 50 }, createDashboardToken));
    expect(tokens.size).toBe(50);
    for (const token of tokens) {
      expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(Buffer.from(token, 'base64url').length).toBeGreaterThanOrEqual(16);
    }
  });
});

const event = (id: number, at: number, kind: string, session: string | null, data: Record<string, unknown> = {}): TimelineEvent => ({ id, at, kind, session, data, text: kind });
const NOW = 10_000_000;
const HOUR = 3_600_000;

describe('the timeline layout', () => {
  it.each([
    ['claim', {}, 'edit'],
    ['claim.deny', {}, 'denial'],
    ['commit', {}, 'commit'],
    ['memory.merge', { conflicts: [] }, 'merge'],
    ['memory.merge', { conflicts: ['a.md'] }, 'conflict'],
    ['check.block', {}, 'conflict'],
    ['agent.milestone', { text: 'tests green' }, 'milestone'],
    ['lock.takeover', {}, 'takeover'],
    ['claim.takeover', {}, 'takeover'],
    ['session.waiting', {}, 'waiting'],
    ['session.working', {}, undefined],
    ['kv.set', {}, undefined],
  ])('%s %j is drawn as %s', (kind, data, category) => {
    expect(getMarkCategory({ kind, data })).toBe(category);
  });

  const lanes = [
    { id: 'a', label: 'feat/a' },
    { id: 'b', label: 'feat/b' },
  ];
  const layout = (events: TimelineEvent[], locks: Parameters<typeof layoutTimeline>[0]['locks'] = []) =>
    layoutTimeline({ lanes, events, locks, now: NOW, windowMs: HOUR, width: LABEL_WIDTH + 1016 });

  it('puts marks on their lane at their time, and leaves out what it does not draw', () => {
    const result = layout([
      event(1, NOW - HOUR / 2, 'commit', 'a'),
      event(2, NOW, 'agent.milestone', 'b'),
      event(3, NOW - 2 * HOUR, 'commit', 'a'), // before the window
      event(4, NOW - 10, 'commit', 'nobody'), // no lane
      event(5, NOW - 10, 'kv.set', 'a'), // not drawn
    ]);
    expect(result.marks.map((mark) => [mark.eventId, mark.x, mark.y, mark.symbol])).toEqual([
      [1, LABEL_WIDTH + 500, result.lanes[0]!.y, 'C'],
      [2, LABEL_WIDTH + 1000, result.lanes[1]!.y, '★'],
    ]);
    expect(result.lanes[1]!.y).toBeGreaterThan(result.lanes[0]!.y);
  });

  it('draws a lock hold from acquire to release, and one held now up to now', () => {
    const result = layout(
      [
        event(1, NOW - HOUR / 2, 'lock.acquire', 'a', { name: 'deploy', token: 7 }),
        event(2, NOW - HOUR / 4, 'lock.release', 'a', { name: 'deploy' }),
        event(3, NOW - HOUR / 10, 'lock.acquire', 'b', { name: 'deploy', token: 8 }),
      ],
      [{ name: 'deploy', session: 'b', token: 8, acquiredAt: NOW - HOUR / 10 }],
    );
    expect(result.bars.map((bar) => [bar.session, bar.token, Math.round(bar.x), Math.round(bar.width), bar.held])).toEqual([
      ['a', 7, LABEL_WIDTH + 500, 250, false],
      ['b', 8, LABEL_WIDTH + 900, 100, true],
    ]);
  });

  it('a takeover ends the previous hold; a hold from before the window starts at its edge', () => {
    const result = layout(
      [event(1, NOW - HOUR / 2, 'lock.takeover', 'b', { name: 'deploy', token: 9 })],
      [{ name: 'deploy', session: 'b', token: 9, acquiredAt: NOW - HOUR / 2 }, { name: 'db', session: 'a', token: 3, acquiredAt: NOW - 5 * HOUR }],
    );
    expect(result.bars.map((bar) => [bar.name, Math.round(bar.x), Math.round(bar.width)])).toEqual([
      ['deploy', LABEL_WIDTH + 500, 500],
      ['db', LABEL_WIDTH, 1000],
    ]);
  });

  it('joins two lanes that touched one path close in time, and a denial to the holder’s lane', () => {
    const result = layout([
      event(1, NOW - 600_000, 'claim', 'a', { path: '/r/x.ts' }),
      event(2, NOW - 300_000, 'claim', 'b', { path: '/r/x.ts' }),
      event(3, NOW - 200_000, 'claim', 'b', { path: '/r/other.ts' }),
      event(4, NOW - 100_000, 'claim.deny', 'a', { path: '/r/y.ts', holder: 'b' }),
      event(5, NOW - HOUR + 1, 'claim', 'a', { path: '/r/z.ts' }),
      event(6, NOW - 1, 'claim', 'b', { path: '/r/z.ts' }), // the same file, but long after: no collision
    ]);
    expect(result.collisions.map((line) => line.path)).toEqual(['/r/x.ts', '/r/y.ts']);
    const [edit, denial] = result.collisions;
    expect([edit!.y1, edit!.y2]).toEqual([result.lanes[0]!.y, result.lanes[1]!.y]);
    expect(denial!.x1).toBe(denial!.x2);
  });

  it('ticks at round times inside the window, at most eight', () => {
    const result = layoutTimeline({ lanes, events: [], locks: [], now: 3 * HOUR + 1, windowMs: 3 * HOUR, width: 1200 });
    expect(result.ticks.length).toBeLessThanOrEqual(8);
    expect(result.ticks.every((tick) => tick.at % (30 * 60_000) === 0)).toBe(true);
    expect(result.height).toBe(22 + 2 * 34);
  });
});

function session(id: string, patch: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id, repo: '/r/.git', mainWorktree: '/r', worktree: `/r.worktrees/${id}`, branch: `feat/${id}`, createdBranch: true, baseCommit: 'abc', agent: 'claude', pid: null,
    host: 'h', startedAt: 1, heartbeatAt: 2, state: 'live', endedAt: null, agentExit: null, memoryDir: '/m', memoryBase: '/b', kind: 'cwt', ...patch,
  };
}
const stored = (id: number, kind: string, sessionId: string | null, data: Record<string, unknown> = {}): EventRecord => ({ id, at: id * 1000, kind, session: sessionId, repo: null, data });

describe('the dashboard state', () => {
  const sessions = [session('a', { repoId: 'github.com/o/r' }), session('b', { repoId: 'github.com/o/r' }), session('c', { repo: '/q/.git', mainWorktree: '/q' })];
  const claims: ClaimRecord[] = [
    { checkout: '/r.worktrees/a', relPath: 'src/z.ts', repo: '/r/.git', absPath: '/r.worktrees/a/src/z.ts', session: 'a', claudeId: null, at: 5 },
    { checkout: '/r.worktrees/a', relPath: 'src/a.ts', repo: '/r/.git', absPath: '/r.worktrees/a/src/a.ts', session: 'a', claudeId: null, at: 5 },
  ];
  const locks: LockRecord[] = [{ name: 'deploy', holder: 'b', session: 'b', token: 12, pid: 1, host: 'h', acquiredAt: 40_000, heartbeatAt: 45_000, ttlMs: 60_000, note: 'release 1.2' }];
  const handoffs: HandoffRecord[] = [
    { id: 1, repo: '/r/.git', fromSession: 'a', toSession: null, acceptedBy: null, summary: 'finish it', nextSteps: ['run tests'], files: [], branch: 'feat/a', state: 'open', createdAt: 3, acceptedAt: null },
    { id: 2, repo: '/r/.git', fromSession: 'a', toSession: null, acceptedBy: 'b', summary: 'done', nextSteps: [], files: [], branch: null, state: 'accepted', createdAt: 3, acceptedAt: 4 },
  ];
  const latest = [
    stored(1, 'memory.merge', 'a', { conflicts: [] }),
    stored(2, 'memory.merge', 'b', { conflicts: ['x.md'] }),
    stored(3, 'claim.deny', 'b', { path: '/r/x', holder: 'a' }),
    stored(4, 'lock.takeover', 'b', { name: 'deploy', previous: { holder: 'a' } }),
    stored(5, 'commit', 'a', { sha: 'abc' }),
    ...Array.from({ length: 12 }, (_, index) => stored(10 + index, 'claim.deny', 'a', { path: `/r/${index}` })),
  ];
  const state = shapeDashboardState({
    now: 100_000,
    windowMs: HOUR,
    scope: 'repository r',
    store: { kind: 'sqlite', location: '/s' },
    sessions: sessions.map((record) => ({ record, view: toSessionView(record, 'live') })),
    claims,
    locks,
    handoffs,
    events: [stored(7, 'claim', 'a'), stored(6, 'session.working', 'a')],
    latest,
  });

  it('groups sessions by repository identity, each with its sorted live claims', () => {
    expect(state.repos.map((repo) => [repo.key, repo.name, repo.sessions.map((s) => s.id)])).toEqual([
      ['/q/.git', 'q', ['c']],
      ['github.com/o/r', 'r', ['a', 'b']],
    ]);
    expect(state.repos[1]!.sessions[0]!.claims).toEqual(['src/a.ts', 'src/z.ts']);
    expect(state.repos[1]!.sessions[1]!.claims).toEqual([]);
  });

  it('gives locks their holder’s branch and age, and keeps only open handoffs', () => {
    expect(state.locks).toEqual([expect.objectContaining({ name: 'deploy', holderBranch: 'feat/b', token: 12, ageMs: 60_000, note: 'release 1.2' })]);
    expect(state.handoffs.map((handoff) => handoff.id)).toEqual([1]);
  });

  it.each([
    ['denials', [21, 20, 19, 18, 17, 16, 15, 14]],
    ['takeovers', [4]],
    ['conflicts', [2]],
    ['merges', [2, 1]],
    ['commits', [5]],
  ] as const)('latest %s: newest first, at most %#', (name, ids) => {
    expect(state.latest[name].map((event) => event.id)).toEqual(ids);
    expect(state.latest[name].length).toBeLessThanOrEqual(LATEST_SHOWN);
  });

  it.each([
    ['agent.milestone', { text: 'all 212 tests green' }, 'all 212 tests green'],
    ['commit', { sha: '0123456789abcdef', subject: 'search: rank', branch: 'feat/search' }, 'committed 0123456789 on feat/search: search: rank'],
    ['commit', { sha: '0123456789abcdef', subject: 'a\u001b[31mred', branch: '' }, 'committed 0123456789 on a detached HEAD: ared'],
    ['claim.deny', { path: '/r/x.ts', holder: 'abc' }, 'was denied an edit of /r/x.ts: claimed by abc'],
  ])('words a %s event for the page', (kind, data, text) => {
    expect(toDashboardEvent(stored(1, kind, 'a', data)).text).toBe(text);
  });

  it('sends the window’s events oldest first, each with its text', () => {
    expect(state.events.map((event) => event.id)).toEqual([6, 7]);
    expect(state.events[1]!.text).toContain('claimed');
  });
});

describe('the watch frame', () => {
  it.each([
    ['a\nb', undefined, '\u001b[Ha\u001b[K\r\nb\u001b[K\u001b[J'],
    ['a\nb\n\n', undefined, '\u001b[Ha\u001b[K\r\nb\u001b[K\u001b[J'],
    ['a\nb\nc', 2, '\u001b[Ha\u001b[K\r\nb\u001b[K\u001b[J'],
    ['abcdef\nab', undefined, '\u001b[Habcdef\u001b[K\r\nab\u001b[K\u001b[J', 0],
    ['abcdef\nab', undefined, '\u001b[Habc\u001b[K\r\nab\u001b[K\u001b[J', 3],
    ['—·—·\nx', 2, '\u001b[H—·\u001b[K\r\nx\u001b[K\u001b[J', 2],
  ])('%j in %s rows', (text, rows, frame, columns?: number) => {
    expect(renderFrame(text, rows, columns)).toBe(frame);
  });
});
