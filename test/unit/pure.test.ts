import { describe, expect, it } from 'vitest';
import { formatAge, formatAgo, parseDuration } from '../../src/core/util/duration.js';
import { findClashingBranch, normalizeRemoteUrl, parseStatusPorcelain, parseWorktreeList } from '../../src/core/git/git.js';
import { renderTemplate, toProjectKey } from '../../src/core/harness/harness.js';
import { pickFreeName, toBranchSlug } from '../../src/core/util/slug.js';
import { selectIncludedPaths } from '../../src/core/git/worktreeinclude.js';
import { renderMarkdownTable, renderTable } from '../../src/ui/table.js';
import { buildAgentArgs, isClaudeAgent } from '../../src/core/sessions/agent.js';
import { InternalError, UsageError } from '../../src/core/util/errors.js';
import { appendLine } from '../../src/core/coordination/sharedfile.js';

describe('toBranchSlug', () => {
  it.each([
    ['feat/x', 'feat-x'],
    ['fix/JIRA-123_thing', 'fix-JIRA-123_thing'],
    ['a//b', 'a-b'],
    ['.hidden', 'hidden'],
    ['-leading', 'leading'],
    ['trailing.', 'trailing'],
    ['über/ñ', 'ber'],
    ['..', 'session'],
    ['x'.repeat(200), 'x'.repeat(80)],
  ])('%s -> %s', (branch, slug) => expect(toBranchSlug(branch)).toBe(slug));
});

describe('pickFreeName', () => {
  it('returns the base when free, else the first free numbered name', () => {
    expect(pickFreeName('a', () => false)).toBe('a');
    const taken = new Set(['a', 'a-2']);
    expect(pickFreeName('a', (name) => taken.has(name))).toBe('a-3');
  });
});

describe('parseDuration / formatAge', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
    ['1.5s', 1500],
    ['45', 45_000],
  ])('%s = %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));
  it.each(['', 'abc', '5 minutes', '-1s', '1w'])('rejects %j with a usage error', (text) => {
    expect(() => parseDuration(text)).toThrow(UsageError);
  });
  it.each([
    [0, 'now'],
    [42_000, '42s'],
    [5 * 60_000, '5m'],
    [3 * 3_600_000, '3h'],
    [2 * 86_400_000, '2d'],
  ])('formatAge(%d) = %s', (ms, text) => expect(formatAge(ms)).toBe(text));
  it('formatAgo says "now" without "ago"', () => {
    expect(formatAgo(10)).toBe('now');
    expect(formatAgo(120_000)).toBe('2m ago');
  });
});

describe('parseWorktreeList', () => {
  it('parses porcelain -z output with branches, detached, locked and prunable entries', () => {
    const output = [
      'worktree /r', 'HEAD aaa', 'branch refs/heads/main', '',
      'worktree /r.wt/feat-x', 'HEAD bbb', 'branch refs/heads/feat/x', 'locked cwt session 1234abcd', '',
      'worktree /r.wt/det', 'HEAD ccc', 'detached', 'prunable gitdir file points to non-existent location', '',
    ].join('\0');
    expect(parseWorktreeList(output)).toEqual([
      { path: '/r', head: 'aaa', branch: 'refs/heads/main', bare: false, detached: false, locked: null, prunable: null },
      { path: '/r.wt/feat-x', head: 'bbb', branch: 'refs/heads/feat/x', bare: false, detached: false, locked: 'cwt session 1234abcd', prunable: null },
      { path: '/r.wt/det', head: 'ccc', branch: null, bare: false, detached: true, locked: null, prunable: 'gitdir file points to non-existent location' },
    ]);
  });
  it('keeps paths with spaces whole', () => {
    expect(parseWorktreeList('worktree /a b/c\0HEAD x\0\0')[0]!.path).toBe('/a b/c');
  });
});

describe('parseStatusPorcelain', () => {
  it('parses codes and skips the source path of renames', () => {
    const output = [' M src/a.ts', 'R  new.ts', 'old.ts', '?? notes with space.md', 'A  added.ts', ''].join('\0');
    expect(parseStatusPorcelain(output)).toEqual([
      { code: ' M', path: 'src/a.ts' },
      { code: 'R ', path: 'new.ts' },
      { code: '??', path: 'notes with space.md' },
      { code: 'A ', path: 'added.ts' },
    ]);
  });
  it('returns nothing for a clean tree', () => expect(parseStatusPorcelain('')).toEqual([]));
});

describe('normalizeRemoteUrl: one identity per remote, whatever the transport', () => {
  it.each([
    ['https://github.com/Org/App.git', 'github.com/Org/App'],
    ['https://user:token@GitHub.com:443/Org/App/', 'github.com/Org/App'],
    ['git@github.com:Org/App.git', 'github.com/Org/App'],
    ['ssh://git@github.com:22/Org/App.git', 'github.com/Org/App'],
    ['github.com:Org/App', 'github.com/Org/App'],
    ['/srv/git/app.git', '/srv/git/app'],
    ['file:///srv/git/app.git', '/srv/git/app'],
    ['../app.git', undefined],
    ['  ', undefined],
  ])('%s -> %s', (url, identity) => expect(normalizeRemoteUrl(url)).toBe(identity));
});

