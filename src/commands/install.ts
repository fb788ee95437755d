/**
 * `cwt install [--global] [--mcp | --no-mcp] [--uninstall]`: merge cwt's Claude Code hooks into `.claude/settings.local.json`
 * of this repository's main checkout, or into the Claude home's `settings.json` for every session. Other
 * keys and other hooks are kept; running it twice changes nothing; the file is replaced with cwt's own
 * locked compare-and-swap write, so a concurrent writer is never overwritten.
 *
 * cwt's MCP server is registered for plain tabs of this repository by default where the fast path is set up
 * (its `cwt mcp` is then the fast path's second decider, so no process starts per tool call; --no-mcp opts out
 * and keeps the guard command; a tracked .mcp.json keeps the guard too, with a note; --mcp insists, and fails on
 * a tracked one): an entry in the main checkout's
 * `.mcp.json` (untracked, excluded from git; a tracked one is left alone) approved by `enabledMcpjsonServers`
 * in settings.local.json. It never writes ~/.claude.json: Claude Code rewrites that file itself, unlocked,
 * while it runs, so a write from outside could be lost or lose Claude Code's. With --global it prints the
 * `claude mcp add --scope user` command instead, so Claude Code writes it. Sessions started by cwt new get the
 * server through --mcp-config either way.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { assertContainedWrite } from '../core/fs/containedwrite.js';
import { ConflictError, UsageError } from '../core/util/errors.js';
import { ensureExcluded } from '../core/git/exclude.js';
import { isTracked, resolveHooksDir, resolveRepo } from '../core/git/git.js';
import { getGitHookCommand, installGitHooks, uninstallGitHooks, type GitHookChange } from '../core/git/githooks.js';
import { repoLockName, withLock } from '../core/coordination/locks.js';
import {
  addCwtHooks,
  addMcpServer,
  disableProjectMcpServer,
  enableProjectMcpServer,
  getCwtBinPath,
  getMcpServerEntry,
  isJsonObject,
  LOCAL_SETTINGS,
  MCP_JSON,
  MCP_SERVER_NAME,
  removeCwtHooks,
  removeMcpServer,
} from '../core/harness/harness.js';
import { resolveClaudeHome } from '../core/fs/paths.js';
import { ensureFastPathTarget, isFastPathSupported, isMcpServerDeclined, startFastPathService } from '../core/harness/fastpath.js';
import { resolveSharedFile, sha256, writeSharedFile } from '../core/coordination/sharedfile.js';
import { openStore } from '../core/store/open.js';
import type { Store } from '../core/store/store.js';
import { MESSAGES } from '../texts/messages.js';
import { createProcessOutput, printJson, type Output } from '../ui/output.js';

export interface InstallOptions {
  global?: boolean;
  /** cwt's git hooks (pre-commit check, post-commit bookkeeping) instead of the Claude Code hooks. */
  gitHooks?: boolean;
  /**
   * Register cwt's MCP server (project .mcp.json, enabled in settings.local.json). The default where the fast
   * path is set up (not with --global): its `cwt mcp` is the fast path's second decider. True (--mcp) insists:
   * a tracked .mcp.json is then an error rather than a reason to keep the guard.
   */
  mcp?: boolean;
  /** --no-mcp: no MCP server for this repository (cwt's registration removed): the fallback is the guard command. */
  noMcp?: boolean;
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

/**
 * Rewrites a JSON settings file through `transform`, with a locked compare-and-swap write: a concurrent writer
 * between our read and our write makes us merge into their version instead. Returns whether it changed.
 */
