/**
 * The dashboard's HTTP server (`cwt dashboard`): 127.0.0.1 only, every request checked by dashboardauth (Host,
 * token), no CORS headers, `cache-control: no-store` on everything, a strict Content-Security-Policy (the page
 * loads only its own script and style). Routes: `/` the page, `/app.js` `/app.css` its assets, `/api/state` the
 * JSON document (dashboardstate), `/api/stream` Server-Sent Events: a `state` message with the whole document
 * each time the store changes (Store.waitForChange: NOTIFY on PostgreSQL, so every machine's sessions of a shared
 * store show within a second) and every few seconds besides, for liveness.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { watchStore } from '../core/coordination/watch.js';
import type { Store } from '../core/store/store.js';
import { stringifyJsonSafely } from '../texts/sanitize.js';
import { authorizeRequest } from './dashboardauth.js';
import type { DashboardState } from './dashboardstate.js';

export interface DashboardAssets {
  html: string;
  css: string;
  js: string;
}

export interface DashboardServerOptions {
  /** 0: a free port. */
  port: number;
  token: string;
  store: Store;
  loadState: () => Promise<DashboardState>;
  assets: DashboardAssets;
  /** Push the state at least this often (default 5 s). */
  refreshMs?: number;
  /** A failed read of the store (it keeps serving the last state and tries again). */
  onError?: (error: unknown) => void;
}

export interface DashboardServer {
  port: number;
  /** The URL to open, with the token. */
  url: string;
  close(): Promise<void>;
}

const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
};

const PUSH_GAP_MS = 200;

const TYPES: Record<string, string> = {
  '/': 'text/html; charset=utf-8',
  '/app.js': 'text/javascript; charset=utf-8',
  '/app.css': 'text/css; charset=utf-8',
};

function send(response: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'content-length': Buffer.byteLength(body), ...headers });
  response.end(body);
}

/** Starts serving; resolves once listening. */
export async function startDashboardServer(options: DashboardServerOptions): Promise<DashboardServer> {
  const clients = new Set<ServerResponse>();
  const controller = new AbortController();
  let state: DashboardState | undefined;
  let statePromise: Promise<DashboardState> | undefined;
  let port = options.port;

  const refresh = async (): Promise<DashboardState> => {
    statePromise ??= options.loadState().finally(() => (statePromise = undefined));
    state = await statePromise;
    return state;
  };
  const push = (current: DashboardState) => {
    const message = `event: state\ndata: ${stringifyJsonSafely(current)}\n\n`;
    for (const client of clients) client.write(message);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const decision = authorizeRequest(
      { host: request.headers.host, url: request.url ?? '/', cookie: request.headers.cookie, authorization: request.headers.authorization },
      { token: options.token, port },
    );
    if (decision.kind === 'bad-host') return send(response, 403, 'text/plain; charset=utf-8', 'cwt dashboard: wrong Host header (only 127.0.0.1 and localhost on this port)\n');
    if (decision.kind === 'unauthorized') return send(response, 401, 'text/plain; charset=utf-8', 'cwt dashboard: open the URL cwt dashboard printed (it carries the token)\n');
    if (request.method !== 'GET' && request.method !== 'HEAD') return send(response, 405, 'text/plain; charset=utf-8', 'method not allowed\n', { allow: 'GET, HEAD' });
    if (decision.kind === 'login') {
      response.writeHead(303, { ...SECURITY_HEADERS, location: decision.location, 'set-cookie': decision.cookie, 'content-length': 0 });
      return response.end();
    }
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    if (path === '/') return send(response, 200, TYPES[path]!, options.assets.html);
    if (path === '/app.js') return send(response, 200, TYPES[path]!, options.assets.js);
    if (path === '/app.css') return send(response, 200, TYPES[path]!, options.assets.css);
    if (path === '/api/state') return send(response, 200, 'application/json; charset=utf-8', stringifyJsonSafely(state ?? (await refresh())));
    if (path === '/api/stream') {
      response.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive' });
      response.write('retry: 1000\n\n');
      clients.add(response);
      request.on('close', () => clients.delete(response));
      if (state) response.write(`event: state\ndata: ${stringifyJsonSafely(state)}\n\n`);
      return;
    }
    return send(response, 404, 'text/plain; charset=utf-8', 'not found\n');
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      options.onError?.(error);
      if (!response.headersSent) send(response, 500, 'text/plain; charset=utf-8', 'cwt dashboard: the store could not be read; see the terminal running cwt dashboard\n');
      else response.end();
    });
  });
  // Bounds for a local process that connects and dawdles (the SSE streams stay open: these bound only requests).
  server.maxConnections = 64;
  server.headersTimeout = 5_000;
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;

  // The watch: a state push per change of the store, and per refresh; a failing store is retried.
  const keepAlive = setInterval(() => {
    for (const client of clients) client.write(': keep-alive\n\n');
  }, 15_000);
  const watching = (async () => {
    while (!controller.signal.aborted) {
      try {
        await watchStore(
          options.store,
          async () => {
            push(await refresh());
            // Busy sessions change the store many times a second: one push per PUSH_GAP_MS at most, the next
            // carrying all that happened meanwhile.
            await sleep(PUSH_GAP_MS, undefined, { signal: controller.signal }).catch(() => {});
          },
          { signal: controller.signal, refreshMs: options.refreshMs ?? 5_000 },
        );
      } catch (error) {
        if (controller.signal.aborted) break;
        options.onError?.(error);
        await sleep(2_000, undefined, { signal: controller.signal }).catch(() => {});
      }
    }
  })();

  return {
    port,
    url: `http://127.0.0.1:${port}/?token=${options.token}`,
    close: async () => {
      controller.abort();
      clearInterval(keepAlive);
      for (const client of clients) client.end();
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await watching;
    },
  };
}
