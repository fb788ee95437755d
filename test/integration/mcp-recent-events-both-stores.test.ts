/**
 * The MCP tools log_event and recent_events on both stores, through the MCP SDK's client and the built
 * `cwt mcp`: a kind prefix is compared as plain text (an SQL wildcard in it matches nothing), the session and
 * since filters narrow the answer, and a milestone written by one session's server is read by another's.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CWT_BIN } from '../helpers/cli.js';
import { createTab } from '../helpers/hooks.js';
import { openSandboxStore, STORE_BACKENDS, useBackend } from '../helpers/backends.js';
import { createScenario, type Scenario } from '../helpers/scenario.js';

interface EventView {
  id: number;
  kind: string;
  session: string | null;
  branch: string | null;
  text: string;
}

describe.each(STORE_BACKENDS)('recent_events and log_event (%s store)', (backend) => {
  let s: Scenario;
  const clients: Client[] = [];
  beforeEach(() => {
    s = createScenario();
    useBackend(s, backend);
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) await client.close();
    s.cleanup();
  });

  async function connect(cwd: string, env: NodeJS.ProcessEnv): Promise<Client> {
    const client = new Client({ name: 'cwt-test', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [CWT_BIN, 'mcp'], cwd, env: env as Record<string, string>, stderr: 'pipe' }));
    clients.push(client);
    return client;
  }

  async function events(client: Client, args: Record<string, unknown>): Promise<EventView[]> {
    const result = (await client.callTool({ name: 'recent_events', arguments: args })) as { isError?: boolean; content: { text: string }[] };
    expect(result.isError, result.content[0]?.text).toBeFalsy();
    return (JSON.parse(result.content[0]!.text) as { events: EventView[] }).events;
  }

  it('filters by kind prefix, session and since; one session reads another’s milestone', { timeout: 90_000 }, async () => {
    const a = JSON.parse((await s.cwt(['new', 'feat/a', '--no-launch', '--json'])).stdout) as { id: string; worktree: string };
    const b = JSON.parse((await s.cwt(['new', 'feat/b', '--no-launch', '--json'])).stdout) as { id: string; worktree: string };
    const tab = createTab('claude-in-a', a.worktree, s.env);
    await tab.prompt('go');
    await tab.stop();

    const clientA = await connect(a.worktree, { ...s.env, CWT_SESSION: a.id });
    const logged = (await clientA.callTool({ name: 'log_event', arguments: { text: 'half way: 50% of the tables' } })) as { isError?: boolean };
    expect(logged.isError).toBeFalsy();

    const clientB = await connect(b.worktree, { ...s.env, CWT_SESSION: b.id });
    expect(await events(clientB, { kind: 'agent.milestone' })).toEqual([expect.objectContaining({ session: a.id, branch: 'feat/a', text: 'milestone: half way: 50% of the tables' })]);
    expect((await events(clientB, { kind: 'session.' })).map((event) => [event.kind, event.session])).toEqual([
      ['session.new', a.id],
      ['session.new', b.id],
      ['session.working', a.id],
      ['session.idle', a.id],
    ]);
    expect((await events(clientB, { kind: 'session*', session: 'feat/b' })).map((event) => event.kind)).toEqual(['session.new']);
    // A prefix matches where the kind starts with it, nothing else.
    expect(await events(clientB, { kind: 'session-' })).toEqual([]);
    expect(await events(clientB, { since: '2999-01-01' })).toEqual([]);
    expect((await events(clientB, { limit: 2 })).map((event) => event.kind)).toEqual(['session.idle', 'agent.milestone']);

    const store = await openSandboxStore(s);
    try {
      // The store's own filter: a LIKE pattern's characters are not wildcards.
      await store.appendEvent({ kind: 'x_y.z', session: null, data: {} });
      await store.appendEvent({ kind: 'xay.z', session: null, data: {} });
      expect((await store.listEvents({ kindPrefix: 'x_' })).map((event) => event.kind)).toEqual(['x_y.z']);
      expect(await store.listEvents({ kindPrefix: '%' })).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
