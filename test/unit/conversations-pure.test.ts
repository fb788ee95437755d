import { describe, expect, it } from 'vitest';
import { buildResumeArgs, FIRST_PROMPT_MAX_CHARS, hasConversationFlag, toFirstPromptLine } from '../../src/core/harness/conversation.js';
import { getLastConversation, matchConversation } from '../../src/core/sessions/conversations.js';
import type { ClaudeSessionRecord } from '../../src/core/store/store.js';

const conversation = (claudeId: string, startedAt: number, activeAt: number): ClaudeSessionRecord => ({
  claudeId,
  session: 's1',
  startedAt,
  activeAt,
  endedAt: null,
  firstPrompt: null,
  transcript: null,
});

describe('conversations, pure parts', () => {
  it.each([
    ['fix the bug', 'fix the bug'],
    ['\n\n  second line first  \nthird', 'second line first'],
    ['\u001b]0;evil title\u0007hello\u001b[31m red', 'hello red'],
    ['   \n\t\n', undefined],
    ['x'.repeat(500), `${'x'.repeat(FIRST_PROMPT_MAX_CHARS - 1)}…`],
  ])('toFirstPromptLine(%j) = %j', (prompt, line) => {
    expect(toFirstPromptLine(prompt)).toBe(line);
  });

  it.each([
    [['-p', 'hi'], false],
    [['--resume', 'abc'], true],
    [['-c'], true],
    [['--session-id=1234'], true],
    [['--fork-session'], true],
  ])('hasConversationFlag(%j) = %s', (args, expected) => {
    expect(hasConversationFlag(args)).toBe(expected);
  });

  it('resumes or forks by id', () => {
    expect(buildResumeArgs('abc')).toEqual(['--resume', 'abc']);
    expect(buildResumeArgs('abc', { fork: true })).toEqual(['--resume', 'abc', '--fork-session']);
  });

  it('the last conversation is the one seen last; an id or a unique prefix names one', () => {
    const list = [conversation('aaaa1111', 1, 50), conversation('aaaa2222', 2, 20), conversation('bbbb3333', 3, 30)];
    expect(getLastConversation(list)?.claudeId).toBe('aaaa1111');
    expect(getLastConversation([])).toBeUndefined();
    expect(matchConversation(list, 'bbbb3333')?.claudeId).toBe('bbbb3333');
    expect(matchConversation(list, 'bbbb')?.claudeId).toBe('bbbb3333');
    expect(matchConversation(list, 'aaaa')).toBeUndefined();
    expect(matchConversation(list, 'bb')).toBeUndefined();
  });
});
