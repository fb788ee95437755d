/**
 * The stdio MCP server behind `cwt mcp`: the coordination tools (src/mcp/tools.ts) for the agent of a session.
 * Its session: $CWT_SESSION (agents cwt launches export it), else the Claude Code session id's, else the cwt
 * session whose worktree holds the working directory, else the adopted Claude Code tab that started this
 * process; else none, and only the read-only tools work. A message past MAX_MCP_MESSAGE_BYTES is answered with
 * an error and the server goes on (see messageguard.ts).
 *
 * Start-up is on Claude Code's clock (it waits for every MCP server of a session before the first turn): the
 * transport is jsonrpc.ts (node:* only, no SDK), `initialize` is answered before the tools (zod, the commands)
 * are loaded or the store is opened, and both start loading right after that answer, while the client reads
 * it; tools/list is answered from the list the build wrote (dist/mcp-tools.json), so only tools/call waits
 * for them.
 */
import { readFileSync } from 'node:fs';
import { CwtError } from '../core/util/errors.js';
import { getCallerPid, getHostId } from '../core/sessions/liveness.js';
import type { LockHandle } from '../core/coordination/locks.js';
import type { SessionRecord, Store } from '../core/store/store.js';
import { settleCommitJournal } from '../core/store/open.js';
import { MESSAGES } from '../texts/messages.js';
import { createJsonRpcConnection, JSONRPC_ERRORS, JsonRpcError, serveJsonRpc, type RequestHandler } from './jsonrpc.js';
import { createMessageGuard, MAX_MCP_MESSAGE_BYTES } from './messageguard.js';
import type { ToolContext, ToolDescriptor } from './tools.js';

/** The protocol revisions this server speaks (those of the SDK it replaced); the first is offered by default. */
export const MCP_PROTOCOL_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05', '2024-10-07'] as const;

export interface McpServerOptions {
  /** Opens the store; called once, at the first tool request. */
  openStore: () => Promise<Store>;
  env: NodeJS.ProcessEnv;
  cwd: string;
  version: string;
  /** Called after every tool call (the webhook trigger). */
  afterCall?: (store: Store) => void;
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
}

/** What a tools/call answers (MCP's CallToolResult, as cwt fills it). */
export interface CallToolResult {
  isError?: boolean;
  content: { type: 'text'; text: string }[];
}

type Tools = typeof import('./tools.js');

/**
 * The tools/list answer the build wrote beside the bundle (dist/mcp-tools.json, from describeTools), or
 * undefined where there is none (running from src/): then it is computed from the tools themselves.
 */
function readToolManifest(): ToolDescriptor[] | undefined {
  try {
    const listed = JSON.parse(readFileSync(new URL('./mcp-tools.json', import.meta.url), 'utf8')) as unknown;
    return Array.isArray(listed) && listed.length > 0 ? (listed as ToolDescriptor[]) : undefined;
  } catch {
    return undefined;
  }
}

