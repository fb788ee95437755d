/**
 * `cwt mcp`: the stdio MCP server with cwt's coordination tools; Claude Code starts it (see cwt install).
 * The store is opened at the first tool request, not before `initialize` is answered (see mcp/server.ts).
 */
declare const CWT_VERSION: string;

export interface McpOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export async function runMcp(options: McpOptions): Promise<number> {
  const env = options.env ?? process.env;
  const { serveMcp } = await import('../mcp/server.js');
  await serveMcp({
    openStore: async () => (await import('../core/store/open.js')).openStore(env),
    env,
    cwd: options.cwd ?? process.cwd(),
    version: typeof CWT_VERSION === 'string' ? CWT_VERSION : '0.0.0',
    afterCall: (store) =>
      void setImmediate(async () => {
        const { triggerNotifier } = await import('../core/coordination/notify.js');
        await triggerNotifier(store, env);
      }),
  });
  return 0;
}
