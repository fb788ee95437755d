/**
 * `cwt memory rescue` finds memory that belongs to the repository but never reached canonical memory: the
 * project memory of worktrees (listed by git, removed `claude -w` ones, removed ones under worktreeDir), the
 * namespaces of ended unmerged sessions, and namespaces whose session record `cwt gc` dropped. It merges them,
 * says what it found and skipped, and a second run adds nothing.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Scenario } from '../helpers/scenario.js';
import { git } from '../helpers/git.js';
import { getMemoryStateRoot, projectKey, readText, snapshotTree, startSession, useMemoryScenario, writeFiles } from '../helpers/memory.js';
import { SqliteStore } from '../../src/core/store/sqlite.js';

const fixture = useMemoryScenario({ 'MEMORY.md': '# Memory\n- [Base](base.md)\n', 'base.md': 'the base note\n' });
let s: Scenario;
let canonical: string;
beforeEach(() => ({ s, canonical } = fixture));

const memoryOfPath = (path: string) => join(s.claudeHome, 'projects', projectKey(path), 'memory');

describe('cwt memory rescue', () => {
  it('finds every kind of stray memory, merges it, and adds nothing the second time', async () => {
    // 1. A worktree git lists, whose Claude Code kept memory under its own project key.
    const listed = join(s.root, 'elsewhere', 'side-wt');
    git(s.repo, ['worktree', 'add', '-q', '-b', 'side', listed]);
    writeFiles(memoryOfPath(listed), { 'MEMORY.md': '# Memory\n- [Base](base.md)\n- [Side](side.md)\n', 'side.md': 'from the side worktree\n' });
    // 2. A removed `claude -w` worktree: only its project key is left.
    writeFiles(memoryOfPath(join(s.repo, '.claude', 'worktrees', 'quick-fix')), { 'quick-fix.md': 'from claude -w\n' });
    // 3. A removed worktree under the configured worktreeDir (../repo.worktrees).
    writeFiles(memoryOfPath(join(s.root, 'repo.worktrees', 'gone')), { 'gone.md': 'from a removed worktree\n' });
    // 4. An ended session that was never merged.
    const ended = await startSession(s, 'feat/ended');
    writeFiles(ended.memoryDir, { 'MEMORY.md': '# Memory\n- [Base](base.md)\n- [Ended](ended.md)\n', 'ended.md': 'from the ended session\n' });
    expect((await s.cwt(['end', ended.id, '--no-merge'])).code).toBe(0);
    // 5. A session whose worktree was deleted by hand and whose record is gone (dropped by a cwt from before gc
    // merged memory first; see gc-rescues-memory.test.ts): its namespace is orphaned.
    const dropped = await startSession(s, 'feat/dropped');
    writeFiles(dropped.memoryDir, { 'dropped.md': 'from the dropped session\n', 'base.md': 'the base note, improved\n' });
    rmSync(dropped.worktree, { recursive: true, force: true });
    const store = new SqliteStore(s.cwtHome);
    await store.deleteSession(dropped.id);
    await store.close();
    expect((await s.sessions()).map((x) => x.id)).not.toContain(dropped.id);
    // 6. An open session: left alone.
    const open = await startSession(s, 'feat/open');
    writeFiles(open.memoryDir, { 'open.md': 'still being written\n' });
    // 7. A decoy: looks like a worktree of this repository by key, but its transcripts say otherwise.
    const decoyKey = `${projectKey(join(s.root, 'repo.worktrees'))}-decoy`;
    writeFiles(join(s.claudeHome, 'projects', decoyKey), { 'memory/decoy.md': 'not ours\n', 'abc.jsonl': `${JSON.stringify({ type: 'user', cwd: '/somewhere/else' })}\n` });

    const before = snapshotTree(canonical);
    const dry = await s.cwt(['memory', 'rescue', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('found 5 memory directories');
    for (const dir of [memoryOfPath(listed), ended.memoryDir, dropped.memoryDir]) expect(dry.stdout).toContain(dir);
    expect(dry.stdout).toContain(`skipped ${open.memoryDir}: session ${open.id} (feat/open) is not ended`);
    expect(dry.stdout).toContain(`skipped ${join(s.claudeHome, 'projects', decoyKey, 'memory')}`);
    expect(snapshotTree(canonical)).toEqual(before);
    expect(existsSync(getMemoryStateRoot(s))).toBe(false);

    const rescued = await s.cwt(['memory', 'rescue', '--json']);
    expect(rescued.stderr).not.toContain('cwt:');
    expect(rescued.code).toBe(0);
    const report = JSON.parse(rescued.stdout);
    expect(report.found).toHaveLength(5);
    expect(report.found.find((f: { dir: string }) => f.dir === ended.memoryDir).session).toBe(ended.id);
    expect(readText(canonical, 'MEMORY.md')).toBe('# Memory\n- [Base](base.md)\n- [Side](side.md)\n- [Ended](ended.md)\n');
    for (const [file, text] of Object.entries({
      'side.md': 'from the side worktree\n',
      'quick-fix.md': 'from claude -w\n',
      'gone.md': 'from a removed worktree\n',
      'ended.md': 'from the ended session\n',
      'dropped.md': 'from the dropped session\n',
      // The orphan was merged against the copy it started from, so its edit is an edit, not a clash.
      'base.md': 'the base note, improved\n',
    })) {
      expect(readText(canonical, file)).toBe(text);
    }
    expect(existsSync(join(canonical, 'open.md'))).toBe(false);
    expect(existsSync(join(canonical, 'decoy.md'))).toBe(false);
    expect((await s.sessions()).find((x) => x.id === ended.id)!.memory).toBe('merged');

    // Again: everything found was merged against what was rescued, so nothing changes.
    const merged = snapshotTree(canonical);
    const again = await s.cwt(['memory', 'rescue', '--json']);
    expect(again.code).toBe(0);
    for (const result of JSON.parse(again.stdout).results) expect(result).toMatchObject({ added: [], merged: [], deleted: [], conflicts: [] });
    expect(snapshotTree(canonical)).toEqual(merged);
  });

  it('a directory without a base that has a file canonical has with other content is a conflict; index files union', async () => {
    const listed = join(s.root, 'elsewhere', 'side-wt');
    git(s.repo, ['worktree', 'add', '-q', '-b', 'side', listed]);
    const dir = memoryOfPath(listed);
    writeFiles(dir, { 'MEMORY.md': '# Memory\n- [Other](other.md)\n', 'base.md': 'a different base note\n', 'other.md': 'other\n' });
    const result = await s.cwt(['memory', 'rescue']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('CONFLICT in memory file base.md: both sides added a different file under this name');
    expect(readText(canonical, 'base.md')).toBe('the base note\n');
    expect(readText(canonical, 'MEMORY.md')).toBe('# Memory\n- [Base](base.md)\n- [Other](other.md)\n');
    expect(readText(canonical, 'other.md')).toBe('other\n');
    expect(readText(dir, 'base.conflict.md')).toContain('<<<<<<< canonical memory\nthe base note\n');
    // Resolve: keep both sentences.
    writeFileSync(join(dir, 'base.conflict.md'), 'the base note\na different base note\n');
    const resolved = await s.cwt(['memory', 'rescue']);
    expect(resolved.stderr).not.toContain('cwt:');
    expect(resolved.code).toBe(0);
    expect(readText(canonical, 'base.md')).toBe('the base note\na different base note\n');
    expect(existsSync(join(dir, 'base.conflict.md'))).toBe(false);
  });

  it('says so when there is nothing to rescue', async () => {
    mkdirSync(join(s.claudeHome, 'projects'), { recursive: true });
    const result = await s.cwt(['memory', 'rescue']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('no memory directories to rescue');
  });
});
