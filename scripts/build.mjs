// Bundles src/ into dist/ with esbuild.
// - dist/cwt.js: the CLI, ESM, code-split so each command loads lazily. Packages stay external (installed
//   by npm), except zod, which is bundled so that its tree-shaken part is all that loads.
// - dist/mcp-tools.json: the MCP tools as tools/list answers them, written from the built dist/mcp-tools.js.
// - dist/bench-year.mjs: the benchmark's soak driver (bench/year.ts), self-contained.
// - dist/hook.cjs: `cwt hook <event>` alone, one CommonJS file including better-sqlite3's JavaScript (its
//   native addon still loads from node_modules): a hook process then reads a few files, not a module graph.
// - dist/githook.cjs, dist/lean.cjs: the same kind of file for `cwt git-hook` (every commit), and for `status`,
//   `ls` and `append`, so that no start reads and compiles the code of the others.
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
const leanBundle = {
  ...common,
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
await build({
  ...leanBundle,
  stdin: leanEntry(['runHook'], 'hook-bundle.ts'),
  outfile: 'dist/hook.cjs',
});
await build({ ...leanBundle, stdin: leanEntry(['runGitHookEntry'], 'githook-bundle.ts'), outfile: 'dist/githook.cjs' });
await build({ ...leanBundle, stdin: leanEntry(['runStatusEntry', 'runAppendEntry'], 'lean-bundle.ts', './leanentry.js'), outfile: 'dist/lean.cjs' });
