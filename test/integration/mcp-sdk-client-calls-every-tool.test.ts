/**
 * The MCP SDK's own client, over stdio, spawning the built `cwt mcp` (a hand-written JSON-RPC layer, no SDK) as
 * Claude Code would: it lists exactly the nineteen tools (cwt_hook_endpoint, called by hooks, not models: test/integration/mcp-hook-endpoint.test.ts), each with an input schema, and calls every one of them
 * for a session started with cwt new. An agent's milestone (log_event) reaches cwt log and recent_events.
 * Errors come back as tool errors naming the next step; outside a session only the read-only tools work. Input
 * past a limit (a TTL, a reserved lock name, a pathological glob, a message past the size cap) is refused
 * with an error, and the server keeps serving.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { createMcpClients } from '../helpers/mcp.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createScenario, type Scenario } from '../helpers/scenario.js';
import { writeFile } from '../helpers/git.js';
import { formatAge, MAX_TTL_MS } from '../../src/core/util/duration.js';
import { MAX_MCP_MESSAGE_BYTES } from '../../src/mcp/messageguard.js';
import { describeTools, MAX_MILESTONE_CHARS, MAX_RECENT_EVENTS } from '../../src/mcp/tools.js';
import { MESSAGES } from '../../src/texts/messages.js';

const TOOL_NAMES = [
  'list_sessions',
  'who_has',
  'claim_files',
  'release_files',
  'lock',
  'unlock',
  'store_data',
  'retrieve_data',
  'list_scopes',
  'delete_data',
  'task_add',
  'task_claim_next',
  'task_complete',
  'handoff_create',
  'handoff_accept',
  'progress',
  'log_event',
  'recent_events',
  'cwt_hook_endpoint',
];

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

type ToolResult = { isError?: boolean; content: { type: string; text?: string }[] };

async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<ToolResult> {
  return (await client.callTool({ name, arguments: args })) as ToolResult;
}

/** The JSON a successful call returned; fails the test with the error text otherwise. */
async function callOk<T = Record<string, unknown>>(client: Client, name: string, args: Record<string, unknown> = {}): Promise<T> {
  const result = await call(client, name, args);
  const text = result.content.map((block) => block.text ?? '').join('\n');
  expect(result.isError, `${name}: ${text}`).toBeFalsy();
  return JSON.parse(text) as T;
}

function errorText(result: ToolResult): string {
  expect(result.isError).toBe(true);
  return result.content.map((block) => block.text ?? '').join('\n');
}

