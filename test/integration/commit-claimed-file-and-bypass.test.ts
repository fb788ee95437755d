/**
 * In one checkout, a session cannot commit a file another live session there is editing (its claim, taken
 * by the Claude Code hooks); the editor's own commit releases the claim. Bypassing the check — CWT_SKIP_CHECK=1
 * or `git commit --no-verify` — is logged as an event; a rebase, which never runs pre-commit, is not a bypass.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/core/store/sqlite.js';
import type { SessionRecord } from '../../src/core/store/store.js';
import { MESSAGES } from '../../src/texts/messages.js';
import { createTestSession, readEvents, runGit } from '../helpers/commit.js';
import { git, writeFile } from '../helpers/git.js';
import { runHook } from '../helpers/hooks.js';
import { createScenario, type Scenario } from '../helpers/scenario.js';

describe('claims and bypasses at commit time', () => {
  let s: Scenario;
  let worktree: string;
  let session: SessionRecord;
  beforeEach(async () => {
    s = createScenario();
    ({ worktree, session } = await createTestSession(s, 'feat'));
  });
  afterEach(() => s.cleanup());

  it("blocks committing a file another session in the checkout is editing; that session's commit releases it", async () => {
    const store = new SqliteStore(s.cwtHome);
    const now = Date.now();
    const tab: SessionRecord = { ...session, id: 'tab00002', pid: process.pid, host: hostname(), startedAt: now, heartbeatAt: now, memoryDir: '', memoryBase: '', kind: 'adopted' };
    await store.insertSession(tab);
    await store.linkClaudeSession('claude-tab-2', tab.id, now);
    await store.close();
    const file = join(worktree, 'shared.txt');
    // The tab edits shared.txt through Claude Code's Write tool: the hook claims it for the tab.
    await runHook('pre-tool-use', { session_id: 'claude-tab-2', cwd: worktree, hook_event_name: 'PreToolUse', tool_name: 'Write', tool_input: { file_path: file, content: 'x' } }, s.env);
    writeFile(worktree, 'shared.txt', 'half done\n');

    const sessionEnv = { ...s.env, CWT_SESSION: session.id };
    expect(runGit(worktree, ['add', '-A'], sessionEnv).code).toBe(0);
    const blocked = runGit(worktree, ['commit', '-q', '-m', 'sweep everything'], sessionEnv);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain(MESSAGES.checkClaimedHeader);
    expect(blocked.stderr).toContain(`shared.txt: ${MESSAGES.hookWho(tab)}`);
    expect(blocked.stderr).toContain(MESSAGES.checkClaimedHint);

    const tabCommit = runGit(worktree, ['commit', '-q', '-m', 'tab: shared.txt'], { ...s.env, CLAUDE_CODE_SESSION_ID: 'claude-tab-2' });
    expect(tabCommit.code, tabCommit.stderr).toBe(0);
    const who = await s.cwt(['who', file, '--json'], { cwd: worktree });
    expect((JSON.parse(who.stdout) as { claims: unknown[] }).claims).toEqual([]);
    const released = (await readEvents(s.cwtHome, 'claim.release')).at(-1);
    expect(released?.data).toEqual({ paths: [file], reason: 'commit' });
  });

  it('logs CWT_SKIP_CHECK and --no-verify as bypasses, and a rebase as neither', async () => {
    const env: NodeJS.ProcessEnv = { ...s.env, CWT_SESSION: session.id };
    const commit = (name: string, extra: string[] = [], commitEnv = env) => {
      writeFile(worktree, name, `${name}\n`);
      expect(runGit(worktree, ['add', name], commitEnv).code).toBe(0);
      return runGit(worktree, ['commit', '-q', '-m', name, ...extra], commitEnv);
    };
    expect(commit('checked.txt').code).toBe(0);
    expect(commit('skipped.txt', [], { ...env, CWT_SKIP_CHECK: '1' }).stderr).toContain(MESSAGES.checkSkipped);
    expect(commit('unverified.txt', ['--no-verify']).code).toBe(0);
    const unverified = git(worktree, ['rev-parse', 'HEAD']);

    // A rebase onto a moved main replays the session's commits without pre-commit: not a bypass.
    writeFile(s.repo, 'main.txt', 'main\n');
    expect(runGit(s.repo, ['add', 'main.txt'], s.env).code).toBe(0);
    expect(runGit(s.repo, ['commit', '-q', '-m', 'main moves'], s.env).code).toBe(0);
    const rebase = runGit(worktree, ['rebase', '-q', 'main'], env);
    expect(rebase.code, rebase.stderr).toBe(0);

    const bypasses = await readEvents(s.cwtHome, 'check.bypass');
    expect(bypasses.map((event) => [event.session, event.data.reason])).toEqual([
      [session.id, 'CWT_SKIP_CHECK'],
      [session.id, 'no-verify'],
    ]);
    expect(bypasses[1]!.data.sha).toBe(unverified);
    const commits = await readEvents(s.cwtHome, 'commit');
    expect(commits.map((event) => [event.data.subject, event.data.checked])).toEqual([
      ['checked.txt', true],
      ['skipped.txt', false],
      ['unverified.txt', false],
      ['main moves', true], // in the main checkout, by no session, checked
      ['checked.txt', false],
      ['skipped.txt', false],
      ['unverified.txt', false],
    ]);
    // The rebased branch is the session's own: its next commit is not blocked.
    expect(commit('after-rebase.txt').code).toBe(0);
  });
});
