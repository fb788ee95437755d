#!/usr/bin/env node
// Checks the layering of src/ from its imports (static, type-only and dynamic alike), so the architecture the
// README describes stays true: no import cycles, and no import from src/core up into the layers above it
// (commands, hooks, mcp, server, ui). src/texts, the user-facing text every layer may import, runs no import
// of its own: it may import only types (of the data it words), and those type-only edges are left out of
// the cycle search, since nothing of them exists at run time. Prints each violation and exits 1; `npm test`
// runs it. node:* only.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src');
const UPPER = ['commands', 'hooks', 'mcp', 'server', 'ui'];
// An import or re-export statement (group 1: `type` when type-only) or a dynamic import, of a relative path.
const SPECIFIER = /(?:^\s*(?:import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s*)?|\bimport\s*\(\s*)(['"])(\.{1,2}\/[^'"]+)\2/gm;

function listSources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return listSources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The module graph: each file's relative imports, resolved to .ts files under src/. */
function readGraph(files) {
  const known = new Set(files);
  const graph = new Map();
  for (const file of files) {
    const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm, '');
    const targets = new Map();
    for (const match of text.matchAll(SPECIFIER)) {
      const target = resolve(dirname(file), match[3]).replace(/\.js$/, '.ts');
      // A module imported both ways counts as imported for real.
      if (known.has(target)) targets.set(target, Boolean(match[1]) && targets.get(target) !== false);
    }
    graph.set(file, [...targets].map(([target, typeOnly]) => ({ target, typeOnly })));
  }
  return graph;
}

const layerOf = (file) => relative(SRC, file).split('/')[0].replace(/\.ts$/, '');

function findUpwardImports(graph) {
  const found = [];
  for (const [file, edges] of graph) {
    const from = layerOf(file);
    for (const { target, typeOnly } of edges) {
      const to = layerOf(target);
      if (from === 'core' && UPPER.includes(to)) found.push(`${relative(ROOT, file)} imports ${relative(ROOT, target)}: core must not depend on ${to}`);
      if (from === 'texts' && to !== 'texts' && !typeOnly) found.push(`${relative(ROOT, file)} imports ${relative(ROOT, target)} at run time: texts may import only types`);
    }
  }
  return found;
}

/** Every cycle, as the strongly connected components (Tarjan) with more than one module, or a self-import. */
function findCycles(graph) {
  const successors = (node) => (graph.get(node) ?? []).filter((edge) => !(edge.typeOnly && layerOf(node) === 'texts')).map((edge) => edge.target);
  let index = 0;
  const indices = new Map();
  const lows = new Map();
  const stack = [];
  const onStack = new Set();
  const cycles = [];
  const visit = (node) => {
    indices.set(node, index);
    lows.set(node, index++);
    stack.push(node);
    onStack.add(node);
    for (const next of successors(node)) {
      if (!indices.has(next)) {
        visit(next);
        lows.set(node, Math.min(lows.get(node), lows.get(next)));
      } else if (onStack.has(next)) lows.set(node, Math.min(lows.get(node), indices.get(next)));
    }
    if (lows.get(node) === indices.get(node)) {
      const component = [];
      let member;
      do {
        member = stack.pop();
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || successors(node).includes(node)) cycles.push(component.map((file) => relative(ROOT, file)).sort());
    }
  };
  for (const node of graph.keys()) if (!indices.has(node)) visit(node);
  return cycles;
}

const graph = readGraph(listSources(SRC));
const problems = [...findUpwardImports(graph), ...findCycles(graph).map((cycle) => `import cycle: ${cycle.join(' <-> ')}`)];
for (const problem of problems) console.error(`architecture: ${problem}`);
if (problems.length > 0) process.exit(1);
console.log(`architecture: ${graph.size} modules, imports point down, no cycles`);
