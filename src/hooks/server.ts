/**
 * The hook fast path: the supervisor that `cwt new` keeps running answers Claude Code's http hooks on
 * 127.0.0.1, so a cwt-launched session spawns no process per tool call. Same handlers as the command hook;
 * a per-session bearer token (from the agent's environment) keeps other local processes out. Any local
 * process can still connect, so the server holds few connections, gives a client seconds (not a minute) to
 * send its request, and never reads a body past the hook input's cap.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Store } from '../core/store/store.js';
import { triggerNotifier } from '../core/coordination/notify.js';
import { logHookError } from './errorlog.js';
import { handleHook } from './handlers.js';
import { isHookEvent, MAX_HOOK_INPUT_BYTES, parseHookInput } from './input.js';
import { isWorktreeHookEvent } from '../core/harness/harness.js';
import { MESSAGES } from '../texts/messages.js';

/** Claude Code sends a few small requests at a time over loopback; anything slower or more is not it. */
export const HOOK_SERVER_LIMITS = {
  /** Open connections at once; more are dropped as they arrive. */
  maxConnections: 32,
  /** Time to send the request headers, then the whole request (Claude Code's http hook gives up after 5 s). */
  headersTimeoutMs: 3_000,
  requestTimeoutMs: 5_000,
  /** How often Node checks those two; its default (30 s) would let a slow client stay half a minute more. */
  checkIntervalMs: 500,
} as const;

export interface HookServer {
  /** `http://127.0.0.1:<port>`; hooks are POSTed to `<url>/hooks/<event>`. */
  url: string;
  /** The bearer token clients must send. */
  token: string;
  close(): Promise<void>;
}

export interface HookServerOptions {
  store: Store;
  env: NodeJS.ProcessEnv;
  /** The session this server answers for. */
  sessionId: string;
}

/** (Shared with the per-user fast path, src/server/fastpath.ts.) The body, or how many bytes it has (or announces) when that is past the cap: reading stops there. */
export function readBody(request: IncomingMessage): Promise<{ text: string } | { tooBig: number }> {
  const announced = Number(request.headers['content-length'] ?? 0);
  if (announced > MAX_HOOK_INPUT_BYTES) return Promise.resolve({ tooBig: announced });
  return new Promise((resolvePromise) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_HOOK_INPUT_BYTES) chunks.push(chunk);
      else {
        request.pause();
        resolvePromise({ tooBig: size });
      }
    });
    request.on('end', () => resolvePromise({ text: Buffer.concat(chunks).toString('utf8') }));
    request.on('error', () => resolvePromise({ text: '' }));
  });
}

function isAuthorized(request: IncomingMessage, expected: Buffer): boolean {
  const header = request.headers.authorization ?? '';
  const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function reply(response: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  response.end(body);
}

/** Starts the server on an ephemeral loopback port. */
export async function startHookServer(options: HookServerOptions): Promise<HookServer> {
  const token = randomBytes(32).toString('hex');
  const expected = Buffer.from(token);
  const limits = {
    headersTimeout: HOOK_SERVER_LIMITS.headersTimeoutMs,
    requestTimeout: HOOK_SERVER_LIMITS.requestTimeoutMs,
    connectionsCheckingInterval: HOOK_SERVER_LIMITS.checkIntervalMs,
  };
  const server = createServer(limits, (request, response) => {
    void (async () => {
      const event = /^\/hooks\/([a-z-]+)$/.exec(request.url ?? '')?.[1];
      if (request.method !== 'POST' || !isHookEvent(event) || isWorktreeHookEvent(event)) return reply(response, 404, '{}');
      if (!isAuthorized(request, expected)) return reply(response, 401, '{}');
      const body = await readBody(request);
      if ('tooBig' in body) {
        logHookError(options.env, event, MESSAGES.hookInputTooBig(body.tooBig, MAX_HOOK_INPUT_BYTES));
        // Not Claude Code's input: answered without reading the rest, and the connection closed. A non-2xx
        // answer is a non-blocking error for Claude Code: the call goes ahead.
        return reply(response, 413, '{}', { connection: 'close' });
      }
      const input = parseHookInput(body.text);
      // Fail open: whatever goes wrong, Claude Code gets an empty answer (no decision) and the tool runs.
      if (!input) return reply(response, 200, '{}');
      try {
        const output = await handleHook(event, input, { store: options.store, env: options.env, sessionId: options.sessionId, decider: 'supervisor' });
        reply(response, 200, output ? JSON.stringify(output) : '{}');
        // Answered: now, off the hook's time, let the webhook sender start if something notifiable happened.
        await triggerNotifier(options.store, options.env);
      } catch (error) {
        logHookError(options.env, event, error);
        reply(response, 200, '{}');
      }
    })();
  });
  // Keep-alive connections from Claude Code must not hold the supervisor open after the agent exits.
  server.keepAliveTimeout = 5_000;
  server.maxConnections = HOOK_SERVER_LIMITS.maxConnections;
  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolvePromise());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    close: () =>
      new Promise<void>((resolvePromise) => {
        server.closeAllConnections();
        server.close(() => resolvePromise());
      }),
  };
}
