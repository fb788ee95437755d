import { sanitizeForTerminal, stringifyJsonSafely } from '../texts/sanitize.js';

/** Where commands write: results to stdout, progress and diagnostics to stderr. Injected for tests. */
export interface Output {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** True when stdin and stderr are terminals, so prompting is allowed. */
  interactive: boolean;
}

/**
 * The process's own streams. Whatever a command prints passes through sanitizeForTerminal (lines kept): text
 * from models and other machines inside a message never reaches the terminal as a control sequence.
 */
export function createProcessOutput(): Output {
  const write = (stream: NodeJS.WriteStream) => (text: string) => {
    const clean = sanitizeForTerminal(text, { multiline: true });
    stream.write(clean.endsWith('\n') ? clean : `${clean}\n`);
  };
  return {
    stdout: write(process.stdout),
    stderr: write(process.stderr),
    interactive: Boolean(process.stdin.isTTY && process.stderr.isTTY) && !process.env.CI,
  };
}

/** Prints a value as JSON that parses back to it exactly and carries no raw control character. */
export function printJson(output: Output, value: unknown): void {
  output.stdout(stringifyJsonSafely(value, 2));
}
