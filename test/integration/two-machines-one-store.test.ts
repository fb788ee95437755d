/**
 * Two machines, simulated: two clones of one remote at different paths (so two git common dirs), two state
 * dirs with two host ids, one PostgreSQL store. A claim made by a tab on one machine reaches the other
 * machine's agent as a merge-conflict warning, because claims are keyed by the repository's identity (its
 * normalised origin URL), not by a path that differs from machine to machine. The control shows the same
 * two clones without a common remote: nothing ties them together, so nothing is said.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { normalizeRemoteUrl } from '../../src/core/git/git.js';
import { createPostgresStoreUrl, openSandboxStore } from '../helpers/backends.js';
import { runCwt } from '../helpers/cli.js';
import { createSandbox, type Sandbox } from '../helpers/env.js';
import { createRepo } from '../helpers/git.js';
import { checkoutOn, createMachine } from '../helpers/machines.js';
import { createTab } from '../helpers/hooks.js';

let s: Sandbox;
beforeEach(() => {
  s = createSandbox();
  s.env.CWT_STORE = createPostgresStoreUrl();
});
afterEach(() => s.cleanup());

describe('two machines share one PostgreSQL store', () => {
  it("a tab on machine B editing a file that machine A's tab is editing is told so, naming the session and host", async () => {
    const origin = createRepo(join(s.root, 'origin'));
    const [a, b] = [createMachine(s, 'machine-a'), createMachine(s, 'machine-b')];
    const [envA, envB] = [a.env, b.env];
    const [appA, appB] = [checkoutOn(a, origin), checkoutOn(b, origin)];
    const tabA = createTab('tab-on-a', appA, envA);
    const tabB = createTab('tab-on-b', appB, envB);
    await tabA.start();
    await tabB.start();

    expect(await tabA.write(join(appA, 'src', 'shared.ts'))).toBeNull();
    const warned = await tabB.write(join(appB, 'src', 'shared.ts'));
    const context = warned?.hookSpecificOutput?.additionalContext ?? '';
    expect(warned?.hookSpecificOutput?.permissionDecision).not.toBe('deny');
    expect(context).toContain('merge-conflict risk: src/shared.ts');
    expect(context).toContain(`a Claude Code tab in ${appA}`);
    expect(context).toContain('on host machine-a');

    // The claims carry the repository's identity, the same on both machines; their common dirs differ.
    const store = await openSandboxStore(s);
    try {
      const claims = await store.listClaims({ relPath: 'src/shared.ts' });
      expect(claims.map((claim) => claim.repo)).toEqual([normalizeRemoteUrl(origin), normalizeRemoteUrl(origin)]);
      const sessions = await store.listSessions();
      expect(new Set(sessions.map((session) => session.repo)).size).toBe(2);
      expect(sessions.map((session) => session.host).sort()).toEqual(['machine-a', 'machine-b']);
    } finally {
      await store.close();
    }
    // cwt status on machine B lists machine A's tab too, with a HOST column; cwt who sees A's claim.
    const status = await runCwt(['status'], { cwd: appB, env: envB });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/HOST/);
    expect(status.stdout).toContain('machine-a');
    expect(status.stdout).toContain(appA);
    // cwt who on machine B sees machine A's claim too.
    const who = await runCwt(['who', 'src/shared.ts', '--json'], { cwd: appB, env: envB });
    expect(who.code, who.stderr).toBe(0);
    expect(JSON.stringify(JSON.parse(who.stdout))).toContain(appA);
  });

  it('control: two unrelated repositories at the same relative path are not confused', async () => {
    const [a, b] = [createMachine(s, 'machine-a'), createMachine(s, 'machine-b')];
    const [envA, envB] = [a.env, b.env];
    const [appA, appB] = [checkoutOn(a, undefined), checkoutOn(b, undefined)];
    await createTab('tab-on-a', appA, envA).write(join(appA, 'src', 'shared.ts'));
    const answer = await createTab('tab-on-b', appB, envB).write(join(appB, 'src', 'shared.ts'));
    expect(answer?.hookSpecificOutput?.additionalContext ?? '').not.toContain('merge-conflict risk');
  });
});
