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
  return callWhenOffered('mcp__cwt__list_sessions', toolUseId, {});
}

/** The same for any cwt tool and input. */
function callWhenOffered(tool: string, toolUseId: string, input: Record<string, unknown>): ScriptedTurn[] {
  let called = false;
  return Array.from({ length: 30 }, (_, turn) => (request: RecordedRequest): ScriptedReply => {
    if (called) return { type: 'text', text: 'All done.' };
    if (isToolAvailable(request.body, tool)) {
      called = true;
      return { type: 'tool_use', name: tool, id: toolUseId, input };
    }
    return { type: 'tool_use', name: 'Bash', id: `toolu_wait_${turn}`, input: { command: 'sleep 1' } };
  });
}

/**
 * The tool was called the way this client offers it: loaded through ToolSearch first where the client
 * deferred it (then offered with its schema), called directly where it was offered from the start.
 */
function expectCalledAsTheClientRequires(api: FakeApi, tool = 'mcp__cwt__list_sessions'): void {
  const first = api.mainRequests().find((request) => isToolAvailable(request.body, tool))!;
  const deferred = !listOfferedTools(first.body).includes(tool);
  expect(api.toolSearches).toEqual(deferred ? [`select:${tool}`] : []);
  if (deferred) expect(listOfferedTools(api.mainRequests().at(-1)!.body)).toContain(tool);
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

  it('a session started by cwt new: log_event records the agent’s milestone, which cwt log shows in the session’s timeline', { timeout: 120_000 }, async () => {
    requireClaude();
    const sb = fixture.sandbox;
    const repo = createRepo(join(sb.root, 'repo'));
    const api = await fixture.startApi({ script: callWhenOffered('mcp__cwt__log_event', 'toolu_milestone', { text: 'users table ported, tests green' }) });
    const env = e2eEnv(sb, api);
    const result = await runCwt(['new', 'feat/milestone', '--', ...claudePrintArgs('port the users table')], { cwd: repo, env, timeoutMs: 90_000 });
    expect(result.code, describeRun(result, api)).toBe(0);
    expectCalledAsTheClientRequires(api, 'mcp__cwt__log_event');
    const toolResult = findToolResult(api, 'toolu_milestone');
    expect(toolResult, describeRun(result, api)).toBeDefined();
    expect(toolResult!.isError, toolResult!.text).toBe(false);
    const [self] = await cwtJson<SessionView[]>(['status', '--all', '--json'], { cwd: repo, env });
    expect(toolResultJson(api, 'toolu_milestone')).toEqual({ logged: true, kind: 'agent.milestone', session: self!.id, text: 'users table ported, tests green' });
    const log = await runCwt(['log', '--session', self!.id], { cwd: repo, env });
    expect(log.stdout).toContain(MESSAGES.eventAgentMilestone('users table ported, tests green'));
    // The milestone sits in the session's own timeline, between its activity changes.
    const kinds = (await runCwt(['log', '--json', '--session', self!.id], { cwd: repo, env })).stdout.split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { kind: string }).kind);
    expect(kinds.indexOf('agent.milestone')).toBeGreaterThan(kinds.indexOf('session.working'));
  });
});
