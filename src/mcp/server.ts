/**
 * The stdio MCP server behind `cwt mcp`: the coordination tools (src/mcp/tools.ts) for the agent of a session.
 * Its session: $CWT_SESSION (agents cwt launches export it), else the Claude Code session id's, else the cwt
 * session whose worktree holds the working directory, else the adopted Claude Code tab that started this
 * process; else none, and only the read-only tools work. The MCP SDK is loaded here and nowhere else. A
 * message past MAX_MCP_MESSAGE_BYTES is answered with an error and the server goes on (see messageguard.ts).
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { CwtError } from '../core/util/errors.js';
import { getCallerPid, getHostId } from '../core/sessions/liveness.js';
import type { LockHandle } from '../core/coordination/locks.js';
import { findCurrentSession, getProcessClues } from '../core/sessions/sessions.js';
import type { SessionRecord, Store } from '../core/store/store.js';
import { MESSAGES } from '../texts/messages.js';
import { createMessageGuard, MAX_MCP_MESSAGE_BYTES } from './messageguard.js';
import { describeInvalidArguments, toInputSchema, TOOLS, type ToolContext } from './tools.js';

export interface McpServerOptions {
  store: Store;
  env: NodeJS.ProcessEnv;
  cwd: string;
  version: string;
  /** Called after every tool call (the webhook trigger). */
  afterCall?: () => void;
}

/** The session this server works for; see the module comment for the order. */
async function findServerSession(store: Store, env: NodeJS.ProcessEnv, cwd: string, agentPid: number): Promise<SessionRecord | undefined> {
  const found = await findCurrentSession(store, getProcessClues(env, cwd));
  if (found) return found;
  const host = getHostId(env);
  // A plain `claude` tab the hooks adopted records the agent's pid: the process that started this server.
  return (await store.listSessions()).find((session) => session.kind === 'adopted' && session.pid === agentPid && session.host === host);
}

function errorResult(text: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text }] };
}

/** Runs one tool call: arguments checked, errors turned into text a model can act on. */
export async function callTool(ctx: ToolContext, name: string, args: unknown): Promise<CallToolResult> {
  const tool = TOOLS.find((candidate) => candidate.name === name);
  if (!tool) return errorResult(MESSAGES.mcpUnknownTool(name, TOOLS.map((t) => t.name)));
  const parsed = tool.input.safeParse(args ?? {});
  if (!parsed.success) return errorResult(MESSAGES.mcpBadArguments(name, describeInvalidArguments(parsed.error)));
  try {
    const result = await tool.run(ctx, parsed.data);
    return { content: [{ type: 'text', text: JSON.stringify(result, null, 2) }] };
  } catch (error) {
    if (error instanceof CwtError) return errorResult(MESSAGES.mcpToolFailed(error.message, error.hint));
    return errorResult(MESSAGES.mcpInternalError(name, error instanceof Error ? error.message : String(error)));
  }
}

/** Serves the tools on stdin/stdout until the client closes the stream; resolves then. */
export async function serveMcp(options: McpServerOptions): Promise<void> {
  const locks = new Map<string, LockHandle>();
  const agentPid = getCallerPid();
  const ctx: ToolContext = {
    store: options.store,
    env: options.env,
    cwd: options.cwd,
    findSession: () => findServerSession(options.store, options.env, options.cwd, agentPid),
    locks,
  };
  const server = new Server({ name: 'cwt', version: options.version }, { capabilities: { tools: {} }, instructions: MESSAGES.mcpInstructions });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: TOOLS.map((tool) => ({
      name: tool.name,
      description: tool.description,
      inputSchema: toInputSchema(tool.input),
      annotations: { readOnlyHint: tool.readOnly },
    })),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    const result = await callTool(ctx, request.params.name, request.params.arguments);
    options.afterCall?.();
    return result;
  });
  const closed = new Promise<void>((resolvePromise) => {
    server.onclose = () => resolvePromise();
  });
  // The SDK's transport reads whole lines from the guard, never more than the cap; a longer message gets an
  // error of its own (when its id can be told) and a line on stderr, which Claude Code keeps in its MCP log.
  const guard = createMessageGuard(MAX_MCP_MESSAGE_BYTES, (bytes, id) => {
    process.stderr.write(`${MESSAGES.mcpMessageTooBigLog(bytes, MAX_MCP_MESSAGE_BYTES)}\n`);
    if (id !== undefined) void transport.send({ jsonrpc: '2.0', id, error: { code: ErrorCode.InvalidRequest, message: MESSAGES.mcpMessageTooBig(bytes, MAX_MCP_MESSAGE_BYTES) } });
  });
  const transport = new StdioServerTransport(process.stdin.pipe(guard), process.stdout);
  await server.connect(transport);
  // stdin ending (the agent exited) closes the transport.
  process.stdin.once('end', () => void server.close());
  await closed;
  for (const handle of locks.values()) await handle.release().catch(() => false);
}
