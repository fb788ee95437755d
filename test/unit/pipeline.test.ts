import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MESSAGES } from '../../src/texts/messages.js';
import type { Output } from '../../src/ui/output.js';
import { runPipeline, type PipelineStep, type RendererChoice } from '../../src/ui/pipeline.js';

interface Ctx {
  done: string[];
}

function capture(): { output: Output; lines: string[] } {
  const lines: string[] = [];
  return { lines, output: { stdout: () => {}, stderr: (text) => lines.push(...text.replace(/\n$/, '').split('\n')), interactive: false } };
}

const step = (id: string, over: Partial<PipelineStep<Ctx>> = {}): PipelineStep<Ctx> => ({
  id,
  title: `Step ${id}`,
  run: async (ctx) => void ctx.done.push(id),
  rollback: async (ctx) => void ctx.done.push(`undo ${id}`),
  ...over,
});

const run = (steps: PipelineStep<Ctx>[], renderer: RendererChoice, output: Output, ctx: Ctx = { done: [] }) =>
  runPipeline(steps, ctx, { renderer, output, env: {} });

describe('runPipeline without a terminal (no listr2)', () => {
  it('verbose: a line as each task starts and ends, in order, with the wait for a step run alongside', async () => {
    const { output, lines } = capture();
    const ctx: Ctx = { done: [] };
    let release!: () => void;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const steps = [
      step('a'),
      step('b', { joinBefore: 'd', run: async (c) => void (await slow, c.done.push('b')) }),
      step('c', { run: async (c) => void (c.done.push('c'), release()) }),
      step('d', { enabled: () => true }),
      step('e', { enabled: () => false }),
    ];
    await run(steps, 'verbose', output, ctx);
    expect(ctx.done).toEqual(['a', 'c', 'b', 'd']);
    expect(lines).toEqual([
      '❯ Step a',
      '✔ Step a',
      `❯ ${MESSAGES.pipelineStarted('Step b')}`,
      `✔ ${MESSAGES.pipelineStarted('Step b')}`,
      '❯ Step c',
      '✔ Step c',
      `❯ ${MESSAGES.pipelineWaitFor(['Step b'])}`,
      `✔ ${MESSAGES.pipelineWaitFor(['Step b'])}`,
      '❯ Step d',
      '✔ Step d',
    ]);
  });

  it('verbose: a failing task is marked, the list stops there, and every step begun is rolled back newest first', async () => {
    const { output, lines } = capture();
    const ctx: Ctx = { done: [] };
    const steps = [step('a'), step('b', { run: async () => Promise.reject(new Error('b broke')) }), step('c')];
    await expect(run(steps, 'verbose', output, ctx)).rejects.toThrow('b broke');
    expect(ctx.done).toEqual(['a', 'undo b', 'undo a']);
    expect(lines).toEqual(['❯ Step a', '✔ Step a', '❯ Step b', '✖ Step b']);
  });

  it('silent: the same run, and not a line', async () => {
    const { output, lines } = capture();
    const ctx: Ctx = { done: [] };
    await run([step('a'), step('b', { joinBefore: 'c' }), step('c')], 'silent', output, ctx);
    expect(ctx.done.sort()).toEqual(['a', 'b', 'c']);
    expect(lines).toEqual([]);
  });

  it('titles are drawn without control sequences', async () => {
    const { output, lines } = capture();
    await run([step('a', { title: 'Create feat/\u001b[31mred\u001b[0m' })], 'verbose', output);
    expect(lines.join('\n')).not.toContain('\u001b');
    expect(lines[0]).toMatch(/^❯ Create feat\//);
  });
});

describe('runPipeline journal', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('is not written before a step whose rollback dies with the process, and names it at the next write', async () => {
    dir = mkdtempSync(join(tmpdir(), 'cwt-pipeline-'));
    const path = join(dir, 'runs', 'test-run1.json');
    const seen: Record<string, string[] | null> = {};
    const look = (id: string) => async (ctx: Ctx) => {
      seen[id] = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as { started: string[] }).started : null;
      ctx.done.push(id);
    };
    const steps = [step('lock', { run: look('lock'), rollbackDiesWithProcess: true }), step('make', { run: look('make') })];
    const { output } = capture();
    await runPipeline(steps, { done: [] }, { renderer: 'silent', output, env: {}, name: 'test', journal: { path, runId: 'run1', record: () => ({}) } });
    // During the lock step nothing is on disk yet; before the step that makes something, both are named.
    expect(seen).toEqual({ lock: null, make: ['lock', 'make'] });
    // A run that completes removes its journal.
    expect(existsSync(path)).toBe(false);
  });

  it('names a step whose rollback is harmless unrun from its first write on, and writes nothing more for it', async () => {
    dir = mkdtempSync(join(tmpdir(), 'cwt-pipeline-'));
    const path = join(dir, 'runs', 'test-run2.json');
    // Each write replaces the file (an atomic rename): a new inode says it was written again.
    const seen: Record<string, { started: string[]; ino: number } | null> = {};
    const look = (id: string) => async (ctx: Ctx) => {
      seen[id] = existsSync(path) ? { started: (JSON.parse(readFileSync(path, 'utf8')) as { started: string[] }).started, ino: statSync(path).ino } : null;
      ctx.done.push(id);
    };
    const steps = [step('make', { run: look('make') }), step('note', { run: look('note') }), step('register', { run: look('register'), rollbackHarmlessUnrun: true })];
    const { output } = capture();
    await runPipeline(steps, { done: [] }, { renderer: 'silent', output, env: {}, name: 'test', journal: { path, runId: 'run2', record: () => ({}) } });
    // The first write, before 'make', already names 'register', as the one before 'note' does; 'register' began on
    // that file as it was, with no write of its own.
    expect(seen.make!.started).toEqual(['make', 'register']);
    expect(seen.note!.started).toEqual(['make', 'note', 'register']);
    expect(seen.note!.ino).not.toBe(seen.make!.ino);
    expect(seen.register).toEqual(seen.note);
    expect(existsSync(path)).toBe(false);
  });

  it('writes before a step whose rollback is harmless unrun when nothing is on disk yet', async () => {
    dir = mkdtempSync(join(tmpdir(), 'cwt-pipeline-'));
    const path = join(dir, 'runs', 'test-run3.json');
    let seen: string[] | null = null;
    const steps = [
      step('register', {
        run: async (ctx: Ctx) => {
          seen = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as { started: string[] }).started : null;
          ctx.done.push('register');
        },
        rollbackHarmlessUnrun: true,
      }),
    ];
    const { output } = capture();
    await runPipeline(steps, { done: [] }, { renderer: 'silent', output, env: {}, name: 'test', journal: { path, runId: 'run3', record: () => ({}) } });
    expect(seen).toEqual(['register']);
  });
});
