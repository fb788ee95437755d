/**
 * readSettledTree's two traps. Its clock: "the file kept still for quietMs" must be judged at the moment its
 * read began; a stand-in clock plays a merge process paused at the clock's reading (a loaded machine) while the
 * agent finishes the note it was writing. And an empty file with old times, which is what a stat shows in the
 * middle of a truncating open: taken on its times, the note would be merged empty.
 */
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readSettledTree } from '../../src/core/memory/snapshot.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cwt-snapshot-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const FIRST_HALF = '# Notes\n\nversion 2 begins\n';
const WHOLE = `${FIRST_HALF}version 2 complete\n`;

describe('readSettledTree', () => {
  it('judges quiet from before the read: a pause at the clock while the writer finishes never yields the torn note', async () => {
    writeFileSync(join(dir, 'notes.md'), FIRST_HALF);
    let readings = 0;
    const pausedClock = () => {
      // The first reading is the pause: the writer completes the note meanwhile, and a second has passed.
      if (readings++ === 0) appendFileSync(join(dir, 'notes.md'), 'version 2 complete\n');
      return Date.now() + 1_000;
    };
    const { tree, unsettled } = await readSettledTree(dir, { quietMs: 200, attempts: 2, now: pausedClock });
    expect(unsettled).toEqual([]);
    expect(tree.get('notes.md')?.data.toString('utf8')).toBe(WHOLE);
  });

  it('an empty file with long-quiet times is looked at again a quiet period later, and the version its writer wrote meanwhile is what is read', async () => {
    // Empty, and unchanged for longer than the quiet period (a ctime cannot be set back, so it is waited for).
    const path = join(dir, 'notes.md');
    writeFileSync(path, '');
    await new Promise((resolve) => setTimeout(resolve, 120));
    const reading = readSettledTree(dir, { quietMs: 60, attempts: 4 });
    // The first look is made before readSettledTree returns; the writer's truncating open then finishes its version.
    writeFileSync(path, WHOLE);
    const { tree, unsettled } = await reading;
    expect(unsettled).toEqual([]);
    expect(tree.get('notes.md')?.data.toString('utf8')).toBe(WHOLE);
  });

  it('an empty file that stays empty is read as empty', async () => {
    writeFileSync(join(dir, 'empty.md'), '');
    const { tree, unsettled } = await readSettledTree(dir, { quietMs: 50, attempts: 2 });
    expect(unsettled).toEqual([]);
    expect(tree.get('empty.md')?.data.length).toBe(0);
  });

  it('a file written just now is read again once it has kept still, and one that goes away is left out', async () => {
    writeFileSync(join(dir, 'kept.md'), WHOLE);
    writeFileSync(join(dir, 'gone.md'), FIRST_HALF);
    let readings = 0;
    const clock = () => {
      if (readings++ === 0) rmSync(join(dir, 'gone.md'));
      return Date.now();
    };
    const { tree, unsettled } = await readSettledTree(dir, { quietMs: 50, attempts: 3, now: clock });
    expect(unsettled).toEqual([]);
    expect([...tree.keys()]).toEqual(['kept.md']);
    expect(tree.get('kept.md')?.data.toString('utf8')).toBe(WHOLE);
  });
});
