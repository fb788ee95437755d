/** Running real `git commit` (and the cwt hooks it runs) in test repositories, and reading what cwt recorded. */
import { spawnSync } from 'node:child_process';
import { openStore } from '../../src/core/store/open.js';
import type { EventRecord } from '../../src/core/store/store.js';

export interface GitRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs git without throwing: a hook that blocks a commit is an answer the test looks at. */
export function runGit(cwd: string, args: string[], env: NodeJS.ProcessEnv): GitRun {
  const result = spawnSync('git', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  if (result.error) throw result.error;
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * The events of kind `kind` in the sandbox's store, read as every cwt process reads it: through openStore,
 * which first replays the commits the post-commit shim journaled.
 */
export async function readEvents(cwtHome: string, kind: string): Promise<EventRecord[]> {
  const store = await openStore({ CWT_HOME: cwtHome });
  try {
    return (await store.listEvents()).filter((event) => event.kind === kind);
  } finally {
    await store.close();
  }
}
