/** Table tests of the pure parts of the memory merge: line diff, diff3 chunks, frontmatter, text policy, plan. */
import { describe, expect, it } from 'vitest';
import { diffLines, joinLines, merge3, sideOf, splitLines } from '../../src/core/memory/diff3.js';
import { mergeFrontmatterLines, splitFrontmatter } from '../../src/core/memory/frontmatter.js';
import { createIndexMatcher, getConflictFileName, isMergeableName, isMergeableText, planMemoryMerge, type ConflictRecord, type PlanInput } from '../../src/core/memory/plan.js';
import { getWorktreeKeyPrefixes } from '../../src/core/memory/rescue.js';
import { diffShaMaps } from '../../src/core/memory/merge.js';
import { chunksFromMarkedText, hasConflictMarkers, mergeMemoryText, mergeSameNote } from '../../src/core/memory/textmerge.js';
import { sha256 } from '../../src/core/coordination/sharedfile.js';

const LABELS = { ours: 'canonical', base: 'base', theirs: 'session' };
const L = (text: string) => (text === '' ? [] : text.split(','));

describe('splitLines / joinLines', () => {
  it.each([
    ['', [], false],
    ['a', ['a'], false],
    ['a\n', ['a'], true],
    ['a\n\n', ['a', ''], true],
    ['a\r\nb', ['a\r', 'b'], false],
  ])('%j', (text, lines, finalNewline) => {
    expect(splitLines(text)).toEqual({ lines, finalNewline });
    expect(joinLines({ lines, finalNewline })).toBe(text);
  });
});

describe('diffLines: a longest common subsequence', () => {
  it.each([
    ['', '', 0],
    ['a,b,c', 'a,b,c', 3],
    ['a,b,c', 'a,c', 2],
    ['a,b,c,a,b,b,a', 'c,b,a,b,a,c', 4],
    ['x,a,b', 'a,b,y', 2],
    ['a', 'b', 0],
  ])('%s vs %s: %i matched, strictly increasing, equal lines', (a, b, count) => {
    const pairs = diffLines(L(a), L(b));
    expect(pairs).toHaveLength(count);
    pairs.forEach(([i, j], k) => {
      expect(L(a)[i]).toBe(L(b)[j]);
      if (k > 0) expect(i > pairs[k - 1]![0] && j > pairs[k - 1]![1]).toBe(true);
    });
  });
});

describe('merge3 chunks', () => {
  it.each([
    ['one side changed', 'a,b,c', 'a,B,c', 'a,b,c', ['stable', 'ours', 'stable']],
    ['the other side changed', 'a,b,c', 'a,b,c', 'a,b,C', ['stable', 'theirs']],
    ['both made the same change', 'a,b,c', 'a,X,c', 'a,X,c', ['stable', 'both', 'stable']],
    ['both changed one line differently', 'a,b,c', 'a,X,c', 'a,Y,c', ['stable', 'conflict', 'stable']],
    ['changes apart', 'a,b,c,d,e', 'A,b,c,d,e', 'a,b,c,d,E', ['ours', 'stable', 'theirs']],
    ['insertions at one point', 'a', 'a,x', 'a,y', ['stable', 'conflict']],
  ])('%s', (_, base, ours, theirs, kinds) => {
    const chunks = merge3(L(base), L(ours), L(theirs));
    expect(chunks.map((chunk) => chunk.kind)).toEqual(kinds);
    expect(sideOf(chunks, 'base')).toEqual(L(base));
    expect(sideOf(chunks, 'ours')).toEqual(L(ours));
    expect(sideOf(chunks, 'theirs')).toEqual(L(theirs));
  });
});

