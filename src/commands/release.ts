/** `cwt release [<path…>]`: drop the current session's claims: the ones named, or all of them. */
import { openStore } from '../core/store/open.js';
import type { ClaimRecord, SessionRecord, Store } from '../core/store/store.js';
import { MESSAGES } from '../texts/messages.js';
import { createProcessOutput, printJson, type Output } from '../ui/output.js';
import { requireCurrentSession, toClaimRequests } from './claim.js';

export interface ReleaseOptions {
  paths: string[];
  json?: boolean;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  output?: Output;
}

/** Releases the session's claims on `paths` (relative to `cwd`), or all of them when `paths` is empty. */
export async function releasePaths(store: Store, session: SessionRecord, paths: readonly string[], cwd: string): Promise<ClaimRecord[]> {
  const absPaths = paths.length > 0 ? toClaimRequests(session, paths, cwd, Date.now()).map((request) => request.absPath) : undefined;
  return store.releaseClaims(session.id, { absPaths });
}

export async function releaseFiles(options: ReleaseOptions): Promise<number> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const output = options.output ?? createProcessOutput();
  const store = await openStore(env);
  try {
    const session = await requireCurrentSession(store, env, cwd);
    const released = await releasePaths(store, session, options.paths, cwd);
    if (options.json) printJson(output, { session: session.id, released: released.map((claim) => claim.absPath) });
    else if (released.length === 0) output.stdout(MESSAGES.nothingReleased(session));
    else for (const claim of released) output.stdout(MESSAGES.releasedClaim(claim.absPath));
    return 0;
  } finally {
    await store.close();
  }
}
