/**
 * Claude Code's side of things: where its home and a repository's memory live, the settings cwt passes with
 * `--settings`, and the per-worktree CLAUDE.local.md.
 */
import { readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PRIVATE_FILE_MODE, writeFileAtomic } from '../fs/atomic.js';
import { InternalError } from '../util/errors.js';
import { quoteShellWord } from '../../texts/shellquote.js';

export const CLAUDE_LOCAL_MD = 'CLAUDE.local.md';
/** The session notes for agents other than Claude Code (see agent.ts). */
export const AGENT_NOTES_TEMPLATE = 'AGENT-NOTES.md';
/** Claude Code's personal settings file of a checkout (never committed). */
export const LOCAL_SETTINGS = join('.claude', 'settings.local.json');

/**
 * Claude Code's project key: the path with every non-alphanumeric character replaced by `-`
 * (`/home/me/src/app` -> `-home-me-src-app`).
 */
export function toProjectKey(path: string): string {
  return path.replace(/[^A-Za-z0-9]/g, '-');
}

/** The directory holding a repository's Claude Code project data (transcripts, memory). */
export function getProjectDir(claudeHome: string, mainWorktree: string): string {
  return join(claudeHome, 'projects', toProjectKey(mainWorktree));
}

/** Canonical auto memory: what every worktree of the repository shares by default. */
export function getCanonicalMemoryDir(claudeHome: string, mainWorktree: string): string {
  return join(getProjectDir(claudeHome, mainWorktree), 'memory');
}

/** Where session namespaces live: beside canonical memory, never inside it. */
export function getNamespaceRoot(claudeHome: string, mainWorktree: string): string {
  return join(getProjectDir(claudeHome, mainWorktree), 'cwt-memory');
}

/** cwt's hook events, as `cwt hook <event>` names them, with Claude Code's name for each. */
export const HOOK_EVENT_NAMES = {
  'session-start': 'SessionStart',
  'pre-tool-use': 'PreToolUse',
  'post-tool-use': 'PostToolUse',
  // A tool call that failed after PreToolUse let it through (seen on 2.1.197 and 2.1.332).
  'post-tool-use-failure': 'PostToolUseFailure',
  // Activity (sessions/activity.ts): a prompt was submitted, Claude Code asked the user something, the turn ended.
  // UserPromptSubmit and Stop seen on 2.1.197 and 2.1.332; Notification is documented (it never fires under -p).
  'user-prompt-submit': 'UserPromptSubmit',
  notification: 'Notification',
  stop: 'Stop',
  'session-end': 'SessionEnd',
  'worktree-create': 'WorktreeCreate',
  'worktree-remove': 'WorktreeRemove',
} as const;
export type HookEvent = keyof typeof HOOK_EVENT_NAMES;

/** The events of a running session (what `--settings` wires); the worktree events come from `cwt install`. */
export const SESSION_HOOK_EVENTS: readonly HookEvent[] = [
  'session-start',
  'user-prompt-submit',
  'pre-tool-use',
  'post-tool-use',
  'post-tool-use-failure',
  'notification',
  'stop',
  'session-end',
];
/** `claude -w`: Claude Code asks these to create and remove its worktree (not on the per-tool-call path). */
export const WORKTREE_HOOK_EVENTS: readonly HookEvent[] = ['worktree-create', 'worktree-remove'];

export function isWorktreeHookEvent(event: HookEvent): boolean {
  return WORKTREE_HOOK_EVENTS.includes(event);
}

/**
 * Which tools each tool event is registered for (Claude Code matchers: exact alternatives). PostToolUse also
 * covers the built-in tools that most often ask for permission (Bash, WebFetch, WebSearch): PreToolUse runs
 * before the prompt, so without them a session whose prompt was approved would read "waiting" until its next
 * edit, read or Stop — through a whole test run. It costs a plain tab's command hook a process after each of
 * those calls (none over http). MCP tools are not covered: after a prompt for one, "waiting" lasts until the next
 * covered tool, prompt or Stop.
 */
