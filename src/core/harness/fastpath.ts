/**
 * The per-user hook fast path (issue 17), Claude Code's side and the service's files: one long-lived cwt
 * process per user (`cwt serve`, src/server/fastpath.ts) answers the frequent hooks of every session over
 * loopback http, at a port fixed by `cwt install` and recorded in the state dir (settings need a static URL).
 *
 * Each fast-path event gets two handlers, which Claude Code runs in parallel: the http one, and a command
 * that is only shell builtins while the service runs (`read` its pid file and /proc/<pid>/stat, exit: a shell
 * start, ~1.5-2.5 ms) and execs the Node command hook when it does not. So a session is served without a Node start while the
 * service is up, and by the command hook, with the same handlers, when it is not. A call both reach (the
 * service starting) is decided once: the first to record it in the store decides (Store.claimHookCall).
 *
 * The service authenticates by the caller's uid (Linux: /proc/net/tcp), so nothing secret lives in a tab's
 * environment; where that is not available there is no fast path, only command hooks.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePrivateDir, PRIVATE_FILE_MODE, writeFileAtomic } from '../fs/atomic.js';
import { resolveClaudeHome, resolveCwtHome } from '../fs/paths.js';
import { getProcessStartTicks } from '../sessions/liveness.js';
import { getListenerUid } from '../sessions/peercred.js';
import { FAST_PATH_EVENTS, hasMcpDeciderHandler, hasMcpServer, HOOK_EVENT_NAMES, isCwtHookCommand, isJsonObject, isProjectMcpServerApproved, LOCAL_SETTINGS, readJsonObject, MCP_JSON, MCP_SERVER_NAME, type FastPathTarget } from './harness.js';

export type { FastPathTarget };

export interface FastPathFiles {
  /** `{"port": N}`, written by `cwt install`. */
  config: string;
  /** Created exclusively by the one running service (0600); holds `<pid> <start ticks>` once it listens. */
  pid: string;
}

/** Who answered a tool call first (Store.claimHookCall) matters for seconds; the records are kept an hour. */
export const HOOK_CALL_KEEP_MS = 60 * 60_000;

export function getFastPathFiles(cwtHome: string): FastPathFiles {
  return { config: join(cwtHome, 'fastpath.json'), pid: join(cwtHome, 'fastpath.pid') };
}

/**
 * True where the service can tell who calls it: Linux's /proc/net/tcp gives the uid owning the caller's
 * socket. Elsewhere (or with CWT_FASTPATH=off) no fast path is set up and the command hooks serve as before.
 */
export function isFastPathSupported(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CWT_FASTPATH !== 'off' && process.platform === 'linux' && typeof process.getuid === 'function' && existsSync('/proc/net/tcp');
}

const isPort = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value > 0 && value < 65536;

/** The recorded port, when `cwt install` set the fast path up (and it is supported here). */
export function readFastPathTarget(env: NodeJS.ProcessEnv = process.env): FastPathTarget | undefined {
  if (!isFastPathSupported(env)) return undefined;
  const files = getFastPathFiles(resolveCwtHome(env));
  // Without the fast path (most installs), a stat: a failed read throws, which costs a hook more.
  if (!existsSync(files.config)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(files.config, 'utf8'));
  } catch {
    return undefined;
  }
  const { port, guard } = (value ?? {}) as { port?: unknown; guard?: unknown };
  return isPort(port) ? { port, pidFile: files.pid, guard: guard !== false } : undefined;
}

