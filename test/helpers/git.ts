/** Real temporary git repositories for tests. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function git(cwd: string, args: string[], env?: NodeJS.ProcessEnv): string {
  return execFileSync('git', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** `git init -b main`, an identity, gc.auto 0, and one commit holding README.md. */
export function createRepo(dir: string, env?: NodeJS.ProcessEnv): string {
  mkdirSync(dir, { recursive: true });
  git(dir, ['init', '-q', '-b', 'main'], env);
  git(dir, ['config', 'user.email', 'test@example.com'], env);
  git(dir, ['config', 'user.name', 'cwt test'], env);
  git(dir, ['config', 'gc.auto', '0'], env);
  git(dir, ['config', 'commit.gpgsign', 'false'], env);
  writeFile(dir, 'README.md', '# test repo\n');
  git(dir, ['add', '-A'], env);
  git(dir, ['commit', '-q', '-m', 'initial commit'], env);
  return dir;
}

export function writeFile(root: string, path: string, content: string): string {
  const full = join(root, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, content);
  return full;
}

export function commitAll(dir: string, message: string, env?: NodeJS.ProcessEnv): string {
  git(dir, ['add', '-A'], env);
  git(dir, ['commit', '-q', '-m', message], env);
  return git(dir, ['rev-parse', 'HEAD'], env);
}

export function listBranches(dir: string): string[] {
  return git(dir, ['branch', '--format=%(refname:short)']).split('\n').filter(Boolean);
}

export function listWorktreePaths(dir: string): string[] {
  return git(dir, ['worktree', 'list', '--porcelain'])
    .split('\n')
    .filter((line) => line.startsWith('worktree '))
    .map((line) => line.slice('worktree '.length));
}