describe('cwt mcp, driven by the MCP SDK client over stdio', () => {
  it('lists the nineteen tools and calls each one for the session', { timeout: 120_000 }, async () => {
    const created = await s.cwt(['new', 'feat/mcp', '--no-launch', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const session = JSON.parse(created.stdout) as { id: string; worktree: string };
    writeFile(session.worktree, 'src/a.ts', 'export const a = 1;\n');
    const client = await connect(session.worktree, { ...s.env, CWT_SESSION: session.id });

    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual([...TOOL_NAMES].sort());
    // The built server answers from the list the build wrote; it is exactly what the source describes.
    expect(tools).toEqual(describeTools());
    for (const tool of tools) {
      expect(tool.inputSchema.type, tool.name).toBe('object');
      expect(tool.description!.length, tool.name).toBeGreaterThan(40);
    }
    const claimSchema = tools.find((tool) => tool.name === 'claim_files')!.inputSchema as { required?: string[]; properties?: Record<string, { type?: string }> };
    expect(claimSchema.required).toEqual(['paths']);
    expect(claimSchema.properties?.paths?.type).toBe('array');
    const called = new Set<string>();
    const use = async <T = Record<string, unknown>>(name: string, args: Record<string, unknown> = {}) => {
      called.add(name);
      return callOk<T>(client, name, args);
    };

    const listed = await use<{ you: string; sessions: { id: string; branch: string; state: string }[] }>('list_sessions');
    expect(listed.you).toBe(session.id);
    expect(listed.sessions).toEqual([expect.objectContaining({ id: session.id, branch: 'feat/mcp', state: 'live' })]);

    expect(await use('claim_files', { paths: ['src/a.ts'] })).toEqual({ session: session.id, claimed: [`${session.worktree}/src/a.ts`] });
    const who = await use<{ claims: { session: string; sameCheckout: boolean }[] }>('who_has', { path: 'src/a.ts' });
    expect(who.claims).toEqual([expect.objectContaining({ session: session.id, sameCheckout: true })]);
    expect(await use('release_files')).toEqual({ session: session.id, released: [`${session.worktree}/src/a.ts`] });

    expect(await use('lock', { name: 'deploy:prod', note: 'shipping 1.2' })).toMatchObject({ name: 'deploy:prod', token: 1 });
    const locks = JSON.parse((await s.cwt(['lock', 'ls', '--json'])).stdout) as { name: string; holder: string; note: string }[];
    expect(locks).toEqual([expect.objectContaining({ name: 'deploy:prod', holder: session.id, note: 'shipping 1.2' })]);
    expect(await use('unlock', { name: 'deploy:prod' })).toEqual({ name: 'deploy:prod', released: true });
    expect(JSON.parse((await s.cwt(['lock', 'ls', '--json'])).stdout)).toEqual([]);

    expect(await use('store_data', { scope: 'issue:15', key: 'owner', value: session.id, expected_version: 0 })).toMatchObject({ value: session.id, version: 1 });
    const lost = errorText(await call(client, 'store_data', { scope: 'issue:15', key: 'owner', value: 'someone else', expected_version: 0 }));
    expect(lost).toContain(`it is at version 1, value "${session.id}"`);
    expect(lost).toContain('Next step: ');
    expect(await use('retrieve_data', { scope: 'issue:15', key: 'owner' })).toMatchObject({ values: [{ key: 'owner', value: session.id, version: 1 }] });
    expect(await use('list_scopes', { pattern: 'issue:*' })).toMatchObject({ scopes: [{ scope: 'issue:15', keys: 1 }] });
    expect(await use('delete_data', { scope: 'issue:15', key: 'owner' })).toEqual({ scope: 'issue:15', key: 'owner', deleted: true });

    expect(await use('task_add', { title: 'port the users table', queue: 'issue:15', data: { table: 'users' } })).toMatchObject({ id: 1, state: 'pending' });
    expect(await use('task_claim_next', { queue: 'issue:15' })).toMatchObject({ task: { id: 1, owner: session.id, state: 'claimed' } });
    expect(await use('progress', { task_id: 1, phase: 'testing', percent: 60, message: '3 of 5 suites green' })).toMatchObject({
      progress: { phase: 'testing', percent: 60, message: '3 of 5 suites green' },
    });
    const [view] = await s.sessions();
    expect(view!.tasks).toEqual([expect.objectContaining({ id: 1, phase: 'testing', percent: 60 })]);
    expect(await use('task_complete', { id: 1, result: { pr: 42 } })).toMatchObject({ id: 1, state: 'done', result: { pr: 42 } });
    expect(await use('task_claim_next', { queue: 'issue:15' })).toEqual({ task: null, requeued: [] });

    expect(await use('handoff_create', { summary: 'users table ported', next_steps: ['port orders'], files: ['src/a.ts'] })).toMatchObject({
      id: 1,
      from: session.id,
      branch: 'feat/mcp',
      state: 'open',
    });
    expect(await use('handoff_accept', { id: 1 })).toMatchObject({ id: 1, state: 'accepted', acceptedBy: session.id });

    // The agent's own milestone: sanitised (no terminal sequence survives), in the log and in recent_events.
    expect(await use('log_event', { text: 'tests green\u001b[2J on the\nusers table' })).toEqual({
      logged: true,
      kind: 'agent.milestone',
      session: session.id,
      text: 'tests green on the users table',
    });
    expect((await s.cwt(['log'])).stdout).toContain(`milestone: tests green on the users table`);
    const recent = await use<{ events: { kind: string; session: string; branch: string; text: string; data: unknown }[] }>('recent_events', { kind: 'agent.milestone' });
    expect(recent.events).toEqual([
      expect.objectContaining({ kind: 'agent.milestone', session: session.id, branch: 'feat/mcp', text: 'milestone: tests green on the users table', data: { text: 'tests green on the users table' } }),
    ]);
    const tasks = await use<{ events: { kind: string }[] }>('recent_events', { kind: 'task.', session: 'feat/mcp', since: '10m', limit: 3 });
    expect(tasks.events.map((event) => event.kind)).toEqual(['task.claim', 'task.progress', 'task.done']); // the newest three, oldest first
    expect((await use<{ events: unknown[] }>('recent_events', { kind: 'handoff*' })).events).toHaveLength(2);
    expect((await use<{ events: unknown[] }>('recent_events', { since: '2999-01-01T00:00:00Z' })).events).toEqual([]);

    // The hook endpoint answers a model's call that is no hook input with nothing.
    expect(await use('cwt_hook_endpoint', { event: 'pre-tool-use' })).toEqual({});
    expect([...called].sort()).toEqual([...TOOL_NAMES].sort());
    // Every change above is in the event log.
    const kinds = (await s.cwt(['log', '--json', '--limit', '200'])).stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line).kind as string);
    expect(kinds).toEqual(expect.arrayContaining(['claim', 'claim.release', 'lock.acquire', 'lock.release', 'kv.set', 'kv.delete', 'task.add', 'task.claim', 'task.progress', 'task.done', 'handoff.create', 'handoff.accept']));
  });

  it('answers bad calls with errors naming the next step; without a session only reads work', { timeout: 60_000 }, async () => {
    const client = await connect(s.repo, s.env);
    const badArgs = errorText(await call(client, 'claim_files', { paths: 'src/a.ts' }));
    expect(badArgs).toContain('invalid arguments for claim_files: paths:');
    expect(badArgs).toContain('Next step: call claim_files again');
    expect(errorText(await call(client, 'no_such_tool'))).toContain('Next step: use one of list_sessions');

    expect(await callOk(client, 'list_sessions')).toEqual({ you: null, sessions: [] });
    expect(await callOk(client, 'retrieve_data', { scope: 'issue:1' })).toEqual({ values: [] });
    const noSession = errorText(await call(client, 'task_claim_next', {}));
    expect(noSession).toContain('not attached to a cwt session');
    expect(noSession).toContain('Next step: read-only tools');
    expect(errorText(await call(client, 'log_event', { text: 'sneaky' }))).toContain(MESSAGES.mcpNoSession(s.repo));
  });

  it('refuses bad log_event and recent_events input with errors naming the next step, and logs nothing', { timeout: 60_000 }, async () => {
    const created = await s.cwt(['new', 'feat/ev', '--no-launch', '--json']);
    const session = JSON.parse(created.stdout) as { id: string; worktree: string };
    const client = await connect(session.worktree, { ...s.env, CWT_SESSION: session.id });
    const before = (await s.cwt(['log', '--json', '--limit', '500'])).stdout;
    expect(errorText(await call(client, 'log_event', { text: '\u001b[31m\u0007 \n ' }))).toContain(`${MESSAGES.mcpMilestoneEmpty}\nNext step: ${MESSAGES.mcpMilestoneEmptyHint}`);
    expect(errorText(await call(client, 'log_event', {}))).toContain('invalid arguments for log_event: text:');
    expect(errorText(await call(client, 'log_event', { text: 'x'.repeat(10_001) }))).toContain('invalid arguments for log_event: text:');
    expect((await s.cwt(['log', '--json', '--limit', '500'])).stdout).toBe(before);
    // A long one is cut at the cap.
    const long = await callOk<{ text: string }>(client, 'log_event', { text: 'y'.repeat(2_000) });
    expect([...long.text]).toHaveLength(MAX_MILESTONE_CHARS);
    expect(errorText(await call(client, 'recent_events', { limit: MAX_RECENT_EVENTS + 1 }))).toContain('invalid arguments for recent_events: limit:');
    expect(errorText(await call(client, 'recent_events', { limit: 0 }))).toContain('invalid arguments for recent_events: limit:');
    expect(errorText(await call(client, 'recent_events', { kind: "x' OR 1=1 --" }))).toContain('invalid arguments for recent_events: kind:');
    expect(errorText(await call(client, 'recent_events', { since: 'yesterday' }))).toContain(MESSAGES.mcpBadSince('yesterday'));
    expect(errorText(await call(client, 'recent_events', { session: 'nobody-here' }))).toContain(MESSAGES.mcpUnknownEventSession('nobody-here'));
    // An SQL wildcard is no kind (and a prefix is compared as text in the store anyway).
    expect(errorText(await call(client, 'recent_events', { kind: '%' }))).toContain('invalid arguments for recent_events: kind:');
    expect((await callOk<{ events: unknown[] }>(client, 'recent_events', { limit: MAX_RECENT_EVENTS })).events.length).toBeLessThanOrEqual(MAX_RECENT_EVENTS);
  });

  it('answers a pathological list_scopes pattern over a long scope, and keeps serving', { timeout: 60_000 }, async () => {
    const scope = 'a'.repeat(200);
    expect((await s.cwt(['kv', 'set', scope, 'k', '1'])).code).toBe(0);
    const client = await connect(s.repo, s.env);
    // Short of the default 60 s: a hung server fails the call, not the whole test run.
    const list = async (pattern: string) => {
      const result = (await client.callTool({ name: 'list_scopes', arguments: { pattern } }, undefined, { timeout: 20_000 })) as ToolResult;
      expect(result.isError).toBeFalsy();
      return JSON.parse(result.content[0]!.text!) as { scopes: { scope: string }[] };
    };
    expect(await list('*a*a*a*a*a*a*a*a*b')).toEqual({ scopes: [] });
    expect(await list('*a*a*a*a*a*a*a*a*')).toMatchObject({ scopes: [{ scope, keys: 1 }] });
  });

  it('refuses every write tool outside a session and changes nothing; the read-only tools keep working', { timeout: 60_000 }, async () => {
    const client = await connect(s.repo, s.env);
    const writes: Array<[string, Record<string, unknown>]> = [
      ['store_data', { scope: 'issue:1', key: 'owner', value: 'me' }],
      ['delete_data', { scope: 'issue:1' }],
      ['lock', { name: 'deploy:prod' }],
      ['unlock', { name: 'deploy:prod' }],
      ['task_add', { title: 'sneaky' }],
      ['handoff_create', { summary: 'sneaky', next_steps: ['x'] }],
    ];
    for (const [name, args] of writes) {
      const text = errorText(await call(client, name, args));
      expect(text, name).toContain(MESSAGES.mcpNoSession(s.repo));
    }
    const { tools } = await client.listTools();
    expect(tools.filter((tool) => tool.annotations?.readOnlyHint).map((tool) => tool.name).sort()).toEqual(['list_scopes', 'list_sessions', 'recent_events', 'retrieve_data', 'who_has']);
    expect(await callOk(client, 'list_scopes')).toEqual({ scopes: [] });
    expect(await callOk(client, 'who_has', { path: 'README.md' })).toMatchObject({ claims: [] });
    for (const args of [['kv', 'ls', '--json'], ['lock', 'ls', '--json'], ['task', 'ls', '--json'], ['handoff', 'ls', '--all', '--json']]) {
      expect(JSON.parse((await s.cwt(args)).stdout), args.join(' ')).toEqual([]);
    }
  });

  it('refuses a reserved lock name, a TTL past the cap and a bad name with tool errors', { timeout: 60_000 }, async () => {
    const created = await s.cwt(['new', 'feat/lim', '--no-launch', '--json']);
    const session = JSON.parse(created.stdout) as { id: string; worktree: string };
    const client = await connect(session.worktree, { ...s.env, CWT_SESSION: session.id });
    expect(errorText(await call(client, 'lock', { name: '../etc' }))).toContain('is not a valid lock name');
    expect(errorText(await call(client, 'lock', { name: 'cwt:notify-sender' }))).toContain(MESSAGES.lockNameReserved('cwt:notify-sender'));
    expect(errorText(await call(client, 'lock', { name: 'deploy', ttl: '100d' }))).toContain(MESSAGES.ttlTooLong('ttl', '100d', formatAge(MAX_TTL_MS)));
    expect(errorText(await call(client, 'task_claim_next', { ttl: '100d' }))).toContain(MESSAGES.ttlTooLong('ttl', '100d', formatAge(MAX_TTL_MS)));
    expect(JSON.parse((await s.cwt(['lock', 'ls', '--json'])).stdout)).toEqual([]);
  });

  it('refuses one message past the size cap with an error, logs it on stderr, and keeps serving', { timeout: 120_000 }, async () => {
    const created = await s.cwt(['new', 'feat/big', '--no-launch', '--json']);
    const session = JSON.parse(created.stdout) as { id: string; worktree: string };
    const client = await connect(session.worktree, { ...s.env, CWT_SESSION: session.id });
    let stderr = '';
    (client.transport as StdioClientTransport).stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const huge = 'x'.repeat(11 * 1024 * 1024);
    const refused = await client.callTool({ name: 'store_data', arguments: { scope: 'issue:1', key: 'blob', value: huge } }, undefined, { timeout: 30_000 }).catch((error: unknown) => error as Error);
    expect(refused).toBeInstanceOf(Error);
    expect((refused as Error).message).toContain(`at most ${MAX_MCP_MESSAGE_BYTES} bytes`);
    // Still serving, on the same connection.
    expect(await callOk(client, 'store_data', { scope: 'issue:1', key: 'small', value: 1 })).toMatchObject({ version: 1 });
    expect(await callOk(client, 'list_sessions')).toMatchObject({ you: session.id });
    expect(stderr).toMatch(/cwt mcp: refused a message of \d+ bytes/);
    expect(JSON.parse((await s.cwt(['kv', 'get', 'issue:1', '--json'])).stdout)).toEqual([expect.objectContaining({ key: 'small' })]);
  });
});