/** A port free on 127.0.0.1 right now: `port`, or with 0 the kernel's pick; undefined when it is taken. */
async function probePort(port = 0): Promise<number | undefined> {
  const { createServer } = await import('node:net');
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' || error.code === 'EACCES' ? resolvePromise(undefined) : reject(error)));
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolvePromise(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * The recorded fast path (`cwt install`), recording a free port first when there is none, or when the recorded
 * one is taken by something else (no service runs or starts, and the port cannot be bound).
 */
export async function ensureFastPathTarget(env: NodeJS.ProcessEnv = process.env): Promise<FastPathTarget | undefined> {
  if (!isFastPathSupported(env)) return undefined;
  // CWT_FASTPATH=http-only at install time: no fallback guard (see FastPathTarget.guard); recorded, so cwt new and
  // claude -w worktrees write the same handlers.
  const guard = env.CWT_FASTPATH !== 'http-only';
  const existing = readFastPathTarget(env);
  // Ours while a service runs or is starting (its pid file is there, its pid not yet in it); else free or taken.
  const ours = existsSync(getFastPathFiles(resolveCwtHome(env)).pid) || getRunningFastPathPid(env) !== undefined;
  const usable = existing && (ours || (await probePort(existing.port)) !== undefined);
  const port = usable ? existing.port : await probePort();
  if (port === undefined) return undefined;
  if (!usable || existing.guard !== guard) {
    const cwtHome = resolveCwtHome(env);
    ensurePrivateDir(cwtHome);
    writeFileAtomic(getFastPathFiles(cwtHome).config, `${JSON.stringify({ port, guard })}\n`, { mode: PRIVATE_FILE_MODE });
  }
  return readFastPathTarget(env);
}

/**
 * What the pid file says: `<pid> <start ticks> <port>` (the start time tells the service from a later process
 * that got its pid, after a reboot say; the port, a guard of an older settings file from this one); empty while
 * the service starts.
 */
export function formatFastPathPid(pid: number, port: number): string | undefined {
  const ticks = getProcessStartTicks(pid);
  return ticks === undefined ? undefined : `${pid} ${ticks} ${port}\n`;
}

/** True when a pid file's text names a process that runs now and started when the file says. */
export function isFastPathPidAlive(text: string): boolean {
  const [pid, ticks] = text.trim().split(' ');
  return /^\d+$/.test(pid ?? '') && ticks !== undefined && getProcessStartTicks(Number(pid)) === ticks;
}

/** The running service's pid (from its pid file), when that process is alive and is the one that wrote it. */
export function getRunningFastPathPid(env: NodeJS.ProcessEnv = process.env): number | undefined {
  let text: string;
  try {
    text = readFileSync(getFastPathFiles(resolveCwtHome(env)).pid, 'utf8');
  } catch {
    return undefined;
  }
  return isFastPathPidAlive(text) ? Number(text.trim().split(' ')[0]) : undefined;
}

/**
 * The uid of another user's process listening on the recorded port while our service is not running: Claude
 * Code would send it the hook input and take its answer (an "allow" skips permission prompts). Undefined when
 * the port is free, ours, or the fast path is not set up.
 */
export function getFastPathSquatterUid(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const target = readFastPathTarget(env);
  if (!target || typeof process.getuid !== 'function') return undefined;
  const uid = getListenerUid(target.port);
  return uid !== undefined && uid !== process.getuid() ? uid : undefined;
}

/**
 * Starts the service detached when it is set up and not running; never waits for it. The caller's session
 * variables are left out of its environment: it serves every session of the user, not the one that started it.
 */
export async function startFastPathService(env: NodeJS.ProcessEnv, binPath: string): Promise<boolean> {
  if (!readFastPathTarget(env) || getRunningFastPathPid(env) !== undefined) return false;
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [binPath, 'serve'], { detached: true, stdio: 'ignore', env: getServiceEnv(env) });
  child.on('error', () => {});
  child.unref();
  return true;
}

/** Variables that belong to one session (or one supervisor), never to the per-user service. */
const SESSION_VARIABLES = /^(CWT_SESSION|CWT_WORKTREE|CWT_BRANCH|CWT_HOOK_TOKEN|CWT_HOOK_SUPERVISOR|CLAUDE_CODE_SESSION_ID|CLAUDE_PROJECT_DIR|CLAUDE_ENV_FILE)$/;

export function getServiceEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !SESSION_VARIABLES.test(name)));
}

/**
 * True when a settings file every session of this repository reads (the user's, or the main checkout's local
 * one) gives a fast-path event one of cwt's command handlers (the guard of a plain `cwt install`). Claude Code
 * runs handlers from all settings files, identical ones once: a session launched with the mcp_tool decider
 * would run that guard process and the mcp_tool call both, so it gets the installed guard instead (run once,
 * as before). A plain `cwt install` writes the mcp_tool decider (not with --no-mcp or --global), and then sessions get no process per call.
 */
