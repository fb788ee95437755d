/**
 * The hook bundle (dist/hook.cjs): `cwt hook <event>` from Claude Code, in one CommonJS file with the
 * store's JavaScript inside, so a hook process loads a handful of files instead of a module graph. It
 * skips the argument table, the command modules and the schema library. bin/cwt.js calls runHook and
 * falls through to the full CLI when it returns false (help, usage errors, unknown events).
 */
import { isWorktreeHookEvent } from './core/harness/harness.js';
import { answerCommandHook } from './hooks/command.js';
import { writeAll } from './ui/output.js';
import { isHookEvent } from './hooks/input.js';

/**
 * Answers `cwt hook <event>`; false when the arguments are not exactly one known event, and for the worktree
 * events: creating and removing a worktree needs the full CLI (git, the pipeline), loaded only then.
 */
export async function runHook(args: readonly string[]): Promise<boolean> {
  const [event, ...extra] = args;
  if (!isHookEvent(event) || extra.length > 0 || isWorktreeHookEvent(event)) return false;
  await answerCommandHook(event);
  return true;
}

/**
 * Answers `cwt git-hook <name>` (what cwt's git hook shims run) and exits with the hook's code; false when
 * the arguments are not one known hook (the full CLI then explains). Extra arguments are git's
 * (post-merge's squash flag, post-rewrite's command) and are not needed.
 */
export async function runGitHookEntry(args: readonly string[]): Promise<boolean> {
  const { isGitHookName } = await import('./core/git/githooks.js');
  const [name] = args;
  if (!isGitHookName(name)) return false;
  const { getOwnShim, runGitHook } = await import('./hooks/githook.js');
  process.exitCode = await runGitHook(name, {
    env: process.env,
    cwd: process.cwd(),
    write: (text) => writeAll(2, `${text}\n`),
    gitPid: process.ppid,
    // The shim execs Node: this process is the shim the service was asked from, if it was.
    shim: getOwnShim(),
  });
  return true;
}
