import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';

/** $HOME, else the account's (node:os loads only then: ~0.2 ms of every start otherwise). */
function home(env: NodeJS.ProcessEnv): string {
  return env.HOME && env.HOME !== '' ? env.HOME : process.getBuiltinModule('node:os').homedir();
}

function expandHome(path: string, env: NodeJS.ProcessEnv): string {
  if (path === '~') return home(env);
  if (path.startsWith('~/')) return join(home(env), path.slice(2));
  return isAbsolute(path) ? path : resolve(path);
}

/** cwt's state directory: $CWT_HOME, else $XDG_STATE_HOME/cwt, else ~/.local/state/cwt. */
export function resolveCwtHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CWT_HOME) return expandHome(env.CWT_HOME, env);
  if (env.XDG_STATE_HOME) return join(expandHome(env.XDG_STATE_HOME, env), 'cwt');
  return join(home(env), '.local', 'state', 'cwt');
}

/** Claude Code's home: $CWT_CLAUDE_HOME, else ~/.claude. */
export function resolveClaudeHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CWT_CLAUDE_HOME) return expandHome(env.CWT_CLAUDE_HOME, env);
  return join(home(env), '.claude');
}

/** cwt's user config file: $XDG_CONFIG_HOME/cwt/config.json, else ~/.config/cwt/config.json. */
export function resolveUserConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME ? expandHome(env.XDG_CONFIG_HOME, env) : join(home(env), '.config');
  return join(base, 'cwt', 'config.json');
}

/** Per-session state kept by cwt: the memory merge base, the settings file passed to the agent. */
export function resolveSessionStateDir(cwtHome: string, sessionId: string): string {
  return join(cwtHome, 'sessions', sessionId);
}

/** The settings file passed to Claude Code with --settings for one session. */
export function getSessionSettingsPath(stateDir: string): string {
  return join(stateDir, 'settings.json');
}

/** The MCP server config passed to Claude Code with --mcp-config for one session (cwt's own MCP server). */
export function getSessionMcpConfigPath(stateDir: string): string {
  return join(stateDir, 'mcp.json');
}

/** The agent command `cwt new` launched, as recorded on this machine: what `cwt attach` may launch again. */
export function getSessionAgentPath(stateDir: string): string {
  return join(stateDir, 'agent');
}

/** Session notes kept for the system prompt when the worktree's CLAUDE.local.md is tracked and left alone. */
export function getSessionNotesPath(stateDir: string): string {
  return join(stateDir, 'notes.md');
}

/** The real path of `path`, or of its nearest existing ancestor joined with the rest, for files not yet there. */
export function toRealPath(path: string): string {
  // existsSync first: a path that is not there yet (an agent's new file, its new directories) costs a stat
  // per missing level instead of a realpath walk and a thrown error each (~0.1 ms a level on a cold start).
  if (existsSync(path)) {
    try {
      return realpathSync(path);
    } catch {
      // Unreadable on the way: as a missing path.
    }
  }
  const parent = dirname(path);
  return parent === path ? path : join(toRealPath(parent), basename(path));
}

/** True when `path` is a directory with nothing in it (false when it is missing or not a directory). */
export function isEmptyDir(path: string): boolean {
  try {
    return readdirSync(path).length === 0;
  } catch {
    return false;
  }
}

/** A text file's contents, or undefined when it does not exist; other errors are thrown. */
export function readTextIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
