/** Running real `git commit` (and the cwt hooks it runs) in test repositories, and reading what cwt recorded. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isFastPathPidAlive } from '../../src/core/harness/fastpath.js';
import { expect } from 'vitest';
import { openStore } from '../../src/core/store/open.js';
import type { EventRecord, SessionRecord } from '../../src/core/store/store.js';
import { CWT_BIN } from './cli.js';
import type { Scenario } from './scenario.js';
import { sleepSync } from './wait.js';

export interface GitRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * CWT_TEST_GIT_SERVICE=1 (the vitest project "commit checks through the service"): every git command of these
 * tests runs with the per-user service up, so the pre-commit shim asks it instead of starting Node.
 */
export const GIT_SERVICE_MODE = process.env.CWT_TEST_GIT_SERVICE === '1';

/**
 * Starts `cwt serve` for the sandbox's state dir, as `cwt install` would (a port recorded in fastpath.json,
 * the service detached), unless one runs; returns once its pid file names it. The sandbox's cleanup stops it.
 */
export function ensureGitService(env: NodeJS.ProcessEnv): number {
  const cwtHome = env.CWT_HOME!;
  const pidFile = join(cwtHome, 'fastpath.pid');
  const running = () => (existsSync(pidFile) && isFastPathPidAlive(readFileSync(pidFile, 'utf8')) ? Number(readFileSync(pidFile, 'utf8').split(' ')[0]) : undefined);
  const pid = running();
  if (pid !== undefined) return pid;
  const config = join(cwtHome, 'fastpath.json');
  if (!existsSync(config)) {
    const port = spawnSync(process.execPath, ['-e', "const s=require('node:net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"], { encoding: 'utf8' }).stdout.trim();
    spawnSync('mkdir', ['-p', '-m', '700', cwtHome]);
    writeFileSync(config, `${JSON.stringify({ port: Number(port), guard: true })}\n`, { mode: 0o600 });
  }
  spawn(process.execPath, [CWT_BIN, 'serve'], { env, detached: true, stdio: 'ignore' }).unref();
  for (let waited = 0; waited < 15_000; waited += 20) {
    const started = running();
    if (started !== undefined) return started;
    sleepSync(20);
  }
  throw new Error(`cwt serve did not start for ${cwtHome}`);
}

/** Runs git without throwing: a hook that blocks a commit is an answer the test looks at. */
export function runGit(cwd: string, args: string[], env: NodeJS.ProcessEnv): GitRun {
  if (GIT_SERVICE_MODE && env.CWT_HOME) ensureGitService(env);
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

/**
 * `cwt new <branch> --no-launch` in the scenario's repository, which must succeed: the worktree it printed and
 * the session's row, read from the scenario's store (SQLite, or CWT_STORE). With `linkClaudeId`, a Claude
 * session id is linked to it, as the hooks do.
 */
export async function createTestSession(s: Scenario, branch: string, options: { linkClaudeId?: string } = {}): Promise<{ worktree: string; session: SessionRecord }> {
  const created = await s.cwt(['new', branch, '--no-launch']);
  expect(created.code, created.stderr).toBe(0);
  const worktree = created.stdout.trim();
  const store = await openStore(s.env);
  try {
    const session = (await store.listSessions()).find((row) => row.worktree === worktree)!;
    expect(session).toBeDefined();
    if (options.linkClaudeId !== undefined) await store.linkClaudeSession(options.linkClaudeId, session.id, Date.now());
    return { worktree, session };
  } finally {
    await store.close();
  }
}
