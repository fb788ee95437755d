/** A fresh sandbox and a real SQLite store in it for each test of the enclosing suite. */
import { afterEach, beforeEach } from 'vitest';
import { SqliteStore } from '../../src/core/store/sqlite.js';
import { createSandbox, type Sandbox } from './env.js';

export interface StoreFixture {
  readonly sandbox: Sandbox;
  readonly store: SqliteStore;
}

export function useStoreFixture(): StoreFixture {
  let sandbox: Sandbox | undefined;
  let store: SqliteStore | undefined;
  beforeEach(() => {
    sandbox = createSandbox();
    store = new SqliteStore(sandbox.cwtHome);
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
