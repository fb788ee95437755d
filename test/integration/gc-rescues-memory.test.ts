/**
 * `cwt gc` drops the row of a session whose worktree is gone; the row is what `cwt merge-memory <id>` needs to
 * find the namespace and its base. So gc merges the namespace's unmerged notes into canonical memory first, and
 * keeps the row when they conflict with canonical.
 */
import { existsSync, rmSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Scenario } from '../helpers/scenario.js';
import { readText, startSession, useMemoryScenario, writeFiles } from '../helpers/memory.js';
import { MESSAGES } from '../../src/texts/messages.js';

const fixture = useMemoryScenario({ 'MEMORY.md': '- [notes](notes.md)\n', 'notes.md': 'notes v0\n' });
let s: Scenario;
let canonical: string;
beforeEach(() => ({ s, canonical } = fixture));

describe('gc rescues memory before it drops a session row', () => {
  it('merges the unmerged notes of a session whose worktree vanished, then drops its record', async () => {
    const session = await startSession(s, 'feat/vanished');
    writeFiles(session.memoryDir, { 'notes.md': 'notes v1\n', 'learnt.md': 'something learnt\n' });
    rmSync(session.worktree, { recursive: true, force: true });

    const dry = await s.cwt(['gc', '--dry-run', '--json']);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout).actions.map((a: { action: string }) => a.action)).toEqual(['rescue-memory', 'drop-session']);
    expect(readText(canonical, 'notes.md')).toBe('notes v0\n');
    expect(await s.sessions()).toHaveLength(1);

    const gc = await s.cwt(['gc']);
    expect(gc.stderr).toBe('');
    expect(gc.code).toBe(0);
    expect(gc.stdout).toContain(`merged the memory of session ${session.id} (feat/vanished) into canonical memory before dropping its record: 1 added, 1 merged, 0 deleted`);
    expect(gc.stdout).toContain(`dropped session ${session.id}`);
    expect(readText(canonical, 'notes.md')).toBe('notes v1\n');
    expect(readText(canonical, 'learnt.md')).toBe('something learnt\n');
    expect(await s.sessions()).toEqual([]);
    // The namespace itself is kept, as always.
    expect(existsSync(session.memoryDir)).toBe(true);
  });

  it('keeps the record when the notes conflict with canonical memory, and says how to finish', async () => {
    const session = await startSession(s, 'feat/conflicting');
    writeFiles(session.memoryDir, { 'notes.md': 'notes from the session\n' });
    writeFiles(canonical, { 'notes.md': 'notes from elsewhere\n' });
    rmSync(session.worktree, { recursive: true, force: true });

    const gc = await s.cwt(['gc']);
    expect(gc.code).toBe(0);
    const [kept] = await s.sessions();
    expect(kept).toMatchObject({ id: session.id });
    expect(gc.stdout).toContain(MESSAGES.gcKeptForMemory(kept as never, 1));
    expect(gc.stdout).not.toContain(`dropped session ${session.id}`);
    expect(readText(canonical, 'notes.md')).toBe('notes from elsewhere\n');
  });

  it('drops a session with nothing new in its namespace without a word about memory', async () => {
    const session = await startSession(s, 'feat/quiet');
    rmSync(session.worktree, { recursive: true, force: true });
    const gc = await s.cwt(['gc']);
    expect(gc.code).toBe(0);
    expect(gc.stdout).toContain(`dropped session ${session.id}`);
    expect(gc.stdout).not.toContain('merged the memory');
    expect(await s.sessions()).toEqual([]);
  });
});
