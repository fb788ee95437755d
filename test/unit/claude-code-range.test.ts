/** The supported Claude Code range: the constants cwt states are the versions the e2e suite installs. */
import { describe, expect, it } from 'vitest';
import { CLAUDE_CODE_RANGE, compareVersions, getRangePosition, parseClaudeCodeVersion } from '../../src/core/harness/claudecode.js';
import { getClaudeBinary, getPinnedSpecs } from '../helpers/claude-range.js';

describe('the supported Claude Code range', () => {
  it('is exactly what package.json pins and node_modules holds, at both ends', () => {
    expect(getPinnedSpecs()).toEqual({ oldest: `npm:@anthropic-ai/claude-code@${CLAUDE_CODE_RANGE.oldest}`, newest: CLAUDE_CODE_RANGE.newest });
    expect(getClaudeBinary('oldest').version).toBe(CLAUDE_CODE_RANGE.oldest);
    expect(getClaudeBinary('newest').version).toBe(CLAUDE_CODE_RANGE.newest);
  });

  it.each([
    ['2.1.332 (Claude Code)', '2.1.332'],
    ['2.1.197 (Claude Code)\n', '2.1.197'],
    ['codex-cli 0.9.1', undefined],
    ['', undefined],
  ])('parses %j', (output, version) => expect(parseClaudeCodeVersion(output)).toBe(version));

  it.each([
    ['2.1.197', '2.1.332', -1],
    ['2.1.332', '2.1.332', 0],
    ['2.10.0', '2.9.9', 1],
    ['3', '2.99.99', 1],
  ])('compares %s with %s', (a, b, sign) => expect(Math.sign(compareVersions(a, b))).toBe(sign));

  it.each([
    ['2.1.196', 'older'],
    [CLAUDE_CODE_RANGE.oldest, 'inside'],
    ['2.1.250', 'inside'],
    [CLAUDE_CODE_RANGE.newest, 'inside'],
    ['2.1.333', 'newer'],
  ])('%s is %s', (version, position) => expect(getRangePosition(version)).toBe(position));
});
