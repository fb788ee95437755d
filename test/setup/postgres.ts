/**
 * Global setup: one throwaway PostgreSQL server on 127.0.0.1 for the whole run (scripts/postgres-server.mjs),
 * so the store and race suites run against both stores. Each test takes a schema of its own in it (see
 * test/helpers/backends.ts). CWT_TEST_POSTGRES_URL points the suites at a server started elsewhere instead.
 */
import type { TestProject } from 'vitest/node';
// @ts-expect-error: a plain .mjs script (node:* only) shared with the benchmarks; typed by its use below.
import { startPostgresServer as startServer } from '../../scripts/postgres-server.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

const startPostgresServer = startServer as () => Promise<{ url: string; stop(): Promise<void> }>;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env.CWT_TEST_POSTGRES_URL;
  const server = given ? undefined : await startPostgresServer();
  project.provide('postgresUrl', given ?? server!.url);
  return async () => {
    await server?.stop();
  };
}
