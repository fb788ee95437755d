/**
 * Two machines share one PostgreSQL store. Machine B runs a session that holds the lock `deploy` and a file
 * claim. Machine A runs `cwt gc`: B's worktree is not on A's disk, and that says nothing about B's session,
 * so A keeps it (and its lock and claims) while its heartbeat is fresh, and judges it by that heartbeat
 * alone once it is not. A's own session whose worktree is gone is still dropped. Commands on A that would
 * act on B's files (end, merge-memory, attach) refuse: those files are on B.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { installFakeAgent } from '../helpers/agent.js';
import { createPostgresStoreUrl, openSandboxStore } from '../helpers/backends.js';
import { runCwt, startCwt, waitForStderr } from '../helpers/cli.js';
import { createSandbox, type Sandbox } from '../helpers/env.js';
import { createRepo } from '../helpers/git.js';
import { checkoutOn, createMachine, hideMachine, type Machine } from '../helpers/machines.js';
import type { TestSession } from '../helpers/memory.js';
import { MESSAGES } from '../../src/texts/messages.js';

let s: Sandbox;
let a: Machine;
let b: Machine;
let appA: string;
let appB: string;
beforeEach(() => {
  s = createSandbox();
  s.env.CWT_STORE = createPostgresStoreUrl();
  const origin = createRepo(join(s.root, 'origin'));
  [a, b] = [createMachine(s, 'machine-a'), createMachine(s, 'machine-b')];
  [appA, appB] = [checkoutOn(a, origin), checkoutOn(b, origin)];
});
afterEach(() => s.cleanup());

async function startSession(machine: Machine, app: string, branch: string): Promise<TestSession> {
  const result = await runCwt(['new', branch, '--no-launch', '--json'], { cwd: app, env: machine.env });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as TestSession;
}

/** B's session takes `deploy` as `cwt lock deploy -- <its deploy>` run inside it would, and keeps it. */
async function holdDeployLock(session: TestSession) {
  const env = { ...b.env, CWT_SESSION: session.id };
  const held = startCwt(['lock', 'deploy', '--ttl', '10m', '--', 'sh', '-c', 'echo deploying >&2; exec sleep 30'], { cwd: session.worktree, env });
  await waitForStderr(held.child, (text) => text.includes('deploying'));
  return held;
}

describe('cwt gc on one machine and the sessions of another', () => {
  it("keeps machine B's live session, its lock and its claims, and still drops A's own session whose worktree is gone", async () => {
    const onB = await startSession(b, appB, 'feat/deploy');
    const held = await holdDeployLock(onB);
    const claim = await runCwt(['claim', 'src/deploy.ts'], { cwd: onB.worktree, env: { ...b.env, CWT_SESSION: onB.id } });
    expect(claim.code, claim.stderr).toBe(0);
    const onA = await startSession(a, appA, 'feat/gone');
    rmSync(onA.worktree, { recursive: true, force: true });

    const gc = await hideMachine(b, () => runCwt(['gc'], { cwd: appA, env: a.env }));
    expect(gc.code, gc.stderr).toBe(0);
    expect(gc.stdout).toContain(`dropped session ${onA.id}`);
    expect(gc.stdout).not.toContain(onB.id);

    const store = await openSandboxStore(s);
    try {
      expect(await store.getSession(onB.id)).toMatchObject({ state: 'live', host: 'machine-b' });
      expect(await store.getSession(onA.id)).toBeUndefined();
      expect((await store.listLocks()).map((lock) => [lock.name, lock.session])).toEqual([['deploy', onB.id]]);
      expect((await store.listClaims({ session: onB.id })).map((c) => c.relPath)).toEqual(['src/deploy.ts']);
    } finally {
      await store.close();
    }
    // B still deploys: A cannot take the lock.
    const second = await runCwt(['lock', 'deploy', '--wait', '0s', '--', 'true'], { cwd: appA, env: a.env });
    expect(second.code, second.stderr).toBe(3);
    held.child.kill('SIGTERM');
    await held.result;
  });

  it("judges B's session by its heartbeat alone: once it expired, A's gc marks it stale and releases its claims, keeping the record", async () => {
    const onB = await startSession(b, appB, 'feat/quiet');
    const claim = await runCwt(['claim', 'src/quiet.ts'], { cwd: onB.worktree, env: { ...b.env, CWT_SESSION: onB.id } });
    expect(claim.code, claim.stderr).toBe(0);
    await sleep(1200); // past A's 1s TTL
    const gc = await hideMachine(b, () => runCwt(['gc'], { cwd: appA, env: { ...a.env, CWT_SESSION_TTL: '1s' } }));
    expect(gc.code, gc.stderr).toBe(0);
    expect(gc.stdout).toContain(`stale: session ${onB.id}`);
    expect(gc.stdout).not.toContain(`dropped session ${onB.id}`);
    const store = await openSandboxStore(s);
    try {
      expect(await store.getSession(onB.id)).toMatchObject({ state: 'stale', host: 'machine-b' });
      expect(await store.listClaims({ session: onB.id })).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it("refuses on machine A to end, merge or attach machine B's session, naming B; the session is left as it was", async () => {
    const onB = await startSession(b, appB, 'feat/elsewhere');
    const agent = installFakeAgent(a.root, a.env);
    // Outside every repository, so the id alone finds the session.
    for (const args of [['end', onB.id], ['end', onB.id, '--no-merge'], ['merge-memory', onB.id], ['attach', onB.id]]) {
      const result = await runCwt(args, { cwd: a.root, env: agent.env });
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(4);
      expect(result.stderr).toContain(MESSAGES.sessionOnOtherHost(onB.id, 'machine-b', 'machine-a'));
      expect(result.stderr).toContain('next:');
    }
    const store = await openSandboxStore(s);
    try {
      const session = await store.getSession(onB.id);
      expect(session).toMatchObject({ state: 'live', host: 'machine-b' });
      expect(session!.memoryMergedAt ?? null).toBeNull();
    } finally {
      await store.close();
    }
  });
});
