/**
 * Sixteen real processes race for the same work through the CLI:
 * - for one issue scope: the naive recipe (read "is it taken?", then write "mine") crowns many winners; the
 *   same interleaving with compare-and-set (`cwt kv cas --expect`) crowns exactly one. A barrier after the
 *   read makes every racer read before anyone writes, so the naive failure is certain, not luck.
 * - for a 100-task queue: sixteen workers loop claim-next / done until nothing is pending; every task is
 *   done exactly once.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CWT_BIN, runCwt } from '../helpers/cli.js';
import { openSandboxStore, STORE_BACKENDS, useBackend } from '../helpers/backends.js';
import { createSandbox, type Sandbox } from '../helpers/env.js';

const RACERS = 16;
let s: Sandbox;
beforeEach(() => {
  s = createSandbox();
});
afterEach(() => s.cleanup());

/** Runs `script` in RACERS shells at once (argument: the racer's number); resolves to each one's stdout. */
async function race(script: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<string[]> {
  const barrier = join(s.root, `barrier-${Math.random().toString(36).slice(2)}`);
  mkdirSync(barrier);
  const env = { ...s.env, CWT: CWT_BIN, NODE: process.execPath, BARRIER: barrier, RACERS: String(RACERS), ...extraEnv };
  const runs = Array.from({ length: RACERS }, (_, i) => {
    const child = spawn('sh', ['-c', script, 'racer', String(i)], { cwd: s.root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    return once(child, 'close').then(([code]) => {
      if (code !== 0) throw new Error(`racer ${i} exited ${code}: ${err}`);
      return out;
    });
  });
  return Promise.all(runs);
}

/** Waits until every racer reached this point: after it, all of them have read and none has written yet. */
const BARRIER = `touch "$BARRIER/$1"; while [ "$(ls "$BARRIER" | wc -l)" -lt "$RACERS" ]; do sleep 0.02; done`;

describe.each(STORE_BACKENDS)('sixteen processes claim the same issue (%s store)', (backend) => {
  beforeEach(() => {
    useBackend(s, backend);
  });

  it('naive read-then-write: several racers believe they won (the control)', { timeout: 120_000 }, async () => {
    const outputs = await race(`
      taken=$("$NODE" "$CWT" kv get issue:15 owner 2>/dev/null)   # is it taken?
      ${BARRIER}
      if [ -z "$taken" ]; then "$NODE" "$CWT" kv set issue:15 owner "racer-$1" >/dev/null && echo WON; fi
    `);
    const winners = outputs.filter((out) => out.includes('WON'));
    // Every racer read "free" before anyone wrote: each one wrote and thinks issue 15 is its own.
    expect(winners.length).toBeGreaterThan(1);
    const final = JSON.parse((await runCwt(['kv', 'get', 'issue:15', 'owner', '--json'], { cwd: s.root, env: s.env })).stdout);
    expect(final.version).toBe(winners.length);
  });

  it('compare-and-set after the same read: exactly one winner, the rest told who holds it', { timeout: 120_000 }, async () => {
    const outputs = await race(`
      taken=$("$NODE" "$CWT" kv get issue:15 owner 2>/dev/null)
      ${BARRIER}
      if [ -z "$taken" ]; then
        if "$NODE" "$CWT" kv cas issue:15 owner "racer-$1" --expect 0 >/dev/null 2>"$BARRIER/err-$1"; then echo WON; else echo "LOST $?"; cat "$BARRIER/err-$1"; fi
      fi
    `);
    const winners = outputs.map((out, i) => [i, out] as const).filter(([, out]) => out.startsWith('WON'));
    expect(winners).toHaveLength(1);
    const losers = outputs.filter((out) => out.startsWith('LOST'));
    expect(losers).toHaveLength(RACERS - 1);
    const winner = `racer-${winners[0]![0]}`;
    for (const out of losers) {
      // Exit 1 (a conflict), naming the value that won and its version.
      expect(out).toMatch(/^LOST 1\n/);
      expect(out).toContain(`it is at version 1, value "${winner}"`);
    }
    const final = JSON.parse((await runCwt(['kv', 'get', 'issue:15', 'owner', '--json'], { cwd: s.root, env: s.env })).stdout);
    expect(final).toMatchObject({ value: winner, version: 1 });
  });
});

describe.each(STORE_BACKENDS)('sixteen workers drain a 100-task queue (%s store)', (backend) => {
  beforeEach(() => {
    useBackend(s, backend);
  });

  it('claim-next hands every task to exactly one worker, and every task ends done', { timeout: 240_000 }, async () => {
    const TASKS = 100;
    const store = await openSandboxStore(s);
    for (let i = 1; i <= TASKS; i++) await store.addTask({ queue: 'drain', title: `item ${i}`, data: { i }, createdBy: 'test', session: null, now: Date.now() });
    await store.close();
    const logs = join(s.root, 'done-by');
    mkdirSync(logs);
    await race(
      `
      ${BARRIER}
      while out=$("$NODE" "$CWT" task claim --queue drain --owner "worker-$1" --json); do
        id=$(printf '%s\\n' "$out" | sed -n 's/^  "id": \\([0-9]*\\),$/\\1/p')
        echo "$id" >> "$LOGS/worker-$1"
        "$NODE" "$CWT" task done "$id" --owner "worker-$1" --result "\\"worker-$1\\"" >/dev/null
      done
    `,
      { LOGS: logs },
    );
    const claimedBy = new Map<number, string[]>();
    for (const worker of readdirSync(logs)) {
      for (const line of readFileSync(join(logs, worker), 'utf8').split('\n').filter(Boolean)) {
        claimedBy.set(Number(line), [...(claimedBy.get(Number(line)) ?? []), worker]);
      }
    }
    // Every task was claimed, each by exactly one worker.
    expect([...claimedBy.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: TASKS }, (_, i) => i + 1));
    expect([...claimedBy.values()].filter((workers) => workers.length !== 1)).toEqual([]);
    // Several workers took part (not one worker doing everything while the rest waited).
    expect(readdirSync(logs).length).toBeGreaterThan(1);

    const check = await openSandboxStore(s);
    try {
      const tasks = await check.listTasks({ queue: 'drain' });
      expect(tasks.filter((task) => task.state !== 'done')).toEqual([]);
      // Done by the worker that claimed it, claimed once.
      for (const task of tasks) {
        expect(task.result).toBe(claimedBy.get(task.id)![0]);
        expect(task.attempts).toBe(1);
      }
      const events = await check.listEvents({ kinds: ['task.claim', 'task.done'] });
      expect(events.filter((event) => event.kind === 'task.claim')).toHaveLength(TASKS);
      expect(events.filter((event) => event.kind === 'task.done')).toHaveLength(TASKS);
    } finally {
      await check.close();
    }
  });
});
