/** The pre-commit request the git hook shim sends the per-user service, and the answer it reads back. */
import { describe, expect, it } from 'vitest';
import { formatPreCommitAnswer, parsePreCommitRequest } from '../../src/server/precommit.js';

const good = { v: 1, cwd: '/work/repo', store: '', gitPid: '4242', env: { CWT_SESSION: 'abcd1234', GIT_INDEX_FILE: '.git/index', HOME: '/home/u' } };
const text = (value: unknown) => JSON.stringify(value);

describe('parsePreCommitRequest', () => {
  it('takes the shape the shim writes (git pid as text)', () => {
    expect(parsePreCommitRequest(text(good))).toEqual({ cwd: '/work/repo', gitPid: 4242, store: '', env: good.env });
  });

  it("takes a v4 shim's attempt: its pid and start ticks (empty where /proc was unreadable)", () => {
    expect(parsePreCommitRequest(text({ ...good, hookPid: '4243', hookStart: '1975129' }))?.shim).toEqual({ pid: 4243, start: '1975129' });
    expect(parsePreCommitRequest(text({ ...good, hookPid: '4243', hookStart: '' }))?.shim).toEqual({ pid: 4243, start: '' });
  });

  it.each([
    ['not JSON', 'cwt'],
    ['an array', text([good])],
    ['another version', text({ ...good, v: 2 })],
    ['a relative cwd', text({ ...good, cwd: 'repo' })],
    ['a cwd with a NUL', text({ ...good, cwd: '/work/re\u0000po' })],
    ['a cwd whose bytes were not UTF-8 (replaced)', text({ ...good, cwd: '/work/r\ufffdpo' })],
    ['a git pid that is not a number', text({ ...good, gitPid: '1; rm -rf /' })],
    ['a git pid of 0', text({ ...good, gitPid: '0' })],
    ['a variable the check does not read', text({ ...good, env: { ...good.env, PATH: '/tmp/evil' } })],
    ['GIT_DIR (git.ts drops it; the request may not carry it)', text({ ...good, env: { GIT_DIR: '/elsewhere/.git' } })],
    ['a variable that is not text', text({ ...good, env: { CWT_SESSION: 1 } })],
    ['no env', text({ ...good, env: undefined })],
    ['a store that is not text', text({ ...good, store: null })],
    ['a shim pid without its start', text({ ...good, hookPid: '4243' })],
    ['a shim start without its pid', text({ ...good, hookStart: '1975129' })],
    ['a shim pid that is not a number', text({ ...good, hookPid: '$$', hookStart: '1' })],
    ['a shim start that is not ticks', text({ ...good, hookPid: '4243', hookStart: '12 34' })],
  ])('refuses %s', (_label, body) => {
    expect(parsePreCommitRequest(body)).toBeUndefined();
  });
});

describe('formatPreCommitAnswer', () => {
  it('is the exit code, the text, and the end line the shim checks', () => {
    expect(formatPreCommitAnswer(0, '')).toBe('cwt-pre-commit 0\ncwt-end\n');
    expect(formatPreCommitAnswer(1, 'cwt: commit blocked\n  next: x\n')).toBe('cwt-pre-commit 1\ncwt: commit blocked\n  next: x\ncwt-end\n');
  });
});
