#!/usr/bin/env node
// Thin on purpose, and CommonJS (bin/package.json): an ES module entry costs Node 20 its ESM loader, ~5 ms of
// every start. `cwt hook <event>` runs on every tool call of every session and `cwt git-hook <name>` on every
// commit: each has a bundle of its own (dist/hook.cjs, dist/githook.cjs), as have status and ls (dist/status.cjs)
// and append (dist/append.cjs); `cwt new`, whose git work should start as early as it can, has dist/new.cjs. Each
// is built twice, for the store in use (see withStore), and compiles from a V8 code cache where Node has no
// compile cache of its own (Node < 22.1). Everything else loads the full CLI (dist/cwt.js).
'use strict';

// Commands answered from a lean bundle: [bundle, export] (each entry returns false for what only the full CLI
// answers: help, unusual options, usage errors).
const LEAN = {
  hook: ['hook', 'runHook'],
  'git-hook': ['githook', 'runGitHookEntry'],
  status: ['status', 'runStatusEntry'],
  ls: ['status', 'runStatusEntry'],
  append: ['append', 'runAppendEntry'],
  new: ['new', 'runNewEntry'],
};
/** `cwt hook worktree-create|worktree-remove`: claude -w's worktree, made by cwt new's pipeline (dist/new.cjs). */
const WORKTREE_HOOK = ['new', 'runWorktreeHookEntry'];

/**
 * A built-in module without require's module machinery (Module._load and, at the first require of each, the
 * module's ES facade): ~0.15 ms of a lean start over the few dozen built-ins the bundle and this file ask for
 * (measured). require for anything else. (process.getBuiltinModule is in every Node cwt supports, >= 20.19, and
 * cwt's own modules call it directly.)
 */
const requireBuiltin = (id) => process.getBuiltinModule(id) ?? require(id);

/**
 * node:module only where Node may have its own compile cache (22.1 and later): on Node 20 requiring it loads the
 * ESM loader and the source-map support behind it, ~0.5 ms of every hook, for a function that is not there.
 */
function getCompileCache() {
  if (Number(process.versions.node.split('.')[0]) < 22) return undefined;
  const { enableCompileCache } = require('node:module');
  return enableCompileCache;
}

/**
 * The V8 code cache of a lean bundle: kept in the user's private state dir (0700; the file 0600), named after
 * the bundle (its name, size, mtime, inode), this Node and its flags, so a rebuilt bundle or another Node never reads
 * another's cache (V8 also refuses data it did not make, and a refused cache is only a slower start). The
 * cache is code: it is read only from a directory and a file that are this user's and no one else's, never
 * through a symlink. Written once, after the command answered, with what that run compiled.
 */
function cacheDir(env) {
  const home = env.HOME || requireBuiltin('node:os').homedir();
  const expand = (path) => (path === '~' ? home : path.startsWith('~/') ? home + path.slice(1) : path);
  const path = requireBuiltin('node:path');
  if (env.CWT_HOME) return path.join(expand(env.CWT_HOME), 'cache');
  if (env.XDG_STATE_HOME) return path.join(expand(env.XDG_STATE_HOME), 'cwt', 'cache');
  return path.join(home, '.local', 'state', 'cwt', 'cache');
}

function isPrivate(stat, kind) {
  const uid = typeof process.getuid === 'function' ? process.getuid() : stat.uid;
  return stat.uid === uid && (stat.mode & 0o077) === 0 && (kind === 'dir' ? stat.isDirectory() : stat.isFile());
}

/** A short stable hash of the flags V8 compiled under (FNV-1a; node:crypto would cost more than it saves). */
function flagsKey() {
  const text = `${process.execArgv.join(' ')}|${process.env.NODE_OPTIONS ?? ''}`;
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash.toString(16);
}

/**
 * CWT_DEBUG=1 (as src/core/util/debug.ts reads it): a timed line on stderr, in ms since the process started, so
 * that Node's own start is part of the picture. Never on stdout, which Claude Code parses.
 */
function debugLean(text) {
  const value = process.env.CWT_DEBUG;
  if (value === undefined || value === '' || value === '0' || value === 'false') return;
  requireBuiltin('node:fs').writeSync(2, `[cwt ${(process.uptime() * 1000).toFixed(1).padStart(7)}ms since start] lean: ${text}\n`);
}

/**
 * The build of a lean bundle for the store this process uses (as src/core/store/open.ts chooses it): <name>.cjs has
 * the local SQLite store alone, <name>.postgres.cjs the PostgreSQL store too, for any other CWT_STORE (an invalid
 * one included, which that build reports). The PostgreSQL code is a quarter of a bundle, which every start reads.
 */
function withStore(bundle, env) {
  const store = env.CWT_STORE;
  return store === undefined || store === '' || store === 'sqlite' ? bundle : `${bundle}.postgres`;
}

/**
 * `representative`: this run goes down the bundle's busiest path (for the hook bundle a PreToolUse call), so what
 * it compiled is what most runs need. A cache written by another run (a session's first hook is SessionStart) is
 * kept as partial, used, and replaced once by the first representative run.
 */
