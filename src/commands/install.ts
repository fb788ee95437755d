/**
 * `cwt install [--global] [--uninstall]`: merge cwt's Claude Code hooks into `.claude/settings.local.json`
 * of this repository's main checkout, or into the Claude home's `settings.json` for every session. Other
 * keys and other hooks are kept; running it twice changes nothing; the file is replaced with cwt's own
 * locked compare-and-swap write, so a concurrent writer is never overwritten.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConflictError, UsageError } from '../core/errors.js';
import { ensureExcluded } from '../core/exclude.js';
import { resolveHooksDir, resolveRepo } from '../core/git.js';
import { getGitHookCommand, installGitHooks, uninstallGitHooks, type GitHookChange } from '../core/githooks.js';
import { repoLockName, withLock } from '../core/locks.js';
import { addCwtHooks, isJsonObject, LOCAL_SETTINGS, removeCwtHooks } from '../core/harness.js';
import { resolveClaudeHome } from '../core/paths.js';
import { resolveSharedFile, sha256, writeSharedFile } from '../core/sharedfile.js';
import { openStore } from '../core/store/open.js';
import { MESSAGES } from '../ui/messages.js';
import { createProcessOutput, printJson, type Output } from '../ui/output.js';

export interface InstallOptions {
  global?: boolean;
  /** cwt's git hooks (pre-commit check, post-commit bookkeeping) instead of the Claude Code hooks. */
  gitHooks?: boolean;
  uninstall?: boolean;
  json?: boolean;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  output?: Output;
}

/** Compare-and-swap attempts before giving up on a file someone keeps rewriting. */
const MAX_ATTEMPTS = 5;

function readSettings(path: string): { bytes: Buffer; settings: Record<string, unknown> } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return { bytes: Buffer.alloc(0), settings: {} };
  }
  let value: unknown;
  try {
    value = bytes.length === 0 ? {} : JSON.parse(bytes.toString('utf8'));
  } catch {
    value = undefined;
  }
  if (!isJsonObject(value)) throw new UsageError(MESSAGES.installNotObject(path), { hint: MESSAGES.installNotObjectHint });
  return { bytes, settings: value };
}

/** How long `cwt install --git-hooks` waits for a `cwt new` or `cwt end` holding the repository lock. */
const REPO_LOCK_WAIT_MS = 60_000;

/** `cwt install --git-hooks [--uninstall]`: the shims into this checkout's effective hooks directory. */
async function installGitHookShims(options: InstallOptions, env: NodeJS.ProcessEnv, cwd: string, output: Output): Promise<number> {
  const repo = await resolveRepo(cwd, env);
  const hooksDir = await resolveHooksDir(repo.topLevel);
  const store = await openStore(env);
  let changes: GitHookChange[];
  try {
    // The repository lock: a `cwt new` installing at the same moment must not chain cwt's own shim.
    changes = await withLock(store, { name: repoLockName(repo.commonDir), waitMs: REPO_LOCK_WAIT_MS, note: 'cwt install --git-hooks', env }, async () =>
      options.uninstall ? uninstallGitHooks(hooksDir) : installGitHooks(repo.topLevel, hooksDir),
    );
  } finally {
    await store.close();
  }
  const tracked = changes.filter((change) => change.action === 'tracked');
  if (options.json) printJson(output, { hooksDir, changes });
  else for (const change of changes) output.stdout(MESSAGES.gitHookChange(change.hook, change.path, change.action));
  if (tracked.length === 0) return 0;
  const hints = tracked.map((change) => MESSAGES.gitHookTrackedHint(change.hook, change.path, getGitHookCommand(change.hook)));
  throw new ConflictError(MESSAGES.gitHooksTracked, { hint: hints.join('\n  ') });
}

export async function installHooks(options: InstallOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const output = options.output ?? createProcessOutput();
  if (options.gitHooks) return installGitHookShims(options, env, cwd, output);
  let path: string;
  if (options.global) {
    path = join(resolveClaudeHome(env), 'settings.json');
  } else {
    const repo = await resolveRepo(cwd, env);
    path = join(repo.mainWorktree, LOCAL_SETTINGS);
    // Personal settings: never swept into a commit by `git add -A`.
    if (!options.uninstall) ensureExcluded(repo.commonDir, `/${LOCAL_SETTINGS}`);
  }
  const store = await openStore(env);
  try {
    for (let attempt = 1; ; attempt++) {
      const { bytes, settings } = readSettings(path);
      const next = options.uninstall ? removeCwtHooks(settings) : addCwtHooks(settings);
      const text = `${JSON.stringify(next, null, 2)}\n`;
      const changed = JSON.stringify(next) !== JSON.stringify(settings);
      if (!changed) {
        if (options.json) printJson(output, { path, changed: false, installed: !options.uninstall });
        else output.stdout(options.uninstall ? MESSAGES.uninstallNothing(path) : MESSAGES.installUnchanged(path));
        return 0;
      }
      mkdirSync(dirname(path), { recursive: true });
      try {
        await writeSharedFile(resolveSharedFile(path, cwd), Buffer.from(text), { store, env, expectSha: sha256(bytes) });
      } catch (error) {
        // Someone wrote the file between our read and our write: merge into their version instead.
        if (error instanceof ConflictError && attempt < MAX_ATTEMPTS) continue;
        if (error instanceof ConflictError) throw new ConflictError(MESSAGES.installRaced(path), { cause: error });
        throw error;
      }
      if (options.json) printJson(output, { path, changed: true, installed: !options.uninstall });
      else {
        output.stdout(options.uninstall ? MESSAGES.uninstalled(path) : MESSAGES.installed(path));
        if (!options.uninstall) output.stdout(MESSAGES.installScope(options.global === true));
      }
      return 0;
    }
  } finally {
    await store.close();
  }
}
