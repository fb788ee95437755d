import { describe, expect, it } from 'vitest';
import { decideClaim, DENY_ONCE_RETRY_MS, getCheckoutRelativePath, type ClaimMode, type ClaimPolicy } from '../../src/core/coordination/claims.js';
import { addCwtHooks, buildHookSettings, getHookCommand, isCwtHookCommand, removeCwtHooks } from '../../src/core/harness/harness.js';
import { quoteShellWord } from '../../src/texts/shellquote.js';
import { expandShellPath, findShellWriteTargets, isProtectedPath } from '../../src/core/harness/guard.js';
import { parseHookInput } from '../../src/hooks/input.js';
import type { ClaimRecord, ClaimState, SessionRecord } from '../../src/core/store/store.js';

const NOW = 1_000_000_000;

function session(id: string, overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id,
    repo: '/r/.git',
    mainWorktree: '/r',
    worktree: '/r',
    branch: 'main',
    createdBranch: false,
    baseCommit: 'c',
    agent: 'claude',
    pid: 1,
    host: 'h',
    startedAt: NOW - 60_000,
    heartbeatAt: NOW,
    state: 'live',
    endedAt: null,
    agentExit: null,
    memoryDir: '',
    memoryBase: '',
    kind: 'adopted',
    ...overrides,
  };
}

function claim(holder: string, ageMs: number): ClaimRecord {
  return { checkout: '/r', relPath: 'a.ts', repo: '/r/.git', absPath: '/r/a.ts', session: holder, claudeId: null, at: NOW - ageMs };
}

function policy(mode: ClaimMode, live = true): ClaimPolicy {
  return { mode, claimTtlMs: 600_000, now: NOW, isLive: () => live };
}

describe('decideClaim', () => {
  const heldByA = (ageMs = 1000, deniedAt: number | null = null, holder = session('A')): ClaimState => ({ existing: claim('A', ageMs), holder, deniedAt });
  it.each<[string, ClaimState, string, ClaimPolicy, ReturnType<typeof decideClaim>]>([
    ['free path', { existing: undefined, holder: undefined, deniedAt: null }, 'B', policy('deny-once'), { allow: true, takeover: false }],
    ['own claim', heldByA(), 'A', policy('deny-once'), { allow: true, takeover: false }],
    ['deny-once, first try', heldByA(), 'B', policy('deny-once'), { allow: false, recordDenial: true }],
    ['deny-once, retry soon after', heldByA(1000, NOW - 30_000), 'B', policy('deny-once'), { allow: true, takeover: true }],
    ['deny-once, retry too late', heldByA(1000, NOW - DENY_ONCE_RETRY_MS - 1), 'B', policy('deny-once'), { allow: false, recordDenial: true }],
    ['deny mode, even after a denial', heldByA(1000, NOW - 1000), 'B', policy('deny'), { allow: false, recordDenial: false }],
    ['warn mode', heldByA(), 'B', policy('warn'), { allow: true, takeover: true }],
    ['expired claim', heldByA(600_000), 'B', policy('deny'), { allow: true, takeover: false }],
    ['holder not live', heldByA(), 'B', policy('deny', false), { allow: true, takeover: false }],
    ['holder ended', heldByA(1000, null, session('A', { state: 'ended' })), 'B', policy('deny'), { allow: true, takeover: false }],
    ['holder gone', { existing: claim('A', 1000), holder: undefined, deniedAt: null }, 'B', policy('deny'), { allow: true, takeover: false }],
  ])('%s', (_, state, requester, rules, expected) => expect(decideClaim(state, requester, rules)).toEqual(expected));
});

describe('getCheckoutRelativePath', () => {
  it.each([
    ['/r/src/a.ts', '/r', 'src/a.ts'],
    ['/r', '/r', undefined],
    ['/r2/a.ts', '/r', undefined],
    ['/r/../x', '/r', undefined],
    ['/other/a', '/r', undefined],
  ])('%s in %s -> %s', (path, checkout, expected) => expect(getCheckoutRelativePath(path, checkout)).toBe(expected));
});

describe('findShellWriteTargets', () => {
  it.each<[string, string[]]>([
    ['echo hi > out.txt', ['out.txt']],
    ['echo hi >> ~/.claude/skills/_index.md', ['~/.claude/skills/_index.md']],
    ['echo hi>out', ['out']],
    ['printf x 2> err.log', ['err.log']],
    ['cmd &> all.log', ['all.log']],
    ['echo hi >&2', []],
    ['cmd 2>&1 | tee -a "a b.md" c.md', ['a b.md', 'c.md']],
    ['cp src/x.md ~/.claude/skills/', ['~/.claude/skills/']],
    ['mv -f a b', ['b']],
    ['cp -t /dest a b', ['/dest']],
    ['sed -i "s/a/b/" settings.json', ['settings.json']],
    ["sed -i.bak -e 's/a/b/' f1 f2", ['f1', 'f2']],
    ['sed "s/a/b/" f1', []],
    ['dd if=/dev/zero of=/tmp/x bs=1', ['/tmp/x']],
    ['cat < input.txt', []],
    ['echo hi > /dev/null', []],
    ['sudo tee /etc/x', ['/etc/x']],
    ['FOO=1 cp a b && echo done > log', ['b', 'log']],
    ["echo 'a > b'", []],
    ['echo "a > b" ; cat x', []],
    ['ls -la', []],
  ])('%s', (command, expected) => expect(findShellWriteTargets(command)).toEqual(expected));
});

