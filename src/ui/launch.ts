/**
 * Launching the agent for `cwt new` and `cwt attach`: start it supervised, then tell the person what comes
 * next, and on a terminal offer to end the session right away.
 */
import { constants } from 'node:os';
import { isClaudeAgent } from '../core/sessions/agent.js';
import { getHeartbeatIntervalMs } from '../core/util/duration.js';
import { getCwtBinPath, HOOK_SUPERVISOR_VARIABLE, HOOK_TOKEN_VARIABLE, writeSessionSettings } from '../core/harness/harness.js';
import { hasInstalledCommandDecider, readFastPathTarget, startFastPathService } from '../core/harness/fastpath.js';
import { toLeaseEnv } from '../core/coordination/leases.js';
import { buildAgentEnv, superviseAgent } from '../core/sessions/supervisor.js';
import type { SessionRecord, Store } from '../core/store/store.js';
import { MESSAGES } from '../texts/messages.js';
import type { Output } from './output.js';

export interface LaunchOptions {
  agentArgs: string[];
  env: NodeJS.ProcessEnv;
  output: Output;
  ttlMs: number;
  /** The session's `--settings` file: while the agent runs it points Claude Code's tool hooks at this process. */
  settingsPath?: string;
}

/**
 * For Claude Code: serve the tool hooks from this process over loopback http (no process per tool call),
 * with the settings file pointing there and the bearer token in the agent's environment.
 */
async function startHookFastPath(store: Store, session: SessionRecord, options: LaunchOptions): Promise<{ env: NodeJS.ProcessEnv; stop: () => Promise<void> }> {
  const env = buildAgentEnv(session, options.env, toLeaseEnv(await store.listLeases({ session: session.id })));
  const { settingsPath } = options;
  if (settingsPath === undefined || !isClaudeAgent(session.agent)) return { env, stop: async () => {} };
  // With the per-user fast path set up (cwt install), it serves this session too, with the very handlers of the
  // installed settings (Claude Code runs identical handlers once): no server of our own.
  const fastPath = readFastPathTarget(options.env);
  if (fastPath) {
    await startFastPathService(options.env, getCwtBinPath());
    // The agent's --mcp-config runs cwt's MCP server: the second decider is an mcp_tool call to it, not the guard
    // (no process per call), the handler a plain `cwt install` writes too. Unless an installed settings file gives
    // the session the guard anyway: then the very same guard, which Claude Code runs once.
    const mcp = !hasInstalledCommandDecider(options.env, session.mainWorktree);
    writeSessionSettings(settingsPath, { memoryDir: session.memoryDir, fastPath: { ...fastPath, mcp } });
    return { env, stop: async () => {} };
  }
  const { startHookServer } = await import('../hooks/server.js');
  const server = await startHookServer({ store, env: options.env, sessionId: session.id });
  writeSessionSettings(settingsPath, { memoryDir: session.memoryDir, httpUrl: server.url });
  return {
    env: { ...env, [HOOK_TOKEN_VARIABLE]: server.token, [HOOK_SUPERVISOR_VARIABLE]: String(process.pid) },
    stop: async () => {
      await server.close();
      // Without the server, a later `claude --settings <file>` gets the command hooks instead.
      writeSessionSettings(settingsPath, { memoryDir: session.memoryDir });
    },
  };
}

/** Runs the agent supervised; resolves to the agent's exit code (128 + signal number when it was killed). */
export async function launchAndSupervise(store: Store, session: SessionRecord, options: LaunchOptions): Promise<number> {
  options.output.stderr(MESSAGES.launching(session.agent, session.worktree));
  const fastPath = await startHookFastPath(store, session, options);
  let result;
  try {
    result = await superviseAgent(store, session, {
      command: session.agent,
      args: options.agentArgs,
      env: fastPath.env,
      // Several heartbeats per TTL, so one delayed beat never makes a live session look stale.
      heartbeatMs: getHeartbeatIntervalMs(options.ttlMs, 4, 1000),
    });
  } finally {
    await fastPath.stop();
  }
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