const HOOK_MATCHERS: Partial<Record<HookEvent, string>> = {
  'pre-tool-use': 'Edit|Write|MultiEdit|NotebookEdit|Bash',
  'post-tool-use': 'Read|Edit|Write|MultiEdit|NotebookEdit|Bash|WebFetch|WebSearch',
  'post-tool-use-failure': 'Edit|Write|MultiEdit|NotebookEdit',
};

/** True for the events of one tool call (matched by tool name): the ones the supervisor serves over http. */
export function isToolHookEvent(event: HookEvent): boolean {
  return HOOK_MATCHERS[event] !== undefined;
}

/** The environment variable carrying a session's bearer token for the supervisor's http hooks. */
export const HOOK_TOKEN_VARIABLE = 'CWT_HOOK_TOKEN';
/** The pid of the supervisor serving them: only its own child agent is served over http. */
export const HOOK_SUPERVISOR_VARIABLE = 'CWT_HOOK_SUPERVISOR';
const COMMAND_HOOK_TIMEOUT_S = 10;
/** Creating a worktree runs the configured setup commands (an `npm ci`, say); removing one merges memory. */
const WORKTREE_HOOK_TIMEOUT_S: Partial<Record<HookEvent, number>> = { 'worktree-create': 600, 'worktree-remove': 120 };
const HTTP_HOOK_TIMEOUT_S = 5;

function resolvePackageRoot(): string {
  // From dist/<chunk>.js (or dist/hook.cjs) the package is at ..; from src/core/<domain>/*.ts (tests) at ../../..
  const here = fileURLToPath(new URL('.', import.meta.url));
  const src = here.lastIndexOf(`${sep}src${sep}core${sep}`);
  return src === -1 ? join(here, '..') : here.slice(0, src);
}

/** This cwt's bin/cwt.js, by absolute path: what hooks (Claude Code's and git's), the MCP server entry and the webhook sender run. */
export function getCwtBinPath(): string {
  return join(resolvePackageRoot(), 'bin', 'cwt.js');
}

/**
 * The command line of a command hook: this Node and this cwt by absolute path, so the hook works whatever
 * PATH Claude Code runs it with. The same string everywhere, so Claude Code runs duplicates once.
 */
export function getHookCommand(event: HookEvent, nodePath = process.execPath, binPath = getCwtBinPath()): string {
  return `${quoteShellWord(nodePath)} ${quoteShellWord(binPath)} hook ${event}`;
}

const CWT_HOOK_COMMAND = new RegExp(`cwt(\\.js)?'? hook (${Object.keys(HOOK_EVENT_NAMES).join('|')})$`);

/** True when a command hook is one of cwt's (any install location), for idempotent install and uninstall. */
export function isCwtHookCommand(command: unknown): boolean {
  return typeof command === 'string' && CWT_HOOK_COMMAND.test(command);
}

/** The events the per-user fast path answers (core/harness/fastpath.ts): every tool call's and every turn's. */
export const FAST_PATH_EVENTS: readonly HookEvent[] = ['pre-tool-use', 'post-tool-use', 'post-tool-use-failure', 'user-prompt-submit', 'notification', 'stop'];

export function isFastPathEvent(event: HookEvent): boolean {
  return FAST_PATH_EVENTS.includes(event);
}

/** What the hooks need to reach the per-user service: its port, and the pid file the fallback guard reads. */
export interface FastPathTarget {
  port: number;
  pidFile: string;
  /**
   * False when `cwt install` ran with CWT_FASTPATH=http-only: no second decider beside the http handler (neither
   * the guard, which costs Claude Code a shell start per call, nor the mcp_tool call), so while the service is
   * down calls go ahead undecided.
   */
  guard?: boolean;
  /**
   * True where the session runs cwt's MCP server (`cwt new`; plain tabs, claude -w worktrees and adopted tabs after a plain `cwt install`): the second
   * decider is an `mcp_tool` handler calling that long-lived process (getMcpDeciderHandler), not the guard.
   */
  mcp?: boolean;
}

