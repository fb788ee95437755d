/**
 * Shared files written by many processes at once: locked appends lose nothing (and a naive read-modify-write
 * control does), kill -9 during a write never leaves a torn file, compare-and-swap refuses stale writers.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, lstatSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCwt, startCwt } from '../helpers/cli.js';
import { createSandbox, type Sandbox } from '../helpers/env.js';
import { sha256 } from '../../src/core/coordination/sharedfile.js';

let s: Sandbox;
beforeEach(() => {
  s = createSandbox();
});
afterEach(() => s.cleanup());

const cwt = (args: string[], input?: string) => runCwt(args, { cwd: s.root, env: s.env, input });

describe('cwt append under contention', () => {
  const WORKERS = 8;
  const PER_WORKER = 100;

  it(`${WORKERS} processes x ${PER_WORKER} appends -> exactly ${WORKERS * PER_WORKER} lines; a naive control loses some`, async () => {
    const catalogue = join(s.root, 'skills', '_index.md');
    mkdirSync(join(s.root, 'skills'));
    const worker = async (w: number) => {
      for (let i = 0; i < PER_WORKER; i++) {
        const result = await cwt(['append', catalogue, `- [skill-${w}-${i}](skill-${w}-${i}/SKILL.md)`, '--unique', '--quiet']);
        if (result.code !== 0) throw new Error(`append failed: ${result.stderr}`);
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
    const lines = readFileSync(catalogue, 'utf8').split('\n').filter(Boolean);
    expect(lines).toHaveLength(WORKERS * PER_WORKER);
    expect(new Set(lines).size).toBe(WORKERS * PER_WORKER);

    // The same workload as a naive read-modify-write (read all, write all back plus a line), no lock.
    const naive = join(s.root, 'naive.md');
    writeFileSync(naive, '');
    const script = `f="$1"; w="$2"; for i in $(seq 1 ${PER_WORKER}); do c=$(cat "$f"); printf '%s\\n- naive-%s-%s\\n' "$c" "$w" "$i" > "$f.$w"; mv "$f.$w" "$f"; done`;
    await Promise.all(
      Array.from({ length: WORKERS }, (_, w) => new Promise((resolve) => spawn('bash', ['-c', script, 'naive', naive, String(w)]).on('close', resolve))),
    );
    const naiveLines = readFileSync(naive, 'utf8').split('\n').filter(Boolean);
    expect(naiveLines.length).toBeLessThan(WORKERS * PER_WORKER);
  }, 240_000);

  it('--unique is idempotent; lines starting with "- " are taken literally', async () => {
    const file = join(s.root, 'index.md');
    for (let i = 0; i < 3; i++) expect((await cwt(['append', file, '- [a](a.md)', '--unique'])).code).toBe(0);
    expect((await cwt(['append', file, '- [b](b.md)'])).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe('- [a](a.md)\n- [b](b.md)\n');
  });

  it('adds the missing newline before appending to a file that lacks one', async () => {
    const file = join(s.root, 'no-newline.md');
    writeFileSync(file, 'first');
    await cwt(['append', file, 'second']);
    expect(readFileSync(file, 'utf8')).toBe('first\nsecond\n');
  });
});

describe('cwt write', () => {
  it('never leaves a torn file when killed with -9 at random moments (200 trials)', async () => {
    const file = join(s.root, 'settings.json');
    const oldContent = `${'o'.repeat(2 * 1024 * 1024)}\n`;
    const newContent = `${'n'.repeat(2 * 1024 * 1024)}\n`;
    writeFileSync(file, oldContent);
    // The kill window spans a whole uninterrupted write as timed here and now: on a loaded machine a write
    // takes longer, and a fixed window would never reach the rename.
    const timings: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      await cwt(['write', file], oldContent);
      timings.push(performance.now() - started);
    }
    const windowMs = Math.max(160, 1.5 * timings.sort((a, b) => a - b)[2]!);
    let sawOld = 0;
    let sawNew = 0;
    for (let trial = 0; trial < 200; trial++) {
      const current = readFileSync(file, 'utf8');
      const next = current === oldContent ? newContent : oldContent;
      const { child, result } = startCwt(['write', file], { cwd: s.root, env: s.env, input: next });
      await sleep(Math.floor(Math.random() * windowMs));
      child.kill('SIGKILL');
      await result;
      const after = readFileSync(file, 'utf8');
      expect(after === oldContent || after === newContent).toBe(true);
      if (after === current) sawOld++;
      else sawNew++;
    }
    // Both outcomes happened, so the kills really landed before and after the rename.
    expect(sawOld).toBeGreaterThan(0);
    expect(sawNew).toBeGreaterThan(0);
    // Temporary files of killed writers are swept by the next write.
    await cwt(['write', file], 'final\n');
    expect(readdirSync(s.root).filter((name) => name.includes('.cwt-'))).toEqual([]);
  }, 240_000);

  it('compare-and-swap: --expect-sha refuses a stale writer and names the current sha', async () => {
    const file = join(s.root, 'catalogue.md');
    writeFileSync(file, 'v1\n');
    const read = (await cwt(['sha', file])).stdout.trim();
    expect(read).toBe(sha256('v1\n'));
    const first = await cwt(['write', file, '--expect-sha', read], 'v2 from A\n');
    expect(first.code).toBe(0);
    expect(first.stdout.trim()).toBe(sha256('v2 from A\n'));
    const stale = await cwt(['write', file, '--expect-sha', read], 'v2 from B\n');
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain(sha256('v2 from A\n'));
    expect(readFileSync(file, 'utf8')).toBe('v2 from A\n');
  });

  it('keeps the mode and writes through a symlink without replacing it', async () => {
    const target = join(s.root, 'real.json');
    const link = join(s.root, 'link.json');
    writeFileSync(target, '{}\n');
    chmodSync(target, 0o640);
    symlinkSync(target, link);
    expect((await cwt(['write', link], '{"a":1}\n')).code).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe('{"a":1}\n');
    expect(statSync(target).mode & 0o777).toBe(0o640);
  });

  it('writes the target of a dangling symlink, creating it, and leaves the link in place', async () => {
    const link = join(s.root, 'settings.json');
    symlinkSync('real-settings.json', link);
    expect((await cwt(['write', link], '{}\n')).code).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(s.root, 'real-settings.json'), 'utf8')).toBe('{}\n');
  });

  it.each([
    ['a path in a missing directory', (root: string) => join(root, 'missing', 'file.md'), 'directory does not exist'],
    ['a directory', (root: string) => root, 'is a directory'],
  ])('refuses %s with exit 2 and writes nothing', async (_, pathOf, message) => {
    const before = readdirSync(s.root).sort();
    for (const args of [['write', pathOf(s.root)], ['append', pathOf(s.root), 'x'], ['sha', pathOf(s.root)]]) {
      const result = await cwt(args, 'content\n');
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(message);
    }
    expect(readdirSync(s.root).sort()).toEqual(before);
    expect(existsSync(join(s.root, 'missing'))).toBe(false);
  });

  it('refuses a malformed --expect-sha and a multi-line append with exit 2', async () => {
    const file = join(s.root, 'f.md');
    expect((await cwt(['write', file, '--expect-sha', 'abc'], 'x')).code).toBe(2);
    expect((await cwt(['append', file, 'two\nlines'])).code).toBe(2);
    expect(existsSync(file)).toBe(false);
  });
});
