/**
 * End to end with the REAL `claude` (each end of the supported range) against the fake Messages API: with cwt installed
 * (`cwt install`: the repository's .claude/settings.local.json), `claude -w feat-y` creates its worktree
 * through cwt's WorktreeCreate hook — registry row, memory namespace wired as the session's auto memory (the
 * worktree's own settings.local.json, which Claude Code reads for that session), CLAUDE.local.md reaching the
 * model. Leaving the worktree with "remove" (the ExitWorktree tool, which is how a -p session triggers
 * WorktreeRemove) ends the session with its memory merged first, and keeps a dirty worktree.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  claudePrintArgs,
  cwtJson,
  describeRun,
  E2E_CLAUDE,
  e2eEnv,
  findInit,
  findToolResult,
  normalizeDir,
  projectKey,
  requireClaude,
  strings,
  useE2eFixture,
} from '../helpers/claude.js';
import { runCwt } from '../helpers/cli.js';
import type { RecordedRequest, ScriptedTurn } from '../helpers/fake-api.js';
import { createRepo, git, listBranches, listWorktreePaths } from '../helpers/git.js';
import { SqliteStore } from '../../src/core/store/sqlite.js';

interface SessionView {
  id: string;
  branch: string;
  worktree: string;
  agent: string;
  kind: string;
  state: string;
  pid: number | null;
  memoryDir: string;
  memory: string;
}

const fx = useE2eFixture('cwt-e2e-w-');

async function setUp(script: ScriptedTurn[]) {
  requireClaude();
  const sb = fx.sandbox;
  const api = await fx.startApi({ script });
  const repo = createRepo(join(sb.root, 'repo'));
  const env = e2eEnv(sb, api);
  const install = await runCwt(['install'], { cwd: repo, env });
  expect(install.code, install.stderr).toBe(0);
  return { sb, api, repo, env, worktree: join(sb.root, 'repo.worktrees', 'feat-y') };
}

describe('claude -w through cwt (WorktreeCreate / WorktreeRemove hooks)', () => {
  it('creates the worktree through cwt: registry row, namespace as auto memory, CLAUDE.local.md; a second -w resumes it', async () => {
    const { sb, api, repo, env, worktree } = await setUp([{ type: 'text', text: 'Hello from the worktree.' }]);

    const tab = fx.startClaude(['-w', 'feat-y', ...claudePrintArgs('hi')], { cwd: repo, env });
    const result = await tab.result;
    expect(result.code, describeRun(result, api)).toBe(0);

    const sessions = await cwtJson<SessionView[]>(['status', '--all', '--json'], { cwd: repo, env });
    expect(sessions, JSON.stringify(sessions)).toHaveLength(1);
    const session = sessions[0]!;
    expect(session).toMatchObject({ branch: 'feat-y', kind: 'cwt', agent: 'claude', worktree });
    // cwt's location rules, not Claude Code's default <repo>/.claude/worktrees/<name>.
    expect(listWorktreePaths(repo)).toContain(worktree);
    expect(existsSync(join(repo, '.claude', 'worktrees', 'feat-y'))).toBe(false);
    // The session's liveness is the claude process that asked for the worktree.
    expect(session.pid).toBe(tab.child.pid);

    // What Claude Code says it used: the worktree, and the session's namespace as auto memory.
    const init = findInit(result.stdout);
    expect(init, describeRun(result, api)).toBeDefined();
    expect(init!.claude_code_version).toBe(E2E_CLAUDE.version);
    expect(normalizeDir(init!.cwd!)).toBe(worktree);
    const namespaceRoot = join(sb.claudeHome, 'projects', projectKey(repo), 'cwt-memory');
    expect(normalizeDir(init!.memory_paths!.auto!)).toBe(normalizeDir(session.memoryDir));
    expect(normalizeDir(session.memoryDir).startsWith(namespaceRoot + sep)).toBe(true);
    expect(existsSync(session.memoryDir)).toBe(true);
    const localSettings = JSON.parse(readFileSync(join(worktree, '.claude', 'settings.local.json'), 'utf8')) as { autoMemoryDirectory?: string };
    expect(localSettings.autoMemoryDirectory).toBe(session.memoryDir);

    // CLAUDE.local.md is there and reached the model; git sees nothing new in the worktree.
    const localMd = readFileSync(join(worktree, 'CLAUDE.local.md'), 'utf8');
    expect(localMd).toContain(`# cwt session ${session.id}`);
    expect(api.allBodiesStrings()).toContain(`- Session: ${session.id}`);
    expect(api.allBodiesStrings()).toContain(`- Your memory directory: ${session.memoryDir}`);
    expect(git(worktree, ['status', '--porcelain'])).toBe('');

    const store = new SqliteStore(sb.cwtHome);
    expect(await store.getSessionOfClaude(init!.session_id!)).toBe(session.id);

    // A second `claude -w feat-y` (the first has exited) resumes the same session and worktree.
    const again = fx.startClaude(['-w', 'feat-y', ...claudePrintArgs('again')], { cwd: repo, env });
    const second = await again.result;
    expect(second.code, describeRun(second, api)).toBe(0);
    expect(normalizeDir(findInit(second.stdout)!.cwd!)).toBe(worktree);
    expect(await cwtJson<SessionView[]>(['status', '--all', '--json'], { cwd: repo, env })).toHaveLength(1);
    expect((await store.listEvents({ session: session.id })).map((e) => e.kind)).toContain('session.resume');
    await store.close();
  });

  it('removal through WorktreeRemove merges memory, ends the session, and keeps a dirty worktree', async () => {
    const note = '---\nname: w-note\ndescription: written in a claude -w session\nmetadata:\n  type: project\n---\n\nThe -w fact.\n';
    const writeMemory: ScriptedTurn = (request: RecordedRequest) => {
      const dir = /- Your memory directory: (\S+)/.exec(strings(request.body).join('\n'))?.[1] ?? '/nonexistent';
      return { type: 'tool_use', name: 'Write', id: 'toolu_w_note', input: { file_path: join(dir, 'w-note.md'), content: note } };
    };
    const { sb, api, repo, env, worktree } = await setUp([
      writeMemory,
      { type: 'tool_use', name: 'Write', id: 'toolu_w_wip', input: { file_path: join(fx.sandbox.root, 'repo.worktrees', 'feat-y', 'wip.txt'), content: 'unfinished\n' } },
      { type: 'tool_use', name: 'ExitWorktree', id: 'toolu_w_exit', input: { action: 'remove', discard_changes: true } },
      { type: 'text', text: 'Left the worktree.' },
    ]);

    const result = await fx.startClaude(['-w', 'feat-y', ...claudePrintArgs('work, then leave')], { cwd: repo, env }).result;
    expect(result.code, describeRun(result, api)).toBe(0);

    // Claude Code told the model where the worktree is (kept: the hook exited non-zero), and it was kept.
    const exit = findToolResult(api, 'toolu_w_exit');
    expect(exit?.text, describeRun(result, api)).toContain(worktree);
    expect(exit!.text).toMatch(/kept/i);
    expect(readFileSync(join(worktree, 'wip.txt'), 'utf8')).toBe('unfinished\n');
    expect(listWorktreePaths(repo)).toContain(worktree);
    expect(listBranches(repo)).toContain('feat-y');

    // The session ended, its memory merged into canonical first.
    const [session] = await cwtJson<SessionView[]>(['status', '--all', '--json'], { cwd: repo, env });
    expect(session).toMatchObject({ state: 'ended', memory: 'merged' });
    const canonical = join(sb.claudeHome, 'projects', projectKey(repo), 'memory', 'w-note.md');
    expect(readFileSync(canonical, 'utf8')).toContain('The -w fact.');
    const store = new SqliteStore(sb.cwtHome);
    const kept = (await store.listEvents({ session: session!.id })).find((e) => e.kind === 'worktree.kept');
    expect(kept?.data.reasons).toEqual(['uncommitted: ?? wip.txt']);
    await store.close();
  });

  it('removal through WorktreeRemove of a clean worktree removes it and the branch cwt created', async () => {
    const { api, repo, env, worktree } = await setUp([
      { type: 'tool_use', name: 'ExitWorktree', id: 'toolu_w_exit', input: { action: 'remove', discard_changes: true } },
      { type: 'text', text: 'Done.' },
    ]);
    const result = await fx.startClaude(['-w', 'feat-y', ...claudePrintArgs('leave')], { cwd: repo, env }).result;
    expect(result.code, describeRun(result, api)).toBe(0);
    const exit = findToolResult(api, 'toolu_w_exit');
    expect(exit?.text, describeRun(result, api)).toContain(worktree);
    expect(exit!.isError).toBe(false);
    expect(existsSync(worktree)).toBe(false);
    expect(listWorktreePaths(repo)).toEqual([repo]);
    expect(listBranches(repo)).toEqual(['main']);
    const [session] = await cwtJson<SessionView[]>(['status', '--all', '--json'], { cwd: repo, env });
    expect(session).toMatchObject({ state: 'ended', branch: 'feat-y' });
  });
});
