/**
 * Waiting for the store to change, for the live views (`cwt status --watch`, `cwt dashboard`): a loop over the
 * store's change mark (Store.waitForChange: NOTIFY on PostgreSQL, a cheap poll on SQLite) with a periodic
 * refresh besides, since ages ("waiting 3m") and liveness move without any write.
 */
import type { Store } from '../store/store.js';

export type WatchReason = 'start' | 'change' | 'refresh';

export interface WatchOptions {
  signal: AbortSignal;
  /** Calls `onChange` at least this often, changed or not. */
  refreshMs: number;
}

/**
 * Calls `onChange` once at the start, then after every change of the store and at least every `refreshMs`,
 * until `signal` aborts; never two calls at once (a change during a call is seen by the next wait). An error
 * thrown by `onChange` or the store ends the watch with that error.
 */
export async function watchStore(store: Store, onChange: (reason: WatchReason) => Promise<void> | void, options: WatchOptions): Promise<void> {
  let mark = await store.getChangeMark();
  await onChange('start');
  while (!options.signal.aborted) {
    const next = await store.waitForChange(mark, options.refreshMs, options.signal);
    if (options.signal.aborted) break;
    const reason: WatchReason = next === mark ? 'refresh' : 'change';
    mark = next;
    await onChange(reason);
  }
}
