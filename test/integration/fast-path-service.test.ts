/**
 * The per-user fast path (`cwt serve`) as real processes: `cwt install` records its port and starts it.
 * - Only this uid, at its own address: a client under another uid (setpriv), a request whose Host is not
 *   127.0.0.1:<port> (DNS rebinding), or a browser's cross-origin request (this uid, but an Origin or a non-JSON
 *   type) gets 403 and no decision, and nothing of the request reaches the store.
 * - One instance per user: a second `cwt serve` leaves at once; a killed one's pid file is taken over.
 * - A call that reaches both deciders (the service and the command hook) is decided once. The naive way (both
 *   decide) is shown failing first: deny-once counts the second decision as the model's retry, so the denied
 *   tab ends up holding the claim of a file it never wrote.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isPidAlive } from '../../src/core/sessions/liveness.js';
import { openStore } from '../../src/core/store/open.js';
import { createPostgresStoreUrl, STORE_BACKENDS } from '../helpers/backends.js';
import { runCwt, startCwt } from '../helpers/cli.js';
import { stopFastPath } from '../helpers/env.js';
import { createTab, getDenyReason, runHook } from '../helpers/hooks.js';
import { createScenario, type Scenario } from '../helpers/scenario.js';
import { waitFor } from '../helpers/wait.js';
import { MESSAGES } from '../../src/texts/messages.js';

interface Reply {
  status: number;
  body: string;
}

function post(port: number, event: string, body: unknown, host = `127.0.0.1:${port}`, headers: Record<string, string> = {}): Promise<Reply> {
  const data = JSON.stringify(body);
  return new Promise((resolvePromise, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: `/hooks/${event}`, headers: { host, 'content-type': 'application/json', 'content-length': Buffer.byteLength(data), ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

/** curl under another uid, the body on stdin (a file of ours would not be readable to it); status 0: no answer at all. */
function postAsNobody(port: number, event: string, body: unknown): Reply & { curlExit: number } {
  const result = spawnSync(
    'setpriv',
    ['--reuid=65534', '--regid=65534', '--clear-groups', 'curl', '-s', '-o', '-', '-w', '\n%{http_code}', '-H', 'content-type: application/json', '--data-binary', '@-', `http://127.0.0.1:${port}/hooks/${event}`],
    { input: JSON.stringify(body), encoding: 'utf8' },
  );
  const out = result.stdout;
  const cut = out.lastIndexOf('\n');
  return { status: Number(out.slice(cut + 1)), body: out.slice(0, cut), curlExit: result.status ?? -1 };
}

const readPort = (s: Scenario) => (JSON.parse(readFileSync(join(s.cwtHome, 'fastpath.json'), 'utf8')) as { port: number }).port;
const readPid = (s: Scenario) => {
  try {
    return Number(readFileSync(join(s.cwtHome, 'fastpath.pid'), 'utf8').trim().split(' ')[0]) || undefined;
  } catch {
    return undefined;
  }
};
const waitForService = (s: Scenario) => waitFor(() => {
  const pid = readPid(s);
  return pid !== undefined && isPidAlive(pid) ? pid : undefined;
});

async function install(s: Scenario): Promise<{ port: number; pid: number }> {
  const result = await s.cwt(['install']);
  expect(result.code, result.stderr).toBe(0);
  return { port: readPort(s), pid: await waitForService(s) };
}

