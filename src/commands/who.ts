/**
 * `cwt who <path>`: which sessions claim a file, in this checkout and in the repository's other worktrees,
 * and who holds its write lock right now.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { getCheckoutRelativePath } from '../core/coordination/claims.js';
import { loadConfig } from '../core/config/load.js';
import { formatAgo } from '../core/util/duration.js';
import { resolveRepo, resolveRepoIdentity } from '../core/git/git.js';
import { createLivenessProbe } from '../core/sessions/liveness.js';
import { fileLockName } from '../core/coordination/locks.js';
import { toRealPath } from '../core/fs/paths.js';
import { getSessionState } from '../core/sessions/sessions.js';
import { openStore } from '../core/store/open.js';
import type { LockRecord, SessionRecord, Store } from '../core/store/store.js';
import { MESSAGES } from '../texts/messages.js';
import { createProcessOutput, printJson, type Output } from '../ui/output.js';
import { renderTable } from '../ui/table.js';

export interface WhoOptions {
  path: string;
  json?: boolean;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  output?: Output;
}

/** The nearest existing directory at or above `path`, for asking git about a file that may not exist. */
function nearestDirectory(path: string): string {
  let dir = path;
  while (!(existsSync(dir) && statSync(dir).isDirectory()) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

export interface WhoReport {
  path: string;
  relPath: string | null;
  repo: string;
  claims: WhoClaim[];
  writeLock: LockRecord | null;
}

export interface WhoClaim {
  session: string;
  branch: string | null;
  kind: SessionRecord['kind'] | null;
  state: string;
  checkout: string;
  sameCheckout: boolean;
  path: string;
  claudeSession: string | null;
  at: string;
  expired: boolean;
}

/** Who claims `path` (relative to `cwd`) in this checkout and the repository's other worktrees, and who writes it now. */
export async function getWhoReport(store: Store, path: string, options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<WhoReport & { now: number }> {
  const { env } = options;
  const absolute = toRealPath(resolve(options.cwd, path));
  const repo = await resolveRepo(nearestDirectory(absolute), env);
  const relPath = getCheckoutRelativePath(absolute, repo.topLevel);
  const config = loadConfig({ repoRoot: repo.mainWorktree, env });
  const probe = createLivenessProbe(config.sessionTtlMs, env);
  // Claims are keyed by the repository's identity (the same for its clones on other machines sharing the store).
  const claims = relPath === undefined ? [] : await store.listClaims({ repo: await resolveRepoIdentity(repo.commonDir), relPath });
  const rows: WhoClaim[] = [];
  for (const claim of claims) {
    const session = await store.getSession(claim.session);
    rows.push({
      session: claim.session,
      branch: session?.branch ?? null,
      kind: session?.kind ?? null,
      state: session ? getSessionState(session, probe) : 'gone',
      checkout: claim.checkout,
      sameCheckout: claim.checkout === repo.topLevel,
      path: claim.absPath,
      claudeSession: claim.claudeId,
      at: new Date(claim.at).toISOString(),
      expired: probe.now - claim.at >= config.claimTtlMs,
    });
  }
  const lock = (await store.getLock(fileLockName(absolute))) ?? null;
  return { path: absolute, relPath: relPath ?? null, repo: repo.commonDir, claims: rows, writeLock: lock, now: probe.now };
}

export async function showWho(options: WhoOptions): Promise<number> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const output = options.output ?? createProcessOutput();
  const store = await openStore(env);
  try {
    const { now, ...report } = await getWhoReport(store, options.path, { cwd, env });
    const { path, claims: rows, writeLock: lock } = report;
    if (options.json) {
      printJson(output, report);
      return 0;
    }
    if (rows.length === 0) output.stdout(MESSAGES.whoNobody(path));
    else {
      output.stdout(
        renderTable(
          ['SESSION', 'BRANCH', 'STATE', 'WHERE', 'EDITED', 'CHECKOUT'],
          rows.map((row) => [
            row.session,
            row.branch ?? '-',
            row.expired ? `${row.state}, expired` : row.state,
            row.sameCheckout ? 'this checkout' : 'other worktree',
            formatAgo(now - Date.parse(row.at)),
            row.checkout,
          ]),
        ),
      );
    }
    if (lock) output.stdout(MESSAGES.whoWriteLock(lock));
    return 0;
  } finally {
    await store.close();
  }
}
