/**
 * A supervisor killed with SIGKILL leaves its session behind; `cwt gc` notices (pid dead and heartbeat past
 * the TTL), marks it stale and releases its locks, but keeps its worktree and memory namespace.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { createScenario, type Scenario } from '../helpers/scenario.js';
import { startCwt } from '../helpers/cli.js';
import { SqliteStore } from '../../src/core/store/sqlite.js';
import { MESSAGES } from '../../src/texts/messages.js';
import { waitFor } from '../helpers/wait.js';

let s: Scenario;
beforeEach(() => {
  s = createScenario();
});
afterEach(() => s.cleanup());

describe('gc after kill -9', () => {
  it('marks the session stale, releases its locks, keeps worktree and memory', async () => {
    const env = { ...s.env, CWT_SESSION_TTL: '1s', FAKE_AGENT_SLEEP_MS: '60000' };
    const { child, result } = startCwt(['new', 'feat/crash'], { cwd: s.repo, env });
    const session = await waitFor(async () => {
      const [found] = await s.sessions();
      return found && found.pid !== null ? found : undefined;
    });
    expect(session.pid).toBe(child.pid);
    const agentPid = await waitFor(async () =>
      existsSync(s.agent.recordPath) ? (JSON.parse(readFileSync(s.agent.recordPath, 'utf8').split('\n')[0]!).pid as number) : undefined,
    );

    // The session takes a lock, as a `cwt lock` inside it would.
    const store = new SqliteStore(s.cwtHome);
    await store.acquireLock(
      { name: 'deploy', holder: session.id as string, session: session.id as string, pid: child.pid!, host: session.host as string, ttlMs: 600_000, note: null, now: Date.now() },
      () => false,
    );

    child.kill('SIGKILL');
    process.kill(agentPid, 'SIGKILL');
    await result;
    await sleep(1200); // past the 1s TTL

    const before = (await s.cwt(['status', '--json'], { env })).stdout;
    expect(JSON.parse(before)[0]).toMatchObject({ id: session.id, state: 'stale' });

    const dry = await s.cwt(['gc', '--dry-run'], { env });
    expect(dry.stdout).toContain(MESSAGES.gcDryRun);
    expect((await store.getSession(session.id as string))!.state).toBe('live');

    const gc = await s.cwt(['gc'], { env });
    expect(gc.code).toBe(0);
    expect(gc.stdout).toContain(`stale: session ${session.id}`);
    expect(gc.stdout).toContain("released lock 'deploy'");
    expect((await store.getSession(session.id as string))!.state).toBe('stale');
    expect(await store.listLocks()).toEqual([]);
    expect(existsSync(session.worktree as string)).toBe(true);
    expect(existsSync(session.memoryDir as string)).toBe(true);
    expect((await store.listEvents({ session: session.id as string })).map((e) => e.kind)).toContain('session.stale');
    await store.close();

    // A second gc has nothing left to do.
    expect((await s.cwt(['gc'], { env })).stdout).toContain(MESSAGES.gcNothing);
  });

  it('drops the record of a session whose worktree vanished, and frees its branch', async () => {
    expect((await s.cwt(['new', 'feat/gone', '--no-launch'])).code).toBe(0);
    const [session] = await s.sessions();
    rmSync(session!.worktree as string, { recursive: true, force: true });
    expect((await s.cwt(['new', 'feat/gone', '--no-launch'])).code).toBe(2);
    const gc = await s.cwt(['gc']);
    expect(gc.stdout).toContain(`dropped session ${session!.id}`);
    expect(await s.sessions()).toEqual([]);
    expect(existsSync(session!.memoryDir as string)).toBe(true);
    expect((await s.cwt(['new', 'feat/gone', '--no-launch'])).code).toBe(0);
    // The new session got a fresh namespace; the old one is kept.
    const [fresh] = await s.sessions();
    expect(fresh!.memoryDir).not.toBe(session!.memoryDir);
    expect(join(fresh!.memoryDir as string, '..')).toBe(join(session!.memoryDir as string, '..'));
  });

  it('attach refuses while the supervisor lives, and resumes the session once it is dead', async () => {
    const env = { ...s.env, FAKE_AGENT_SLEEP_MS: '60000' };
    const { child, result } = startCwt(['new', 'feat/att'], { cwd: s.repo, env });
    const session = await waitFor(async () => {
      const [found] = await s.sessions();
      return found && found.pid !== null ? found : undefined;
    });
    const refused = await s.cwt(['attach', 'feat/att']);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain(`supervisor (pid ${child.pid}`);
    const agentPid = JSON.parse(readFileSync(s.agent.recordPath, 'utf8').split('\n')[0]!).pid as number;
    child.kill('SIGKILL');
    process.kill(agentPid, 'SIGKILL');
    await result;
    const attached = await s.cwt(['attach', session.id as string]);
    expect(attached.code).toBe(0);
  });
});
