/**
 * cwt status and cwt append answer from their lean bundles (dist/status.cjs, dist/append.cjs); `cwt -C <dir> …`
 * takes the full CLI.
 * Both must print the same and exit the same, for results and for refusals.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fileLockName } from '../../src/core/coordination/locks.js';
import { SQLITE_FILE_NAME, SqliteStore } from '../../src/core/store/sqlite.js';
import { CWT_BIN } from '../helpers/cli.js';
import { createScenario, type Scenario } from '../helpers/scenario.js';
import { withSqliteStore } from '../helpers/store.js';

describe('lean status and append', () => {
  let s: Scenario;
  beforeEach(async () => {
    s = createScenario();
    for (const branch of ['a', 'b']) expect((await s.cwt(['new', branch, '--no-launch'])).code).toBe(0);
  });
  afterEach(() => s.cleanup());

  const both = async (args: string[]) => [await s.cwt(args), await s.cwt(['-C', s.repo, ...args])] as const;

  it.each([[['status']], [['status', '--json']], [['ls', '--all']], [['status', '--markdown']]])('%j prints as the full CLI does', async (args) => {
    const [lean, full] = await both(args);
    expect(lean.code).toBe(0);
    expect(lean.stdout).toContain(args[0] === 'status' && args[1] === '--json' ? '"branch": "a"' : 'a');
    // The table's ages ("5s ago") may tick between the two runs, a moment apart.
    const steady = (text: string) => text.replace(/\b(?:\d+[smhd] ago|\d+[smhd]|now)\b/g, 'N').replace(/ +/g, ' ');
    expect({ ...lean, stdout: steady(lean.stdout) }).toEqual({ ...full, stdout: steady(full.stdout) });
  });

  it('append: a line, a repeated --unique line, --json, and refusals as the full CLI', async () => {
    const file = join(s.root, 'index.md');
    const first = await s.cwt(['append', file, '- one', '--unique']);
    expect(first).toMatchObject({ code: 0, stdout: '' });
    expect(first.stderr).toContain(file);
    const [again, againFull] = await both(['append', file, '- one', '--unique']);
    expect(again).toEqual(againFull);
    const [json, jsonFull] = await both(['append', file, '- two', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ appended: true });
    expect(JSON.parse(jsonFull.stdout)).toMatchObject({ appended: true });
    const [bad, badFull] = await both(['append', file, 'two\nlines']);
    expect(bad.code).toBe(2);
    expect(bad).toEqual(badFull);
    expect(readFileSync(file, 'utf8')).toBe('- one\n- two\n- two\n');
  });

  it('append and status leave SQLite to the exit: no checkpoint, and what append did is there for the next reader', async () => {
    const file = join(s.root, 'index.md');
    const wal = join(s.cwtHome, `${SQLITE_FILE_NAME}-wal`);
    // The full CLI closes the store: the last connection's checkpoint empties the WAL into the database.
    expect((await s.cwt(['-C', s.repo, 'append', file, '- zero'])).code).toBe(0);
    expect(statSync(wal, { throwIfNoEntry: false })?.size ?? 0).toBe(0);
    // The lean entry exits without that checkpoint (its fsyncs are most of a close): the lock's acquire and
    // release stay in the WAL, committed, and the lock is free.
    expect((await s.cwt(['append', file, '- one'])).code).toBe(0);
    expect(statSync(wal).size).toBeGreaterThan(0);
    expect((await s.cwt(['status'])).code).toBe(0);
    expect(statSync(wal).size).toBeGreaterThan(0);
    const lock = fileLockName(realpathSync(file));
    await withSqliteStore(s.cwtHome, async (store) => {
      expect(await store.getLock(lock)).toBeUndefined();
      const kinds = (await store.listEvents({})).filter((event) => event.data.name === lock).map((event) => event.kind);
      expect(kinds).toEqual(['lock.acquire', 'lock.release', 'lock.acquire', 'lock.release']);
    });
    // A second lean append takes the lock at once, and both lines are there.
    expect((await s.cwt(['append', file, '- two', '--unique'])).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe('- zero\n- one\n- two\n');
  });

  it('append takes its lock and writes its file without loading node:crypto (~4 ms of every start)', () => {
    const file = join(s.root, 'catalogue.md');
    // Preloaded: prints, as the process exits, the built-in modules the command loaded.
    const preload = join(s.root, 'loaded.cjs');
    writeFileSync(preload, "process.on('exit', () => require('node:fs').writeSync(2, '\\nLOADED ' + JSON.stringify(process.moduleLoadList) + '\\n'));\n");
    const run = spawnSync(process.execPath, ['-r', preload, CWT_BIN, 'append', file, '- one', '--json'], { cwd: s.repo, env: s.env, encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ appended: true });
    const loaded = JSON.parse(/^LOADED (.*)$/m.exec(run.stderr)![1]!) as string[];
    // The control: the list names what loaded, node:fs among it.
    expect(loaded).toContain('NativeModule fs');
    expect(loaded.filter((name) => /^NativeModule (?:internal\/)?crypto\b/.test(name))).toEqual([]);
    expect(readFileSync(file, 'utf8')).toBe('- one\n');
  });

  it('loads the build for its store: SQLite alone without CWT_STORE, the PostgreSQL one (which reports a bad URL) with it', async () => {
    const loaded = (stderr: string) => /lean: (\S+) loaded/.exec(stderr)?.[1];
    const sqlite = await s.cwt(['status'], { env: { ...s.env, CWT_DEBUG: '1' } });
    expect(sqlite.code).toBe(0);
    expect(loaded(sqlite.stderr)).toBe('status.cjs');
    // CWT_STORE=sqlite names the local store, as open.ts reads it: the same build.
    const named = await s.cwt(['status'], { env: { ...s.env, CWT_STORE: 'sqlite', CWT_DEBUG: '1' } });
    expect(named.code).toBe(0);
    expect(loaded(named.stderr)).toBe('status.cjs');
    // That build has no PostgreSQL code: its migrations' server-side function is not in it, unlike the other's.
    const dist = join(CWT_BIN, '..', '..', 'dist');
    for (const bundle of ['hook', 'githook', 'status', 'append', 'new']) {
      expect(readFileSync(join(dist, `${bundle}.cjs`), 'utf8')).not.toContain('cwt_tool_call');
      expect(readFileSync(join(dist, `${bundle}.postgres.cjs`), 'utf8')).toContain('cwt_tool_call');
    }
    // Not a URL cwt knows: the build with every store says so, as the full CLI does.
    const badEnv = { ...s.env, CWT_STORE: 'mysql://db/cwt' };
    const bad = await s.cwt(['status'], { env: { ...badEnv, CWT_DEBUG: '1' } });
    const badFull = await s.cwt(['-C', s.repo, 'status'], { env: badEnv });
    expect(loaded(bad.stderr)).toBe('status.postgres.cjs');
    expect(bad.code).toBe(2);
    expect(bad.code).toBe(badFull.code);
    expect(bad.stderr).toContain('CWT_STORE must be a postgres://');
    expect(badFull.stderr).toContain('CWT_STORE must be a postgres://');
    // A PostgreSQL URL (no server there): the same build, which tries it and names the store it cannot reach.
    const unreachable = await s.cwt(['append', join(s.root, 'x.md'), '- one'], { env: { ...s.env, CWT_STORE: 'postgres://cwt@127.0.0.1:1/cwt', CWT_DEBUG: '1', PGCONNECT_TIMEOUT: '2' } });
    expect(loaded(unreachable.stderr)).toBe('append.postgres.cjs');
    expect(unreachable.code).not.toBe(0);
    expect(unreachable.stderr).toContain('CWT_STORE');
  });

  it('a process that exits without closing keeps the WAL short (the next opener reads all of it); a default connection does not', async () => {
    const wal = join(s.cwtHome, `${SQLITE_FILE_NAME}-wal`);
    const frames = () => Math.max(0, (statSync(wal, { throwIfNoEntry: false })?.size ?? 0) - 32) / (4096 + 24);
    const file = join(s.root, 'log.md');
    for (let i = 0; i < 30; i++) expect((await s.cwt(['append', file, `- ${i}`, '--quiet'])).code).toBe(0);
    // Checkpointed at 100 pages: what is left is less than that and one append's commits.
    expect(frames()).toBeLessThanOrEqual(130);
    expect(readFileSync(file, 'utf8').split('\n')).toHaveLength(31);
    // The control: the same 30 lock round trips from a connection with SQLite's default threshold (1,000 pages)
    // leave all their frames in the WAL.
    const store = new SqliteStore(s.cwtHome);
    try {
      const before = frames();
      for (let i = 0; i < 30; i++) {
        const result = await store.acquireLock({ name: `file:/control/${i}`, holder: 'h', session: null, pid: process.pid, host: 'h', ttlMs: 1000, note: null, now: Date.now() }, () => false);
        if (result.acquired) await store.releaseLock(result.lock.name, result.lock.token);
      }
      expect(frames() - before).toBeGreaterThan(130);
    } finally {
      await store.close();
    }
  });
});
