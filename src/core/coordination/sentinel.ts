/**
 * `ACTIVE-SESSION.md`-style sentinel files: the hand-kept convention cwt stays compatible with. YAML front
 * matter (session_id, started_at, command, user_action, pid) and a line saying when the file is safe to
 * delete. A sentinel somebody wrote without cwt is honoured: younger than 15 minutes means busy. A file that
 * is not a sentinel (no such front matter) is never one: cwt would overwrite it and then delete it.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

export const SENTINEL_FRESH_MS = 15 * 60_000;

export interface SentinelInfo {
  sessionId: string | null;
  startedAt: number | null;
  command: string | null;
  userAction: string | null;
  pid: number | null;
}

export type SentinelState =
  | { state: 'absent' }
  | { state: 'busy'; info: SentinelInfo; ageMs: number }
  | { state: 'stale'; info: SentinelInfo; ageMs: number; reason: 'old' | 'dead-pid' }
  /** Not a sentinel: a directory, a path in no directory, or a file without a sentinel's front matter. */
  | { state: 'directory' | 'no-directory' | 'foreign' };

/** The keys that make front matter a sentinel's: who, since when, which process. */
const IDENTIFYING_KEYS = ['session_id', 'started_at', 'pid'];

/** The front matter's `key: value` lines (values may be JSON-quoted); undefined when the text has none. Pure. */
function readFrontMatter(text: string): Record<string, string> | undefined {
  const match = /^---\r?\n([\s\S]*?)\r?\n---/.exec(text);
  if (!match) return undefined;
  const values: Record<string, string> = {};
  for (const line of match[1]!.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    let value = line.slice(colon + 1).trim();
    if (value.startsWith('"')) {
      try {
        value = JSON.parse(value) as string;
      } catch {
        // keep it as written
      }
    }
    values[line.slice(0, colon).trim()] = value;
  }
  return values;
}

/** True when the text is a sentinel: front matter naming a session_id, started_at or pid. Pure. */
export function isSentinelText(text: string): boolean {
  const values = readFrontMatter(text);
  return values !== undefined && IDENTIFYING_KEYS.some((key) => Object.hasOwn(values, key));
}

/** What a sentinel's front matter says; fields it lacks are null. Pure. */
export function parseSentinel(text: string): SentinelInfo {
  const values = readFrontMatter(text) ?? {};
  const started = values.started_at ? Date.parse(values.started_at) : NaN;
  const pid = values.pid ? Number(values.pid) : NaN;
  return {
    sessionId: values.session_id || null,
    startedAt: Number.isNaN(started) ? null : started,
    command: values.command || null,
    userAction: values.user_action || null,
    pid: Number.isInteger(pid) && pid > 0 ? pid : null,
  };
}

export function renderSentinel(info: SentinelInfo & { lockName: string }): string {
  const quote = (value: string | null) => JSON.stringify(value ?? '');
  return [
    '---',
    `session_id: ${quote(info.sessionId)}`,
    `started_at: ${new Date(info.startedAt ?? Date.now()).toISOString()}`,
    `command: ${quote(info.command)}`,
    `user_action: ${quote(info.userAction)}`,
    `pid: ${info.pid ?? ''}`,
    '---',
    '',
    `Written by \`cwt lock ${info.lockName}\` while the command above runs; removed when it succeeds, kept when it fails.`,
    `Safe to delete once pid ${info.pid} has exited (check: \`kill -0 ${info.pid}\`), or when it is older than 15 minutes.`,
    '',
  ].join('\n');
}

/** True when `path` is a directory (following links); false when absent or anything else. */
function isDirectory(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() === true;
}

/**
 * Whether a sentinel blocks: busy while younger than 15 minutes (by started_at, else the file's mtime) and
 * its pid, when it names one on this machine, is alive. A path that cannot be a sentinel says why.
 */
export function inspectSentinel(path: string, now: number, isPidAlive: (pid: number) => boolean): SentinelState {
  const stats = statSync(path, { throwIfNoEntry: false });
  if (stats === undefined) return isDirectory(dirname(path)) ? { state: 'absent' } : { state: 'no-directory' };
  if (stats.isDirectory()) return { state: 'directory' };
  // A fifo or a device is nobody's sentinel, and reading one could block.
  if (!stats.isFile()) return { state: 'foreign' };
  const text = readFileSync(path, 'utf8');
  if (!isSentinelText(text)) return { state: 'foreign' };
  const mtime = stats.mtimeMs;
  const info = parseSentinel(text);
  const ageMs = now - (info.startedAt ?? mtime);
  if (ageMs >= SENTINEL_FRESH_MS) return { state: 'stale', info, ageMs, reason: 'old' };
  if (info.pid !== null && !isPidAlive(info.pid)) return { state: 'stale', info, ageMs, reason: 'dead-pid' };
  return { state: 'busy', info, ageMs };
}
