/**
 * cwt's git hook shims: tiny POSIX sh scripts (templates/git-hook.sh) in the hooks directory git actually uses
 * (core.hooksPath honoured), each running `node <cwt> git-hook <name>` with both paths baked in at install.
 * A hook that was there before is kept beside the shim as `<name>.cwt-chained` and run first by it, so husky,
 * lefthook or a plain script still runs and its failure still fails git. Installing twice changes nothing;
 * uninstalling puts back exactly what was there.
 */
import { readTextIfExists } from '../fs/paths.js';
import { chmodSync, copyFileSync, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic.js';
import { assertContainedWrite } from '../fs/containedwrite.js';
import { isTracked } from './git.js';
import { getCwtBinPath, readTemplate, renderTemplate } from '../harness/harness.js';
import { quoteShellWord } from '../../texts/shellquote.js';
import { getCheckoutRelativePath } from '../coordination/claims.js';

/**
 * The hooks cwt installs: pre-commit runs `cwt check --staged`; post-commit records the commit; post-merge
 * and post-rewrite (rebase, amend) record that the checkout moved its branch on purpose.
 */
export const GIT_HOOK_NAMES = ['pre-commit', 'post-commit', 'post-merge', 'post-rewrite'] as const;
export type GitHookName = (typeof GIT_HOOK_NAMES)[number];

export const GIT_HOOK_TEMPLATE = 'git-hook.sh';
export const CHAINED_SUFFIX = '.cwt-chained';
const SHIM_MODE = 0o755;

export function isGitHookName(name: string | undefined): name is GitHookName {
  return (GIT_HOOK_NAMES as readonly (string | undefined)[]).includes(name);
}

/** True when a hook file's text is one of cwt's shims (any version, any install location). Pure. */
export function isCwtGitHook(text: string): boolean {
  return /^# cwt-git-hook v\d+ /m.test(text);
}

/** The command that runs cwt's side of a hook, for a hook file cwt may not replace (tracked by git). */
export function getGitHookCommand(hook: GitHookName, nodePath = process.execPath, binPath = getCwtBinPath()): string {
  return `${quoteShellWord(nodePath)} ${quoteShellWord(binPath)} git-hook ${hook} "$@" || exit $?`;
}

/** The shim for one hook, with this Node and this cwt baked in, each quoted for sh. */
export function renderGitHookShim(hook: GitHookName, nodePath = process.execPath, binPath = getCwtBinPath()): string {
  return renderTemplate(readTemplate(GIT_HOOK_TEMPLATE), { hook, node: quoteShellWord(nodePath), bin: quoteShellWord(binPath) });
}

export type GitHookAction =
  /** No hook was there; the shim is. */
  | 'installed'
  /** A hook was there: kept as <name>.cwt-chained, run first by the shim. */
  | 'chained'
  /** An older shim (another cwt location) was rewritten. */
  | 'updated'
  | 'unchanged'
  /** The hook file is tracked by git (e.g. .husky/pre-commit): left alone, cwt must be called from it. */
  | 'tracked'
  /** Uninstall: the shim removed, nothing was there before. */
  | 'removed'
  /** Uninstall: the chained hook put back in its place. */
  | 'restored'
  /** Uninstall: no shim of cwt's there. */
  | 'absent';

export interface GitHookChange {
  hook: GitHookName;
  path: string;
  action: GitHookAction;
}

/** True when `path` lies in the checkout's files (not in `.git`), where the repository's content is. */
function isInCheckout(path: string, topLevel: string): boolean {
  const rel = getCheckoutRelativePath(path, topLevel);
  return rel !== undefined && rel !== '.git' && !rel.startsWith('.git/');
}

/** True when `path` lies in `topLevel` and git tracks it there: replacing it would dirty the checkout. */
async function isTrackedInCheckout(path: string, topLevel: string): Promise<boolean> {
  return isInCheckout(path, topLevel) && (await isTracked(getCheckoutRelativePath(path, topLevel)!, topLevel));
}

export interface GitHookInstallOptions {
  nodePath?: string;
  binPath?: string;
}

/** What installing does to one hook, decided before anything is written. */
async function planGitHook(path: string, shim: string, topLevel: string): Promise<GitHookAction> {
  const current = readTextIfExists(path);
  if (current === shim) return 'unchanged';
  if (current === undefined) return 'installed';
  if (isCwtGitHook(current)) return 'updated';
  return (await isTrackedInCheckout(path, topLevel)) ? 'tracked' : 'chained';
}

/**
 * Installs the shims into `hooksDir` (see resolveHooksDir); idempotent. Every hook is planned and its writes
 * checked first, so a refused one leaves all of them as they were.
 */
export async function installGitHooks(topLevel: string, hooksDir: string, options: GitHookInstallOptions = {}): Promise<GitHookChange[]> {
  // A hooks directory inside the checkout (core.hooksPath=.githooks) is the repository's: no link on the
  // way to it may carry the shims elsewhere. One outside it (.git/hooks, an absolute path) is the user's.
  if (isInCheckout(hooksDir, topLevel)) assertContainedWrite(hooksDir, topLevel);
  const planned: (GitHookChange & { shim: string })[] = [];
  for (const hook of GIT_HOOK_NAMES) {
    const path = join(hooksDir, hook);
    const shim = renderGitHookShim(hook, options.nodePath, options.binPath);
    const action = await planGitHook(path, shim, topLevel);
    // copyFileSync and chmodSync follow a link at the chained name (a tracked one, say) wherever it points.
    if (action === 'chained') assertContainedWrite(`${path}${CHAINED_SUFFIX}`, hooksDir);
    planned.push({ hook, path, action, shim });
  }
  for (const { path, action, shim } of planned) {
    if (action === 'chained') {
      // A copy, then an atomic replace: at no moment is there no hook at `path`. An older chained copy
      // (husky regenerated its hook since) gives way to what is there now.
      const chained = `${path}${CHAINED_SUFFIX}`;
      copyFileSync(path, chained);
      chmodSync(chained, statSync(path).mode & 0o7777);
    }
    if (action !== 'unchanged' && action !== 'tracked') writeFileAtomic(path, shim, { mode: SHIM_MODE });
  }
  return planned.map(({ hook, path, action }) => ({ hook, path, action }));
}

/** Removes the shims and puts back the hooks they chained; anything not cwt's is left alone. */
export function uninstallGitHooks(hooksDir: string): GitHookChange[] {
  return GIT_HOOK_NAMES.map((hook) => {
    const path = join(hooksDir, hook);
    const current = readTextIfExists(path);
    if (current === undefined || !isCwtGitHook(current)) return { hook, path, action: 'absent' };
    const chained = `${path}${CHAINED_SUFFIX}`;
    if (existsSync(chained)) {
      // The original file itself, mode and all, back under its name in one rename.
      renameSync(chained, path);
      return { hook, path, action: 'restored' };
    }
    rmSync(path, { force: true });
    return { hook, path, action: 'removed' };
  });
}

export type GitHookState = 'installed' | 'missing' | 'other-cwt';

/** Whether each shim is in place, and runs this cwt (`other-cwt`: a shim baked with another location). */
export function inspectGitHooks(hooksDir: string, options: GitHookInstallOptions = {}): { hook: GitHookName; path: string; state: GitHookState }[] {
  return GIT_HOOK_NAMES.map((hook) => {
    const path = join(hooksDir, hook);
    const current = readTextIfExists(path);
    const state: GitHookState =
      current === undefined || !isCwtGitHook(current) ? 'missing' : current === renderGitHookShim(hook, options.nodePath, options.binPath) ? 'installed' : 'other-cwt';
    return { hook, path, state };
  });
}