/** The URL Claude Code POSTs an event to on the per-user service. */
export function getFastPathUrl(port: number, event: HookEvent): string {
  return `http://127.0.0.1:${port}/hooks/${event}`;
}

const FAST_PATH_URL = /^http:\/\/127\.0\.0\.1:\d{1,5}\/hooks\/[a-z-]+$/;

/** True for one of cwt's fast-path http handlers (any port), for idempotent install and uninstall. */
export function isCwtHookUrl(url: unknown): boolean {
  return typeof url === 'string' && FAST_PATH_URL.test(url);
}

/**
 * The fast path's fallback: a command that is shell builtins only while the service's pid file names a live
 * process listening on this handler's port (the http handler beside it answers), else the Node command hook.
 * The pid file holds `<pid> <start ticks> <port>` once the service listens (`read` fails on a missing or still
 * empty one); a settings file left with an older port (`cwt install` moved it) so falls back instead of going
 * undecided. Alive means /proc/<pid>/stat
 * exists, is not a zombie's (`kill -0` succeeds on a killed service nobody reaped, in a container without an
 * init, and the calls would go undecided) and shows the same start time (field 22; after a reboot the pid may
 * be another process's). It ends like every cwt command hook, so install and uninstall recognise it, and is the
 * same string everywhere, so Claude Code runs it once per call.
 */
export function getFastPathGuardCommand(event: HookEvent, target: FastPathTarget): string {
  const alive =
    `read -r p t q 2>/dev/null < ${quoteShellWord(target.pidFile)} && [ "$q" = ${target.port} ] && case "$p" in ''|*[!0-9]*) false ;; esac && read -r s 2>/dev/null < "/proc/$p/stat"` +
    ` && set -- \${s##*) } && [ "$1" != Z ] && [ "$1" != X ] && [ "\${20}" = "$t" ]`;
  return `${alive} && exit 0; exec ${getHookCommand(event)}`;
}

/** The tool of `cwt mcp` that the mcp_tool handlers call (src/mcp/tools.ts): cwt's hook endpoint, not a model's tool. */
export const MCP_HOOK_TOOL = 'cwt_hook_endpoint';

/**
 * The hook input fields each event's handlers use (src/hooks/handlers.ts), as mcp_tool `input` templates:
 * Claude Code interpolates `${…}` from the hook input into string values only, so the tool input fields the
 * handlers read are passed one by one. A field the input lacks arrives as an empty string.
 */
const MCP_DECIDER_FIELDS: Partial<Record<HookEvent, readonly string[]>> = {
  'pre-tool-use': ['session_id', 'tool_use_id', 'tool_name', 'cwd', 'tool_input.file_path', 'tool_input.notebook_path', 'tool_input.command'],
  'post-tool-use': ['session_id', 'tool_use_id', 'tool_name', 'cwd', 'tool_input.file_path', 'tool_input.notebook_path'],
  'post-tool-use-failure': ['session_id', 'tool_use_id', 'tool_name', 'cwd', 'tool_input.file_path', 'tool_input.notebook_path'],
  'user-prompt-submit': ['session_id', 'cwd', 'prompt', 'transcript_path'],
  notification: ['session_id', 'cwd', 'notification_type'],
  stop: ['session_id', 'cwd'],
};

/**
 * The fast path's second decider where the session runs cwt's MCP server: Claude Code calls
 * MCP_HOOK_TOOL on that server (a long-lived process, so no process starts per call) in parallel with the
 * http handler; the first to record the call decides (Store.claimHookCall). The same object everywhere, so the
 * copies in `--settings` and in an installed settings file are identical and run once.
 */
export function getMcpDeciderHandler(event: HookEvent): HookHandler {
  const fields = MCP_DECIDER_FIELDS[event] ?? ['session_id', 'cwd'];
  const input: Record<string, string> = { event };
  for (const field of fields) input[field.replace(/^tool_input\./, '')] = `\${${field}}`;
  return { type: 'mcp_tool', server: MCP_SERVER_NAME, tool: MCP_HOOK_TOOL, input, timeout: HTTP_HOOK_TIMEOUT_S };
}

