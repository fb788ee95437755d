/**
 * Trust boundaries, the pure parts. Input limits: TTLs and the heartbeat timer, the scope glob, hook input
 * fields, JSON values, lock names, sentinel files, store URLs, the MCP message size. Output hygiene: terminal
 * control sequences, Slack mentions, shell-quoted hints.
 */
import { describe, expect, it } from 'vitest';
import { formatAge, getHeartbeatIntervalMs, MAX_TIMER_MS, MAX_TTL_MS, parseTtl } from '../../src/core/util/duration.js';
import { UsageError } from '../../src/core/util/errors.js';
import { assertValueFits, matchesGlob, MAX_VALUE_BYTES } from '../../src/core/coordination/kv.js';
import { acquireLock, assertLockName, assertUserLockName } from '../../src/core/coordination/locks.js';
import { isSentinelText } from '../../src/core/coordination/sentinel.js';
import { parsePostgresUrl } from '../../src/core/store/postgres.js';
import type { LockRecord, Store } from '../../src/core/store/store.js';
import { getToolString, parseHookInput } from '../../src/hooks/input.js';
import { createMessageGuard, findRequestId } from '../../src/mcp/messageguard.js';
import { MESSAGES } from '../../src/texts/messages.js';
import { escapeForSlack, sanitizeForTerminal } from '../../src/texts/sanitize.js';
import { createRandom } from '../helpers/random.js';
import { renderMarkdownTable, renderTable } from '../../src/ui/table.js';

const DAY = 86_400_000;

/** The message of the UsageError `fn` throws; fails the test when it throws none or another kind. */
function usageErrorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as UsageError).message;
  }
  throw new Error('expected a UsageError, none was thrown');
}

describe('TTLs and heartbeats', () => {
  it.each([
    [300_000, 3, 250, 100_000],
    [600, 3, 250, 250],
    [MAX_TTL_MS, 3, 250, Math.floor(MAX_TTL_MS / 3)],
    [100 * DAY, 3, 250, MAX_TIMER_MS],
    [Number.MAX_SAFE_INTEGER, 4, 1000, MAX_TIMER_MS],
  ])('getHeartbeatIntervalMs(%d, %d, %d) = %d', (ttlMs, beatsPerTtl, floorMs, expected) => {
    expect(getHeartbeatIntervalMs(ttlMs, beatsPerTtl, floorMs)).toBe(expected);
  });

  it('every capped TTL heartbeats within the timer limit', () => {
    expect(Math.floor(MAX_TTL_MS / 3)).toBeLessThanOrEqual(MAX_TIMER_MS);
  });

  it('parseTtl takes up to the cap and refuses more with a usage error naming the cap', () => {
    expect(parseTtl('7d', '--ttl')).toBe(7 * DAY);
    expect(parseTtl('30s', '--ttl')).toBe(30_000);
    const message = usageErrorOf(() => parseTtl('100d', '--ttl'));
    expect(message).toBe(MESSAGES.ttlTooLong('--ttl', '100d', formatAge(MAX_TTL_MS)));
    expect(message).toContain('7d');
    expect(() => parseTtl('soon', '--ttl')).toThrow(UsageError);
  });

  it('a lock whose TTL passes the timer limit is not heartbeated every millisecond', async () => {
    let beats = 0;
    const record: LockRecord = { name: 'n', holder: 'h', session: null, token: 1, pid: process.pid, host: 'h', acquiredAt: 0, heartbeatAt: 0, ttlMs: 100 * DAY, note: null };
    const store = {
      acquireLock: async () => ({ acquired: true, lock: record }),
      heartbeatLock: async () => {
        beats++;
        return true;
      },
      releaseLock: async () => true,
    } as unknown as Store;
    const handle = await acquireLock(store, { name: 'n', ttlMs: 100 * DAY });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await handle.release();
    expect(beats).toBe(0);
  });
});

