/**
 * The two stores every store and race suite runs against: the local SQLite file and a shared PostgreSQL
 * database (the global setup's throwaway server). A PostgreSQL test gets a schema of its own, so tests never
 * see each other's rows.
 */
import { inject } from 'vitest';
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { openStore } from '../../src/core/store/open.js';
import { parsePostgresUrl } from '../../src/core/store/postgres.js';
import type { Store } from '../../src/core/store/store.js';
import type { Sandbox } from './env.js';

export const STORE_BACKENDS = ['sqlite', 'postgres'] as const;
export type StoreBackend = (typeof STORE_BACKENDS)[number];

/** A CWT_STORE URL for a fresh schema on the test server. */
export function createPostgresStoreUrl(): string {
  const url = new URL(inject('postgresUrl'));
  url.searchParams.set('schema', `t_${randomBytes(6).toString('hex')}`);
  return url.toString();
}

/** Points a sandbox's environment at `backend` (SQLite: its own state dir, the default). */
export function useBackend(sandbox: Sandbox, backend: StoreBackend): Sandbox {
  if (backend === 'postgres') sandbox.env.CWT_STORE = createPostgresStoreUrl();
  else delete sandbox.env.CWT_STORE;
  return sandbox;
}

/** Opens the store a sandbox's cwt processes use. */
export function openSandboxStore(sandbox: Sandbox): Promise<Store> {
  return openStore(sandbox.env);
}

/** A plain client on a PostgreSQL store's schema, for what cwt itself never does (direct SQL, as a teammate may). */
export function connectStoreSql(url: string): postgres.Sql {
  const { url: plain, schema } = parsePostgresUrl(url);
  return postgres(plain, { max: 1, onnotice: () => {}, connection: { search_path: schema } });
}