async function updateJsonFile(
  path: string,
  transform: (value: Record<string, unknown>) => Record<string, unknown>,
  context: { store: Store; env: NodeJS.ProcessEnv; cwd: string },
): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    const { bytes, settings } = readSettings(path);
    const next = transform(settings);
    // Key order is not a change (cwt's hooks are moved last when re-added, beside an approval written after them).
    if (toCanonicalJson(next) === toCanonicalJson(settings)) return false;
    mkdirSync(dirname(path), { recursive: true });
    try {
      await writeSharedFile(resolveSharedFile(path, context.cwd), Buffer.from(`${JSON.stringify(next, null, 2)}\n`), { ...context, expectSha: sha256(bytes) });
      return true;
    } catch (error) {
      if (error instanceof ConflictError && attempt < MAX_ATTEMPTS) continue;
      if (error instanceof ConflictError) throw new ConflictError(MESSAGES.installRaced(path), { cause: error });
      throw error;
    }
  }
}

/** JSON text with every object's keys sorted: equal for values that differ only in key order. Pure. */
function toCanonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    isJsonObject(item) ? Object.fromEntries(Object.keys(item).sort().map((key) => [key, item[key]])) : item,
  );
}

/** Where `--mcp` registers the server, and how: project `.mcp.json`, enabled from settings.local.json. */
interface McpPlan {
  /** The repository's `.mcp.json`; undefined with --global (printed as a `claude mcp add` command instead). */
  mcpJson: string | undefined;
}