/** The session this server works for; see the module comment for the order. */
async function findServerSession(store: Store, env: NodeJS.ProcessEnv, cwd: string, agentPid: number): Promise<SessionRecord | undefined> {
  const { findCurrentSession, getProcessClues } = await import('../core/sessions/sessions.js');
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
export async function callTool(tools: Tools, ctx: ToolContext, name: string, args: unknown): Promise<CallToolResult> {
  const tool = tools.TOOLS.find((candidate) => candidate.name === name);
  if (!tool) return errorResult(MESSAGES.mcpUnknownTool(name, tools.TOOLS.map((t) => t.name)));
  const parsed = tool.input.safeParse(args ?? {});
  if (!parsed.success) return errorResult(MESSAGES.mcpBadArguments(name, tools.describeInvalidArguments(parsed.error)));
  try {
    const result = await tool.run(ctx, parsed.data);
    return { content: [{ type: 'text', text: JSON.stringify(result, null, 2) }] };
  } catch (error) {
    if (error instanceof CwtError) return errorResult(MESSAGES.mcpToolFailed(error.message, error.hint));
    return errorResult(MESSAGES.mcpInternalError(name, error instanceof Error ? error.message : String(error)));
  }
}

/** The protocol revision to answer `initialize` with: the client's when this server speaks it, else the newest. Pure. */
export function negotiateProtocolVersion(requested: unknown): string {
  return typeof requested === 'string' && (MCP_PROTOCOL_VERSIONS as readonly string[]).includes(requested) ? requested : MCP_PROTOCOL_VERSIONS[0];
}

/** Serves the tools on stdin/stdout until the client closes the stream; resolves then, its locks released. */
export async function serveMcp(options: McpServerOptions): Promise<void> {
  const locks = new Map<string, LockHandle>();
  const agentPid = getCallerPid();
  let store: Promise<Store> | undefined;
  let tools: Promise<Tools> | undefined;
  const getStore = () => (store ??= options.openStore());
  const getTools = () => (tools ??= import('./tools.js'));
  let context: Promise<ToolContext> | undefined;
  /**
   * The session found by the first call that found one: later calls check only that it is still open (one row
   * read) instead of searching again (the worktree and adopted-tab lookups read every session), which the
   * mcp_tool decider would pay on every tool call. Never cached while none is found: the SessionStart hook may
   * link or adopt it a moment later.
   */
  let ownSessionId: string | undefined;
  /** The tools/list answer from the build, read at the first tools/list (null: there is none). */
  let manifest: ToolDescriptor[] | null | undefined;
  // A store that failed to open (a PostgreSQL server down) is tried again at the next call.
  const getContext = () =>
    (context ??= getStore().then(
      (opened): ToolContext => ({
        store: opened,
        env: options.env,
        cwd: options.cwd,
        findSession: async () => {
          if (ownSessionId !== undefined) {
            const session = await opened.getSession(ownSessionId);
            if (session && session.state !== 'ended') return session;
            ownSessionId = undefined;
          }
          const found = await findServerSession(opened, options.env, options.cwd, agentPid);
          ownSessionId = found?.id;
          return found;
        },
        locks,
        agentPid,
      }),
      (error: unknown) => {
        store = undefined;
        context = undefined;
        throw error;
      },
    ));
  /** Loads the tools and opens the store in the background (a failure is reported by the request that needs them). */
  const warmUp = () =>
    setImmediate(() => {
      getTools().catch(() => undefined);
      getContext().catch(() => undefined);
    });

  const handle: RequestHandler = (method, params) => {
    const args = (typeof params === 'object' && params !== null ? params : {}) as Record<string, unknown>;
    switch (method) {
      case 'initialize':
        warmUp();
        return Promise.resolve({
          protocolVersion: negotiateProtocolVersion(args.protocolVersion),
          capabilities: { tools: {} },
          serverInfo: { name: 'cwt', version: options.version },
          instructions: MESSAGES.mcpInstructions,
        });
      case 'ping':
        return Promise.resolve({});
      case 'tools/list': {
        const listed = (manifest ??= readToolManifest() ?? null) ?? undefined;
        return listed ? Promise.resolve({ tools: listed }) : getTools().then((loaded) => ({ tools: loaded.describeTools() }));
      }
      case 'tools/call': {
        if (typeof args.name !== 'string') return Promise.reject(new JsonRpcError(JSONRPC_ERRORS.invalidParams, 'Invalid params: tools/call needs a tool name'));
        const name = args.name;
        return getTools().then(async (loaded) => {
          let ctx: ToolContext;
          try {
            ctx = await getContext();
          } catch (error) {
            // As a tool error, like every other failure: the model can tell the user what is wrong.
            if (error instanceof CwtError) return errorResult(MESSAGES.mcpToolFailed(error.message, error.hint));
            return errorResult(MESSAGES.mcpInternalError(name, error instanceof Error ? error.message : String(error)));
          }
          // A long-lived reader: commits journaled without Node since the last call are recorded first.
          await settleCommitJournal(ctx.store, options.env);
          const result = await callTool(loaded, ctx, name, args.arguments);
          options.afterCall?.(ctx.store);
          return result;
        });
      }
      default:
        return undefined;
    }
  };

  const output = (options.output ?? process.stdout) as NodeJS.WritableStream & import('node:stream').Writable;
  const connection = createJsonRpcConnection(output, handle);
  // Whole lines only, never more than the cap, reach the connection; a longer message gets an error of its own
  // (when its id can be told) and a line on stderr, which Claude Code keeps in its MCP log.
  const guard = createMessageGuard(MAX_MCP_MESSAGE_BYTES, (bytes, id) => {
    process.stderr.write(`${MESSAGES.mcpMessageTooBigLog(bytes, MAX_MCP_MESSAGE_BYTES)}\n`);
    if (id !== undefined) connection.send({ id, error: { code: JSONRPC_ERRORS.invalidRequest, message: MESSAGES.mcpMessageTooBig(bytes, MAX_MCP_MESSAGE_BYTES) } });
  });
  // The client gone (a closed pipe) ends the server like the end of its input does.
  output.on('error', () => guard.end());
  (options.input ?? process.stdin).pipe(guard);
  try {
    await serveJsonRpc(guard, output, handle, connection);
  } finally {
    for (const handle of locks.values()) await handle.release().catch(() => false);
    if (store) await (await store.catch(() => undefined))?.close();
  }
}
