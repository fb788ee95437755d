/**
 * A conversation that ends up in the wrong checkout is caught at commit time: a `git commit` carrying a
 * session's identity (CWT_SESSION, or a Claude Code session id the hooks linked to it — both reach the agent's
 * Bash tool, seen on both ends of the range) made in the main checkout onto a branch that is not the
 * session's is blocked (exit 1) and names the session's worktree. The usual commits stay unblocked: the
 * session in its own worktree, and a person in the main checkout without a session's identity.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SessionRecord } from '../../src/core/store/store.js';
import { MESSAGES } from '../../src/texts/messages.js';
import { createTestSession, readEvents, runGit } from '../helpers/commit.js';
import { git, writeFile } from '../helpers/git.js';
import { createScenario, type Scenario } from '../helpers/scenario.js';

describe('a session commits from the wrong checkout', () => {
  let s: Scenario;
  let session: SessionRecord;
  beforeEach(async () => {
    s = createScenario();
    ({ session } = await createTestSession(s, 'feat/x', { linkClaudeId: 'claude-conv-1' }));
  });
  afterEach(() => s.cleanup());

  const mainHead = () => git(s.repo, ['rev-parse', 'HEAD']);

  it.each([
    ['CWT_SESSION', (id: string) => ({ CWT_SESSION: id })],
    ['a linked Claude session id', () => ({ CLAUDE_CODE_SESSION_ID: 'claude-conv-1' })],
  ])('blocks a commit in the main checkout made with %s, naming the session worktree', async (_label, identity) => {
    writeFile(s.repo, 'stray.txt', 'from a resumed conversation\n');
    git(s.repo, ['add', 'stray.txt']);
    const head = mainHead();
    const commit = runGit(s.repo, ['commit', '-q', '-m', 'stray'], { ...s.env, ...identity(session.id) });
    expect(commit.code, commit.stderr).toBe(1);
    expect(commit.stderr).toContain(MESSAGES.wrongCheckoutCommit(session, s.repo, 'main'));
    expect(commit.stderr).toContain(session.worktree);
    expect(mainHead()).toBe(head);
    const blocks = await readEvents(s.cwtHome, 'check.block');
    expect(blocks.map((event) => event.data)).toEqual([expect.objectContaining({ reason: 'wrong-checkout', worktree: s.repo, branch: 'main', sessionWorktree: session.worktree })]);
  });

  it('lets the usual commits through: the session in its worktree, a person in main', async () => {
    writeFile(session.worktree, 'mine.txt', 'session work\n');
    git(session.worktree, ['add', 'mine.txt']);
    const own = runGit(session.worktree, ['commit', '-q', '-m', 'session work'], { ...s.env, CWT_SESSION: session.id, CLAUDE_CODE_SESSION_ID: 'claude-conv-1' });
    expect(own.code, own.stderr).toBe(0);

    writeFile(s.repo, 'human.txt', 'by hand\n');
    git(s.repo, ['add', 'human.txt']);
    const human = runGit(s.repo, ['commit', '-q', '-m', 'by hand'], s.env);
    expect(human.code, human.stderr).toBe(0);
    // An unknown Claude session id (a tab cwt knows nothing of) is no session's identity either.
    writeFile(s.repo, 'tab.txt', 'tab\n');
    git(s.repo, ['add', 'tab.txt']);
    const tab = runGit(s.repo, ['commit', '-q', '-m', 'tab'], { ...s.env, CLAUDE_CODE_SESSION_ID: 'claude-unknown' });
    expect(tab.code, tab.stderr).toBe(0);
    expect(await readEvents(s.cwtHome, 'check.block')).toEqual([]);
  });

  it('lets the session identity through once the session ended', async () => {
    const end = await s.cwt(['end', session.id, '--no-merge']);
    expect(end.code, end.stderr).toBe(0);
    writeFile(s.repo, 'after.txt', 'after the end\n');
    git(s.repo, ['add', 'after.txt']);
    const commit = runGit(s.repo, ['commit', '-q', '-m', 'after'], { ...s.env, CWT_SESSION: session.id });
    expect(commit.code, commit.stderr).toBe(0);
    expect(join(s.repo, 'after.txt')).toBeTruthy();
  });
});
