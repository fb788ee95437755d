/**
 * Webhook notifications (Slack incoming-webhook compatible: POST {"text": …}) for session start and end, claim
 * conflicts and denials, lock takeovers and memory merge conflicts.
 *
 * Never on a hook's time: the event log is the outbox (every state change appends its event in the same
 * transaction), and a detached sender process (`cwt notify send`) drains it from a cursor. Whoever changes
 * state (a hook after it has answered, a cwt command when it is done, the MCP server after a call) only
 * checks, when a webhook is configured, whether a notifiable event lies past the cursor and no sender is
 * running, and then spawns one, unref'd. The sender holds the lock `cwt:notify-sender`, throttles per key
 * (one file, one lock; default one message per 60 s, the rest counted), retries a failed post a bounded
 * number of times with backoff, and records a final failure as a `notify.failed` event.
 *
 * The URL is a secret (it is the credential of a Slack webhook): it lives in a 0600 file, a file readable by
 * others is warned about, and it is never printed: errors carry a status or an error code, not the URL.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { ensurePrivateDir, PRIVATE_FILE_MODE, writeFileAtomic } from '../fs/atomic.js';
import { parseDuration } from '../util/duration.js';
import { UsageError } from '../util/errors.js';
import { NOTIFY_KINDS, toNotification } from './events.js';
import { getCwtBinPath } from '../harness/harness.js';
import { getHostId, isPidAlive } from '../sessions/liveness.js';
import { isLockStale, RESERVED_LOCK_PREFIX } from './locks.js';
import { readTextIfExists } from '../fs/paths.js';
import { isNotifyConfigured, resolveNotifyConfigPath } from './notifyconfig.js';
import type { EventRecord, SessionRecord, Store } from '../store/store.js';
import { MESSAGES } from '../../texts/messages.js';
import { escapeForSlack } from '../../texts/sanitize.js';

export { isNotifyConfigured, resolveNotifyConfigPath };

export const NOTIFY_SENDER_LOCK = `${RESERVED_LOCK_PREFIX}notify-sender`;
export const DEFAULT_THROTTLE_MS = 60_000;
/** Attempts per message, and the waits between them: bounded, so a dead endpoint costs seconds, not hours. */
export const RETRY_DELAYS_MS = [500, 1500];
const POST_TIMEOUT_MS = 5_000;
const SENDER_LOCK_TTL_MS = 60_000;
const BATCH = 100;
/** How long a spawned sender waits before starting Node (see triggerNotifier). */
const SENDER_START_DELAY_S = '0.3';

export interface NotifyConfig {
  url: string;
  throttleMs: number;
  path: string;
  /** True when the file is readable or writable by group or others. */
  exposed: boolean;
}

export function assertWebhookUrl(url: string): void {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) throw new UsageError(MESSAGES.notifyBadUrl, { hint: MESSAGES.notifyBadUrlHint });
}

/** The config, or undefined when there is none; a broken file is a usage error naming it (never its URL). */
export function readNotifyConfig(env: NodeJS.ProcessEnv = process.env): NotifyConfig | undefined {
  const path = resolveNotifyConfigPath(env);
  const text = readTextIfExists(path);
  if (text === undefined) return undefined;
  let value: { url?: unknown; throttle?: unknown };
  try {
    value = JSON.parse(text) as typeof value;
  } catch {
    throw new UsageError(MESSAGES.notifyConfigBroken(path), { hint: MESSAGES.notifyConfigBrokenHint });
  }
  if (typeof value?.url !== 'string') throw new UsageError(MESSAGES.notifyConfigBroken(path), { hint: MESSAGES.notifyConfigBrokenHint });
  assertWebhookUrl(value.url);
  const throttleMs = typeof value.throttle === 'string' ? parseDuration(value.throttle, 'throttle') : DEFAULT_THROTTLE_MS;
  return { url: value.url, throttleMs, path, exposed: (statSync(path).mode & 0o077) !== 0 };
}

/** Writes the config 0600 (its directory 0700 when cwt creates it). */
export function writeNotifyConfig(env: NodeJS.ProcessEnv, url: string, throttle: string | undefined): string {
  assertWebhookUrl(url);
  if (throttle !== undefined) parseDuration(throttle, '--throttle');
  const path = resolveNotifyConfigPath(env);
  if (!existsSync(dirname(path))) ensurePrivateDir(dirname(path));
  writeFileAtomic(path, `${JSON.stringify({ url, ...(throttle !== undefined ? { throttle } : {}) }, null, 2)}\n`, { mode: PRIVATE_FILE_MODE });
  return path;
}

/** True when a sender holds its lock and is alive. */
async function isSenderRunning(store: Store, env: NodeJS.ProcessEnv): Promise<boolean> {
  const lock = await store.getLock(NOTIFY_SENDER_LOCK);
  return lock !== undefined && !isLockStale(lock, { now: Date.now(), host: getHostId(env), ttlMs: lock.ttlMs, isPidAlive });
}

/** True when a notifiable event lies past the sender's cursor. Starts the cursor at the newest event if unset. */
export async function hasPendingNotifications(store: Store): Promise<boolean> {
  const cursor = await store.getNotifyCursor();
  if (cursor === null) {
    // A config written by hand: notifications start from here (cwt notify set starts the cursor itself).
    await store.setNotifyCursor(null, await store.getLatestEventId());
    return false;
  }
  return (await store.listEvents({ sinceId: cursor, kinds: NOTIFY_KINDS, limit: 1 })).length > 0;
}

/**
 * Called after a state change (a hook after answering, a command when done, an MCP call): when a webhook is
 * configured, something notifiable is pending and no sender runs, starts a detached sender and returns at
 * once. Never throws: notifications must not break what triggered them.
 */
