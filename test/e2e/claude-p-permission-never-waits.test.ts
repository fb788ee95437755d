/**
 * End to end, the real `claude` on both ends of the range: can a headless (`-p`) run be made to wait for a
 * permission? A plain tab with cwt's hooks (cwt install), in the default permission mode (no
 * --dangerously-skip-permissions), is scripted to Write a file and to run a Bash command that changes one.
 * Observed on both ends: neither is asked about. Each call is refused at once with a tool error ("… you haven't
 * granted it yet" / "… needs approval" or "… was blocked"), the turn goes on, and Notification never fires;
 * 2.1.332 fires PermissionRequest before refusing (with permission_suggestions), 2.1.197 does not. So no real
 * "waiting for you" can be provoked headless: cwt's activity goes working -> idle and is never waiting (no
 * false alarm from PermissionRequest either: cwt does not map it to waiting). The waiting path itself is tested at
 * the hook level (test/integration/tab-activity-from-hooks.test.ts).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cwtJson, describeRun, e2eEnv, findToolResult, requireClaude, useE2eFixture } from '../helpers/claude.js';
import { getE2eClaude } from '../helpers/claude-range.js';
import { runCwt } from '../helpers/cli.js';
import { createRepo } from '../helpers/git.js';
import { openStore } from '../../src/core/store/open.js';

/** Hook events recorded beside cwt's own hooks, to see what Claude Code sends when a call needs permission. */
const RECORDED = ['Notification', 'PermissionRequest'];

describe('a -p run whose tool calls need permission', () => {
  const fixture = useE2eFixture('cwt-e2e-permission-');

  it('is refused at once, without a prompt or a Notification, and never reads as waiting', { timeout: 120_000 }, async () => {
    requireClaude();
    const sb = fixture.sandbox;
    const repo = createRepo(join(sb.root, 'repo'));
    const log = join(sb.root, 'recorded.jsonl');
    const recorder = join(sb.root, 'record-hook.cjs');
    writeFileSync(recorder, `let s='';process.stdin.on('data',(d)=>(s+=d)).on('end',()=>require('node:fs').appendFileSync(${JSON.stringify(log)},JSON.stringify(JSON.parse(s))+'\\n'));\n`);
    mkdirSync(join(repo, '.claude'), { recursive: true });
    const hooks = Object.fromEntries(RECORDED.map((event) => [event, [{ ...(event === 'PermissionRequest' ? { matcher: '*' } : {}), hooks: [{ type: 'command', command: `${process.execPath} ${recorder}` }] }]]));
    writeFileSync(join(repo, '.claude', 'settings.json'), JSON.stringify({ hooks }));
    const api = await fixture.startApi({
      script: [
        { type: 'tool_use', name: 'Write', id: 'toolu_perm_write', input: { file_path: join(repo, 'notes.txt'), content: 'x\n' } },
        { type: 'tool_use', name: 'Bash', id: 'toolu_perm_bash', input: { command: 'touch bashed.txt' } },
        { type: 'text', text: 'I need your permission for both.' },
      ],
    });
    const env = e2eEnv(sb, api);
    const install = await runCwt(['install'], { cwd: repo, env, timeoutMs: 30_000 });
    expect(install.code, install.stderr).toBe(0);

    // The default permission mode: nothing skips the permission check.
    const tab = fixture.startClaude(['-p', 'write notes.txt', '--output-format', 'stream-json', '--verbose'], { cwd: repo, env, timeoutMs: 90_000 });
    const result = await tab.result;
    expect(result.code, describeRun(result, api)).toBe(0);

    const write = findToolResult(api, 'toolu_perm_write');
    expect(write, describeRun(result, api)).toMatchObject({ isError: true });
    expect(write!.text).toContain("you haven't granted it yet");
    expect(findToolResult(api, 'toolu_perm_bash')).toMatchObject({ isError: true, text: expect.stringMatching(/needs approval|was blocked/) });
    expect(existsSync(join(repo, 'notes.txt'))).toBe(false);
    expect(existsSync(join(repo, 'bashed.txt'))).toBe(false);

    const recorded = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as { hook_event_name: string; tool_name?: string }) : [];
    expect(recorded.filter((input) => input.hook_event_name === 'Notification')).toEqual([]);
    const asked = recorded.filter((input) => input.hook_event_name === 'PermissionRequest').map((input) => input.tool_name);
    expect(asked).toEqual(getE2eClaude().end === 'newest' ? ['Write', 'Bash'] : []);

    const [session] = await cwtJson<{ id: string }[]>(['status', '--all', '--json'], { cwd: repo, env });
    const store = await openStore(env);
    try {
      const kinds = (await store.listEvents({ session: session!.id })).map((event) => event.kind).filter((kind) => /^session\.(working|waiting|idle)$/.test(kind));
      expect(kinds).toEqual(['session.working', 'session.idle']);
    } finally {
      await store.close();
    }
  });
});
