/**
 * `cwt trust [--revoke] [--json]`: lets this repository's own `.cwt.json` set the keys that run code or weaken
 * a guard (setup, agent, worktreeDir, protectedPaths, leases), for exactly its current content. It shows what
 * it trusts (the file, its sha256, those keys with their values) from the same read it records, so what the
 * user saw is what is trusted. --revoke takes the trust back.
 */
import { getRepoConfigPath, readRepoConfig, TRUST_REQUIRED_KEYS } from '../core/config/load.js';
import { UsageError } from '../core/util/errors.js';
import { resolveRepo } from '../core/git/git.js';
import { recordTrust, revokeTrust } from '../core/config/trust.js';
import { MESSAGES } from '../texts/messages.js';
import { createProcessOutput, printJson, type Output } from '../ui/output.js';

export interface TrustOptions {
  revoke?: boolean;
  json?: boolean;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  output?: Output;
}

/** Runs `cwt trust`; resolves to the exit code. */
export async function trustRepoConfig(options: TrustOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  const output = options.output ?? createProcessOutput();
  const repo = await resolveRepo(options.cwd ?? process.cwd(), env);
  // An invalid file is refused here as everywhere (exit 2, naming the key): nothing unreadable is trusted.
  const config = readRepoConfig(repo.mainWorktree, env);
  if (config === undefined) {
    throw new UsageError(MESSAGES.trustNoRepoFile(getRepoConfigPath(repo.mainWorktree)), { hint: MESSAGES.trustNoRepoFileHint(TRUST_REQUIRED_KEYS) });
  }
  if (options.revoke) {
    const revoked = revokeTrust(config.path, env);
    if (options.json) printJson(output, { path: config.path, sha256: config.sha256, trusted: false, revoked });
    else output.stdout(revoked ? MESSAGES.trustRevoked(config.path, TRUST_REQUIRED_KEYS) : MESSAGES.trustNothingToRevoke(config.path));
    return 0;
  }
  recordTrust(config.path, config.sha256, env);
  if (options.json) printJson(output, { path: config.path, sha256: config.sha256, trusted: true, keys: config.trustRequired });
  else output.stdout(MESSAGES.trustRecorded(config.path, config.sha256, config.trustRequired));
  return 0;
}
