/**
 * The shared PostgreSQL store goes away in the middle of a session and comes back. While it is gone, hooks
 * fail open and say so in one stderr line, and commands exit 4 naming the store (its URL without the
 * password); once it is back, everything works again, and the claims and locks taken before are all there.
 * A server of its own (scripts/postgres-server.mjs), so the test can kill it and start it again.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCwt, startCwt } from '../helpers/cli.js';
import { createTab, getDenyReason } from '../helpers/hooks.js';
import { createScenario, type Scenario } from '../helpers/scenario.js';
import { PostgresStore } from '../../src/core/store/postgres.js';
// @ts-expect-error: a plain .mjs script (node:* only) shared with the global setup.
import { startPostgresServer as startServer } from '../../scripts/postgres-server.mjs';

interface RestartableServer {
  url: string;
  stop(): Promise<void>;
  kill(): Promise<void>;
  start(): Promise<void>;
}
const startPostgresServer = startServer as () => Promise<RestartableServer>;

let server: RestartableServer;
let s: Scenario;
beforeAll(async () => {
  server = await startPostgresServer();
  s = createScenario();
});
afterAll(async () => {
  s?.cleanup();
  await server?.stop();
});

describe('the PostgreSQL store restarts mid-session', () => {
  it('hooks fail open with one line, commands exit 4 naming the store, and nothing is lost once it is back', async () => {
    const url = new URL(server.url);
    url.password = 'hunter2';
    const env = { ...s.env, CWT_STORE: url.toString() };
    const redacted = `postgres://cwt@${url.host}/cwt`;
    const file = join(s.repo, 'src', 'app.ts');
    const a = createTab('tab-a', s.repo, env);
    const b = createTab('tab-b', s.repo, env);
    expect(await a.start()).toBeNull();
    expect(await a.write(file)).toBeNull();
    await b.start();
    const who = async () => {
      const result = await runCwt(['who', file, '--json'], { cwd: s.repo, env });
      expect(result.code, result.stderr).toBe(0);
      return JSON.parse(result.stdout) as { claims: Array<{ session: string }> };
    };
    const [claim] = (await who()).claims;
    // A lock held across the outage, as a long `cwt lock deploy -- …` inside tab A would hold it.
    const store = new PostgresStore(env.CWT_STORE);
    const [row] = await store.listSessions();
    expect((await store.acquireLock({ name: 'deploy', holder: claim!.session, session: claim!.session, pid: process.pid, host: row!.host, ttlMs: 600_000, note: null, now: Date.now() }, () => false)).acquired).toBe(true);
    await store.close();
    // The test server commits asynchronously (synchronous_commit=off): give its WAL writer time to flush
    // before the crash, or the crash itself would lose the newest commits.
    await sleep(1000);

    await server.kill();
    const hook = await runCwt(['hook', 'pre-tool-use'], {
      cwd: s.repo,
      env,
      input: JSON.stringify({ session_id: 'tab-b', cwd: s.repo, hook_event_name: 'PreToolUse', tool_name: 'Write', tool_input: { file_path: file, content: 'x' } }),
    });
    expect(hook.code).toBe(0);
    expect(hook.stdout).toBe('');
    const lines = hook.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^cwt: cannot use the state store at ${redacted.replace(/[.?]/g, '\\$&')}: .+; hooks allow every call until the store is back$`));
    for (const args of [['status'], ['lock', 'ls'], ['who', file]]) {
      const result = await runCwt(args, { cwd: s.repo, env });
      expect(result.code, `cwt ${args.join(' ')}: ${result.stderr}`).toBe(4);
      expect(result.stderr).toContain(`cwt: cannot use the state store at ${redacted}`);
      expect(result.stderr).not.toContain('hunter2');
      expect(result.stderr).not.toContain('bug in cwt');
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
    expect(hook.stderr).not.toContain('hunter2');

    await server.start();
    // The claim and the lock are still there, and the hooks decide again: B's clobber is denied, silently.
    expect((await who()).claims.map((c) => c.session)).toEqual([claim!.session]);
    const locks = await runCwt(['lock', 'ls', '--json'], { cwd: s.repo, env });
    expect(locks.code, locks.stderr).toBe(0);
    expect(JSON.parse(locks.stdout)).toEqual([expect.objectContaining({ name: 'deploy', session: claim!.session })]);
    const denied = await runCwt(['hook', 'pre-tool-use'], {
      cwd: s.repo,
      env,
      input: JSON.stringify({ session_id: 'tab-b', cwd: s.repo, hook_event_name: 'PreToolUse', tool_name: 'Write', tool_input: { file_path: file, content: 'x' } }),
    });
    expect(denied.stderr).toBe('');
    expect(getDenyReason(JSON.parse(denied.stdout))).toContain('src/app.ts');
    expect(getDenyReason(await b.write(file))).toBeUndefined(); // the retry goes through, as before the outage
  });

  it('a command holding a lock across the outage: exit 4 naming the store if it is still gone at the end, else it finishes', async () => {
    const env = { ...s.env, CWT_STORE: server.url };
    const redacted = `postgres://cwt@${new URL(server.url).host}/cwt`;
    // The store comes back while the command runs: the lock is released at the end as usual.
    const through = startCwt(['lock', 'build', '--', 'sleep', '3'], { cwd: s.repo, env });
    await sleep(1500);
    await server.kill();
    await sleep(300);
    await server.start();
    const done = await through.result;
    expect(done.stderr).not.toContain('bug in cwt');
    expect(done.code, done.stderr).toBe(0);
    expect(JSON.parse((await runCwt(['lock', 'ls', '--json'], { cwd: s.repo, env })).stdout).map((lock: { name: string }) => lock.name)).not.toContain('build');

    // Still gone when it ends: exit 4 naming the store, no stack.
    const stuck = startCwt(['lock', 'build', '--', 'sleep', '2'], { cwd: s.repo, env });
    await sleep(1000);
    await server.kill();
    const failed = await stuck.result;
    await server.start();
    expect(failed.code, failed.stderr).toBe(4);
    expect(failed.stderr).toContain(`cwt: cannot use the state store at ${redacted}`);
    expect(failed.stderr).not.toContain('bug in cwt');
    expect(failed.stderr).not.toMatch(/\n\s+at /);
  });
});
