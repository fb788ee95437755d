/**
 * Six `cwt new` at once on one repository all succeed. Without the repository lock, plain parallel
 * `git worktree add` fails now and then ("failed to read .git/worktrees/<name>/commondir"); the second test
 * shows that happening on this machine, so the first one proves something.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
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

  it('the naive way (parallel git worktree add, no lock) fails on this machine', async () => {
    const naive = (round: number, i: number) =>
      new Promise<number>((resolve) => {
        execFile('git', ['worktree', 'add', '-q', '-b', `naive-${round}-${i}`, join(s.root, `naive-${round}-${i}`)], { cwd: s.repo }, (error) =>
          resolve(error ? ((error as { code?: number }).code ?? 1) : 0),
        );
      });
    let failures = 0;
    // Bounded: about 3% of naive adds fail here, so 60 rounds of 6 make a miss vanishingly unlikely.
    for (let round = 0; round < 60 && failures === 0; round++) {
      const codes = await Promise.all(Array.from({ length: PARALLEL }, (_, i) => naive(round, i)));
      failures += codes.filter((code) => code !== 0).length;
    }
    expect(failures).toBeGreaterThan(0);
  });
});