describe('mergeMemoryText: clean merges, note and index policies', () => {
  it.each([
    ['note', 'edits in different places', 'a\nb\nc\nd\n', 'A\nb\nc\nd\n', 'a\nb\nc\nD\n', 'A\nb\nc\nD\n'],
    ['note', 'an edit and an insertion right after it (touching, not overlapping)', 'a\nb\n', 'a\nb\nnew\n', 'a\nB\n', 'a\nB\nnew\n'],
    ['note', 'sections appended by both: both, canonical first', '# T\n', '# T\n## A\n', '# T\n## B\n', '# T\n## A\n## B\n'],
    ['note', 'one insertion contained in the other is taken once', 'a\n', 'a\nx\ny\n', 'a\nx\n', 'a\nx\ny\n'],
    ['note', 'a removed final newline is kept', 'a\nb\n', 'a\nb', 'a\nb\n', 'a\nb'],
    ['index', 'both append: canonical’s first, then the session’s', '- a\n', '- a\n- b\n', '- a\n- c\n', '- a\n- b\n- c\n'],
    ['index', 'the same line added by both appears once', '- a\n', '- a\n- b\n- x\n', '- a\n- x\n- c\n', '- a\n- b\n- x\n- c\n'],
    ['index', 'a deletion by the session is respected when canonical kept the line', '- a\n- b\n- c\n', '- a\n- b\n- c\n- d\n', '- a\n- c\n', '- a\n- c\n- d\n'],
    ['index', 'a deletion by canonical is respected too', '- a\n- b\n', '- a\n', '- a\n- b\n- c\n', '- a\n- c\n'],
    ['index', 'a line both edited differently: both edits kept', '- a\n- b\n', '- a\n- B1\n', '- a\n- B2\n', '- a\n- B1\n- B2\n'],
  ])('%s: %s', async (policy, _, base, ours, theirs, expected) => {
    expect(await mergeMemoryText(base, ours, theirs, { index: policy === 'index', labels: LABELS })).toEqual({ text: expected, conflicts: [] });
  });
});

describe('mergeMemoryText: conflicts and frontmatter', () => {
  const note = (base: string, ours: string, theirs: string) => mergeMemoryText(base, ours, theirs, { index: false, labels: LABELS });
  it('both changing one line is a conflict with diff3 markers, located by line', async () => {
    const merged = await note('t\nx\n', 't\nours\n', 't\ntheirs\n');
    expect(merged.text).toBe('t\n<<<<<<< canonical\nours\n||||||| base\nx\n=======\ntheirs\n>>>>>>> session\n');
    expect(merged.conflicts).toEqual([{ line: 2, base: ['x'], ours: ['ours'], theirs: ['theirs'] }]);
    expect(hasConflictMarkers(merged.text)).toBe(true);
  });

  it('merges Claude Code frontmatter rewrites by key; the origin session id keeps canonical’s value', async () => {
    const base = '---\nname: n\ndescription: d\n---\n\nline 1\nline 2\n';
    const rewritten = (id: string, body: string) => `---\nname: n\ndescription: d\nmetadata: \n  node_type: memory\n  originSessionId: ${id}\n---\n${body}`;
    const merged = await note(base, rewritten('A', 'line ONE\nline 2\n'), rewritten('B', 'line 1\nline TWO\n'));
    expect(merged).toEqual({ text: rewritten('A', 'line ONE\nline TWO\n'), conflicts: [] });
  });

  // What Claude Code 2.1.332 writes back after an Edit: the 2.1.197 block plus the time of the write.
  const rewritten332 = (id: string, modified: string, body: string) =>
    `---\nname: n\ndescription: d\nmetadata:\n  node_type: memory\n  originSessionId: ${id}\n  modified: ${modified}\n---\n${body}`;

  it.each([
    ['canonical later', '2026-12-01T08:26:11.545Z', '2026-12-01T08:26:09.553Z', '2026-12-01T08:26:11.545Z'],
    ['session later', '2026-12-01T08:26:09.553Z', '2026-12-01T08:26:11.545Z', '2026-12-01T08:26:11.545Z'],
    ['session not a time', '2026-12-01T08:26:09.553Z', 'yesterday', '2026-12-01T08:26:09.553Z'],
    ['canonical not a time', 'soon', '2026-12-01T08:26:09.553Z', '2026-12-01T08:26:09.553Z'],
  ])('the modified time both sides rewrote is never a conflict: %s', async (_, ours, theirs, expected) => {
    const base = '---\nname: n\ndescription: d\n---\n\nline 1\nline 2\n';
    const merged = await note(base, rewritten332('A', ours, 'line ONE\nline 2\n'), rewritten332('B', theirs, 'line 1\nline TWO\n'));
    expect(merged).toEqual({ text: rewritten332('A', expected, 'line ONE\nline TWO\n'), conflicts: [] });
  });

  it('merges a note the two ends of the range rewrote (only one side writes modified)', async () => {
    const base = '---\nname: n\ndescription: d\n---\n\nline 1\nline 2\n';
    const old = '---\nname: n\ndescription: d\nmetadata: \n  node_type: memory\n  originSessionId: A\n---\nline ONE\nline 2\n';
    const merged = await note(base, old, rewritten332('B', '2026-12-01T08:26:11.545Z', 'line 1\nline TWO\n'));
    expect(merged.conflicts).toEqual([]);
    expect(merged.text).toContain('originSessionId: A\n  modified: 2026-12-01T08:26:11.545Z\n');
    expect(merged.text).toContain('line ONE\nline TWO\n');
  });

  it('the same line edited by both still conflicts, in the body only, with the bookkeeping resolved', async () => {
    const base = '---\nname: n\ndescription: d\n---\n\nline 1\nline 2\n';
    const merged = await note(base, rewritten332('A', '2026-12-01T08:00:00.000Z', 'line ours\nline 2\n'), rewritten332('B', '2026-12-01T09:00:00.000Z', 'line theirs\nline 2\n'));
    expect(merged.conflicts).toEqual([{ line: 9, base: ['line 1'], ours: ['line ours'], theirs: ['line theirs'] }]);
    expect(merged.text.startsWith(rewritten332('A', '2026-12-01T09:00:00.000Z', '<<<<<<< canonical\n'))).toBe(true);
  });

  it('a frontmatter key both changed differently is a conflict', async () => {
    const merged = await note('---\nname: n\ndescription: d\n---\nbody\n', '---\nname: n\ndescription: ours\n---\nbody\n', '---\nname: n\ndescription: theirs\n---\nbody\n');
    expect(merged.conflicts).toEqual([{ line: 3, base: ['description: d'], ours: ['description: ours'], theirs: ['description: theirs'] }]);
    expect(merged.text).toContain('<<<<<<< canonical\ndescription: ours\n||||||| base\ndescription: d\n=======\ndescription: theirs\n>>>>>>> session\n');
  });
});

