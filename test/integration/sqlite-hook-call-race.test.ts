/**
 * A tool call's deciders race for its row in hook_calls (Store.claimHookCall) on one SQLite file, each from a
 * process of its own, while another connection holds the write lock: exactly one records the call, and none
 * fails, whether the lock is let go within claimHookCall's own short retries or long after them (its busy
 * timeout then waits, as for every other statement). The control: the same insert with no wait at all fails
 * with SQLITE_BUSY while the lock is held, which is what the retries stand in front of.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SQLITE_FILE_NAME } from '../../src/core/store/sqlite.js';
import { openSandboxStore } from '../helpers/backends.js';
import { CWT_BIN } from '../helpers/cli.js';
import { createSandbox, type Sandbox } from '../helpers/env.js';

const STORE_MODULE = join(CWT_BIN, '..', '..', 'dist', 'store.js');
const DECIDERS = 6;

/** One decider: opens the store, waits for the agreed moment, claims the call once, prints won/lost or the error code. */
const DECIDER = `
const [storeModule, startAt, key] = process.argv.slice(1);
(async () => {
  const { openStore } = await import(storeModule);
  const store = await openStore(process.env);
  await store.getSchemaVersion();
  await new Promise((r) => setTimeout(r, Math.max(0, Number(startAt) - Date.now())));
  try {
    process.stdout.write((await store.claimHookCall({ key, by: 'fastpath', at: Date.now() })) ? 'won' : 'lost');
  } catch (error) {
    process.stdout.write(String(error.code ?? error.message));
  }
  await store.close();
})();
`;

/**
 * Another connection's write: takes the lock at the agreed moment minus a little, holds it `holdMs`, commits.
 * With `naive`, it also tries the claim's insert itself from a second connection that does not wait at all.
 */
const HOLDER = `
const [file, startAt, holdMs, naive] = process.argv.slice(1);
const Database = require(require.resolve('better-sqlite3', { paths: [process.cwd()] }));
const db = new Database(file, { timeout: 10000 });
const spin = (until) => { while (Date.now() < until) {} };
spin(Number(startAt) - 5);
db.exec('BEGIN IMMEDIATE');
db.prepare("INSERT INTO hook_calls (key, by, at) VALUES ('other/toolu_x/pre-tool-use', 'command', 1)").run();
process.stdout.write('held;');
if (naive === '1') {
  const impatient = new Database(file, { timeout: 0 });
  try {
    impatient.prepare("INSERT INTO hook_calls (key, by, at) VALUES ('c1/toolu_race/pre-tool-use', 'naive', 2) ON CONFLICT (key) DO NOTHING").run();
    process.stdout.write('naive:inserted;');
  } catch (error) {
    process.stdout.write('naive:' + error.code + ';');
  }
}
spin(Date.now() + Number(holdMs));
db.exec('COMMIT');
process.stdout.write('released');
`;

async function run(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const child = spawn(process.execPath, args, { env, cwd: join(CWT_BIN, '..', '..'), stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  await once(child, 'close');
  return out;
}

let s: Sandbox;
beforeEach(() => {
  s = createSandbox();
});
afterEach(() => s.cleanup());

describe('claimHookCall on SQLite, deciders in processes of their own', () => {
  it.each([
    ['within the short retries', 2],
    ['long after them (the busy timeout waits)', 150],
  ])('one records the call and none fails while another connection holds the lock %s', async (_, holdMs) => {
    const store = await openSandboxStore(s);
    await store.close();
    // Far enough ahead for every process to have opened the store.
    const startAt = Date.now() + 1500;
    const file = join(s.env.CWT_HOME!, SQLITE_FILE_NAME);
    const [held, ...answers] = await Promise.all([
      run(['-e', HOLDER, file, String(startAt), String(holdMs), '0'], s.env),
      ...Array.from({ length: DECIDERS }, () => run(['-e', DECIDER, STORE_MODULE, String(startAt), 'c1/toolu_race/pre-tool-use'], s.env)),
    ]);
    expect(held).toBe('held;released');
    expect(answers.sort()).toEqual(['lost', 'lost', 'lost', 'lost', 'lost', 'won']);
    const reopened = await openSandboxStore(s);
    try {
      expect((await reopened.listHookCalls()).map((call) => call.key).sort()).toEqual(['c1/toolu_race/pre-tool-use', 'other/toolu_x/pre-tool-use']);
    } finally {
      await reopened.close();
    }
  });

  it('the control: the same insert that does not wait fails with SQLITE_BUSY while the lock is held', async () => {
    const store = await openSandboxStore(s);
    await store.close();
    const file = join(s.env.CWT_HOME!, SQLITE_FILE_NAME);
    expect(await run(['-e', HOLDER, file, String(Date.now() + 200), '20', '1'], s.env)).toBe('held;naive:SQLITE_BUSY;released');
  });
});
