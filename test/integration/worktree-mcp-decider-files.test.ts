/**
 * Every kind of session gets cwt mcp as the fast path's second decider (issue 17): after a plain `cwt install`,
 * a `cwt new` worktree (for a plain claude started there, an adopted tab) and a `claude -w` worktree get a
 * `.mcp.json` of their own with cwt's server, approved in their `.claude/settings.local.json`, whose fast-path
 * events carry the http and mcp_tool handlers and no guard; both files kept out of git. Where the branch tracks
 * `.mcp.json` (the team's), it is left alone and that worktree keeps the guard; with `--no-mcp` every worktree
 * keeps the guard. A server the person turned off in Claude Code: `cwt install` respects it (the guard) and
 * `cwt doctor` warns about a checkout left with the mcp_tool decider and no server.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCwt } from '../helpers/cli.js';
import { stopFastPath } from '../helpers/env.js';
import { commitAll, git } from '../helpers/git.js';
import { createScenario, type Scenario } from '../helpers/scenario.js';

let s: Scenario;
beforeEach(() => {
  s = createScenario();
});
afterEach(() => {
  stopFastPath(s.cwtHome);
  s.cleanup();
});

type Settings = { hooks: Record<string, { hooks: { type: string; command?: string; server?: string }[] }[]>; enabledMcpjsonServers?: string[]; autoMemoryDirectory?: string };
const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
const preToolUseTypes = (settings: Settings) => settings.hooks.PreToolUse!.flatMap((group) => group.hooks.map((handler) => handler.type));

async function newWorktree(branch: string): Promise<string> {
  const created = await s.cwt(['new', branch, '--no-launch', '--json']);
  expect(created.code, created.stderr).toBe(0);
  return (JSON.parse(created.stdout) as { worktree: string }).worktree;
}

async function claudeWorktree(name: string): Promise<{ path: string; stderr: string }> {
  const input = JSON.stringify({ session_id: `claude-${name}`, cwd: s.repo, hook_event_name: 'WorktreeCreate', name });
  const hook = await runCwt(['hook', 'worktree-create'], { cwd: s.repo, env: s.env, input });
  expect(hook.code, hook.stderr).toBe(0);
  return { path: hook.stdout.trim().split('\n').at(-1)!, stderr: hook.stderr };
}

describe('worktrees get cwt mcp as the second decider', () => {
  it('cwt new and claude -w worktrees: their own .mcp.json, approved, http + mcp_tool and no guard, kept out of git', async () => {
    expect((await s.cwt(['install'])).code).toBe(0);
    for (const worktree of [await newWorktree('feat/a'), (await claudeWorktree('feat-w')).path]) {
      expect(readJson(join(worktree, '.mcp.json'))).toMatchObject({ mcpServers: { cwt: { args: [expect.stringMatching(/cwt\.js$/), 'mcp'] } } });
      const settings = readJson<Settings>(join(worktree, '.claude', 'settings.local.json'));
      expect(settings.enabledMcpjsonServers).toEqual(['cwt']);
      expect(preToolUseTypes(settings)).toEqual(['http', 'mcp_tool']);
      for (const event of ['PostToolUse', 'UserPromptSubmit', 'Stop']) expect(settings.hooks[event]!.flatMap((group) => group.hooks.map((handler) => handler.type)), event).toEqual(['http', 'mcp_tool']);
      expect(git(worktree, ['status', '--porcelain'])).toBe('');
    }
    // The adopted tab's file names no memory directory (the session launched by cwt new gets its own through --settings).
    const adopted = readJson<Settings>(join(s.root, 'repo.worktrees', 'feat-a', '.claude', 'settings.local.json'));
    expect(adopted.autoMemoryDirectory).toBeUndefined();
    expect(readJson<Settings>(join(s.root, 'repo.worktrees', 'feat-w', '.claude', 'settings.local.json')).autoMemoryDirectory).toBeDefined();
    // The main checkout's doctor view: every checkout's decider has its server.
    const doctor = JSON.parse((await s.cwt(['doctor', '--json'])).stdout) as { findings: { id: string; severity: string }[] };
    expect(doctor.findings.filter((finding) => finding.id === 'mcp-decider')).toEqual([expect.objectContaining({ severity: 'ok' })]);
  });

  it('a branch tracking .mcp.json: left alone, that worktree keeps the guard (claude -w) or gets no files (cwt new), and says why', async () => {
    expect((await s.cwt(['install'])).code).toBe(0);
    // The team's file, tracked on this branch (force-added past cwt's exclude); new worktrees start from it.
    git(s.repo, ['switch', '-q', '-c', 'team']);
    const teams = JSON.stringify({ mcpServers: { github: { command: 'gh-mcp' } } });
    writeFileSync(join(s.repo, '.mcp.json'), teams);
    git(s.repo, ['add', '-f', '.mcp.json']);
    commitAll(s.repo, 'team servers');
    const w = await claudeWorktree('team-w');
    expect(w.stderr).toContain('is tracked by git (the team');
    expect(readFileSync(join(w.path, '.mcp.json'), 'utf8')).toBe(teams);
    const wSettings = readJson<Settings>(join(w.path, '.claude', 'settings.local.json'));
    expect(preToolUseTypes(wSettings)).toEqual(['http', 'command']);
    expect(wSettings.enabledMcpjsonServers).toBeUndefined();
    const created = await s.cwt(['new', 'feat/t', '--no-launch', '--json']);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stderr).toContain('is tracked by git (the team');
    const worktree = (JSON.parse(created.stdout) as { worktree: string }).worktree;
    expect(readFileSync(join(worktree, '.mcp.json'), 'utf8')).toBe(teams);
    expect(existsSync(join(worktree, '.claude', 'settings.local.json'))).toBe(false);
    for (const dir of [w.path, worktree]) expect(git(dir, ['status', '--porcelain'])).toBe('');
  });

  it('claude -w resuming a worktree made under --no-mcp, after a plain install: its files are brought up to date (the mcp_tool decider), its other keys kept', async () => {
    expect((await s.cwt(['install', '--no-mcp'])).code).toBe(0);
    const { path } = await claudeWorktree('feat-r');
    const settingsPath = join(path, '.claude', 'settings.local.json');
    expect(preToolUseTypes(readJson<Settings>(settingsPath))).toEqual(['http', 'command']);
    writeFileSync(settingsPath, JSON.stringify({ ...readJson<Settings>(settingsPath), model: 'opus' }));
    expect((await s.cwt(['install'])).code).toBe(0);
    const resumed = await claudeWorktree('feat-r');
    expect(resumed.path).toBe(path);
    const settings = readJson<Settings & { model?: string }>(settingsPath);
    expect(preToolUseTypes(settings)).toEqual(['http', 'mcp_tool']);
    expect(settings).toMatchObject({ model: 'opus', enabledMcpjsonServers: ['cwt'] });
    expect(settings.autoMemoryDirectory).toBeDefined();
    expect(readJson(join(path, '.mcp.json'))).toMatchObject({ mcpServers: { cwt: {} } });
  });

  it('--no-mcp: worktrees get no .mcp.json and claude -w keeps the guard', async () => {
    expect((await s.cwt(['install', '--no-mcp'])).code).toBe(0);
    const worktree = await newWorktree('feat/b');
    expect(existsSync(join(worktree, '.mcp.json'))).toBe(false);
    expect(existsSync(join(worktree, '.claude', 'settings.local.json'))).toBe(false);
    const { path } = await claudeWorktree('feat-g');
    expect(existsSync(join(path, '.mcp.json'))).toBe(false);
    const settings = readJson<Settings>(join(path, '.claude', 'settings.local.json'));
    expect(preToolUseTypes(settings)).toEqual(['http', 'command']);
    expect(settings.enabledMcpjsonServers).toBeUndefined();
  });

  it('a server turned off in Claude Code: doctor warns about the checkout left without a decider; cwt install then keeps the guard and says why', async () => {
    expect((await s.cwt(['install'])).code).toBe(0);
    const settingsPath = join(s.repo, '.claude', 'settings.local.json');
    // As Claude Code records "no" for a project server: in ~/.claude.json, under the project.
    writeFileSync(join(s.home, '.claude.json'), JSON.stringify({ projects: { [s.repo]: { disabledMcpjsonServers: ['cwt'] } } }));
    const doctor = JSON.parse((await s.cwt(['doctor', '--json'])).stdout) as { findings: { id: string; severity: string; message: string; fix?: string }[] };
    const gap = doctor.findings.filter((finding) => finding.id === 'mcp-decider');
    expect(gap).toEqual([expect.objectContaining({ severity: 'warn' })]);
    expect(gap[0]!.message).toContain('turned off');
    expect(gap[0]!.fix).toContain('--no-mcp');
    const again = await s.cwt(['install', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ mcp: { registered: false, reason: 'declined' }, fastPath: { decider: 'guard' } });
    expect(preToolUseTypes(readJson<Settings>(settingsPath))).toEqual(['http', 'command']);
    const text = await s.cwt(['install']);
    expect(text.stdout).toContain('turned off for this repository');
    // Worktrees created now get the guard as well.
    const { path } = await claudeWorktree('feat-d');
    expect(preToolUseTypes(readJson<Settings>(join(path, '.claude', 'settings.local.json')))).toEqual(['http', 'command']);
    // And doctor has nothing to warn about any more.
    const after = JSON.parse((await s.cwt(['doctor', '--json'])).stdout) as { findings: { id: string; severity: string }[] };
    expect(after.findings.filter((finding) => finding.id === 'mcp-decider' && finding.severity === 'warn')).toEqual([]);
  });
});
