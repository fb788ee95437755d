/**
 * Driving the REAL Claude Code binary (one end of the pinned range, see claude-range.ts) in e2e tests: an
 * environment that points it at a fake Messages API and a sandbox home, a way to run it as a plain tab, and
 * readers for what it printed and what it sent.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { delimiter, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect } from 'vitest';
import { runCwt, startCwt, type CwtResult, type RunOptions } from './cli.js';
import { getE2eClaude } from './claude-range.js';
import { createSandbox, type Sandbox } from './env.js';
import { stopCwtMcpProcesses } from './fastpath.js';
import { createFakeApi, holdTurn, type FakeApi, type FakeApiOptions, type HeldTurn, type RecordedRequest, type ScriptedReply } from './fake-api.js';

export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The Claude Code binary this e2e project runs against (the vitest project names its version). */
export const E2E_CLAUDE = getE2eClaude();
export const CLAUDE_BIN = E2E_CLAUDE.bin;

/** Outer variables that would point the real CLI at a real account, model, config or proxy. */
export const OUTER_CLAUDE_VARS = /^(ANTHROPIC_|CLAUDE_CODE_|CLAUDE_CONFIG_DIR$|CLAUDE_ENV_FILE$|DISABLE_|HTTPS?_PROXY$|ALL_PROXY$|NO_PROXY$)/i;

/** Claude Code's project key, as documented: every non-alphanumeric character becomes `-`. */
export function projectKey(path: string): string {
  return path.replace(/[^A-Za-z0-9]/g, '-');
}

/** Paths compared without trailing-separator differences (Claude Code reports the memory dir with one). */
export function normalizeDir(path: string): string {
  const resolved = resolve(path);
  return resolved.length > 1 && resolved.endsWith(sep) ? resolved.slice(0, -1) : resolved;
}

export function parseJsonLines(text: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('{')) continue;
    try {
      out.push(JSON.parse(trimmed) as Record<string, unknown>);
    } catch {
      // not a JSON line
    }
  }
  return out;
}

/** Every string anywhere inside a parsed JSON value. */
export function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const item of value) strings(item, out);
  else if (value !== null && typeof value === 'object') for (const item of Object.values(value)) strings(item, out);
  return out;
}

/** A run's exit, output and the requests the fake API saw: the message of a failed expectation. */
export function describeRun(result: CwtResult, api: FakeApi): string {
  const requests = api.requests.map((r) => `${r.method} ${r.url} (${r.kind})`).join('\n  ');
  return `exit ${result.code} signal ${result.signal}\n--- stderr\n${result.stderr}\n--- stdout\n${result.stdout.slice(0, 4000)}\n--- requests\n  ${requests}`;
}

/**
 * The sandbox's environment for the real CLI: outer Claude/Anthropic variables dropped, the pinned `claude`
 * first on PATH, the fake API as the endpoint, no update checks or other traffic.
 */
export function e2eEnv(sb: Sandbox, fake: FakeApi): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(sb.env)) if (!OUTER_CLAUDE_VARS.test(name)) env[name] = value;
  // createSandbox points cwt at $HOME/.claude; Claude Code's own home must be the same directory.
  expect(normalizeDir(sb.claudeHome)).toBe(normalizeDir(join(sb.home, '.claude')));
  return {
    ...env,
    PATH: `${linkClaudeBin(sb)}${delimiter}${sb.env.PATH ?? ''}`,
    ANTHROPIC_BASE_URL: fake.url,
    ANTHROPIC_API_KEY: 'test-key',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
    // We may run as root; --dangerously-skip-permissions is refused there unless the CLI is told it is sandboxed.
    IS_SANDBOX: '1',
    NO_PROXY: '127.0.0.1,localhost',
  };
}

/**
 * A directory holding just `claude` -> this project's binary, to put first on PATH: `cwt new` and the tests
 * launch `claude` by name, and both ends of the range cannot share node_modules/.bin.
 */
function linkClaudeBin(sb: Sandbox): string {
  const dir = join(sb.root, 'claude-bin');
  if (!existsSync(join(dir, 'claude'))) {
    mkdirSync(dir, { recursive: true });
    symlinkSync(CLAUDE_BIN, join(dir, 'claude'));
  }
  return dir;
}

