/** Trusting a repository's own `.cwt.json` as `cwt trust` does, for tests whose config sets setup, agent, leases, … */
import { readFileSync } from 'node:fs';
import { getRepoConfigPath } from '../../src/core/config/config.js';
import { sha256 } from '../../src/core/coordination/sharedfile.js';
import { recordTrust } from '../../src/core/config/trust.js';

/** Records the repository file's current content as trusted (write the file first; a later change is untrusted). */
export function trustRepoConfig(repo: string, env: NodeJS.ProcessEnv): void {
  const path = getRepoConfigPath(repo);
  recordTrust(path, sha256(readFileSync(path)), env);
}
