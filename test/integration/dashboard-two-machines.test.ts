/**
 * A team's shared store: two machines (two clones of one remote, two host ids, one PostgreSQL database). The
 * dashboard on machine A shows the session machine B started in its own clone (one repository, by identity),
 * with B's host; and when B's agent reports through its hooks (a Notification: waiting for you), A's dashboard
 * pushes it over its event stream within a second of B's hook having answered: woken by NOTIFY, not by A's
 * periodic refresh (5 s).
 */
import { request } from 'node:http';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPostgresStoreUrl } from '../helpers/backends.js';
import { createSandbox, type Sandbox } from '../helpers/env.js';
import { createRepo } from '../helpers/git.js';
import { checkoutOn, createMachine } from '../helpers/machines.js';
import { createTab } from '../helpers/hooks.js';
import { runCwt } from '../helpers/cli.js';
import { startDashboard, type RunningDashboard } from '../helpers/browser.js';
import type { DashboardState } from '../../src/server/dashboardstate.js';

/** Follows a dashboard's /api/stream; each push goes to `onState` with the time it arrived. */
function followStream(url: string, onState: (state: DashboardState, at: number) => void): Promise<() => void> {
  const { hostname, port, searchParams } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path: '/api/stream', headers: { authorization: `Bearer ${searchParams.get('token')}` } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`stream answered ${res.statusCode}`));
      res.setEncoding('utf8');
      let buffer = '';
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = message.split('\n').find((line) => line.startsWith('data: '));
          if (message.startsWith('event: state') && data) onState(JSON.parse(data.slice(6)) as DashboardState, Date.now());
        }
      });
      resolve(() => req.destroy());
    });
    req.on('error', () => {});
    req.end();
  });
}

let s: Sandbox;
let dashboard: RunningDashboard | undefined;
beforeEach(() => {
  s = createSandbox();
  s.env.CWT_STORE = createPostgresStoreUrl();
});
afterEach(async () => {
  if (dashboard) await dashboard.stop();
  dashboard = undefined;
  s.cleanup();
});

describe('the dashboard on a shared PostgreSQL store', () => {
  it("shows another machine's session and its activity, pushed within a second", async () => {
    const origin = createRepo(join(s.root, 'origin'));
    const [a, b] = [createMachine(s, 'machine-a'), createMachine(s, 'machine-b')];
    const [appA, appB] = [checkoutOn(a, origin), checkoutOn(b, origin)];
    const started = await runCwt(['new', 'feat/on-b', '--no-launch'], { cwd: appB, env: b.env });
    expect(started.code, started.stderr).toBe(0);

    dashboard = await startDashboard([], { cwd: appA, env: a.env });
    const pushes: Array<{ state: DashboardState; at: number }> = [];
    const close = await followStream(dashboard.url, (state, at) => pushes.push({ state, at }));
    try {
      const sessionOnB = () => pushes.at(-1)?.state.repos.flatMap((repo) => repo.sessions).find((session) => session.branch === 'feat/on-b');
      await expect.poll(() => sessionOnB()?.host, { timeout: 5_000 }).toBe('machine-b');

      const worktreeB = sessionOnB()!.worktree;
      const tab = createTab('claude-on-b', worktreeB, b.env);
      await tab.prompt('go');
      await expect.poll(() => sessionOnB()?.activity, { timeout: 5_000 }).toBe('working');
      // Right after a push, so the next refresh is seconds away: only a NOTIFY can bring the change in time.
      const before = pushes.length;
      await tab.notify();
      const answered = Date.now();
      await expect.poll(() => pushes.slice(before).find((push) => push.state.repos.flatMap((repo) => repo.sessions).some((x) => x.branch === 'feat/on-b' && x.activity === 'waiting')), { timeout: 5_000 }).toBeDefined();
      const arrived = pushes.slice(before).find((push) => push.state.repos.flatMap((repo) => repo.sessions).some((x) => x.branch === 'feat/on-b' && x.activity === 'waiting'))!.at;
      expect(arrived - answered).toBeLessThan(1_000);
    } finally {
      close();
    }
  });
});
