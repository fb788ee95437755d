/**
 * A scripted stand-in for the Anthropic Messages API, for driving the real `claude` binary offline.
 *
 * It listens on 127.0.0.1 (port 0), records every request, and answers `POST /v1/messages` (any query string)
 * with server-sent events in the order Claude Code expects: message_start, per content block
 * content_block_start / content_block_delta / content_block_stop, message_delta (stop_reason), message_stop.
 *
 * Main-loop turns (requests that carry a non-empty `tools` list) consume the script in order; when it is
 * exhausted they get a short final text. The fake model does what a client with deferred tools requires
 * (Claude Code 2.1.332 lists MCP and some built-in tools by name only, to be loaded through `ToolSearch`):
 * a scripted call of a deferred tool is preceded by a `ToolSearch` turn that loads its schema. Side requests (title generation, topic/quota checks: no tools) get a
 * plain text reply and never consume the script. `/v1/messages/count_tokens` gets `{"input_tokens": N}`.
 * HEAD and GET of anything answer 200 with an empty body.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ScriptedReply =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; name: string; input: Record<string, unknown>; id?: string; text?: string };

/**
 * A fixed reply, or one computed from the request it answers (e.g. to use a path the system prompt names).
 * A computed reply may be a promise: the request stays open (the client waits, as for a slow model) until
 * it settles, which keeps a `claude` process alive at a chosen point of its conversation (see holdTurn).
 */
export type ScriptedTurn = ScriptedReply | ((request: RecordedRequest) => ScriptedReply | Promise<ScriptedReply>);

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body; undefined when the body was empty or not JSON. */
  body: unknown;
  rawBody: string;
  /** How the server classified it. */
  kind: 'main' | 'side' | 'count_tokens' | 'other';
}

export interface FakeApiOptions {
  script?: ScriptedTurn[];
  /** The reply once the script is exhausted (and for side requests). */
  finalText?: string;
  sideText?: string;
  model?: string;
  /** Refuse bodies bigger than this (bytes); a runaway client cannot exhaust memory. */
  maxBodyBytes?: number;
}

export interface FakeApi {
  /** The `ToolSearch` queries the fake model sent to load deferred tools, in order. */
  readonly toolSearches: string[];
  /** `http://127.0.0.1:<port>`; valid after start(). */
  readonly url: string;
  readonly port: number;
  readonly requests: RecordedRequest[];
  /** Requests to the Messages endpoint (not count_tokens). */
  messageRequests(): RecordedRequest[];
  /** Main-loop requests, in arrival order. */
  mainRequests(): RecordedRequest[];
  /** JSON.stringify of every request body, joined: for substring assertions on what "the model" saw. */
  allBodiesText(): string;
  /** Every string found anywhere inside every parsed body (system, messages, tool results), joined by "\n". */
  allBodiesStrings(): string;
  start(): Promise<void>;
  close(): Promise<void>;
}

const DEFAULT_MAX_BODY = 32 * 1024 * 1024;

function collectStrings(value: unknown, out: string[], depth = 0): void {
  if (depth > 64) return;
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const item of value) collectStrings(item, out, depth + 1);
  else if (value !== null && typeof value === 'object') for (const item of Object.values(value)) collectStrings(item, out, depth + 1);
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | undefined)?.then === 'function';
}

function isMainTurn(body: unknown): boolean {
  if (body === null || typeof body !== 'object') return false;
  const tools = (body as { tools?: unknown }).tools;
  return Array.isArray(tools) && tools.length > 0;
}

/** The tool names a ToolSearch result referenced in the conversation (`tool_reference` blocks): loaded ones. */
function listReferencedTools(body: unknown): Set<string> {
  const names = new Set<string>();
  const visit = (value: unknown, depth: number): void => {
    if (depth > 64 || value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) for (const item of value) visit(item, depth + 1);
    else {
      const block = value as { type?: unknown; tool_name?: unknown };
      if (block.type === 'tool_reference' && typeof block.tool_name === 'string') names.add(block.tool_name);
      for (const item of Object.values(value)) visit(item, depth + 1);
    }
  };
  visit((body as { messages?: unknown } | undefined)?.messages, 0);
  return names;
}

/**
 * The tools a request offers with their schema (what a model can call right away): those sent plainly, and
 * those sent with `defer_loading` once a ToolSearch result referenced them (the API expands those).
 */
export function listOfferedTools(body: unknown): string[] {
  const tools = (body as { tools?: { name?: unknown; defer_loading?: unknown }[] } | undefined)?.tools ?? [];
  const referenced = listReferencedTools(body);
  return tools.flatMap((tool) => (typeof tool.name === 'string' && (tool.defer_loading !== true || referenced.has(tool.name)) ? [tool.name] : []));
}

/**
 * The tools a request names as deferred: the bare tool names listed, one a line, after the text that tells
 * the model to load them through ToolSearch (wherever the client put that text: system prompt or message).
 */
