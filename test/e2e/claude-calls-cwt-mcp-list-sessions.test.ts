/**
 * End to end, real `claude` binary, fake Messages API: cwt's MCP server is configured (by cwt new's
 * --mcp-config for a cwt session; by cwt install --mcp for a plain tab), the scripted model calls
 * mcp__cwt__list_sessions, and the fake API receives the session list in the tool_result. On 2.1.197 the tool
 * is offered with its schema and called directly; from 2.1.332 on MCP tools are deferred, and the fake model
 * loads the schema through ToolSearch first, as the client requires (see fake-api.ts).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claudePrintArgs, cwtJson, describeRun, e2eEnv, findToolResult, requireClaude, useE2eFixture } from '../helpers/claude.js';
import { runCwt } from '../helpers/cli.js';
import { isToolAvailable, listOfferedTools, type FakeApi, type RecordedRequest, type ScriptedReply, type ScriptedTurn } from '../helpers/fake-api.js';
import { MESSAGES } from '../../src/texts/messages.js';
import { createRepo } from '../helpers/git.js';

interface SessionView {
  id: string;
  branch: string;
  kind: string;
}

interface Listed {
  you: string | null;
  sessions: { id: string; branch: string; kind: string; state: string }[];
}

/** The JSON text of the tool_result block `toolUseId` as the fake API received it (its text content blocks). */
function toolResultJson<T>(api: FakeApi, toolUseId: string): T {
  for (const request of api.mainRequests()) {
    for (const message of (request.body as { messages?: { content?: unknown }[] }).messages ?? []) {
      const blocks = (Array.isArray(message.content) ? message.content : []) as { type?: string; tool_use_id?: string; content?: unknown }[];
      const block = blocks.find((candidate) => candidate.type === 'tool_result' && candidate.tool_use_id === toolUseId);
      if (!block) continue;
      const content = typeof block.content === 'string' ? [{ type: 'text', text: block.content }] : (block.content as { type: string; text?: string }[]);
      return JSON.parse(content.filter((part) => part.type === 'text').map((part) => part.text).join('')) as T;
    }
  }
  throw new Error(`no tool_result for ${toolUseId}`);
}

/**
 * The scripted model: calls mcp__cwt__list_sessions as soon as Claude Code offers it (with its schema, or by
 * name as a deferred tool). Claude Code connects MCP servers while it starts; on a loaded machine the first
 * turn may go out before `cwt mcp` answered, and a model only calls tools it was given, so until then it
 * waits a second with a Bash sleep and looks again.
 */
function callListSessionsWhenOffered(toolUseId: string): ScriptedTurn[] {
  let called = false;
  return Array.from({ length: 30 }, (_, turn) => (request: RecordedRequest): ScriptedReply => {
    if (called) return { type: 'text', text: 'All done.' };
    if (isToolAvailable(request.body, 'mcp__cwt__list_sessions')) {
      called = true;
      return { type: 'tool_use', name: 'mcp__cwt__list_sessions', id: toolUseId, input: {} };
    }
    return { type: 'tool_use', name: 'Bash', id: `toolu_wait_${turn}`, input: { command: 'sleep 1' } };
  });
}

/**
 * The tool was called the way this client offers it: loaded through ToolSearch first where the client
 * deferred it (then offered with its schema), called directly where it was offered from the start.
 */
function expectCalledAsTheClientRequires(api: FakeApi): void {
  const first = api.mainRequests().find((request) => isToolAvailable(request.body, 'mcp__cwt__list_sessions'))!;
  const deferred = !listOfferedTools(first.body).includes('mcp__cwt__list_sessions');
  expect(api.toolSearches).toEqual(deferred ? ['select:mcp__cwt__list_sessions'] : []);
  if (deferred) expect(listOfferedTools(api.mainRequests().at(-1)!.body)).toContain('mcp__cwt__list_sessions');
}

describe('claude calls cwt’s MCP tools', () => {
  const fixture = useE2eFixture('cwt-e2e-mcp-');

  it('a session started by cwt new: list_sessions returns itself and its sibling', { timeout: 120_000 }, async () => {
    requireClaude();
    const sb = fixture.sandbox;
    const repo = createRepo(join(sb.root, 'repo'));
    const api = await fixture.startApi({ script: callListSessionsWhenOffered('toolu_list') });
    const env = e2eEnv(sb, api);
    // A sibling session, so the list has someone else in it.
    const sibling = await cwtJson<SessionView>(['new', 'feat/sibling', '--no-launch', '--json'], { cwd: repo, env });

    const result = await runCwt(['new', 'feat/mcp', '--', ...claudePrintArgs('who else is working here?')], { cwd: repo, env, timeoutMs: 90_000 });
    expect(result.code, describeRun(result, api)).toBe(0);
    const sessions = await cwtJson<SessionView[]>(['status', '--json'], { cwd: repo, env });
    const self = sessions.find((session) => session.branch === 'feat/mcp')!;

    const last = api.mainRequests().at(-1)!.body;
    for (const tool of ['mcp__cwt__list_sessions', 'mcp__cwt__task_claim_next', 'mcp__cwt__store_data']) expect(isToolAvailable(last, tool), tool).toBe(true);
    expectCalledAsTheClientRequires(api);
    // The server's instructions reached the model.
    expect(api.allBodiesStrings()).toContain(MESSAGES.mcpInstructions);
    const toolResult = findToolResult(api, 'toolu_list');
    expect(toolResult, describeRun(result, api)).toBeDefined();
    expect(toolResult!.isError, toolResult!.text).toBe(false);
    const listed = toolResultJson<Listed>(api, 'toolu_list');
    expect(listed.you).toBe(self.id);
    expect(listed.sessions.map((session) => [session.id, session.branch]).sort()).toEqual(
      [
        [self.id, 'feat/mcp'],
        [sibling.id, 'feat/sibling'],
      ].sort(),
    );
  });

  it('a plain tab after cwt install --mcp: the server runs for the tab the hooks adopted', { timeout: 120_000 }, async () => {
    requireClaude();
    const sb = fixture.sandbox;
    const repo = createRepo(join(sb.root, 'repo'));
    const api = await fixture.startApi({ script: callListSessionsWhenOffered('toolu_list_tab') });
    const env = e2eEnv(sb, api);
    const install = await runCwt(['install', '--mcp'], { cwd: repo, env, timeoutMs: 30_000 });
    expect(install.code, install.stderr).toBe(0);

    const tab = fixture.startClaude(claudePrintArgs('who else is working here?'), { cwd: repo, env, timeoutMs: 90_000 });
    const result = await tab.result;
    expect(result.code, describeRun(result, api)).toBe(0);
    expectCalledAsTheClientRequires(api);
    const toolResult = findToolResult(api, 'toolu_list_tab');
    expect(toolResult, describeRun(result, api)).toBeDefined();
    expect(toolResult!.isError, toolResult!.text).toBe(false);
    const listed = toolResultJson<Listed>(api, 'toolu_list_tab');
    const sessions = await cwtJson<SessionView[]>(['status', '--all', '--json'], { cwd: repo, env });
    expect(sessions).toEqual([expect.objectContaining({ kind: 'adopted' })]);
    expect(listed.you).toBe(sessions[0]!.id);
    // Asked mid-turn (its prompt submitted, UserPromptSubmit): the tab itself is working.
    expect(listed.sessions).toEqual([expect.objectContaining({ id: sessions[0]!.id, kind: 'adopted', state: 'live', activity: 'working' })]);
  });
});