export function hasInstalledCommandDecider(env: NodeJS.ProcessEnv, mainWorktree: string): boolean {
  const files = [join(resolveClaudeHome(env), 'settings.json'), join(mainWorktree, LOCAL_SETTINGS)];
  return files.some((path) => {
    const settings = readJsonObject(path);
    const hooks = settings !== undefined && isJsonObject(settings.hooks) ? settings.hooks : {};
    return FAST_PATH_EVENTS.some((event) => {
      const groups = hooks[HOOK_EVENT_NAMES[event]];
      return Array.isArray(groups) && groups.some((group: unknown) => isJsonObject(group) && Array.isArray(group.hooks) && group.hooks.some((handler: unknown) => isJsonObject(handler) && isCwtHookCommand(handler.command)));
    });
  });
}

/**
 * The fast-path handlers a new worktree of this repository gets in its own files (a `claude -w` worktree's
 * settings.local.json; a `cwt new` worktree's, for an adopted tab): the mcp_tool decider (`mcp: true`, and
 * the worktree gets a `.mcp.json` of its own) where `cwt install` registered cwt's MCP server for the
 * repository (its main checkout's settings.local.json carries that decider) and no installed settings file
 * gives the guard (Claude Code would run that guard too: `--global`, `--no-mcp`); else the guard, as before.
 * Undefined where there is no fast path.
 */
export function resolveWorktreeFastPath(env: NodeJS.ProcessEnv, mainWorktree: string): FastPathTarget | undefined {
  const target = readFastPathTarget(env);
  if (!target || hasInstalledCommandDecider(env, mainWorktree)) return target;
  const installed = readJsonObject(join(mainWorktree, LOCAL_SETTINGS));
  return installed !== undefined && hasMcpDeciderHandler(installed) ? { ...target, mcp: true } : target;
}

/** Why a checkout whose settings give the mcp_tool decider may run no `cwt mcp` (see getMcpDeciderGap). */
export type McpDeciderGap = 'no-server' | 'not-approved' | 'declined';

/** Claude Code's own config file (~/.claude.json), where an answer at its approval prompt or `/mcp` disable is kept. */
function getClaudeConfigPath(env: NodeJS.ProcessEnv): string | undefined {
  const dir = env.CLAUDE_CONFIG_DIR ?? env.HOME;
  return dir === undefined || dir === '' ? undefined : join(dir, '.claude.json');
}

/** True when the person turned cwt's project server off in Claude Code (its prompt, or /mcp): ~/.claude.json, read only. */
export function isMcpServerDeclined(env: NodeJS.ProcessEnv, checkout: string, settings: Record<string, unknown>): boolean {
  const listed = (object: unknown, key: string) => isJsonObject(object) && Array.isArray(object[key]) && (object[key] as unknown[]).includes(MCP_SERVER_NAME);
  if (listed(settings, 'disabledMcpjsonServers')) return true;
  const configPath = getClaudeConfigPath(env);
  const config = configPath === undefined ? undefined : readJsonObject(configPath);
  const project = config !== undefined && isJsonObject(config.projects) ? config.projects[checkout] : undefined;
  return listed(project, 'disabledMcpjsonServers') || listed(project, 'disabledMcpServers');
}

/**
 * Where a checkout's own settings.local.json gives the fast path's events the mcp_tool decider, the reason its
 * sessions may run no `cwt mcp` — and so, while the per-user service is down, have no decider at all (seen on
 * both ends: the mcp_tool handler to a server that is not running lets the call go ahead). Undefined when the
 * decider is not there or its server is registered and approved.
 */
export function getMcpDeciderGap(env: NodeJS.ProcessEnv, checkout: string): McpDeciderGap | undefined {
  const settings = readJsonObject(join(checkout, LOCAL_SETTINGS));
  if (settings === undefined || !hasMcpDeciderHandler(settings)) return undefined;
  if (isMcpServerDeclined(env, checkout, settings)) return 'declined';
  if (!hasMcpServer(readJsonObject(join(checkout, MCP_JSON)))) return 'no-server';
  return isProjectMcpServerApproved(settings) ? undefined : 'not-approved';
}

/** True when a checkout's own settings.local.json gives a fast-path event cwt's mcp_tool decider. */
export function hasMcpDeciderInCheckout(checkout: string): boolean {
  const settings = readJsonObject(join(checkout, LOCAL_SETTINGS));
  return settings !== undefined && hasMcpDeciderHandler(settings);
}
