/** `cwt mcp`: the stdio MCP server with cwt's coordination tools; Claude Code starts it (see cwt install --mcp). */
import { openStore } from '../core/store/open.js';

declare const CWT_VERSION: string;

export interface McpOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export async function runMcp(options: McpOptions): Promise<number> {
  const env = options.env ?? process.env;
  const store = await openStore(env);
  try {
    const { serveMcp } = await import('../mcp/server.js');
    const { triggerNotifier } = await import('../core/coordination/notify.js');
    await serveMcp({
      store,
      env,
      cwd: options.cwd ?? process.cwd(),
      version: typeof CWT_VERSION === 'string' ? CWT_VERSION : '0.0.0',
      afterCall: () => void setImmediate(() => void triggerNotifier(store, env)),
    });
    return 0;
  } finally {
    await store.close();
  }
}
