/**
 * The agent a session runs: finding it on PATH, what cwt can wire for it (AGENT_PROFILES), and its command
 * line. Claude Code gets the session's settings (memory directory, hooks) through `--settings`, which outranks
 * every settings file but managed policy; other agents get the session notes where they read instructions.
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

/**
 * What cwt can wire for an agent. Every agent gets the worktree, the registry, locks, leases (environment and
 * env file) and the git checks; the rest depends on what the agent reads.
 */
export interface AgentProfile {
  name: string;
  /** Claude Code: memory namespace as `autoMemoryDirectory` and cwt's hooks, through `--settings`. */
  claudeWiring: boolean;
  /** The file at the worktree root the agent reads instructions from, where cwt puts the session notes. */
  instructionsFile?: string;
  /**
   * A file the agent reads *instead of* instructionsFile when both exist (Codex: AGENTS.override.md). Used when
   * instructionsFile is tracked: it then carries the tracked file's text followed by the notes.
   */
  overrideFile?: string;
  /** A flag naming an extra file to read (aider `--read`): the notes stay in cwt's state dir. */
  readFlag?: string;
}

/** Agents cwt knows; any other command is treated as reading AGENTS.md, the cross-agent convention. */
export const AGENT_PROFILES: Readonly<Record<string, AgentProfile>> = {
  claude: { name: 'claude', claudeWiring: true, instructionsFile: 'CLAUDE.local.md' },
  // Codex reads one file per directory, AGENTS.override.md before AGENTS.md.
  codex: { name: 'codex', claudeWiring: false, instructionsFile: 'AGENTS.md', overrideFile: 'AGENTS.override.md' },
  // Gemini CLI concatenates every GEMINI.md from the workspace up; it has no override file.
  gemini: { name: 'gemini', claudeWiring: false, instructionsFile: 'GEMINI.md' },
  // aider reads no instructions file by itself; `--read <file>` adds one read-only.
  aider: { name: 'aider', claudeWiring: false, readFlag: '--read' },
};

export function getAgentProfile(agent: string): AgentProfile {
  const name = basename(agent);
  return AGENT_PROFILES[name] ?? { name, claudeWiring: false, instructionsFile: 'AGENTS.md' };
}

/** Whether a file at the worktree root is tracked by git, present but untracked, or absent. */
export type FileStatus = 'tracked' | 'untracked' | 'absent';

/** Where a session's notes go for an agent, never over a tracked or existing file. */
export type InstructionsPlan =
  /** Write the notes to `file` (excluded from git); with `prepend`, that file's text first. */
  | { kind: 'file'; file: string; prepend?: string }
  /** Claude Code with a tracked CLAUDE.local.md: `--append-system-prompt`. */
  | { kind: 'system-prompt' }
  /** The notes stay in cwt's state dir and the agent is pointed at them with a flag. */
  | { kind: 'read-flag'; flag: string }
  /** Nowhere the agent would read: `file` is taken and the agent offers no alternative. */
  | { kind: 'none'; blockedBy: string };

/** Decides where the notes go. Pure. */
export function planInstructions(profile: AgentProfile, status: (file: string) => FileStatus): InstructionsPlan {
  if (profile.readFlag !== undefined) return { kind: 'read-flag', flag: profile.readFlag };
  const file = profile.instructionsFile;
  if (file === undefined) return { kind: 'none', blockedBy: '' };
  if (profile.claudeWiring) return status(file) === 'tracked' ? { kind: 'system-prompt' } : { kind: 'file', file };
  if (status(file) === 'absent') return { kind: 'file', file };
  if (profile.overrideFile !== undefined && status(profile.overrideFile) === 'absent') return { kind: 'file', file: profile.overrideFile, prepend: file };
  return { kind: 'none', blockedBy: file };
}

export interface AgentCommandOptions {
  agent: string;
  settingsPath: string;
  /** Passed through after cwt's own arguments, so the user's flags come last and win where flags repeat. */
  agentArgs: readonly string[];
  /** Session notes to append to the system prompt when CLAUDE.local.md could not carry them. */
  appendSystemPrompt?: string;
  /** The session notes in cwt's state dir, for an agent that is pointed at them with a flag. */
  notesPath?: string;
  /** cwt's MCP server config (--mcp-config adds it to the servers the user configured). */
  mcpConfigPath?: string;
}

export function buildAgentArgs(options: AgentCommandOptions): string[] {
  const profile = getAgentProfile(options.agent);
  if (profile.readFlag !== undefined && options.notesPath !== undefined) return [profile.readFlag, options.notesPath, ...options.agentArgs];
  if (!profile.claudeWiring) return [...options.agentArgs];
  const args = ['--settings', options.settingsPath];
  if (options.mcpConfigPath !== undefined) args.push('--mcp-config', options.mcpConfigPath);
  if (options.appendSystemPrompt !== undefined) args.push('--append-system-prompt', options.appendSystemPrompt);
  return [...args, ...options.agentArgs];
}
