/**
 * The per-user hook fast path (`cwt serve`, started on demand by the SessionStart hook, `cwt new` and
 * `cwt install`): one long-lived process per user answers the frequent hooks of every session — plain tabs,
 * `claude -w` sessions, adopted tabs, `cwt new` sessions — on 127.0.0.1 at the port `cwt install` recorded, with
 * the same handlers as the command hook (src/hooks/handlers.ts) and one open store.
 *
 * - Single instance: the pid file is created exclusively (0600), holds the pid once the port listens, and is
 *   removed first on the way out (the fallback guard then execs the command hook). A pid file whose process is
 *   gone is stale and replaced.
 * - Callers: only this user. Linux tells the uid owning the caller's socket (core/sessions/peercred.ts): another
 *   uid's connection is closed as it is accepted. A request whose Host is not the loopback address and port (a
 *   web page using DNS rebinding), or that comes from a browser, is refused with 403 before its body is read.
 * - Leaves when idle: no request and no live session for CWT_FASTPATH_IDLE_MS (default 15 min).
 */
import { closeSync, lstatSync, openSync, readFileSync, statSync, unlinkSync, watch, writeSync, type FSWatcher, type Stats } from 'node:fs';
import { join } from 'node:path';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { triggerNotifier } from '../core/coordination/notify.js';
import { loadConfigLazily } from '../core/config/lazy.js';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../core/fs/atomic.js';
import { resolveCwtHome } from '../core/fs/paths.js';
import { formatFastPathPid, getFastPathFiles, HOOK_CALL_KEEP_MS, getServiceEnv, isFastPathPidAlive, readFastPathTarget } from '../core/harness/fastpath.js';
import { isFastPathEvent } from '../core/harness/harness.js';
import { createLivenessProbe } from '../core/sessions/liveness.js';
import { getSessionState } from '../core/sessions/sessions.js';
import { openStore, settleCommitJournal } from '../core/store/open.js';
import { COMMIT_JOURNAL_DIR } from '../core/git/commitjournal.js';
import type { Store } from '../core/store/store.js';
import { logHookError } from '../hooks/errorlog.js';
import { handleHook } from '../hooks/handlers.js';
import { isHookEvent, MAX_HOOK_INPUT_BYTES, parseHookInput } from '../hooks/input.js';
import { HOOK_SERVER_LIMITS, readBody, reply } from '../hooks/server.js';
import { MESSAGES } from '../texts/messages.js';
import { getPeerUid } from '../core/sessions/peercred.js';
import { answerPreCommit } from './precommit.js';

const DEFAULT_IDLE_MS = 15 * 60_000;
/** Open connections at once, from all of the user's sessions. */
const FAST_PATH_MAX_CONNECTIONS = 512;
/** An empty pid file older than this belongs to a service that died while starting. */
const STARTING_GRACE_MS = 10_000;

export type ServeOutcome = 'served' | 'already-running' | 'not-set-up' | 'port-busy';

interface PidFileClaim {
  fd: number;
  stats: Stats;
  path: string;
  /** Set once removed: a later file at the path may be another service's, even with the same inode number. */
  released?: boolean;
}

/** Creates the pid file exclusively, replacing a stale one once; undefined when a live service holds it. */
function claimPidFile(path: string): PidFileClaim | undefined {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', PRIVATE_FILE_MODE);
      return { fd, stats: statSync(path), path };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let text = '';
    let age = 0;
    try {
      text = readFileSync(path, 'utf8').trim();
      age = Date.now() - statSync(path).mtimeMs;
    } catch {
      continue; // gone meanwhile: try again
    }
    const holderAlive = text === '' ? age < STARTING_GRACE_MS : isFastPathPidAlive(text);
    if (holderAlive) return undefined;
    try {
      unlinkSync(path);
    } catch {
      // Another starter removed it first.
    }
  }
  return undefined;
}

/** Removes the pid file if it is still the one this process created. */
function releasePidFile(claim: PidFileClaim): void {
  if (claim.released) return;
  claim.released = true;
  try {
    closeSync(claim.fd);
  } catch {
    // Already closed.
  }
  try {
    const now = statSync(claim.path);
    if (now.ino === claim.stats.ino && now.dev === claim.stats.dev) unlinkSync(claim.path);
  } catch {
    // Gone already.
  }
}

