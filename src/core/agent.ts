/**
 * The agent a session runs: finding it on PATH and building its command line. Claude Code gets the session's
 * settings (memory directory) through `--settings`, which outranks every settings file but managed policy.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { basename, delimiter, isAbsolute, join, resolve } from 'node:path';

/** The absolute path `command` runs as, searching PATH for a bare name; undefined when not executable. */
export function findExecutable(command: string, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string | undefined {
  const candidates = command.includes('/')
    ? [isAbsolute(command) ? command : resolve(cwd, command)]
    : (env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, command));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** True when the agent is Claude Code, which cwt wires with --settings (memory dir, hooks). */
export function isClaudeAgent(agent: string): boolean {
  return basename(agent) === 'claude';
}

export interface AgentCommandOptions {
  agent: string;
  settingsPath: string;
  /** Passed through after cwt's own arguments, so the user's flags come last and win where flags repeat. */
  agentArgs: readonly string[];
  /** Session notes to append to the system prompt when CLAUDE.local.md could not carry them. */
  appendSystemPrompt?: string;
  /** cwt's MCP server config (--mcp-config adds it to the servers the user configured). */
  mcpConfigPath?: string;
}

export function buildAgentArgs(options: AgentCommandOptions): string[] {
  if (!isClaudeAgent(options.agent)) return [...options.agentArgs];
  const args = ['--settings', options.settingsPath];
  if (options.mcpConfigPath !== undefined) args.push('--mcp-config', options.mcpConfigPath);
  if (options.appendSystemPrompt !== undefined) args.push('--append-system-prompt', options.appendSystemPrompt);
  return [...args, ...options.agentArgs];
}