export async function installHooks(options: InstallOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const output = options.output ?? createProcessOutput();
  if (options.gitHooks) return installGitHookShims(options, env, cwd, output);
  const uninstall = options.uninstall === true;
  if (options.mcp && options.noMcp) throw new UsageError(MESSAGES.badArguments('install', '--mcp and --no-mcp do not go together'), { hint: MESSAGES.installMcpChoiceHint });
  let path: string;
  // Registered by default where the fast path can use it (a repository, Linux); --no-mcp removes cwt's entry.
  // (CWT_FASTPATH=http-only asks for the http handler alone: no second decider, so no server registered for one.)
  const register = !uninstall && !options.noMcp && (options.mcp === true || (!options.global && isFastPathSupported(env) && env.CWT_FASTPATH !== 'http-only'));
  const unregister = uninstall || options.noMcp === true;
  const mcp: McpPlan | undefined = register || unregister ? { mcpJson: undefined } : undefined;
  /** Why the default registration was left out (a tracked .mcp.json): printed, not an error. */
  let mcpSkipped: string | undefined;
  let mcpDeclined = false;
  if (options.global) {
    path = join(resolveClaudeHome(env), 'settings.json');
  } else {
    const repo = await resolveRepo(cwd, env);
    path = join(repo.mainWorktree, LOCAL_SETTINGS);
    // Both files are the checkout's, where a tracked link could aim cwt's write at any JSON file: refused
    // before anything (the exclude file included) is written.
    assertContainedWrite(path, repo.mainWorktree);
    if (mcp) {
      mcp.mcpJson = join(repo.mainWorktree, MCP_JSON);
      assertContainedWrite(mcp.mcpJson, repo.mainWorktree);
      // A team's checked-in .mcp.json is theirs: adding a server with this machine's paths would dirty it.
      if (register && (await isTracked(MCP_JSON, repo.mainWorktree))) {
        if (options.mcp === true) throw new UsageError(MESSAGES.installMcpJsonTracked(mcp.mcpJson), { hint: MESSAGES.installMcpAddHint('local', getMcpServerEntry()) });
        // The default: the team's file stays as it is, and this repository keeps the guard as the fallback.
        mcpSkipped = mcp.mcpJson;
        mcp.mcpJson = undefined;
      } else if (register && existsSync(path) && isMcpServerDeclined(env, repo.mainWorktree, readSettings(path).settings)) {
        // The person turned cwt's server off in Claude Code: respected, and the guard is the fallback (an
        // mcp_tool decider with no server running would leave the calls undecided while the service is down).
        mcpSkipped = mcp.mcpJson;
        mcpDeclined = true;
        mcp.mcpJson = undefined;
      }
    }
    // Personal settings: never swept into a commit by `git add -A`.
    if (!uninstall) {
      ensureExcluded(repo.commonDir, `/${LOCAL_SETTINGS}`);
      if (register && mcp?.mcpJson !== undefined) ensureExcluded(repo.commonDir, `/${MCP_JSON}`);
    }
  }
  // The per-user fast path: a port recorded once (settings need a static URL), where the caller's uid can be checked.
  const fastPath = uninstall ? undefined : await ensureFastPathTarget(env);
  const store = await openStore(env);
  try {
    const context = { store, env, cwd };
    const changed = await updateJsonFile(
      path,
      (settings) => {
        // With the repository's MCP server registered (the default; --mcp), a tab runs `cwt mcp`: the second
        // decider is an mcp_tool call to it, not the guard (no process per call), and the same handler cwt new
        // writes. --no-mcp, --global, or a tracked .mcp.json: the guard.
        const serverRegistered = register && mcp?.mcpJson !== undefined;
        const decider = fastPath && serverRegistered ? { ...fastPath, mcp: true } : fastPath;
        const hooked = uninstall ? removeCwtHooks(settings) : addCwtHooks(settings, undefined, decider);
        // Project servers from .mcp.json need approval; settings.local.json is where a person gives it.
        if (!mcp || options.global || (register && !serverRegistered)) return hooked;
        return unregister ? disableProjectMcpServer(hooked) : enableProjectMcpServer(hooked);
      },
      context,
    );
    const mcpChanged =
      mcp?.mcpJson !== undefined && existsOrInstalling(mcp.mcpJson, unregister) ? await updateJsonFile(mcp.mcpJson, (value) => (unregister ? removeMcpServer(value) : addMcpServer(value)), context) : false;
    if (fastPath) await startFastPathService(env, getCwtBinPath());
    // Which second decider the fast path's events got: cwt mcp, the guard, or none (CWT_FASTPATH=http-only).
    const secondDecider = fastPath === undefined ? undefined : fastPath.guard === false ? 'none' : register && mcp?.mcpJson !== undefined ? 'mcp' : 'guard';
    if (options.json) {
      const mcpReport =
        mcpSkipped !== undefined ? { mcp: { path: mcpSkipped, changed: false, registered: false, reason: mcpDeclined ? 'declined' : 'tracked' } } : mcp?.mcpJson !== undefined ? { mcp: { path: mcp.mcpJson, changed: mcpChanged, registered: register } } : {};
      printJson(output, { path, changed, installed: !uninstall, fastPath: fastPath ? { port: fastPath.port, decider: secondDecider } : null, ...mcpReport });
      return 0;
    }
    if (uninstall) output.stdout(changed ? MESSAGES.uninstalled(path) : MESSAGES.uninstallNothing(path));
    else {
      output.stdout(changed ? MESSAGES.installed(path) : MESSAGES.installUnchanged(path));
      if (changed) output.stdout(MESSAGES.installScope(options.global === true));
      output.stdout(fastPath ? MESSAGES.installFastPath(fastPath.port, secondDecider === 'mcp' ? 'mcp' : 'guard') : MESSAGES.installNoFastPath);
    }
    if (mcp?.mcpJson !== undefined && (mcpChanged || register)) {
      output.stdout(unregister ? MESSAGES.uninstalledMcp(mcp.mcpJson) : mcpChanged ? MESSAGES.installedMcp(mcp.mcpJson) : MESSAGES.installMcpUnchanged(mcp.mcpJson));
    }
    if (mcpSkipped !== undefined) output.stdout(mcpDeclined ? MESSAGES.installMcpDeclinedGuard(mcpSkipped) : MESSAGES.installMcpJsonTrackedGuard(mcpSkipped));
    if (secondDecider === 'guard' && !uninstall) output.stdout(MESSAGES.installGuardFallback(options.global === true ? 'global' : mcpSkipped !== undefined ? 'tracked' : 'no-mcp'));
    if (options.mcp && options.global && !uninstall) output.stdout(MESSAGES.installMcpGlobal(getMcpServerEntry()));
    return 0;
  } finally {
    await store.close();
  }
}

/** Uninstalling never creates a file just to leave it without cwt in it. */
function existsOrInstalling(path: string, uninstall: boolean): boolean {
  return !uninstall || existsSync(path);
}
