/** The pure parts of the git integration: parsers of git's output, the check's selections, the shim. */
import { describe, expect, it } from 'vitest';
import { extractConflictHunks, resolveIndexFile, selectForeignCommits } from '../../src/core/git/commitcheck.js';
import { parseSwitch } from '../../src/core/config/config.js';
import { parseCommitInfos, parseHeadCommit, parseMergeTree } from '../../src/core/git/git.js';
import { isCwtGitHook, renderGitHookShim } from '../../src/core/git/githooks.js';
import { isClaudeCommandLine } from '../../src/core/sessions/processes.js';
import type { SessionRecord } from '../../src/core/store/store.js';
import { isMadeByGitCommit } from '../../src/hooks/githook.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

describe('git output parsers', () => {
  it('parseMergeTree: the tree, then conflicted names up to the empty field, once each', () => {
    expect(parseMergeTree(`${A}\0f.txt\0f.txt\0d/g\0\0${'1'}\0f.txt\0Auto-merging\0`)).toEqual({ tree: A, conflicted: ['f.txt', 'd/g'] });
    expect(parseMergeTree(`${A}\n`)).toEqual({ tree: A, conflicted: [] });
  });

  it('parseHeadCommit: header, then the paths; a root commit has no parents; a merge lists none', () => {
    expect(parseHeadCommit(`${A}\x1f${B}\x1f${B}\x1fsubject: with\x1fodd chars\0\nx.txt\0dir/y z\0`)).toEqual({
      sha: A,
      tree: B,
      parents: [B],
      subject: 'subject: with',
      paths: ['x.txt', 'dir/y z'],
    });
    expect(parseHeadCommit(`${A}\x1f${B}\x1f\x1finit\0\na\0`)?.parents).toEqual([]);
    expect(parseHeadCommit(`${A}\x1f${B}\x1f${A} ${B}\x1fMerge\0`)).toMatchObject({ parents: [A, B], paths: [] });
    expect(parseHeadCommit('')).toBeUndefined();
  });

  it('parseCommitInfos: NUL-separated records, seconds to ms', () => {
    expect(parseCommitInfos(`${A}\x1fAnn\x1fann@x\x1f1700000000\x1fone\0\n${B}\x1fBo\x1fbo@x\x1f1700000001\x1ftwo\0`)).toEqual([
      { sha: A, author: 'Ann', email: 'ann@x', at: 1_700_000_000_000, subject: 'one' },
      { sha: B, author: 'Bo', email: 'bo@x', at: 1_700_000_001_000, subject: 'two' },
    ]);
  });
});

describe('commit check selections', () => {
  const commit = (sha: string) => ({ sha, author: 'a', email: 'e', at: 0, subject: sha.slice(0, 1) });
  it('selectForeignCommits keeps what the session did not make, naming the maker when known', () => {
    const other = { id: 'other' } as SessionRecord;
    const madeBy = new Map<string, string | null>([[A, 'me'], [B, 'other']]);
    const c = 'c'.repeat(40);
    expect(selectForeignCommits([commit(A), commit(B), commit(c)], madeBy, 'me', new Map([['other', other]])).map((f) => [f.sha, f.madeBy?.id ?? null])).toEqual([
      [B, 'other'],
      [c, null],
    ]);
  });

  it('extractConflictHunks relabels markers and keeps at most 3 hunks', () => {
    const text = ['x', `<<<<<<< ${A}`, 'ours', '=======', 'theirs', `>>>>>>> ${B}`, 'y'].join('\n');
    expect(extractConflictHunks(text, { ours: 'staged here', theirs: 'feat' })).toEqual([['<<<<<<< staged here', 'ours', '=======', 'theirs', '>>>>>>> feat']]);
    expect(extractConflictHunks(Array(5).fill(text).join('\n'), { ours: 'o', theirs: 't' })).toHaveLength(3);
    expect(extractConflictHunks('no markers\n', { ours: 'o', theirs: 't' })).toEqual([]);
  });

  it('resolveIndexFile: relative to the top level, absent stays absent', () => {
    expect(resolveIndexFile('.git/index.lock', '/r')).toBe('/r/.git/index.lock');
    expect(resolveIndexFile('/abs/index', '/r')).toBe('/abs/index');
    expect(resolveIndexFile(undefined, '/r')).toBeUndefined();
    expect(resolveIndexFile('', '/r')).toBeUndefined();
  });
});

describe('hooks', () => {
  it.each([
    [`0000 ${A} Ann <a> 1 +0000\tcommit: add x`, true],
    [`0000 ${A} Ann <a> 1 +0000\tcommit (amend): add x`, true],
    [`0000 ${A} Ann <a> 1 +0000\tcommit (initial): add x`, true],
    [`0000 ${A} Ann <a> 1 +0000\trebase (pick): add x`, false],
    [`0000 ${A} Ann <a> 1 +0000\tcherry-pick: add x`, false],
    [`0000 ${B} Ann <a> 1 +0000\tcommit: add x`, false],
    [undefined, false],
  ])('isMadeByGitCommit(%j)', (line, expected) => {
    expect(isMadeByGitCommit(line, A)).toBe(expected);
  });

  it('the shim bakes node and cwt quoted for sh, and is recognised as cwt\'s', () => {
    const shim = renderGitHookShim('pre-commit', "/opt/my node/node", "/it's/bin/cwt.js");
    expect(shim).toContain("cwt_node='/opt/my node/node'");
    expect(shim).toContain("cwt_bin='/it'\\''s/bin/cwt.js'");
    expect(shim).toContain('exec "$cwt_node" "$cwt_bin" git-hook pre-commit "$@"');
    expect(shim.startsWith('#!/bin/sh\n')).toBe(true);
    expect(isCwtGitHook(shim)).toBe(true);
    expect(isCwtGitHook('#!/bin/sh\nnpx lint-staged\n')).toBe(false);
  });

  it.each([
    [['/usr/local/bin/claude', '-p', 'x'], true],
    [['claude'], true],
    [['node', '/usr/lib/node_modules/@anthropic-ai/claude-code/cli.js'], true],
    [['node', '/home/me/cwt/bin/cwt.js', 'hook', 'pre-tool-use'], false],
    [['/bin/bash', 'claude'], false],
  ])('isClaudeCommandLine(%j)', (argv, expected) => {
    expect(isClaudeCommandLine(argv)).toBe(expected);
  });

  it.each([['1', true], ['yes', true], ['off', false], ['0', false]] as const)('parseSwitch(%j)', (text, expected) => {
    expect(parseSwitch(text, 'X')).toBe(expected);
  });
  it('parseSwitch refuses anything else', () => {
    expect(() => parseSwitch('maybe', 'CWT_STRICT_CHECK')).toThrow(/CWT_STRICT_CHECK/);
  });
});