describe('the scope glob', () => {
  // Beyond the basic table in coordination.test.ts: stars at either end, empty sides, regex characters.
  it.each([
    ['issue:15', '*:15', true],
    ['issue:15', 'i*1*5', true],
    ['issue:15', 'issue:?', false],
    ['issue:15', 'issue:15*', true],
    ['issue:15', 'issue:15?', false],
    ['', '*', true],
    ['', '', true],
    ['', '?', false],
    ['x', '', false],
    ['abc', '**c', true],
    ['abc', '*?*?*?', true],
    ['ab', '*?*?*?', false],
    ['a(b|c)', 'a(b|c)', true],
    ['ab', 'a(b|c)', false],
    ['[x]', '[x]', true],
    ['x', '[x]', false],
    ['a\\b', 'a\\b', true],
    ['aaab', '*ab', true],
    ['line\nbreak', 'line*break', true],
    ['é', '?', true],
    ['日本', '??', true],
  ])('matchesGlob(%j, %j) = %j', (name, glob, expected) => expect(matchesGlob(name, glob)).toBe(expected));

  it('finishes the pathological pattern over a 200-character scope (no backtracking regex)', () => {
    const pattern = '*a*a*a*a*a*a*a*a*b';
    expect(matchesGlob('a'.repeat(200), pattern)).toBe(false);
    expect(matchesGlob(`${'a'.repeat(199)}b`, pattern)).toBe(true);
  });
});

describe('hook input limits', () => {
  it('drops an absurd session_id, cwd or file path (the call then goes ahead undecided) and keeps the rest', () => {
    const input = parseHookInput(
      JSON.stringify({ session_id: 'x'.repeat(1_000_000), cwd: `/${'d'.repeat(5000)}`, tool_name: 'Write', tool_input: { file_path: `/r/${'a'.repeat(5000)}`, content: 'x'.repeat(100_000) } }),
    )!;
    expect(input.session_id).toBeUndefined();
    expect(input.cwd).toBeUndefined();
    expect(input.tool_name).toBe('Write');
    expect(getToolString(input, 'file_path')).toBeUndefined();
    expect(getToolString({ tool_input: { file_path: '/r/a.ts' } }, 'file_path')).toBe('/r/a.ts');
    // A long Bash command is the model's own business: only paths and ids are capped.
    expect(getToolString({ tool_input: { command: 'x'.repeat(100_000) } }, 'command')).toHaveLength(100_000);
  });

  it.each([['4366b410-1d2c-4b5e-9a77-0123456789ab'], ['c1'], ['tab-2'], ['claude_1.x:y']])('keeps the session id %j', (id) => {
    expect(parseHookInput(JSON.stringify({ session_id: id }))!.session_id).toBe(id);
  });

  it.each([['x'.repeat(129)], ['has space'], ['semi;colon'], ['../up'], ['new\nline'], ['-dash'], ['\u001b[31m']])('drops the session id %j', (id) => {
    expect(parseHookInput(JSON.stringify({ session_id: id }))!.session_id).toBeUndefined();
  });
});

describe('JSON values', () => {
  it('fit up to the cap; past it a usage error names what and the cap', () => {
    expect(() => assertValueFits('x'.repeat(MAX_VALUE_BYTES - 2), 'value')).not.toThrow();
    expect(usageErrorOf(() => assertValueFits('x'.repeat(MAX_VALUE_BYTES), 'task data'))).toBe(MESSAGES.valueTooBig('task data', MAX_VALUE_BYTES + 2, MAX_VALUE_BYTES));
  });
});

describe('lock names', () => {
  it('the cwt: prefix is cwt’s own: a user or a model cannot take it, but may name it to release a stuck one', () => {
    expect(usageErrorOf(() => assertUserLockName('cwt:notify-sender'))).toBe(MESSAGES.lockNameReserved('cwt:notify-sender'));
    expect(() => assertUserLockName('CWT:x')).toThrow(UsageError);
    expect(() => assertUserLockName('deploy:prod')).not.toThrow();
    expect(() => assertUserLockName('a/b')).toThrow(UsageError);
    expect(() => assertLockName('cwt:notify-sender')).not.toThrow();
  });
});

describe('sentinel files', () => {
  it.each([
    ['cwt’s own', '---\nsession_id: "s1"\nstarted_at: 2024-01-01T00:00:00.000Z\ncommand: "x"\nuser_action: ""\npid: 12\n---\n\nWritten by cwt\n', true],
    ['hand-written, CRLF', '---\r\nsession_id: tab-2\r\nstarted_at: 2024-01-01\r\n---\r\nby hand\r\n', true],
    ['only a pid', '---\npid: 42\n---\n', true],
    ['plain text', 'someone is deploying\n', false],
    ['empty', '', false],
    ['other front matter', '---\ntitle: Notes\ntags: [a]\n---\n# Notes\n', false],
    ['a key in the body only', '# notes\nsession_id: x\n', false],
    ['unterminated front matter', '---\nsession_id: x\n', false],
  ])('%s: %s', (_, text, expected) => expect(isSentinelText(text)).toBe(expected));
});

