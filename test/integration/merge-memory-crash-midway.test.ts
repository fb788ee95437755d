/**
 * `kill -9` in the middle of a memory merge, then a re-run: canonical memory ends up exactly as an
 * uninterrupted merge leaves it, with no temporary files and no journal left, and the backup still undoes it.
 * CWT_FAILPOINT=merge-memory:after-write:<n> holds the merge after n canonical files (0: right after the
 * journal was committed, before any), so the kill lands there deterministically.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCwt, waitForStderr } from '../helpers/cli.js';
import type { Scenario } from '../helpers/scenario.js';
import { findTempFiles, getMemoryStateRoot, snapshotTree, startSession, useMemoryScenario, writeFiles, type TestSession } from '../helpers/memory.js';
import { MESSAGES } from '../../src/texts/messages.js';

let s: Scenario;
let canonical: string;
let a: TestSession;
let b: TestSession;

const FILES = 12;
const name = (n: number) => `topic-${String(n).padStart(2, '0')}.md`;

const fixture = useMemoryScenario({
  'MEMORY.md': Array.from({ length: FILES }, (_, n) => `- [${n}](${name(n)})\n`).join(''),
  ...Object.fromEntries(Array.from({ length: FILES }, (_, n) => [name(n), `# Topic ${n}\n\nOriginal text of topic ${n}.\n`])),
});

beforeEach(async () => {
  ({ s, canonical } = fixture);
  a = await startSession(s, 'feat/a');
  b = await startSession(s, 'feat/b');
  // a changes topic 10 and merges: canonical is no longer b's base.
  writeFiles(a.memoryDir, { [name(10)]: `# Topic 10\n\nOriginal text of topic 10.\nA's addition.\n` });
  expect((await s.cwt(['merge-memory', a.id])).code).toBe(0);
  // b edits ten topics, adds two, deletes one, and appends to the index.
  for (let n = 0; n < 10; n++) writeFiles(b.memoryDir, { [name(n)]: `# Topic ${n}\n\nOriginal text of topic ${n}, revised by b.\n` });
  writeFiles(b.memoryDir, { 'new-1.md': 'b one\n', 'new-2.md': 'b two\n' });
  writeFiles(b.memoryDir, { 'MEMORY.md': `${Array.from({ length: FILES - 1 }, (_, n) => `- [${n}](${name(n)})\n`).join('')}- [n1](new-1.md)\n- [n2](new-2.md)\n` });
  rmSync(join(b.memoryDir, name(11)));
});

/** What an uninterrupted merge of b leaves: b's namespace, with a's topic 10 (b did not touch it). */
function expectedCanonical(): ReturnType<typeof snapshotTree> {
  const expected = snapshotTree(b.memoryDir);
  expected[name(10)] = snapshotTree(canonical)[name(10)]!;
  return expected;
}

/** A pid that certainly belongs to no running process: one that has just exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!;
}

// 14 canonical writes in all: 10 edits, 2 additions, 1 deletion, MEMORY.md.
describe.each([
  ['merge-memory', 0],
  ['merge-memory', 1],
  ['end', 7],
  ['merge-memory', 14],
])('cwt %s killed with -9 after %i canonical writes', (command, writes) => {
  it('a re-run finishes the merge: canonical as merged, no temporary files, no journal, undo still exact', async () => {
    const expected = expectedCanonical();
    const before = snapshotTree(canonical);
    const { child, result } = startCwt([command, b.id], { cwd: s.repo, env: { ...s.env, CWT_FAILPOINT: `merge-memory:after-write:${writes}` } });
    await waitForStderr(child, (text) => text.includes(`cwt-failpoint: merge-memory after-write ${writes}`));
    child.kill('SIGKILL');
    expect((await result).signal).toBe('SIGKILL');

    // Midway: exactly `writes` files differ from before, and the journal is there to finish the job.
    const midway = snapshotTree(canonical);
    const changed = [...new Set([...Object.keys(before), ...Object.keys(midway)])].filter((file) => JSON.stringify(before[file]) !== JSON.stringify(midway[file]));
    expect(changed).toHaveLength(writes);
    const [stateDir] = readdirSync(getMemoryStateRoot(s));
    const journal = join(getMemoryStateRoot(s), stateDir!, 'journal');
    expect(existsSync(join(journal, 'journal.json'))).toBe(true);
    // A writer killed mid-rename leaves a temp file; plant one (its pid is dead) to see the re-run sweep it.
    writeFileSync(join(canonical, `.${name(3)}.cwt-${deadPid()}-deadbeef.tmp`), 'half a file');

    const rerun = await s.cwt([command, b.id]);
    expect(rerun.stderr).not.toContain('cwt:');
    expect(rerun.code).toBe(0);
    expect(rerun.stderr).toContain(MESSAGES.mergeRecovered('merge'));
    expect(snapshotTree(canonical)).toEqual(expected);
    for (const dir of [canonical, b.memoryDir, b.memoryBase, s.cwtHome]) expect(findTempFiles(dir)).toEqual([]);
    expect(existsSync(journal)).toBe(false);
    expect((await s.sessions()).find((x) => x.id === b.id)!.memory).toBe('merged');

    // The backup taken before the killed merge still puts canonical back byte for byte.
    const undo = await s.cwt(['merge-memory', '--undo']);
    expect(undo.stderr).not.toContain('cwt:');
    expect(undo.code).toBe(0);
    expect(snapshotTree(canonical)).toEqual(before);
  });
});

describe('cwt merge-memory killed with -9 before its journal was committed', () => {
  it('leaves canonical as it was; the re-run discards the half-made backup and merges from scratch', async () => {
    const expected = expectedCanonical();
    const before = snapshotTree(canonical);
    const { child, result } = startCwt(['merge-memory', b.id], { cwd: s.repo, env: { ...s.env, CWT_FAILPOINT: 'merge-memory:before-commit' } });
    await waitForStderr(child, (text) => text.includes('cwt-failpoint: merge-memory before-commit'));
    child.kill('SIGKILL');
    await result;
    expect(snapshotTree(canonical)).toEqual(before);
    const [stateDir] = readdirSync(getMemoryStateRoot(s));
    const backups = join(getMemoryStateRoot(s), stateDir!, 'backups');
    expect(readdirSync(backups)).toHaveLength(2); // a's, and the killed merge's (never completed)

    const rerun = await s.cwt(['merge-memory', b.id]);
    expect(rerun.code).toBe(0);
    expect(rerun.stderr).not.toContain(MESSAGES.mergeRecovered('merge'));
    expect(snapshotTree(canonical)).toEqual(expected);
    expect(readdirSync(backups)).toHaveLength(2); // a's and the re-run's
    expect(existsSync(join(getMemoryStateRoot(s), stateDir!, 'journal'))).toBe(false);
    expect((await s.cwt(['merge-memory', '--undo'])).code).toBe(0);
    expect(snapshotTree(canonical)).toEqual(before);
  });
});