function isCwtHandler(handler: unknown): boolean {
  return (
    isJsonObject(handler) &&
    (isCwtHookCommand(handler.command) ||
      (handler.type === 'http' && isCwtHookUrl(handler.url)) ||
      (handler.type === 'mcp_tool' && handler.server === MCP_SERVER_NAME && handler.tool === MCP_HOOK_TOOL))
  );
}

type HookHandler = Record<string, unknown>;
type HookGroup = { matcher?: string; hooks: HookHandler[] };
export type HookSettings = Partial<Record<(typeof HOOK_EVENT_NAMES)[HookEvent], HookGroup[]>>;

/**
 * cwt's hooks as a settings `hooks` object. With `httpUrl` (the supervisor's server) the tool events go over
 * http with the session's bearer token from the environment; the others (session start and end, prompt, notification,
 * stop) stay command hooks.
 */
export function buildHookSettings(options: { httpUrl?: string; fastPath?: FastPathTarget; events?: readonly HookEvent[] } = {}): HookSettings {
  const hooks: HookSettings = {};
  for (const event of options.events ?? SESSION_HOOK_EVENTS) {
    const name = HOOK_EVENT_NAMES[event];
    const matcher = HOOK_MATCHERS[event];
    if (options.fastPath !== undefined && isFastPathEvent(event)) {
      // The per-user service over http, and beside it (Claude Code runs both at once) the guard that execs the
      // command hook only when the service is not running.
      const handlers: HookHandler[] = [{ type: 'http', url: getFastPathUrl(options.fastPath.port, event), timeout: HTTP_HOOK_TIMEOUT_S }];
      // CWT_FASTPATH=http-only (guard: false): the http handler alone, no second decider of either kind.
      if (options.fastPath.guard === false) {
        // nothing beside it
      } else if (options.fastPath.mcp === true) handlers.push(getMcpDeciderHandler(event));
      else handlers.push({ type: 'command', command: getFastPathGuardCommand(event, options.fastPath), timeout: COMMAND_HOOK_TIMEOUT_S });
      hooks[name] = [{ ...(matcher !== undefined ? { matcher } : {}), hooks: handlers }];
      continue;
    }
    const handler: HookHandler =
      options.httpUrl !== undefined && matcher !== undefined
        ? {
            type: 'http',
            url: `${options.httpUrl}/hooks/${event}`,
            timeout: HTTP_HOOK_TIMEOUT_S,
            headers: { Authorization: `Bearer $${HOOK_TOKEN_VARIABLE}` },
            allowedEnvVars: [HOOK_TOKEN_VARIABLE],
          }
        : { type: 'command', command: getHookCommand(event), timeout: WORKTREE_HOOK_TIMEOUT_S[event] ?? COMMAND_HOOK_TIMEOUT_S };
    hooks[name] = [{ ...(matcher !== undefined ? { matcher } : {}), hooks: [handler] }];
  }
  return hooks;
}

/** The settings passed to the agent with `--settings`: highest precedence below managed policy. */
export function buildSessionSettings(options: { memoryDir: string; httpUrl?: string; fastPath?: FastPathTarget }): Record<string, unknown> {
  return { autoMemoryDirectory: options.memoryDir, hooks: buildHookSettings({ httpUrl: options.httpUrl, fastPath: options.fastPath }) };
}

/**
 * The `.claude/settings.local.json` of a `claude -w` worktree: Claude Code (both ends of the range) reads it for the session it
 * starts there (checked end to end), so it carries the memory namespace and cwt's hooks, WorktreeRemove
 * included. Keys and hooks of an existing file (copied by .worktreeinclude) are kept. Pure.
 */
export function buildWorktreeLocalSettings(existing: Record<string, unknown>, memoryDir: string, fastPath?: FastPathTarget): Record<string, unknown> {
  return addCwtHooks({ ...existing, autoMemoryDirectory: memoryDir }, [...SESSION_HOOK_EVENTS, 'worktree-remove'], fastPath);
}

