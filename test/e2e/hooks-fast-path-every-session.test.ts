/**
 * End to end, real `claude` (each end of the supported range), after `cwt install`: the per-user fast path
 * (`cwt serve`) answers the tool hooks of a plain tab, of a `claude -w` session and of a `cwt new` session, and no command-hook
 * process starts for a tool call while it runs. The node in the installed guard commands is swapped for a
 * wrapper that logs every Node start, so "no process" is counted, not assumed. The same-checkout deny still
 * reaches the model before the write. Killing the fast path mid-session: the command hook takes over at once
 * (same handlers, a deny again), and every tool call is decided once (one hook_calls row each).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claudePrintArgs, cwtJson, describeRun, e2eEnv, findToolResult, getRequestWorktree, requireClaude, untilHeld, useE2eFixture } from '../helpers/claude.js';
import { runCwt } from '../helpers/cli.js';
import { stopFastPath } from '../helpers/env.js';
import { createRepo } from '../helpers/git.js';
import { waitFor } from '../helpers/wait.js';
import { countNodeStarts, hookStarts, readDeciders, waitForService } from '../helpers/fastpath.js';
import { isPidAlive } from '../../src/core/sessions/liveness.js';

interface SessionView {
  id: string;
  kind: string;
  branch: string;
  worktree: string;
}

const fx = useE2eFixture('cwt-e2e-fast-');

describe('the per-user fast path serves every kind of session', () => {
  it('plain tab: served without a hook process; the deny reaches the model; killed mid-session, the command hook decides, each call once', { timeout: 150_000 }, async () => {
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
    const log = countNodeStarts(join(repo, '.claude', 'settings.local.json'), sb.root);
    const servicePid = await waitForService(sb.cwtHome);

    const tabA = fx.startClaude(claudePrintArgs('write both'), { cwd: repo, env: envA, timeoutMs: 120_000 });
    await untilHeld(heldA, tabA, apiA);
    expect(readFileSync(first, 'utf8')).toBe('A1\n');
    expect(findToolResult(apiA, 'toolu_a_2')?.isError).toBe(false);
    const tabB = fx.startClaude(claudePrintArgs('write first'), { cwd: repo, env: envB, timeoutMs: 120_000 });
    await untilHeld(heldB, tabB, apiB);

    // Served by the fast path: the only Node hook processes were the session starts.
    expect(hookStarts(log)).toEqual(['session-start', 'session-start']);
    const denied = findToolResult(apiB, 'toolu_b_2');
    expect(denied, describeRun({ code: null, signal: null, stdout: tabB.stdout(), stderr: '' }, apiB)).toBeDefined();
    expect(denied!.isError).toBe(true);
    expect(denied!.text).toContain('first.ts');
    expect(readFileSync(first, 'utf8')).toBe('A1\n');

    // The fast path dies mid-session (no clean exit: its pid file stays behind).
    expect(stopFastPath(sb.cwtHome, 'SIGKILL')).toBe(servicePid);
    await waitFor(() => (isPidAlive(servicePid) ? undefined : true));
    heldB.release();
    const resultB = await tabB.result;
    expect(resultB.code, describeRun(resultB, apiB)).toBe(0);
    const deniedAgain = findToolResult(apiB, 'toolu_b_4');
    expect(deniedAgain, describeRun(resultB, apiB)).toBeDefined();
    expect(deniedAgain!.isError).toBe(true);
    expect(deniedAgain!.text).toContain('second.ts');
    expect(readFileSync(second, 'utf8')).toBe('A2\n');
    // The command hook took over for B's remaining calls (and its session end).
    expect(hookStarts(log).slice(2)).toEqual(expect.arrayContaining(['post-tool-use', 'pre-tool-use', 'session-end']));

    heldA.release();
    expect((await tabA.result).code).toBe(0);

    // One decision per tool call and event: before the kill all the fast path's, after it the command hook's.
    const { byOf } = await readDeciders(sb.cwtHome);
    for (const id of ['toolu_a_1', 'toolu_a_2', 'toolu_b_2']) expect(byOf(id, 'pre-tool-use'), id).toEqual(['fastpath']);
    expect(byOf('toolu_b_1', 'post-tool-use')).toEqual(['fastpath']);
    expect(byOf('toolu_b_3', 'post-tool-use')).toEqual(['command']);
    expect(byOf('toolu_b_4', 'pre-tool-use')).toEqual(['command']);
  });

  it('claude -w: its session is served by the fast path, and a deny reaches the model before the write', { timeout: 150_000 }, async () => {
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
    // Every settings file with cwt's hooks for that session counts its Node starts from here on.
    const log = countNodeStarts(join(repo, '.claude', 'settings.local.json'), sb.root);
    countNodeStarts(join(worktree, '.claude', 'settings.local.json'), sb.root);
    await waitForService(sb.cwtHome);

    // A second `claude -w feat-w` resumes the session: a write of its own, then a shell write into the Claude home.
    const apiW = await fx.startApi({
      script: [
        { type: 'tool_use', name: 'Write', id: 'toolu_w_1', input: { file_path: file, content: 'w\n' } },
        { type: 'tool_use', name: 'Bash', id: 'toolu_w_2', input: { command: `echo injected >> ${guarded}` } },
        { type: 'text', text: 'w done' },
      ],
    });
    const resumed = await fx.startClaude(['-w', 'feat-w', ...claudePrintArgs('write')], { cwd: repo, env: e2eEnv(sb, apiW), timeoutMs: 120_000 }).result;
    expect(resumed.code, describeRun(resumed, apiW)).toBe(0);
    expect(findToolResult(apiW, 'toolu_w_1')?.isError).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe('w\n');
    const denied = findToolResult(apiW, 'toolu_w_2');
    expect(denied, describeRun(resumed, apiW)).toBeDefined();
    expect(denied!.isError).toBe(true);
    expect(denied!.text).toContain(guarded);
    expect(existsSync(guarded)).toBe(false);

    // No Node process for any tool call: only the session's start and end.
    expect(hookStarts(log).filter((event) => !['session-start', 'session-end', 'worktree-create'].includes(event))).toEqual([]);
    expect(hookStarts(log)).toContain('session-start');
    const sessions = await cwtJson<SessionView[]>(['status', '--all', '--json'], { cwd: repo, env });
    expect(sessions.filter((session) => session.kind === 'cwt').map((session) => [session.branch, session.worktree])).toEqual([['feat-w', worktree]]);
    const { byOf } = await readDeciders(sb.cwtHome);
    for (const id of ['toolu_w_1', 'toolu_w_2']) expect(byOf(id, 'pre-tool-use'), id).toEqual(['fastpath']);
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
    const denied = findToolResult(api, 'toolu_n_2');
    expect(denied, describeRun(result, api)).toBeDefined();
    expect(denied!.isError).toBe(true);
    expect(denied!.text).toContain(guarded);
    expect(existsSync(guarded)).toBe(false);
    // Both calls decided by the service (the supervisor started no server of its own), which ran throughout.
    const { byOf } = await readDeciders(sb.cwtHome);
    for (const id of ['toolu_n_1', 'toolu_n_2']) expect(byOf(id, 'pre-tool-use'), id).toEqual(['fastpath']);
    expect(byOf('toolu_n_1', 'post-tool-use')).toEqual(['fastpath']);
    expect(isPidAlive(servicePid)).toBe(true);
    // The installed settings' guards (their node swapped here, so they are not merged with the --settings copies)
    // started no Node process for a tool call.
    expect(hookStarts(log).filter((event) => !['session-start', 'session-end'].includes(event))).toEqual([]);
  });
});
