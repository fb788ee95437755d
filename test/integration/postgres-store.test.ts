/**
 * What only the PostgreSQL store has to show: a fresh schema migrated once by many processes opening it at
 * the same moment, the event log append-only against direct SQL, events announced with NOTIFY, a URL whose
 * password never shows, and an unreachable server reported as one clear environment error.
 */
import { afterEach, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { showLog } from '../../src/commands/log.js';
import { EnvironmentError, ExitCode } from '../../src/core/util/errors.js';
import { POSTGRES_MIGRATIONS } from '../../src/core/store/postgresmigrations.js';
import { parsePostgresUrl, PostgresStore } from '../../src/core/store/postgres.js';
import { connectStoreSql, createPostgresStoreUrl } from '../helpers/backends.js';
import { runCwt } from '../helpers/cli.js';
import { createSandbox } from '../helpers/env.js';

const stores: PostgresStore[] = [];
const clients: postgres.Sql[] = [];
afterEach(async () => {
  await Promise.all([...stores.splice(0).map((store) => store.close()), ...clients.splice(0).map((sql) => sql.end())]);
});

function open(url: string): PostgresStore {
  const store = new PostgresStore(url);
  stores.push(store);
  return store;
}

/** A plain client on the store's schema, for what cwt itself never does. */
function connect(url: string): postgres.Sql {
  const sql = connectStoreSql(url);
  clients.push(sql);
  return sql;
}

describe('PostgresStore', () => {
  it('migrates a fresh schema exactly once when 12 processes open it at the same moment', async () => {
    const url = createPostgresStoreUrl();
    const s = createSandbox();
    try {
      const env = { ...s.env, CWT_STORE: url };
      const runs = await Promise.all(Array.from({ length: 12 }, () => runCwt(['lock', 'ls', '--json'], { cwd: s.root, env })));
      for (const run of runs) expect(run, run.stderr).toMatchObject({ code: 0 });
      const sql = connect(url);
      expect(await sql`SELECT version FROM schema_version`).toEqual([{ version: POSTGRES_MIGRATIONS.length }]);
    } finally {
      s.cleanup();
    }
  });

  it('keeps the event log append-only even against direct SQL', async () => {
    const url = createPostgresStoreUrl();
    const store = open(url);
    await store.appendEvent({ kind: 'test', data: { n: 1 } });
    const sql = connect(url);
    await expect(sql`UPDATE events SET kind = 'forged'`).rejects.toThrow(/append-only/);
    await expect(sql`DELETE FROM events`).rejects.toThrow(/append-only/);
    await expect(sql`TRUNCATE events`).rejects.toThrow(/append-only/);
    expect(await store.listEvents()).toMatchObject([{ kind: 'test', data: { n: 1 } }]);
  });

  it('announces each event with NOTIFY when its transaction commits', async () => {
    const url = createPostgresStoreUrl();
    const store = open(url);
    await store.listLocks(); // migrated
    const sql = connect(url);
    const heard: string[] = [];
    await sql.listen(`${parsePostgresUrl(url).schema}_events`, (payload) => heard.push(payload));
    await store.appendEvent({ kind: 'one' });
    await store.acquireLock({ name: 'deploy', holder: 'h', session: null, pid: 1, host: 'x', ttlMs: 1000, note: null, now: 1 }, () => false);
    const ids = (await store.listEvents()).map((event) => String(event.id));
    for (let i = 0; i < 50 && heard.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(heard).toEqual(ids);
  });

  it('cwt log -f is woken by NOTIFY: a new event shows although the fallback poll is a minute away', async () => {
    const url = createPostgresStoreUrl();
    const store = open(url);
    await store.appendEvent({ kind: 'before', data: {} });
    const lines: string[] = [];
    const controller = new AbortController();
    const s = createSandbox();
    try {
      const following = showLog({
        follow: true,
        json: true,
        pollMs: 60_000,
        signal: controller.signal,
        env: { ...s.env, CWT_STORE: url },
        output: { stdout: (text) => lines.push(text), stderr: () => {}, interactive: false },
      });
      for (let i = 0; i < 200 && lines.length < 1; i++) await new Promise((resolve) => setTimeout(resolve, 25));
      await new Promise((resolve) => setTimeout(resolve, 300)); // the follower is listening
      await store.appendEvent({ kind: 'after', data: { n: 2 } });
      for (let i = 0; i < 400 && lines.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 25));
      controller.abort();
      expect(await following).toBe(0);
      expect(lines.map((line) => (JSON.parse(line) as { kind: string }).kind)).toEqual(['before', 'after']);
    } finally {
      controller.abort();
      s.cleanup();
    }
  });

  it('never shows the password of the store URL', () => {
    const target = parsePostgresUrl('postgres://me:s3cret@db.example:5433/team?schema=alpha&sslmode=disable');
    expect(target).toMatchObject({ schema: 'alpha', redacted: 'postgres://me@db.example:5433/team?schema=alpha' });
    expect(target.url).not.toContain('schema=');
    expect(() => parsePostgresUrl('postgres://h/db?schema=Robert%27);DROP')).toThrow(/identifier/);
  });

  it('reports an unreachable server as an environment error naming the store, without the password', async () => {
    // A port nobody listens on: bind one, close it.
    const server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    server.close();
    const url = `postgres://me:s3cret@127.0.0.1:${port}/cwt`;
    const store = new PostgresStore(url, { connectTimeoutMs: 2000 });
    const error = await store.listLocks().catch((caught: unknown) => caught);
    await store.close();
    expect(error).toBeInstanceOf(EnvironmentError);
    expect((error as EnvironmentError).exitCode).toBe(ExitCode.environment);
    expect((error as Error).message).toContain(`postgres://me@127.0.0.1:${port}/cwt`);
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
    expect((error as Error).message).not.toContain('s3cret');

    const s = createSandbox();
    try {
      const cli = await runCwt(['lock', 'ls'], { cwd: s.root, env: { ...s.env, CWT_STORE: url } });
      expect(cli.code).toBe(ExitCode.environment);
      expect(cli.stderr).toContain('cannot use the state store at');
      expect(cli.stderr).not.toContain('s3cret');
      // A hook fails open: exit 0, no decision, one line saying so (and the error in the hook log).
      const write = { session_id: 'tab-1', cwd: s.root, hook_event_name: 'PreToolUse', tool_name: 'Write', tool_input: { file_path: join(s.root, 'a.ts'), content: 'x' } };
      const hook = await runCwt(['hook', 'pre-tool-use'], { cwd: s.root, env: { ...s.env, CWT_STORE: url }, input: JSON.stringify(write) });
      expect(hook).toMatchObject({ code: 0, stdout: '' });
      expect(hook.stderr.trim().split('\n')).toEqual([expect.stringContaining('hooks allow every call until the store is back')]);
      expect(hook.stderr).not.toContain('s3cret');
      expect(readFileSync(join(s.cwtHome, 'hook-errors.log'), 'utf8')).toContain('ECONNREFUSED');
    } finally {
      s.cleanup();
    }
  });
});
