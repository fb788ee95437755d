/**
 * The live views wait on the store (Store.waitForChange): an event appended by another process wakes the
 * waiter within a second, on both stores (NOTIFY on PostgreSQL, a 250 ms poll of the change mark on SQLite);
 * with nothing new it waits the whole time out; an abort ends the wait at once. On SQLite a change without an
 * event (another process's heartbeat) moves the mark too, through PRAGMA data_version.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../helpers/env.js';
import { openSandboxStore, STORE_BACKENDS, useBackend } from '../helpers/backends.js';
import { runCwt } from '../helpers/cli.js';
import { createRepo } from '../helpers/git.js';
import { join } from 'node:path';
import type { Store } from '../../src/core/store/store.js';
import { watchStore, type WatchReason } from '../../src/core/coordination/watch.js';

describe.each(STORE_BACKENDS)('waiting for the store to change (%s store)', (backend) => {
  let sandbox: Sandbox;
  let store: Store;
  beforeEach(async () => {
    sandbox = useBackend(createSandbox(), backend);
    store = await openSandboxStore(sandbox);
    await store.getSchemaVersion();
  });
  afterEach(async () => {
    await store.close();
    sandbox.cleanup();
  });

  it('wakes within a second when another process appends an event', async () => {
    const repo = createRepo(join(sandbox.root, 'repo'));
    const mark = await store.getChangeMark();
    const started = Date.now();
    let wokeAt = 0;
    const waiting = store.waitForChange(mark, 30_000).then((next) => {
      wokeAt = Date.now();
      return next;
    });
    // A real cwt process: a lock taken and released appends lock.acquire and lock.release.
    const appendedAt = await runCwt(['lock', 'deploy', '--', 'true'], { cwd: repo, env: sandbox.env }).then((result) => {
      expect(result.code, result.stderr).toBe(0);
      return Date.now();
    });
    const next = await waiting;
    expect(next).not.toBe(mark);
    expect(wokeAt - started).toBeLessThan(30_000);
    // Woken by the change, not by the time out: within a second of the process having finished.
    expect(wokeAt - appendedAt).toBeLessThan(1_000);
  });

  it('waits the whole time out when nothing changes, and an abort ends the wait at once', async () => {
    const mark = await store.getChangeMark();
    const started = Date.now();
    expect(await store.waitForChange(mark, 700)).toBe(mark);
    expect(Date.now() - started).toBeGreaterThanOrEqual(650);

    const controller = new AbortController();
    const abortedAt = Date.now();
    setTimeout(() => controller.abort(), 100);
    await store.waitForChange(mark, 30_000, controller.signal);
    expect(Date.now() - abortedAt).toBeLessThan(2_000);
  });

  it('watchStore calls back at the start, on each change and on the refresh', async () => {
    const other = await openSandboxStore(sandbox);
    const reasons: WatchReason[] = [];
    const controller = new AbortController();
    const watching = watchStore(
      store,
      async (reason) => {
        reasons.push(reason);
        if (reasons.length === 1) await other.appendEvent({ kind: 'agent.milestone', data: { text: 'tests green' } });
        if (reasons.length === 3) controller.abort();
      },
      { signal: controller.signal, refreshMs: 1_500 },
    );
    await watching;
    await other.close();
    expect(reasons).toEqual(['start', 'change', 'refresh']);
  });
});

describe('the SQLite change mark', () => {
  it('moves on a change that appends no event (another process’s write, through PRAGMA data_version)', async () => {
    const sandbox = useBackend(createSandbox(), 'sqlite');
    const store = await openSandboxStore(sandbox);
    const other = await openSandboxStore(sandbox);
    try {
      const mark = await store.getChangeMark();
      await other.claimPeriodicRun('test-job', Date.now(), 1_000);
      expect(await store.waitForChange(mark, 5_000)).not.toBe(mark);
      expect(await store.getLatestEventId()).toBe(0); // no event said so
    } finally {
      await other.close();
      await store.close();
      sandbox.cleanup();
    }
  });
});
