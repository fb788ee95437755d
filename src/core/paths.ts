import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';

function home(env: NodeJS.ProcessEnv): string {
  return env.HOME && env.HOME !== '' ? env.HOME : homedir();
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

/** Session notes kept for the system prompt when the worktree's CLAUDE.local.md is tracked and left alone. */
export function getSessionNotesPath(stateDir: string): string {
  return join(stateDir, 'notes.md');
}

/** A directory name for `path`: readable (its last part, shortened) and unique (a hash of the whole path). */
function toStateName(label: string, path: string): string {
  const readable = label.replace(/[^A-Za-z0-9._-]/g, '-').slice(-80);
  return `${readable}-${createHash('sha256').update(path).digest('hex').slice(0, 12)}`;
}

/**
 * cwt's state for one canonical memory directory: its merge backups and journal, and the bases of the
 * directories `cwt memory rescue` merged into it.
 */
export function resolveMemoryStateDir(cwtHome: string, canonicalDir: string): string {
  return join(cwtHome, 'memory', toStateName(basename(dirname(canonicalDir)), canonicalDir));
}

/** Inside the memory state dir: where a rescued directory's base and merge state are kept. */
export function getRescuedStateDir(memoryStateDir: string, rescuedDir: string): string {
  return join(memoryStateDir, 'rescued', toStateName(basename(dirname(rescuedDir)), rescuedDir));
}
