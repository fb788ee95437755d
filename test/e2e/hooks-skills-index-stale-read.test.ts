/**
 * End to end, real `claude` binary, command hooks from `cwt install`, temporary Claude home: a tab (session
 * B) reads the user's skills catalogue `~/.claude/skills/_index.md`; while it waits (its next request held
 * by the fake API), another session (A, here the test) adds a line with `cwt append`; then B writes the
 * catalogue from what it read. That write would drop A's line.
 *
 * Two layers stop it. Claude Code 2.1.197 itself refuses a Write when the file's mtime moved since its Read
 * ("File has been modified since read"), before any PreToolUse hook runs; cwt's hook compares content
 * (sha256 at PostToolUse Read vs now), so it also catches a change the mtime does not show: a writer that
 * keeps mtimes (`cp -p`, `rsync -t`, tar, `touch -r`) or a coarse-mtime filesystem. The second test puts the
 * mtime back to what B saw, as such a writer would, so only cwt's check stands between B and the clobber.
 */
import { mkdirSync, readFileSync, statSync, utimesSync, writeFileSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claudePrintArgs, describeRun, e2eEnv, findToolResult, requireClaude, untilHeld, useE2eFixture } from '../helpers/claude.js';
import { runCwt, type CwtResult } from '../helpers/cli.js';
import type { FakeApi } from '../helpers/fake-api.js';
import { createRepo } from '../helpers/git.js';

const ORIGINAL = '# Skills\n- [review](review/SKILL.md)\n';
const APPENDED = '- [x](x/SKILL.md)';
const B_VERSION = '# Skills\n- [review](review/SKILL.md)\n- [b](b/SKILL.md)\n';

describe("a tab writes the skills catalogue after another session changed it since the tab's read", () => {
  const fixture = useE2eFixture('cwt-e2e-stale-');

  /**
   * Runs the scenario to B's exit; `between` runs after A's append, while B still waits, with the file's
   * stat as B's Read saw it.
   */
  async function readAppendWrite(between: (index: string, seen: Stats) => void): Promise<{ api: FakeApi; index: string; result: CwtResult }> {
    requireClaude();
    const sb = fixture.sandbox;
    const repo = createRepo(join(sb.root, 'repo'));
    const index = join(sb.claudeHome, 'skills', '_index.md');
    mkdirSync(join(sb.claudeHome, 'skills'), { recursive: true });
    writeFileSync(index, ORIGINAL);
    const seen = statSync(index);
    const held = fixture.hold({ type: 'tool_use', name: 'Write', id: 'toolu_write_index', input: { file_path: index, content: B_VERSION } });
    const api = await fixture.startApi({ script: [{ type: 'tool_use', name: 'Read', id: 'toolu_read_index', input: { file_path: index } }, held.turn] });
    const env = e2eEnv(sb, api);
    const install = await runCwt(['install'], { cwd: repo, env, timeoutMs: 30_000 });
    expect(install.code, install.stderr).toBe(0);

    const tab = fixture.startClaude(claudePrintArgs('add skill b to the catalogue'), { cwd: repo, env, timeoutMs: 100_000 });
    await untilHeld(held, tab, api);
    const read = findToolResult(api, 'toolu_read_index');
    expect(read?.isError).toBe(false);
    expect(read?.text).toContain('[review](review/SKILL.md)');

    // Session A: a locked, atomic append (no CWT_SESSION: a script or another tool).
    const append = await runCwt(['append', index, APPENDED], { cwd: repo, env, timeoutMs: 30_000 });
    expect(append.code, append.stderr).toBe(0);
    expect(readFileSync(index, 'utf8')).toBe(`${ORIGINAL}${APPENDED}\n`);
    between(index, seen);

    held.release();
    const result = await tab.result;
    expect(result.code, describeRun(result, api)).toBe(0);
    return { api, index, result };
  }

  it("is refused by Claude Code's own mtime check when the mtime moved", { timeout: 120_000 }, async () => {
    const { api, index, result } = await readAppendWrite(() => {});
    const write = findToolResult(api, 'toolu_write_index');
    expect(write, describeRun(result, api)).toBeDefined();
    expect(write!.isError).toBe(true);
    expect(write!.text).toContain('modified since read');
    expect(readFileSync(index, 'utf8')).toBe(`${ORIGINAL}${APPENDED}\n`);
  });

  it("is denied as stale by cwt's hook when the content changed but the mtime did not", { timeout: 120_000 }, async () => {
    const { api, index, result } = await readAppendWrite((path, seen) => {
      // Back to what B saw, to the millisecond (one ms under it: utimes may round up a fraction).
      utimesSync(path, seen.atimeMs / 1000, (Math.floor(seen.mtimeMs) - 1) / 1000);
      expect(Math.floor(statSync(path).mtimeMs)).toBeLessThanOrEqual(Math.floor(seen.mtimeMs));
    });
    const write = findToolResult(api, 'toolu_write_index');
    expect(write, describeRun(result, api)).toBeDefined();
    expect(write!.isError).toBe(true);
    expect(write!.text).toContain('changed since you read it');
    expect(write!.text).toContain(index);
    expect(readFileSync(index, 'utf8')).toBe(`${ORIGINAL}${APPENDED}\n`);
  });
});
