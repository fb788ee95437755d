/**
 * A repository (or a branch of it) can hold symbolic links, and so can a memory directory. cwt never writes
 * through a link into somewhere other than the place the file belongs: not the .worktreeinclude copy of an
 * ignored `.env`, not the settings.local.json of a `claude -w` worktree, not `cwt install`'s settings file,
 * not a chained git hook, not a merged memory file. Each is refused with exit 4, naming the link and where
 * it leads, and nothing is written. Real repositories and branches with tracked links, the built CLI.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCwt } from '../helpers/cli.js';
import { commitAll, git, listWorktreePaths, writeFile } from '../helpers/git.js';
import { getCanonicalDir, snapshotTree, startSession, writeFiles } from '../helpers/memory.js';
import { createScenario, type Scenario } from '../helpers/scenario.js';
import { MESSAGES } from '../../src/texts/messages.js';

describe('writes never follow a symlink out of where they belong', () => {
  let s: Scenario;
  let outside: string;
  beforeEach(() => {
    s = createScenario();
    outside = join(s.root, 'outside');
    mkdirSync(outside);
  });
  afterEach(() => s.cleanup());

  /** A branch on which `path` is a tracked symlink to `target` (beside `files`); back on main afterwards. */
  function commitLinkOnBranch(branch: string, path: string, target: string, files: Record<string, string> = {}): void {
    git(s.repo, ['checkout', '-q', '-b', branch]);
    if (existsSync(join(s.repo, path))) git(s.repo, ['rm', '-r', '-q', path]);
    writeFiles(s.repo, files);
    mkdirSync(join(s.repo, path, '..'), { recursive: true });
    symlinkSync(target, join(s.repo, path));
    commitAll(s.repo, `${path} is a link`);
    git(s.repo, ['checkout', '-q', 'main']);
  }

  describe('.worktreeinclude', () => {
    beforeEach(() => {
      writeFile(s.repo, '.gitignore', 'conf/.env\n');
      writeFile(s.repo, 'conf/app.json', '{}\n');
      writeFile(s.repo, '.worktreeinclude', 'conf/.env\n');
      commitAll(s.repo, 'conf, with an ignored .env copied into new worktrees');
    });

    it('refuses to copy the ignored .env into a tracked symlinked directory that leads out of the worktree', async () => {
      commitLinkOnBranch('evil', 'conf', outside);
      writeFile(s.repo, 'conf/.env', 'SECRET=1\n');
      const result = await s.cwt(['new', 'evil', '--no-launch']);
      expect(existsSync(join(outside, '.env'))).toBe(false);
      expect(result.code, result.stderr).toBe(4);
      const worktree = join(s.root, 'repo.worktrees', 'evil');
      expect(result.stderr).toContain(MESSAGES.writeThroughLinkRefused(join(worktree, 'conf', '.env'), join(worktree, 'conf'), join(outside, '.env'), worktree));
      expect(listWorktreePaths(s.repo)).toEqual([s.repo]);
    });

    it('refuses to copy it into a tracked directory through a link inside the worktree (git add -A would commit it)', async () => {
      commitLinkOnBranch('sneaky', 'conf', 'public', { 'public/index.html': '<p>hi</p>\n' });
      writeFile(s.repo, 'conf/.env', 'SECRET=1\n');
      const result = await s.cwt(['new', 'sneaky', '--no-launch']);
      expect(result.code, result.stderr).toBe(4);
      const worktree = join(s.root, 'repo.worktrees', 'sneaky');
      expect(result.stderr).toContain(MESSAGES.writeThroughLinkRefused(join(worktree, 'conf', '.env'), join(worktree, 'conf'), join(worktree, 'public', '.env'), worktree));
      expect(listWorktreePaths(s.repo)).toEqual([s.repo]);
    });

    it('still copies it into a plain directory', async () => {
      writeFile(s.repo, 'conf/.env', 'SECRET=1\n');
      const result = await s.cwt(['new', 'fine', '--no-launch']);
      expect(result.code, result.stderr).toBe(0);
      expect(readFileSync(join(result.stdout.trim(), 'conf', '.env'), 'utf8')).toBe('SECRET=1\n');
    });
  });

  it('claude -w on a branch that tracks .claude as a symlink: settings.local.json is not written through it', async () => {
    const claudeDir = join(outside, 'claude');
    mkdirSync(claudeDir);
    commitLinkOnBranch('w-evil', '.claude', claudeDir);
    const input = JSON.stringify({ session_id: 'claude-w', cwd: s.repo, hook_event_name: 'WorktreeCreate', name: 'w-evil' });
    const hook = await runCwt(['hook', 'worktree-create'], { cwd: s.repo, env: s.env, input });
    expect(existsSync(join(claudeDir, 'settings.local.json'))).toBe(false);
    expect(hook.code, hook.stderr).toBe(4);
    const worktree = join(s.root, 'repo.worktrees', 'w-evil');
    expect(hook.stderr).toContain(MESSAGES.writeThroughLinkRefused(join(worktree, '.claude', 'settings.local.json'), join(worktree, '.claude'), join(claudeDir, 'settings.local.json'), worktree));
    expect(hook.stdout.trim()).toBe('');
    expect(listWorktreePaths(s.repo)).toEqual([s.repo]);
  });

  it('after cwt install, cwt new on a branch that tracks .claude or .mcp.json as a symlink: nothing written through either, the session still made', async () => {
    const claudeDir = join(outside, 'claude-n');
    mkdirSync(claudeDir);
    commitLinkOnBranch('n-evil', '.claude', claudeDir);
    // .mcp.json a tracked link to a JSON file elsewhere.
    const victim = join(outside, 'victim.json');
    writeFileSync(victim, '{"mine":true}');
    commitLinkOnBranch('w-mcp', '.mcp.json', victim);
    expect((await s.cwt(['install'])).code).toBe(0);
    const created = await s.cwt(['new', 'n-evil', '--no-launch', '--json']);
    expect(created.code, created.stderr).toBe(0);
    expect(readdirSync(claudeDir)).toEqual([]);
    const worktree = (JSON.parse(created.stdout) as { worktree: string }).worktree;
    expect(created.stderr).toContain(MESSAGES.writeThroughLinkRefused(join(worktree, '.claude', 'settings.local.json'), join(worktree, '.claude'), join(claudeDir, 'settings.local.json'), worktree));
    // The .mcp.json link: left alone; the claude -w worktree there keeps the guard.
    const input = JSON.stringify({ session_id: 'claude-wm', cwd: s.repo, hook_event_name: 'WorktreeCreate', name: 'w-mcp' });
    const hook = await runCwt(['hook', 'worktree-create'], { cwd: s.repo, env: s.env, input });
    expect(hook.code, hook.stderr).toBe(0);
    expect(readFileSync(victim, 'utf8')).toBe('{"mine":true}');
    const settings = JSON.parse(readFileSync(join(s.root, 'repo.worktrees', 'w-mcp', '.claude', 'settings.local.json'), 'utf8')) as { hooks: Record<string, { hooks: { type: string }[] }[]> };
    expect(settings.hooks.PreToolUse![0]!.hooks.map((handler) => handler.type)).toEqual(['http', 'command']);
  });

  it('cwt install refuses a tracked .claude/settings.local.json that is a symlink to another JSON file', async () => {
    const victim = join(outside, 'victim.json');
    writeFileSync(victim, '{"keep": true}\n');
    mkdirSync(join(s.repo, '.claude'));
    symlinkSync(victim, join(s.repo, '.claude', 'settings.local.json'));
    commitAll(s.repo, 'settings.local.json is a link');
    const result = await s.cwt(['install']);
    expect(readFileSync(victim, 'utf8')).toBe('{"keep": true}\n');
    expect(result.code, result.stderr).toBe(4);
    const link = join(s.repo, '.claude', 'settings.local.json');
    expect(result.stderr).toContain(MESSAGES.writeThroughLinkRefused(link, link, victim, s.repo));
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
  });

  it('cwt install --git-hooks with an in-repository hooks path refuses a tracked <hook>.cwt-chained symlink', async () => {
    const victim = join(outside, 'victim.sh');
    writeFileSync(victim, 'echo victim\n', { mode: 0o644 });
    mkdirSync(join(s.repo, '.githooks'));
    symlinkSync(victim, join(s.repo, '.githooks', 'pre-commit.cwt-chained'));
    commitAll(s.repo, 'a chained hook link');
    git(s.repo, ['config', 'core.hooksPath', '.githooks']);
    // The user's own hook, untracked.
    writeFileSync(join(s.repo, '.githooks', 'pre-commit'), '#!/bin/sh\necho mine\n', { mode: 0o755 });
    const result = await s.cwt(['install', '--git-hooks']);
    expect(readFileSync(victim, 'utf8')).toBe('echo victim\n');
    expect(statSync(victim).mode & 0o777).toBe(0o644);
    expect(result.code, result.stderr).toBe(4);
    const chained = join(s.repo, '.githooks', 'pre-commit.cwt-chained');
    expect(result.stderr).toContain(MESSAGES.writeThroughLinkRefused(chained, chained, victim, join(s.repo, '.githooks')));
    expect(readFileSync(join(s.repo, '.githooks', 'pre-commit'), 'utf8')).toBe('#!/bin/sh\necho mine\n');
  });

  describe('memory', () => {
    let canonical: string;
    beforeEach(() => {
      canonical = getCanonicalDir(s);
      writeFiles(canonical, { 'MEMORY.md': '# Memory\n' });
    });

    it('merge-memory refuses to write through a symlinked directory inside canonical memory', async () => {
      const session = await startSession(s, 'feat/m');
      writeFiles(session.memoryDir, { 'notes/a.md': '# A\n' });
      symlinkSync(outside, join(canonical, 'notes'));
      const before = snapshotTree(canonical);
      const result = await s.cwt(['merge-memory', session.id]);
      expect(existsSync(join(outside, 'a.md'))).toBe(false);
      expect(result.code, result.stderr).toBe(4);
      expect(result.stderr).toContain(MESSAGES.writeThroughLinkRefused(join(canonical, 'notes', 'a.md'), join(canonical, 'notes'), join(outside, 'a.md'), canonical));
      expect(snapshotTree(canonical)).toEqual(before);
    });

    it('a symlinked canonical memory directory is followed: seeded from and merged into its target', async () => {
      const synced = join(s.root, 'synced-memory');
      mkdirSync(synced);
      writeFileSync(join(synced, 'MEMORY.md'), '# Memory\n- [a](a.md)\n');
      rmSync(canonical, { recursive: true });
      symlinkSync(synced, canonical);
      const session = await startSession(s, 'feat/linked');
      expect(readFileSync(join(session.memoryDir, 'MEMORY.md'), 'utf8')).toBe('# Memory\n- [a](a.md)\n');
      writeFiles(session.memoryDir, { 'b.md': '# B\n' });
      const merged = await s.cwt(['merge-memory', session.id]);
      expect(merged.code, merged.stderr).toBe(0);
      expect(readFileSync(join(synced, 'b.md'), 'utf8')).toBe('# B\n');
      expect(lstatSync(canonical).isSymbolicLink()).toBe(true);
    });

    it('a canonical memory link to nothing is a clear error (exit 4), not a bug in cwt', async () => {
      rmSync(canonical, { recursive: true });
      const missing = join(s.root, 'unmounted', 'memory');
      symlinkSync(missing, canonical);
      const result = await s.cwt(['new', 'feat/dangling', '--no-launch']);
      expect(result.code, result.stderr).toBe(4);
      expect(result.stderr).toContain(MESSAGES.canonicalMemoryNotADirectory(canonical, missing));
      expect(listWorktreePaths(s.repo)).toEqual([s.repo]);
    });

    it('a canonical memory link that broke after the session began: merge-memory says so (exit 4) and writes nothing', async () => {
      const session = await startSession(s, 'feat/unmounted');
      writeFiles(session.memoryDir, { 'b.md': '# B\n' });
      rmSync(canonical, { recursive: true });
      const missing = join(s.root, 'unmounted', 'memory');
      symlinkSync(missing, canonical);
      const result = await s.cwt(['merge-memory', session.id]);
      expect(result.code, result.stderr).toBe(4);
      expect(result.stderr).toContain(MESSAGES.canonicalMemoryNotADirectory(canonical, missing));
      expect(existsSync(missing)).toBe(false);
    });
  });
});