export function listDeferredTools(body: unknown): string[] {
  const out: string[] = [];
  const texts: string[] = [];
  collectStrings((body as { system?: unknown; messages?: unknown } | undefined)?.system, texts);
  collectStrings((body as { messages?: unknown } | undefined)?.messages, texts);
  for (const text of texts) {
    if (!text.includes('ToolSearch')) continue;
    const lines = text.split('\n');
    const start = lines.findIndex((line) => line.includes('ToolSearch'));
    for (const line of lines.slice(start + 1)) {
      if (!/^[A-Za-z][\w-]*$/.test(line.trim())) break;
      out.push(line.trim());
    }
  }
  return out;
}

/** True when a model can call `name` in reply to this request, directly or after loading it. */
export function isToolAvailable(body: unknown, name: string): boolean {
  return listOfferedTools(body).includes(name) || listDeferredTools(body).includes(name);
}

/** True when calling `name` needs a ToolSearch first: deferred, not loaded yet, and ToolSearch offered. */
function needsToolSearch(body: unknown, name: string): boolean {
  const offered = listOfferedTools(body);
  return !offered.includes(name) && offered.includes('ToolSearch') && listDeferredTools(body).includes(name);
}

function sse(res: ServerResponse, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

export function createFakeApi(options: FakeApiOptions = {}): FakeApi {
  const script = [...(options.script ?? [])];
  const finalText = options.finalText ?? 'Done.';
  const sideText = options.sideText ?? 'ok';
  const model = options.model ?? 'claude-fake-1';
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const requests: RecordedRequest[] = [];
  const toolSearches: string[] = [];
  /** A scripted call of a deferred tool, waiting for the ToolSearch turn that loads it to come back. */
  let pendingAfterSearch: ScriptedReply | undefined;
  let mainTurns = 0;
  let messageCounter = 0;
  let server: Server | undefined;
  let port = 0;

  function streamReply(res: ServerResponse, body: unknown, turn: ScriptedReply | undefined, fallback: string): void {
    const requestedModel = body && typeof body === 'object' && typeof (body as { model?: unknown }).model === 'string' ? (body as { model: string }).model : model;
    const id = `msg_fake_${++messageCounter}`;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'close', 'request-id': `req_fake_${messageCounter}` });
    sse(res, 'message_start', {
      type: 'message_start',
      message: {
        id,
        type: 'message',
        role: 'assistant',
        model: requestedModel,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 10, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
      },
    });
    let index = 0;
    const textBlock = (text: string) => {
      sse(res, 'content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
      sse(res, 'content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text } });
      sse(res, 'content_block_stop', { type: 'content_block_stop', index });
      index += 1;
    };
    let stopReason = 'end_turn';
    if (turn?.type === 'tool_use') {
      if (turn.text) textBlock(turn.text);
      const toolId = turn.id ?? `toolu_fake_${messageCounter}`;
      sse(res, 'content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id: toolId, name: turn.name, input: {} } });
      sse(res, 'content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(turn.input) } });
      sse(res, 'content_block_stop', { type: 'content_block_stop', index });
      index += 1;
      stopReason = 'tool_use';
    } else {
      textBlock(turn?.type === 'text' ? turn.text : fallback);
    }
    sse(res, 'message_delta', { type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: 5 } });
    sse(res, 'message_stop', { type: 'message_stop' });
    res.end();
  }

  function jsonReply(res: ServerResponse, status: number, value: unknown): void {
    const text = JSON.stringify(value);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), connection: 'close' });
    res.end(text);
  }

  /** A non-streamed reply, for a client that asks without `stream: true`. */
  function plainMessage(res: ServerResponse, body: unknown, text: string): void {
    const requestedModel = body && typeof body === 'object' && typeof (body as { model?: unknown }).model === 'string' ? (body as { model: string }).model : model;
    jsonReply(res, 200, {
      id: `msg_fake_${++messageCounter}`,
      type: 'message',
      role: 'assistant',
      model: requestedModel,
      content: [{ type: 'text', text }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    });
  }

  function handle(req: IncomingMessage, res: ServerResponse, rawBody: string): void {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const path = url.split('?')[0] ?? '/';
    let body: unknown;
    if (rawBody.length > 0) {
      try {
        body = JSON.parse(rawBody);
      } catch {
        body = undefined;
      }
    }
    const record: RecordedRequest = { method, url, headers: req.headers, body, rawBody, kind: 'other' };
    requests.push(record);

    if (method === 'HEAD' || method === 'GET') {
      res.writeHead(200, { 'content-length': 0, connection: 'close' });
      res.end();
      return;
    }
    if (method === 'POST' && path === '/v1/messages/count_tokens') {
      record.kind = 'count_tokens';
      jsonReply(res, 200, { input_tokens: Math.max(1, Math.ceil(rawBody.length / 4)) });
      return;
    }
    if (method === 'POST' && path === '/v1/messages') {
      const streaming = Boolean(body && typeof body === 'object' && (body as { stream?: unknown }).stream === true);
      if (isMainTurn(body)) {
        record.kind = 'main';
        // A call whose tool one ToolSearch did not load is sent anyway: the client's error then shows in the test.
        const answer = (scripted: ScriptedReply | undefined, searched = false) => {
          let reply = scripted;
          if (!searched && reply?.type === 'tool_use' && needsToolSearch(body, reply.name)) {
            pendingAfterSearch = reply;
            const query = `select:${reply.name}`;
            toolSearches.push(query);
            reply = { type: 'tool_use', name: 'ToolSearch', id: `toolu_search_${toolSearches.length}`, input: { query } };
          }
          if (streaming) streamReply(res, body, reply, finalText);
          else plainMessage(res, body, reply?.type === 'text' ? reply.text : finalText);
        };
        if (pendingAfterSearch) {
          const loaded = pendingAfterSearch;
          pendingAfterSearch = undefined;
          answer(loaded, true);
          return;
        }
        const step = script[mainTurns];
        mainTurns += 1;
        const turn = typeof step === 'function' ? step(record) : step;
        if (isPromise(turn)) {
          turn.then(
            (reply) => {
              // The client may have gone (killed, or close() ran) while the turn was held.
              if (!res.destroyed) answer(reply);
            },
            (error: unknown) => {
              if (!res.destroyed && !res.headersSent) jsonReply(res, 500, { type: 'error', error: { type: 'api_error', message: String(error) } });
            },
          );
        } else answer(turn);
      } else {
        record.kind = 'side';
        if (streaming) streamReply(res, body, undefined, sideText);
        else plainMessage(res, body, sideText);
      }
      return;
    }
    // Anything else (event logging, feature flags...): accept and say nothing.
    jsonReply(res, 200, {});
  }

  const api: FakeApi = {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    requests,
    toolSearches,
    messageRequests: () => requests.filter((r) => r.kind === 'main' || r.kind === 'side'),
    mainRequests: () => requests.filter((r) => r.kind === 'main'),
    allBodiesText: () => requests.map((r) => (r.body === undefined ? r.rawBody : JSON.stringify(r.body))).join('\n'),
    allBodiesStrings: () => {
      const out: string[] = [];
      for (const r of requests) collectStrings(r.body, out);
      return out.join('\n');
    },
    start: () =>
      new Promise<void>((resolve, reject) => {
        if (server) {
          resolve();
          return;
        }
        const created = createServer((req, res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          let tooBig = false;
          req.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxBody) {
              tooBig = true;
              return;
            }
            chunks.push(chunk);
          });
          req.on('end', () => {
            if (tooBig) {
              jsonReply(res, 413, { type: 'error', error: { type: 'request_too_large', message: 'too large' } });
              return;
            }
            try {
              handle(req, res, Buffer.concat(chunks).toString('utf8'));
            } catch (error) {
              if (!res.headersSent) jsonReply(res, 500, { type: 'error', error: { type: 'api_error', message: String(error) } });
              else res.end();
            }
          });
          req.on('error', () => res.destroy());
        });
        // Bounded: idle keep-alive sockets must never keep close() waiting.
        created.keepAliveTimeout = 1000;
        created.headersTimeout = 10_000;
        created.requestTimeout = 30_000;
        created.once('error', reject);
        created.listen(0, '127.0.0.1', () => {
          server = created;
          port = (created.address() as AddressInfo).port;
          resolve();
        });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        const current = server;
        server = undefined;
        if (!current) {
          resolve();
          return;
        }
        current.close(() => resolve());
        current.closeAllConnections();
      }),
  };
  return api;
}

/** A scripted turn whose reply is held back until the test releases it. */
export interface HeldTurn {
  /** Put this in the script. */
  turn: ScriptedTurn;
  /** Settles with the request once it arrived: from then on the client waits for the reply. */
  arrived: Promise<RecordedRequest>;
  /** Sends the reply (idempotent). */
  release(): void;
}

/**
 * A turn that answers only when released: the client (a real `claude` process) stays alive, blocked on the
 * Messages API, for as long as the test needs it there.
 */
export function holdTurn(reply: ScriptedReply | ((request: RecordedRequest) => ScriptedReply)): HeldTurn {
  let onArrival!: (request: RecordedRequest) => void;
  let onRelease!: () => void;
  const arrived = new Promise<RecordedRequest>((resolve) => (onArrival = resolve));
  const released = new Promise<void>((resolve) => (onRelease = resolve));
  return {
    turn: async (request) => {
      onArrival(request);
      await released;
      return typeof reply === 'function' ? reply(request) : reply;
    },
    arrived,
    release: () => onRelease(),
  };
}
