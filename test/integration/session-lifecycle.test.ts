/**
 * The whole life of a session on a real repository: new -> status -> attach -> end -> end --remove, with a
 * stand-in agent that records how it was launched.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createScenario, type Scenario } from '../helpers/scenario.js';
import { git, listBranches, listWorktreePaths, writeFile } from '../helpers/git.js';
import { MESSAGES } from '../../src/texts/messages.js';
import { CWT_BIN } from '../helpers/cli.js';
import { trustRepoConfig } from '../helpers/trust.js';

let s: Scenario;
beforeEach(() => {
  s = createScenario();
});
afterEach(() => s.cleanup());

function agentRecords(): Array<{ argv: string[]; cwd: string; env: Record<string, string> }> {
  return readFileSync(s.agent.recordPath, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
}

describe('session lifecycle', () => {
  it('new -> status -> attach -> end -> end --remove', async () => {
    // Canonical memory exists before the session: the namespace and the merge base start as copies of it.
    const key = s.repo.replace(/[^A-Za-z0-9]/g, '-');
    const canonical = join(s.claudeHome, 'projects', key, 'memory');
    writeFile(canonical, 'MEMORY.md', '- [arch](architecture.md)\n');
    writeFile(canonical, 'architecture.md', 'the store is sqlite\n');

    const created = await s.cwt(['new', 'feat/x', '--', '--model', 'test-model']);
    expect(created.stderr).not.toContain('cwt:');
    expect(created.code).toBe(0);

    const [session] = await s.sessions();
    const worktree = join(s.root, 'repo.worktrees', 'feat-x');
    const memoryDir = join(s.claudeHome, 'projects', key, 'cwt-memory', 'feat-x');
    expect(session).toMatchObject({ branch: 'feat/x', worktree, memoryDir, agent: 'claude', pid: null, agentExit: 0, state: 'live' });
    const id = session!.id as string;

    // The agent ran in the worktree, with the session's settings first and the user's arguments after.
    const [launch] = agentRecords();
    expect(launch!.cwd).toBe(worktree);
    expect(launch!.env.CWT_SESSION).toBe(id);
    const settingsPath = launch!.argv[1]!;
    const mcpConfigPath = join(s.cwtHome, 'sessions', id, 'mcp.json');
    expect(launch!.argv).toEqual(['--settings', settingsPath, '--mcp-config', mcpConfigPath, '--model', 'test-model']);
    // cwt's MCP server, by absolute paths, added to the user's own servers.
    expect(JSON.parse(readFileSync(mcpConfigPath, 'utf8'))).toEqual({ mcpServers: { cwt: { type: 'stdio', command: process.execPath, args: [CWT_BIN, 'mcp'] } } });
    const settings = JSON.parse(readFileSync(settingsPath, 'utf8')) as { autoMemoryDirectory: string; hooks: Record<string, unknown> };
    expect(settings.autoMemoryDirectory).toBe(memoryDir);
    // With no supervisor serving http (the agent has exited), the file carries the command hooks.
    expect(Object.keys(settings.hooks).sort()).toEqual(['Notification', 'PostToolUse', 'PostToolUseFailure', 'PreToolUse', 'SessionEnd', 'SessionStart', 'Stop', 'UserPromptSubmit']);

    // Namespace and merge base hold canonical memory as it was.
    expect(readFileSync(join(memoryDir, 'architecture.md'), 'utf8')).toBe('the store is sqlite\n');
    expect(readFileSync(join(s.cwtHome, 'sessions', id, 'memory-base', 'MEMORY.md'), 'utf8')).toBe('- [arch](architecture.md)\n');

    // CLAUDE.local.md says where things are, and git does not see it.
    const notes = readFileSync(join(worktree, 'CLAUDE.local.md'), 'utf8');
    expect(notes).toContain(`Session: ${id}`);
    expect(notes).toContain(memoryDir);
    expect(notes).toContain('cwt write');
    expect(git(worktree, ['status', '--porcelain'])).toBe('');

    // The worktree is locked while the session lives.
    expect(git(s.repo, ['worktree', 'list', '--porcelain'])).toContain(`locked cwt session ${id}`);

    const table = await s.cwt(['status']);
    // No hook has said anything yet (the fake agent sends none): no activity, not a guess.
    expect(table.stdout).toMatch(new RegExp(`${id}\\s+feat/x\\s+live\\s+${MESSAGES.activityNone}\\s+claude`));
    const markdown = await s.cwt(['ls', '--markdown']);
    expect(markdown.stdout.split('\n')[0]).toBe('| session id | started | last active | activity | currently editing |');

    writeFile(worktree, 'wip.ts', 'export {}\n');
    expect((await s.cwt(['status', '--markdown'])).stdout).toContain('wip.ts');

    const attached = await s.cwt(['attach', 'feat/x', '--', '--continue']);
    expect(attached.code).toBe(0);
    expect(agentRecords()[1]!.argv).toEqual(['--settings', settingsPath, '--mcp-config', mcpConfigPath, '--continue']);

    const ended = await s.cwt(['end'], { cwd: worktree });
    expect(ended.code).toBe(0);
    expect(ended.stderr).toContain(MESSAGES.ended((await s.sessions())[0] as never));
    expect((await s.sessions())[0]).toMatchObject({ id, state: 'ended' });
    expect(git(s.repo, ['worktree', 'list', '--porcelain'])).not.toContain('locked');
    expect(existsSync(worktree)).toBe(true);

    // Ended sessions are hidden by default and cannot be attached.
    expect(JSON.parse((await s.cwt(['status', '--json'])).stdout)).toEqual([]);
    expect((await s.cwt(['attach', id])).code).toBe(2);

    // --remove refuses while wip.ts is untracked, then succeeds once it is committed and merged.
    const refused = await s.cwt(['end', id, '--remove']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('wip.ts');
    git(worktree, ['add', '-A']);
    git(worktree, ['commit', '-q', '-m', 'wip']);
    git(s.repo, ['merge', '-q', '--ff-only', 'feat/x']);
    const removed = await s.cwt(['end', id, '--remove', '--delete-branch']);
    expect(removed.stderr).not.toContain('cwt:');
    expect(removed.code).toBe(0);
    expect(existsSync(worktree)).toBe(false);
    expect(listWorktreePaths(s.repo)).toEqual([s.repo]);
    expect(listBranches(s.repo)).toEqual(['main']);
    // Memory is never deleted by cwt.
    expect(existsSync(join(memoryDir, 'architecture.md'))).toBe(true);
  });

  it('passes the agent exit code through and records it', async () => {
    const result = await s.cwt(['new', 'feat/y'], { env: { ...s.env, FAKE_AGENT_EXIT: '7' } });
    expect(result.code).toBe(7);
    expect(result.stderr).toContain('exited with code 7');
    expect(result.stderr).toContain('cwt end');
    expect((await s.sessions())[0]).toMatchObject({ agentExit: 7, pid: null });
  });

  it('--no-launch --json prints the session and starts nothing', async () => {
    const result = await s.cwt(['new', 'feat/z', '--no-launch', '--json']);
    expect(result.code).toBe(0);
    const session = JSON.parse(result.stdout);
    expect(session).toMatchObject({ branch: 'feat/z', worktree: join(s.root, 'repo.worktrees', 'feat-z') });
    expect(existsSync(s.agent.recordPath)).toBe(false);
  });

  it('checks out an existing branch, and refuses a branch that is already checked out', async () => {
    git(s.repo, ['branch', 'existing']);
    expect((await s.cwt(['new', 'existing', '--no-launch'])).code).toBe(0);
    const again = await s.cwt(['new', 'existing', '--no-launch']);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already checked out');
    expect(again.stderr).toContain('cwt attach');
    const main = await s.cwt(['new', 'main', '--no-launch']);
    expect(main.code).toBe(2);
  });

  it('never touches a tracked CLAUDE.local.md and hands the notes over through the system prompt', async () => {
    writeFile(s.repo, 'CLAUDE.local.md', '# checked in on purpose\n');
    git(s.repo, ['add', '-A']);
    git(s.repo, ['commit', '-q', '-m', 'tracked local md']);
    const result = await s.cwt(['new', 'feat/t']);
    expect(result.code).toBe(0);
    const worktree = join(s.root, 'repo.worktrees', 'feat-t');
    expect(readFileSync(join(worktree, 'CLAUDE.local.md'), 'utf8')).toBe('# checked in on purpose\n');
    expect(git(worktree, ['status', '--porcelain'])).toBe('');
    const argv = agentRecords()[0]!.argv;
    const at = argv.indexOf('--append-system-prompt');
    expect(at).toBeGreaterThan(0);
    expect(argv[at + 1]).toContain('cwt session');
  });

  it('copies the ignored files .worktreeinclude names, and runs setup commands in the worktree', async () => {
    writeFile(s.repo, '.gitignore', '.env\nnode_modules/\n');
    writeFile(s.repo, '.worktreeinclude', '.env\n');
    writeFile(s.repo, '.cwt.json', JSON.stringify({ setup: ['echo "setup ran in $PWD for $CWT_SESSION" > setup.txt'] }));
    git(s.repo, ['add', '-A']);
    git(s.repo, ['commit', '-q', '-m', 'config']);
    trustRepoConfig(s.repo, s.env);
    writeFile(s.repo, '.env', 'SECRET=1\n');
    writeFile(s.repo, 'node_modules/big/index.js', '//\n');
    expect((await s.cwt(['new', 'feat/inc', '--no-launch'])).code).toBe(0);
    const worktree = join(s.root, 'repo.worktrees', 'feat-inc');
    expect(readFileSync(join(worktree, '.env'), 'utf8')).toBe('SECRET=1\n');
    expect(existsSync(join(worktree, 'node_modules'))).toBe(false);
    const id = (await s.sessions())[0]!.id as string;
    expect(readFileSync(join(worktree, 'setup.txt'), 'utf8')).toBe(`setup ran in ${worktree} for ${id}\n`);
  });

  it('gives branches that slug alike their own worktree and namespace', async () => {
    expect((await s.cwt(['new', 'feat/x', '--no-launch'])).code).toBe(0);
    expect((await s.cwt(['new', 'feat-x', '--no-launch'])).code).toBe(0);
    const sessions = await s.sessions();
    expect(new Set(sessions.map((x) => x.worktree)).size).toBe(2);
    expect(new Set(sessions.map((x) => x.memoryDir)).size).toBe(2);
  });
});
