/**
 * The pure parts of "every kind of session gets cwt mcp as the second decider": whether settings approve cwt's
 * project server, carry the mcp_tool decider, what an adopted tab's worktree settings hold, and which fast-path
 * target a worktree of a repository gets (the guard where an installed settings file gives it).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { addCwtHooks, buildAdoptedTabSettings, buildHookSettings, hasMcpDeciderHandler, hasMcpServer, isProjectMcpServerApproved } from '../../src/core/harness/harness.js';
import { getMcpDeciderGap, resolveWorktreeFastPath } from '../../src/core/harness/fastpath.js';

const target = { port: 4321, pidFile: '/state/fastpath.pid', guard: true };

describe('isProjectMcpServerApproved', () => {
  it.each([
    ['listed', { enabledMcpjsonServers: ['cwt'] }, true],
    ['all project servers enabled', { enableAllProjectMcpServers: true }, true],
    ['listed but turned off', { enabledMcpjsonServers: ['cwt'], disabledMcpjsonServers: ['cwt'] }, false],
    ['another server only', { enabledMcpjsonServers: ['github'] }, false],
    ['nothing', {}, false],
    ['not a list', { enabledMcpjsonServers: 'cwt' }, false],
  ])('%s', (_name, settings, expected) => expect(isProjectMcpServerApproved(settings)).toBe(expected));
});

describe('hasMcpDeciderHandler / hasMcpServer', () => {
  it('tells the mcp_tool decider from the guard and from someone else’s mcp_tool hook', () => {
    expect(hasMcpDeciderHandler({ hooks: buildHookSettings({ fastPath: { ...target, mcp: true } }) })).toBe(true);
    expect(hasMcpDeciderHandler({ hooks: buildHookSettings({ fastPath: target }) })).toBe(false);
    expect(hasMcpDeciderHandler({ hooks: { PreToolUse: [{ hooks: [{ type: 'mcp_tool', server: 'other', tool: 'cwt_hook_endpoint' }] }] } })).toBe(false);
    expect(hasMcpDeciderHandler({ hooks: 'broken' })).toBe(false);
    expect(hasMcpServer({ mcpServers: { cwt: {} } })).toBe(true);
    expect(hasMcpServer({ mcpServers: { github: {} } })).toBe(false);
    expect(hasMcpServer([])).toBe(false);
  });

  it('CWT_FASTPATH=http-only (guard: false): the http handler alone, even where the server is registered', () => {
    const hooks = buildHookSettings({ fastPath: { ...target, guard: false, mcp: true } });
    expect(hooks.PreToolUse![0]!.hooks.map((handler) => handler.type)).toEqual(['http']);
  });
});

describe('buildAdoptedTabSettings', () => {
  it('session hooks with the mcp_tool decider and the approval; keys and hooks of its own kept; no memory dir; idempotent', () => {
    const theirs = { model: 'opus', hooks: { Stop: [{ hooks: [{ type: 'command', command: 'notify-send done' }] }] } };
    const built = buildAdoptedTabSettings(theirs, target);
    expect(built).toMatchObject({ model: 'opus', enabledMcpjsonServers: ['cwt'] });
    expect(built).not.toHaveProperty('autoMemoryDirectory');
    const hooks = built.hooks as Record<string, { hooks: { type: string }[] }[]>;
    expect(hooks.Stop!.map((group) => group.hooks.map((handler) => handler.type))).toEqual([['command'], ['http', 'mcp_tool']]);
    expect(hooks.SessionStart![0]!.hooks.map((handler) => handler.type)).toEqual(['command']);
    expect(hooks).not.toHaveProperty('WorktreeCreate');
    expect(buildAdoptedTabSettings(built, target)).toEqual(built);
  });
});

describe('resolveWorktreeFastPath / getMcpDeciderGap', () => {
  const root = mkdtempSync(join(tmpdir(), 'cwt-mcp-pure-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const cwtHome = join(root, 'state');
  const env = { CWT_HOME: cwtHome, CWT_CLAUDE_HOME: join(root, 'claude'), HOME: join(root, 'home') } as NodeJS.ProcessEnv;
  mkdirSync(cwtHome, { recursive: true });
  writeFileSync(join(cwtHome, 'fastpath.json'), JSON.stringify({ port: 4321, guard: true }));
  const checkout = (name: string, settings: Record<string, unknown> | undefined, mcpJson?: unknown): string => {
    const dir = join(root, name);
    mkdirSync(join(dir, '.claude'), { recursive: true });
    if (settings) writeFileSync(join(dir, '.claude', 'settings.local.json'), JSON.stringify(settings));
    if (mcpJson !== undefined) writeFileSync(join(dir, '.mcp.json'), JSON.stringify(mcpJson));
    return dir;
  };
  const withMcp = { enabledMcpjsonServers: ['cwt'], ...addCwtHooks({}, undefined, { ...target, pidFile: join(cwtHome, 'fastpath.pid'), mcp: true }) };
  const withGuard = addCwtHooks({}, undefined, { ...target, pidFile: join(cwtHome, 'fastpath.pid') });

  it.runIf(process.platform === 'linux')('the mcp_tool decider for worktrees where the main checkout has it; the guard where an installed file gives the guard', () => {
    expect(resolveWorktreeFastPath(env, checkout('mcp', withMcp, { mcpServers: { cwt: {} } }))).toMatchObject({ port: 4321, mcp: true });
    expect(resolveWorktreeFastPath(env, checkout('guard', withGuard))?.mcp).toBeUndefined();
    expect(resolveWorktreeFastPath(env, checkout('none', undefined))?.mcp).toBeUndefined();
    expect(resolveWorktreeFastPath({ ...env, CWT_FASTPATH: 'off' }, join(root, 'mcp'))).toBeUndefined();
  });

  it('names why a checkout with the decider would run no server', () => {
    expect(getMcpDeciderGap(env, join(root, 'mcp'))).toBeUndefined();
    expect(getMcpDeciderGap(env, join(root, 'guard'))).toBeUndefined();
    expect(getMcpDeciderGap(env, checkout('no-server', withMcp, { mcpServers: {} }))).toBe('no-server');
    const { enabledMcpjsonServers: _approved, ...unapproved } = withMcp;
    expect(getMcpDeciderGap(env, checkout('unapproved', unapproved, { mcpServers: { cwt: {} } }))).toBe('not-approved');
    expect(getMcpDeciderGap(env, checkout('declined', { ...withMcp, disabledMcpjsonServers: ['cwt'] }, { mcpServers: { cwt: {} } }))).toBe('declined');
    // An answer recorded by Claude Code itself, under the project in ~/.claude.json.
    const dialog = checkout('dialog', withMcp, { mcpServers: { cwt: {} } });
    mkdirSync(env.HOME!, { recursive: true });
    writeFileSync(join(env.HOME!, '.claude.json'), JSON.stringify({ projects: { [dialog]: { disabledMcpServers: ['cwt'] } } }));
    expect(getMcpDeciderGap(env, dialog)).toBe('declined');
  });
});
