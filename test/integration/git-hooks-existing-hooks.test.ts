/**
 * cwt's git hooks go where git looks (core.hooksPath, relative or absolute) and never displace the hooks a
 * repository already has: a husky-style hook and a plain script still run first and their failure still
 * fails the commit; installing twice changes nothing; uninstalling restores exactly what was there; a hook
 * file tracked by git is left alone.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CHAINED_SUFFIX, GIT_HOOK_NAMES } from '../../src/core/git/githooks.js';
import { MESSAGES } from '../../src/texts/messages.js';
import { readEvents, runGit } from '../helpers/commit.js';
import { commitAll, git, writeFile } from '../helpers/git.js';
import { createScenario, type Scenario } from '../helpers/scenario.js';

/** husky 9's generated files: `_/<hook>` sources `_/h`, which runs `.husky/<basename of $0>`. */
const HUSKY_H = `#!/usr/bin/env sh
[ "$HUSKY" = "2" ] && set -x
n=$(basename "$0")
s=$(dirname "$(dirname "$0")")/$n

[ ! -f "$s" ] && exit 0

[ "\${HUSKY-}" = "0" ] && exit 0

export PATH="node_modules/.bin:$PATH"
sh -e "$s" "$@"
c=$?

[ $c != 0 ] && echo "husky - $n script failed (code $c)"
exit $c
`;
const HUSKY_HOOK = `#!/usr/bin/env sh
. "$(dirname "$0")/h"
`;

function setUpHusky(repo: string): void {
  mkdirSync(join(repo, '.husky', '_'), { recursive: true });
  writeFileSync(join(repo, '.husky', '_', '.gitignore'), '*\n');
  writeFileSync(join(repo, '.husky', '_', 'h'), HUSKY_H, { mode: 0o755 });
  writeFileSync(join(repo, '.husky', '_', 'pre-commit'), HUSKY_HOOK, { mode: 0o755 });
  // The user's hook, tracked: logs that it ran and fails when asked to.
  writeFileSync(join(repo, '.husky', 'pre-commit'), 'echo "husky pre-commit ran" >> "$HOOK_LOG"\n[ -z "$HOOK_FAIL" ]\n');
  commitAll(repo, 'husky');
  git(repo, ['config', 'core.hooksPath', '.husky/_']);
}

