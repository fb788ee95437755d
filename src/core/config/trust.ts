/**
 * Trust in a repository's own config file (`.cwt.json`), as direnv's `allow` and mise's `trust`: the keys
 * that run code or weaken a guard (TRUST_REQUIRED_KEYS) apply from it only once the user ran `cwt trust` on
 * exactly its current content. One record per repository file in cwt's state dir (`trust/`, 0700; records
 * 0600, never in a shared store: trust is this user's, on this machine), holding the sha256 of the content
 * trusted. Any other content is untrusted, so a pull or a branch switch that changes the file revokes the
 * trust by itself. node:* and small core modules only: the hook path reads this when a repository file
 * exists.
 */
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ensurePrivateDir, PRIVATE_FILE_MODE, writeFileAtomic } from '../fs/atomic.js';
import { readTextIfExists, resolveCwtHome, toRealPath } from '../fs/paths.js';
import { sha256 } from '../coordination/sharedfile.js';

export interface TrustRecord {
  version: 1;
  /** The repository file, by real path. */
  path: string;
  /** Of the content trusted. */
  sha256: string;
  trustedAt: number;
}

/** trusted: this exact content; changed: other content was trusted; untrusted: never trusted (or revoked). */
export type TrustState = 'trusted' | 'changed' | 'untrusted';

/** The record of one repository file: named by a hash of its real path, so a moved checkout starts untrusted. */
function getTrustRecordPath(configPath: string, env: NodeJS.ProcessEnv): string {
  return join(resolveCwtHome(env), 'trust', `${sha256(toRealPath(configPath)).slice(0, 32)}.json`);
}

/** The trust recorded for a repository file, if any (an unreadable record counts as none). */
export function readTrustRecord(configPath: string, env: NodeJS.ProcessEnv): TrustRecord | undefined {
  const text = readTextIfExists(getTrustRecordPath(configPath, env));
  if (text === undefined) return undefined;
  try {
    const record = JSON.parse(text) as Partial<TrustRecord>;
    return typeof record.sha256 === 'string' && typeof record.path === 'string' ? (record as TrustRecord) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the content with this sha256 is the one the user trusted. */
export function getTrustState(configPath: string, contentSha: string, env: NodeJS.ProcessEnv): TrustState {
  const record = readTrustRecord(configPath, env);
  if (record === undefined) return 'untrusted';
  return record.sha256 === contentSha ? 'trusted' : 'changed';
}

/** Trusts the content with this sha256 (the one the caller read and showed), replacing any earlier trust. */
export function recordTrust(configPath: string, contentSha: string, env: NodeJS.ProcessEnv, now = Date.now()): TrustRecord {
  const path = getTrustRecordPath(configPath, env);
  ensurePrivateDir(dirname(path));
  const record: TrustRecord = { version: 1, path: toRealPath(configPath), sha256: contentSha, trustedAt: now };
  writeFileAtomic(path, `${JSON.stringify(record, null, 2)}\n`, { mode: PRIVATE_FILE_MODE });
  return record;
}

/** Removes the trust of a repository file; returns whether there was one. */
export function revokeTrust(configPath: string, env: NodeJS.ProcessEnv): boolean {
  const path = getTrustRecordPath(configPath, env);
  const existed = readTextIfExists(path) !== undefined;
  rmSync(path, { force: true });
  return existed;
}