describe('mergeSameNote', () => {
  it('two notes with one body and different origin ids merge', () => {
    const a = '---\nname: n\nmetadata: \n  originSessionId: A\n---\nbody\n';
    expect(mergeSameNote(a, a.replace('A', 'B'), LABELS)).toBe(a);
    expect(mergeSameNote(a, a.replace('body', 'other'), LABELS)).toBeUndefined();
    expect(mergeSameNote('plain\n', 'plain\n', LABELS)).toBeUndefined();
  });
});

describe('frontmatter parsing', () => {
  it.each([
    ['---\na: 1\n---\nbody\n', { lines: ['a: 1'], body: 'body\n' }],
    ['---\r\na: 1\r\n---\r\nbody', { lines: ['a: 1\r'], body: 'body' }],
    ['no frontmatter\n', undefined],
    ['---\nnever closed\n', undefined],
    ['---\na: 1\n---', undefined],
  ])('%j', (text, expected) => {
    const front = splitFrontmatter(text);
    if (expected === undefined) expect(front).toBeUndefined();
    else expect(front).toMatchObject(expected);
  });
  it('adds keys only one side added after the key that precedes them there', () => {
    expect(mergeFrontmatterLines(['a: 1', 'c: 3'], ['a: 1', 'c: 3', 'd: 4'], ['a: 1', 'b: 2', 'c: 3'], LABELS)).toEqual({ lines: ['a: 1', 'b: 2', 'c: 3', 'd: 4'], conflicts: [] });
  });
});

describe('chunksFromMarkedText (git merge-file --diff3 output)', () => {
  it('turns marker blocks into conflict chunks and the rest into stable ones', () => {
    expect(chunksFromMarkedText('a\n<<<<<<< o\nO\n||||||| b\nB\n=======\nT\n>>>>>>> t\nz\n')).toEqual([
      { kind: 'stable', lines: ['a'] },
      { kind: 'conflict', ours: ['O'], base: ['B'], theirs: ['T'] },
      { kind: 'stable', lines: ['z'] },
    ]);
  });
});