describe.each(STORE_BACKENDS)('the per-user fast path, on the %s store', (backend) => {
  let s: Scenario;
  beforeEach(() => {
    s = createScenario();
    if (backend === 'postgres') s.env.CWT_STORE = createPostgresStoreUrl();
  });
  afterEach(() => s.cleanup());

  const pre = (claude: string, file: string, toolUseId?: string) => ({
    session_id: claude,
    cwd: s.repo,
    hook_event_name: 'PreToolUse',
    tool_name: 'Write',
    ...(toolUseId !== undefined ? { tool_use_id: toolUseId } : {}),
    tool_input: { file_path: file, content: 'x' },
  });

  async function inStore<T>(fn: (store: Awaited<ReturnType<typeof openStore>>) => Promise<T>): Promise<T> {
    const store = await openStore(s.env);
    try {
      return await fn(store);
    } finally {
      await store.close();
    }
  }

  it('another uid and a rebinding Host get no decision, and nothing of their request is read', async () => {
    expect(process.getuid?.(), 'this test runs a client under another uid with setpriv: it needs root').toBe(0);
    const { port } = await install(s);
    const file = join(s.repo, 'src', 'x.ts');
    await createTab('owner', s.repo, s.env).write(file);

    // The same call (it would be denied: "owner" holds the file) from another uid, and via a foreign Host name.
    // Another uid's connection is closed as it is accepted: no status, no body (curl: the server sent nothing).
    const foreign = postAsNobody(port, 'pre-tool-use', pre('intruder', file, 'toolu_f1'));
    expect(foreign).toMatchObject({ status: 0, body: '' });
    expect([52, 56]).toContain(foreign.curlExit);
    const rebound = await post(port, 'pre-tool-use', pre('intruder', file, 'toolu_f2'), `evil.example:${port}`);
    expect(rebound).toEqual({ status: 403, body: '{}' });
    expect(postAsNobody(port, 'session-start', {}).status).toBe(0);
    // A web page in this user's browser (same uid): its cross-origin POST carries an Origin, or a non-JSON type.
    const pageHeaders: Record<string, string>[] = [{ origin: 'https://evil.example' }, { 'content-type': 'text/plain' }, { 'sec-fetch-mode': 'no-cors' }];
    for (const headers of pageHeaders) {
      expect(await post(port, 'pre-tool-use', pre('intruder', file, 'toolu_f4'), undefined, headers), JSON.stringify(headers)).toEqual({ status: 403, body: '{}' });
    }
    // Nothing reached the store: no adopted tab, no claim, no recorded call.
    await inStore(async (store) => {
      expect(await store.getSessionOfClaude('intruder')).toBeUndefined();
      expect((await store.listClaims({})).map((claim) => claim.claudeId)).toEqual(['owner']);
      expect(await store.listHookCalls()).toEqual([]);
    });

    // This uid at the right address: the very same call is denied (the refusals above were not for nothing).
    const own = await post(port, 'pre-tool-use', pre('intruder', file, 'toolu_f3'));
    expect(own.status).toBe(200);
    expect(getDenyReason(JSON.parse(own.body))).toContain('src/x.ts');
    expect((await inStore((store) => store.listHookCalls())).map((call) => [call.key, call.by])).toEqual([['intruder/toolu_f3/pre-tool-use', 'fastpath']]);
  });

  it('one instance per user: a second cwt serve leaves at once; a killed one is replaced; SIGTERM removes its pid file', async () => {
    const { port, pid } = await install(s);
    expect(statSync(join(s.cwtHome, 'fastpath.pid')).mode & 0o777).toBe(0o600);
    const second = await runCwt(['serve'], { cwd: s.repo, env: s.env, timeoutMs: 10_000 });
    expect(second.code, second.stderr).toBe(0);
    expect(readPid(s)).toBe(pid);
    expect(isPidAlive(pid)).toBe(true);

    // Killed without a chance to clean up: its pid file stays, naming a dead process, and is taken over.
    expect(stopFastPath(s.cwtHome, 'SIGKILL')).toBe(pid);
    await waitFor(() => (isPidAlive(pid) ? undefined : true));
    const next = startCwt(['serve'], { cwd: s.repo, env: s.env, timeoutMs: 60_000 });
    const nextPid = await waitFor(() => (readPid(s) === next.child.pid ? next.child.pid : undefined));
    expect((await post(port, 'stop', { session_id: 'nobody', cwd: s.repo })).status).toBe(200);
    process.kill(nextPid!, 'SIGTERM');
    expect((await next.result).code).toBe(0);
    expect(readPid(s)).toBeUndefined();
  });

  it('a call both deciders receive is decided once (the naive double decision moves the claim to the denied tab)', async () => {
    const { port } = await install(s);
    const file = join(s.repo, 'src', 'y.ts');
    const owner = createTab('owner', s.repo, s.env);
    await owner.write(file);
    const holders = () => inStore(async (store) => (await store.listClaims({})).filter((claim) => claim.relPath === 'src/y.ts').map((claim) => claim.claudeId));

    // Naive: one call, no record of who answered it, decided by both (here one after the other).
    const naiveFirst = await runHook('pre-tool-use', pre('naive', file), s.env);
    const naiveSecond = await runHook('pre-tool-use', pre('naive', file), s.env);
    expect(getDenyReason(naiveFirst)).toContain('src/y.ts');
    expect(getDenyReason(naiveSecond)).toBeUndefined();
    // Claude Code keeps the deny, so nothing was written, yet the claim went to the denied tab.
    expect(await holders()).toEqual(['naive']);

    // Give the file back to its owner, and send one call (with its tool_use_id) to both deciders at once.
    await inStore(async (store) => store.releaseClaims((await store.getSessionOfClaude('naive'))!));
    await owner.write(file);
    const both = await Promise.all([post(port, 'pre-tool-use', pre('tab', file, 'toolu_both')), runHook('pre-tool-use', pre('tab', file, 'toolu_both'), s.env)]);
    const answers = [JSON.parse(both[0].body) as object, both[1] ?? {}];
    expect(answers.filter((answer) => getDenyReason(answer) !== undefined)).toHaveLength(1);
    expect(answers.filter((answer) => JSON.stringify(answer) === '{}')).toHaveLength(1);
    expect(await holders()).toEqual(['owner']);
    const calls = await inStore((store) => store.listHookCalls());
    expect(calls.filter((call) => call.key === 'tab/toolu_both/pre-tool-use')).toHaveLength(1);
    // The model's retry (a new call) goes through, as deny-once promises.
    const retry = await post(port, 'pre-tool-use', pre('tab', file, 'toolu_retry'));
    expect(getDenyReason(JSON.parse(retry.body))).toBeUndefined();
    expect(await holders()).toEqual(['tab']);
  });
});