function loadLeanBundle(bundle, representative) {
  const fs = requireBuiltin('node:fs');
  const path = requireBuiltin('node:path');
  const base = withStore(bundle, process.env);
  const file = path.join(__dirname, '..', 'dist', `${base}.cjs`);
  const enableCompileCache = getCompileCache();
  if (enableCompileCache || process.env.CWT_NO_CODE_CACHE === '1') {
    enableCompileCache?.();
    const bundle = require(file);
    debugLean(`${base}.cjs loaded (${enableCompileCache ? "Node's compile cache" : 'no code cache'})`);
    return { bundle, saveCache() {} };
  }
  const vm = requireBuiltin('node:vm');
  const fd = fs.openSync(file, 'r');
  let source;
  let stat;
  try {
    stat = fs.fstatSync(fd);
    source = fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
  const dir = cacheDir(process.env);
  const key = `${base}-${process.version}-${process.arch}-${stat.size}-${Math.trunc(stat.mtimeMs)}-${stat.ino}-${flagsKey()}`;
  const names = { full: `${key}.v8`, partial: `${key}.partial.v8` };
  let cachedData;
  let cachedPartial = false;
  try {
    if (isPrivate(fs.lstatSync(dir), 'dir')) {
      for (const kind of ['full', 'partial']) {
        let cacheFd;
        try {
          cacheFd = fs.openSync(path.join(dir, names[kind]), fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
        } catch {
          continue;
        }
        try {
          if (isPrivate(fs.fstatSync(cacheFd), 'file')) cachedData = fs.readFileSync(cacheFd);
        } finally {
          fs.closeSync(cacheFd);
        }
        cachedPartial = kind === 'partial';
        break;
      }
    }
  } catch {
    // No cache yet (or not a private one): compile from source.
  }
  // The CommonJS wrapper on the source's first line, so every other line keeps its number in stacks.
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    cachedData,
  });
  const mod = { exports: {}, filename: file, id: file };
  // This file's own require (built-ins through requireBuiltin): the bundle requires node:* modules, absolute
  // paths and packages, which resolve from bin/ as from dist/ (the same node_modules above both), and
  // createRequire costs a few tenths of a ms.
  script.runInThisContext()(mod.exports, requireBuiltin, mod, file, path.dirname(file));
  const stale = cachedData === undefined || script.cachedDataRejected === true;
  debugLean(`${base}.cjs loaded (code cache ${cachedData === undefined ? 'none yet' : stale ? 'refused' : cachedPartial ? 'used, partial' : 'used'})`);
  return {
    bundle: mod.exports,
    saveCache() {
      if (!stale && !(cachedPartial && representative)) return;
      const name = representative ? names.full : names.partial;
      try {
        // Only inside a state dir that exists: a command that changed nothing (bad input) leaves nothing.
        if (!fs.existsSync(dir)) fs.mkdirSync(dir, { mode: 0o700 });
        if (!isPrivate(fs.lstatSync(dir), 'dir')) return;
        const data = script.createCachedData();
        const temp = path.join(dir, `.${name}.${process.pid}.tmp`);
        const out = fs.openSync(temp, 'wx', 0o600);
        try {
          fs.writeSync(out, data, 0, data.length);
        } finally {
          fs.closeSync(out);
        }
        fs.renameSync(temp, path.join(dir, name));
        // The caches of this bundle's earlier builds and Nodes go, and those of bundles this build no longer has
        // (an upgrade that split or renamed one): one file per bundle and live combination.
        for (const entry of fs.readdirSync(dir)) {
          const of = /^(.+?)-v\d+\.\d+\.\d+-.*\.v8$/.exec(entry)?.[1];
          if (entry === name || of === undefined) continue;
          if (of === base || !fs.existsSync(path.join(path.dirname(file), `${of}.cjs`))) fs.rmSync(path.join(dir, entry), { force: true });
        }
      } catch {
        // A read-only or full state dir: the next run compiles from source again.
      }
    },
  };
}

async function main() {
  const [command, ...args] = process.argv.slice(2);
  const worktreeHook = command === 'hook' && (args[0] === 'worktree-create' || args[0] === 'worktree-remove');
  const lean = worktreeHook ? WORKTREE_HOOK : Object.hasOwn(LEAN, command) ? LEAN[command] : undefined;
  if (lean !== undefined) {
    const { bundle, saveCache } = loadLeanBundle(lean[0], command !== 'hook' || args[0] === 'pre-tool-use');
    const handled = await bundle[lean[1]](args);
    debugLean(handled ? `${command} answered` : `${command}: left to the full CLI`);
    // A run left to the full CLI compiled only the lean parser: its cache would stand for the bundle's real runs.
    if (handled) saveCache();
    // The answer is written (write(2), synchronously) and whatever the command starts is started (detached):
    // leaving now skips Node's teardown, ~3 ms of freeing what goes with the process anyway. A hook's SQLite
    // connection is not closed, which in WAL mode is as safe as a crash: its commits are in the WAL for the next
    // reader. (git-hook returns as before.)
    if (handled && command !== 'git-hook') process.exit();
    if (handled) return;
  } else {
    getCompileCache()?.();
    // `cwt mcp` exactly as Claude Code starts it: the server alone, its start being on the session's clock.
    if (command === 'mcp' && args.length === 0) return void (await import('../dist/mcp-entry.js'));
  }
  await import('../dist/cwt.js');
}

main();
