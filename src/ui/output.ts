/** Where commands write: results to stdout, progress and diagnostics to stderr. Injected for tests. */
export interface Output {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** True when stdin and stderr are terminals, so prompting is allowed. */
  interactive: boolean;
}

export function createProcessOutput(): Output {
  return {
    stdout: (text) => void process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    stderr: (text) => void process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    interactive: Boolean(process.stdin.isTTY && process.stderr.isTTY) && !process.env.CI,
  };
}

export function printJson(output: Output, value: unknown): void {
  output.stdout(JSON.stringify(value, null, 2));
}