/**
 * The `.claude/settings.local.json` of a `cwt new` worktree where the fast path's second decider is `cwt mcp`:
 * a plain `claude` started there (an adopted tab) reads it (2.1.197 reads the worktree's own file; 2.1.332 the
 * root checkout's, whose handlers are the same), so it carries cwt's session hooks, with the mcp_tool decider,
 * and the approval of the worktree's `.mcp.json` server. The memory setting is left as it is: that tab is
 * adopted, not the session launched by cwt (which gets its namespace through --settings). Pure.
 */
export function buildAdoptedTabSettings(existing: Record<string, unknown>, fastPath: FastPathTarget): Record<string, unknown> {
  return enableProjectMcpServer(addCwtHooks(existing, SESSION_HOOK_EVENTS, { ...fastPath, mcp: true }));
}

/** Writes a session's `--settings` file (private: it names the session's paths). */
export function writeSessionSettings(path: string, options: { memoryDir: string; httpUrl?: string; fastPath?: FastPathTarget }): void {
  writeFileAtomic(path, `${JSON.stringify(buildSessionSettings(options), null, 2)}\n`, { mode: PRIVATE_FILE_MODE });
}

/** The name cwt's MCP server is registered under: its tools reach the model as mcp__cwt__<tool>. */
export const MCP_SERVER_NAME = 'cwt';

/** cwt's MCP server as a Claude Code `mcpServers` entry: this Node and this cwt by absolute path, like the hooks. */
export function getMcpServerEntry(nodePath = process.execPath, binPath = getCwtBinPath()): Record<string, unknown> {
  return { type: 'stdio', command: nodePath, args: [binPath, 'mcp'] };
}

/** The project-scope MCP config file Claude Code reads from a repository's root. */
export const MCP_JSON = '.mcp.json';

/** An `.mcp.json` object with cwt's server (other servers kept). Pure. */
export function addMcpServer(config: Record<string, unknown>): Record<string, unknown> {
  const servers = isJsonObject(config.mcpServers) ? config.mcpServers : {};
  return { ...config, mcpServers: { ...servers, [MCP_SERVER_NAME]: getMcpServerEntry() } };
}

/** An `.mcp.json` object without cwt's server. Pure. */
export function removeMcpServer(config: Record<string, unknown>): Record<string, unknown> {
  if (!isJsonObject(config.mcpServers) || !(MCP_SERVER_NAME in config.mcpServers)) return config;
  const { [MCP_SERVER_NAME]: _cwt, ...servers } = config.mcpServers;
  return { ...config, mcpServers: servers };
}

/** Settings that approve cwt's `.mcp.json` server (enabledMcpjsonServers), everything else kept. Pure. */
export function enableProjectMcpServer(settings: Record<string, unknown>): Record<string, unknown> {
  const enabled = Array.isArray(settings.enabledMcpjsonServers) ? settings.enabledMcpjsonServers : [];
  return enabled.includes(MCP_SERVER_NAME) ? settings : { ...settings, enabledMcpjsonServers: [...enabled, MCP_SERVER_NAME] };
}

/**
 * True when these settings approve cwt's `.mcp.json` server: listed in enabledMcpjsonServers (or all project
 * servers enabled) and not in disabledMcpjsonServers (a person who declined it at Claude Code's prompt). Pure.
 */
export function isProjectMcpServerApproved(settings: Record<string, unknown>): boolean {
  const listed = (key: string) => Array.isArray(settings[key]) && (settings[key] as unknown[]).includes(MCP_SERVER_NAME);
  return !listed('disabledMcpjsonServers') && (listed('enabledMcpjsonServers') || settings.enableAllProjectMcpServers === true);
}

/** True when a settings object gives some fast-path event cwt's mcp_tool decider (getMcpDeciderHandler). Pure. */
export function hasMcpDeciderHandler(settings: Record<string, unknown>): boolean {
  const hooks = isJsonObject(settings.hooks) ? settings.hooks : {};
  return FAST_PATH_EVENTS.some((event) => {
    const groups = hooks[HOOK_EVENT_NAMES[event]];
    return (
      Array.isArray(groups) &&
      groups.some((group: unknown) => isJsonObject(group) && Array.isArray(group.hooks) && group.hooks.some((h: unknown) => isJsonObject(h) && h.type === 'mcp_tool' && h.server === MCP_SERVER_NAME && h.tool === MCP_HOOK_TOOL))
    );
  });
}

