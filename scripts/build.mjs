// Bundles src/ into dist/ with esbuild: one entry, code-split so each command loads lazily. Packages stay
// external (installed by npm), except zod, which is bundled so that its tree-shaken part is all that loads.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const external = Object.keys(pkg.dependencies).filter((name) => name !== 'zod');

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: { cwt: 'src/entry.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  sourcemap: 'linked',
  define: { CWT_VERSION: JSON.stringify(pkg.version) },
  logLevel: 'warning',
});
