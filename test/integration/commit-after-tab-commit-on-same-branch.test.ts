/**
 * A session and a Claude Code tab commit on one branch: the tab's commit lands, and the session's next commit
 * is blocked by the pre-commit hook, listing the tab's commit (sha, author, time, subject) and what to do.
 * Real repositories, the built cwt, real `git commit` running the installed shims.
 */
import { hostname } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/core/store/sqlite.js';
import type { SessionRecord } from '../../src/core/store/store.js';
import { MESSAGES } from '../../src/texts/messages.js';
import { readEvents, runGit } from '../helpers/commit.js';
import { git, writeFile } from '../helpers/git.js';
import { createTab } from '../helpers/hooks.js';
import { createScenario, type Scenario } from '../helpers/scenario.js';

describe('a session and a tab commit on one branch', () => {
  let s: Scenario;
  beforeEach(() => {
    s = createScenario();
  });
  afterEach(() => s.cleanup());

  /** `git add -A && git commit -m <message>` in `cwd` with `env`. */
  function commit(cwd: string, file: string, message: string, env: NodeJS.ProcessEnv) {
    writeFile(cwd, file, `${message}\n`);
    expect(runGit(cwd, ['add', '-A'], env).code).toBe(0);
    return runGit(cwd, ['commit', '-q', '-m', message], env);
  }

  it("blocks the session's next commit and lists the tab's commit; --accept lets it through", async () => {
    const created = await s.cwt(['new', 'feat', '--no-launch']);
    expect(created.code, created.stderr).toBe(0);
    const worktree = created.stdout.trim();
    const start = git(worktree, ['rev-parse', 'HEAD']);

    // A Claude Code tab working in the session's worktree, as the hooks register one: an adopted session
    // linked to its Claude session id. Its Bash tool has CLAUDE_CODE_SESSION_ID, not CWT_SESSION.
    const store = new SqliteStore(s.cwtHome);
    const [session] = await store.listSessions();
    if (!session) throw new Error('cwt new registered no session');
    expect(session.knownTip).toBe(start);
    const now = Date.now();
    const tab: SessionRecord = {
      ...session,
      id: 'tab00001',
      createdBranch: false,
      pid: process.pid,
      host: hostname(),
      startedAt: now,
      heartbeatAt: now,
      memoryDir: '',
      memoryBase: '',
      kind: 'adopted',
      knownTip: start,
    };
    await store.insertSession(tab);
    await store.linkClaudeSession('claude-tab-1', tab.id, now);
    await store.close();
    const tabEnv = { ...s.env, CLAUDECODE: '1', CLAUDE_CODE_SESSION_ID: 'claude-tab-1' };
    const sessionEnv = { ...s.env, CWT_SESSION: session.id };

    const tabCommit = commit(worktree, 'tab.txt', 'tab: add tab.txt', tabEnv);
    expect(tabCommit.code, tabCommit.stderr).toBe(0);
    expect(tabCommit.stderr).toBe('');
    const tabSha = git(worktree, ['rev-parse', 'HEAD']);
    const commits = await readEvents(s.cwtHome, 'commit');
    expect(commits.map((event) => [event.session, event.data.sha])).toEqual([[tab.id, tabSha]]);

    const blocked = commit(worktree, 'mine.txt', 'session: add mine.txt', sessionEnv);
    expect(blocked.code).toBe(1);
    expect(git(worktree, ['rev-parse', 'HEAD'])).toBe(tabSha); // nothing was committed
    expect(blocked.stderr).toContain(MESSAGES.checkForeignHeader('feat', 1, start));
    expect(blocked.stderr).toContain(`${tabSha.slice(0, 10)}  cwt test <test@example.com>`);
    expect(blocked.stderr).toContain('tab: add tab.txt');
    expect(blocked.stderr).toContain(`made by ${MESSAGES.hookWho(tab)}`);
    expect(blocked.stderr).toContain('cwt check --accept');
    expect((await readEvents(s.cwtHome, 'check.block')).map((event) => event.data.foreign)).toEqual([[tabSha]]);

    // The tab is not blocked by its own commit, and the session is not blocked once it accepted the tip.
    const accepted = await s.cwt(['check', '--accept'], { cwd: worktree, env: sessionEnv });
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(accepted.stdout).toContain(MESSAGES.checkAccepted('feat', tabSha));
    const retried = runGit(worktree, ['commit', '-q', '-m', 'session: add mine.txt'], sessionEnv);
    expect(retried.code, retried.stderr).toBe(0);
    expect(retried.stderr).toBe('');
    // Its own commits never block it; a commit from a terminal in its worktree (no clues) is taken as its own.
    expect(commit(worktree, 'more.txt', 'session: more', sessionEnv).code).toBe(0);
    expect(commit(worktree, 'hand.txt', 'by hand in the worktree', s.env).code).toBe(0);
    expect(commit(worktree, 'again.txt', 'session: again', sessionEnv).code).toBe(0);
    // The tab, though, has not seen any of the session's commits.
    const tabBlocked = commit(worktree, 'tab2.txt', 'tab: second', tabEnv);
    expect(tabBlocked.code).toBe(1);
    expect(tabBlocked.stderr).toContain(MESSAGES.checkForeignHeader('feat', 4, tabSha));
    expect(tabBlocked.stderr).toContain('by hand in the worktree');
  });

  it('two plain tabs adopted in the main checkout: the second is blocked by the first, and both by a commit made by hand', async () => {
    const installed = await s.cwt(['install', '--git-hooks']);
    expect(installed.code, installed.stderr).toBe(0);
    // Real adoption: each tab's SessionStart hook registers it.
    await createTab('claude-a', s.repo, s.env).start();
    await createTab('claude-b', s.repo, s.env).start();
    expect((await s.sessions()).map((tab) => tab.kind)).toEqual(['adopted', 'adopted']);
    const envA = { ...s.env, CLAUDE_CODE_SESSION_ID: 'claude-a' };
    const envB = { ...s.env, CLAUDE_CODE_SESSION_ID: 'claude-b' };
    const start = git(s.repo, ['rev-parse', 'HEAD']);

    expect(commit(s.repo, 'a.txt', 'tab a: a.txt', envA).code).toBe(0);
    const shaA = git(s.repo, ['rev-parse', 'HEAD']);
    const blocked = commit(s.repo, 'b.txt', 'tab b: b.txt', envB);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain(MESSAGES.checkForeignHeader('main', 1, start));
    expect(blocked.stderr).toContain(shaA.slice(0, 10));
    expect(blocked.stderr).toContain(`made by a Claude Code tab in ${s.repo} (cwt session `);

    // Someone commits by hand in the main checkout: no session is found there (tabs are not found by place).
    expect(commit(s.repo, 'hand.txt', 'by hand', s.env).code).toBe(0);
    const handBlocked = commit(s.repo, 'a2.txt', 'tab a: a2.txt', envA);
    expect(handBlocked.code).toBe(1);
    expect(handBlocked.stderr).toContain('by hand');
    expect(handBlocked.stderr).toContain(`made by ${MESSAGES.checkForeignNobody}`);
  });
});
