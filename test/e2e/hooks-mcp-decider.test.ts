/**
 * End to end, real `claude` (each end of the supported range): where the session runs cwt's MCP server (a
 * `cwt new` session; a plain tab after `cwt install --mcp`), the fast path's second decider is an mcp_tool
 * handler calling that long-lived `cwt mcp`, not the guard command, so no process starts for a tool call at
 * all. The node of every installed cwt command is swapped for a wrapper that logs each start, and the
 * settings files are read back: no command handler is left for a tool event. The same-checkout deny reaches
 * the model before the write. Kill the per-user service mid-session: `cwt mcp` decides. Kill a tab's `cwt mcp`
 * instead: the service decides. Every tool call is decided once (one hook_calls row each).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claudePrintArgs, describeRun, e2eEnv, findToolResult, getRequestWorktree, requireClaude, untilHeld, useE2eFixture } from '../helpers/claude.js';
import { runCwt } from '../helpers/cli.js';
import { createRepo } from '../helpers/git.js';
import { waitFor } from '../helpers/wait.js';
import { countNodeStarts, expectRefused, killServiceMidSession, findCwtMcpChildren, findCwtMcpProcesses, HTTP_AND_MCP, perCallStarts, readDeciders, toolEventHandlerTypes, waitForService } from '../helpers/fastpath.js';
import { isPidAlive } from '../../src/core/sessions/liveness.js';

const fx = useE2eFixture('cwt-e2e-mcpdec-');
describe('the mcp_tool decider: a second long-lived decider beside the per-user service', () => {
  it('cwt new: no hook process per tool call; the service killed mid-session, cwt mcp decides each call once and a deny reaches the model', { timeout: 150_000 }, async () => {
    requireClaude();
    const sb = fx.sandbox;
    const repo = createRepo(join(sb.root, 'repo'));
    const guarded = join(sb.claudeHome, 'CLAUDE.md');
    const held = fx.hold((request) => ({ type: 'tool_use', name: 'Write', id: 'toolu_m_3', input: { file_path: join(getRequestWorktree(request), 'after.txt'), content: 'm3\n' } }));
    const api = await fx.startApi({
      script: [
        (request) => ({ type: 'tool_use', name: 'Write', id: 'toolu_m_1', input: { file_path: join(getRequestWorktree(request), 'notes.txt'), content: 'm1\n' } }),
        { type: 'tool_use', name: 'Bash', id: 'toolu_m_2', input: { command: `echo injected >> ${guarded}` } },
        held.turn,
        { type: 'tool_use', name: 'Bash', id: 'toolu_m_4', input: { command: `echo again >> ${guarded}` } },
        { type: 'text', text: 'm done' },
      ],
    });
    const env = e2eEnv(sb, api);
    const install = await runCwt(['install', '--mcp'], { cwd: repo, env, timeoutMs: 30_000 });
    expect(install.code, install.stderr).toBe(0);
    const localSettings = join(repo, '.claude', 'settings.local.json');
    // The installed handlers are the ones cwt new writes (so Claude Code runs each once): http and mcp_tool.
    expect(toolEventHandlerTypes(localSettings)).toEqual(HTTP_AND_MCP);
    const log = countNodeStarts(localSettings, sb.root);
    const servicePid = await waitForService(sb.cwtHome);

    const run = fx.startCwt(['new', 'feat/m', '--', ...claudePrintArgs('write')], { cwd: repo, env, timeoutMs: 120_000 });
    const heldAt = await untilHeld(held, run, api);
    // The server comes from --mcp-config and from the worktree's own .mcp.json: Claude Code keys servers by name,
    // so the session runs one cwt mcp (seen on both ends).
    expect(existsSync(join(getRequestWorktree(heldAt), '.mcp.json'))).toBe(true);
    expect(findCwtMcpProcesses(sb.cwtHome)).toHaveLength(1);
    const [sessionId] = readdirSync(join(sb.cwtHome, 'sessions'));
    expect(toolEventHandlerTypes(join(sb.cwtHome, 'sessions', sessionId!, 'settings.json'))).toEqual(HTTP_AND_MCP);
    expect(findToolResult(api, 'toolu_m_1')?.isError).toBe(false);
    expectRefused(api, 'toolu_m_2', guarded);
    expect(existsSync(guarded)).toBe(false);

    // The per-user service dies mid-session, leaving its pid file behind.
    await killServiceMidSession(sb.cwtHome, servicePid);
    held.release();
    const result = await run.result;
    expect(result.code, describeRun(result, api)).toBe(0);
    expect(findToolResult(api, 'toolu_m_3')?.isError).toBe(false);
    expectRefused(api, 'toolu_m_4', guarded, describeRun(result, api));
    expect(existsSync(guarded)).toBe(false);

    // No Node start for any tool call, before the kill or after it: only the session's start and end.
    expect(perCallStarts(log)).toEqual([]);
    const { byOf } = await readDeciders(sb.cwtHome);
    // While both ran, whichever recorded the call first decided it; once the service was gone, cwt mcp.
    for (const id of ['toolu_m_1', 'toolu_m_2']) expect(byOf(id, 'pre-tool-use'), id).toEqual([expect.stringMatching(/^(fastpath|mcp)$/)]);
    for (const id of ['toolu_m_3', 'toolu_m_4']) expect(byOf(id, 'pre-tool-use'), id).toEqual(['mcp']);
    expect(byOf('toolu_m_3', 'post-tool-use')).toEqual(['mcp']);
  });

  it('plain tab after install --mcp: no hook process per tool call; the same-checkout deny reaches the model; a tab’s cwt mcp killed, the service decides; the service killed, the other tab’s cwt mcp decides', { timeout: 150_000 }, async () => {
    requireClaude();
    const sb = fx.sandbox;
    const repo = createRepo(join(sb.root, 'repo'));
    const first = join(repo, 'first.ts');
    const second = join(repo, 'second.ts');
    const guarded = join(sb.claudeHome, 'CLAUDE.md');
    // Tab A, once released (after the service was killed), writes into the Claude home: its own cwt mcp denies it.
    const heldA = fx.hold({ type: 'tool_use', name: 'Bash', id: 'toolu_a_3', input: { command: `echo injected >> ${guarded}` } });
    const apiA = await fx.startApi({
      script: [
        { type: 'tool_use', name: 'Write', id: 'toolu_a_1', input: { file_path: first, content: 'A1\n' } },
        { type: 'tool_use', name: 'Write', id: 'toolu_a_2', input: { file_path: second, content: 'A2\n' } },
        heldA.turn,
        { type: 'text', text: 'A done.' },
      ],
    });
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
    const install = await runCwt(['install', '--mcp'], { cwd: repo, env: envA, timeoutMs: 30_000 });
    expect(install.code, install.stderr).toBe(0);
    const localSettings = join(repo, '.claude', 'settings.local.json');
    expect(toolEventHandlerTypes(localSettings)).toEqual(HTTP_AND_MCP);
    const log = countNodeStarts(localSettings, sb.root);
    const servicePid = await waitForService(sb.cwtHome);

    const tabA = fx.startClaude(claudePrintArgs('write both'), { cwd: repo, env: envA, timeoutMs: 120_000 });
    await untilHeld(heldA, tabA, apiA);
    expect(readFileSync(first, 'utf8')).toBe('A1\n');
    const tabB = fx.startClaude(claudePrintArgs('write first'), { cwd: repo, env: envB, timeoutMs: 120_000 });
    await untilHeld(heldB, tabB, apiB);
    expectRefused(apiB, 'toolu_b_2', 'first.ts', describeRun({ code: null, signal: null, stdout: tabB.stdout(), stderr: '' }, apiB));
    expect(readFileSync(first, 'utf8')).toBe('A1\n');

    // Tab B's own cwt mcp dies; the per-user service goes on deciding.
    const mcpPids = findCwtMcpChildren(tabB.child.pid!);
    expect(mcpPids).toHaveLength(1);
    process.kill(mcpPids[0]!, 'SIGKILL');
    await waitFor(() => (isPidAlive(mcpPids[0]!) ? undefined : true));
    heldB.release();
    const resultB = await tabB.result;
    expect(resultB.code, describeRun(resultB, apiB)).toBe(0);
    expectRefused(apiB, 'toolu_b_4', 'second.ts', describeRun(resultB, apiB));
    expect(readFileSync(second, 'utf8')).toBe('A2\n');
    expect(isPidAlive(servicePid)).toBe(true);
    // Now the service dies: tab A's own cwt mcp decides its next call, and the deny reaches the model.
    await killServiceMidSession(sb.cwtHome, servicePid);
    heldA.release();
    const resultA = await tabA.result;
    expect(resultA.code, describeRun(resultA, apiA)).toBe(0);
    expectRefused(apiA, 'toolu_a_3', guarded, describeRun(resultA, apiA));
    expect(existsSync(guarded)).toBe(false);

    // Only the two tabs' session starts and ends started Node.
    expect(perCallStarts(log)).toEqual([]);
    const { calls, byOf } = await readDeciders(sb.cwtHome);
    for (const id of ['toolu_a_1', 'toolu_a_2', 'toolu_b_2']) expect(byOf(id, 'pre-tool-use'), id).toEqual([expect.stringMatching(/^(fastpath|mcp)$/)]);
    // After the kill: the service, unless Claude Code started the server again first (2.1.332 does: it
    // reconnects a stdio server that died); each decided once either way.
    const restarted = calls.some((call) => call.by === 'mcp' && /\/toolu_b_[34]\//.test(call.key));
    expect(byOf('toolu_b_3', 'post-tool-use')).toEqual([restarted ? expect.stringMatching(/^(fastpath|mcp)$/) : 'fastpath']);
    expect(byOf('toolu_b_4', 'pre-tool-use')).toEqual([restarted ? expect.stringMatching(/^(fastpath|mcp)$/) : 'fastpath']);
    if (process.env.CWT_E2E_CLAUDE === 'oldest') expect(restarted).toBe(false);
    expect(byOf('toolu_a_3', 'pre-tool-use')).toEqual(['mcp']);
  });
  it('claude -w after install --mcp: its worktree’s own cwt mcp beside the service, calls go ahead or are denied as before, each decided once', { timeout: 150_000 }, async () => {
    requireClaude();
    const sb = fx.sandbox;
    const repo = createRepo(join(sb.root, 'repo'));
    const worktree = join(sb.root, 'repo.worktrees', 'feat-w');
    const file = join(worktree, 'mine.ts');
    const guarded = join(sb.claudeHome, 'CLAUDE.md');
    const apiCreate = await fx.startApi({ script: [{ type: 'text', text: 'created' }] });
    const env = e2eEnv(sb, apiCreate);
    expect((await runCwt(['install', '--mcp'], { cwd: repo, env, timeoutMs: 30_000 })).code).toBe(0);
    const created = await fx.startClaude(['-w', 'feat-w', ...claudePrintArgs('hi')], { cwd: repo, env }).result;
    expect(created.code, describeRun(created, apiCreate)).toBe(0);
    await waitForService(sb.cwtHome);
    const apiW = await fx.startApi({
      script: [
        { type: 'tool_use', name: 'Write', id: 'toolu_w_1', input: { file_path: file, content: 'w\n' } },
        { type: 'tool_use', name: 'Bash', id: 'toolu_w_2', input: { command: `echo injected >> ${guarded}` } },
        { type: 'text', text: 'w done' },
      ],
    });
    const resumed = await fx.startClaude(['-w', 'feat-w', ...claudePrintArgs('write')], { cwd: repo, env: e2eEnv(sb, apiW), timeoutMs: 120_000 }).result;
    expect(resumed.code, describeRun(resumed, apiW)).toBe(0);
    expect(findToolResult(apiW, 'toolu_w_1')?.isError, describeRun(resumed, apiW)).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe('w\n');
    expectRefused(apiW, 'toolu_w_2', guarded, describeRun(resumed, apiW));
    expect(existsSync(guarded)).toBe(false);
    // Decided once each, by whichever of the two recorded it first: the worktree has a cwt server of its own
    // (its .mcp.json, written at WorktreeCreate), so on both ends (2.1.197 reads no main-checkout server for it).
    const { byOf } = await readDeciders(sb.cwtHome);
    for (const id of ['toolu_w_1', 'toolu_w_2']) expect(byOf(id, 'pre-tool-use'), id).toEqual([expect.stringMatching(/^(fastpath|mcp)$/)]);
  });
});
