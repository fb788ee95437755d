/**
 * Resource leases across parallel sessions: ten `cwt new` started at once (on ten repositories, so no
 * repository lock serialises them: only the store's lease transaction does) get ten distinct ports, and a port
 * another program listens on is skipped. The naive way — each process takes the first port it can bind —
 * hands the same port to all of them. A dead session's lease is freed by `cwt gc`, or reclaimed by the next
 * session that needs it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Server } from 'node:net';
import { openSandboxStore, STORE_BACKENDS, useBackend } from '../helpers/backends.js';
import { createScenario, type Scenario } from '../helpers/scenario.js';
import { runCwt, startCwt } from '../helpers/cli.js';
import { createRepo, git } from '../helpers/git.js';
import { closeServer, findFreePortRun, listen } from '../helpers/ports.js';
import { MESSAGES } from '../../src/texts/messages.js';
import { waitFor } from '../helpers/wait.js';
import { trustRepoConfig } from '../helpers/trust.js';

const PARALLEL = 10;

let s: Scenario;
const servers: Server[] = [];
beforeEach(() => {
  s = createScenario();
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map(closeServer));
  s.cleanup();
});

/** The repository's .cwt.json with leases, trusted (leases become the agent's environment, so they need it). */
function writeLeaseConfig(repo: string, range: [number, number]): void {
  const leases = { PORT: { kind: 'port', range }, COMPOSE_PROJECT_NAME: { pattern: '{repo}-{slug}' } };
  writeFileSync(join(repo, '.cwt.json'), JSON.stringify({ leases }));
  trustRepoConfig(repo, s.env);
}

interface NewJson {
  id: string;
  worktree: string;
  leases: Record<string, string>;
}

