/**
 * Dependency-free debug tracing: with CWT_DEBUG=1 (or --debug, which sets it) timed lines go to stderr only,
 * never stdout, because hook stdout is parsed by Claude Code.
 */
/** Milliseconds on a monotonic clock; process.hrtime needs no module (performance loads perf_hooks). */
export function getClockMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export function isDebugEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.CWT_DEBUG;
  return value !== undefined && value !== '' && value !== '0' && value !== 'false';
}

/** A timed line, in ms since the process started (so Node's own start is part of the picture, as in bin/cwt.js). */
export function debug(scope: string, message: string): void {
  if (!isDebugEnabled()) return;
  const ms = (process.uptime() * 1000).toFixed(1).padStart(7);
  process.stderr.write(`[cwt ${ms}ms] ${scope}: ${message}\n`);
}
