/**
 * The lean bundle (dist/lean.cjs): `cwt status`, `cwt ls` and `cwt append` answered in one CommonJS file, as
 * the hook bundle answers `cwt hook` (src/hookentry.ts). A module of its own: importing the hook entry's modules
 * would run their initialisation (the hook handlers, the fast path, the error log) on every status and append.
 * bin/cwt.js calls runStatusEntry or runAppendEntry and falls through to the full CLI when it returns false.
 */
import type { Output } from './ui/output.js';

/**
 * The flags each lean command takes, as the full CLI's table has them (src/cli.ts), by option name; a unit test
 * holds the two together (the table itself would bring the argument parser into the lean bundle).
 */
export const LEAN_FLAGS = {
  status: { '--all': 'all', '--json': 'json', '--markdown': 'markdown' },
  append: { '--unique': 'unique', '--json': 'json', '--quiet': 'quiet', '-q': 'quiet' },
} as const;

/** How many positionals each lean command takes (the full CLI's min and max, which are equal for both). */
export const LEAN_POSITIONALS = { status: 0, append: 2 } as const;

export interface LeanCommandLine {
  flags: Set<string>;
  positionals: string[];
}

/**
 * The command lines the lean entries answer: only flags of the command and the exact number of positionals
 * (a "- item" argument is a positional, as in the full CLI). Anything else (help, --debug, -C, `--`, an
 * unknown or misspelt option, a wrong count) is undefined: the full CLI parses and explains it. Pure.
 */
export function parseLeanCommandLine(command: keyof typeof LEAN_FLAGS, args: readonly string[]): LeanCommandLine | undefined {
  const known: Record<string, string> = LEAN_FLAGS[command];
  const flags = new Set<string>();
  const positionals: string[] = [];
  for (const arg of args) {
    if (Object.hasOwn(known, arg)) flags.add(known[arg]!);
    else if (arg.startsWith('-') && !/^-\s/.test(arg)) return undefined;
    else positionals.push(arg);
  }
  return positionals.length === LEAN_POSITIONALS[command] ? { flags, positionals } : undefined;
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
): Promise<boolean> {
  const line = parseLeanCommandLine(command, args);
  if (!line) return false;
  const { createFdOutput } = await import('./ui/output.js');
  const output = createFdOutput();
  try {
    process.exitCode = await run(line, output);
  } catch (error) {
    // Loaded for an error only (with the store's fault texts it is ~0.5 ms of a start).
    const { reportError } = await import('./ui/errorreport.js');
    process.exitCode = reportError(error, output.stderr);
  }
  return true;
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
    const { isRetentionPassDue } = await import('./core/retention/due.js');
    if (code === 0 && isRetentionPassDue()) await (await import('./core/retention/pass.js')).runRetentionPassIfDue();
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
    const { isNotifyConfigured } = await import('./core/coordination/notifyconfig.js');
    if (isNotifyConfigured()) await (await import('./core/coordination/notify.js')).triggerNotifierAfterCommand();
    return code;
  });
}
