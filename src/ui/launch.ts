/**
 * Launching the agent for `cwt new` and `cwt attach`: start it supervised, then tell the person what comes
 * next, and on a terminal offer to end the session right away.
 */
import { constants } from 'node:os';
import { buildAgentEnv, superviseAgent } from '../core/supervisor.js';
import type { SessionRecord, Store } from '../core/store/store.js';
import { MESSAGES } from './messages.js';
import type { Output } from './output.js';

export interface LaunchOptions {
  agentArgs: string[];
  env: NodeJS.ProcessEnv;
  output: Output;
  ttlMs: number;
}

/** Runs the agent supervised; resolves to the agent's exit code (128 + signal number when it was killed). */
export async function launchAndSupervise(store: Store, session: SessionRecord, options: LaunchOptions): Promise<number> {
  options.output.stderr(MESSAGES.launching(session.agent, session.worktree));
  const result = await superviseAgent(store, session, {
    command: session.agent,
    args: options.agentArgs,
    env: buildAgentEnv(session, options.env),
    // Several heartbeats per TTL, so one delayed beat never makes a live session look stale.
    heartbeatMs: Math.max(1000, Math.floor(options.ttlMs / 4)),
  });
  options.output.stderr(MESSAGES.agentExited(session, result.exitCode));
  const exitCode =
    result.exitCode ?? (result.signal ? 128 + (constants.signals[result.signal as NodeJS.Signals] ?? 0) : 1);
  if (options.output.interactive) {
    const { confirm } = await import('@inquirer/prompts');
    if (await confirm({ message: MESSAGES.askEndNow, default: false })) {
      const { endSession } = await import('../commands/end.js');
      await endSession({ ref: session.id, env: options.env, output: options.output, store });
      return exitCode;
    }
  }
  options.output.stderr(MESSAGES.nextStepAfterAgent(session));
  return exitCode;
}
