import { UsageError } from './errors.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses "500ms", "30s", "2m", "1h", "1d" or a bare number of seconds into milliseconds. */
export function parseDuration(text: string, what = 'duration'): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!match) {
    throw new UsageError(`invalid ${what} '${text}'`, { hint: 'use a number with a unit: 500ms, 30s, 2m, 1h, 1d' });
  }
  return Math.round(Number(match[1]) * UNITS[match[2] ?? 's']!);
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
