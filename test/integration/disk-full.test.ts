/**
 * A full disk under what cwt writes: a shared file (`cwt write`), canonical memory (`cwt merge-memory`), the
 * SQLite store. Each time: exit 4 naming the path and the disk (no stack, not "a bug in cwt"), the old
 * content in place, no torn file or temp file left; and once space is freed, the same command works.
 * The full disk is a small tmpfs mount (the tests run as root), unmounted after each test.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, openSync, closeSync, readdirSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCwt } from '../helpers/cli.js';
import { createScenario, type Scenario } from '../helpers/scenario.js';
import { findTempFiles, getCanonicalDir, readText, snapshotTree, startSession, writeFiles } from '../helpers/memory.js';
import { MESSAGES } from '../../src/texts/messages.js';

let s: Scenario;
const mounts: string[] = [];

function mountTmpfs(dir: string, size: string): string {
  mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  mounts.push(dir);
  return dir;
}

/** Fills the filesystem of `dir` to the last byte; returns the filler file (delete it to free the space). */
function fill(dir: string): string {
  const filler = join(dir, 'filler');
  const fd = openSync(filler, 'w');
  const chunk = Buffer.alloc(4096, 120);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  // The last partial page too.
  try {
    for (;;) writeFileSync(join(dir, `filler-${Math.random()}`), 'x');
  } catch {
    // full
  }
  return filler;
}

function free(dir: string): void {
  for (const name of readdirSync(dir)) if (name.startsWith('filler')) rmSync(join(dir, name));
}

/** What a fault of the machine must not look like. */
function expectCleanEnvironmentError(result: { code: number | null; stderr: string }, message: string): void {
  expect(result.code).toBe(4);
  expect(result.stderr).toContain(`cwt: ${message}`);
  expect(result.stderr).not.toContain('bug in cwt');
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

beforeEach(() => {
  s = createScenario();
});
afterEach(() => {
  for (const dir of mounts.splice(0).reverse()) execFileSync('umount', ['-l', dir]);
  s.cleanup();
});

describe('a full disk', () => {
  it('cwt write: exit 4 naming the file, old content kept, no temp file; works once space is freed', async () => {
    const disk = mountTmpfs(join(s.root, 'disk'), '256k');
    const target = join(disk, 'index.md');
    writeFileSync(target, 'old index\n');
    fill(disk);
    const content = 'new index line\n'.repeat(2000);
    const failed = await runCwt(['write', target], { cwd: s.repo, env: s.env, input: content });
    expectCleanEnvironmentError(failed, MESSAGES.diskFull(target));
    expect(readText(disk, 'index.md')).toBe('old index\n');
    expect(findTempFiles(disk)).toEqual([]);

    free(disk);
    const again = await runCwt(['write', target], { cwd: s.repo, env: s.env, input: content });
    expect(again.code).toBe(0);
    expect(readText(disk, 'index.md')).toBe(content);
  });

  it('merge-memory: exit 4 naming canonical memory, canonical unchanged; the re-run after freeing space merges', async () => {
    const canonical = mountTmpfs(getCanonicalDir(s), '256k');
    writeFiles(canonical, { 'MEMORY.md': '- [notes](notes.md)\n', 'notes.md': 'notes v0\n' });
    const session = await startSession(s, 'feat/full');
    writeFiles(session.memoryDir, { 'notes.md': 'notes v1\n'.repeat(3000), 'new.md': 'a new note\n' });
    const before = snapshotTree(canonical);
    fill(canonical);
    const failed = await s.cwt(['merge-memory', session.id]);
    expect(failed.code).toBe(4);
    expect(failed.stderr).toMatch(new RegExp(`cwt: no space left on the disk holding ${canonical}/(notes|new)\\.md`));
    expect(failed.stderr).not.toContain('bug in cwt');
    expect(failed.stderr).not.toMatch(/\n\s+at /);
    const after = snapshotTree(canonical);
    for (const name of Object.keys(after)) if (name.startsWith('filler')) delete after[name];
    expect(after).toEqual(before);

    free(canonical);
    const again = await s.cwt(['merge-memory', session.id]);
    expect(again.code).toBe(0);
    expect(readText(canonical, 'notes.md')).toBe('notes v1\n'.repeat(3000));
    expect(readText(canonical, 'new.md')).toBe('a new note\n');
    expect(findTempFiles(canonical)).toEqual([]);
  });

  it('the SQLite store: exit 4 naming the state file, the old value kept; works once space is freed', async () => {
    mountTmpfs(s.cwtHome, '1m');
    expect((await s.cwt(['kv', 'set', 'notes', 'k', 'old'])).code).toBe(0);
    const big = 'x'.repeat(60_000);
    fill(s.cwtHome);
    const failed = await s.cwt(['kv', 'set', 'notes', 'k', big]);
    expectCleanEnvironmentError(failed, MESSAGES.diskFull(join(s.cwtHome, 'state.db')));
    free(s.cwtHome);
    const kept = await s.cwt(['kv', 'get', 'notes', 'k']);
    expect(kept.stderr).toBe('');
    expect(kept.code).toBe(0);
    expect(kept.stdout).toContain('old');
    expect(kept.stdout).not.toContain('xxx');
    expect((await s.cwt(['kv', 'set', 'notes', 'k', big])).code).toBe(0);
    expect((await s.cwt(['kv', 'get', 'notes', 'k'])).stdout).toContain(big);
  });
});
