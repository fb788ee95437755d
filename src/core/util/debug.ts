/**
 * Dependency-free debug tracing: with CWT_DEBUG=1 (or --debug, which sets it) timed lines go to stderr only,
 * never stdout, because hook stdout is parsed by Claude Code.
 */
import { writeSync } from 'node:fs';

/** Milliseconds on a monotonic clock; process.hrtime needs no module (performance loads perf_hooks). */
export function getClockMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export function isDebugEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.CWT_DEBUG;
  return value !== undefined && value !== '' && value !== '0' && value !== 'false';
}

/**
 * A timed line, in ms since the process started (so Node's own start is part of the picture, as in bin/cwt.js).
 * Written with write(2), as bin/cwt.js writes its own: process.stderr on a pipe is a net.Socket, whose first use
 * costs ~3 ms (node:net, node:stream) and would show up in the very timings the line reports. A line that
 * cannot be written (a closed or full stderr) is dropped: tracing never fails a command.
 */
export function debug(scope: string, message: string): void {
  if (!isDebugEnabled()) return;
  const ms = (process.uptime() * 1000).toFixed(1).padStart(7);
  try {
    writeSync(2, `[cwt ${ms}ms] ${scope}: ${message}\n`);
  } catch {
    // Nothing to do: the trace is best-effort.
  }
}