/** Fails early, with the fix in the message, when the pinned CLI or the build is missing. */
export function requireClaude(): void {
  expect(existsSync(CLAUDE_BIN), `Claude Code ${E2E_CLAUDE.end} (${E2E_CLAUDE.version}) is not installed at ${CLAUDE_BIN}: run npm ci`).toBe(true);
  expect(existsSync(join(PROJECT_ROOT, 'dist')), 'run `npm run build` first').toBe(true);
}

/** `claude -p <prompt>` non-interactive, stream-json on stdout, no permission prompts. */
export function claudePrintArgs(prompt: string): string[] {
  return ['-p', prompt, '--output-format', 'stream-json', '--verbose', '--dangerously-skip-permissions'];
}

export interface ClaudeTab {
  child: ChildProcess;
  result: Promise<CwtResult>;
  /** What it printed on stdout so far (stream-json lines), while it still runs. */
  stdout(): string;
}

/**
 * Starts the real `claude` as a plain tab would run it (no cwt in between), asynchronously: a spawnSync would
 * block the event loop that serves the in-process fake API. Killed after `timeoutMs`.
 */
export function startClaude(args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number }): ClaudeTab {
  const child = spawn(CLAUDE_BIN, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  const result = new Promise<CwtResult>((resolvePromise) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
  return { child, result, stdout: () => stdout };
}

/** The `{"type":"system","subtype":"init"}` event Claude Code prints first in stream-json. */
export function findInit(stdout: string): { memory_paths?: { auto?: string }; cwd?: string; claude_code_version?: string; session_id?: string } | undefined {
  return parseJsonLines(stdout).find((e) => e.type === 'system' && e.subtype === 'init') as ReturnType<typeof findInit>;
}

/** The `session_id` of Claude Code's stream-json init line, once printed. */
export function getClaudeSessionId(stdout: string): string | undefined {
  const id = findInit(stdout)?.session_id;
  return typeof id === 'string' ? id : undefined;
}

export interface ToolResultView {
  /** The result's text (what the model reads: the output, or the error / deny reason). */
  text: string;
  isError: boolean;
  /**
   * Texts the model received after the result and before its next turn: hook context lands here. Claude Code
   * 2.1.197 puts it in a `<system-reminder>` text block of the same user message; 2.1.332 in a `system`-role
   * message after it. Both count, so an assertion says what reached the model, not how it was wrapped.
   */
  after: string[];
}

type ContentBlock = { type?: string; tool_use_id?: string; content?: unknown; is_error?: boolean; text?: unknown };
type Message = { role?: string; content?: unknown };

/** A message's content as blocks (a plain string content is one text block). */
function blocksOf(message: Message): ContentBlock[] {
  if (typeof message.content === 'string') return [{ type: 'text', text: message.content }];
  return (Array.isArray(message.content) ? message.content : []) as ContentBlock[];
}

/** The tool_result for `toolUseId` as the fake API first received it, if it did. */
export function findToolResult(api: FakeApi, toolUseId: string): ToolResultView | undefined {
  for (const request of api.mainRequests()) {
    const messages = (request.body as { messages?: Message[] }).messages ?? [];
    for (const [at, message] of messages.entries()) {
      const blocks = blocksOf(message);
      const index = blocks.findIndex((block) => block.type === 'tool_result' && block.tool_use_id === toolUseId);
      if (index === -1) continue;
      const block = blocks[index]!;
      const later = blocks.slice(index + 1);
      for (const next of messages.slice(at + 1)) {
        if (next.role === 'assistant') break;
        later.push(...blocksOf(next));
      }
      return {
        text: strings(block.content).join('\n'),
        isError: block.is_error === true,
        after: later.flatMap((item) => (item.type === 'text' && typeof item.text === 'string' ? [item.text] : [])),
      };
    }
  }
  return undefined;
}

/** True when the model received `text` after the result of tool call `toolUseId` (see ToolResultView.after). */
export function receivedAfterToolResult(api: FakeApi, toolUseId: string, text: string): boolean {
  return findToolResult(api, toolUseId)?.after.some((item) => item.includes(text)) ?? false;
}

/**
 * Waits until the process reached the held turn; fails at once, with what it printed and what the fake API
 * saw, if it exits first (instead of hanging until the test times out).
 */
export async function untilHeld(held: HeldTurn, run: { result: Promise<CwtResult> }, api: FakeApi): Promise<RecordedRequest> {
  const exited = run.result.then((result) => {
    throw new Error(`exited before reaching the held turn:\n${describeRun(result, api)}`);
  });
  exited.catch(() => {}); // settles after the race is won by arrival: not an unhandled rejection
  return Promise.race([held.arrived, exited]);
}

/** The session's worktree, as its CLAUDE.local.md (in the request to the model) names it: where a scripted edit goes. */
export function getRequestWorktree(request: RecordedRequest): string {
  return /- Worktree: (\S+)/.exec(strings(request.body).join('\n'))?.[1] ?? '/worktree-not-found-in-request';
}

/** `cwt <args> --json` (or any JSON-printing command), parsed; fails the test with cwt's stderr otherwise. */
export async function cwtJson<T>(args: string[], options: RunOptions): Promise<T> {
  const result = await runCwt(args, { timeoutMs: 30_000, ...options });
  expect(result.code, `cwt ${args.join(' ')}: ${result.stderr}`).toBe(0);
  return JSON.parse(result.stdout) as T;
}

interface Running {
  child: ChildProcess;
  result: Promise<CwtResult>;
}

export interface E2eFixture {
  readonly sandbox: Sandbox;
  /** A started fake Messages API, closed after the test. */
  startApi(options?: FakeApiOptions): Promise<FakeApi>;
  /** A held turn (see holdTurn), released after the test at the latest so no `claude` stays blocked. */
  hold(reply: ScriptedReply | ((request: RecordedRequest) => ScriptedReply)): HeldTurn;
  /** A plain `claude` tab (see startClaude), stopped after the test at the latest. */
  startClaude(args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number }): ClaudeTab;
  /** `cwt <args>` running in the background (e.g. `cwt new` supervising claude), stopped after the test at the latest. */
  startCwt(args: string[], options: RunOptions): Running;
}

/**
 * Per test: a sandbox (temporary HOME, CWT_HOME, CWT_CLAUDE_HOME), and bookkeeping so that whatever a test
 * started is gone afterwards, pass or fail: held turns released, processes given a few seconds to finish
 * and then killed, fake APIs closed, the sandbox removed.
 */
export function useE2eFixture(prefix = 'cwt-e2e-'): E2eFixture {
  let sandbox: Sandbox | undefined;
  const apis: FakeApi[] = [];
  const holds: HeldTurn[] = [];
  const running: Running[] = [];

  beforeEach(() => {
    sandbox = createSandbox(prefix);
  });

  afterEach(async () => {
    for (const held of holds.splice(0)) held.release();
    const children = running.splice(0);
    const stop = (signal: NodeJS.Signals) => {
      for (const { child } of children) if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    };
    const settled = Promise.all(children.map(({ result }) => result));
    const within = (ms: number) => Promise.race([settled, new Promise((resolvePromise) => setTimeout(resolvePromise, ms).unref())]);
    await within(10_000);
    // SIGTERM first: a cwt supervisor forwards it to its agent.
    stop('SIGTERM');
    await within(5_000);
    stop('SIGKILL');
    await settled;
    await Promise.all(apis.splice(0).map((api) => api.close()));
    // A plain cwt install gives every tab a cwt mcp, which may outlive a claude killed with SIGKILL for a moment.
    if (sandbox) await stopCwtMcpProcesses(sandbox.cwtHome);
    sandbox?.cleanup();
    sandbox = undefined;
  });

  return {
    get sandbox() {
      return sandbox!;
    },
    async startApi(options = {}) {
      const api = createFakeApi({ finalText: 'All done.', ...options });
      apis.push(api);
      await api.start();
      return api;
    },
    hold(reply) {
      const held = holdTurn(reply);
      holds.push(held);
      return held;
    },
    startClaude(args, options) {
      const tab = startClaude(args, options);
      running.push(tab);
      return tab;
    },
    startCwt(args, options) {
      const started = startCwt(args, options);
      running.push(started);
      return started;
    },
  };
}
