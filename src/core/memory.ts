/**
 * Memory namespaces: each session's own auto-memory directory, seeded from canonical memory, with the same
 * copy kept in the state dir as the base of the later 3-way merge.
 */
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { ensurePrivateDir } from './atomic.js';

export interface SeedResult {
  /** Number of files copied from canonical memory (0 when it does not exist yet). */
  files: number;
}

function copyTree(from: string, to: string): number {
  let files = 0;
  cpSync(from, to, {
    recursive: true,
    errorOnExist: true,
    force: false,
    // Links are copied as links (never followed out of the memory dir); count regular files.
    verbatimSymlinks: true,
    filter: (source) => {
      if (source !== from) files++;
      return true;
    },
  });
  return files;
}

/** Creates the namespace and the merge base, both holding a copy of canonical memory as it is now. */
export function seedNamespace(options: { canonical: string; namespace: string; base: string }): SeedResult {
  mkdirSync(options.namespace, { recursive: true });
  ensurePrivateDir(options.base);
  if (!existsSync(options.canonical)) return { files: 0 };
  const files = copyTree(options.canonical, options.namespace);
  copyTree(options.canonical, options.base);
  return { files };
}
