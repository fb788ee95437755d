/**
 * The supervisor's http hook server: the same decisions as the command hook, over loopback, only for a
 * client holding the session's bearer token; and a `cwt new` launch really points Claude Code at it.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/core/store/sqlite.js';
import { startHookServer, type HookServer } from '../../src/hooks/server.js';
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

  it('cwt new serves the tool hooks over http while the agent runs, and restores command hooks after', async () => {
    // The fake agent is named claude, so cwt wires it as Claude Code; it records its argv and environment.
    const launched = await s.cwt(['new', 'feat/launch'], { env: { ...s.env, FAKE_AGENT_SLEEP_MS: '0' } });
    expect(launched.code, launched.stderr).toBe(0);
    const record = s.agent.runs().at(-1)!;
    const settingsPath = record.argv[record.argv.indexOf('--settings') + 1]!;
    expect(record.env.CWT_HOOK_TOKEN).toMatch(/^[0-9a-f]{64}$/);
    const during = JSON.parse(record.settings ?? '{}') as { hooks: Record<string, Array<{ hooks: Array<Record<string, unknown>> }>> };
    expect(during.hooks.PreToolUse![0]!.hooks[0]).toMatchObject({ type: 'http', headers: { Authorization: 'Bearer $CWT_HOOK_TOKEN' } });
    expect(during.hooks.SessionStart![0]!.hooks[0]).toMatchObject({ type: 'command' });
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
