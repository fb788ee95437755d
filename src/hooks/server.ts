/**
 * The hook fast path: the supervisor that `cwt new` keeps running answers Claude Code's http hooks on
 * 127.0.0.1, so a cwt-launched session spawns no process per tool call. Same handlers as the command hook;
 * a per-session bearer token (from the agent's environment) keeps other local processes out.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Store } from '../core/store/store.js';
import { triggerNotifier } from '../core/notify.js';
import { logHookError } from './errorlog.js';
import { handleHook } from './handlers.js';
import { isHookEvent, parseHookInput } from './input.js';
import { isWorktreeHookEvent } from '../core/harness.js';

const MAX_BODY_BYTES = 8 * 1024 * 1024;

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

function readBody(request: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolvePromise) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on('end', () => resolvePromise(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString('utf8')));
    request.on('error', () => resolvePromise(undefined));
  });
}

function isAuthorized(request: IncomingMessage, expected: Buffer): boolean {
  const header = request.headers.authorization ?? '';
  const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function reply(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

/** Starts the server on an ephemeral loopback port. */
export async function startHookServer(options: HookServerOptions): Promise<HookServer> {
  const token = randomBytes(32).toString('hex');
  const expected = Buffer.from(token);
  const server = createServer((request, response) => {
    void (async () => {
      const event = /^\/hooks\/([a-z-]+)$/.exec(request.url ?? '')?.[1];
      if (request.method !== 'POST' || !isHookEvent(event) || isWorktreeHookEvent(event)) return reply(response, 404, '{}');
      if (!isAuthorized(request, expected)) return reply(response, 401, '{}');
      const input = parseHookInput((await readBody(request)) ?? '');
      // Fail open: whatever goes wrong, Claude Code gets an empty answer (no decision) and the tool runs.
      if (!input) return reply(response, 200, '{}');
      try {
        const output = await handleHook(event, input, { store: options.store, env: options.env, sessionId: options.sessionId });
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
