/**
 * The event vocabulary: every state change cwt makes appends one event (in the same transaction as the
 * change). This module turns events into what people read: a line of `cwt log`, and the text of a webhook
 * notification for the few kinds worth interrupting someone for. Pure.
 */
import type { EventRecord, SessionRecord } from '../store/store.js';
import { MESSAGES } from '../../texts/messages.js';

/** Event kinds a webhook hears about: sessions starting and ending, conflicts and denials, takeovers. */
export const NOTIFY_KINDS = ['session.new', 'session.adopt', 'session.end', 'claim.deny', 'claim.takeover', 'lock.takeover', 'memory.merge'] as const;

type Data = Record<string, unknown>;
const text = (value: unknown): string => (typeof value === 'string' ? value : value === undefined || value === null ? '' : JSON.stringify(value));
const list = (value: unknown): string[] => (Array.isArray(value) ? value.map(text) : []);

/** What happened, in words, per kind; kinds not listed are shown by their data. */
const DESCRIBE: Record<string, (data: Data) => string> = {
  'session.new': (d) => MESSAGES.eventSessionNew(text(d.branch), text(d.worktree)),
  'session.adopt': (d) => MESSAGES.eventSessionAdopt(text(d.branch), text(d.worktree)),
  'session.attach': () => MESSAGES.eventSessionAttach,
  'session.agent-start': (d) => MESSAGES.eventAgentStart(text(d.command)),
  'session.agent-exit': (d) => MESSAGES.eventAgentExit(d.exitCode as number | null, d.signal as string | null),
  'session.end': (d) => MESSAGES.eventSessionEnd(d.removed === true, typeof d.reason === 'string' ? d.reason : undefined),
  'session.stale': () => MESSAGES.eventSessionStale,
  'session.drop': (d) => MESSAGES.eventSessionDrop(text(d.worktree)),
  'session.rollback': (d) => MESSAGES.eventSessionRollback(text(d.branch)),
  'session.working': () => MESSAGES.eventActivity('working'),
  'session.waiting': () => MESSAGES.eventActivity('waiting'),
  'session.idle': () => MESSAGES.eventActivity('idle'),
  'claude.link': (d) => MESSAGES.eventClaudeLink(text(d.claudeSession)),
  'claude.end': (d) => MESSAGES.eventClaudeEnd(text(d.claudeSession)),
  claim: (d) => MESSAGES.eventClaim(text(d.path)),
  'claim.takeover': (d) => MESSAGES.eventClaimTakeover(text(d.path), text((d.previous as Data | undefined)?.session)),
  'claim.deny': (d) => MESSAGES.eventClaimDeny(text(d.path), text(d.holder)),
  'claim.release': (d) => MESSAGES.eventClaimRelease(list(d.paths)),
  'lock.acquire': (d) => MESSAGES.eventLockAcquire(text(d.name), text(d.token)),
  'lock.takeover': (d) => MESSAGES.eventLockTakeover(text(d.name), text((d.previous as Data | undefined)?.holder)),
  'lock.release': (d) => MESSAGES.eventLockRelease(text(d.name)),
  'lock.force-release': (d) => MESSAGES.eventLockForceRelease(text(d.name), text((d.previous as Data | undefined)?.holder)),
  'memory.merge': (d) => MESSAGES.eventMemoryMerge(list(d.conflicts)),
  'memory.undo': () => MESSAGES.eventMemoryUndo,
  'kv.set': (d) => MESSAGES.eventKvSet(text(d.scope), text(d.key), text(d.version)),
  'kv.delete': (d) => MESSAGES.eventKvDelete(text(d.scope), text(d.key)),
  'kv.delete-scope': (d) => MESSAGES.eventKvDeleteScope(text(d.scope), text(d.keys)),
  'task.add': (d) => MESSAGES.eventTask('added', d),
  'task.claim': (d) => MESSAGES.eventTask('claimed', d),
  'task.requeue': (d) => MESSAGES.eventTask('put back to pending (its owner is gone)', d),
  'task.progress': (d) => MESSAGES.eventTaskProgress(d),
  'task.done': (d) => MESSAGES.eventTask('done', d),
  'task.release': (d) => MESSAGES.eventTask('released', d),
  'handoff.create': (d) => MESSAGES.eventHandoffCreate(text(d.id), text(d.summary), d.to as string | null),
  'handoff.accept': (d) => MESSAGES.eventHandoffAccept(text(d.id), text(d.by), text(d.from)),
  'notify.failed': (d) => MESSAGES.eventNotifyFailed(text(d.event), text(d.error)),
};

/** One event in words (without time or session). */
export function describeEvent(event: EventRecord): string {
  const describe = DESCRIBE[event.kind];
  if (describe) return describe(event.data);
  const pairs = Object.entries(event.data).map(([key, value]) => `${key}=${text(value)}`);
  return pairs.join(' ');
}

/** `YYYY-MM-DD HH:MM:SS` in local time. */
export function formatEventTime(at: number): string {
  const date = new Date(at);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** A `cwt log` line: time, session (and branch), kind, what happened. */
export function formatEventLine(event: EventRecord, session: SessionRecord | undefined): string {
  const who = event.session === null ? '-' : session?.branch ? `${event.session} ${session.branch}` : event.session;
  return `${formatEventTime(event.at)}  ${who.padEnd(22)}  ${event.kind.padEnd(16)}  ${describeEvent(event)}`;
}

export interface Notification {
  text: string;
  /** Notifications under one key are throttled together (one file, one lock); null: never throttled. */
  throttleKey: string | null;
}

/** The webhook message for an event, or undefined when this event is not worth one. */
export function toNotification(event: EventRecord, session: SessionRecord | undefined): Notification | undefined {
  if (!(NOTIFY_KINDS as readonly string[]).includes(event.kind)) return undefined;
  const data = event.data;
  if (event.kind === 'memory.merge' && list(data.conflicts).length === 0) return undefined;
  const who = session ? MESSAGES.notifyWho(session) : event.session === null ? MESSAGES.notifySomeone : MESSAGES.notifySessionId(event.session);
  const body = `${who}: ${describeEvent(event)}`;
  const throttleKey =
    event.kind.startsWith('claim.') ? `file:${text(data.path)}` : event.kind === 'lock.takeover' ? `lock:${text(data.name)}` : event.kind === 'memory.merge' ? `memory:${text(data.canonical)}` : null;
  return { text: MESSAGES.notifyText(body), throttleKey };
}
