/**
 * Named locks in the store: compare-and-set acquisition with fencing tokens, TTL and heartbeat, waiting with
 * jittered backoff, stale takeover when the holder's pid is dead on this host or its heartbeat is older
 * than its TTL.
 */
import { getHeartbeatIntervalMs } from '../util/duration.js';
import { sleepQuietly } from '../util/sleep.js';
import { LockBusyError, UsageError } from '../util/errors.js';
import { getHostId, isPidAlive, type LivenessProbe } from '../sessions/liveness.js';
import type { LockRecord, Store } from '../store/store.js';
import { MESSAGES } from '../../texts/messages.js';

export const DEFAULT_LOCK_TTL_MS = 5 * 60_000;

export interface AcquireOptions {
  name: string;
  /** The cwt session acquiring, if any; otherwise the holder is pid@host. */
  session?: string | null;
  ttlMs?: number;
  /** How long to wait for a busy lock before LockBusyError; 0 fails at once. */
  waitMs?: number;
  note?: string | null;
  env?: NodeJS.ProcessEnv;
  /** Called when a stale holder was displaced, so the caller can say so loudly. */
  onTakeover?: (previous: LockRecord) => void;
  /** Stops waiting early (SIGINT). */
  signal?: AbortSignal;
}

/**
 * True when `lock`'s holder may be displaced: its pid is dead on this host, or its heartbeat is older than
 * the lock's TTL (a hung holder). Stricter than session liveness, where either sign of life is enough:
 * a lock blocks others, so it must prove both.
 */
export function isLockStale(lock: LockRecord, probe: LivenessProbe): boolean {
  if (lock.host === probe.host && !probe.isPidAlive(lock.pid)) return true;
  return probe.now - lock.heartbeatAt >= lock.ttlMs;
}

/** The next wait in a jittered exponential backoff, capped. */
export function nextBackoff(previousMs: number, capMs = 500): number {
  const grown = Math.min(capMs, Math.max(10, previousMs * 1.6));
  return Math.round(grown / 2 + Math.random() * (grown / 2));
}

export interface LockHandle {
  lock: LockRecord;
  /** Releases the lock; false when it had been taken over meanwhile. */
  release(): Promise<boolean>;
  /** True once a heartbeat found the lock taken over by someone else. */
  readonly lost: boolean;
}

/** Heartbeats a held lock a few times per TTL until released; notices a takeover. */
function holdLock(store: Store, lock: LockRecord): LockHandle {
  let lost = false;
  let released = false;
  const timer = setInterval(() => {
    store
      .heartbeatLock(lock.name, lock.token, Date.now())
      .then((held) => {
        if (!held && !released) lost = true;
      })
      .catch(() => {});
  }, getHeartbeatIntervalMs(lock.ttlMs, 3, 250));
  timer.unref();
  return {
    lock,
    get lost() {
      return lost;
    },
    release: async () => {
      released = true;
      clearInterval(timer);
      return store.releaseLock(lock.name, lock.token);
    },
  };
}

/** Acquires a named lock, waiting up to `waitMs`; throws LockBusyError naming the holder when it cannot. */
export async function acquireLock(store: Store, options: AcquireOptions): Promise<LockHandle> {
  const env = options.env ?? process.env;
  const host = getHostId(env);
  const ttlMs = options.ttlMs ?? DEFAULT_LOCK_TTL_MS;
  const deadline = Date.now() + (options.waitMs ?? 0);
  let delay = 10;
  for (;;) {
    const now = Date.now();
    const result = await store.acquireLock(
      {
        name: options.name,
        holder: options.session ?? `${process.pid}@${host}`,
        session: options.session ?? null,
        pid: process.pid,
        host,
        ttlMs,
        note: options.note ?? null,
        now,
      },
      (current, at) => isLockStale(current, { now: at, host, ttlMs: current.ttlMs, isPidAlive }),
    );
    if (result.acquired) {
      if (result.takenOver) options.onTakeover?.(result.takenOver);
      return holdLock(store, result.lock);
    }
    if (Date.now() >= deadline || options.signal?.aborted) {
      throw new LockBusyError(MESSAGES.lockBusy(result.current, now), { hint: MESSAGES.lockBusyHint(options.name) });
    }
    delay = nextBackoff(delay);
    await sleepQuietly(Math.min(delay, Math.max(1, deadline - Date.now())), options.signal);
  }
}

/** Runs `fn` holding the lock and releases it afterwards, whatever happens. */
export async function withLock<T>(store: Store, options: AcquireOptions, fn: (lock: LockRecord) => Promise<T>): Promise<T> {
  const handle = await acquireLock(store, options);
  try {
    return await fn(handle.lock);
  } finally {
    await handle.release();
  }
}

const LOCK_NAME = /^[A-Za-z0-9_][A-Za-z0-9._:@+-]{0,127}$/;

/**
 * Refuses lock names a user could use to reach cwt's internal locks or a path: `/`, `..`, NUL, newlines and
 * other control characters, and anything but letters, digits and `. _ : @ + -` (128 at most).
 */
export function assertLockName(name: string): void {
  if (!LOCK_NAME.test(name) || name.includes('..')) {
    throw new UsageError(MESSAGES.invalidLockName(name), { hint: MESSAGES.invalidLockNameHint });
  }
}

/** The prefix of the lock names cwt takes for itself (the webhook sender's); no user or model may take one. */
export const RESERVED_LOCK_PREFIX = 'cwt:';

/**
 * assertLockName, and refuses the names cwt reserves for itself: what `cwt lock` and the MCP lock tool take.
 * Holding cwt:notify-sender would mute the webhook. Releasing one stays possible (a stuck holder's).
 */
export function assertUserLockName(name: string): void {
  assertLockName(name);
  if (name.toLowerCase().startsWith(RESERVED_LOCK_PREFIX)) throw new UsageError(MESSAGES.lockNameReserved(name), { hint: MESSAGES.lockNameReservedHint });
}

/** The lock every writer of one shared file takes: cwt write/append, and the hooks' write lease. */
export function fileLockName(target: string): string {
  return `file:${target}`;
}

/** The lock that serialises worktree creation and removal in one repository. */
export function repoLockName(commonDir: string): string {
  return `repo:${commonDir}`;
}

/** The lock every change to a repository's canonical memory holds (merge, undo, rescue). */
export function memoryLockName(canonicalDir: string): string {
  return `memory:${canonicalDir}`;
}
