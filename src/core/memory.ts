/**
 * Memory namespaces: each session's own auto-memory directory, seeded from canonical memory, with the same
 * copy kept in the state dir as the base of the later 3-way merge.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ensurePrivateDir } from './atomic.js';

export interface SeedResult {
  /** Number of files copied from canonical memory (0 when it does not exist yet). */
  files: number;
}

function copyTree(from: string, to: string): number {
  let files = 0;
  cpSync(from, to, {
    recursive: true,
    // The namespace is freshly claimed and empty; never overwrite anything all the same.
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

/**
 * Claims a fresh namespace directory under `root`: `<slug>`, else `<slug>-2`, … Each candidate is created
 * with an exclusive mkdir, so two sessions can never end up sharing one, whatever runs concurrently.
 */
export function claimNamespaceDir(root: string, slug: string): string {
  mkdirSync(root, { recursive: true });
  for (let n = 1; ; n++) {
    const candidate = join(root, n === 1 ? slug : `${slug}-${n}`);
    try {
      mkdirSync(candidate);
      return candidate;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

/**
 * Fills a freshly claimed namespace and creates the merge base, both holding a copy of canonical memory as
 * it is now.
 */
export function seedNamespace(options: { canonical: string; namespace: string; base: string }): SeedResult {
  ensurePrivateDir(options.base);
  if (!existsSync(options.canonical)) return { files: 0 };
  const files = copyTree(options.canonical, options.namespace);
  copyTree(options.canonical, options.base);
  return { files };
}

/** A directory name for `path`: readable (its last part, shortened) and unique (a hash of the whole path). */
function toStateName(label: string, path: string): string {
  const readable = label.replace(/[^A-Za-z0-9._-]/g, '-').slice(-80);
  return `${readable}-${createHash('sha256').update(path).digest('hex').slice(0, 12)}`;
}

/** Where the memory state dirs of every canonical memory directory live. */
export function getMemoryStateRoot(cwtHome: string): string {
  return join(cwtHome, 'memory');
}

/**
 * cwt's state for one canonical memory directory: its merge backups and journal, and the bases of the
 * directories `cwt memory rescue` merged into it.
 */
export function resolveMemoryStateDir(cwtHome: string, canonicalDir: string): string {
  return join(getMemoryStateRoot(cwtHome), toStateName(basename(dirname(canonicalDir)), canonicalDir));
}

/** Inside the memory state dir: where a rescued directory's base and merge state are kept. */
export function getRescuedStateDir(memoryStateDir: string, rescuedDir: string): string {
  return join(memoryStateDir, 'rescued', toStateName(basename(dirname(rescuedDir)), rescuedDir));
}
