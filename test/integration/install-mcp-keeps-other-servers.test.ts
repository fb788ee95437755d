/**
 * `cwt install --mcp` registers cwt's MCP server without clobbering anyone's: other servers in .mcp.json and
 * other approvals in settings.local.json stay, a second run changes nothing, --uninstall restores the files
 * as they were. A .mcp.json the team tracks in git is left alone, and ~/.claude.json is never written.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CWT_BIN } from '../helpers/cli.js';
import { commitAll, git } from '../helpers/git.js';
import { createScenario, type Scenario } from '../helpers/scenario.js';

let s: Scenario;
beforeEach(() => {
  s = createScenario();
});
afterEach(() => s.cleanup());

const theirServers = { mcpServers: { github: { command: 'gh-mcp', args: ['--stdio'] } } };
const theirSettings = { model: 'opus', enabledMcpjsonServers: ['github'] };

describe('cwt install --mcp', () => {
  it('adds cwt beside the other servers and approvals, is idempotent, and uninstalls to the original files', async () => {
    const mcpJson = join(s.repo, '.mcp.json');
    const settings = join(s.repo, '.claude', 'settings.local.json');
    writeFileSync(mcpJson, `${JSON.stringify(theirServers, null, 2)}\n`);
    mkdirSync(join(s.repo, '.claude'));
    writeFileSync(settings, JSON.stringify(theirSettings));

    const first = await s.cwt(['install', '--mcp', '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ changed: true, mcp: { path: mcpJson, changed: true } });
    expect(JSON.parse(readFileSync(mcpJson, 'utf8'))).toEqual({
      mcpServers: { ...theirServers.mcpServers, cwt: { type: 'stdio', command: process.execPath, args: [CWT_BIN, 'mcp'] } },
    });
    const installed = JSON.parse(readFileSync(settings, 'utf8')) as Record<string, unknown>;
    expect(installed).toMatchObject({ model: 'opus', enabledMcpjsonServers: ['github', 'cwt'] });
    expect(Object.keys(installed.hooks as object)).toEqual(expect.arrayContaining(['PreToolUse', 'SessionStart']));
    // Personal: git does not see either file.
    expect(git(s.repo, ['status', '--porcelain'])).toBe('');

    const bytes = [readFileSync(mcpJson), readFileSync(settings)];
    const again = await s.cwt(['install', '--mcp']);
    expect(again.stdout).toContain('already registered');
    expect([readFileSync(mcpJson), readFileSync(settings)]).toEqual(bytes);

    expect((await s.cwt(['install', '--uninstall'])).code).toBe(0);
    expect(JSON.parse(readFileSync(mcpJson, 'utf8'))).toEqual(theirServers);
    expect(JSON.parse(readFileSync(settings, 'utf8'))).toEqual(theirSettings);
  });

  it('leaves a tracked .mcp.json alone (exit 2, naming claude mcp add), and never writes ~/.claude.json', async () => {
    const mcpJson = join(s.repo, '.mcp.json');
    writeFileSync(mcpJson, JSON.stringify(theirServers));
    commitAll(s.repo, 'team MCP servers');
    const refused = await s.cwt(['install', '--mcp']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('is tracked by git');
    expect(refused.stderr).toContain('claude mcp add --scope local cwt -- ');
    expect(readFileSync(mcpJson, 'utf8')).toBe(JSON.stringify(theirServers));
    expect(existsSync(join(s.repo, '.claude', 'settings.local.json'))).toBe(false);

    const global = await s.cwt(['install', '--global', '--mcp']);
    expect(global.code, global.stderr).toBe(0);
    expect(global.stdout).toContain(`claude mcp add --scope user cwt -- ${process.execPath} ${CWT_BIN} mcp`);
    expect(existsSync(join(s.home, '.claude.json'))).toBe(false);
  });

  it('the fast path’s second decider becomes the mcp_tool call to cwt’s server, kept by a plain install again, removed by --uninstall; --no-mcp keeps the guard', async () => {
    const settings = join(s.repo, '.claude', 'settings.local.json');
    type Hooks = Record<string, { hooks: { type: string; server?: string; tool?: string }[] }[]>;
    const types = () => (JSON.parse(readFileSync(settings, 'utf8')) as { hooks?: Hooks }).hooks?.PreToolUse?.[0]?.hooks.map((handler) => handler.type);
    const optedOut = await s.cwt(['install', '--no-mcp']);
    expect(optedOut.code, optedOut.stderr).toBe(0);
    expect(optedOut.stdout).toContain('as --no-mcp asked');
    expect(types()).toEqual(['http', 'command']);
    expect(existsSync(join(s.repo, '.mcp.json'))).toBe(false);
    const installed = await s.cwt(['install', '--mcp']);
    expect(installed.code, installed.stderr).toBe(0);
    expect(types()).toEqual(['http', 'mcp_tool']);
    expect((JSON.parse(readFileSync(settings, 'utf8')) as { hooks: Hooks }).hooks.PreToolUse![0]!.hooks[1]).toMatchObject({ server: 'cwt', tool: 'cwt_hook_endpoint' });
    // Its .mcp.json still has the approved server: a plain install keeps the decider.
    expect((await s.cwt(['install'])).code).toBe(0);
    expect(types()).toEqual(['http', 'mcp_tool']);
    // --no-mcp after it: cwt's server and its approval go, the guard comes back.
    expect((await s.cwt(['install', '--no-mcp'])).code).toBe(0);
    expect(types()).toEqual(['http', 'command']);
    expect(JSON.parse(readFileSync(join(s.repo, '.mcp.json'), 'utf8'))).toEqual({ mcpServers: {} });
    expect(JSON.parse(readFileSync(settings, 'utf8'))).not.toHaveProperty('enabledMcpjsonServers');
    expect((await s.cwt(['install', '--mcp', '--uninstall'])).code).toBe(0);
    expect(readFileSync(settings, 'utf8')).not.toContain('mcp_tool');
    // The default again: the server registered, the mcp_tool decider.
    expect((await s.cwt(['install'])).code).toBe(0);
    expect(types()).toEqual(['http', 'mcp_tool']);
    // --mcp and --no-mcp together: a usage error, nothing changed.
    const before = readFileSync(settings);
    const both = await s.cwt(['install', '--mcp', '--no-mcp']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--no-mcp');
    expect(readFileSync(settings)).toEqual(before);
  });

  it('a plain cwt install in a repository whose .mcp.json is tracked: succeeds, leaves the file alone, keeps the guard and says why', async () => {
    const mcpJson = join(s.repo, '.mcp.json');
    writeFileSync(mcpJson, JSON.stringify(theirServers));
    commitAll(s.repo, 'team MCP servers');
    const installed = await s.cwt(['install']);
    expect(installed.code, installed.stderr).toBe(0);
    expect(installed.stdout).toContain('is tracked by git (the team');
    expect(readFileSync(mcpJson, 'utf8')).toBe(JSON.stringify(theirServers));
    const settings = JSON.parse(readFileSync(join(s.repo, '.claude', 'settings.local.json'), 'utf8')) as { hooks: Record<string, { hooks: { type: string }[] }[]>; enabledMcpjsonServers?: string[] };
    expect(settings.hooks.PreToolUse![0]!.hooks.map((handler) => handler.type)).toEqual(['http', 'command']);
    expect(settings.enabledMcpjsonServers).toBeUndefined();
    expect(git(s.repo, ['status', '--porcelain'])).toBe('');
    const json = JSON.parse((await s.cwt(['install', '--json'])).stdout) as { mcp: unknown; fastPath: { decider: string } };
    expect(json).toMatchObject({ mcp: { path: mcpJson, registered: false, reason: 'tracked' }, fastPath: { decider: 'guard' } });
  });
});
