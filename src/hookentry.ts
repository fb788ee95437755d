/**
 * The hook bundle (dist/hook.cjs): `cwt hook <event>` from Claude Code, in one CommonJS file with the
 * store's JavaScript inside, so a hook process loads a handful of files instead of a module graph. It
 * skips the argument table, the command modules and the schema library. bin/cwt.js calls runHook and
 * falls through to the full CLI when it returns false (help, usage errors, unknown events).
 */
import { isWorktreeHookEvent } from './core/harness/harness.js';
import { answerCommandHook } from './hooks/command.js';
import { writeAll, type Output } from './ui/output.js';
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

/**
 * The flags each lean command takes, as the full CLI's table has them (src/cli.ts), by option name; a unit test
 * holds the two together (the table itself would bring the argument parser into the hook bundle).
 */
export const LEAN_FLAGS = {
  status: { '--all': 'all', '--json': 'json', '--markdown': 'markdown' },
  append: { '--unique': 'unique', '--json': 'json', '--quiet': 'quiet', '-q': 'quiet' },
  new: { '--no-launch': 'no-launch', '--json': 'json' },
} as const;

/** The options that take a value (`--from <ref>`), as the full CLI's table has them, by option name. */
export const LEAN_VALUES: Record<keyof typeof LEAN_FLAGS, Readonly<Record<string, string>>> = {
  status: {},
  append: {},
  new: { '--from': 'from', '--fork': 'fork', '--path': 'path', '--agent': 'agent' },
};

/** How many positionals each lean command takes (the full CLI's min and max, which are equal for each). */
export const LEAN_POSITIONALS = { status: 0, append: 2, new: 1 } as const;

/** The lean commands whose `--` hands what follows to the agent, as the full CLI's `passthrough`. */
const LEAN_PASSTHROUGH: ReadonlySet<string> = new Set(['new']);

export interface LeanCommandLine {
  flags: Set<string>;
  values: Map<string, string>;
  positionals: string[];
  /** After `--`, for a command that passes it through to the agent. */
  rest: string[];
}

/**
 * The command lines the lean entries answer: only options of the command (each value option once, its value the
 * next argument, never one that starts with a dash), the exact number of positionals (a "- item" argument is a
 * positional, as in the full CLI), and `--` only where the command hands the rest to its agent. Anything else
 * (help, --debug, -C, `--opt=value`, an unknown or misspelt option, a wrong count) is undefined: the full CLI
 * parses and explains it. Pure.
 */
export function parseLeanCommandLine(command: keyof typeof LEAN_FLAGS, args: readonly string[]): LeanCommandLine | undefined {
  const known: Record<string, string> = LEAN_FLAGS[command];
  const valued = LEAN_VALUES[command];
  const flags = new Set<string>();
  const values = new Map<string, string>();
  const positionals: string[] = [];
  let rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      if (!LEAN_PASSTHROUGH.has(command)) return undefined;
      rest = args.slice(i + 1);
      break;
    }
    if (Object.hasOwn(known, arg)) flags.add(known[arg]!);
    else if (Object.hasOwn(valued, arg)) {
      const value = args[i + 1];
      if (value === undefined || value.startsWith('-') || values.has(valued[arg]!)) return undefined;
      values.set(valued[arg]!, value);
      i++;
    } else if (arg.startsWith('-') && !/^-\s/.test(arg)) return undefined;
    else positionals.push(arg);
  }
  return positionals.length === LEAN_POSITIONALS[command] ? { flags, values, positionals, rest } : undefined;
}

/**
 * A lean command's frame: its command line read as the full CLI would (false, and nothing done, for any it does
 * not know exactly), its output on the process's descriptors, its exit code, and an error reported as the full
 * CLI's one top-level catch does.
 */
async function runLeanCommand(
  command: keyof typeof LEAN_FLAGS,
  args: readonly string[],
  run: (line: LeanCommandLine, output: Output) => Promise<number>,
  outputKind: 'descriptors' | 'streams' = 'descriptors',
): Promise<boolean> {
  const line = parseLeanCommandLine(command, args);
  if (!line) return false;
  const { reportError } = await import('./ui/errorreport.js');
  const { createFdOutput, createProcessOutput } = await import('./ui/output.js');
  const output = outputKind === 'streams' ? createProcessOutput() : createFdOutput();
  try {
    process.exitCode = await run(line, output);
  } catch (error) {
    process.exitCode = reportError(error, output.stderr);
  }
  return true;
}

/**
 * `cwt status` (and `ls`) from the hook bundle: the same command module, output and exit code as the full
 * CLI, and its daily retention pass when due, without the argument table, the command graph or the schema
 * library (loaded only for a config file). False: let the full CLI answer.
 */
export function runStatusEntry(args: readonly string[]): Promise<boolean> {
  return runLeanCommand('status', args, async (line, output) => {
    const { showStatus } = await import('./commands/status.js');
    const code = await showStatus({ all: line.flags.has('all'), json: line.flags.has('json'), markdown: line.flags.has('markdown'), output });
    const { isRetentionPassDue } = await import('./core/retention/due.js');
    if (code === 0 && isRetentionPassDue()) await (await import('./core/retention/pass.js')).runRetentionPassIfDue();
    return code;
  });
}

/** `cwt append <path> <line> [--unique] [--json] [--quiet]` from the hook bundle, as runStatusEntry. */
export function runAppendEntry(args: readonly string[]): Promise<boolean> {
  return runLeanCommand('append', args, async (line, output) => {
    const { appendToFile } = await import('./commands/append.js');
    const [path, text] = line.positionals as [string, string];
    const code = await appendToFile({ path, line: text, unique: line.flags.has('unique'), json: line.flags.has('json'), quiet: line.flags.has('quiet'), output });
    // The change is made and reported: a configured webhook hears about it, as after the full CLI's commands.
    const { triggerNotifierAfterCommand } = await import('./core/coordination/notify.js');
    await triggerNotifierAfterCommand();
    return code;
  });
}

/**
 * `cwt new` from a CommonJS bundle of its own (dist/new.cjs): the same command module, output and exit code as
 * the full CLI, and its epilogue (webhook, the daily retention pass), without the ES module loader, which costs
 * a `cwt new` ~45 ms before its first git call. Its output goes through the process's streams, as the full
 * CLI's (the task list draws on stderr; a launched agent may ask on the terminal after it exits). False: let the
 * full CLI answer (help, `--from=ref`, a missing value…).
 */
export function runNewEntry(args: readonly string[]): Promise<boolean> {
  return runLeanCommand(
    'new',
    args,
    async (line, output) => {
      const { newSession } = await import('./commands/new.js');
      const code = await newSession({
        branch: line.positionals[0]!,
        from: line.values.get('from'),
        path: line.values.get('path'),
        agent: line.values.get('agent'),
        fork: line.values.get('fork'),
        launch: !line.flags.has('no-launch'),
        json: line.flags.has('json'),
        agentArgs: line.rest,
        output,
      });
      const { triggerNotifierAfterCommand } = await import('./core/coordination/notify.js');
      await triggerNotifierAfterCommand();
      const { isRetentionPassDue } = await import('./core/retention/due.js');
      if (code === 0 && isRetentionPassDue()) await (await import('./core/retention/pass.js')).runRetentionPassIfDue();
      return code;
    },
    'streams',
  );
}
