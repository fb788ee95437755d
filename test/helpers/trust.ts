/** Trusting a repository's own `.cwt.json` as `cwt trust` does, for tests whose config sets setup, agent, leases, … */
import { readFileSync } from 'node:fs';
import { getRepoConfigPath } from '../../src/core/configbase.js';
import { sha256 } from '../../src/core/sharedfile.js';
import { recordTrust } from '../../src/core/trust.js';

/** Records the repository file's current content as trusted (write the file first; a later change is untrusted). */
export function trustRepoConfig(repo: string, env: NodeJS.ProcessEnv): void {
  const path = getRepoConfigPath(repo);
  recordTrust(path, sha256(readFileSync(path)), env);
}
