/** A fresh sandbox and a real store in it (SQLite by default, or PostgreSQL) for each test of the enclosing suite. */
import { afterEach, beforeEach } from 'vitest';
import type { Store } from '../../src/core/store/store.js';
import { openSandboxStore, useBackend, type StoreBackend } from './backends.js';
import { createSandbox, type Sandbox } from './env.js';

export interface StoreFixture {
  readonly sandbox: Sandbox;
  readonly store: Store;
}

export function useStoreFixture(backend: StoreBackend = 'sqlite'): StoreFixture {
  let sandbox: Sandbox | undefined;
  let store: Store | undefined;
  beforeEach(async () => {
    sandbox = useBackend(createSandbox(), backend);
    store = await openSandboxStore(sandbox);
  });
  afterEach(async () => {
    await store?.close();
    sandbox?.cleanup();
  });
  return {
    get sandbox() {
      return sandbox!;
    },
    get store() {
      return store!;
    },
  };
}
