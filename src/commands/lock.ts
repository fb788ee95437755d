/**
 * `cwt lock <name> -- <cmd…>`: run a command under a named lock, heartbeating while it runs; `cwt lock ls`;
 * `cwt lock release <name> [--force]`. The command gets CWT_LOCK_NAME and CWT_LOCK_TOKEN (the fencing token:
 * strictly larger for every new holder, so a downstream system can refuse a stale holder's late writes).
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { constants } from 'node:os';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeFileAtomic } from '../core/fs/atomic.js';
import { formatAge, formatAgo, parseDuration, parseTtl } from '../core/util/duration.js';
import { EnvironmentError, LockBusyError, UsageError } from '../core/util/errors.js';
import { getHostId, isPidAlive } from '../core/sessions/liveness.js';
import { acquireLock, assertLockName, assertUserLockName, isLockStale, nextBackoff, type LockHandle } from '../core/coordination/locks.js';
import { inspectSentinel, renderSentinel, type SentinelState } from '../core/coordination/sentinel.js';
import { openStore } from '../core/store/open.js';
import type { LockRecord, Store } from '../core/store/store.js';
import { MESSAGES } from '../texts/messages.js';
import { createProcessOutput, printJson, type Output } from '../ui/output.js';
import { renderTable } from '../ui/table.js';

export interface RunLockedOptions {
  name: string;
  command: string[];
  ttl?: string;
  wait?: string;
  note?: string;
  sentinel?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  output?: Output;
}

const DEFAULT_TTL = '5m';
const DEFAULT_WAIT = '0s';

/** What `cwt lock` acquires, validated once before anything is opened. */
interface LockPlan {
  ttlMs: number;
  waitMs: number;
  /** Absolute path of the sentinel file, if any. */
  sentinel: string | undefined;
}

/**
 * Refuses a --sentinel path cwt must not write: a directory, a path in no directory, or a file that is not a
 * sentinel (cwt would overwrite it, then delete it).
 */
function assertUsableSentinel(path: string, found: SentinelState): asserts found is Extract<SentinelState, { state: 'absent' | 'busy' | 'stale' }> {
  const refusals: Record<string, (path: string) => string> = {
    directory: MESSAGES.sentinelIsDirectory,
    'no-directory': MESSAGES.sentinelNoDirectory,
    foreign: MESSAGES.sentinelNotOurs,
  };
  const refusal = refusals[found.state];
  if (refusal) throw new UsageError(refusal(path), { hint: MESSAGES.sentinelPathHint });
}

/** Acquires the store lock and, with a sentinel, also waits out a fresh sentinel someone else wrote. */
async function acquireWithSentinel(
  store: Store,
  options: RunLockedOptions,
  { ttlMs, waitMs, sentinel }: LockPlan,
  env: NodeJS.ProcessEnv,
  output: Output,
): Promise<LockHandle> {
  const deadline = Date.now() + waitMs;
  let delay = 50;
  for (;;) {
    const handle = await acquireLock(store, {
      name: options.name,
      session: env.CWT_SESSION ?? null,
      ttlMs,
      waitMs: Math.max(0, deadline - Date.now()),
      note: options.note ?? options.command.join(' '),
      env,
      onTakeover: (previous) => output.stderr(MESSAGES.lockTakenOver(previous)),
    });
    if (sentinel === undefined) return handle;
    const found = inspectSentinel(sentinel, Date.now(), isPidAlive);
    if (found.state === 'absent') return handle;
    if (found.state !== 'busy' && found.state !== 'stale') {
      // It changed since the check before opening the store.
      await handle.release();
      assertUsableSentinel(sentinel, found);
    }
    if (found.state === 'stale') {
      const reason = found.reason === 'old' ? `it is ${formatAge(found.ageMs)} old` : `its pid ${found.info.pid} is not running`;
      output.stderr(MESSAGES.sentinelTakeover(sentinel, reason));
      return handle;
    }
    // A live sentinel written outside cwt: the operation is running elsewhere.
    await handle.release();
    if (Date.now() >= deadline) {
      const who = found.info.sessionId ?? (found.info.pid !== null ? `pid ${found.info.pid}` : 'unknown');
      throw new LockBusyError(MESSAGES.sentinelBusy(sentinel, found.ageMs, who), { hint: MESSAGES.sentinelBusyHint(sentinel) });
    }
    delay = nextBackoff(delay, 1000);
    await sleep(Math.min(delay, Math.max(1, deadline - Date.now())));
  }
}

function runCommand(command: string[], cwd: string | undefined, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    // An argument array, never a shell string: what the user typed after -- runs as written.
    const child = spawn(command[0]!, command.slice(1), { cwd, env, stdio: 'inherit' });
    const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
    const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((signal) => [signal, forward(signal)] as const);
    for (const [signal, handler] of handlers) process.on(signal, handler);
    const cleanup = () => {
      for (const [signal, handler] of handlers) process.off(signal, handler);
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      cleanup();
      if (error.code === 'ENOENT' || error.code === 'EACCES') reject(new EnvironmentError(MESSAGES.lockCommandNotFound(command[0]!)));
      else reject(error);
    });
    child.on('close', (code, signal) => {
      cleanup();
      resolvePromise(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
    });
  });
}

