/**
 * The pre-commit check through the per-user service (`POST /git/pre-commit`): the git hook shim
 * (templates/git-hook.sh) asks the running `cwt serve` with curl instead of starting Node, and prints what it
 * answers. The service runs the very same code as `cwt git-hook pre-commit` (runGitHook) with the caller's
 * checkout, index and session identity, and answers `cwt-pre-commit <exit code>`, the text for git's stderr and
 * an end line. Anything it cannot answer exactly as the Node hook would is refused (4xx), and the shim falls
 * back to Node: the check is never skipped.
 *
 * What the request may carry is fixed: the working directory git runs the hook in (a directory that must be a
 * git work tree), git's pid, the store the caller uses (it must be the service's), and a short list of the
 * caller's variables the check reads. Inherited GIT_* variables never reach the git commands run here (git.ts
 * drops them); the index is the caller's GIT_INDEX_FILE, resolved in its checkout as the Node hook does.
 */
import { statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { resolveRepo } from '../core/git/git.js';
import { debug, getClockMs } from '../core/util/debug.js';
import type { Store } from '../core/store/store.js';
import { runGitHook } from '../hooks/githook.js';

/** The caller's variables the check reads (session identity, bypass, config overrides, where config lives). */
export const PRE_COMMIT_FORWARDED_VARIABLES = [
  'GIT_INDEX_FILE',
  'CWT_SKIP_CHECK',
  'CWT_SESSION',
  'CLAUDE_CODE_SESSION_ID',
  'CWT_STRICT_CHECK',
  'CWT_CLAIM_MODE',
  'CWT_CLAIM_TTL',
  'CWT_SESSION_TTL',
  'CWT_NO_USER_CONFIG',
  'CWT_HOST_ID',
  'CWT_AGENT',
  'CWT_WORKTREE_DIR',
  'CWT_GIT_HOOKS',
  'CWT_CLAUDE_HOME',
  'HOME',
  'XDG_CONFIG_HOME',
] as const;

const FORWARDED = new Set<string>(PRE_COMMIT_FORWARDED_VARIABLES);

export interface PreCommitRequest {
  cwd: string;
  gitPid: number;
  /** The shim's pid and start ticks (v4 shims send both): one commit attempt, whose event is recorded once. */
  shim?: { pid: number; start: string };
  /** The caller's CWT_STORE ('' when unset). */
  store: string;
  env: Record<string, string>;
}

export type PreCommitAnswer = { status: 200; body: string } | { status: 400 | 409 | 422; body: string };

/** A string a shell variable could hold that survived the trip intact (no NUL, no replaced invalid UTF-8). */
const isIntactText = (value: unknown): value is string => typeof value === 'string' && !value.includes('\u0000') && !value.includes('\ufffd');

/** The request, when it is exactly of the expected shape; undefined otherwise. Pure. */
export function parsePreCommitRequest(text: string): PreCommitRequest | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { v, cwd, gitPid, hookPid, hookStart, store, env } = value as Record<string, unknown>;
  if (v !== 1 || !isIntactText(cwd) || !isAbsolute(cwd) || !isIntactText(store)) return undefined;
  const pid = parsePid(gitPid);
  if (pid === undefined) return undefined;
  // Both or neither; the start is /proc's decimal ticks, or '' where the shim could not read them.
  const shimPid = hookPid === undefined ? undefined : parsePid(hookPid);
  if ((hookPid === undefined) !== (hookStart === undefined)) return undefined;
  if (hookPid !== undefined && (shimPid === undefined || typeof hookStart !== 'string' || !/^\d{0,20}$/.test(hookStart))) return undefined;
  if (typeof env !== 'object' || env === null || Array.isArray(env)) return undefined;
  const vars: Record<string, string> = {};
  for (const [name, entry] of Object.entries(env)) {
    if (!FORWARDED.has(name) || !isIntactText(entry)) return undefined;
    vars[name] = entry;
  }
  return { cwd, gitPid: pid, ...(shimPid === undefined ? {} : { shim: { pid: shimPid, start: hookStart as string } }), store, env: vars };
}

/** A pid as the shim sends it (decimal text) or as a number; undefined for anything else. Pure. */
function parsePid(value: unknown): number | undefined {
  const pid = typeof value === 'string' && /^[1-9]\d{0,9}$/.test(value) ? Number(value) : typeof value === 'number' ? value : NaN;
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * Test failpoint (CWT_FAILPOINT in the service's environment): `pre-commit:answer-after:<ms>` holds each answer
 * that long after the check ran and recorded its event, as a service too slow for the shim's time limit would.
 */
function getAnswerDelayMs(failpoint: string | undefined): number {
  const match = /^pre-commit:answer-after:(\d{1,6})$/.exec(failpoint ?? '');
  return match ? Number(match[1]) : 0;
}

/** The answer's text: the exit code, what git shows on stderr, an end line (the shim checks all three). Pure. */
export function formatPreCommitAnswer(code: number, text: string): string {
  return `cwt-pre-commit ${code}\n${text}cwt-end\n`;
}

/**
 * Runs the pre-commit check for one request with the service's store. `serviceEnv` is the service's own
 * environment: the caller's forwarded variables replace those names in it (unset there when the caller has
 * them unset), nothing else of the caller's is taken.
 */
export async function answerPreCommit(text: string, store: Store, serviceEnv: NodeJS.ProcessEnv): Promise<PreCommitAnswer> {
  const started = getClockMs();
  const request = parsePreCommitRequest(text);
  if (!request) return { status: 400, body: 'bad request\n' };
  // Another store than the service's: its answer would be about other sessions.
  if (request.store !== (serviceEnv.CWT_STORE ?? '')) return { status: 409, body: 'another store\n' };
  try {
    if (!statSync(request.cwd).isDirectory()) return { status: 422, body: 'not a directory\n' };
  } catch {
    return { status: 422, body: 'not a directory\n' };
  }
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(serviceEnv)) if (!FORWARDED.has(name) && !name.startsWith('GIT_')) env[name] = value;
  Object.assign(env, request.env);
  // Only a git work tree, as the caller's own git sees it (inherited GIT_* dropped, as in every git call here).
  const repo = await resolveRepo(request.cwd, env).catch(() => undefined);
  if (!repo) return { status: 422, body: 'not a git work tree\n' };
  let out = '';
  debug('pre-commit', `checkout resolved (${(getClockMs() - started).toFixed(1)}ms)`);
  const code = await runGitHook('pre-commit', { env, cwd: request.cwd, gitPid: request.gitPid, shim: request.shim, write: (line) => (out += `${line}\n`), store, repo });
  debug('pre-commit', `checked: exit ${code} (${(getClockMs() - started).toFixed(1)}ms)`);
  const delayMs = getAnswerDelayMs(serviceEnv.CWT_FAILPOINT);
  if (delayMs > 0) await new Promise((resolvePromise) => setTimeout(resolvePromise, delayMs));
  return { status: 200, body: formatPreCommitAnswer(code, out) };
}
