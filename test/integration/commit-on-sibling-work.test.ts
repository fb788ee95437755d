/**
 * Two sessions on two branches change the same file: the second one's commit goes ahead with a warning that
 * names the file and the conflicting hunk git merge-tree predicts; strict mode (flag, env or config) blocks it.
 * Uncommitted work in the sibling counts too, and `git commit -a` / `git commit <path>` are checked on the
 * index git is actually committing.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/core/store/sqlite.js';
import { MESSAGES } from '../../src/texts/messages.js';
import { runGit } from '../helpers/commit.js';
import { commitAll, git, writeFile } from '../helpers/git.js';
import { createScenario, type Scenario } from '../helpers/scenario.js';

const lines = (changes: Record<number, string> = {}) => `${Array.from({ length: 10 }, (_, i) => changes[i + 1] ?? `line ${i + 1}`).join('\n')}\n`;

describe('two sessions change the same file on two branches', () => {
  let s: Scenario;
  let a: { worktree: string; env: NodeJS.ProcessEnv };
  let b: { worktree: string; env: NodeJS.ProcessEnv };

  beforeEach(async () => {
    s = createScenario();
    writeFile(s.repo, 'f.txt', lines());
    writeFile(s.repo, 'g.txt', lines());
    commitAll(s.repo, 'add f and g');
    const worktrees: string[] = [];
    for (const branch of ['a', 'b']) {
      const created = await s.cwt(['new', branch, '--no-launch']);
      expect(created.code, created.stderr).toBe(0);
      worktrees.push(created.stdout.trim());
    }
    const store = new SqliteStore(s.cwtHome);
    const sessions = await store.listSessions();
    await store.close();
    const envOf = (worktree: string) => ({ ...s.env, CWT_SESSION: sessions.find((session) => session.worktree === worktree)!.id });
    a = { worktree: worktrees[0]!, env: envOf(worktrees[0]!) };
    b = { worktree: worktrees[1]!, env: envOf(worktrees[1]!) };
  });
  afterEach(() => s.cleanup());

  function stageAndCommit(who: { worktree: string; env: NodeJS.ProcessEnv }, content: string, message: string, env = who.env) {
    writeFile(who.worktree, 'f.txt', content);
    expect(runGit(who.worktree, ['add', 'f.txt'], env).code).toBe(0);
    return runGit(who.worktree, ['commit', '-q', '-m', message], env);
  }

  it('warns with the file and the conflicting hunk, and the commit proceeds', () => {
    const first = stageAndCommit(a, lines({ 5: 'five, as a has it' }), 'a: line 5');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toBe(''); // b had not touched f.txt yet

    const before = git(b.worktree, ['rev-parse', 'HEAD']);
    const second = stageAndCommit(b, lines({ 5: 'five, as b has it' }), 'b: line 5');
    expect(second.code, second.stderr).toBe(0);
    expect(git(b.worktree, ['rev-parse', 'HEAD'])).not.toBe(before);
    expect(second.stderr).toContain(MESSAGES.checkOverlapHeader(false));
    expect(second.stderr).toContain(MESSAGES.checkOverlapPath('f.txt', 'committed'));
    expect(second.stderr).toContain(MESSAGES.checkConflict('f.txt'));
    const hunk = ['<<<<<<< staged here', 'five, as b has it', '=======', 'five, as a has it', '>>>>>>> a'].map(MESSAGES.checkHunkLine).join('\n');
    expect(second.stderr).toContain(hunk);
    expect(second.stderr).toContain(MESSAGES.checkOverlapHint(false));
  });

  it('blocks in strict mode: CWT_STRICT_CHECK, the strictCheck config key, and cwt check --strict', async () => {
    expect(stageAndCommit(a, lines({ 5: 'a' }), 'a: line 5').code).toBe(0);
    const before = git(b.worktree, ['rev-parse', 'HEAD']);

    const byEnv = stageAndCommit(b, lines({ 5: 'b' }), 'b: line 5', { ...b.env, CWT_STRICT_CHECK: '1' });
    expect(byEnv.code).toBe(1);
    expect(byEnv.stderr).toContain(MESSAGES.checkOverlapHeader(true));
    expect(byEnv.stderr).toContain(MESSAGES.checkConflict('f.txt'));
    expect(git(b.worktree, ['rev-parse', 'HEAD'])).toBe(before);

    const byFlag = await s.cwt(['check', '--staged', '--strict', '--json'], { cwd: b.worktree, env: b.env });
    expect(byFlag.code).toBe(1);
    const report = JSON.parse(byFlag.stdout) as { blocked: boolean; overlaps: Array<{ branch: string; paths: unknown[]; conflicts: Array<{ path: string }> }> };
    expect(report.blocked).toBe(true);
    expect(report.overlaps[0]).toMatchObject({ branch: 'a', paths: [{ path: 'f.txt', how: 'committed' }], conflicts: [{ path: 'f.txt' }] });

    // Without strictness the same check passes; the repository's config file makes it strict.
    expect((await s.cwt(['check', '--staged'], { cwd: b.worktree, env: b.env })).code).toBe(0);
    writeFileSync(join(s.repo, '.cwt.json'), JSON.stringify({ strictCheck: true }));
    const byConfig = runGit(b.worktree, ['commit', '-q', '-m', 'b: line 5'], b.env);
    expect(byConfig.code).toBe(1);
    expect(git(b.worktree, ['rev-parse', 'HEAD'])).toBe(before);

    // The bypass works and is logged.
    const skipped = runGit(b.worktree, ['commit', '-q', '-m', 'b: line 5'], { ...b.env, CWT_SKIP_CHECK: '1' });
    expect(skipped.code, skipped.stderr).toBe(0);
    expect(skipped.stderr).toContain(MESSAGES.checkSkipped);
  });

  it("counts the sibling's uncommitted changes, and checks what git commit -a and git commit <path> commit", () => {
    // a edits g.txt and does not commit; b changes other lines of it and commits with -a (no git add).
    writeFile(a.worktree, 'g.txt', lines({ 2: 'two, a' }));
    writeFile(b.worktree, 'g.txt', lines({ 9: 'nine, b' }));
    const all = runGit(b.worktree, ['commit', '-q', '-a', '-m', 'b: g.txt'], b.env);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stderr).toContain(MESSAGES.checkOverlapPath('g.txt', 'uncommitted'));
    expect(all.stderr).toContain(MESSAGES.checkNoConflict); // different lines merge cleanly

    // A partial commit: only f.txt is committed, although g.txt is staged too; only f.txt is checked.
    writeFile(a.worktree, 'f.txt', lines({ 1: 'one, a' }));
    writeFile(b.worktree, 'f.txt', lines({ 1: 'one, b' }));
    writeFile(b.worktree, 'g.txt', lines({ 2: 'two, b' }));
    expect(runGit(b.worktree, ['add', 'g.txt'], b.env).code).toBe(0);
    const partial = runGit(b.worktree, ['commit', '-q', '-m', 'b: f.txt only', 'f.txt'], b.env);
    expect(partial.code, partial.stderr).toBe(0);
    expect(partial.stderr).toContain(MESSAGES.checkOverlapPath('f.txt', 'uncommitted'));
    expect(partial.stderr).toContain(MESSAGES.checkConflict('f.txt'));
    expect(partial.stderr).not.toContain('g.txt');
  });
});
