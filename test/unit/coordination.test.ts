/**
 * The coordination surface's pure rules (globs, values, staleness, notifications, the MCP registration
 * merge) and its store transactions (versions that survive deletes, claim-next with stale owners, handoffs
 * meant for one session, the webhook throttle and cursor), on a real SQLite file.
 */
import { describe, expect, it } from 'vitest';
import { describeEvent, toNotification } from '../../src/core/coordination/events.js';
import { addMcpServer, disableProjectMcpServer, enableProjectMcpServer, removeMcpServer } from '../../src/core/harness/harness.js';
import { matchesGlob, parseValueArgument } from '../../src/core/coordination/kv.js';
import { isTaskStale, parseRecordId } from '../../src/core/coordination/tasks.js';
import type { EventRecord, SessionRecord, TaskRecord } from '../../src/core/store/store.js';
import { STORE_BACKENDS } from '../helpers/backends.js';
import { useStoreFixture } from '../helpers/store.js';

const event = (kind: string, data: Record<string, unknown>, session: string | null = 's1'): EventRecord => ({ id: 1, at: 0, kind, session, repo: null, data });

describe('pure rules', () => {
  it.each([
    ['issue:15', 'issue:*', true],
    ['issue:15', 'issue:1?', true],
    ['issue:15', 'issue:1', false],
    ['project:a.b', 'project:a?b', true],
    ['project:axb', 'project:a.b', false],
    ['x', '*', true],
  ])('matchesGlob(%j, %j) = %j', (name, glob, expected) => expect(matchesGlob(name, glob)).toBe(expected));

  it('takes a command-line value as JSON when it parses, else as text', () => {
    expect(parseValueArgument('42')).toBe(42);
    expect(parseValueArgument('{"a":1}')).toEqual({ a: 1 });
    expect(parseValueArgument('s1')).toBe('s1');
    expect(parseValueArgument('42', true)).toBe('42');
  });

  it('parses record ids and refuses anything else', () => {
    expect(parseRecordId('12', 'task')).toBe(12);
    expect(parseRecordId('#3', 'handoff')).toBe(3);
    for (const bad of ['0', '-1', '1.5', 'abc', '']) expect(() => parseRecordId(bad, 'task')).toThrow(/is not a task id/);
  });

  it('a task is stale past its TTL, or when its owner session is gone, ended or dead', () => {
    const task = { heartbeatAt: 1000, ttlMs: 500, ownerSession: 's1' } as TaskRecord;
    const owner = { pid: 7, host: 'h', heartbeatAt: 1000, state: 'live' } as SessionRecord;
    const probe = (now: number, alive: boolean) => ({ now, host: 'h', ttlMs: 100, isPidAlive: () => alive });
    expect(isTaskStale(task, owner, probe(1200, true))).toBe(false);
    expect(isTaskStale(task, owner, probe(1500, true))).toBe(true);
    expect(isTaskStale(task, undefined, probe(1200, true))).toBe(true);
    expect(isTaskStale(task, { ...owner, state: 'ended' }, probe(1200, true))).toBe(true);
    expect(isTaskStale(task, owner, probe(1200, false))).toBe(true);
    // An owner named with --owner has only its heartbeat.
    expect(isTaskStale({ ...task, ownerSession: null }, undefined, probe(1200, false))).toBe(false);
  });

  it('notifies only the kinds worth it, throttled by file or lock', () => {
    expect(toNotification(event('claim', { path: '/r/a.ts' }), undefined)).toBeUndefined();
    expect(toNotification(event('claim.deny', { path: '/r/a.ts', holder: 's2' }), undefined)).toEqual({
      text: '[cwt] session s1: was denied an edit of /r/a.ts: claimed by s2',
      throttleKey: 'file:/r/a.ts',
    });
    expect(toNotification(event('lock.takeover', { name: 'deploy', previous: { holder: '9@h' } }), undefined)?.throttleKey).toBe('lock:deploy');
    expect(toNotification(event('session.end', {}), undefined)?.throttleKey).toBeNull();
    expect(toNotification(event('memory.merge', { canonical: '/m', conflicts: [] }), undefined)).toBeUndefined();
    expect(toNotification(event('memory.merge', { canonical: '/m', conflicts: ['a.md'] }), undefined)?.text).toContain('memory merge conflict in a.md');
    // Kinds from elsewhere still read as something.
    expect(describeEvent(event('commit', { sha: 'abc', branch: 'main' }))).toBe('sha=abc branch=main');
  });

  it('registers the MCP server beside others and removes only its own', () => {
    const theirs = { mcpServers: { gh: { command: 'gh' } }, other: 1 };
    const added = addMcpServer(theirs);
    expect(Object.keys(added.mcpServers as object)).toEqual(['gh', 'cwt']);
    expect(removeMcpServer(added)).toEqual(theirs);
    expect(removeMcpServer(theirs)).toBe(theirs);
    const settings = { enabledMcpjsonServers: ['gh'] };
    expect(enableProjectMcpServer(enableProjectMcpServer(settings))).toEqual({ enabledMcpjsonServers: ['gh', 'cwt'] });
    expect(disableProjectMcpServer(enableProjectMcpServer(settings))).toEqual(settings);
    expect(disableProjectMcpServer(enableProjectMcpServer({}))).toEqual({});
  });
});

