/**
 * cwt_hook_endpoint, the tool of `cwt mcp` that Claude Code's mcp_tool hooks call (the fast path's second
 * decider), over stdio with the MCP SDK's client: it decides like the command hook (the same deny), decides a
 * call once (the second caller of the same call gets {}), and answers {} — recording and claiming nothing — to
 * anything that is not a well-formed hook input of its own session: no call id, a template Claude Code left
 * unfilled, an event it does not serve, another session's conversation.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { createMcpClients } from '../helpers/mcp.js';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createScenario, type Scenario } from '../helpers/scenario.js';
import { getMcpDeciderHandler, MCP_HOOK_TOOL } from '../../src/core/harness/harness.js';
import { withSqliteStore } from '../helpers/store.js';

let s: Scenario;
const mcp = createMcpClients();
beforeEach(() => {
  s = createScenario();
});
afterEach(async () => {
  await mcp.closeAll();
  s.cleanup();
});

const { connect } = mcp;

/** What the hook reads: the tool's text answer as JSON. */
async function decide(client: Client, args: Record<string, string>): Promise<Record<string, unknown>> {
  const result = (await client.callTool({ name: MCP_HOOK_TOOL, arguments: args })) as { isError?: boolean; content: { text?: string }[] };
  expect(result.isError, result.content[0]?.text).toBeFalsy();
  return JSON.parse(result.content.map((block) => block.text ?? '').join('')) as Record<string, unknown>;
}


/** A PreToolUse input as the mcp_tool handler sends it (every template field filled, absent ones empty). */
function preToolUse(fields: Record<string, string>): Record<string, string> {
  const template = getMcpDeciderHandler('pre-tool-use').input as Record<string, string>;
  return { ...Object.fromEntries(Object.keys(template).map((key) => [key, ''])), event: 'pre-tool-use', ...fields };
}