describe('store URLs', () => {
  it.each([
    ['postgres://', MESSAGES.storeUrlNoHost],
    ['postgresql:///cwt', MESSAGES.storeUrlNoHost],
    ['postgres://user@', MESSAGES.storeUrlMalformed],
    ['postgres://:99999/x', MESSAGES.storeUrlMalformed],
    ['postgres://h/db?schema=Bad-Name', MESSAGES.storeUrlBadSchema('Bad-Name')],
  ])('%j is a usage error: %s', (value, message) => {
    expect(usageErrorOf(() => parsePostgresUrl(value, {}))).toBe(message);
  });

  it('a URL without a host is fine when PGHOST names one', () => {
    expect(parsePostgresUrl('postgres:///cwt', { PGHOST: '/var/run/postgresql' }).schema).toBe('cwt');
  });
});

describe('the MCP message guard', () => {
  it.each([
    ['{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{}}', 7],
    ['{"method":"tools/call","params":{"arguments":{"id":1}},"jsonrpc":"2.0","id":12}', 12],
    ['{"method":"x","params":{},"jsonrpc":"2.0","id":"abc"}', 'abc'],
    ['{"method":"notifications/x","params":{"a":{"id":3}}}', undefined],
    ['not json at all', undefined],
  ])('findRequestId(%j) = %j', (line, expected) => {
    expect(findRequestId(line.slice(0, 40), line.slice(-40))).toBe(expected);
  });

  it('passes lines under the cap, drops an oversized one whole (its id reported), and goes on', async () => {
    const refused: Array<{ bytes: number; id: string | number | undefined }> = [];
    const guard = createMessageGuard(100, (bytes, id) => refused.push({ bytes, id }));
    const out: string[] = [];
    guard.on('data', (chunk: Buffer) => out.push(chunk.toString()));
    const big = `{"method":"tools/call","params":{"v":"${'x'.repeat(500)}"},"jsonrpc":"2.0","id":5}`;
    guard.write('{"id":1}\n{"id":');
    guard.write('2}\n');
    for (let at = 0; at < big.length; at += 64) guard.write(big.slice(at, at + 64));
    guard.write('\n{"id":3}\n');
    guard.end();
    await new Promise((resolve) => guard.on('end', resolve));
    expect(out.join('')).toBe('{"id":1}\n{"id":2}\n{"id":3}\n');
    expect(refused).toEqual([{ bytes: big.length + 1, id: 5 }]);
  });
});

