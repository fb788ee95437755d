/** `cwt serve`: the per-user hook fast path (src/server/fastpath.ts); started on demand, not by you. */
export interface ServeOptions {
  env?: NodeJS.ProcessEnv;
}

/** Serves until idle. Exit 0 also when another instance already runs; 4 when the fast path is not set up or its port is taken. */
export async function runServe(options: ServeOptions = {}): Promise<number> {
  const { serveFastPath } = await import('../server/fastpath.js');
  const outcome = await serveFastPath({ env: options.env ?? process.env });
  return outcome === 'served' || outcome === 'already-running' ? 0 : 4;
}