/**
 * True when the request comes from this user's process, to this service's own address, and not from a web page:
 * a browser runs as this user too, so a page could POST here (a "simple" cross-origin request needs no
 * preflight). Claude Code sends JSON and no Origin; a page's request carries an Origin (or Sec-Fetch-*), and one
 * with a JSON content type is preflighted first, which gets no CORS answer here.
 */
function isTrustedCaller(request: IncomingMessage, port: number, uid: number, verified: WeakMap<Socket, boolean>): boolean {
  const { headers } = request;
  if (headers.host !== `127.0.0.1:${port}`) return false;
  if (headers.origin !== undefined || headers['sec-fetch-mode'] !== undefined || headers['sec-fetch-site'] !== undefined) return false;
  if (!/^application\/json\b/i.test(headers['content-type'] ?? '')) return false;
  const socket = request.socket;
  let trusted = verified.get(socket);
  if (trusted === undefined) {
    // Once per connection: Claude Code keeps its connection open across calls.
    trusted = socket.remotePort !== undefined && getPeerUid(socket.remotePort, port) === uid;
    verified.set(socket, trusted);
  }
  return trusted;
}

/**
 * `POST /git/pre-commit` (the git hook shim's curl, src/server/precommit.ts): the check's exit code and text as
 * text/plain; anything else than 200 sends the shim to the Node hook. Asked by a trusted caller only.
 */
async function servePreCommit(request: IncomingMessage, response: ServerResponse, store: Store, env: NodeJS.ProcessEnv): Promise<void> {
  if (request.method !== 'POST') return reply(response, 404, '{}');
  const body = await readBody(request);
  if ('tooBig' in body) return reply(response, 413, '{}', { connection: 'close' });
  try {
    const answer = await answerPreCommit(body.text, store, env);
    reply(response, answer.status, answer.body, { 'content-type': 'text/plain; charset=utf-8' });
  } catch (error) {
    // Not answered: the shim runs the Node hook, which decides (and fails open as it always does).
    logHookError(env, 'git pre-commit', error);
    reply(response, 500, '{}');
  }
}

/**
 * Replays each commit the post-commit shim journals as soon as it lands (inotify on the journal dir), so that the
 * next commit's pre-commit, asked moments later, finds it recorded instead of replaying it on its way (every
 * reader still settles first; this only makes that one readdir). Replays run one at a time; a burst of entries
 * is one replay. Undefined when the directory cannot be watched (the request path replays, as before).
 */
function watchCommitJournal(store: Store, env: NodeJS.ProcessEnv): { close: () => void } | undefined {
  if (store.kind !== 'sqlite') return undefined;
  const dir = join(resolveCwtHome(env), COMMIT_JOURNAL_DIR);
  let watcher: FSWatcher;
  try {
    // The shim creates it 0700 (umask 077); a link there is not ours to follow.
    ensurePrivateDir(dir);
    if (!lstatSync(dir).isDirectory()) return undefined;
    let running: Promise<void> | undefined;
    let again = false;
    const replay = () => {
      if (running) return void (again = true);
      running = settleCommitJournal(store, env)
        .catch((error: unknown) => logHookError(env, 'fastpath', error))
        .finally(() => {
          running = undefined;
          if (again) {
            again = false;
            replay();
          }
        });
    };
    // A rename into the dir is the shim's last step; its .tmp files are skipped by the replay.
    watcher = watch(dir, { persistent: false }, (_type, name) => {
      if (name === null || String(name).startsWith('commit-')) replay();
    });
    watcher.on('error', () => watcher.close());
    // What was journaled while no service ran.
    replay();
  } catch {
    return undefined;
  }
  return { close: () => watcher.close() };
}

async function hasLiveSessions(store: Store, env: NodeJS.ProcessEnv): Promise<boolean> {
  const config = await loadConfigLazily({ env });
  const probe = createLivenessProbe(config.sessionTtlMs, env);
  return (await store.listSessions()).some((session) => getSessionState(session, probe) === 'live');
}

/**
 * Runs the service until it is idle, signalled or its port is taken; resolves to why it stopped (or why it
 * never started). `onListening` is for tests.
 */
export async function serveFastPath(options: { env?: NodeJS.ProcessEnv; onListening?: (port: number) => void } = {}): Promise<ServeOutcome> {
  const env = getServiceEnv(options.env ?? process.env);
  const target = readFastPathTarget(env);
  if (!target || typeof process.getuid !== 'function') return 'not-set-up';
  const uid = process.getuid();
  ensurePrivateDir(resolveCwtHome(env));
  const claim = claimPidFile(getFastPathFiles(resolveCwtHome(env)).pid);
  if (!claim) return 'already-running';
  let store: Store | undefined;
  try {
    store = await openStore(env, { hook: true });
    return await listenUntilIdle(store, env, target.port, uid, claim, options.onListening);
  } finally {
    releasePidFile(claim);
    await store?.close();
  }
}

