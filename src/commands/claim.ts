/**
 * `cwt claim <path…>`: mark files as being edited by the current session, as the hooks do on an edit, so
 * other sessions' agents are stopped before they overwrite them. Held by another live session: exit 3
 * naming it, nothing claimed (--force takes them over).
 */
import { resolve } from 'node:path';
import { decideClaim, getCheckoutRelativePath, getRivalClaim, type ClaimPolicy } from '../core/coordination/claims.js';
import { loadConfig } from '../core/config/load.js';
import { LockBusyError, UsageError } from '../core/util/errors.js';
import { createLivenessProbe } from '../core/sessions/liveness.js';
import { toRealPath } from '../core/fs/paths.js';
import { findCurrentSession, getProcessClues, getRepoKey, getSessionState } from '../core/sessions/sessions.js';
import { openStore } from '../core/store/open.js';
import type { ClaimRecord, ClaimRequest, SessionRecord, Store } from '../core/store/store.js';
import { MESSAGES } from '../texts/messages.js';
import { createProcessOutput, printJson, type Output } from '../ui/output.js';

export interface ClaimOptions {
  paths: string[];
  force?: boolean;
  json?: boolean;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  output?: Output;
}

/** The session a claim/release command acts for; a usage error outside every session. */
export async function requireCurrentSession(store: Store, env: NodeJS.ProcessEnv, cwd: string): Promise<SessionRecord> {
  const session = await findCurrentSession(store, getProcessClues(env, cwd));
  if (!session) throw new UsageError(MESSAGES.noCurrentSession(cwd), { hint: MESSAGES.noCurrentSessionHint });
  return session;
}

/** Claim requests for the paths, relative to the session's checkout; a path outside it is a usage error. */
export function toClaimRequests(session: SessionRecord, paths: readonly string[], cwd: string, now: number): ClaimRequest[] {
  return paths.map((path) => {
    const absPath = toRealPath(resolve(cwd, path));
    const relPath = getCheckoutRelativePath(absPath, session.worktree);
    if (relPath === undefined) throw new UsageError(MESSAGES.claimOutsideCheckout(absPath, session), { hint: MESSAGES.claimOutsideCheckoutHint });
    return { checkout: session.worktree, relPath, repo: getRepoKey(session), absPath, session: session.id, claudeId: null, now };
  });
}

function createClaimBusyError(relPath: string, claim: ClaimRecord, holder: SessionRecord | undefined): LockBusyError {
  return new LockBusyError(MESSAGES.claimBusy(relPath, holder ? MESSAGES.hookWho(holder) : claim.session), { hint: MESSAGES.claimBusyHint(relPath) });
}

/**
 * Claims `paths` (relative to `cwd`) for `session`, all or nothing: a path another live session claims throws
 * LockBusyError naming it before anything is claimed, unless `force`. Returns the absolute paths claimed.
 */
export async function claimPaths(store: Store, session: SessionRecord, paths: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv; force?: boolean }): Promise<string[]> {
  const config = loadConfig({ repoRoot: session.mainWorktree, env: options.env });
  const now = Date.now();
  const requests = toClaimRequests(session, paths, options.cwd, now);
  const probe = createLivenessProbe(config.sessionTtlMs, options.env);
  const policy: ClaimPolicy = { mode: 'deny', claimTtlMs: config.claimTtlMs, now, isLive: (s) => getSessionState(s, probe) === 'live' };
  // Look before taking anything, so a busy path leaves every claim as it was.
  if (!options.force) {
    for (const request of requests) {
      const [existing] = await store.listClaims({ checkout: request.checkout, relPath: request.relPath });
      const holder = existing ? await store.getSession(existing.session) : undefined;
      const rival = getRivalClaim({ existing, holder, deniedAt: null }, session.id, policy);
      if (rival) throw createClaimBusyError(request.relPath, rival, holder);
    }
  }
  const claimed: string[] = [];
  for (const request of requests) {
    const outcome = await store.claimPath(request, (state) =>
      options.force && getRivalClaim(state, session.id, policy) ? { allow: true, takeover: true } : decideClaim(state, session.id, policy),
    );
    // Taken by another session between the look and now.
    if (!outcome.verdict.allow) throw createClaimBusyError(request.relPath, outcome.state.existing!, outcome.state.holder);
    claimed.push(request.absPath);
  }
  return claimed;
}

export async function claimFiles(options: ClaimOptions): Promise<number> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const output = options.output ?? createProcessOutput();
  const store = await openStore(env);
  try {
    const session = await requireCurrentSession(store, env, cwd);
    const claimed = await claimPaths(store, session, options.paths, { cwd, env, force: options.force });
    if (options.json) printJson(output, { session: session.id, claimed });
    else for (const path of claimed) output.stdout(MESSAGES.claimed(path, session));
    return 0;
  } finally {
    await store.close();
  }
}
