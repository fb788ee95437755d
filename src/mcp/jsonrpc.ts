/**
 * MCP's stdio transport, by hand: one JSON-RPC 2.0 message per line on stdin, one per line on stdout. It is
 * all `cwt mcp` needs (initialize, ping, tools/list, tools/call; notifications are read and dropped), and it
 * loads nothing but node:*: the MCP SDK's server took ~200 ms to import, more than the rest of the start.
 * Requests are answered as they finish (they may overlap, as the SDK's server did); a line that is not JSON
 * gets a parse error, a message that is not a request an invalid-request error, an unknown method
 * method-not-found, and the server goes on. Responses the client sends (to requests this server never makes)
 * are ignored.
 */
import type { Readable, Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

/** JSON-RPC's error codes, as MCP uses them. */
export const JSONRPC_ERRORS = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internalError: -32603,
} as const;

export type RequestId = string | number;

/** A handler's way to answer with a JSON-RPC error instead of a result. */
export class JsonRpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** Answers one request: its result, or a JsonRpcError; undefined means the method is unknown. */
export type RequestHandler = (method: string, params: unknown) => Promise<unknown> | undefined;

export interface JsonRpcConnection {
  /** Writes one message (a response, or an error for a line the caller dropped). */
  send(message: Record<string, unknown>): void;
  /** Feeds whole lines or pieces of them (a line ends at \n). */
  receive(chunk: Buffer | string): void;
  /** Resolves when every request received so far has been answered. */
  settled(): Promise<void>;
}

function isRequestId(value: unknown): value is RequestId {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
}

/** The JSON-RPC layer over a writable: splits lines, dispatches requests, writes answers. */
export function createJsonRpcConnection(output: Writable, handle: RequestHandler): JsonRpcConnection {
  let buffered = '';
  // A character split across two chunks is joined, not mangled.
  const decoder = new StringDecoder('utf8');
  const inFlight = new Set<Promise<void>>();
  const send = (message: Record<string, unknown>) => {
    if (!output.writable) return;
    output.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);
  };
  const fail = (id: RequestId | null, code: number, message: string) => send({ id, error: { code, message } });

  const dispatch = (line: string) => {
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      fail(null, JSONRPC_ERRORS.parseError, 'Parse error: the line is not JSON');
      return;
    }
    if (typeof message !== 'object' || message === null || Array.isArray(message)) {
      fail(null, JSONRPC_ERRORS.invalidRequest, 'Invalid Request: expected one JSON-RPC message object per line');
      return;
    }
    const { id, method, params } = message as { id?: unknown; method?: unknown; params?: unknown };
    if (typeof method !== 'string') {
      // A response (the client answering a request), or nothing cwt can use; only a malformed request is answered.
      if (id !== undefined && !('result' in message) && !('error' in message)) fail(isRequestId(id) ? id : null, JSONRPC_ERRORS.invalidRequest, 'Invalid Request: no method');
      return;
    }
    // A notification (initialized, cancelled, …): nothing to answer.
    if (id === undefined) return;
    if (!isRequestId(id)) {
      fail(null, JSONRPC_ERRORS.invalidRequest, 'Invalid Request: the id must be a string or a number');
      return;
    }
    let pending: Promise<unknown> | undefined;
    try {
      pending = handle(method, params);
    } catch (error) {
      pending = Promise.reject(error);
    }
    if (pending === undefined) {
      fail(id, JSONRPC_ERRORS.methodNotFound, `Method not found: ${method}`);
      return;
    }
    const answered = pending.then(
      (result) => send({ id, result: result ?? {} }),
      (error: unknown) =>
        error instanceof JsonRpcError
          ? fail(id, error.code, error.message)
          : fail(id, JSONRPC_ERRORS.internalError, `Internal error: ${error instanceof Error ? error.message : String(error)}`),
    );
    const tracked = answered.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  };

  return {
    send,
    receive(chunk) {
      buffered += typeof chunk === 'string' ? chunk : decoder.write(chunk);
      let newline = buffered.indexOf('\n');
      while (newline !== -1) {
        const line = buffered.slice(0, newline).replace(/\r$/, '');
        buffered = buffered.slice(newline + 1);
        if (line.trim() !== '') dispatch(line);
        newline = buffered.indexOf('\n');
      }
    },
    async settled() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}

/** Serves `input` until it ends, then waits for the answers still running; resolves then. */
export async function serveJsonRpc(input: Readable, output: Writable, handle: RequestHandler, connection = createJsonRpcConnection(output, handle)): Promise<void> {
  await new Promise<void>((resolvePromise) => {
    input.on('data', (chunk: Buffer | string) => connection.receive(chunk));
    input.once('end', () => resolvePromise());
    input.once('close', () => resolvePromise());
    input.once('error', () => resolvePromise());
  });
  await connection.settled();
}