async function listenUntilIdle(store: Store, env: NodeJS.ProcessEnv, port: number, uid: number, claim: PidFileClaim, onListening?: (port: number) => void): Promise<ServeOutcome> {
  const idleMs = Number(env.CWT_FASTPATH_IDLE_MS) > 0 ? Number(env.CWT_FASTPATH_IDLE_MS) : DEFAULT_IDLE_MS;
  let lastRequestAt = Date.now();
  const verified = new WeakMap<Socket, boolean>();
  const server = createServer(
    { headersTimeout: HOOK_SERVER_LIMITS.headersTimeoutMs, requestTimeout: HOOK_SERVER_LIMITS.requestTimeoutMs, connectionsCheckingInterval: HOOK_SERVER_LIMITS.checkIntervalMs },
    (request, response) => {
      void (async () => {
        lastRequestAt = Date.now();
        // Nobody else's: refused before anything of the request is read or any path is looked at.
        if (!isTrustedCaller(request, port, uid, verified)) return reply(response, 403, '{}', { connection: 'close' });
        if (request.url === '/git/pre-commit') return void (await servePreCommit(request, response, store, env));
        const event = /^\/hooks\/([a-z-]+)$/.exec(request.url ?? '')?.[1];
        if (request.method !== 'POST' || !isHookEvent(event) || !isFastPathEvent(event)) return reply(response, 404, '{}');
        const body = await readBody(request);
        if ('tooBig' in body) {
          logHookError(env, event, MESSAGES.hookInputTooBig(body.tooBig, MAX_HOOK_INPUT_BYTES));
          return reply(response, 413, '{}', { connection: 'close' });
        }
        const input = parseHookInput(body.text);
        if (!input) return reply(response, 200, '{}');
        try {
          // The service is nobody's child: an adopted tab it registers is live by its heartbeat.
          const output = await handleHook(event, input, { store, env, decider: 'fastpath', dedupe: true, callerPid: null });
          reply(response, 200, output ? JSON.stringify(output) : '{}');
          await triggerNotifier(store, env);
        } catch (error) {
          // Fail open, as the command hook does.
          logHookError(env, event, error);
          reply(response, 200, '{}');
        }
      })();
    },
  );
  // Every tab of the user keeps a connection or two: far more room than a supervisor's one agent needs. Another
  // uid's connection is closed as it arrives, so it cannot hold that room (and its requests are never read).
  server.keepAliveTimeout = 10_000;
  server.maxConnections = FAST_PATH_MAX_CONNECTIONS;
  server.on('connection', (socket: Socket) => {
    const ours = socket.remotePort !== undefined && getPeerUid(socket.remotePort, port) === uid;
    verified.set(socket, ours);
    if (!ours) socket.destroy();
  });
  try {
    await new Promise<void>((resolvePromise, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolvePromise());
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      // The command hooks answer meanwhile (the pid file goes); the log says how to move the service.
      logHookError(env, 'fastpath', MESSAGES.fastPathPortBusy(port));
      return 'port-busy';
    }
    throw error;
  }
  const journal = watchCommitJournal(store, env);
  // Listening: now the fallback guard may stand aside.
  writeSync(claim.fd, formatFastPathPid(process.pid, port) ?? `${process.pid} 0 ${port}\n`);
  onListening?.(port);
  return new Promise<ServeOutcome>((resolvePromise) => {
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      clearInterval(timer);
      journal?.close();
      // The pid file first: from here on the guard execs the command hook, and a call both receive is decided once.
      releasePidFile(claim);
      server.closeAllConnections();
      server.close(() => resolvePromise('served'));
    };
    const timer = setInterval(
      () => {
        void (async () => {
          try {
            await store.claimPeriodicRun('fastpath.prune-hook-calls', Date.now(), HOOK_CALL_KEEP_MS).then((due) => (due ? store.pruneHookCalls(Date.now() - HOOK_CALL_KEEP_MS) : 0));
            if (Date.now() - lastRequestAt >= idleMs && !(await hasLiveSessions(store, env))) stop();
          } catch (error) {
            logHookError(env, 'fastpath', error);
          }
        })();
      },
      Math.min(Math.max(Math.floor(idleMs / 4), 50), 30_000),
    );
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
