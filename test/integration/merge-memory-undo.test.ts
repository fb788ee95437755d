/**
 * `cwt merge-memory --undo` puts canonical memory back byte for byte (contents, modes, the list of files), and
 * the session's merge state with it; it refuses when canonical changed since, unless --force. Bad input gets a
 * clear error, exit 2, and changes nothing.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCwt } from '../helpers/cli.js';
import type { Scenario } from '../helpers/scenario.js';
import { getMemoryStateRoot, readText, snapshotTree, startSession, useMemoryScenario, writeFiles, type TestSession } from '../helpers/memory.js';
import { MESSAGES } from '../../src/texts/messages.js';

const fixture = useMemoryScenario({
  'MEMORY.md': '- [a](a.md)\n- [b](b.md)\n- [deep](topics/deep.md)\n',
  'a.md': 'alpha\n',
  'b.md': 'beta, no trailing newline',
  'topics/deep.md': '# deep\nnested note\n',
  'private.md': 'kept 0600\n',
});
let s: Scenario;
let canonical: string;
let session: TestSession;

beforeEach(async () => {
  ({ s, canonical } = fixture);
  chmodSync(join(canonical, 'private.md'), 0o600);
  writeFileSync(join(canonical, 'blob.bin'), Buffer.from([0, 255, 1, 254]));
  session = await startSession(s, 'feat/undo');
  writeFiles(session.memoryDir, {
    'MEMORY.md': '- [a](a.md)\n- [deep](topics/deep.md)\n- [c](c.md)\n',
    'a.md': 'alpha, edited\n',
    'c.md': 'gamma\n',
    'topics/deep.md': '# deep\nnested note, edited\n',
    'topics/new/deeper.md': 'deeper\n',
  });
  rmSync(join(session.memoryDir, 'b.md'));
});

async function memoryOf(id: string) {
  return (await s.sessions()).find((x) => x.id === id)!;
}

describe('cwt merge-memory --undo', () => {
  it('restores canonical byte for byte, mode for mode, file list included, and the session can merge again', async () => {
    const before = snapshotTree(canonical);
    const merged = await s.cwt(['merge-memory', session.id, '--json']);
    expect(merged.code).toBe(0);
    const after = snapshotTree(canonical);
    // The backup is private: 0700 directories, 0600 files.
    const { backup } = JSON.parse(merged.stdout) as { backup: string };
    expect(statSync(backup).mode & 0o777).toBe(0o700);
    expect(statSync(join(backup, 'canonical')).mode & 0o777).toBe(0o700);
    for (const entry of Object.values(snapshotTree(backup))) expect(entry.mode).toBe(0o600);
    expect(Object.keys(after).sort()).toEqual(['MEMORY.md', 'a.md', 'blob.bin', 'c.md', 'private.md', 'topics/deep.md', 'topics/new/deeper.md']);
    expect(await memoryOf(session.id)).toMatchObject({ memory: 'merged' });

    const dry = await s.cwt(['merge-memory', '--undo', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('  restore   a.md');
    expect(dry.stdout).toContain('  remove    c.md');
    expect(snapshotTree(canonical)).toEqual(after);

    const undo = await s.cwt(['merge-memory', '--undo', '--json']);
    expect(undo.stderr).not.toContain('cwt:');
    expect(undo.code).toBe(0);
    expect(JSON.parse(undo.stdout)).toMatchObject({ restored: ['MEMORY.md', 'a.md', 'b.md', 'topics/deep.md'], removed: ['c.md', 'topics/new/deeper.md'], changedSince: [] });
    expect(snapshotTree(canonical)).toEqual(before);
    expect(await memoryOf(session.id)).toMatchObject({ memory: 'unmerged', memoryMergedAt: null });

    // Its base went back too: merging again does exactly what the first merge did.
    expect((await s.cwt(['merge-memory', session.id])).code).toBe(0);
    expect(snapshotTree(canonical)).toEqual(after);
  });

  it('refuses (exit 1, nothing changed) when canonical changed since the merge; --force restores anyway', async () => {
    const before = snapshotTree(canonical);
    expect((await s.cwt(['merge-memory', session.id])).code).toBe(0);
    writeFiles(canonical, { 'a.md': 'alpha, edited, and then edited by hand\n' });
    const changed = snapshotTree(canonical);
    const refused = await s.cwt(['merge-memory', '--undo']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(MESSAGES.undoCanonicalChanged(canonical, ['a.md']).split('\n')[0]);
    expect(refused.stderr).toContain('--force');
    expect(snapshotTree(canonical)).toEqual(changed);
    const forced = await s.cwt(['merge-memory', '--undo', '--force']);
    expect(forced.code).toBe(0);
    expect(snapshotTree(canonical)).toEqual(before);
    // That backup is used up: nothing else to undo.
    const none = await s.cwt(['merge-memory', '--undo']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(MESSAGES.undoNothing(canonical));
  });

  it('undoes the last merge of the session named, refusing when a later merge changed canonical', async () => {
    const other = await startSession(s, 'feat/other');
    writeFiles(other.memoryDir, { 'other.md': 'from the other session\n' });
    expect((await s.cwt(['merge-memory', session.id])).code).toBe(0);
    expect((await s.cwt(['merge-memory', other.id])).code).toBe(0);
    const refused = await s.cwt(['merge-memory', session.id, '--undo']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('other.md');
    // Undo the other one first (the last merge), then this session's.
    expect((await s.cwt(['merge-memory', other.id, '--undo'])).code).toBe(0);
    expect((await s.cwt(['merge-memory', session.id, '--undo'])).code).toBe(0);
    expect(readText(canonical, 'a.md')).toBe('alpha\n');
  });
});

describe('bad input to merge-memory and memory: clear error, exit 2, nothing changed', () => {
  async function footprint() {
    return {
      canonical: snapshotTree(canonical),
      namespace: snapshotTree(session.memoryDir),
      state: snapshotTree(getMemoryStateRoot(s)),
      sessions: await s.sessions(),
    };
  }

  it.each([
    [['merge-memory', 'no-such-session'], MESSAGES.noSuchSession('no-such-session')],
    [['merge-memory', '--undo'], null],
    [['merge-memory', 'feat/undo', '--force'], '--force goes with --undo'],
    [['merge-memory', 'a', 'b'], 'unexpected argument'],
    [['merge-memory', '--bogus'], 'cwt merge-memory'],
    [['memory', 'frobnicate'], "unknown subcommand 'frobnicate'"],
    [['memory'], 'missing argument'],
    [['merge-memory'], MESSAGES.noSessionHere('')],
  ])('%j', async (args, expected) => {
    const before = await footprint();
    const result = await s.cwt(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^cwt: /m);
    expect(result.stderr).toContain('next:');
    expect(result.stderr).toContain(expected ?? MESSAGES.undoNothing(canonical));
    expect(await footprint()).toEqual(before);
  });

  it('outside a repository: --undo without a session exits 4', async () => {
    const elsewhere = join(s.root, 'elsewhere');
    mkdirSync(elsewhere);
    const result = await runCwt(['merge-memory', '--undo'], { cwd: elsewhere, env: s.env });
    expect(result.code).toBe(4);
    expect(result.stderr).toContain(MESSAGES.notAGitRepo(elsewhere));
  });
});
