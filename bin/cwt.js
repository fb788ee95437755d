#!/usr/bin/env node
// Thin on purpose: turn on Node's compile cache where it exists (Node >= 22.1), then load the bundle.
// `cwt hook <event>` runs on every tool call of every session, and `cwt git-hook <name>` on every commit, so
// both have a lean bundle of their own.
import module from 'node:module';

module.enableCompileCache?.();
const [command, ...args] = process.argv.slice(2);
const lean = command === 'hook' ? 'runHook' : command === 'git-hook' ? 'runGitHookEntry' : undefined;
const handled = lean !== undefined && (await module.createRequire(import.meta.url)('../dist/hook.cjs')[lean](args));
// `cwt mcp` exactly as Claude Code starts it: the server alone, its start being on the session's clock.
if (!handled && command === 'mcp' && args.length === 0) await import('../dist/mcp-entry.js');
else if (!handled) await import('../dist/cwt.js');
