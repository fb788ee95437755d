/**
 * The claim commands for people and scripts (`cwt claim`, `release`, `who`), and `cwt install`, which wires
 * the command hooks into Claude Code settings without disturbing anything else in them.
 */
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTab, getDenyReason } from '../helpers/hooks.js';
import { createScenario, type Scenario } from '../helpers/scenario.js';
import { stopFastPath } from '../helpers/env.js';
import { waitFor } from '../helpers/wait.js';

describe('cwt claim / release / who', () => {
  let s: Scenario;
  beforeEach(() => {
    s = createScenario();
  });
  afterEach(() => s.cleanup());

  const whoJson = async (path: string) => {
    const result = await s.cwt(['who', path, '--json']);
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as { relPath: string; claims: Array<{ session: string; sameCheckout: boolean }> };
  };

  it('claims for the Claude tab running it, refuses a path another live session holds, --force takes it', async () => {
    await createTab('tab-a', s.repo, s.env).write(join(s.repo, 'a.ts'));
    const holder = (await whoJson('a.ts')).claims[0]!.session;
    await createTab('tab-b', s.repo, s.env).start();
    const asB = { ...s.env, CLAUDE_CODE_SESSION_ID: 'tab-b' };

    const busy = await s.cwt(['claim', 'b.ts', 'a.ts'], { env: asB });
    expect(busy.code).toBe(3);
    expect(busy.stderr).toContain(holder);
    expect((await whoJson('b.ts')).claims).toEqual([]); // nothing claimed at all

    const forced = await s.cwt(['claim', 'b.ts', 'a.ts', '--force', '--json'], { env: asB });
    expect(forced.code, forced.stderr).toBe(0);
    const mine = (JSON.parse(forced.stdout) as { session: string }).session;
    expect((await whoJson('a.ts')).claims.map((c) => c.session)).toEqual([mine]);
    // The hooks honour a claim made by hand: tab A is now the one stopped.
    expect(getDenyReason(await createTab('tab-a', s.repo, s.env).write(join(s.repo, 'b.ts')))).toContain(mine);

    const released = await s.cwt(['release', 'a.ts', '--json'], { env: asB });
    expect(JSON.parse(released.stdout)).toEqual({ session: mine, released: [join(s.repo, 'a.ts')] });
    expect((await whoJson('a.ts')).claims).toEqual([]);
    expect((await s.cwt(['release'], { env: asB })).stdout).toContain('released');
    expect((await whoJson('b.ts')).claims).toEqual([]);
  });

  it('in a worktree, claims belong to its cwt session; who shows other worktrees too', async () => {
    const created = await s.cwt(['new', 'feat/w', '--no-launch']);
    const worktree = created.stdout.trim();
    const claimed = await s.cwt(['claim', 'src/x.ts'], { cwd: worktree });
    expect(claimed.code, claimed.stderr).toBe(0);
    await createTab('main-tab', s.repo, s.env).write(join(s.repo, 'src', 'x.ts'));
    const table = await s.cwt(['who', 'src/x.ts'], { cwd: worktree });
    expect(table.stdout).toContain('this checkout');
    expect(table.stdout).toContain('other worktree');
    expect(table.stdout).toContain('feat/w');
  });

  it('bad input changes nothing: no session here, a path outside the checkout', async () => {
    const nobody = await s.cwt(['claim', 'a.ts']);
    expect(nobody.code).toBe(2);
    expect(nobody.stderr).toContain('no cwt session here');
    const created = await s.cwt(['new', 'feat/y', '--no-launch']);
    const outside = await s.cwt(['claim', join(s.repo, 'a.ts')], { cwd: created.stdout.trim() });
    expect(outside.code).toBe(2);
    expect(outside.stderr).toContain('outside the checkout');
    expect((await whoJson('a.ts')).claims).toEqual([]);
  });
});

