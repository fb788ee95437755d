import { fstatSync, writeSync } from 'node:fs';
import { sanitizeForTerminal, stringifyJsonSafely } from '../texts/sanitize.js';

/** Where commands write: results to stdout, progress and diagnostics to stderr. Injected for tests. */
export interface Output {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** True when stdin and stderr are terminals, so prompting is allowed. */
  interactive: boolean;
}

/**
 * The process's own output. Whatever a command prints passes through sanitizeForTerminal (lines kept): text
 * from models and other machines inside a message never reaches the terminal as a control sequence. A terminal
 * is written through its stream (listr2 draws there, and holds back what is written meanwhile); a pipe or a
 * file with write(2), like createFdOutput: for a pipe process.stdout and process.stderr are net.Sockets, whose
 * creation costs a command ~2 ms each. Nothing is looked at before it is used: not stdin (interactive), not
 * the streams.
 */
export function createProcessOutput(): Output {
  const write = (fd: 1 | 2) => {
    let sink: ((line: string) => void) | undefined;
    return toLineWriter((line) => {
      sink ??= isTerminalOutput(fd) ? (text) => void (fd === 1 ? process.stdout : process.stderr).write(text) : (text) => writeAll(fd, text);
      sink(line);
    });
  };
  return {
    stdout: write(1),
    stderr: write(2),
    get interactive() {
      return Boolean(process.stdin.isTTY && process.stderr.isTTY) && !process.env.CI;
    },
  };
}

/** What an Output writes with: `text` sanitized for the terminal (lines kept), ending in a newline, to `sink`. */
function toLineWriter(sink: (line: string) => void): (text: string) => void {
  return (text) => {
    const clean = sanitizeForTerminal(text, { multiline: true });
    sink(clean.endsWith('\n') ? clean : `${clean}\n`);
  };
}

/**
 * True when `fd` (1 or 2) is a terminal. A pipe, a file or a socket is told by fstat, without the stream: a
 * character device may be a terminal or /dev/null, and only the stream (node:tty) tells which.
 */
export function isTerminalOutput(fd: 1 | 2): boolean {
  try {
    if (!fstatSync(fd).isCharacterDevice()) return false;
  } catch {
    return false; // closed: nothing is shown anywhere
  }
  return Boolean((fd === 1 ? process.stdout : process.stderr).isTTY);
}

/**
 * Writes all of `text` to a file descriptor with write(2): process.stdout and process.stderr on a pipe are
 * net.Sockets, whose modules (node:net, node:stream) cost more than the rest of an answer. A full
 * non-blocking pipe is retried; a closed one (EPIPE) ends the write.
 */
export function writeAll(fd: number, text: string): void {
  const data = Buffer.from(text);
  let offset = 0;
  while (offset < data.length) {
    try {
      offset += writeSync(fd, data, offset, data.length - offset);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') return; // the reader is gone (`cwt status | head -1`): nothing left to tell
      if (code !== 'EAGAIN') throw error;
    }
  }
}

/**
 * Like createProcessOutput, with write(2) on file descriptors 1 and 2 even for a terminal (whose stream loads
 * node:tty and node:net), for the lean status and append, which draw no task list. Never interactive: those
 * commands ask nothing.
 */
export function createFdOutput(): Output {
  return { stdout: toLineWriter((line) => writeAll(1, line)), stderr: toLineWriter((line) => writeAll(2, line)), interactive: false };
}

/** Prints a value as JSON that parses back to it exactly and carries no raw control character. */
export function printJson(output: Output, value: unknown): void {
  output.stdout(stringifyJsonSafely(value, 2));
}
