/**
 * A merge that writes nothing into canonical memory can still move the session's base (both sides made the
 * same change). `cwt merge-memory --undo` undoes that merge, the last one, base included; not the merge before
 * it, which would put canonical back and leave a base the next merge reads as "canonical deleted it".
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Scenario } from '../helpers/scenario.js';
import { readText, startSession, useMemoryScenario, writeFiles } from '../helpers/memory.js';

const fixture = useMemoryScenario({ 'notes.md': 'notes v0\n', 'topic.md': 'topic v0\n' });
let s: Scenario;
let canonical: string;
beforeEach(() => ({ s, canonical } = fixture));

describe('cwt merge-memory --undo after a merge that only moved the base', () => {
  it('undoes that merge (base and merge state), then the one before it', async () => {
    const session = await startSession(s, 'feat/base');
    writeFiles(session.memoryDir, { 'notes.md': 'notes v1\n' });
    const first = await s.cwt(['merge-memory', session.id, '--json']);
    expect(first.code).toBe(0);
    expect(readText(canonical, 'notes.md')).toBe('notes v1\n');

    // The same edit on both sides: canonical needs no write, the base moves to it.
    writeFiles(session.memoryDir, { 'topic.md': 'topic v1\n' });
    writeFiles(canonical, { 'topic.md': 'topic v1\n' });
    const second = await s.cwt(['merge-memory', session.id, '--json']);
    expect(second.code).toBe(0);
    expect(readText(session.memoryBase, 'topic.md')).toBe('topic v1\n');
    expect(JSON.parse(second.stdout).backup).toEqual(expect.any(String));

    const undo = await s.cwt(['merge-memory', '--undo', '--json']);
    expect(undo.stderr).toBe('');
    expect(undo.code).toBe(0);
    expect(JSON.parse(undo.stdout)).toMatchObject({ backup: JSON.parse(second.stdout).backup, restored: [], removed: [] });
    // The second merge is undone: its base file is back, canonical (which it never wrote) is as it was.
    expect(readText(session.memoryBase, 'topic.md')).toBe('topic v0\n');
    expect(readText(canonical, 'notes.md')).toBe('notes v1\n');
    expect(readText(canonical, 'topic.md')).toBe('topic v1\n');

    // The next undo takes the first merge back (once canonical is as that merge left it).
    writeFiles(canonical, { 'topic.md': 'topic v0\n' });
    const again = await s.cwt(['merge-memory', '--undo', '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ backup: JSON.parse(first.stdout).backup, restored: ['notes.md'] });
    expect(readText(canonical, 'notes.md')).toBe('notes v0\n');
    expect(readText(session.memoryBase, 'notes.md')).toBe('notes v0\n');

    // And a merge now brings both of the session's notes back, nothing lost.
    expect((await s.cwt(['merge-memory', session.id])).code).toBe(0);
    expect(readText(canonical, 'notes.md')).toBe('notes v1\n');
    expect(readText(canonical, 'topic.md')).toBe('topic v1\n');
  });
});