describe('the fast path is not set up where it cannot check its callers', () => {
  let s: Scenario;
  beforeEach(() => {
    s = createScenario();
  });
  afterEach(() => s.cleanup());

  it('cwt new after cwt install: the session gets the installed handlers (Claude Code runs identical ones once), no server or token of its own', async () => {
    const { port } = await install(s);
    const launched = await s.cwt(['new', 'feat/fast'], { env: { ...s.env, FAKE_AGENT_SLEEP_MS: '0' } });
    expect(launched.code, launched.stderr).toBe(0);
    const record = s.agent.runs().at(-1)!;
    expect(record.env.CWT_HOOK_TOKEN).toBeUndefined();
    expect(record.env.CWT_HOOK_SUPERVISOR).toBeUndefined();
    type Hooks = Record<string, Array<{ hooks: Array<Record<string, unknown>> }>>;
    const during = JSON.parse(record.settings ?? '{}') as { hooks: Hooks };
    const installed = JSON.parse(readFileSync(join(s.repo, '.claude', 'settings.local.json'), 'utf8')) as { hooks: Hooks };
    for (const event of ['PreToolUse', 'PostToolUse', 'PostToolUseFailure', 'UserPromptSubmit', 'Notification', 'Stop', 'SessionStart', 'SessionEnd']) {
      expect(during.hooks[event], event).toEqual(installed.hooks[event]);
    }
    expect(during.hooks.PreToolUse![0]!.hooks[0]).toEqual({ type: 'http', url: `http://127.0.0.1:${port}/hooks/pre-tool-use`, timeout: 5 });
  });

  it('the next session start brings a stopped service back; doctor says whether it runs; with no live session it leaves when idle', async () => {
    const { port, pid } = await install(s);
    const doctor = await s.cwt(['doctor']);
    expect(doctor.stdout).toContain(MESSAGES.doctorFastPathRunning(port, pid));
    stopFastPath(s.cwtHome);
    await waitFor(() => (readPid(s) === undefined && !isPidAlive(pid) ? true : undefined));
    expect((await s.cwt(['doctor'])).stdout).toContain(MESSAGES.doctorFastPathStopped(port));

    // A tab starts (its SessionStart command hook): the service is started for its tool calls.
    const idleEnv = { ...s.env, CWT_FASTPATH_IDLE_MS: '400' };
    const tab = createTab('starter', s.repo, idleEnv);
    await tab.start();
    const again = await waitForService(s);
    expect(again).not.toBe(pid);
    expect((await post(port, 'stop', { session_id: 'starter', cwd: s.repo })).status).toBe(200);
    // Live while the tab is; once its session ended and nothing asks, it goes, and takes its pid file along.
    await tab.end();
    await waitFor(() => (readPid(s) === undefined && !isPidAlive(again) ? true : undefined), 15_000);
  });

  it('a port another program took: cwt serve says so in the hook log and leaves; cwt install moves to a free port', async () => {
    const { port } = await install(s);
    stopFastPath(s.cwtHome);
    await waitFor(() => (readPid(s) === undefined ? true : undefined));
    const squatter = createServer(() => {});
    await new Promise<void>((resolvePromise) => squatter.listen(port, '127.0.0.1', () => resolvePromise()));
    try {
      const served = await s.cwt(['serve']);
      expect(served.code).toBe(4);
      expect(readPid(s)).toBeUndefined();
      expect(readFileSync(join(s.cwtHome, 'hook-errors.log'), 'utf8')).toContain(MESSAGES.fastPathPortBusy(port));
      const moved = await s.cwt(['install', '--json']);
      expect(moved.code, moved.stderr).toBe(0);
      const newPort = (JSON.parse(moved.stdout) as { fastPath: { port: number } }).fastPath.port;
      expect(newPort).not.toBe(port);
      expect(readFileSync(join(s.repo, '.claude', 'settings.local.json'), 'utf8')).toContain(`http://127.0.0.1:${newPort}/hooks/pre-tool-use`);
      await waitForService(s);
      expect((await post(newPort, 'stop', { session_id: 'x', cwd: s.repo })).status).toBe(200);
    } finally {
      squatter.close();
    }
  });

  it('another user squats on the port while the service is down: every tool call is denied, doctor warns, cwt install moves it', async () => {
    expect(process.getuid?.(), 'the squatter runs under another uid with setpriv: it needs root').toBe(0);
    const { port } = await install(s);
    const pre = (toolUseId: string) => ({ session_id: 'tab', cwd: s.repo, hook_event_name: 'PreToolUse', tool_name: 'Write', tool_use_id: toolUseId, tool_input: { file_path: join(s.repo, 'a.ts'), content: 'x' } });
    stopFastPath(s.cwtHome);
    await waitFor(() => (readPid(s) === undefined ? true : undefined));
    // uid 65534 listens on the recorded port and would answer "allow" to everything.
    const squatter = spawn(
      'setpriv',
      ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', `require('node:http').createServer((q, r) => r.end('{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"allow"}}')).listen(${port}, '127.0.0.1', () => console.log('up'))`],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await new Promise((resolvePromise) => squatter.stdout!.once('data', resolvePromise));
      const denied = await runHook('pre-tool-use', pre('toolu_sq'), s.env);
      expect(getDenyReason(denied)).toBe(MESSAGES.fastPathPortSquatted(port, 65534));
      expect((await s.cwt(['doctor'])).stdout).toContain(MESSAGES.doctorFastPathSquatted(port, 65534));
      const moved = await s.cwt(['install', '--json']);
      expect((JSON.parse(moved.stdout) as { fastPath: { port: number } }).fastPath.port).not.toBe(port);
      await waitForService(s);
      expect(getDenyReason(await runHook('pre-tool-use', pre('toolu_sq2'), s.env))).toBeUndefined();
    } finally {
      squatter.kill('SIGKILL');
    }
  });

  it('CWT_FASTPATH=http-only: no second decider beside the http handlers, recorded for cwt new too; a plain install puts one back', async () => {
    const result = await s.cwt(['install', '--json'], { env: { ...s.env, CWT_FASTPATH: 'http-only' } });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ fastPath: { decider: 'none' } });
    type Hooks = Record<string, Array<{ hooks: Array<Record<string, unknown>> }>>;
    const settingsPath = join(s.repo, '.claude', 'settings.local.json');
    const read = () => (JSON.parse(readFileSync(settingsPath, 'utf8')) as { hooks: Hooks }).hooks;
    expect(read().PreToolUse![0]!.hooks.map((handler) => handler.type)).toEqual(['http']);
    expect(read().SessionStart![0]!.hooks.map((handler) => handler.type)).toEqual(['command']);
    expect(JSON.parse(readFileSync(join(s.cwtHome, 'fastpath.json'), 'utf8'))).toMatchObject({ guard: false });
    await waitForService(s);
    // cwt new (plain env) writes what was recorded.
    const launched = await s.cwt(['new', 'feat/h', '--no-launch', '--json']);
    expect(launched.code, launched.stderr).toBe(0);
    const settings = JSON.parse(readFileSync(join(s.cwtHome, 'sessions', (JSON.parse(launched.stdout) as { id: string }).id, 'settings.json'), 'utf8')) as { hooks: Hooks };
    expect(settings.hooks.PreToolUse).toEqual(read().PreToolUse);
    expect(existsSync(join(s.repo, '.mcp.json'))).toBe(false);
    // A plain install: the default second decider, the tab's cwt mcp; --no-mcp: the guard.
    expect((await s.cwt(['install'])).code).toBe(0);
    expect(read().PreToolUse![0]!.hooks.map((handler) => handler.type)).toEqual(['http', 'mcp_tool']);
    expect((await s.cwt(['install', '--no-mcp'])).code).toBe(0);
    expect(read().PreToolUse![0]!.hooks.map((handler) => handler.type)).toEqual(['http', 'command']);
  });

  it('CWT_FASTPATH=off: cwt install writes command hooks only, records no port and starts nothing', async () => {
    const env = { ...s.env, CWT_FASTPATH: 'off' };
    const result = await s.cwt(['install', '--json'], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ fastPath: null });
    const settings = readFileSync(join(s.repo, '.claude', 'settings.local.json'), 'utf8');
    expect(settings).not.toContain('"http"');
    expect(() => statSync(join(s.cwtHome, 'fastpath.json'))).toThrow();
    expect((await s.cwt(['serve'], { env })).code).toBe(4);
    expect(readPid(s)).toBeUndefined();
  });

  it('cwt install --uninstall removes the http handlers and the guards with the command hooks', async () => {
    await install(s);
    const path = join(s.repo, '.claude', 'settings.local.json');
    // Somebody's own http hook on loopback stays: only cwt's /hooks/<event> handlers are cwt's.
    const settings = JSON.parse(readFileSync(path, 'utf8')) as { hooks: Record<string, unknown[]> };
    settings.hooks.Stop!.push({ hooks: [{ type: 'http', url: 'http://127.0.0.1:9/mine' }] });
    writeFileSync(path, JSON.stringify(settings));
    expect((await s.cwt(['install', '--uninstall'])).code).toBe(0);
    const left = JSON.parse(readFileSync(path, 'utf8')) as { hooks?: unknown };
    expect(left.hooks).toEqual({ Stop: [{ hooks: [{ type: 'http', url: 'http://127.0.0.1:9/mine' }] }] });
  });
});
