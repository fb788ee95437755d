import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { isPidAlive } from '../../src/core/sessions/liveness.js';
import { acquireLock, assertLockName, isLockStale, nextBackoff } from '../../src/core/coordination/locks.js';
import type { LockRecord } from '../../src/core/store/store.js';
import { LockBusyError, UsageError } from '../../src/core/util/errors.js';
import { useStoreFixture } from '../helpers/store.js';

const lock = (overrides: Partial<LockRecord> = {}): LockRecord => ({
  name: 'n', holder: 'h', session: null, token: 1, pid: 100, host: 'here', acquiredAt: 0, heartbeatAt: 0, ttlMs: 1000, note: null, ...overrides,
});

describe('isLockStale', () => {
  const probe = (now: number, alive: boolean) => ({ now, host: 'here', ttlMs: 1000, isPidAlive: () => alive });
  it.each([
    ['fresh heartbeat, dead pid on this host', lock({ heartbeatAt: 900 }), probe(1000, false), true],
    ['fresh heartbeat, live pid', lock({ heartbeatAt: 900 }), probe(1000, true), false],
    ['expired heartbeat, live pid on this host (a hung holder)', lock({ heartbeatAt: 0 }), probe(5000, true), true],
    ['expired heartbeat, dead pid', lock({ heartbeatAt: 0 }), probe(5000, false), true],
    ['other host, fresh heartbeat (pid not probed)', lock({ host: 'there', heartbeatAt: 900 }), probe(1000, false), false],
    ['other host, expired heartbeat', lock({ host: 'there', heartbeatAt: 0 }), probe(5000, true), true],
  ])('%s -> %s', (_, record, p, stale) => expect(isLockStale(record, p)).toBe(stale));
});

describe('nextBackoff', () => {
  it('grows but stays under the cap', () => {
    let delay = 10;
    for (let i = 0; i < 50; i++) {
      delay = nextBackoff(delay, 500);
      expect(delay).toBeGreaterThan(0);
      expect(delay).toBeLessThanOrEqual(500);
    }
  });
});

describe('acquireLock', () => {
  const fixture = useStoreFixture();

  it('fails past the wait with a message naming the holder and its note', async () => {
    const held = await acquireLock(fixture.store, { name: 'deploy', note: 'fixing prod', env: fixture.sandbox.env });
    const started = Date.now();
    const error = await acquireLock(fixture.store, { name: 'deploy', waitMs: 200, env: fixture.sandbox.env }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockBusyError);
    expect((error as Error).message).toContain(`pid ${process.pid}`);
    expect((error as Error).message).toContain('fixing prod');
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    await held.release();
  });

  it('gets the lock as soon as the holder releases it while waiting', async () => {
    const held = await acquireLock(fixture.store, { name: 'deploy', env: fixture.sandbox.env });
    setTimeout(() => void held.release(), 100);
    const second = await acquireLock(fixture.store, { name: 'deploy', waitMs: 5000, env: fixture.sandbox.env });
    expect(second.lock.token).toBe(held.lock.token + 1);
    await second.release();
  });

  it('takes over a lock whose holder process is dead, and says so', async () => {
    const dead = await fixture.store.acquireLock(
      { name: 'deploy', holder: 'ghost', session: null, pid: 2 ** 22 + 12345, host: (await import('../../src/core/sessions/liveness.js')).getHostId(fixture.sandbox.env), ttlMs: 60_000, note: null, now: Date.now() },
      () => false,
    );
    expect(dead.acquired).toBe(true);
    const displaced: LockRecord[] = [];
    const handle = await acquireLock(fixture.store, { name: 'deploy', env: fixture.sandbox.env, onTakeover: (previous) => displaced.push(previous) });
    expect(displaced.map((l) => l.holder)).toEqual(['ghost']);
    expect(handle.lock.token).toBe(2);
    await handle.release();
  });
});

describe('isPidAlive', () => {
  it('is true for this process and false for a zombie, which kill(pid, 0) still reports', async () => {
    expect(isPidAlive(process.pid)).toBe(true);
    expect(isPidAlive(0)).toBe(false);
    // sh starts a short sleep, prints its pid, then becomes a process that never reaps it: a zombie.
    const parent = spawn('sh', ['-c', 'sleep 0.1 & echo $!; exec sleep 5'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const [chunk] = (await once(parent.stdout!, 'data')) as [Buffer];
    const zombie = Number(chunk.toString().trim());
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(() => process.kill(zombie, 0)).not.toThrow();
    expect(isPidAlive(zombie)).toBe(false);
    parent.kill('SIGKILL');
  });
});

describe('assertLockName', () => {
  it.each([['deploy'], ['deploy:prod'], ['skill.batch-2'], ['user@host'], ['a+b'], ['x'.repeat(128)]])('accepts %j', (name) => {
    expect(() => assertLockName(name)).not.toThrow();
  });
  // NUL cannot travel through argv, so it is checked here rather than end to end.
  it.each([['a/b'], ['..'], ['a..b'], ['nul\0byte'], ['new\nline'], ['tab\there'], [''], ['-x'], ['.hidden'], ['x'.repeat(129)], ['file:/etc/passwd']])(
    'refuses %j with a usage error',
    (name) => expect(() => assertLockName(name)).toThrow(UsageError),
  );
});
