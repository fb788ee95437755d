/** A fresh sandbox and a real store in it (SQLite by default, or PostgreSQL) for each test of the enclosing suite. */
import { afterEach, beforeEach } from 'vitest';
import { SqliteStore } from '../../src/core/store/sqlite.js';
import type { SessionRecord, Store } from '../../src/core/store/store.js';
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

/** A complete session record for store tests; override what the test is about. */
export function sampleSession(overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id: 'abcd1234',
    repo: '/r/.git',
    mainWorktree: '/r',
    worktree: '/r.worktrees/feat-x',
    branch: 'feat/x',
    createdBranch: true,
    baseCommit: 'a'.repeat(40),
    agent: 'claude',
    pid: null,
    host: 'h',
    startedAt: 1000,
    heartbeatAt: 1000,
    state: 'live',
    endedAt: null,
    agentExit: null,
    memoryDir: '/c/projects/-r/cwt-memory/feat-x',
    memoryBase: '/s/sessions/abcd1234/memory-base',
    kind: 'cwt',
    ...overrides,
  };
}

/** Runs `run` on the SQLite store of a state dir, opened for it and closed after, whatever happens. */
export async function withSqliteStore<T>(cwtHome: string, run: (store: SqliteStore) => Promise<T>): Promise<T> {
  const store = new SqliteStore(cwtHome);
  try {
    return await run(store);
  } finally {
    await store.close();
  }
}