describe('cwt_hook_endpoint: the mcp_tool decider', () => {
  it('decides like the command hook, once per call; anything but its own session’s hook input gets {} and changes nothing', { timeout: 60_000 }, async () => {
    const created = await s.cwt(['new', 'feat/a', '--no-launch', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const a = JSON.parse(created.stdout) as { id: string; worktree: string };
    const other = await s.cwt(['new', 'feat/b', '--no-launch', '--json']);
    const b = JSON.parse(other.stdout) as { id: string; worktree: string };
    await withSqliteStore(s.cwtHome, async (store) => {
      await store.linkClaudeSession('claude-a', a.id, Date.now());
      await store.linkClaudeSession('claude-b', b.id, Date.now());
    });
    const client = await connect(a.worktree, { ...s.env, CWT_SESSION: a.id });
    const guarded = join(s.claudeHome, 'CLAUDE.md');

    // A shell write into the Claude home: denied, as the command hook and the service deny it.
    const bash = preToolUse({ session_id: 'claude-a', tool_use_id: 'toolu_1', tool_name: 'Bash', cwd: a.worktree, command: `echo x >> ${guarded}` });
    const denied = await decide(client, bash);
    expect(denied).toMatchObject({ hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'deny' } });
    expect(JSON.stringify(denied)).toContain(guarded);
    // The same call again (the other decider's copy): nothing, and one record.
    expect(await decide(client, bash)).toEqual({});
    // An edit of its own worktree: claimed for the session.
    const file = join(a.worktree, 'mine.ts');
    expect((await decide(client, preToolUse({ session_id: 'claude-a', tool_use_id: 'toolu_2', tool_name: 'Write', cwd: a.worktree, file_path: file }))).hookSpecificOutput).toBeUndefined();

    // Not its session's hook input: answered {} and nothing recorded or claimed.
    const stray = join(a.worktree, 'stray.ts');
    const bad: Record<string, string>[] = [
      preToolUse({ session_id: 'claude-a', tool_name: 'Write', cwd: a.worktree, file_path: stray }), // no call id
      preToolUse({ session_id: 'claude-a', tool_use_id: 'toolu_3', cwd: a.worktree, file_path: stray }), // no tool name
      preToolUse({ session_id: 'claude-a', tool_use_id: 'toolu_4', tool_name: 'Write', cwd: a.worktree, file_path: '${tool_input.file_path}' }), // unfilled
      preToolUse({ session_id: 'claude-b', tool_use_id: 'toolu_5', tool_name: 'Write', cwd: b.worktree, file_path: join(b.worktree, 'theirs.ts') }), // another session's
      preToolUse({ session_id: '../../etc', tool_use_id: 'toolu_6', tool_name: 'Write', cwd: a.worktree, file_path: stray }), // not an id
      preToolUse({ session_id: 'claude-new', tool_use_id: 'toolu_9', tool_name: 'Write', cwd: s.repo, file_path: join(s.repo, 'adopt.ts') }), // unlinked: no adoption
      preToolUse({ session_id: 'claude-new', tool_use_id: 'toolu_10', tool_name: 'Write', cwd: b.worktree, file_path: join(b.worktree, 'by-cwd.ts') }), // unlinked, in b's worktree
      { ...preToolUse({ session_id: 'claude-a', tool_use_id: 'toolu_7', tool_name: 'Write', cwd: a.worktree, file_path: stray }), event: 'session-start' },
      { ...preToolUse({ session_id: 'claude-a', tool_use_id: 'toolu_8', tool_name: 'Write', cwd: a.worktree, file_path: stray }), event: 'worktree-remove' },
    ];
    for (const args of bad) expect(await decide(client, args), JSON.stringify(args)).toEqual({});

    await withSqliteStore(s.cwtHome, async (store) => {
      const calls = await store.listHookCalls();
      expect(calls.map((call) => [call.key, call.by]).sort(), JSON.stringify(calls)).toEqual([
        ['claude-a/toolu_1/pre-tool-use', 'mcp'],
        ['claude-a/toolu_2/pre-tool-use', 'mcp'],
      ]);
      expect((await store.listClaims({ session: a.id })).map((claim) => claim.relPath)).toEqual(['mine.ts']);
      expect(await store.listClaims({ session: b.id })).toEqual([]);
      // No session was adopted for a conversation nobody linked.
      expect((await store.listSessions()).map((session) => session.id).sort()).toEqual([a.id, b.id].sort());
    });
    expect(existsSync(guarded)).toBe(false);

    // Arguments that are not strings, or too long, are refused by the schema as a tool error, and change nothing.
    const wrong = (await client.callTool({ name: MCP_HOOK_TOOL, arguments: { event: 'pre-tool-use', session_id: 7 } })) as { isError?: boolean };
    expect(wrong.isError).toBe(true);
  });

  it('a worktree’s own cwt mcp (claude -w, an adopted tab: no CWT_SESSION) decides for its worktree’s session only', { timeout: 60_000 }, async () => {
    const a = JSON.parse((await s.cwt(['new', 'feat/wa', '--no-launch', '--json'])).stdout) as { id: string; worktree: string };
    const b = JSON.parse((await s.cwt(['new', 'feat/wb', '--no-launch', '--json'])).stdout) as { id: string; worktree: string };
    await withSqliteStore(s.cwtHome, async (store) => {
      await store.linkClaudeSession('claude-wa', a.id, Date.now());
      await store.linkClaudeSession('claude-wb', b.id, Date.now());
    });
    // Started as Claude Code starts a project server: in the worktree, with no cwt variable in its environment.
    const { CWT_SESSION: _none, ...env } = s.env;
    const client = await connect(a.worktree, env);
    const guarded = join(s.claudeHome, 'CLAUDE.md');
    const own = await decide(client, preToolUse({ session_id: 'claude-wa', tool_use_id: 'toolu_w1', tool_name: 'Bash', cwd: a.worktree, command: `echo x >> ${guarded}` }));
    expect(own).toMatchObject({ hookSpecificOutput: { permissionDecision: 'deny' } });
    // The other worktree's conversation, even with that worktree as cwd: nothing.
    expect(await decide(client, preToolUse({ session_id: 'claude-wb', tool_use_id: 'toolu_w2', tool_name: 'Bash', cwd: b.worktree, command: `echo x >> ${guarded}` }))).toEqual({});
    await withSqliteStore(s.cwtHome, async (store) => {
      expect((await store.listHookCalls()).map((call) => [call.key, call.by])).toEqual([['claude-wa/toolu_w1/pre-tool-use', 'mcp']]);
    });
  });
});