describe('toProjectKey', () => {
  it.each([
    ['/home/me/src/app', '-home-me-src-app'],
    ['/tmp/a.b_c d', '-tmp-a-b-c-d'],
  ])('%s -> %s', (path, key) => expect(toProjectKey(path)).toBe(key));
});

describe('renderTemplate', () => {
  it('fills placeholders', () => expect(renderTemplate('a {{x}} b {{y}}', { x: '1', y: '2' })).toBe('a 1 b 2'));
  it('treats a missing value as a bug', () => expect(() => renderTemplate('{{nope}}', {})).toThrow(InternalError));
  it('does not re-expand placeholders inside values', () => expect(renderTemplate('{{a}}', { a: '{{b}}' })).toBe('{{b}}'));
});

describe('selectIncludedPaths', () => {
  it('selects ignored files that .worktreeinclude names, with gitignore syntax', async () => {
    const ignored = ['.env', '.env.local', 'node_modules/', 'config/local.json', 'build/'];
    expect(await selectIncludedPaths('.env*\nconfig/*.json\n# comment\n', ignored)).toEqual(['.env', '.env.local', 'config/local.json']);
  });
  it('selects nothing from an empty file', async () => expect(await selectIncludedPaths('', ['.env'])).toEqual([]));
});

describe('tables', () => {
  it('aligns columns and trims the last', () => {
    expect(renderTable(['ID', 'X'], [['a', 'long value'], ['bbb', 'v']])).toBe('ID   X\na    long value\nbbb  v');
  });
  it('escapes pipes in markdown cells', () => {
    expect(renderMarkdownTable(['a', 'b'], [['x|y', 'z']])).toBe('| a | b |\n| --- | --- |\n| x\\|y | z |');
  });
});

describe('agent command line', () => {
  it('wires claude with --settings before the user arguments', () => {
    expect(buildAgentArgs({ agent: 'claude', settingsPath: '/s.json', agentArgs: ['-p', 'hi'] })).toEqual(['--settings', '/s.json', '-p', 'hi']);
    expect(buildAgentArgs({ agent: '/opt/bin/claude', settingsPath: '/s.json', agentArgs: [], appendSystemPrompt: 'notes' })).toEqual([
      '--settings', '/s.json', '--append-system-prompt', 'notes',
    ]);
  });
  it('passes only the user arguments to other agents', () => {
    expect(isClaudeAgent('aider')).toBe(false);
    expect(buildAgentArgs({ agent: 'aider', settingsPath: '/s.json', agentArgs: ['--yes'] })).toEqual(['--yes']);
  });
});

describe('findClashingBranch', () => {
  it.each([
    ['feat/x', ['feat/x/y'], 'feat/x/y'],
    ['feat/x/y', ['main', 'feat/x'], 'feat/x'],
    ['feat/x', ['feat/xy', 'feat-x', 'main'], undefined],
  ])('%s among %j -> %s', (branch, existing, clash) => expect(findClashingBranch(branch, existing)).toBe(clash));
});

describe('appendLine', () => {
  it.each([
    ['', 'a', false, 'a\n'],
    ['x\n', 'a', false, 'x\na\n'],
    ['x', 'a', false, 'x\na\n'],
    ['a\nb\n', 'a', true, null],
    ['a\r\nb\r\n', 'a', true, null],
    ['ab\n', 'a', true, 'ab\na\n'],
    ['a\n', 'a', false, 'a\na\n'],
  ])('%j + %j (unique %s) -> %j', (text, line, unique, expected) => expect(appendLine(text, line, unique)).toBe(expected));
});

describe('the start-cost stand-ins give what node:os and Web Crypto give', () => {
  it('getHostId without CWT_HOST_ID is os.hostname(), read without node:os', async () => {
    const { hostname } = await import('node:os');
    const { getHostId } = await import('../../src/core/sessions/liveness.js');
    expect(getHostId({})).toBe(hostname());
    expect(getHostId({ CWT_HOST_ID: 'ci-box' })).toBe('ci-box');
  });

  it('randomHex: the asked number of random bytes as lowercase hex, different each time', async () => {
    const { randomHex } = await import('../../src/core/util/random.js');
    const values = Array.from({ length: 50 }, () => randomHex(4));
    for (const value of values) expect(value).toMatch(/^[0-9a-f]{8}$/);
    expect(new Set(values).size).toBe(50);
    expect(randomHex(16)).toMatch(/^[0-9a-f]{32}$/);
  });
});