export async function triggerNotifier(store: Store, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  try {
    if (!isNotifyConfigured(env)) return false;
    if (!(await hasPendingNotifications(store)) || (await isSenderRunning(store, env))) return false;
    // Loaded only now: child_process costs the hook path a few ms, and most calls spawn nothing.
    const { spawn } = await import('node:child_process');
    // Through `sh -c 'sleep …; exec "$0" "$@"'` (the paths are arguments, never part of the script): the
    // sender's Node starts only after this process, whose exit Claude Code waits for, is gone, instead of
    // competing with it for the CPU. A notification a moment later costs nobody anything.
    const child = spawn('sh', ['-c', `sleep ${SENDER_START_DELAY_S}; exec "$0" "$@"`, process.execPath, getCwtBinPath(), 'notify', 'send', '--quiet'], {
      detached: true,
      stdio: 'ignore',
      env,
    });
    child.on('error', () => {});
    child.unref();
    return true;
  } catch {
    return false;
  }
}

/** Opens the store only when a webhook is configured (a cwt command's epilogue). */
export async function triggerNotifierAfterCommand(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (!isNotifyConfigured(env)) return;
  const { openStore } = await import('../store/open.js');
  const store = await openStore(env);
  try {
    await triggerNotifier(store, env);
  } finally {
    await store.close();
  }
}

export type PostResult = { ok: true; status: number } | { ok: false; status: number | null; error: string; retryable: boolean };

/**
 * POSTs `{"text": …}`, the text escaped for Slack (branch and file names must not mention anyone); the
 * result names a status or an error code, never the URL.
 */
export async function postWebhook(url: string, text: string): Promise<PostResult> {
  const target = new URL(url);
  const { request } = target.protocol === 'https:' ? await import('node:https') : await import('node:http');
  const body = JSON.stringify({ text: escapeForSlack(text) });
  return new Promise((resolvePromise) => {
    const req = request(
      target,
      { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }, timeout: POST_TIMEOUT_MS },
      (res) => {
        res.resume();
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolvePromise({ ok: true, status });
          else resolvePromise({ ok: false, status, error: `HTTP ${status}`, retryable: status === 429 || status >= 500 });
        });
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', (error: NodeJS.ErrnoException) => resolvePromise({ ok: false, status: null, error: error.code ?? 'request failed', retryable: true }));
    req.end(body);
  });
}

export interface DrainOptions {
  config: NotifyConfig;
  post?: (url: string, text: string) => Promise<PostResult>;
  sleep?: (ms: number) => Promise<void>;
}

export interface DrainReport {
  sent: number;
  throttled: number;
  failed: number;
}

async function sendWithRetries(options: DrainOptions, text: string): Promise<PostResult> {
  const post = options.post ?? postWebhook;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolvePromise) => setTimeout(resolvePromise, ms)));
  let result = await post(options.config.url, text);
  for (const delay of RETRY_DELAYS_MS) {
    if (result.ok || !result.retryable) break;
    await sleep(delay);
    result = await post(options.config.url, text);
  }
  return result;
}

/** Sends what lies past the cursor, moving it after each event; stops when another sender moved it. */
async function drainOnce(store: Store, options: DrainOptions, report: DrainReport): Promise<void> {
  const sessions = new Map<string, SessionRecord | undefined>();
  const sessionOf = async (event: EventRecord) => {
    if (event.session === null) return undefined;
    if (!sessions.has(event.session)) sessions.set(event.session, await store.getSession(event.session));
    return sessions.get(event.session);
  };
  for (;;) {
    const cursor = await store.getNotifyCursor();
    if (cursor === null) return;
    const events = await store.listEvents({ sinceId: cursor, kinds: NOTIFY_KINDS, limit: BATCH });
    if (events.length === 0) return;
    let at = cursor;
    for (const event of events) {
      const notification = toNotification(event, await sessionOf(event));
      if (notification) {
        const decision = notification.throttleKey === null ? { send: true, suppressed: 0 } : await store.throttleNotification(notification.throttleKey, Date.now(), options.config.throttleMs);
        if (!decision.send) report.throttled++;
        else {
          const text = decision.suppressed > 0 ? `${notification.text} ${MESSAGES.notifySuppressed(decision.suppressed)}` : notification.text;
          const result = await sendWithRetries(options, text);
          if (result.ok) report.sent++;
          else {
            report.failed++;
            await store.appendEvent({ kind: 'notify.failed', session: event.session, data: { event: event.id, kind: event.kind, error: result.error } });
          }
        }
      }
      if (!(await store.setNotifyCursor(at, event.id))) return;
      at = event.id;
    }
  }
}

/**
 * The sender (`cwt notify send`): drains under the sender lock; after releasing it looks once more, so an
 * event that arrived while it was finishing is not left waiting for the next trigger.
 */
export async function drainNotifications(store: Store, env: NodeJS.ProcessEnv, options: DrainOptions): Promise<DrainReport | undefined> {
  const { acquireLock } = await import('./locks.js');
  const report: DrainReport = { sent: 0, throttled: 0, failed: 0 };
  let ran = false;
  for (;;) {
    let handle;
    try {
      handle = await acquireLock(store, { name: NOTIFY_SENDER_LOCK, ttlMs: SENDER_LOCK_TTL_MS, waitMs: 0, note: 'sending webhook notifications', env });
    } catch {
      // Another sender is at it.
      return ran ? report : undefined;
    }
    ran = true;
    try {
      await drainOnce(store, options, report);
    } finally {
      await handle.release();
    }
    if (!(await hasPendingNotifications(store))) return report;
  }
}
