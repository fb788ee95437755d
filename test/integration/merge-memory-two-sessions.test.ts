/**
 * Two sessions on one repository write memory in their own namespaces; `cwt end` / `cwt merge-memory` bring
 * it back into canonical memory. Real repository, real `cwt new --no-launch` sessions, the built CLI.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Scenario } from '../helpers/scenario.js';
import { getMemoryStateRoot, readText, snapshotTree, startSession, useMemoryScenario, writeFiles } from '../helpers/memory.js';
import { MESSAGES } from '../../src/texts/messages.js';

const fixture = useMemoryScenario({
  'MEMORY.md': '# Memory\n- [Architecture](architecture.md): how the parts fit\n- [Testing](testing.md): how we test\n',
  'architecture.md': '# Architecture\n\nThe store is SQLite.\nThe CLI is thin.\n',
  'testing.md': '# Testing\n\nIntegration tests use real git.\n',
});
let s: Scenario;
let canonical: string;
beforeEach(() => ({ s, canonical } = fixture));

async function memoryStateOf(id: string): Promise<string> {
  return (await s.sessions()).find((session) => session.id === id)!.memory as string;
}

describe('two sessions merge their memory back', () => {
  it('index entries appended by both and edits to different topic files: clean, both kept', async () => {
    const a = await startSession(s, 'feat/a');
    const b = await startSession(s, 'feat/b');
    writeFiles(a.memoryDir, {
      'MEMORY.md': `${readText(a.memoryDir, 'MEMORY.md')}- [Deploy](deploy.md): the deploy script\n`,
      'deploy.md': '# Deploy\n\nRun ./deploy.sh under cwt lock deploy.\n',
      'architecture.md': '# Architecture\n\nThe store is SQLite in WAL mode.\nThe CLI is thin.\n',
    });
    writeFiles(b.memoryDir, {
      'MEMORY.md': `${readText(b.memoryDir, 'MEMORY.md')}- [Hooks](hooks.md): the hook hot path\n`,
      'hooks.md': '# Hooks\n\nHooks import only node:* modules.\n',
      'testing.md': '# Testing\n\nIntegration tests use real git and real processes.\n',
    });

    const endA = await s.cwt(['end', a.id]);
    expect(endA.stderr).not.toContain('cwt:');
    expect(endA.code).toBe(0);
    expect(endA.stderr).toContain(`merged session ${a.id} (feat/a) into ${canonical}: 1 added, 2 merged`);
    const endB = await s.cwt(['end', b.id, '--json']);
    expect(endB.code).toBe(0);
    expect(JSON.parse(endB.stdout).memory).toMatchObject({ added: ['hooks.md'], merged: ['MEMORY.md', 'testing.md'], deleted: [], conflicts: [] });

    expect(readText(canonical, 'MEMORY.md')).toBe(
      '# Memory\n- [Architecture](architecture.md): how the parts fit\n- [Testing](testing.md): how we test\n' +
        '- [Deploy](deploy.md): the deploy script\n- [Hooks](hooks.md): the hook hot path\n',
    );
    expect(readText(canonical, 'architecture.md')).toBe('# Architecture\n\nThe store is SQLite in WAL mode.\nThe CLI is thin.\n');
    expect(readText(canonical, 'testing.md')).toBe('# Testing\n\nIntegration tests use real git and real processes.\n');
    expect(readText(canonical, 'deploy.md')).toBe('# Deploy\n\nRun ./deploy.sh under cwt lock deploy.\n');
    expect(readText(canonical, 'hooks.md')).toBe('# Hooks\n\nHooks import only node:* modules.\n');
    expect(await memoryStateOf(a.id)).toBe('merged');
    expect(await memoryStateOf(b.id)).toBe('merged');
  });

  it('a section added to the same file by each session: both sections present', async () => {
    const a = await startSession(s, 'feat/a');
    const b = await startSession(s, 'feat/b');
    const original = readText(a.memoryDir, 'architecture.md');
    writeFiles(a.memoryDir, { 'architecture.md': `${original}\n## Locks\n\nNamed locks live in SQLite.\n` });
    writeFiles(b.memoryDir, { 'architecture.md': `${original}\n## Memory\n\nEach session has a namespace.\n` });
    expect((await s.cwt(['merge-memory', a.id])).code).toBe(0);
    const merged = await s.cwt(['merge-memory', b.id, '--json']);
    expect(merged.code).toBe(0);
    expect(JSON.parse(merged.stdout)).toMatchObject({ merged: ['architecture.md'], conflicts: [] });
    expect(readText(canonical, 'architecture.md')).toBe(
      `${original}\n## Locks\n\nNamed locks live in SQLite.\n\n## Memory\n\nEach session has a namespace.\n`,
    );
  });

  it('both edit the same line: exit 1, canonical intact byte for byte, conflict file written; resolve and re-run finishes', async () => {
    const a = await startSession(s, 'feat/a');
    const b = await startSession(s, 'feat/b');
    writeFiles(a.memoryDir, { 'architecture.md': '# Architecture\n\nThe store is PostgreSQL.\nThe CLI is thin.\n', 'a-only.md': 'from a\n' });
    writeFiles(b.memoryDir, { 'architecture.md': '# Architecture\n\nThe store is MySQL.\nThe CLI is thin.\n', 'b-only.md': 'from b\n' });
    expect((await s.cwt(['end', a.id])).code).toBe(0);
    const before = snapshotTree(canonical);

    const ended = await s.cwt(['end', b.id]);
    expect(ended.code).toBe(1);
    expect(ended.stderr).toContain(MESSAGES.mergeConflictHeader('architecture.md', 'both-changed'));
    expect(ended.stderr).toContain('      | The store is PostgreSQL.');
    expect(ended.stderr).toContain('      | The store is MySQL.');
    expect(ended.stderr).toContain(MESSAGES.endMergeHint(b.id));
    // Nothing was released: the session is not ended and its worktree is still locked.
    expect(await memoryStateOf(b.id)).toBe('conflict');
    expect((await s.sessions()).find((x) => x.id === b.id)!.state).not.toBe('ended');
    // Canonical's conflicted file is byte for byte what it was; the clean addition went in.
    const after = snapshotTree(canonical);
    expect(after['architecture.md']).toEqual(before['architecture.md']);
    expect(readText(canonical, 'b-only.md')).toBe('from b\n');
    const conflictFile = join(b.memoryDir, 'architecture.conflict.md');
    expect(readText(b.memoryDir, 'architecture.conflict.md')).toBe(
      '# Architecture\n\n<<<<<<< canonical memory\nThe store is PostgreSQL.\n||||||| base\nThe store is SQLite.\n=======\nThe store is MySQL.\n' +
        `>>>>>>> session ${b.id} (feat/b)\nThe CLI is thin.\n`,
    );

    // Re-running without resolving changes nothing and says so again.
    const again = await s.cwt(['merge-memory', b.id]);
    expect(again.code).toBe(1);
    expect(snapshotTree(canonical)).toEqual(after);

    // A resolution with markers left is still a conflict.
    writeFileSync(conflictFile, readText(b.memoryDir, 'architecture.conflict.md').replace('=======\n', '=======\nhalf done\n'));
    const half = await s.cwt(['merge-memory', b.id]);
    expect(half.code).toBe(1);
    expect(half.stderr).toContain(MESSAGES.mergeConflictUnresolved(conflictFile));
    expect(snapshotTree(canonical)).toEqual(after);

    writeFileSync(conflictFile, '# Architecture\n\nThe store is PostgreSQL (MySQL was tried).\nThe CLI is thin.\n');
    const resolved = await s.cwt(['merge-memory', b.id]);
    expect(resolved.stderr).not.toContain('cwt:');
    expect(resolved.code).toBe(0);
    expect(readText(canonical, 'architecture.md')).toBe('# Architecture\n\nThe store is PostgreSQL (MySQL was tried).\nThe CLI is thin.\n');
    expect(existsSync(conflictFile)).toBe(false);
    expect(await memoryStateOf(b.id)).toBe('merged');
    // Now the session ends, and merging again adds nothing.
    expect((await s.cwt(['end', b.id])).code).toBe(0);
    const final = snapshotTree(canonical);
    expect((await s.cwt(['merge-memory', b.id])).stdout).toContain(MESSAGES.mergeNothing(`session ${b.id} (feat/b)`, canonical));
    expect(snapshotTree(canonical)).toEqual(final);
  });

  it('resolving by fixing the session copy and deleting the conflict file; canonical moving meanwhile is merged too', async () => {
    const a = await startSession(s, 'feat/a');
    const b = await startSession(s, 'feat/b');
    writeFiles(a.memoryDir, { 'testing.md': '# Testing\n\nIntegration tests use real git (no mocks).\n' });
    writeFiles(b.memoryDir, { 'testing.md': '# Testing\n\nIntegration tests use real git repositories.\n' });
    expect((await s.cwt(['merge-memory', a.id])).code).toBe(0);
    expect((await s.cwt(['merge-memory', b.id])).code).toBe(1);
    // Meanwhile a adds a line at the end of the same file and merges it.
    writeFiles(a.memoryDir, { 'testing.md': '# Testing\n\nIntegration tests use real git (no mocks).\nE2E tests use the real claude.\n' });
    expect((await s.cwt(['merge-memory', a.id])).code).toBe(0);
    // b resolves in its own copy and drops the conflict file.
    writeFiles(b.memoryDir, { 'testing.md': '# Testing\n\nIntegration tests use real git repositories (no mocks).\n' });
    rmSync(join(b.memoryDir, 'testing.conflict.md'));
    const resolved = await s.cwt(['merge-memory', b.id]);
    expect(resolved.stderr).not.toContain('cwt:');
    expect(resolved.code).toBe(0);
    // The resolution replaced the line canonical had at conflict time; a's later line stays.
    expect(readText(canonical, 'testing.md')).toBe('# Testing\n\nIntegration tests use real git repositories (no mocks).\nE2E tests use the real claude.\n');
  });

  it('a session that goes on after merging neither re-adds nor deletes: merge, another merges, add more, merge again', async () => {
    const a = await startSession(s, 'feat/a');
    const b = await startSession(s, 'feat/b');
    writeFiles(a.memoryDir, { 'MEMORY.md': `${readText(a.memoryDir, 'MEMORY.md')}- [A1](a1.md)\n`, 'a1.md': 'first note of a\n' });
    expect((await s.cwt(['merge-memory', a.id])).code).toBe(0);
    // b merges additions and an edit that a's namespace never sees.
    writeFiles(b.memoryDir, {
      'MEMORY.md': `${readText(b.memoryDir, 'MEMORY.md')}- [B1](b1.md)\n`,
      'b1.md': 'note of b\n',
      'testing.md': '# Testing\n\nIntegration tests use real git; b was here.\n',
    });
    expect((await s.cwt(['merge-memory', b.id])).code).toBe(0);
    // a goes on: another note, another index line, an edit to its own earlier note.
    writeFiles(a.memoryDir, {
      'MEMORY.md': `${readText(a.memoryDir, 'MEMORY.md')}- [A2](a2.md)\n`,
      'a2.md': 'second note of a\n',
      'a1.md': 'first note of a, revised\n',
    });
    const second = await s.cwt(['merge-memory', a.id, '--json']);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ added: ['a2.md'], merged: ['MEMORY.md', 'a1.md'], deleted: [], conflicts: [] });
    expect(readText(canonical, 'MEMORY.md')).toBe(
      '# Memory\n- [Architecture](architecture.md): how the parts fit\n- [Testing](testing.md): how we test\n- [A1](a1.md)\n- [B1](b1.md)\n- [A2](a2.md)\n',
    );
    expect(readText(canonical, 'b1.md')).toBe('note of b\n');
    expect(readText(canonical, 'testing.md')).toBe('# Testing\n\nIntegration tests use real git; b was here.\n');
    expect(readText(canonical, 'a1.md')).toBe('first note of a, revised\n');
    expect(readdirSync(canonical).sort()).toEqual(['MEMORY.md', 'a1.md', 'a2.md', 'architecture.md', 'b1.md', 'testing.md']);
  });

  it('deletions and renames on the session side; a delete against a concurrent edit is a conflict', async () => {
    const a = await startSession(s, 'feat/a');
    const b = await startSession(s, 'feat/b');
    // a renames testing.md to tests.md and deletes architecture.md.
    writeFiles(a.memoryDir, { 'tests.md': readText(a.memoryDir, 'testing.md') });
    rmSync(join(a.memoryDir, 'testing.md'));
    rmSync(join(a.memoryDir, 'architecture.md'));
    // b edits architecture.md and merges first.
    writeFiles(b.memoryDir, { 'architecture.md': '# Architecture\n\nThe store is SQLite.\nThe CLI is thin and lazy.\n' });
    expect((await s.cwt(['merge-memory', b.id])).code).toBe(0);
    const result = await s.cwt(['merge-memory', a.id, '--json']);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({
      added: ['tests.md'],
      deleted: ['testing.md'],
      conflicts: [{ file: 'architecture.md', reason: 'deleted-in-session' }],
    });
    expect(readText(canonical, 'architecture.md')).toBe('# Architecture\n\nThe store is SQLite.\nThe CLI is thin and lazy.\n');
    expect(existsSync(join(canonical, 'testing.md'))).toBe(false);
    // The session agrees to delete it after all: deleting the conflict file, with its own copy still gone.
    rmSync(join(a.memoryDir, 'architecture.conflict.md'));
    expect((await s.cwt(['merge-memory', a.id])).code).toBe(0);
    expect(existsSync(join(canonical, 'architecture.md'))).toBe(false);
  });

  it('Claude Code’s frontmatter rewrite by both sessions is not a conflict', async () => {
    writeFiles(canonical, { 'prefs.md': '---\nname: prefs\ndescription: user preferences\n---\n\nUse tabs.\nPrefer short commits.\n' });
    const a = await startSession(s, 'feat/a');
    const b = await startSession(s, 'feat/b');
    // What Claude Code 2.1.197 writes back after an Edit: a metadata block with its own session id, no blank line.
    const rewrite = (origin: string, body: string) =>
      `---\nname: prefs\ndescription: user preferences\nmetadata: \n  node_type: memory\n  originSessionId: ${origin}\n---\n${body}`;
    writeFiles(a.memoryDir, { 'prefs.md': rewrite('11111111-aaaa', 'Use spaces.\nPrefer short commits.\n') });
    writeFiles(b.memoryDir, { 'prefs.md': rewrite('22222222-bbbb', 'Use tabs.\nPrefer small commits.\n') });
    expect((await s.cwt(['merge-memory', a.id])).code).toBe(0);
    const merged = await s.cwt(['merge-memory', b.id]);
    expect(merged.stderr).not.toContain('CONFLICT');
    expect(merged.code).toBe(0);
    expect(readText(canonical, 'prefs.md')).toBe(rewrite('11111111-aaaa', 'Use spaces.\nPrefer small commits.\n'));
  });

  it('a binary file both changed is a conflict; --dry-run says so and changes nothing', async () => {
    writeFileSync(join(canonical, 'diagram.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2]));
    const a = await startSession(s, 'feat/a');
    const b = await startSession(s, 'feat/b');
    writeFileSync(join(a.memoryDir, 'diagram.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 3]));
    writeFileSync(join(b.memoryDir, 'diagram.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 4]));
    writeFiles(b.memoryDir, { 'b-only.md': 'from b\n' });
    expect((await s.cwt(['merge-memory', a.id])).code).toBe(0);

    const beforeCanonical = snapshotTree(canonical);
    const beforeNamespace = snapshotTree(b.memoryDir);
    const beforeState = snapshotTree(getMemoryStateRoot(s));
    const beforeSessions = await s.sessions();
    const dry = await s.cwt(['merge-memory', b.id, '--dry-run']);
    expect(dry.code).toBe(1);
    expect(dry.stdout).toContain(MESSAGES.mergeLine('add', 'b-only.md'));
    expect(dry.stdout).toContain(MESSAGES.mergeLine('conflict', 'diagram.png', 'binary'));
    expect(dry.stdout).toContain(MESSAGES.mergeDryRun);
    expect(snapshotTree(canonical)).toEqual(beforeCanonical);
    expect(snapshotTree(b.memoryDir)).toEqual(beforeNamespace);
    expect(snapshotTree(getMemoryStateRoot(s))).toEqual(beforeState);
    expect(await s.sessions()).toEqual(beforeSessions);

    const result = await s.cwt(['merge-memory', b.id]);
    expect(result.code).toBe(1);
    expect(readText(b.memoryDir, 'diagram.png.conflict.md')).toContain('is not text (binary or not UTF-8)');
    // Take the session's bytes: they are already in its copy; delete the notice.
    rmSync(join(b.memoryDir, 'diagram.png.conflict.md'));
    expect((await s.cwt(['merge-memory', b.id])).code).toBe(0);
    expect(snapshotTree(canonical)['diagram.png']!.bytes).toBe(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 4]).toString('base64'));
  });
});
