/**
 * The lean bundles: `cwt status` and `cwt ls` answered in one CommonJS file (dist/status.cjs), `cwt append` in
 * another (dist/append.cjs), `cwt new` and `claude -w`'s worktree hooks in a third (dist/new.cjs), as the hook
 * bundle answers `cwt hook` (src/hookentry.ts). A module of its own: importing the hook entry's modules would
 * run their initialisation (the hook handlers, the fast path, the error log) on every start. bin/cwt.js calls an
 * entry and falls through to the full CLI when it returns false.
 */
import type { Output } from './ui/output.js';

/**
 * The flags each lean command takes, as the full CLI's table has them (src/cli.ts), by option name; a unit test
 * holds the two together (the table itself would bring the argument parser into the lean bundle).
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
  const { createFdOutput, createProcessOutput } = await import('./ui/output.js');
  const output = outputKind === 'streams' ? createProcessOutput() : createFdOutput();
  await setExitCode(() => run(line, output), output.stderr);
  return true;
}

/** Runs a lean entry's command and sets the exit code it returns, or the one of the error it throws (reported). */
async function setExitCode(run: () => Promise<number>, writeError?: (text: string) => void): Promise<void> {
  try {
    process.exitCode = await run();
  } catch (error) {
    // Loaded for an error only (with the store's fault texts it is ~0.5 ms of a start).
    const { reportError } = await import('./ui/errorreport.js');
    process.exitCode = reportError(error, writeError);
  }
}

/**
 * `cwt status` (and `ls`) from the lean bundle: the same command module, output and exit code as the full
 * CLI, and its daily retention pass when due, without the argument table, the command graph or the schema
 * library (loaded only for a config file). False: let the full CLI answer.
 */
export function runStatusEntry(args: readonly string[]): Promise<boolean> {
  return runLeanCommand('status', args, async (line, output) => {
    const { showStatus } = await import('./commands/status.js');
    const code = await showStatus({ all: line.flags.has('all'), json: line.flags.has('json'), markdown: line.flags.has('markdown'), output, exiting: true });
    await runRetentionPassIfDue(code);
    return code;
  });
}

/** `cwt append <path> <line> [--unique] [--json] [--quiet]` from the lean bundle, as runStatusEntry. */
export function runAppendEntry(args: readonly string[]): Promise<boolean> {
  return runLeanCommand('append', args, async (line, output) => {
    const { appendToFile } = await import('./commands/append.js');
    const [path, text] = line.positionals as [string, string];
    const code = await appendToFile({ path, line: text, unique: line.flags.has('unique'), json: line.flags.has('json'), quiet: line.flags.has('quiet'), output, exiting: true });
    // The change is made and reported: a configured webhook hears about it, as after the full CLI's commands
    // (the notifier loads only then: ~0.3 ms otherwise).
    await notifyAfterCommand();
    return code;
  });
}

/** The full CLI's other epilogue: after an everyday command that succeeded, the day's retention pass, if due. */
async function runRetentionPassIfDue(code: number): Promise<void> {
  // The marker's mtime first: the pass (and the config schema it loads) only on the day's first command.
  const { isRetentionPassDue } = await import('./core/retention/due.js');
  if (code === 0 && isRetentionPassDue()) await (await import('./core/retention/pass.js')).runRetentionPassIfDue();
}

/** What the full CLI does after a command that changed something: a configured webhook hears of it. */
async function notifyAfterCommand(): Promise<void> {
  // The notifier loads only then: ~0.3 ms otherwise.
  const { isNotifyConfigured } = await import('./core/coordination/notifyconfig.js');
  if (isNotifyConfigured()) await (await import('./core/coordination/notify.js')).triggerNotifierAfterCommand();
}

/**
 * `cwt new` from a CommonJS bundle of its own (dist/new.cjs): the same command module, output and exit code as
 * the full CLI, and its epilogue (the webhook, the daily retention pass), without the ES module loader, which
 * cost a `cwt new` ~45 ms before its first git call. Its output goes through the process's streams, as the full
 * CLI's (the task list draws on stderr; a launched agent may ask on the terminal after it exits). False: let
 * the full CLI answer (help, `--from=ref`, a missing value…).
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
        exiting: true,
      });
      await notifyAfterCommand();
      await runRetentionPassIfDue(code);
      return code;
    },
    'streams',
  );
}

/**
 * `cwt hook worktree-create` and `worktree-remove` (what `claude -w` runs before its session starts, and when it
 * leaves) from the same bundle as `cwt new`, whose pipeline creates the worktree: the hook bundle stays a
 * decision's. False for any other arguments (the full CLI explains).
 */
export async function runWorktreeHookEntry(args: readonly string[]): Promise<boolean> {
  const [event, ...extra] = args;
  const [{ isHookEvent }, { isWorktreeHookEvent }] = await Promise.all([import('./hooks/input.js'), import('./core/harness/harness.js')]);
  if (!isHookEvent(event) || !isWorktreeHookEvent(event) || extra.length > 0) return false;
  const { runWorktreeHook } = await import('./hooks/worktree.js');
  await setExitCode(() => runWorktreeHook(event));
  return true;
}
