/**
 * Shared harness files under the Claude home (a skills catalogue, settings.json, canonical memory): a tab
 * that read one is stopped from writing it back once someone else changed it; two writers never overlap;
 * shell writes into them are refused; a cwt session's own memory namespace is its own.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCwt } from '../helpers/cli.js';
import { createTab, getDenyReason, runHook } from '../helpers/hooks.js';
import { createScenario, type Scenario } from '../helpers/scenario.js';
import { trustRepoConfig } from '../helpers/trust.js';

describe('guarded harness files', () => {
  let s: Scenario;
  let index: string;
  beforeEach(() => {
    s = createScenario();
    mkdirSync(join(s.claudeHome, 'skills'), { recursive: true });
    index = join(s.claudeHome, 'skills', '_index.md');
    writeFileSync(index, '# Skills\n- [deploy](deploy/SKILL.md)\n');
  });
  afterEach(() => s.cleanup());

  it('denies a write based on a stale read, and allows it after a fresh read', async () => {
    const b = createTab('b', s.repo, s.env);
    await b.read(index);
    // Session A appends through cwt, as it should.
    const appended = await runCwt(['append', index, '- [lint](lint/SKILL.md)'], { cwd: s.repo, env: s.env });
    expect(appended.code, appended.stderr).toBe(0);
    const reason = getDenyReason(await b.write(index));
    expect(reason).toContain('changed since you read it');
    expect(readFileSync(index, 'utf8')).toContain('lint/SKILL.md');
    await b.read(index);
    expect(getDenyReason(await b.write(index))).toBeUndefined();
    await b.wrote(index);
    // Its own write does not make its next write stale.
    expect(getDenyReason(await b.write(index))).toBeUndefined();
  });

  it('a write in progress holds a lease: another tab is told to retry, cwt append waits for it', async () => {
    const a = createTab('a', s.repo, s.env);
    const b = createTab('b', s.repo, s.env);
    expect(getDenyReason(await a.write(index))).toBeUndefined(); // A's write is "in progress"
    expect(getDenyReason(await b.write(index))).toContain('being written right now');
    const waiting = runCwt(['append', index, '- [x](x/SKILL.md)'], { cwd: s.repo, env: s.env });
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(readFileSync(index, 'utf8')).not.toContain('x/SKILL.md'); // still waiting for A's lease
    await a.wrote(index); // PostToolUse releases it
    expect((await waiting).code).toBe(0);
    expect(readFileSync(index, 'utf8')).toContain('x/SKILL.md');
    expect(getDenyReason(await b.write(index))).toBeUndefined();
  });

  it('a write that failed after PreToolUse releases its lease at once (PostToolUseFailure), not after the TTL', async () => {
    const a = createTab('a', s.repo, s.env);
    const b = createTab('b', s.repo, s.env);
    await a.read(index);
    await b.read(index);
    expect(getDenyReason(await a.write(index))).toBeUndefined();
    expect(getDenyReason(await b.write(index))).toContain('being written right now');
    expect(await a.failed(index)).toBeNull();
    // A wrote nothing, so B's read is still current and the lease is gone: B may write now.
    expect(getDenyReason(await b.write(index))).toBeUndefined();
  });

  it('refuses shell writes into the Claude home and points to cwt write / append', async () => {
    const tab = createTab('t', s.repo, { ...s.env });
    for (const command of [
      'echo "- [x](x/SKILL.md)" >> ~/.claude/skills/_index.md',
      `sed -i 's/deploy/ship/' ${index}`,
      'cp /tmp/settings.json $HOME/.claude/settings.json',
      'jq . x | tee ~/.claude/settings.json',
    ]) {
      const reason = getDenyReason(await tab.bash(command));
      expect(reason, command).toContain('cwt append');
      expect(reason, command).toContain('cwt write');
    }
    for (const command of ['cat ~/.claude/skills/_index.md', 'echo hi > notes.txt', 'ls ~/.claude > /tmp/list']) {
      expect(getDenyReason(await tab.bash(command)), command).toBeUndefined();
    }
  });

  it("a cwt session writes its own memory namespace freely, but not canonical memory blindly", async () => {
    const created = await s.cwt(['new', 'feat/mem', '--no-launch', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const session = JSON.parse(created.stdout) as { id: string; worktree: string; memoryDir: string };
    const env = { ...s.env, CWT_SESSION: session.id };
    const own = join(session.memoryDir, 'MEMORY.md');
    const call = (file: string, tool: string, event: string) =>
      runHook(event, { session_id: 'claude-1', cwd: session.worktree, tool_name: tool, tool_input: { file_path: file, content: 'x' } }, env);
    expect(await call(own, 'Write', 'pre-tool-use')).toBeNull();
    expect(await call(own, 'Write', 'pre-tool-use')).toBeNull(); // no lease on its own files

    const canonical = join(s.claudeHome, 'projects', s.repo.replace(/[^A-Za-z0-9]/g, '-'), 'memory', 'MEMORY.md');
    mkdirSync(join(canonical, '..'), { recursive: true });
    writeFileSync(canonical, '- first\n');
    await call(canonical, 'Read', 'post-tool-use');
    writeFileSync(canonical, '- first\n- written by a plain tab\n');
    expect(getDenyReason(await call(canonical, 'Write', 'pre-tool-use'))).toContain('changed since you read it');
  });

  it('protectedPaths narrows what is guarded (gitignore syntax, relative to the Claude home)', async () => {
    writeFileSync(join(s.repo, '.cwt.json'), JSON.stringify({ protectedPaths: ['skills/'] }));
    trustRepoConfig(s.repo, s.env);
    const settings = join(s.claudeHome, 'settings.json');
    writeFileSync(settings, '{}\n');
    const a = createTab('a', s.repo, s.env);
    const b = createTab('b', s.repo, s.env);
    await a.write(settings);
    await a.write(index);
    expect(getDenyReason(await b.write(settings))).toBeUndefined(); // not protected now
    expect(getDenyReason(await b.write(index))).toContain('being written right now');
  });
});
