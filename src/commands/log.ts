/**
 * `cwt log [-f] [--json] [--session <id|branch>] [--since 1h] [--limit N]`: the event log, one line per state
 * change (sessions, claims, denials, locks, memory merges, tasks, handoffs, …). -f follows it: woken by
 * PostgreSQL's NOTIFY on the shared store, by polling for events newer than the last one shown on SQLite.
 * --json prints one JSON object per line (JSON Lines), also with -f.
 */
import { parseDuration } from '../core/util/duration.js';
import { UsageError } from '../core/util/errors.js';
import { formatEventLine } from '../core/coordination/events.js';
import { matchSessionRef } from '../core/sessions/sessions.js';
import { openStore } from '../core/store/open.js';
import type { EventFilter, EventRecord, SessionRecord, Store } from '../core/store/store.js';
import { MESSAGES } from '../texts/messages.js';
import { createProcessOutput, type Output } from '../ui/output.js';
import { sanitizeForTerminal, stringifyJsonSafely } from '../texts/sanitize.js';

export interface LogOptions {
  follow?: boolean;
  json?: boolean;
  /** A session id, id prefix or branch. */
  session?: string;
  /** Only events younger than this duration (30m, 1h, 2d). */
  since?: string;
  /** How many of the newest events to show first (default 50; with --since, all of them). */
  limit?: string;
  /** How often -f looks for new events. */
  pollMs?: number;
  /** Stops -f (tests; SIGINT otherwise). */
  signal?: AbortSignal;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  output?: Output;
}

const DEFAULT_LIMIT = 50;
const DEFAULT_POLL_MS = 500;
/** With notifications (PostgreSQL), a look now and then all the same, should one be missed. */
const FALLBACK_POLL_MS = 5_000;

function parseLimit(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,9}$/.test(text) || Number(text) === 0) throw new UsageError(MESSAGES.badArguments('log', `--limit '${text}' is not a positive number`), { hint: 'cwt log --limit 200' });
  return Number(text);
}

function toJsonLine(event: EventRecord): string {
  return stringifyJsonSafely({ id: event.id, at: new Date(event.at).toISOString(), kind: event.kind, session: event.session, repo: event.repo, data: event.data });
}

export async function showLog(options: LogOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  const output = options.output ?? createProcessOutput();
  const sinceMs = options.since === undefined ? undefined : parseDuration(options.since, '--since');
  const limit = parseLimit(options.limit);
  const store = await openStore(env);
  try {
    const sessions = new Map<string, SessionRecord>();
    const refreshSessions = async (store: Store) => {
      for (const session of await store.listSessions({ includeEnded: true })) sessions.set(session.id, session);
    };
    await refreshSessions(store);
    let sessionId: string | undefined;
    if (options.session !== undefined) {
      const found = matchSessionRef([...sessions.values()], options.session);
      // A session whose record is gone (gc dropped it) still has its events: take the id as given.
      sessionId = found?.id ?? options.session;
    }
    const print = async (events: EventRecord[]) => {
      if (events.some((event) => event.session !== null && !sessions.has(event.session))) await refreshSessions(store);
      // One line per event, whatever its data holds (a title with a newline would forge a second event).
      for (const event of events) output.stdout(options.json ? toJsonLine(event) : sanitizeForTerminal(formatEventLine(event, event.session === null ? undefined : sessions.get(event.session))));
    };
    const filter: EventFilter = { session: sessionId };
    const first =
      sinceMs !== undefined
        ? await store.listEvents({ ...filter, sinceAt: Date.now() - sinceMs, ...(limit !== undefined ? { limit, newest: true } : {}) })
        : await store.listEvents({ ...filter, limit: limit ?? DEFAULT_LIMIT, newest: true });
    await print(first);
    if (!options.follow) {
      if (first.length === 0 && !options.json) output.stderr(MESSAGES.logNothing);
      return 0;
    }
    let lastId = first.at(-1)?.id ?? (await store.getLatestEventId());
    const controller = new AbortController();
    const stop = () => controller.abort();
    options.signal?.addEventListener('abort', stop);
    process.once('SIGINT', stop);
    try {
      while (!controller.signal.aborted) {
        // PostgreSQL wakes this at once through LISTEN/NOTIFY (the poll is only a fallback there); SQLite polls.
        await store.waitForEvents(lastId, options.pollMs ?? (store.kind === 'postgres' ? FALLBACK_POLL_MS : DEFAULT_POLL_MS), controller.signal);
        if (controller.signal.aborted) break;
        const events = await store.listEvents({ ...filter, sinceId: lastId, limit: 1000 });
        if (events.length > 0) {
          await print(events);
          lastId = events.at(-1)!.id;
        }
      }
    } finally {
      process.off('SIGINT', stop);
      options.signal?.removeEventListener('abort', stop);
    }
    return 0;
  } finally {
    await store.close();
  }
}