describe('memory file names', () => {
  it.each([
    ['arch.md', 'arch.conflict.md'],
    ['notes/arch.md', 'notes/arch.conflict.md'],
    ['diagram.png', 'diagram.png.conflict.md'],
  ])('%s -> %s', (file, conflict) => expect(getConflictFileName(file)).toBe(conflict));
  it.each([
    ['arch.md', true],
    ['arch.conflict.md', false],
    ['.arch.md.cwt-123-abcd0123.tmp', false],
    ['.hidden.md', true],
  ])('%s mergeable: %s', (name, expected) => expect(isMergeableName(name)).toBe(expected));
  it('index files by base name or by relative path', () => {
    const isIndex = createIndexMatcher(['MEMORY.md', 'topics/_index.md']);
    expect(['MEMORY.md', 'sub/MEMORY.md', 'topics/_index.md', '_index.md', 'memory.md'].map(isIndex)).toEqual([true, true, true, false, false]);
  });
  it('text is UTF-8 without NUL', () => {
    expect(isMergeableText(Buffer.from('héllo\n'))).toBe(true);
    expect(isMergeableText(Buffer.from([0x61, 0, 0x62]))).toBe(false);
    expect(isMergeableText(Buffer.from([0xff, 0xfe, 0x41]))).toBe(false);
  });
});