describe('cwt git hooks and the hooks a repository already has', () => {
  let s: Scenario;
  let log: string;
  beforeEach(() => {
    s = createScenario();
    log = join(s.root, 'hook.log');
  });
  afterEach(() => s.cleanup());

  const ran = () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []);

  it('a husky hook (core.hooksPath=.husky/_) still runs first, and its failure fails the commit', async () => {
    setUpHusky(s.repo);
    const original = readFileSync(join(s.repo, '.husky', '_', 'pre-commit'), 'utf8');
    const installed = await s.cwt(['install', '--git-hooks']);
    expect(installed.code, installed.stderr).toBe(0);
    const shim = join(s.repo, '.husky', '_', 'pre-commit');
    expect(installed.stdout).toContain(MESSAGES.gitHookChange('pre-commit', shim, 'chained'));
    expect(readFileSync(`${shim}${CHAINED_SUFFIX}`, 'utf8')).toBe(original);
    const env = { ...s.env, HOOK_LOG: log };

    // Why the shim sources a sh hook rather than running it: run as `pre-commit.cwt-chained`, husky looks
    // for .husky/pre-commit.cwt-chained, finds nothing, and silently succeeds without running the user's hook.
    const naive = runGit(s.repo, ['-c', 'alias.x=!sh .husky/_/pre-commit.cwt-chained', 'x'], env);
    expect(naive.code).toBe(0);
    expect(ran()).toEqual([]);

    writeFile(s.repo, 'a.txt', 'a\n');
    expect(runGit(s.repo, ['add', 'a.txt'], env).code).toBe(0);
    const failing = runGit(s.repo, ['commit', '-q', '-m', 'a'], { ...env, HOOK_FAIL: '1' });
    expect(failing.code).not.toBe(0);
    expect(failing.stdout + failing.stderr).toContain('husky - pre-commit script failed');
    expect(ran()).toEqual(['husky pre-commit ran']);
    expect(git(s.repo, ['log', '--format=%s', '-1'])).toBe('husky');

    const passing = runGit(s.repo, ['commit', '-q', '-m', 'a'], env);
    expect(passing.code, passing.stderr).toBe(0);
    expect(ran()).toEqual(['husky pre-commit ran', 'husky pre-commit ran']);
    expect(git(s.repo, ['log', '--format=%s', '-1'])).toBe('a');
  });

  it('honours a relative core.hooksPath in each worktree: cwt new installs into the new checkout', async () => {
    setUpHusky(s.repo);
    const created = await s.cwt(['new', 'feat', '--no-launch']);
    expect(created.code, created.stderr).toBe(0);
    const worktree = created.stdout.trim();
    // .husky/_ is ignored, so the new checkout had none; git looks for hooks there all the same.
    for (const hook of GIT_HOOK_NAMES) expect(existsSync(join(worktree, '.husky', '_', hook))).toBe(true);
    writeFile(worktree, 'b.txt', 'b\n');
    expect(runGit(worktree, ['add', 'b.txt'], s.env).code).toBe(0);
    expect(runGit(worktree, ['commit', '-q', '-m', 'b'], s.env).code).toBe(0);
    expect((await readEvents(s.cwtHome, 'commit')).map((event) => event.data.subject)).toEqual(['b']);
  });

  it('chains a plain script in an absolute core.hooksPath; installing twice changes nothing; uninstall restores it exactly', async () => {
    const hooksDir = join(s.root, 'shared-hooks');
    mkdirSync(hooksDir);
    const script = '#!/bin/bash\necho "plain pre-commit ran" >> "$HOOK_LOG"\n[[ ! -e "$HOOK_BLOCK" ]]\n';
    writeFileSync(join(hooksDir, 'pre-commit'), script);
    chmodSync(join(hooksDir, 'pre-commit'), 0o750);
    writeFileSync(join(hooksDir, 'pre-push'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    git(s.repo, ['config', 'core.hooksPath', hooksDir]);

    const first = await s.cwt(['install', '--git-hooks', '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect((JSON.parse(first.stdout) as { changes: Array<{ action: string }> }).changes.map((change) => change.action)).toEqual(['chained', 'installed', 'installed', 'installed']);
    const snapshot = GIT_HOOK_NAMES.map((hook) => readFileSync(join(hooksDir, hook), 'utf8'));
    const second = await s.cwt(['install', '--git-hooks', '--json']);
    expect((JSON.parse(second.stdout) as { changes: Array<{ action: string }> }).changes.every((change) => change.action === 'unchanged')).toBe(true);
    expect(GIT_HOOK_NAMES.map((hook) => readFileSync(join(hooksDir, hook), 'utf8'))).toEqual(snapshot);

    const env = { ...s.env, HOOK_LOG: log, HOOK_BLOCK: join(s.root, 'block') };
    writeFileSync(env.HOOK_BLOCK, '');
    writeFile(s.repo, 'c.txt', 'c\n');
    expect(runGit(s.repo, ['add', 'c.txt'], env).code).toBe(0);
    expect(runGit(s.repo, ['commit', '-q', '-m', 'c'], env).code).toBe(1);
    expect(ran()).toEqual(['plain pre-commit ran']);
    expect(runGit(s.repo, ['commit', '-q', '-m', 'c'], { ...env, HOOK_BLOCK: join(s.root, 'absent') }).code).toBe(0);
    expect(ran()).toHaveLength(2);

    const removed = await s.cwt(['install', '--git-hooks', '--uninstall']);
    expect(removed.code, removed.stderr).toBe(0);
    expect(readFileSync(join(hooksDir, 'pre-commit'), 'utf8')).toBe(script);
    expect(statSync(join(hooksDir, 'pre-commit')).mode & 0o777).toBe(0o750);
    expect(existsSync(join(hooksDir, `pre-commit${CHAINED_SUFFIX}`))).toBe(false);
    for (const hook of ['post-commit', 'post-merge', 'post-rewrite']) expect(existsSync(join(hooksDir, hook))).toBe(false);
    expect(readFileSync(join(hooksDir, 'pre-push'), 'utf8')).toBe('#!/bin/sh\nexit 0\n');
  });

  it('leaves a hook file tracked by git alone and says what line to add to it', async () => {
    writeFile(s.repo, '.githooks/pre-commit', '#!/bin/sh\nexit 0\n');
    chmodSync(join(s.repo, '.githooks', 'pre-commit'), 0o755);
    commitAll(s.repo, 'hooks');
    git(s.repo, ['config', 'core.hooksPath', '.githooks']);
    const result = await s.cwt(['install', '--git-hooks']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(MESSAGES.gitHookChange('pre-commit', join(s.repo, '.githooks', 'pre-commit'), 'tracked'));
    expect(result.stderr).toContain(MESSAGES.gitHooksTracked);
    expect(result.stderr).toContain('git-hook pre-commit "$@" || exit $?');
    expect(readFileSync(join(s.repo, '.githooks', 'pre-commit'), 'utf8')).toBe('#!/bin/sh\nexit 0\n');
    expect(existsSync(join(s.repo, '.githooks', 'post-commit'))).toBe(true); // the untracked ones are installed
    expect(git(s.repo, ['status', '--porcelain', '--untracked-files=no'])).toBe('');
  });
});
