/**
 * End to end, real `claude` (each end of the supported range), after a plain `cwt install` (no flags): every
 * kind of session — a plain tab, a `claude -w` session, a `cwt new` session and an adopted tab (a plain claude
 * started in a cwt new worktree) — is served by two long-lived deciders, the per-user fast path (`cwt serve`,
 * http) and the session's own `cwt mcp` (mcp_tool), and no hook process starts for a tool call: the node in
 * every installed cwt command is swapped for a wrapper that logs each start, and every fallback guard command
 * logs its shell's start too, so "no process" is counted, not assumed. The same-checkout deny still reaches the
 * model before the write. Killing the fast path mid-session: the session's cwt mcp decides at once (a deny
 * again), still with no process per call, and every tool call is decided once (one hook_calls row each).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claudePrintArgs, cwtJson, describeRun, e2eEnv, findToolResult, getRequestWorktree, requireClaude, untilHeld, useE2eFixture } from '../helpers/claude.js';
import { runCwt } from '../helpers/cli.js';
import { createRepo } from '../helpers/git.js';
import { countNodeStarts, expectRefused, killServiceMidSession, findCwtMcpChildren, HTTP_AND_MCP, hookStarts, perCallStarts, readDeciders, toolEventHandlerTypes, waitForService } from '../helpers/fastpath.js';
import { isPidAlive } from '../../src/core/sessions/liveness.js';

interface SessionView {
  id: string;
  kind: string;
  branch: string;
  worktree: string;
}

const fx = useE2eFixture('cwt-e2e-fast-');

describe('the per-user fast path serves every kind of session', () => {
  it('plain tab: served without a hook process; the deny reaches the model; the service killed mid-session, the tab’s cwt mcp decides, each call once, still no process', { timeout: 150_000 }, async () => {
    requireClaude();
    const sb = fx.sandbox;
    const repo = createRepo(join(sb.root, 'repo'));
    const first = join(repo, 'first.ts');
    const second = join(repo, 'second.ts');

    // Tab A writes both files (claims them), then stays alive, held.
    const heldA = fx.hold({ type: 'text', text: 'A done.' });
    const apiA = await fx.startApi({
      script: [
        { type: 'tool_use', name: 'Write', id: 'toolu_a_1', input: { file_path: first, content: 'A1\n' } },
        { type: 'tool_use', name: 'Write', id: 'toolu_a_2', input: { file_path: second, content: 'A2\n' } },
        heldA.turn,
      ],
    });
    // Tab B reads and writes the first (denied by the fast path), is held while the test kills the service,
    // then reads and writes the second (denied by the command hook).
    const heldB = fx.hold({ type: 'tool_use', name: 'Read', id: 'toolu_b_3', input: { file_path: second } });
    const apiB = await fx.startApi({
      script: [
        { type: 'tool_use', name: 'Read', id: 'toolu_b_1', input: { file_path: first } },
        { type: 'tool_use', name: 'Write', id: 'toolu_b_2', input: { file_path: first, content: 'B1\n' } },
        heldB.turn,
        { type: 'tool_use', name: 'Write', id: 'toolu_b_4', input: { file_path: second, content: 'B2\n' } },
        { type: 'text', text: 'B done.' },
      ],
    });
    const envA = e2eEnv(sb, apiA);
    const envB = e2eEnv(sb, apiB);
    const install = await runCwt(['install'], { cwd: repo, env: envA, timeoutMs: 30_000 });
    expect(install.code, install.stderr).toBe(0);
    // A plain install's handlers for every tool and turn event: http and mcp_tool, no command.
    expect(toolEventHandlerTypes(join(repo, '.claude', 'settings.local.json'))).toEqual(HTTP_AND_MCP);
    const log = countNodeStarts(join(repo, '.claude', 'settings.local.json'), sb.root);
    const servicePid = await waitForService(sb.cwtHome);

    const tabA = fx.startClaude(claudePrintArgs('write both'), { cwd: repo, env: envA, timeoutMs: 120_000 });
    await untilHeld(heldA, tabA, apiA);
    expect(readFileSync(first, 'utf8')).toBe('A1\n');
    expect(findToolResult(apiA, 'toolu_a_2')?.isError).toBe(false);
    const tabB = fx.startClaude(claudePrintArgs('write first'), { cwd: repo, env: envB, timeoutMs: 120_000 });
    await untilHeld(heldB, tabB, apiB);

    // No hook process per call: the only ones were the session starts.
    expect(hookStarts(log)).toEqual(['session-start', 'session-start']);
    expectRefused(apiB, 'toolu_b_2', 'first.ts', describeRun({ code: null, signal: null, stdout: tabB.stdout(), stderr: '' }, apiB));
    expect(readFileSync(first, 'utf8')).toBe('A1\n');

    // The fast path dies mid-session (no clean exit: its pid file stays behind).
    await killServiceMidSession(sb.cwtHome, servicePid);
    heldB.release();
    const resultB = await tabB.result;
    expect(resultB.code, describeRun(resultB, apiB)).toBe(0);
    expectRefused(apiB, 'toolu_b_4', 'second.ts', describeRun(resultB, apiB));
    expect(readFileSync(second, 'utf8')).toBe('A2\n');
    heldA.release();
    expect((await tabA.result).code).toBe(0);

    // No hook process for any tool call, before the kill or after it (no Node hook, no guard shell).
    expect(perCallStarts(log)).toEqual([]);
    expect(hookStarts(log).filter((event) => event === 'session-start')).toHaveLength(2);
    // One decision per tool call and event: before the kill whichever of the two recorded it first, after it cwt mcp.
    const { byOf } = await readDeciders(sb.cwtHome);
    for (const id of ['toolu_a_1', 'toolu_a_2', 'toolu_b_2']) expect(byOf(id, 'pre-tool-use'), id).toEqual([expect.stringMatching(/^(fastpath|mcp)$/)]);
    expect(byOf('toolu_b_1', 'post-tool-use')).toEqual([expect.stringMatching(/^(fastpath|mcp)$/)]);
    expect(byOf('toolu_b_3', 'post-tool-use')).toEqual(['mcp']);
    expect(byOf('toolu_b_4', 'pre-tool-use')).toEqual(['mcp']);
  });

  it('claude -w: its worktree’s own cwt mcp and the fast path serve it, no hook process per call; a deny reaches the model before the write; the service killed, cwt mcp decides', { timeout: 150_000 }, async () => {
    requireClaude();
    const sb = fx.sandbox;
    const repo = createRepo(join(sb.root, 'repo'));
    const worktree = join(sb.root, 'repo.worktrees', 'feat-w');
    const file = join(worktree, 'mine.ts');
    const guarded = join(sb.claudeHome, 'CLAUDE.md');
    // The first run creates the worktree through cwt's WorktreeCreate hook and ends.
    const apiCreate = await fx.startApi({ script: [{ type: 'text', text: 'created' }] });
    const env = e2eEnv(sb, apiCreate);
    expect((await runCwt(['install'], { cwd: repo, env, timeoutMs: 30_000 })).code).toBe(0);
    const created = await fx.startClaude(['-w', 'feat-w', ...claudePrintArgs('hi')], { cwd: repo, env }).result;
    expect(created.code, describeRun(created, apiCreate)).toBe(0);
    // The worktree's own files: cwt's server, approved, and http + mcp_tool for every tool and turn event.
    expect(JSON.parse(readFileSync(join(worktree, '.mcp.json'), 'utf8'))).toMatchObject({ mcpServers: { cwt: { args: [expect.stringMatching(/cwt\.js$/), 'mcp'] } } });
    expect(toolEventHandlerTypes(join(worktree, '.claude', 'settings.local.json'))).toEqual(HTTP_AND_MCP);
    // Every settings file with cwt's hooks for that session counts its hook starts from here on.
    const log = countNodeStarts(join(repo, '.claude', 'settings.local.json'), sb.root);
    countNodeStarts(join(worktree, '.claude', 'settings.local.json'), sb.root);
    const servicePid = await waitForService(sb.cwtHome);

    // A second `claude -w feat-w` resumes the session: a write of its own, a shell write into the Claude home;
    // held while the service is killed; then another shell write there.
    const held = fx.hold({ type: 'tool_use', name: 'Bash', id: 'toolu_w_3', input: { command: `echo again >> ${guarded}` } });
    const apiW = await fx.startApi({
      script: [
        { type: 'tool_use', name: 'Write', id: 'toolu_w_1', input: { file_path: file, content: 'w\n' } },
        { type: 'tool_use', name: 'Bash', id: 'toolu_w_2', input: { command: `echo injected >> ${guarded}` } },
        held.turn,
        { type: 'text', text: 'w done' },
      ],
    });
    const tab = fx.startClaude(['-w', 'feat-w', ...claudePrintArgs('write')], { cwd: repo, env: e2eEnv(sb, apiW), timeoutMs: 120_000 });
    await untilHeld(held, tab, apiW);
    // One cwt mcp for the session (2.1.332 sees the main checkout's server too: same name, one process), in the worktree.
    expect(findCwtMcpChildren(tab.child.pid!)).toHaveLength(1);
    expect(findToolResult(apiW, 'toolu_w_1')?.isError).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe('w\n');
    expectRefused(apiW, 'toolu_w_2', guarded);
    expect(existsSync(guarded)).toBe(false);

    await killServiceMidSession(sb.cwtHome, servicePid);
    held.release();
    const resumed = await tab.result;
    expect(resumed.code, describeRun(resumed, apiW)).toBe(0);
    expectRefused(apiW, 'toolu_w_3', guarded, describeRun(resumed, apiW));
    expect(existsSync(guarded)).toBe(false);

    // No hook process for any tool call: only the session's start and end.
    expect(perCallStarts(log)).toEqual([]);
    expect(hookStarts(log)).toContain('session-start');
    const sessions = await cwtJson<SessionView[]>(['status', '--all', '--json'], { cwd: repo, env });
    expect(sessions.filter((session) => session.kind === 'cwt').map((session) => [session.branch, session.worktree])).toEqual([['feat-w', worktree]]);
    const { byOf } = await readDeciders(sb.cwtHome);
    for (const id of ['toolu_w_1', 'toolu_w_2']) expect(byOf(id, 'pre-tool-use'), id).toEqual([expect.stringMatching(/^(fastpath|mcp)$/)]);
    expect(byOf('toolu_w_3', 'pre-tool-use')).toEqual(['mcp']);
  });

  it('adopted tab (a plain claude in a cwt new worktree): its worktree’s cwt mcp and the fast path serve it, no hook process per call; a deny reaches the model; the service killed, cwt mcp decides', { timeout: 150_000 }, async () => {
    requireClaude();
    const sb = fx.sandbox;
    const repo = createRepo(join(sb.root, 'repo'));
    const guarded = join(sb.claudeHome, 'CLAUDE.md');
    const apiNone = await fx.startApi({ script: [{ type: 'text', text: 'unused' }] });
    const env = e2eEnv(sb, apiNone);
    expect((await runCwt(['install'], { cwd: repo, env, timeoutMs: 30_000 })).code).toBe(0);
    const made = await runCwt(['new', 'feat/ad', '--no-launch', '--json'], { cwd: repo, env, timeoutMs: 60_000 });
    expect(made.code, made.stderr).toBe(0);
    const worktree = (JSON.parse(made.stdout) as { worktree: string }).worktree;
    expect(toolEventHandlerTypes(join(worktree, '.claude', 'settings.local.json'))).toEqual(HTTP_AND_MCP);
    const log = countNodeStarts(join(repo, '.claude', 'settings.local.json'), sb.root);
    countNodeStarts(join(worktree, '.claude', 'settings.local.json'), sb.root);
    const servicePid = await waitForService(sb.cwtHome);

    const held = fx.hold({ type: 'tool_use', name: 'Bash', id: 'toolu_ad_3', input: { command: `echo again >> ${guarded}` } });
    const api = await fx.startApi({
      script: [
        { type: 'tool_use', name: 'Write', id: 'toolu_ad_1', input: { file_path: join(worktree, 'tab.txt'), content: 't\n' } },
        { type: 'tool_use', name: 'Bash', id: 'toolu_ad_2', input: { command: `echo injected >> ${guarded}` } },
        held.turn,
        { type: 'text', text: 'tab done' },
      ],
    });
    const tab = fx.startClaude(claudePrintArgs('write'), { cwd: worktree, env: e2eEnv(sb, api), timeoutMs: 120_000 });
    await untilHeld(held, tab, api);
    expect(findCwtMcpChildren(tab.child.pid!)).toHaveLength(1);
    expect(findToolResult(api, 'toolu_ad_1')?.isError).toBe(false);
    expect(readFileSync(join(worktree, 'tab.txt'), 'utf8')).toBe('t\n');
    expectRefused(api, 'toolu_ad_2', guarded);
    expect(existsSync(guarded)).toBe(false);

    await killServiceMidSession(sb.cwtHome, servicePid);
    held.release();
    const result = await tab.result;
    expect(result.code, describeRun(result, api)).toBe(0);
    expectRefused(api, 'toolu_ad_3', guarded, describeRun(result, api));
    expect(existsSync(guarded)).toBe(false);

    expect(perCallStarts(log)).toEqual([]);
    expect(hookStarts(log)).toContain('session-start');
    const { byOf } = await readDeciders(sb.cwtHome);
    for (const id of ['toolu_ad_1', 'toolu_ad_2']) expect(byOf(id, 'pre-tool-use'), id).toEqual([expect.stringMatching(/^(fastpath|mcp)$/)]);
    expect(byOf('toolu_ad_3', 'pre-tool-use')).toEqual(['mcp']);
  });

  it('cwt new after cwt install: the session is served by the fast path with the installed handlers, and a deny reaches the model', { timeout: 150_000 }, async () => {
    requireClaude();
    const sb = fx.sandbox;
    const repo = createRepo(join(sb.root, 'repo'));
    const guarded = join(sb.claudeHome, 'CLAUDE.md');
    const api = await fx.startApi({
      script: [
        (request) => ({ type: 'tool_use', name: 'Write', id: 'toolu_n_1', input: { file_path: join(getRequestWorktree(request), 'notes.txt'), content: 'n\n' } }),
        { type: 'tool_use', name: 'Bash', id: 'toolu_n_2', input: { command: `echo injected >> ${guarded}` } },
        { type: 'text', text: 'n done' },
      ],
    });
    const env = e2eEnv(sb, api);
    expect((await runCwt(['install'], { cwd: repo, env, timeoutMs: 30_000 })).code).toBe(0);
    const log = countNodeStarts(join(repo, '.claude', 'settings.local.json'), sb.root);
    const servicePid = await waitForService(sb.cwtHome);
    const result = await fx.startCwt(['new', 'feat/n', '--', ...claudePrintArgs('write')], { cwd: repo, env, timeoutMs: 120_000 }).result;
    expect(result.code, describeRun(result, api)).toBe(0);
    expect(findToolResult(api, 'toolu_n_1')?.isError).toBe(false);
    expectRefused(api, 'toolu_n_2', guarded, describeRun(result, api));
    expect(existsSync(guarded)).toBe(false);
    // Both calls decided once, by the service or the session's cwt mcp (the supervisor started no server of its own).
    const { byOf } = await readDeciders(sb.cwtHome);
    for (const id of ['toolu_n_1', 'toolu_n_2']) expect(byOf(id, 'pre-tool-use'), id).toEqual([expect.stringMatching(/^(fastpath|mcp)$/)]);
    expect(byOf('toolu_n_1', 'post-tool-use')).toEqual([expect.stringMatching(/^(fastpath|mcp)$/)]);
    expect(isPidAlive(servicePid)).toBe(true);
    // No hook process (Node or guard) for a tool call.
    expect(perCallStarts(log)).toEqual([]);
  });

  it('--no-mcp (the guard kept): the counting sees a guard shell start for each tool call, which the tests above prove absent', { timeout: 150_000 }, async () => {
    requireClaude();
    const sb = fx.sandbox;
    const repo = createRepo(join(sb.root, 'repo'));
    const api = await fx.startApi({
      script: [
        { type: 'tool_use', name: 'Write', id: 'toolu_g_1', input: { file_path: join(repo, 'g.ts'), content: 'g\n' } },
        { type: 'text', text: 'g done' },
      ],
    });
    const env = e2eEnv(sb, api);
    expect((await runCwt(['install', '--no-mcp'], { cwd: repo, env, timeoutMs: 30_000 })).code).toBe(0);
    const log = countNodeStarts(join(repo, '.claude', 'settings.local.json'), sb.root);
    await waitForService(sb.cwtHome);
    const result = await fx.startClaude(claudePrintArgs('write'), { cwd: repo, env, timeoutMs: 120_000 }).result;
    expect(result.code, describeRun(result, api)).toBe(0);
    expect(readFileSync(join(repo, 'g.ts'), 'utf8')).toBe('g\n');
    // A shell per call (it exits at once while the service runs: no Node hook), and the service decided.
    expect(perCallStarts(log)).toEqual(expect.arrayContaining(['guard:PreToolUse', 'guard:PostToolUse']));
    expect(perCallStarts(log).filter((event) => !event.startsWith('guard:'))).toEqual([]);
    const { byOf } = await readDeciders(sb.cwtHome);
    expect(byOf('toolu_g_1', 'pre-tool-use')).toEqual(['fastpath']);
  });
});
