/**
 * `cwt status` in a plain checkout starts no git: the repository and its origin are read from the files
 * (core/git/discover.ts). A `git` on PATH that logs each start shows it: none for the main checkout and a
 * linked worktree; where the layout is unusual (here GIT_CEILING_DIRECTORIES) git is asked, and the table
 * is the same either way.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { git } from '../helpers/git.js';
import { createScenario, type Scenario } from '../helpers/scenario.js';

describe('cwt status starts no git in a plain checkout', () => {
  let s: Scenario;
  let log: string;
  let env: NodeJS.ProcessEnv;

  beforeEach(async () => {
    s = createScenario();
    git(s.repo, ['remote', 'add', 'origin', 'https://example.com/team/app.git'], s.env);
    expect((await s.cwt(['new', 'feat', '--no-launch'])).code).toBe(0);
    // A git that records its arguments, then runs the real one.
    const bin = join(s.root, 'logging-bin');
    log = join(s.root, 'git-starts.log');
    const realGit = execFileSync('sh', ['-c', 'command -v git'], { env: s.env, encoding: 'utf8' }).trim();
    mkdirSync(bin);
    writeFileSync(join(bin, 'git'), `#!/bin/sh\necho "$*" >> '${log}'\nexec '${realGit}' "$@"\n`);
    chmodSync(join(bin, 'git'), 0o755);
    env = { ...s.env, PATH: `${bin}${delimiter}${s.env.PATH ?? ''}` };
  });
  afterEach(() => s.cleanup());

  const starts = () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []);

  it('main checkout and linked worktree: the same table, no git started; an unusual setting: git asked, same table', async () => {
    const sessions = (await s.sessions()) as Array<{ worktree: string }>;
    const worktree = sessions[0]!.worktree;
    const fromFiles = await s.cwt(['status'], { env });
    expect(fromFiles.code).toBe(0);
    expect(fromFiles.stdout).toContain('feat');
    const inWorktree = await s.cwt(['status', '--json'], { cwd: worktree, env });
    expect(inWorktree.code).toBe(0);
    expect((JSON.parse(inWorktree.stdout) as unknown[]).length).toBe(1);
    expect(starts()).toEqual([]);

    // GIT_CEILING_DIRECTORIES above the repository changes nothing for git, but the reader leaves it to git.
    const viaGit = await s.cwt(['status'], { env: { ...env, GIT_CEILING_DIRECTORIES: '/nonexistent-ceiling' } });
    expect(viaGit.code).toBe(0);
    expect(starts().some((line) => line.startsWith('rev-parse'))).toBe(true);
    // Ages move between the two runs, and a column is as wide as its widest cell: both go before comparing.
    const withoutAges = (table: string) => table.replace(/\d+[smhd]( ago)?|now/g, '~').replace(/ +/g, ' ');
    expect(withoutAges(viaGit.stdout)).toBe(withoutAges(fromFiles.stdout));
  });
});