export async function runLocked(options: RunLockedOptions): Promise<number> {
  const env = options.env ?? process.env;
  const output = options.output ?? createProcessOutput();
  assertUserLockName(options.name);
  if (options.command.length === 0) throw new UsageError(MESSAGES.lockNeedsCommand, { hint: MESSAGES.lockNeedsCommandHint });
  // Validate before anything is opened.
  const plan: LockPlan = {
    ttlMs: parseTtl(options.ttl ?? DEFAULT_TTL, '--ttl'),
    waitMs: parseDuration(options.wait ?? DEFAULT_WAIT, '--wait'),
    sentinel: options.sentinel === undefined ? undefined : resolve(options.cwd ?? process.cwd(), options.sentinel),
  };
  const { sentinel } = plan;
  if (sentinel !== undefined) assertUsableSentinel(sentinel, inspectSentinel(sentinel, Date.now(), isPidAlive));
  const store = await openStore(env);
  try {
    const handle = await acquireWithSentinel(store, options, plan, env, output);
    let code: number;
    try {
      if (sentinel !== undefined) {
        writeFileAtomic(
          sentinel,
          renderSentinel({
            lockName: options.name,
            sessionId: env.CWT_SESSION ?? `${process.pid}@${getHostId(env)}`,
            startedAt: Date.now(),
            command: options.command.join(' '),
            userAction: options.note ?? null,
            pid: process.pid,
          }),
        );
      }
      output.stderr(MESSAGES.lockAcquired(options.name, handle.lock.token));
      code = await runCommand(options.command, options.cwd, {
        ...env,
        CWT_LOCK_NAME: options.name,
        CWT_LOCK_TOKEN: String(handle.lock.token),
      });
    } finally {
      if (!(await handle.release())) {
        // Not ours any more: taken over (loud), unless the command released it itself and nobody took it.
        const current = await store.getLock(options.name);
        if (handle.lost || current !== undefined) output.stderr(MESSAGES.lockLostLoud(options.name, handle.lock.token, current));
      }
    }
    if (sentinel !== undefined) {
      if (code === 0) rmSync(sentinel, { force: true });
      else output.stderr(MESSAGES.sentinelKept(sentinel));
    }
    return code;
  } finally {
    await store.close();
  }
}

export interface LockView extends LockRecord {
  stale: boolean;
}

export async function listLocks(options: { json?: boolean; env?: NodeJS.ProcessEnv; output?: Output } = {}): Promise<number> {
  const env = options.env ?? process.env;
  const output = options.output ?? createProcessOutput();
  const store = await openStore(env);
  try {
    const now = Date.now();
    const host = getHostId(env);
    const views: LockView[] = (await store.listLocks()).map((lock) => ({
      ...lock,
      stale: isLockStale(lock, { now, host, ttlMs: lock.ttlMs, isPidAlive }),
    }));
    if (options.json) {
      printJson(output, views);
      return 0;
    }
    if (views.length === 0) {
      output.stdout(MESSAGES.noLocks);
      return 0;
    }
    output.stdout(
      renderTable(
        ['NAME', 'HOLDER', 'TOKEN', 'STATE', 'HELD', 'HEARTBEAT', 'NOTE'],
        views.map((lock) => [
          lock.name,
          lock.session ? `${lock.session} (pid ${lock.pid}@${lock.host})` : lock.holder,
          String(lock.token),
          lock.stale ? 'stale' : 'held',
          formatAge(now - lock.acquiredAt),
          formatAgo(now - lock.heartbeatAt),
          lock.note ?? '',
        ]),
      ),
    );
    return 0;
  } finally {
    await store.close();
  }
}

export async function releaseNamedLock(options: { name: string; force?: boolean; env?: NodeJS.ProcessEnv; output?: Output }): Promise<number> {
  const env = options.env ?? process.env;
  const output = options.output ?? createProcessOutput();
  assertLockName(options.name);
  const store = await openStore(env);
  try {
    const lock = await store.getLock(options.name);
    if (!lock) {
      output.stderr(MESSAGES.lockNotHeld(options.name));
      return 0;
    }
    const host = getHostId(env);
    // Yours: taken by your session, or you are the command running under it (it exported name and token).
    const mine =
      (env.CWT_SESSION !== undefined && lock.session === env.CWT_SESSION) ||
      (env.CWT_LOCK_NAME === lock.name && env.CWT_LOCK_TOKEN === String(lock.token));
    const stale = isLockStale(lock, { now: Date.now(), host, ttlMs: lock.ttlMs, isPidAlive });
    if (!mine && !options.force) throw new LockBusyError(MESSAGES.lockReleaseRefused(lock), { hint: MESSAGES.lockReleaseRefusedHint(options.name) });
    if (!mine && !stale) {
      if (!output.interactive) throw new LockBusyError(MESSAGES.lockReleaseLive(lock), { hint: MESSAGES.lockReleaseLiveHint });
      const { confirm } = await import('@inquirer/prompts');
      if (!(await confirm({ message: MESSAGES.askForceRelease(lock), default: false }))) return 3;
    }
    const released = await store.forceReleaseLock(options.name);
    if (released) output.stderr(MESSAGES.lockReleased(released));
    return 0;
  } finally {
    await store.close();
  }
}
