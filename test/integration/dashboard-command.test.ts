/**
 * `cwt dashboard` as a process, without a browser: bad flags are usage errors (exit 2) and a busy port an
 * environment error (exit 4), before anything listens; the scope is this repository's sessions, another's with
 * --repo, every one with --all; --open hands the opener a private file that redirects to the URL (the token
 * never on a command line) and a failing opener is only a warning; SIGTERM stops it with exit 0.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createScenario, type Scenario } from '../helpers/scenario.js';
import { createRepo } from '../helpers/git.js';
import { startDashboard } from '../helpers/browser.js';
import { waitFor } from '../helpers/wait.js';
import { DASHBOARD_MESSAGES } from '../../src/texts/messages.js';

interface StateJson {
  scope: string;
  repos: Array<{ name: string; sessions: Array<{ branch: string }> }>;
}

describe('cwt dashboard, the command', () => {
  let s: Scenario;
  beforeEach(() => {
    s = createScenario();
  });
  afterEach(() => s.cleanup());

  async function state(url: string): Promise<StateJson> {
    const { origin, searchParams } = new URL(url);
    const response = await fetch(`${origin}/api/state`, { headers: { authorization: `Bearer ${searchParams.get('token')}` } });
    expect(response.status).toBe(200);
    return (await response.json()) as StateJson;
  }

  it.each([
    [['--port', 'abc'], 2, DASHBOARD_MESSAGES.badPort('abc')],
    [['--port', '0'], 2, DASHBOARD_MESSAGES.badPort('0')],
    [['--port', '70000'], 2, DASHBOARD_MESSAGES.badPort('70000')],
    [['--all', '--repo', '.'], 2, DASHBOARD_MESSAGES.repoAndAll],
  ])('refuses %j with exit %i', async (args, code, message) => {
    const result = await s.cwt(['dashboard', ...args]);
    expect(result.code).toBe(code);
    expect(result.stderr).toContain(message);
    expect(result.stdout).toBe('');
  });

  it('refuses --repo that is not a repository (exit 4) and a busy port (exit 4)', async () => {
    const notRepo = join(s.root, 'plain');
    mkdirSync(notRepo);
    const outside = await s.cwt(['dashboard', '--repo', notRepo]);
    expect(outside.code).toBe(4);

    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const busy = await s.cwt(['dashboard', '--port', String(port)]);
      expect(busy.code).toBe(4);
      expect(busy.stderr).toContain(DASHBOARD_MESSAGES.portBusy(port));
    } finally {
      blocker.close();
    }
  });

  it('shows this repository’s sessions, another’s with --repo, all with --all; SIGTERM ends it with exit 0', async () => {
    const other = createRepo(join(s.root, 'other'));
    expect((await s.cwt(['new', 'feat/here', '--no-launch'])).code).toBe(0);
    expect((await s.cwt(['new', 'feat/there', '--no-launch'], { cwd: other })).code).toBe(0);
    const branches = (doc: StateJson) => doc.repos.flatMap((repo) => repo.sessions.map((session) => session.branch)).sort();

    const here = await startDashboard([], { cwd: s.repo, env: s.env });
    expect(branches(await state(here.url))).toEqual(['feat/here']);
    here.child.kill('SIGTERM');
    expect((await new Promise<number | null>((resolve) => here.child.on('close', resolve)))).toBe(0);

    const there = await startDashboard(['--repo', other], { cwd: s.repo, env: s.env });
    expect(branches(await state(there.url))).toEqual(['feat/there']);
    expect(await there.stop()).toBe(0);

    const all = await startDashboard(['--all'], { cwd: s.repo, env: s.env });
    const doc = await state(all.url);
    expect(branches(doc)).toEqual(['feat/here', 'feat/there']);
    expect(doc.repos.map((repo) => repo.name).sort()).toEqual(['other', 'repo']);
    expect(doc.scope).toBe(DASHBOARD_MESSAGES.scopeAll);
    expect(await all.stop()).toBe(0);
  });

  it('--open gives the opener a private redirect file, never the token itself; a failing opener is a warning', async () => {
    const bin = join(s.root, 'opener-bin');
    mkdirSync(bin);
    const calls = join(s.root, 'opener-calls.txt');
    const opener = join(bin, 'xdg-open');
    writeFileSync(opener, `#!/bin/sh\nprintf '%s\\n' "$@" >> '${calls}'\n`);
    chmodSync(opener, 0o755);
    const env = { ...s.env, PATH: `${bin}${delimiter}${s.env.PATH}` };
    const dashboard = await startDashboard(['--open'], { cwd: s.repo, env });
    const file = (await waitFor(() => (existsSync(calls) ? readFileSync(calls, 'utf8').trim() : undefined))).split('\n')[0]!;
    expect(file).not.toContain('token');
    expect(file.startsWith(join(s.cwtHome, 'dashboard'))).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toContain(`url=${dashboard.url}`);
    expect(await dashboard.stop()).toBe(0);
    expect(existsSync(file)).toBe(false); // gone with the dashboard

    writeFileSync(opener, '#!/bin/sh\nexit 3\n');
    const failing = await startDashboard(['--open'], { cwd: s.repo, env });
    let stderr = '';
    failing.child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await waitFor(() => (stderr.includes('warning: could not open a browser') ? true : undefined));
    expect((await state(failing.url)).repos).toEqual([]); // still serving
    expect(await failing.stop()).toBe(0);
  });
});