describe('planMemoryMerge', () => {
  const map = (files: Record<string, string>) => new Map(Object.entries(files).map(([file, text]) => [file, Buffer.from(text)]));
  const input = (base: Record<string, string>, canonical: Record<string, string>, session: Record<string, string>, extra: Partial<PlanInput> = {}): PlanInput => ({
    base: map(base),
    canonical: map(canonical),
    session: map(session),
    pending: [],
    conflictFiles: new Map(),
    conflictBlobs: new Map(),
    isIndexFile: createIndexMatcher(['MEMORY.md']),
    labels: LABELS,
    ...extra,
  });

  it.each([
    ['session added', {}, {}, { n: 'x\n' }, { added: ['n'] }],
    ['session deleted, canonical kept', { d: 'x\n' }, { d: 'x\n' }, {}, { deleted: ['d'] }],
    ['canonical deleted, session kept', { d: 'x\n' }, {}, { d: 'x\n' }, {}],
    ['rename = delete + add', { old: 'x\n' }, { old: 'x\n' }, { new: 'x\n' }, { added: ['new'], deleted: ['old'] }],
    ['only canonical changed', { f: 'a\n' }, { f: 'b\n' }, { f: 'a\n' }, { unchanged: ['f'] }],
    ['both added the same', {}, { f: 'a\n' }, { f: 'a\n' }, { unchanged: ['f'] }],
    ['both added different text', {}, { f: 'a\n' }, { f: 'b\n' }, { conflicts: [{ file: 'f', reason: 'both-added' }] }],
    ['both added an index file', {}, { 'MEMORY.md': '- a\n' }, { 'MEMORY.md': '- b\n' }, { merged: ['MEMORY.md'] }],
    ['canonical deleted what the session changed', { f: 'a\n' }, {}, { f: 'b\n' }, { conflicts: [{ file: 'f', reason: 'deleted-in-canonical' }] }],
    ['the session deleted what canonical changed', { f: 'a\n' }, { f: 'b\n' }, {}, { conflicts: [{ file: 'f', reason: 'deleted-in-session' }] }],
    ['the session deleted an index file canonical added to', { 'MEMORY.md': '- a\n' }, { 'MEMORY.md': '- a\n- b\n' }, {}, { merged: ['MEMORY.md'] }],
  ])('%s', async (_, base, canonical, session, expected) => {
    const plan = await planMemoryMerge(input(base, canonical, session));
    expect(plan.summary).toEqual({ merged: [], added: [], deleted: [], unchanged: [], conflicts: [], ...expected });
  });

  it('the base moves to the session’s copy; a conflicted file keeps its old base', async () => {
    const plan = await planMemoryMerge(input({ f: 'x\n', g: 'x\n' }, { f: 'c\n', g: 'x\n' }, { f: 's\n', g: 'y\n' }));
    expect(plan.files.map((file) => [file.file, file.outcome, file.base?.toString()])).toEqual([
      ['f', 'conflict', 'x\n'],
      ['g', 'merged', 'y\n'],
    ]);
    expect(plan.files[0]!.conflict!.record).toEqual({ file: 'f', reason: 'both-changed', canonicalSha: sha256('c\n'), sessionSha: sha256('s\n'), conflictSha: sha256(plan.files[0]!.conflict!.text) });
  });

  describe('pending conflicts', () => {
    const record: ConflictRecord = { file: 'f', reason: 'both-changed', canonicalSha: sha256('c\n'), sessionSha: sha256('s\n'), conflictSha: sha256('<<<<<<< x\n') };
    const blobs = map({ [sha256('c\n')]: 'c\n', [sha256('s\n')]: 's\n' });
    const pending = (canonical: string, conflictFile: string | undefined, session = 's\n') =>
      planMemoryMerge(input({ f: 'x\n' }, { f: canonical }, { f: session }, { pending: [record], conflictBlobs: blobs, conflictFiles: conflictFile === undefined ? new Map() : map({ f: conflictFile }) }));

    it('an edited conflict file without markers is taken exactly when canonical did not move', async () => {
      const plan = await pending('c\n', 'resolved\n');
      expect(plan.files[0]).toMatchObject({ outcome: 'merged', resolved: true });
      expect(plan.files[0]!.write!.toString()).toBe('resolved\n');
      expect(plan.files[0]!.base!.toString()).toBe('s\n');
    });
    it('...and merged against canonical when it did', async () => {
      const plan = await pending('c\nmore\n', 'resolved\n');
      expect(plan.files[0]!.write!.toString()).toBe('resolved\nmore\n');
    });
    it('markers left in it: still a conflict, nothing written', async () => {
      const plan = await pending('c\n', '<<<<<<< canonical\nhalf\n');
      expect(plan.files[0]).toMatchObject({ outcome: 'conflict', conflict: { reason: 'unresolved' } });
      expect(plan.files[0]!.write).toBeUndefined();
    });
    it('deleted: the session’s copy is the resolution', async () => {
      const plan = await pending('c\n', undefined, 'fixed\n');
      expect(plan.files[0]!.write!.toString()).toBe('fixed\n');
    });
    it('untouched: merged afresh from the original base', async () => {
      const plan = await pending('c\n', '<<<<<<< x\n');
      expect(plan.files[0]).toMatchObject({ outcome: 'conflict', conflict: { reason: 'both-changed' } });
    });
  });

  it('terminal choices: keep canonical, take the session’s, keep both, edited text', async () => {
    const conflicted = (choice: PlanInput['decisions']) => planMemoryMerge(input({ f: 't\nx\n' }, { f: 't\nc\n' }, { f: 't\ns\n' }, { decisions: choice }));
    expect((await conflicted(new Map([['f', { choice: 'canonical' }]]))).files[0]).toMatchObject({ outcome: 'unchanged' });
    expect((await conflicted(new Map([['f', { choice: 'session' }]]))).files[0]!.write!.toString()).toBe('t\ns\n');
    expect((await conflicted(new Map([['f', { choice: 'both' }]]))).files[0]!.write!.toString()).toBe('t\nc\ns\n');
    expect((await conflicted(new Map([['f', { choice: 'text', text: 'mine\n' }]]))).files[0]!.write!.toString()).toBe('mine\n');
    expect((await conflicted(new Map([['f', { choice: 'text', text: '<<<<<<< still\n' }]]))).files[0]!.outcome).toBe('conflict');
  });
});

describe('rescue: worktree key prefixes', () => {
  it('covers claude -w worktrees and the configured worktreeDir', () => {
    expect(getWorktreeKeyPrefixes('/src/app', '../{repo}.worktrees')).toEqual([
      { prefix: '-src-app--claude-worktrees-', parent: '/src/app/.claude/worktrees' },
      { prefix: '-src-app-worktrees-', parent: '/src/app.worktrees' },
    ]);
  });
});

describe('diffShaMaps', () => {
  it('lists files added, removed or changed', () => {
    expect(diffShaMaps({ a: '1', b: '2', c: '3' }, { a: '1', b: '9', d: '4' })).toEqual(['b', 'c', 'd']);
  });
});
