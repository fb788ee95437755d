/**
 * Driving the REAL Claude Code binary (the pinned devDependency) offline, against a fake Messages API: its
 * location, an environment that cannot reach a real account, and readers for its stream-json output.
 */
import { existsSync } from 'node:fs';
import { delimiter, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { CwtResult } from './cli.js';
import type { Sandbox } from './env.js';
import type { FakeApi } from './fake-api.js';

export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const NODE_BIN = join(PROJECT_ROOT, 'node_modules', '.bin');
export const CLAUDE_BIN = join(NODE_BIN, 'claude');

/** Print mode, stream-json events on stdout, no permission prompts. */
export const CLAUDE_ARGS = ['-p', 'hi', '--output-format', 'stream-json', '--verbose', '--dangerously-skip-permissions'];

/** Outer variables that would point the real CLI at a real account, model, config or proxy. */
const OUTER_CLAUDE_VARS = /^(ANTHROPIC_|CLAUDE_CODE_|CLAUDE_CONFIG_DIR$|CLAUDE_ENV_FILE$|DISABLE_|HTTPS?_PROXY$|ALL_PROXY$|NO_PROXY$)/i;

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

/** The `{"type":"system","subtype":"init"}` event Claude Code prints first. */
export function findInit(stdout: string): { memory_paths?: { auto?: string }; cwd?: string; claude_code_version?: string; session_id?: string } | undefined {
  return parseJsonLines(stdout).find((e) => e.type === 'system' && e.subtype === 'init') as ReturnType<typeof findInit>;
}

/** Every string anywhere inside a value. */
export function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const item of value) strings(item, out);
  else if (value !== null && typeof value === 'object') for (const item of Object.values(value)) strings(item, out);
  return out;
}

export function describeRun(result: CwtResult, api: FakeApi): string {
  const requests = api.requests.map((r) => `${r.method} ${r.url} (${r.kind})`).join('\n  ');
  return `exit ${result.code} signal ${result.signal}\n--- stderr\n${result.stderr}\n--- stdout\n${result.stdout.slice(0, 4000)}\n--- requests\n  ${requests}`;
}

/** The sandbox's environment, scrubbed of outer Claude settings, pointed at the fake API. */
export function createClaudeEnv(sb: Sandbox, fake: FakeApi): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(sb.env)) if (!OUTER_CLAUDE_VARS.test(name)) env[name] = value;
  // createSandbox points cwt at $HOME/.claude; Claude Code's own home must be the same directory.
  expect(normalizeDir(sb.claudeHome)).toBe(normalizeDir(join(sb.home, '.claude')));
  return {
    ...env,
    PATH: `${NODE_BIN}${delimiter}${sb.env.PATH ?? ''}`,
    ANTHROPIC_BASE_URL: fake.url,
    ANTHROPIC_API_KEY: 'test-key',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
    // We may run as root; --dangerously-skip-permissions is refused there unless the CLI is told it is sandboxed.
    IS_SANDBOX: '1',
    NO_PROXY: '127.0.0.1,localhost',
  };
}

export function requireClaude(): void {
  expect(existsSync(CLAUDE_BIN), `the pinned @anthropic-ai/claude-code is not installed at ${CLAUDE_BIN}`).toBe(true);
  expect(existsSync(join(PROJECT_ROOT, 'dist')), 'run `npm run build` first').toBe(true);
}
