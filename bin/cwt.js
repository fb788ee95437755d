#!/usr/bin/env node
// Thin on purpose: turn on Node's compile cache where it exists (Node >= 22.1), then load the bundle.
// `cwt hook <event>` runs on every tool call of every session, so it has a lean bundle of its own.
import module from 'node:module';

module.enableCompileCache?.();
const handled = process.argv[2] === 'hook' && (await module.createRequire(import.meta.url)('../dist/hook.cjs').runHook(process.argv.slice(3)));
if (!handled) await import('../dist/cwt.js');