describe('cwt install', () => {
  let s: Scenario;
  beforeEach(() => {
    s = createScenario();
  });
  afterEach(() => s.cleanup());

  const settingsPath = () => join(s.repo, '.claude', 'settings.local.json');
  const theirs = {
    permissions: { allow: ['Bash(npm test)'] },
    hooks: {
      PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: './scripts/guard.sh' }] }],
      Stop: [{ hooks: [{ type: 'command', command: 'notify-send done' }] }],
    },
  };

  it('merges its hooks into settings.local.json, keeps everything else, is idempotent, and uninstalls cleanly', async () => {
    mkdirSync(join(s.repo, '.claude'));
    writeFileSync(settingsPath(), JSON.stringify(theirs, null, 2));
    const first = await s.cwt(['install']);
    expect(first.code, first.stderr).toBe(0);
    const installed = JSON.parse(readFileSync(settingsPath(), 'utf8')) as typeof theirs & { hooks: Record<string, Array<{ hooks: Array<{ type?: string; command?: string; url?: string }> }>> };
    expect(installed.permissions).toEqual(theirs.permissions);
    // Their Stop hook first, as it was; cwt's (the session's activity) after it.
    expect(installed.hooks.Stop![0]).toEqual(theirs.hooks.Stop[0]);
    // The fast path's events: the per-user service over http, and beside it the tab's own cwt mcp (registered by
    // default: the second decider, no process per call).
    expect(installed.hooks.Stop![1]!.hooks.map((handler) => handler.type)).toEqual(['http', 'mcp_tool']);
    expect((installed.hooks.Stop![1]!.hooks[0] as { url?: string }).url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/hooks\/stop$/);
    expect(installed.hooks.Stop![1]!.hooks[1]).toMatchObject({ type: 'mcp_tool', server: 'cwt', tool: 'cwt_hook_endpoint', input: { event: 'stop' } });
    expect(installed.hooks.PreToolUse![0]).toEqual(theirs.hooks.PreToolUse[0]);
    expect((installed.hooks.PreToolUse![1]!.hooks[0] as { url?: string }).url).toMatch(/\/hooks\/pre-tool-use$/);
    expect(installed.hooks.PreToolUse![1]!.hooks[1]).toMatchObject({ type: 'mcp_tool', server: 'cwt', input: { event: 'pre-tool-use' } });
    expect((installed as unknown as { enabledMcpjsonServers: string[] }).enabledMcpjsonServers).toEqual(['cwt']);
    expect(JSON.parse(readFileSync(join(s.repo, '.mcp.json'), 'utf8'))).toMatchObject({ mcpServers: { cwt: { args: [expect.stringMatching(/cwt\.js$/), 'mcp'] } } });
    expect(installed.hooks.SessionStart![0]!.hooks.map((handler) => handler.type)).toEqual(['command']);
    for (const event of ['SessionStart', 'UserPromptSubmit', 'PostToolUse', 'Notification', 'SessionEnd']) expect(installed.hooks[event]).toHaveLength(1);
    // claude -w creates and removes its worktree through cwt.
    expect(installed.hooks.WorktreeCreate![0]!.hooks[0]!.command).toMatch(/cwt\.js hook worktree-create$/);
    expect(installed.hooks.WorktreeRemove![0]!.hooks[0]!.command).toMatch(/cwt\.js hook worktree-remove$/);
    // Kept out of git, like CLAUDE.local.md.
    expect(readFileSync(join(s.repo, '.git', 'info', 'exclude'), 'utf8')).toContain('/.claude/settings.local.json');
    expect(readFileSync(join(s.repo, '.git', 'info', 'exclude'), 'utf8')).toContain('/.mcp.json');

    const bytes = readFileSync(settingsPath());
    const again = await s.cwt(['install']);
    expect(again.stdout).toContain('already installed');
    expect(readFileSync(settingsPath())).toEqual(bytes);

    expect((await s.cwt(['install', '--uninstall'])).code).toBe(0);
    expect(JSON.parse(readFileSync(settingsPath(), 'utf8'))).toEqual(theirs);
  });

  it('--global writes the Claude home settings; broken JSON is refused and left alone', async () => {
    const global = await s.cwt(['install', '--global', '--json']);
    expect(global.code, global.stderr).toBe(0);
    expect(JSON.parse(global.stdout)).toMatchObject({ path: join(s.claudeHome, 'settings.json'), changed: true });
    expect(existsSync(join(s.claudeHome, 'settings.json'))).toBe(true);

    mkdirSync(join(s.repo, '.claude'));
    writeFileSync(settingsPath(), '{ "model": "opus", ');
    const broken = await s.cwt(['install']);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain('does not hold a JSON object');
    expect(readFileSync(settingsPath(), 'utf8')).toBe('{ "model": "opus", ');
  });

  it('installed hooks (--no-mcp: the guard) make plain tabs coordinate, through the command hook when the fast path is not running', async () => {
    expect((await s.cwt(['install', '--no-mcp'])).code).toBe(0);
    const installed = JSON.parse(readFileSync(settingsPath(), 'utf8')) as { hooks: { PreToolUse: Array<{ hooks: Array<{ command?: string }> }> } };
    const guard = installed.hooks.PreToolUse[0]!.hooks.find((handler) => handler.command !== undefined)!.command!;
    // The installed command is runnable as written, through a shell, as Claude Code runs it.
    const { execSync } = await import('node:child_process');
    const input = JSON.stringify({ session_id: 'via-settings', cwd: s.repo, tool_name: 'Write', tool_input: { file_path: join(s.repo, 'f.ts') } });
    // While the service runs (cwt install started it), the guard answers nothing: the http handler decides.
    await waitFor(() => (stopFastPath(s.cwtHome, 0) !== undefined ? true : undefined));
    // It exits without reading its input (Claude Code does not mind; writing it here may hit EPIPE, which is fine).
    const { spawnSync } = await import('node:child_process');
    const served = spawnSync('/bin/sh', ['-c', guard], { input, cwd: s.repo, env: s.env, encoding: 'utf8' });
    expect([served.status, served.stdout]).toEqual([0, '']);
    stopFastPath(s.cwtHome);
    await waitFor(() => (existsSync(join(s.cwtHome, 'fastpath.pid')) ? undefined : true));
    execSync(guard, { input, cwd: s.repo, env: s.env });
    const out = execSync(guard, {
      input: input.replace('via-settings', 'second-tab'),
      cwd: s.repo,
      env: s.env,
    }).toString();
    expect(getDenyReason(JSON.parse(out))).toContain('f.ts');
  });
});
