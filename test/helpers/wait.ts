/** Polling for a condition in tests that watch other processes. */
import { setTimeout as sleep } from 'node:timers/promises';

/** Calls `probe` every 100 ms until it returns something other than undefined; throws past `timeoutMs`. */
export async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(100);
  }
}

/** Blocks this thread for `ms` (Atomics.wait on a buffer nobody notifies): for a wait inside synchronous code. */
export const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