describe('expandShellPath', () => {
  it.each([
    ['~/.claude/x', '/home/me/.claude/x'],
    ['$HOME/.claude/x', '/home/me/.claude/x'],
    ['${HOME}/x', '/home/me/x'],
    ['rel/x', '/work/rel/x'],
    ['/abs/x', '/abs/x'],
  ])('%s', (word, expected) => expect(expandShellPath(word, '/work', '/home/me')).toBe(expected));
});

describe('isProtectedPath', () => {
  const guard = { claudeHome: '/h/.claude', exempt: ['/h/.claude/projects/k/cwt-memory/s'] };
  it.each([
    ['/h/.claude/settings.json', true],
    ['/h/.claude/skills/_index.md', true],
    ['/h/.claude/projects/k/memory/MEMORY.md', true],
    ['/h/.claude/projects/k/cwt-memory/s/notes.md', false],
    ['/h/.claude/projects/k/cwt-memory/s2/notes.md', true],
    ['/h/.claude-other/x', false],
    ['/repo/src/a.ts', false],
  ])('%s -> %s', (path, expected) => expect(isProtectedPath(path, guard)).toBe(expected));

  it('with configured patterns, only what they match', () => {
    const matches = (rel: string) => rel.startsWith('skills/');
    expect(isProtectedPath('/h/.claude/skills/a.md', { ...guard, matches })).toBe(true);
    expect(isProtectedPath('/h/.claude/settings.json', { ...guard, matches })).toBe(false);
  });
});

describe('parseHookInput', () => {
  it.each<[string, unknown]>([
    ['', undefined],
    ['null', undefined],
    ['[1,2]', undefined],
    ['"text"', undefined],
    ['{', undefined],
    ['{}', {}],
    ['{"session_id":5,"cwd":"/x","tool_input":[1]}', { cwd: '/x' }],
    ['{"session_id":"a\\u0000b","tool_name":"Write","tool_input":{"file_path":"/x"}}', { tool_name: 'Write', tool_input: { file_path: '/x' } }],
  ])('%s', (text, expected) => expect(parseHookInput(text)).toEqual(expected));
});

describe('hook settings', () => {
  it('quotes shell words only when needed, and safely', () => {
    expect(quoteShellWord('/usr/bin/node')).toBe('/usr/bin/node');
    expect(quoteShellWord('/a b/c')).toBe("'/a b/c'");
    expect(quoteShellWord("/it's")).toBe("'/it'\\''s'");
  });

  it('recognises its own commands, wherever cwt is installed', () => {
    expect(isCwtHookCommand(getHookCommand('pre-tool-use', '/usr/bin/node', '/opt/x y/bin/cwt.js'))).toBe(true);
    expect(isCwtHookCommand('cwt hook session-end')).toBe(true);
    expect(isCwtHookCommand('npx husky run pre-tool-use')).toBe(false);
    expect(isCwtHookCommand('cwt hook pre-tool-use; rm -rf /')).toBe(false);
  });

  it('uses http for tool events only when a server url is given', () => {
    const http = buildHookSettings({ httpUrl: 'http://127.0.0.1:9' });
    expect(http.PreToolUse![0]!.hooks[0]).toMatchObject({ type: 'http', url: 'http://127.0.0.1:9/hooks/pre-tool-use', allowedEnvVars: ['CWT_HOOK_TOKEN'] });
    expect(http.SessionStart![0]!.hooks[0]).toMatchObject({ type: 'command' });
    expect(buildHookSettings().PostToolUse![0]).toMatchObject({ matcher: 'Read|Edit|Write|MultiEdit|NotebookEdit|Bash|WebFetch|WebSearch', hooks: [{ type: 'command' }] });
  });

  it('merges into settings keeping every other key and hook, idempotently, and removes only its own', () => {
    const theirs = { model: 'opus', hooks: { PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: './guard.sh' }] }], Stop: [{ hooks: [{ type: 'command', command: 'say done' }] }] } };
    const once = addCwtHooks(theirs);
    expect(addCwtHooks(once)).toEqual(once);
    expect(once.model).toBe('opus');
    const pre = (once.hooks as Record<string, unknown[]>).PreToolUse!;
    expect(pre[0]).toEqual(theirs.hooks.PreToolUse[0]);
    expect(pre).toHaveLength(2);
    expect(removeCwtHooks(once)).toEqual(theirs);
    expect(removeCwtHooks(addCwtHooks({}))).toEqual({});
  });
});
