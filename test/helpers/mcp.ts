/** MCP clients of the built `cwt mcp` (the SDK's real client over stdio), closed together at the end of a test. */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CWT_BIN } from './cli.js';

export interface McpClients {
  /** Starts `cwt mcp` in `cwd` with `env` and connects to it. */
  connect(cwd: string, env: NodeJS.ProcessEnv): Promise<Client>;
  /** Closes every client connected so far (their servers exit with their stdin). */
  closeAll(): Promise<void>;
}

export function createMcpClients(): McpClients {
  const clients: Client[] = [];
  return {
    async connect(cwd, env) {
      const transport = new StdioClientTransport({ command: process.execPath, args: [CWT_BIN, 'mcp'], cwd, env: env as Record<string, string>, stderr: 'pipe' });
      const client = new Client({ name: 'cwt-test', version: '1.0.0' });
      await client.connect(transport);
      clients.push(client);
      return client;
    },
    async closeAll() {
      for (const client of clients.splice(0)) await client.close();
    },
  };
}
