/**
 * Two `cwt end` started at the same moment, as two real processes, each merging a session that appended to
 * MEMORY.md and wrote its own notes: the canonical-memory lock serialises them, the second merges against the
 * first's result, and nothing of either is lost.
 */
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { SQLITE_FILE_NAME } from '../../src/core/store/sqlite.js';
import { startCwt } from '../helpers/cli.js';
import { readText, startSession, useMemoryScenario, writeFiles } from '../helpers/memory.js';

const fixture = useMemoryScenario({ 'MEMORY.md': '# Memory\n', 'shared.md': 'line 1\nline 2\nline 3\nline 4\nline 5\n' });

const ROUNDS = 3;

describe('two cwt end at once', () => {
  it(`both merge, serialised by the canonical-memory lock (${ROUNDS} rounds)`, async () => {
    const { s, canonical } = fixture;
    for (let round = 0; round < ROUNDS; round++) {
      const a = await startSession(s, `feat/a${round}`);
      const b = await startSession(s, `feat/b${round}`);
      writeFiles(a.memoryDir, {
        'MEMORY.md': `${readText(a.memoryDir, 'MEMORY.md')}- [a${round}](a${round}.md)\n`,
        [`a${round}.md`]: `note a${round}\n`,
        'shared.md': readText(a.memoryDir, 'shared.md').replace(/^line 1.*$/m, `line 1 (a${round})`),
      });
      writeFiles(b.memoryDir, {
        'MEMORY.md': `${readText(b.memoryDir, 'MEMORY.md')}- [b${round}](b${round}.md)\n`,
        [`b${round}.md`]: `note b${round}\n`,
        'shared.md': readText(b.memoryDir, 'shared.md').replace(/^line 5.*$/m, `line 5 (b${round})`),
      });
      // Both processes start before either is awaited.
      const runs = [startCwt(['end', a.id], { cwd: s.repo, env: s.env }), startCwt(['end', b.id], { cwd: s.repo, env: s.env })];
      const results = await Promise.all(runs.map((run) => run.result));
      for (const result of results) {
        expect(result.stderr).not.toContain('cwt:');
        expect(result.code).toBe(0);
      }
      const index = readText(canonical, 'MEMORY.md');
      expect(index).toContain(`- [a${round}](a${round}.md)\n`);
      expect(index).toContain(`- [b${round}](b${round}.md)\n`);
      expect(readText(canonical, `a${round}.md`)).toBe(`note a${round}\n`);
      expect(readText(canonical, `b${round}.md`)).toBe(`note b${round}\n`);
      const shared = readText(canonical, 'shared.md');
      expect(shared).toContain(`line 1 (a${round})\n`);
      expect(shared).toContain(`line 5 (b${round})\n`);
      const sessions = await s.sessions();
      for (const id of [a.id, b.id]) expect(sessions.find((x) => x.id === id)).toMatchObject({ state: 'ended', memory: 'merged' });
    }
    // Every round's entries, each once.
    const lines = readText(canonical, 'MEMORY.md').split('\n').filter(Boolean);
    expect(lines).toHaveLength(1 + 2 * ROUNDS);
    expect(new Set(lines).size).toBe(lines.length);
    // The merges never overlapped: the canonical-memory lock was acquired and released strictly in turn.
    const db = new Database(join(s.cwtHome, SQLITE_FILE_NAME), { readonly: true });
    const events = (db.prepare("SELECT kind, data FROM events WHERE kind LIKE 'lock.%' ORDER BY id").all() as { kind: string; data: string }[])
      .map((event) => ({ kind: event.kind, name: (JSON.parse(event.data) as { name: string }).name }))
      .filter((event) => event.name === `memory:${canonical}`);
    db.close();
    expect(events.length).toBeGreaterThanOrEqual(4 * ROUNDS);
    events.forEach((event, index) => expect(event.kind).toBe(index % 2 === 0 ? 'lock.acquire' : 'lock.release'));
  });
});
