/**
 * The supervisor: runs the agent in the session's worktree with inherited stdio, heartbeats the session
 * while it runs, and records its exit. Ctrl-C belongs to the agent (it shares the terminal's process group),
 * so the supervisor ignores SIGINT while the agent runs and forwards SIGTERM/SIGHUP to it.
 */
import { debug } from '../util/debug.js';
import type { SessionRecord, Store } from '../store/store.js';

export interface SuperviseOptions {
  command: string;
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  heartbeatMs: number;
}

export interface SuperviseResult {
  exitCode: number | null;
  signal: string | null;
}

/** Builds the environment the agent sees: the caller's, the session's leased values, the session's identity. */
export function buildAgentEnv(session: SessionRecord, base: NodeJS.ProcessEnv, leases: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  return { ...base, ...leases, CWT_SESSION: session.id, CWT_WORKTREE: session.worktree, CWT_BRANCH: session.branch };
}

export async function superviseAgent(store: Store, session: SessionRecord, options: SuperviseOptions): Promise<SuperviseResult> {
  const { execa } = await import('execa');
  await store.updateSession(
    session.id,
    // A run killed before it could record its exit (or a crash with no SessionEnd) may have left an activity behind.
    { pid: process.pid, heartbeatAt: Date.now(), state: 'live', agentExit: null, activity: null, activityAt: null },
    { kind: 'session.agent-start', session: session.id, repo: session.repo, data: { command: options.command, pid: process.pid } },
  );
  const child = execa(options.command, options.args, {
    cwd: session.worktree,
    env: options.env,
    extendEnv: false,
    stdio: 'inherit',
    reject: false,
  });
  const ignoreInterrupt = () => debug('supervisor', 'SIGINT left to the agent');
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  const onTerm = forward('SIGTERM');
  const onHup = forward('SIGHUP');
  process.on('SIGINT', ignoreInterrupt);
  process.on('SIGTERM', onTerm);
  process.on('SIGHUP', onHup);
  const timer = setInterval(() => {
    store.updateSession(session.id, { heartbeatAt: Date.now() }).catch((error: unknown) => debug('supervisor', `heartbeat failed: ${String(error)}`));
  }, options.heartbeatMs);
  try {
    const result = await child;
    const exitCode = result.exitCode ?? null;
    const signal = result.signal ?? null;
    await store.updateSession(
      session.id,
      // The agent is gone: what its hooks last said no longer holds (a crashed Claude Code sends no SessionEnd).
      { pid: null, heartbeatAt: Date.now(), agentExit: exitCode, activity: null, activityAt: null },
      { kind: 'session.agent-exit', session: session.id, repo: session.repo, data: { exitCode, signal, failed: result.failed } },
    );
    return { exitCode, signal };
  } finally {
    clearInterval(timer);
    process.off('SIGINT', ignoreInterrupt);
    process.off('SIGTERM', onTerm);
    process.off('SIGHUP', onHup);
  }
}
