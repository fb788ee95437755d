/**
 * `cwt mcp` as Claude Code starts it (no other argument): the MCP server without the argument table and the
 * CLI's top level, since its start-up is on the session's clock (see mcp/server.ts). bin/cwt.js imports this
 * for exactly `cwt mcp`; anything else (`cwt mcp --help`, a stray argument) goes through the full CLI.
 */
import { runMcp } from './commands/mcp.js';
import { CwtError } from './core/util/errors.js';
import { sanitizeForTerminal } from './texts/sanitize.js';

let code: number;
try {
  code = await runMcp({});
} catch (error) {
  // What the CLI's one catch would print for a failure before serving; serving itself reports to the client.
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`cwt mcp: ${sanitizeForTerminal(message)}\n`);
  code = error instanceof CwtError ? error.exitCode : 1;
}
process.exit(code);