describe.each(STORE_BACKENDS)('store transactions (%s store)', (backend) => {
  const fixture = useStoreFixture(backend);
  const now = 1_000_000;

  it('kv versions grow past a delete, so an old version never matches again', async () => {
    const { store } = fixture;
    expect(await store.setData({ scope: 'issue:1', key: 'owner', value: 'a', expectVersion: 0, session: null, now })).toMatchObject({ ok: true, record: { version: 1 } });
    expect(await store.deleteData('issue:1', 'owner', { expectVersion: 1, session: null, now })).toMatchObject({ ok: true });
    expect(await store.getData('issue:1', 'owner')).toBeUndefined();
    expect(await store.setData({ scope: 'issue:1', key: 'owner', value: 'b', expectVersion: 0, session: null, now })).toMatchObject({ ok: true, record: { version: 3 } });
    expect(await store.setData({ scope: 'issue:1', key: 'owner', value: 'c', expectVersion: 1, session: null, now })).toMatchObject({ ok: false, current: { value: 'b', version: 3 } });
    expect(await store.listScopes()).toEqual([{ scope: 'issue:1', keys: 1, updatedAt: now }]);
    expect(await store.deleteScope('issue:1', { session: null, now })).toBe(1);
    expect(await store.listScopes()).toEqual([]);
  });

  it('claim-next requeues a stale owner’s task first, then hands out the oldest pending one', async () => {
    const { store } = fixture;
    for (const title of ['one', 'two']) await store.addTask({ queue: 'q', title, data: null, createdBy: null, session: null, now });
    const claim = (owner: string) => store.claimTask({ queue: 'q', owner, ownerSession: null, ttlMs: 1000, now }, (task) => task.owner === 'gone');
    expect((await claim('gone')).task).toMatchObject({ id: 1, owner: 'gone' });
    const second = await claim('w2');
    expect(second.requeued.map((task) => task.id)).toEqual([1]);
    expect(second.task).toMatchObject({ id: 1, owner: 'w2', attempts: 2 });
    expect((await claim('w3')).task).toMatchObject({ id: 2 });
    expect((await claim('w4')).task).toBeUndefined();
    expect(await store.updateTask({ id: 1, owner: 'w3', session: null, change: { kind: 'done', result: null }, now })).toMatchObject({ ok: false, current: { owner: 'w2' } });
    expect(await store.updateTask({ id: 1, owner: 'w2', session: null, change: { kind: 'progress', percent: 50 }, now })).toMatchObject({
      ok: true,
      task: { progress: { phase: null, percent: 50, message: null } },
    });
  });

  it('a handoff meant for one session is accepted by that one only, once', async () => {
    const { store } = fixture;
    const handoff = await store.createHandoff({ repo: null, fromSession: 's1', toSession: 's2', summary: 'x', nextSteps: ['y'], files: [], branch: null, now });
    expect(await store.acceptHandoff(handoff.id, { name: 's3', session: 's3' }, now)).toMatchObject({ ok: false, current: { state: 'open' } });
    expect(await store.acceptHandoff(handoff.id, { name: 's2', session: 's2' }, now)).toMatchObject({ ok: true, handoff: { acceptedBy: 's2' } });
    expect(await store.acceptHandoff(handoff.id, { name: 's2', session: 's2' }, now)).toMatchObject({ ok: false, current: { state: 'accepted' } });
  });

  it('throttles per key within the window and counts what it held back; the cursor moves by compare-and-set', async () => {
    const { store } = fixture;
    expect(await store.throttleNotification('file:/a', now, 60_000)).toEqual({ send: true, suppressed: 0 });
    expect(await store.throttleNotification('file:/a', now + 1000, 60_000)).toEqual({ send: false, suppressed: 1 });
    expect(await store.throttleNotification('file:/b', now + 1000, 60_000)).toEqual({ send: true, suppressed: 0 });
    expect(await store.throttleNotification('file:/a', now + 61_000, 60_000)).toEqual({ send: true, suppressed: 1 });
    expect(await store.getNotifyCursor()).toBeNull();
    expect(await store.setNotifyCursor(null, 5)).toBe(true);
    expect(await store.setNotifyCursor(null, 6)).toBe(false);
    expect(await store.setNotifyCursor(4, 6)).toBe(false);
    expect(await store.setNotifyCursor(5, 6)).toBe(true);
    expect(await store.getNotifyCursor()).toBe(6);
  });
});
