import { UsageError } from './errors.js';
import { MESSAGES } from '../../texts/messages.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses "500ms", "30s", "2m", "1h", "1d" or a bare number of seconds into milliseconds. */
export function parseDuration(text: string, what = 'duration'): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!match) {
    throw new UsageError(`invalid ${what} '${text}'`, { hint: 'use a number with a unit: 500ms, 30s, 2m, 1h, 1d' });
  }
  return Math.round(Number(match[1]) * UNITS[match[2] ?? 's']!);
}

/**
 * The longest TTL cwt accepts (sessions, claims, locks, task claims): a week. A TTL is how long a hung holder
 * keeps others out, and heartbeats keep a long job alive, so nothing needs more; and a third of it stays far
 * inside Node's timer limit.
 */
export const MAX_TTL_MS = 7 * 86_400_000;

/** Node's timers hold at most 2^31-1 ms (~24.8 days): a longer delay is replaced by 1 ms, every time. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Parses a TTL as parseDuration does and refuses one longer than MAX_TTL_MS (a usage error naming the cap). */
export function parseTtl(text: string, what: string): number {
  const ms = parseDuration(text, what);
  if (ms > MAX_TTL_MS) throw new UsageError(MESSAGES.ttlTooLong(what, text, formatAge(MAX_TTL_MS)), { hint: MESSAGES.ttlTooLongHint });
  return ms;
}

/**
 * How often to heartbeat a hold with this TTL: `beatsPerTtl` times per TTL, at least `floorMs` apart, and never
 * past the timer limit (past it Node would fire every millisecond: thousands of store commits a second). Pure.
 */
export function getHeartbeatIntervalMs(ttlMs: number, beatsPerTtl: number, floorMs: number): number {
  return Math.min(MAX_TIMER_MS, Math.max(floorMs, Math.floor(ttlMs / beatsPerTtl)));
}

/** A short human age: "now", "42s", "5m", "3h", "2d". */
export function formatAge(ms: number): string {
  if (ms < 1000) return 'now';
  if (ms < 60_000) return `${Math.floor(ms / 1000)}s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)}m`;
  if (ms < 86_400_000) return `${Math.floor(ms / 3_600_000)}h`;
  return `${Math.floor(ms / 86_400_000)}d`;
}

/** "now" or "5m ago". */
export function formatAgo(ms: number): string {
  const age = formatAge(ms);
  return age === 'now' ? age : `${age} ago`;
}
