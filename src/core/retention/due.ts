/**
 * Whether this machine's daily retention pass is due, from a marker file's mtime alone: what every ordinary
 * command asks after its work, without loading the pass (retention/pass.ts and the config schema).
 */
import { closeSync, openSync, statSync, utimesSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../fs/atomic.js';
import { resolveCwtHome } from '../fs/paths.js';

export const RETENTION_PASS_INTERVAL_MS = 86_400_000;

export function getPassMarkerPath(env: NodeJS.ProcessEnv): string {
  return join(resolveCwtHome(env), 'retention-pass');
}

export function isMarkerDue(path: string, now: number): boolean {
  try {
    const at = statSync(path).mtimeMs;
    return now - at >= RETENTION_PASS_INTERVAL_MS || at > now;
  } catch {
    return true;
  }
}

/** True when runRetentionPassIfDue would do anything now. */
export function isRetentionPassDue(env: NodeJS.ProcessEnv = process.env, now = Date.now()): boolean {
  return isMarkerDue(getPassMarkerPath(env), now);
}

export function touchMarker(path: string, now: number): void {
  ensurePrivateDir(dirname(path));
  closeSync(openSync(path, 'a', PRIVATE_FILE_MODE));
  utimesSync(path, now / 1000, now / 1000);
}
