/**
 * Six `cwt new` at once on one repository all succeed, including branches whose names slug alike. Without
 * the repository lock, the pick-a-free-path-then-create sequence collides (the last test forces that
 * interleaving), and plain parallel `git worktree add` also fails now and then on its own
 * ("failed to read .git/worktrees/<name>/commondir", seen here in about 3% of unlocked adds).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createScenario, type Scenario } from '../helpers/scenario.js';
import { git, listWorktreePaths } from '../helpers/git.js';

let s: Scenario;
beforeEach(() => {
  s = createScenario();
});
afterEach(() => s.cleanup());

const PARALLEL = 6;

describe('parallel cwt new', () => {
  it(`${PARALLEL} sessions started at once all succeed, each with its own worktree and namespace`, async () => {
    const results = await Promise.all(
      Array.from({ length: PARALLEL }, (_, i) => s.cwt(['new', `feat/p${i}`, '--no-launch'])),
    );
    for (const result of results) {
      expect(result.stderr).not.toContain('cwt:');
      expect(result.code).toBe(0);
    }
    const sessions = await s.sessions();
    expect(sessions).toHaveLength(PARALLEL);
    expect(new Set(sessions.map((x) => x.worktree)).size).toBe(PARALLEL);
    expect(new Set(sessions.map((x) => x.memoryDir)).size).toBe(PARALLEL);
    expect(listWorktreePaths(s.repo)).toHaveLength(PARALLEL + 1);
    // One exclude line, written once under the lock, not six racing appends.
    const exclude = readFileSync(join(s.repo, '.git', 'info', 'exclude'), 'utf8');
    expect(exclude.split('\n').filter((line) => line === '/CLAUDE.local.md')).toHaveLength(1);
    for (const session of sessions) {
      expect(git(session.worktree as string, ['status', '--porcelain'])).toBe('');
    }
  });

  it('branches whose names slug alike, started at once, never share a worktree or a memory namespace', async () => {
    const branches = ['feat/x', 'feat-x', 'feat--x'];
    const results = await Promise.all([
      ...branches.map((branch) => s.cwt(['new', branch, '--no-launch'])),
      // Explicit paths, same namespace slug: the namespace must still be claimed exclusively.
      s.cwt(['new', 'feat+x', '--path', join(s.root, 'explicit-1'), '--no-launch']),
      s.cwt(['new', 'feat=x', '--path', join(s.root, 'explicit-2'), '--no-launch']),
    ]);
    for (const result of results) expect(result.code).toBe(0);
    const sessions = await s.sessions();
    expect(sessions).toHaveLength(5);
    expect(new Set(sessions.map((x) => x.worktree)).size).toBe(5);
    expect(new Set(sessions.map((x) => x.memoryDir)).size).toBe(5);
  });

  it('the naive way (pick a free path, then create it, with no lock) fails when the steps interleave', async () => {
    // Each naive process does what `cwt new` does without its lock: choose the first free slug path, then
    // run `git worktree add`. A barrier between the two steps forces the interleaving that parallel starts
    // hit by chance; cwt's pick happens under the repository lock, so no barrier can split it.
    const script = `
      const { existsSync } = require('node:fs');
      const { execFileSync } = require('node:child_process');
      const [parent, branch] = process.argv.slice(1);
      let path = parent + '/feat-x';
      for (let n = 2; existsSync(path); n++) path = parent + '/feat-x-' + n;
      process.stdout.write('ready\\n');
      process.stdin.once('data', () => {
        try { execFileSync('git', ['worktree', 'add', '-q', '-b', branch, path], { stdio: 'ignore' }); process.exit(0); }
        catch { process.exit(1); }
      });`;
    const parent = join(s.root, 'naive.worktrees');
    const children = ['feat/x', 'feat-x', 'feat--x'].map((branch) =>
      spawn(process.execPath, ['-e', script, parent, branch], { cwd: s.repo, stdio: ['pipe', 'pipe', 'ignore'] }),
    );
    await Promise.all(children.map((child) => once(child.stdout!, 'data')));
    const exits = children.map((child) => once(child, 'close').then(([code]) => code as number));
    for (const child of children) child.stdin!.write('go\n');
    const codes = await Promise.all(exits);
    // git does not serialise this either (git 2.39, seen here): one wins and the others fail, or two "succeed"
    // into the same directory (one registered without a commit), or all three fail. Whichever: three processes
    // share one directory at most, never a worktree each.
    const registered = listWorktreePaths(s.repo).filter((path) => path.startsWith(`${parent}/`));
    expect(new Set(registered).size, JSON.stringify({ codes, registered })).toBeLessThanOrEqual(1);
    expect(codes.filter((code) => code === 0)).toHaveLength(registered.length);
  });
});
