/**
 * What the fast-path e2e tests share: counting the Node hook processes a session starts (every cwt command of
 * a settings file goes through a wrapper that logs its arguments), waiting for the per-user service, and the
 * store's record of who decided each hook call.
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { isPidAlive } from '../../src/core/sessions/liveness.js';
import { SqliteStore } from '../../src/core/store/sqlite.js';
import { quoteShellWord } from '../../src/texts/shellquote.js';
import { findToolResult } from './claude.js';
import type { FakeApi } from './fake-api.js';
import { stopFastPath } from './env.js';
import { findProcesses } from './processes.js';
import { waitFor } from './wait.js';

/** The start of the fast path's guard command (getFastPathGuardCommand): its shell-builtin liveness check. */
const GUARD_START = 'read -r p t q ';

/**
 * Replaces this node in every cwt command of a settings file with a wrapper that logs its arguments, and makes
 * every fallback guard command log a line `guard <Event>` when its shell starts (before its builtins-only check,
 * so a guard that exits at once is counted too); the log's path. Every file rewritten this way keeps identical
 * handlers identical (one wrapper, one log), so Claude Code still runs them once.
 */
export function countNodeStarts(settingsPath: string, root: string): string {
  const log = join(root, 'node-starts.log');
  const wrapper = join(root, 'counting-node');
  writeFileSync(wrapper, `#!/bin/sh\necho "$*" >> ${quoteShellWord(log)}\nexec ${quoteShellWord(process.execPath)} "$@"\n`);
  chmodSync(wrapper, 0o755);
  if (!existsSync(log)) writeFileSync(log, '');
  const text = readFileSync(settingsPath, 'utf8');
  const node = JSON.stringify(quoteShellWord(process.execPath)).slice(1, -1);
  expect(text).toContain(node);
  const settings = JSON.parse(text.split(node).join(JSON.stringify(quoteShellWord(wrapper)).slice(1, -1))) as { hooks?: Record<string, { hooks?: { type?: string; command?: string }[] }[]> };
  for (const [event, groups] of Object.entries(settings.hooks ?? {})) {
    for (const handler of groups.flatMap((group) => group.hooks ?? [])) {
      if (handler.type === 'command' && handler.command?.startsWith(GUARD_START)) handler.command = `echo 'guard ${event}' >> ${quoteShellWord(log)}; ${handler.command}`;
    }
  }
  writeFileSync(settingsPath, `${JSON.stringify(settings, null, 2)}\n`);
  return log;
}

/**
 * The hook processes started, in order, from countNodeStarts' log: the event of each Node command hook
 * (`pre-tool-use`, …) and `guard:<Event>` for each fallback guard's shell.
 */
export const hookStarts = (log: string): string[] =>
  readFileSync(log, 'utf8')
    .split('\n')
    .flatMap((line) => (/ hook /.test(line) ? [line.replace(/^.* hook /, '')] : line.startsWith('guard ') ? [`guard:${line.slice('guard '.length)}`] : []));

/** The hook processes started for tool calls and turns (hookStarts without the session's start and end and claude -w's worktree hooks). */
export const perCallStarts = (log: string): string[] => hookStarts(log).filter((event) => !['session-start', 'session-end', 'worktree-create', 'worktree-remove'].includes(event));

/** The running fast-path service's pid, once its pid file names a live process. */
export async function waitForService(cwtHome: string): Promise<number> {
  return waitFor(() => {
    try {
      const pid = Number(readFileSync(join(cwtHome, 'fastpath.pid'), 'utf8').trim().split(' ')[0]);
      return pid > 0 && isPidAlive(pid) ? pid : undefined;
    } catch {
      return undefined;
    }
  });
}

/**
 * Who decided each hook call (Store.claimHookCall's records), each call recorded once; `byOf(toolUseId, event)`
 * lists the deciders of one call and event.
 */
export async function readDeciders(cwtHome: string) {
  const store = new SqliteStore(cwtHome);
  let calls: Awaited<ReturnType<SqliteStore['listHookCalls']>>;
  try {
    calls = await store.listHookCalls();
  } finally {
    await store.close();
  }
  const keys = calls.map((call) => call.key);
  expect(new Set(keys).size).toBe(keys.length);
  const byOf = (toolUseId: string, event: string) => calls.filter((call) => call.key.endsWith(`/${toolUseId}/${event}`)).map((call) => call.by);
  return { calls, byOf };
}

export const TOOL_EVENTS = ['PreToolUse', 'PostToolUse', 'PostToolUseFailure', 'UserPromptSubmit', 'Notification', 'Stop'];

/** The handler types a settings file gives each fast-path event: http and mcp_tool, never a command. */
export function toolEventHandlerTypes(settingsPath: string): Record<string, string[]> {
  const hooks = (JSON.parse(readFileSync(settingsPath, 'utf8')) as { hooks: Record<string, { hooks: { type: string }[] }[]> }).hooks;
  return Object.fromEntries(TOOL_EVENTS.map((event) => [event, (hooks[event] ?? []).flatMap((group) => group.hooks.map((handler) => handler.type))]));
}

export const HTTP_AND_MCP = Object.fromEntries(TOOL_EVENTS.map((event) => [event, ['http', 'mcp_tool']]));

const isCwtMcp = (argv: string[]) => argv.some((arg) => arg.endsWith('cwt.js')) && argv.includes('mcp');

/** The `cwt mcp` processes whose parent is `parent` (Claude Code starts its MCP servers as its children). */
export function findCwtMcpChildren(parent: number): number[] {
  return findProcesses((candidate) => candidate.ppid() === parent && isCwtMcp(candidate.argv()));
}

/**
 * Every running `cwt mcp` of one test's state dir (its environment names that CWT_HOME), whoever started it: a
 * session given cwt's server twice (--mcp-config and a worktree's .mcp.json) must run one.
 */
export function findCwtMcpProcesses(cwtHome: string): number[] {
  return findProcesses((candidate) => isCwtMcp(candidate.argv()) && candidate.environ().includes(`CWT_HOME=${cwtHome}`));
}

/**
 * Waits for the `cwt mcp` processes of a state dir to leave (a tab's server outlives a `claude` killed with
 * SIGKILL until it reads the end of its input, then closes its store), killing what is left after a few
 * seconds: a sandbox is removed only once nothing writes into it.
 */
export async function stopCwtMcpProcesses(cwtHome: string): Promise<void> {
  const deadline = Date.now() + 3_000;
  while (findCwtMcpProcesses(cwtHome).length > 0 && Date.now() < deadline) await new Promise((resolvePromise) => setTimeout(resolvePromise, 50));
  for (const pid of findCwtMcpProcesses(cwtHome)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  while (findCwtMcpProcesses(cwtHome).some((pid) => isPidAlive(pid))) await new Promise((resolvePromise) => setTimeout(resolvePromise, 20));
}

/**
 * The model got tool call `id` back refused (is_error), the reason naming `names`; `why` (describeRun) is printed
 * when the call is missing altogether.
 */
export function expectRefused(api: FakeApi, id: string, names: string, why?: string): void {
  const result = findToolResult(api, id);
  expect(result, why).toBeDefined();
  expect(result!.isError).toBe(true);
  expect(result!.text).toContain(names);
}

/** The per-user service SIGKILLed mid-session, as a crash leaves it (its pid file stays behind), and gone. */
export async function killServiceMidSession(cwtHome: string, servicePid: number): Promise<void> {
  expect(stopFastPath(cwtHome, 'SIGKILL')).toBe(servicePid);
  await waitFor(() => (isPidAlive(servicePid) ? undefined : true));
}
