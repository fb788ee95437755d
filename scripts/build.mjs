// Bundles src/ into dist/ with esbuild.
// - dist/cwt.js: the CLI, ESM, code-split so each command loads lazily. Packages stay external (installed
//   by npm), except zod, which is bundled so that its tree-shaken part is all that loads.
// - dist/mcp-tools.json: the MCP tools as tools/list answers them, written from the built dist/mcp-tools.js.
// - dist/bench-year.mjs: the benchmark's soak driver (bench/year.ts), self-contained.
// - dist/hook.cjs: `cwt hook <event>` alone, one CommonJS file including better-sqlite3's JavaScript (its
//   native addon still loads from node_modules): a hook process then reads a few files, not a module graph.
// - dist/githook.cjs, dist/status.cjs, dist/append.cjs: the same kind of file for `cwt git-hook` (every
//   commit), `status` (and `ls`) and `append`, so that no start reads and compiles the code of the others, and
//   dist/new.cjs for `cwt new` and claude -w's worktree hooks; each with only the messages it names (buildLean),
//   and each twice: <name>.cjs with the local SQLite store alone, <name>.postgres.cjs with the PostgreSQL store
//   too (CWT_STORE).
import { build } from 'esbuild';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const external = Object.keys(pkg.dependencies).filter((name) => name !== 'zod');
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  define: { CWT_VERSION: JSON.stringify(pkg.version) },
  logLevel: 'warning',
};

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({
  ...common,
  // store: openStore alone, for the store-throughput benchmark's clients (bench/store-client.mjs).
  // mcp-tools: the MCP tools, by a fixed name, so that the tools/list answer can be written below.
  // mcp-entry: `cwt mcp` without the argument table (bin/cwt.js).
  entryPoints: { cwt: 'src/entry.ts', store: 'src/core/store/open.ts', 'mcp-tools': 'src/mcp/tools.ts', 'mcp-entry': 'src/mcpentry.ts' },
  outdir: 'dist',
  splitting: true,
  format: 'esm',
  external,
});
// dist/mcp-tools.json: what `cwt mcp` answers tools/list with, so that it needs neither zod nor the commands
// to list its tools (src/mcp/server.ts); the same describeTools() the server falls back to.
const { describeTools } = await import(new URL('../dist/mcp-tools.js', import.meta.url).href);
writeFileSync(new URL('../dist/mcp-tools.json', import.meta.url), `${JSON.stringify(describeTools())}\n`);
// dist/bench-year.mjs: the soak driver of the benchmark's "a year" scenario (bench/year.ts), a build of its own
// so that it changes nothing in the CLI's chunks.
await build({
  ...common,
  entryPoints: { 'bench-year': 'bench/year.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  format: 'esm',
  external,
});
// dist/dashboard-page.js: the dashboard page's script, for the browser: one self-contained file the dashboard
// serves as /app.js (nothing is fetched from anywhere, no framework).
await build({
  ...common,
  entryPoints: { 'dashboard-page': 'src/ui/dashboard/page.ts' },
  outdir: 'dist',
  platform: 'browser',
  format: 'iife',
  target: ['chrome110', 'firefox110', 'safari16'],
  sourcemap: false,
  minifySyntax: true,
});
/**
 * better-sqlite3's Database methods cwt never calls (backup, serialize, function, aggregate, table): in a lean
 * bundle each is a stand-in that loads the real one from node_modules (through the bundle's require, which
 * resolves from bin/ as Node would) at its first call. Bundled, their modules ran at every start, backup's
 * requiring node:util (not in Node's start-up snapshot): ~0.3 ms of each hook, status and append (measured).
 */
const UNUSED_SQLITE_METHODS = /[\\/]better-sqlite3[\\/]lib[\\/]methods[\\/](backup|serialize|function|aggregate|table)\.js$/;
const unusedSqliteMethods = {
  name: 'unused-sqlite-methods',
  setup(build) {
    build.onResolve({ filter: /^better-sqlite3\/lib\/methods\// }, (args) => ({ path: args.path, external: true }));
    build.onLoad({ filter: UNUSED_SQLITE_METHODS }, (args) => {
      const name = args.path.match(UNUSED_SQLITE_METHODS)[1];
      const contents = `'use strict';\nmodule.exports = function (...args) {\n  return require('better-sqlite3/lib/methods/${name}.js').apply(this, args);\n};\n`;
      return { contents, loader: 'js' };
    });
  },
};
/**
 * The PostgreSQL store (its driver side, its migrations: a quarter of a lean bundle) in the build of a lean
 * bundle that only the local SQLite store uses: a stand-in that says so. bin/cwt.js loads that build only where
 * CWT_STORE names no other store, and src/core/store/open.ts is the only module that imports postgres.ts.
 */
const sqliteOnly = {
  name: 'sqlite-only',
  setup(build) {
    build.onLoad({ filter: /[\\/]src[\\/]core[\\/]store[\\/]postgres\.ts$/ }, () => ({
      contents: `export class PostgresStore {\n  constructor() {\n    throw new Error('this build of cwt has the SQLite store only: bin/cwt.js runs the PostgreSQL build where CWT_STORE is set');\n  }\n}\n`,
      loader: 'ts',
    }));
  },
};
const leanBundle = {
  ...common,
  plugins: [unusedSqliteMethods],
  format: 'cjs',
  // Less to read and parse on every hook call; identifiers are kept so hook-errors.log stacks stay legible.
  minifyWhitespace: true,
  minifySyntax: true,
  // `bindings` is better-sqlite3's fallback addon finder, never reached: cwt passes the addon's path. The
  // other packages (zod for a config file, ignore for protected-path patterns) load only when needed.
  external: ['bindings', ...Object.keys(pkg.dependencies).filter((name) => name !== 'better-sqlite3')],
  define: { ...common.define },
  // import() becomes require(): bin/cwt.js compiles this file with a V8 code cache (vm.Script), where a real
  // dynamic import needs an experimental flag on Node 20.
  supported: { 'dynamic-import': false },
  // Computed when read (the native addon's path, the package root), not on every start.
  banner: { js: 'const importMetaUrl = { get url() { return require("node:url").pathToFileURL(__filename).href; } };' },
};
leanBundle.define['import.meta.url'] = 'importMetaUrl.url';
/**
 * An entry of named exports of `module` (src/hookentry.ts, src/leanentry.ts): esbuild drops the others and what
 * only they import (but not the initialisation of what the module imports: hence two modules).
 */
const leanEntry = (names, sourcefile, module = './hookentry.js') => ({ contents: `export { ${names.join(', ')} } from '${module}';`, resolveDir: 'src', sourcefile, loader: 'ts' });
// The command hook: runHook and what it reaches, nothing of the other lean commands (esbuild drops the unused
// exports of src/hookentry.ts and the modules only they import).
await buildLean({ stdin: leanEntry(['runHook'], 'hook-bundle.ts'), outfile: 'dist/hook.cjs' });
await buildLean({ stdin: leanEntry(['runGitHookEntry'], 'githook-bundle.ts'), outfile: 'dist/githook.cjs' });
// status (and ls) and append a bundle each: a shared one has one code cache, compiled by whichever ran first, and
// the other compiled its own code from source on every start (measured: append ~3 ms slower after a status).
await buildLean({ stdin: leanEntry(['runStatusEntry'], 'status-bundle.ts', './leanentry.js'), outfile: 'dist/status.cjs' });
await buildLean({ stdin: leanEntry(['runAppendEntry'], 'append-bundle.ts', './leanentry.js'), outfile: 'dist/append.cjs' });
// dist/new.cjs: `cwt new` (and claude -w's WorktreeCreate), so that its git work starts before an ES module graph
// would have loaded. listr2 is inside (loaded while git runs); execa and @inquirer/prompts, ES modules loaded only
// to launch the agent, come through require(), which loads an ES module on the Node versions cwt supports (>= 20.19).
await buildLean({
  external: leanBundle.external.filter((name) => name !== 'listr2'),
  stdin: leanEntry(['runNewEntry', 'runWorktreeHookEntry'], 'new-bundle.ts', './leanentry.js'),
  outfile: 'dist/new.cjs',
});

/** Both builds of a lean bundle: <name>.postgres.cjs with every store, <name>.cjs with the SQLite store alone. */
async function buildLean(options) {
  await buildLeanVariant({ ...options, outfile: options.outfile.replace(/\.cjs$/, '.postgres.cjs') });
  await buildLeanVariant({ ...options, plugins: [...leanBundle.plugins, sqliteOnly] });
}

/**
 * A lean bundle, built twice: the second time with only the MESSAGES its code names. esbuild cannot drop an
 * object's unused properties, and MESSAGES has ~600 (a quarter of each bundle): every start read them, kept
 * their functions in its code cache and created them all (measured: the hook names 32, status and append 95).
 * The build fails if the second bundle names a message it no longer has; without the typescript package (a
 * devDependency) the bundle keeps them all.
 */
async function buildLeanVariant(options) {
  await build({ ...leanBundle, ...options });
  const ts = await import('typescript').then((module) => module.default, () => undefined);
  if (ts === undefined) return;
  const used = namedMessages(readFileSync(options.outfile, 'utf8'));
  const plugin = {
    name: 'used-messages',
    setup(build) {
      build.onLoad({ filter: /[\\/]src[\\/]texts[\\/]messages\.ts$/ }, (args) => ({ contents: keepMessages(ts, readFileSync(args.path, 'utf8'), used), loader: 'ts' }));
    },
  };
  await build({ ...leanBundle, ...options, plugins: [...(options.plugins ?? leanBundle.plugins), plugin] });
  const missing = [...namedMessages(readFileSync(options.outfile, 'utf8'))].filter((name) => !used.has(name));
  if (missing.length > 0) throw new Error(`${options.outfile}: MESSAGES pruned of what it uses: ${missing.join(', ')}`);
}

/** The MESSAGES properties a bundle's code names (MESSAGES.name; the source never indexes it otherwise). */
function namedMessages(code) {
  return new Set([...code.matchAll(/\bMESSAGES\.([A-Za-z_$][\w$]*)/g)].map((match) => match[1]));
}

/** messages.ts with the MESSAGES literal cut down to the properties in `used` (a spread, if any, stays). */
function keepMessages(ts, text, used) {
  const source = ts.createSourceFile('messages.ts', text, ts.ScriptTarget.Latest, true);
  let literal;
  for (const statement of source.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    for (const declaration of statement.declarationList.declarations) {
      let value = declaration.initializer;
      while (value && (ts.isAsExpression(value) || ts.isSatisfiesExpression(value) || ts.isParenthesizedExpression(value))) value = value.expression;
      if (declaration.name.getText(source) === 'MESSAGES' && value && ts.isObjectLiteralExpression(value)) literal = value;
    }
  }
  if (literal === undefined) throw new Error('src/texts/messages.ts: no MESSAGES object literal');
  const kept = literal.properties.filter((property) => property.name === undefined || !(ts.isIdentifier(property.name) || ts.isStringLiteral(property.name)) || used.has(property.name.text));
  const body = kept.map((property) => text.slice(property.getStart(source), property.getEnd())).join(',\n');
  return `${text.slice(0, literal.getStart(source))}{\n${body}\n}${text.slice(literal.getEnd())}`;
}
