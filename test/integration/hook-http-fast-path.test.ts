/**
 * The supervisor's http hook server: the same decisions as the command hook, over loopback, only for a
 * client holding the session's bearer token; and a `cwt new` launch really points Claude Code at it. Its
 * limits: a cap on connections, slow headers cut off within seconds, a body announced past the cap answered
 * at once, an absurd session id ignored (the call goes ahead).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/core/store/sqlite.js';
import { HOOK_SERVER_LIMITS, startHookServer, type HookServer } from '../../src/hooks/server.js';
import { CWT_BIN } from '../helpers/cli.js';
import { createTab } from '../helpers/hooks.js';
import { createScenario, type Scenario } from '../helpers/scenario.js';

describe('http hook fast path', () => {
  let s: Scenario;
  let server: HookServer | undefined;
  let store: SqliteStore | undefined;
  beforeEach(() => {
    s = createScenario();
  });
  afterEach(async () => {
    await server?.close();
    await store?.close();
    s.cleanup();
  });

  async function startFor(branch: string) {
    const created = await s.cwt(['new', branch, '--no-launch', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const session = JSON.parse(created.stdout) as { id: string; worktree: string };
    store = new SqliteStore(s.cwtHome);
    server = await startHookServer({ store, env: s.env, sessionId: session.id });
    return session;
  }

  async function post(event: string, body: unknown, token = server!.token, path = `/hooks/${event}`) {
    const response = await fetch(`${server!.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as Record<string, any> };
  }

  it('answers only its token holder, fails open on bad bodies, and decides like the command hook', async () => {
    const session = await startFor('feat/http');
    expect(server!.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await post('pre-tool-use', {}, 'wrong')).status).toBe(401);
    expect((await post('pre-tool-use', {}, '')).status).toBe(401);
    expect((await post('nope', {}, server!.token, '/hooks/nope')).status).toBe(404);
    expect(await post('pre-tool-use', 'not json')).toEqual({ status: 200, json: {} });

    // A plain tab in the main checkout edits src/x.ts; the session's agent edits the same path in its worktree.
    await createTab('main-tab', s.repo, s.env).write(join(s.repo, 'src', 'x.ts'));
    const warned = await post('pre-tool-use', { session_id: 'c1', cwd: session.worktree, tool_name: 'Write', tool_input: { file_path: join(session.worktree, 'src', 'x.ts') } });
    expect(warned.status).toBe(200);
    expect(warned.json.hookSpecificOutput.additionalContext).toContain('merge-conflict risk');
    // The call's heartbeat carries the session's activity on this path too.
    expect(await store!.getSession(session.id)).toMatchObject({ activity: 'working' });

    // A stale read of a shared harness file is denied over http too.
    const index = join(s.claudeHome, 'skills', '_index.md');
    mkdirSync(join(index, '..'), { recursive: true });
    writeFileSync(index, '- a\n');
    await post('post-tool-use', { session_id: 'c1', cwd: session.worktree, tool_name: 'Read', tool_input: { file_path: index } });
    writeFileSync(index, '- a\n- b\n');
    const denied = await post('pre-tool-use', { session_id: 'c1', cwd: session.worktree, tool_name: 'Write', tool_input: { file_path: index } });
    expect(denied.json.hookSpecificOutput).toMatchObject({ permissionDecision: 'deny' });
    expect(denied.json.hookSpecificOutput.permissionDecisionReason).toContain('changed since you read it');
  });

  /** Opens a raw connection; `closed` resolves when the server drops it. */
  async function openSocket(): Promise<{ socket: Socket; closed: Promise<void> }> {
    const { port } = new URL(server!.url);
    const socket = connect(Number(port), '127.0.0.1');
    socket.on('error', () => {});
    // Flowing, so the server's answer is read and its close seen.
    socket.resume();
    const closed = new Promise<void>((resolvePromise) => socket.once('close', () => resolvePromise()));
    await new Promise<void>((resolvePromise) => socket.once('connect', () => resolvePromise()));
    return { socket, closed };
  }

  /** 'closed' when `closed` resolves within `ms`, else 'open'. */
  function within(closed: Promise<void>, ms: number): Promise<'closed' | 'open'> {
    return Promise.race([closed.then(() => 'closed' as const), new Promise<'open'>((resolvePromise) => setTimeout(() => resolvePromise('open'), ms))]);
  }

  it('cuts off a client that sends its headers slowly within seconds, not a minute', { timeout: 30_000 }, async () => {
    await startFor('feat/slow');
    const { socket, closed } = await openSocket();
    socket.write('POST /hooks/pre-tool-use HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    expect(await within(closed, HOOK_SERVER_LIMITS.headersTimeoutMs + 5_000)).toBe('closed');
  });

  it('caps the connections it holds open; a refused one is dropped at once, and later calls are answered', { timeout: 30_000 }, async () => {
    await startFor('feat/many');
    const held = await Promise.all(Array.from({ length: HOOK_SERVER_LIMITS.maxConnections }, () => openSocket()));
    const extra = await openSocket();
    expect(await within(extra.closed, 1_000)).toBe('closed');
    for (const { socket } of held) socket.destroy();
    await Promise.all(held.map(({ closed }) => closed));
    expect(await post('pre-tool-use', 'not json')).toEqual({ status: 200, json: {} });
  });

  it('answers a body announced past the cap at once, without reading it', { timeout: 30_000 }, async () => {
    await startFor('feat/body');
    const { socket, closed } = await openSocket();
    let response = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => (response += chunk));
    socket.write(
      `POST /hooks/pre-tool-use HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${server!.token}\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n{"session_id":`,
    );
    expect(await within(closed, 3_000)).toBe('closed');
    expect(response).toMatch(/^HTTP\/1\.1 413 /);
  });

  it('ignores an absurd session_id (the edit goes ahead and is claimed without it)', async () => {
    const session = await startFor('feat/id');
    const file = join(session.worktree, 'src', 'big.ts');
    const answer = await post('pre-tool-use', { session_id: 'x'.repeat(1_000_000), cwd: session.worktree, tool_name: 'Write', tool_input: { file_path: file, content: 'x' } });
    expect(answer).toEqual({ status: 200, json: {} });
    const claims = await store!.listClaims({ session: session.id });
    expect(claims.map((claim) => [claim.absPath, claim.claudeId])).toEqual([[file, null]]);
  });

  it('cwt new serves the tool hooks over http while the agent runs, and restores command hooks after', async () => {
    // The fake agent is named claude, so cwt wires it as Claude Code; it records its argv and environment.
    const launched = await s.cwt(['new', 'feat/launch'], { env: { ...s.env, FAKE_AGENT_SLEEP_MS: '0' } });
    expect(launched.code, launched.stderr).toBe(0);
    const record = s.agent.runs().at(-1)!;
    const settingsPath = record.argv[record.argv.indexOf('--settings') + 1]!;
    expect(record.env.CWT_HOOK_TOKEN).toMatch(/^[0-9a-f]{64}$/);
    const during = JSON.parse(record.settings ?? '{}') as { hooks: Record<string, Array<{ hooks: Array<Record<string, unknown>> }>> };
    expect(during.hooks.PreToolUse![0]!.hooks[0]).toMatchObject({ type: 'http', headers: { Authorization: 'Bearer $CWT_HOOK_TOKEN' } });
    // Events without a tool matcher stay command hooks: start, end, and the activity's prompt, notification, stop.
    for (const event of ['SessionStart', 'UserPromptSubmit', 'Notification', 'Stop', 'SessionEnd']) {
      expect(during.hooks[event]![0]!.hooks[0], event).toMatchObject({ type: 'command' });
    }
    const after = JSON.parse(readFileSync(settingsPath, 'utf8')) as typeof during;
    expect(after.hooks.PreToolUse![0]!.hooks[0]).toMatchObject({ type: 'command' });
  });

  it('the command hook stands aside only for the supervisor’s own agent, not for a claude started inside it', async () => {
    const file = join(s.repo, 'shared.ts');
    await createTab('holder', s.repo, s.env).write(file);
    const input = JSON.stringify({ session_id: 'nested', cwd: s.repo, tool_name: 'Write', tool_input: { file_path: file } });
    // This test process plays the supervisor; the variables are what its agent would inherit.
    const served = { ...s.env, CWT_HOOK_TOKEN: 'x'.repeat(64), CWT_HOOK_SUPERVISOR: String(process.pid) };
    // Its direct child (the agent) runs the hook: served over http, so the command hook says nothing.
    const viaAgent = `process.stdout.write(require('node:child_process').execFileSync(process.execPath, [${JSON.stringify(CWT_BIN)}, 'hook', 'pre-tool-use'], { input: ${JSON.stringify(input)} }))`;
    expect(execFileSync(process.execPath, ['-e', viaAgent], { cwd: s.repo, env: served }).toString()).toBe('');
    // A grandchild (a claude started from the agent's shell) inherits the variables, but is not served: decided here.
    const nested = `process.stdout.write(require('node:child_process').execFileSync(process.execPath, ['-e', ${JSON.stringify(viaAgent)}]))`;
    expect(execFileSync(process.execPath, ['-e', nested], { cwd: s.repo, env: served }).toString()).toContain('"permissionDecision":"deny"');
  });
});