/** True when an `.mcp.json` object has cwt's server. Pure. */
export function hasMcpServer(config: unknown): boolean {
  return isJsonObject(config) && isJsonObject(config.mcpServers) && Object.hasOwn(config.mcpServers, MCP_SERVER_NAME);
}

/** Settings without cwt's approval; an approval list left empty by that is dropped. Pure. */
export function disableProjectMcpServer(settings: Record<string, unknown>): Record<string, unknown> {
  if (!Array.isArray(settings.enabledMcpjsonServers) || !settings.enabledMcpjsonServers.includes(MCP_SERVER_NAME)) return settings;
  const kept = settings.enabledMcpjsonServers.filter((name: unknown) => name !== MCP_SERVER_NAME);
  const { enabledMcpjsonServers: _previous, ...rest } = settings;
  return kept.length > 0 ? { ...rest, enabledMcpjsonServers: kept } : rest;
}

/** Writes a session's `--mcp-config` file: only cwt's server, added to whatever servers the user configured. */
export function writeSessionMcpConfig(path: string): void {
  writeFileAtomic(path, `${JSON.stringify({ mcpServers: { [MCP_SERVER_NAME]: getMcpServerEntry() } }, null, 2)}\n`, { mode: PRIVATE_FILE_MODE });
}

/** True for a JSON object (not null, not an array): what settings files and hook input must be. */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A JSON file's object (a settings file, an `.mcp.json`); undefined when it is missing, unreadable or not an object. */
export function readJsonObject(path: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return isJsonObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** A settings object without cwt's hooks; groups and events left empty by that are dropped. Pure. */
export function removeCwtHooks(settings: Record<string, unknown>): Record<string, unknown> {
  if (!isJsonObject(settings.hooks)) return settings;
  const hooks: Record<string, unknown> = {};
  for (const [event, groups] of Object.entries(settings.hooks)) {
    if (!Array.isArray(groups)) {
      hooks[event] = groups;
      continue;
    }
    const kept = groups
      .map((group: unknown) =>
        isJsonObject(group) && Array.isArray(group.hooks)
          ? { ...group, hooks: group.hooks.filter((handler: unknown) => !isCwtHandler(handler)) }
          : group,
      )
      .filter((group: unknown) => !(isJsonObject(group) && Array.isArray(group.hooks) && group.hooks.length === 0));
    if (kept.length > 0) hooks[event] = kept;
  }
  const { hooks: _previous, ...rest } = settings;
  return Object.keys(hooks).length > 0 ? { ...rest, hooks } : rest;
}

/**
 * Settings with cwt's hooks merged in (by default every event, the worktree ones included), every other key
 * and hook kept as it was; with `fastPath`, its events go to the per-user service. Idempotent. Pure.
 */
export function addCwtHooks(
  settings: Record<string, unknown>,
  events: readonly HookEvent[] = Object.keys(HOOK_EVENT_NAMES) as HookEvent[],
  fastPath?: FastPathTarget,
): Record<string, unknown> {
  const base = removeCwtHooks(settings);
  const hooks: Record<string, unknown> = isJsonObject(base.hooks) ? { ...base.hooks } : {};
  for (const [event, groups] of Object.entries(buildHookSettings({ events, fastPath }))) {
    const existing = hooks[event];
    hooks[event] = [...(Array.isArray(existing) ? existing : []), ...groups!];
  }
  return { ...base, hooks };
}

/** Reads a file from templates/. */
export function readTemplate(name: string): string {
  return readFileSync(join(resolvePackageRoot(), 'templates', name), 'utf8');
}

/** Fills `{{name}}` placeholders; a placeholder with no value is a bug, not an empty string. */
export function renderTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined) throw new InternalError(`template placeholder {{${key}}} has no value`);
    return value;
  });
}