describe.each(STORE_BACKENDS)('leases for parallel sessions (%s store)', (backend) => {
  beforeEach(() => {
    useBackend(s, backend);
  });

  it(`${PARALLEL} cwt new at once get ${PARALLEL} distinct ports, none of them one another process listens on`, async () => {
    const base = await findFreePortRun(PARALLEL + 2);
    // Another program (not a cwt session) listens on the first port of the range.
    servers.push(await listen(base));
    const repos = Array.from({ length: PARALLEL }, (_, i) => {
      const repo = createRepo(join(s.root, `app${i}`));
      writeLeaseConfig(repo, [base, base + PARALLEL + 1]);
      return repo;
    });

    const results = await Promise.all(repos.map((repo) => runCwt(['new', 'feat/api', '--no-launch', '--json'], { cwd: repo, env: s.env })));
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    const created = results.map((result) => JSON.parse(result.stdout) as NewJson);
    const ports = created.map((session) => Number(session.leases.PORT));

    expect(new Set(ports).size).toBe(PARALLEL);
    expect(ports).not.toContain(base);
    for (const port of ports) expect(port > base && port <= base + PARALLEL + 1, String(port)).toBe(true);
    // Whoever tried the busy port first said so; the store recorded giving it back.
    expect(results.some((result) => result.stderr.includes(MESSAGES.leasePortBusy('PORT', String(base))))).toBe(true);
    const store = await openSandboxStore(s);
    const events = await store.listEvents();
    expect(events.some((e) => e.kind === 'lease.release' && e.data.reason === 'in use by another process')).toBe(true);
    expect((await store.listLeases()).filter((lease) => lease.name === 'PORT')).toHaveLength(PARALLEL);
    await store.close();

    // Each agent finds its values in the worktree's env file, which git does not see.
    created.forEach((session, i) => {
      const envFile = readFileSync(join(session.worktree, '.cwt.env'), 'utf8');
      expect(envFile).toContain(`PORT=${session.leases.PORT}\n`);
      expect(envFile).toContain(`COMPOSE_PROJECT_NAME=app${i}-feat-api\n`);
      expect(readFileSync(join(session.worktree, 'CLAUDE.local.md'), 'utf8')).toContain(`- PORT=${session.leases.PORT}`);
      expect(git(session.worktree, ['status', '--porcelain'])).toBe('');
    });

    // cwt status (outside any repository: all of them) shows the leases.
    const status = await runCwt(['status', '--json'], { cwd: s.root, env: s.env });
    const views = JSON.parse(status.stdout) as NewJson[];
    expect(views.map((view) => Number(view.leases.PORT)).sort()).toEqual([...ports].sort());
    const table = await runCwt(['status'], { cwd: repos[0]!, env: s.env });
    expect(table.stdout).toContain('LEASES');
    expect(table.stdout).toContain(`PORT=${created[0]!.leases.PORT}`);
  });

  it('the naive way (each process takes the first port it can bind) gives several processes the same port', async () => {
    const base = await findFreePortRun(PARALLEL + 2);
    const script = `
      const net = require('node:net');
      const tryPort = (port) => new Promise((ok) => {
        const server = net.createServer();
        server.once('error', () => ok(false));
        server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => ok(true)));
      });
      (async () => { for (let p = ${base}; p <= ${base + PARALLEL + 1}; p++) if (await tryPort(p)) { console.log(p); return; } })();`;
    const ports = await Promise.all(
      Array.from(
        { length: PARALLEL },
        () =>
          new Promise<number>((resolve, reject) => {
            const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
            let out = '';
            child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
            child.on('error', reject);
            child.on('close', () => resolve(Number(out.trim())));
          }),
      ),
    );
    expect(new Set(ports).size).toBeLessThan(PARALLEL);
  });

  describe('a session killed with SIGKILL', () => {
    async function startAndKill(): Promise<{ id: string; port: string; env: NodeJS.ProcessEnv }> {
      const base = await findFreePortRun(4);
      writeLeaseConfig(s.repo, [base, base + 3]);
      const env = { ...s.env, CWT_SESSION_TTL: '1s', FAKE_AGENT_SLEEP_MS: '60000', FAKE_AGENT_RECORD_ENV: 'PORT' };
      const { child, result } = startCwt(['new', 'feat/crash'], { cwd: s.repo, env });
      const run = await waitFor(async () => s.agent.runs()[0]);
      // The agent got its port in its environment.
      expect(run.env.PORT).toBe(String(base));
      const [session] = await s.sessions();
      child.kill('SIGKILL');
      process.kill(run.pid, 'SIGKILL');
      await result;
      await sleep(1200); // past the 1s TTL
      return { id: session!.id as string, port: String(base), env };
    }

    it('cwt gc frees its lease', async () => {
      const dead = await startAndKill();
      const gc = await s.cwt(['gc'], { env: dead.env });
      expect(gc.code, gc.stderr).toBe(0);
      expect(gc.stdout).toContain(`released lease(s) of session ${dead.id} (feat/crash): `);
      expect(gc.stdout).toContain(`PORT=${dead.port}`);
      const store = await openSandboxStore(s);
      expect(await store.listLeases({ session: dead.id })).toEqual([]);
      expect((await store.listEvents({ session: dead.id })).some((e) => e.kind === 'lease.release' && e.data.reason === 'gc: session stale')).toBe(true);
      await store.close();
      // The port is free for the next session.
      const next = await s.cwt(['new', 'feat/next', '--no-launch', '--json'], { env: dead.env });
      expect((JSON.parse(next.stdout) as NewJson).leases.PORT).toBe(dead.port);
    });

    it('before any gc, the next session reclaims its port', async () => {
      const dead = await startAndKill();
      const next = await s.cwt(['new', 'feat/next', '--no-launch', '--json'], { env: dead.env });
      expect(next.code, next.stderr).toBe(0);
      const session = JSON.parse(next.stdout) as NewJson;
      expect(session.leases.PORT).toBe(dead.port);
      const store = await openSandboxStore(s);
      const reclaim = (await store.listEvents({ session: session.id })).find((e) => e.kind === 'lease.reclaim');
      expect(reclaim?.data.previous).toMatchObject({ session: dead.id, value: dead.port });
      await store.close();
    });
  });

  it('cwt end releases the leases and removes the env file; the worktree stays clean', async () => {
    const base = await findFreePortRun(2);
    writeLeaseConfig(s.repo, [base, base + 1]);
    const created = JSON.parse((await s.cwt(['new', 'feat/done', '--no-launch', '--json'])).stdout) as NewJson;
    expect(existsSync(join(created.worktree, '.cwt.env'))).toBe(true);
    const end = await s.cwt(['end', created.id]);
    expect(end.code, end.stderr).toBe(0);
    expect(existsSync(join(created.worktree, '.cwt.env'))).toBe(false);
    const store = await openSandboxStore(s);
    expect(await store.listLeases()).toEqual([]);
    await store.close();
    const again = JSON.parse((await s.cwt(['new', 'feat/again', '--no-launch', '--json'])).stdout) as NewJson;
    expect(again.leases.PORT).toBe(String(base));
  });
});