describe('output hygiene', () => {
  it.each([
    ['plain', 'plain'],
    ['unicode: é 日本 🙂', 'unicode: é 日本 🙂'],
    ['red \u001b[31mtext\u001b[0m', 'red text'],
    ['title \u001b]0;pwned\u0007after', 'title after'],
    ['link \u001b]8;;http://x\u001b\\text\u001b]8;;\u001b\\', 'link text'],
    ['c1 csi \u009b31mx', 'c1 csi x'],
    ['c1 osc \u009d0;t\u009cx', 'c1 osc x'],
    ['dcs \u001bPq#0;2\u001b\\ end', 'dcs  end'],
    ['keypad \u001b=x', 'keypad x'],
    ['charset \u001b(Bx', 'charset x'],
    ['lone esc \u001b', 'lone esc '],
    ['cr\roverwrite', 'croverwrite'],
    ['bs\b\b and bell\u0007 and del\u007f and nul\u0000', 'bs and bell and del and nul'],
    ['c1 \u0085 nel', 'c1  nel'],
  ])('sanitizeForTerminal(%j) = %j', (text, expected) => {
    expect(sanitizeForTerminal(text)).toBe(expected);
    expect(sanitizeForTerminal(text, { multiline: true })).toBe(expected);
  });

  it('a single-line field turns newlines and tabs into spaces; a multi-line one keeps them', () => {
    expect(sanitizeForTerminal('two\nlines\there')).toBe('two lines here');
    expect(sanitizeForTerminal('two\nlines\there', { multiline: true })).toBe('two\nlines\there');
    expect(sanitizeForTerminal('crlf\r\nline', { multiline: true })).toBe('crlf\nline');
  });

  it('the no-control fast path answers as the three passes do, on random texts (seeded)', () => {
    // The three passes, as sanitizeForTerminal ran them for every text before its fast path.
    // eslint-disable-next-line no-control-regex
    const sequence = /(?:\u001b[\]PX^_]|[\u0090\u0098\u009d\u009e\u009f])[^\u0007\u001b\u0090\u0098\u009b-\u009f]*(?:\u0007|\u001b\\|\u009c)|(?:\u001b\[|\u009b)[\u0030-\u003f]*[\u0020-\u002f]*[\u0040-\u007e]?|\u001b[\u0020-\u002f]*[\u0030-\u007e]?/g;
    // eslint-disable-next-line no-control-regex
    const reference = (text: string, multiline: boolean) => (multiline ? text.replace(sequence, '') : text.replace(sequence, '').replace(/\r?\n|\t/g, ' ')).replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '');
    const alphabet = ['a', 'Z', ' ', '[', ']', '\\', '0', ';', 'm', 'é', '日', '🙂', '\u00a0', '\u009f', '\u00a0', '\u001b', '\u0007', '\n', '\r', '\t', '\u0000', '\u007f', '\u0085', '\u009b', '\u009c', '\u009d', '\u001f', '\u2028'];
    const random = createRandom(17);
    let plain = 0;
    let lines = 0;
    for (let i = 0; i < 6_000; i++) {
      // A third of the texts from printable characters only (the fast path), a third with newlines and tabs too
      // (a multi-line field's fast path), a third from everything.
      const pool = i % 3 === 0 ? alphabet.slice(0, 13) : i % 3 === 1 ? [...alphabet.slice(0, 13), '\n', '\t'] : alphabet;
      const text = Array.from({ length: Math.floor(random() * 12) }, () => pool[Math.floor(random() * pool.length)]).join('');
      if (!/[\u0000-\u001f\u007f-\u009f]/.test(text)) plain++;
      else if (!/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(text)) lines++;
      for (const multiline of [false, true]) expect(sanitizeForTerminal(text, { multiline })).toBe(reference(text, multiline));
    }
    expect(plain).toBeGreaterThan(2_000);
    expect(lines).toBeGreaterThan(1_000);
  });

  it('finishes on many unterminated string introducers', () => {
    expect(sanitizeForTerminal('\u001b]x'.repeat(100_000))).toBe('x'.repeat(100_000));
    expect(sanitizeForTerminal('\u009dx'.repeat(100_000))).toBe('x'.repeat(100_000));
  });

  it('the table renderers print no control sequence from a cell', () => {
    const rows = [['\u001b]0;owned\u0007lock', 'note\u001b[2J\nsecond line', 'ok']];
    // Widths are measured on the printed text, so the columns still line up.
    expect(renderTable(['NAME', 'NOTE', 'X'], rows)).toBe(['NAME  NOTE              X', 'lock  note second line  ok'].join('\n'));
    expect(renderMarkdownTable(['a'], [['\u001b[31mred\u001b[0m|pipe']])).toBe('| a |\n| --- |\n| red\\|pipe |');
  });

  it.each([
    ['<!channel> deploy', '&lt;!channel&gt; deploy'],
    ['<!here|here>', '&lt;!here|here&gt;'],
    ['<@U024BE7LH> look', '&lt;@U024BE7LH&gt; look'],
    ['<https://evil.example|click>', '&lt;https://evil.example|click&gt;'],
    ['a & b > c < d', 'a &amp; b &gt; c &lt; d'],
    ['&lt; already', '&amp;lt; already'],
    ['@here @channel @everyone @all', '@\u200bhere @\u200bchannel @\u200beveryone @\u200ball'],
    ['mail me@here.example', 'mail me@here.example'],
    ['plain text', 'plain text'],
  ])('escapeForSlack(%j) = %j', (text, expected) => expect(escapeForSlack(text)).toBe(expected));

  it('hints quote branch names, so a copied command runs what it says', () => {
    expect(MESSAGES.sessionEndedHint('feat/x')).toBe('start a new session on that branch with: cwt new feat/x');
    expect(MESSAGES.sessionEndedHint('feat/$(touch pwned)')).toBe("start a new session on that branch with: cwt new 'feat/$(touch pwned)'");
    expect(MESSAGES.branchCheckedOutHint('a;b', undefined)).toContain("cwt attach 'a;b'");
    expect(MESSAGES.checkAcceptOtherBranchHint("it's")).toContain(`git switch 'it'\\''s'`);
  });
});
