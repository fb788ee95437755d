/**
 * Memory namespaces: each session's own auto-memory directory, seeded from canonical memory, with the same
 * copy kept in the state dir as the base of the later 3-way merge.
 */
import { cpSync, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ensurePrivateDir, writeFileAtomic } from '../fs/atomic.js';
import { assertContainedWrite } from '../fs/containedwrite.js';
import { listTreeFiles, readTreeEntry } from './snapshot.js';
import { EnvironmentError } from '../util/errors.js';
import { MESSAGES } from '../../texts/messages.js';
import { pickFreeName } from '../util/slug.js';
import { sha256 } from '../coordination/sharedfile.js';

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
 * The namespace directory a new session would get under `root`: `<slug>`, else `<slug>-2`, … — the first that
 * does not exist yet. Not claimed: `cwt new` picks it under the repository lock and records it in its journal
 * before claimNamespaceDir creates it, so that a run killed in between can be rolled back.
 */
export function pickNamespaceDir(root: string, slug: string): string {
  return join(root, pickFreeName(slug, (name) => existsSync(join(root, name))));
}

/**
 * Claims `dir` (from pickNamespaceDir) with an exclusive mkdir; false when something else created it first,
 * so two sessions can never end up sharing one, whatever runs concurrently.
 */
export function claimNamespaceDir(dir: string): boolean {
  mkdirSync(dirname(dir), { recursive: true });
  try {
    mkdirSync(dir);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/**
 * The directory canonical memory really is, or undefined when there is none yet. A link there is followed:
 * the Claude home is the user's own (no repository can put one there), Claude Code follows it too, and people
 * link memory to a synced folder to share it between machines. A link to nothing (an unmounted folder) or to
 * a file is an error saying so, not an empty memory that the next merge could not write back.
 */
export function resolveCanonicalMemoryDir(canonical: string): string | undefined {
  let isLink: boolean;
  try {
    isLink = lstatSync(canonical).isSymbolicLink();
  } catch {
    return undefined;
  }
  if (!isLink) return canonical;
  const target = resolve(dirname(canonical), readlinkSync(canonical));
  if (!statSync(canonical, { throwIfNoEntry: false })?.isDirectory()) {
    throw new EnvironmentError(MESSAGES.canonicalMemoryNotADirectory(canonical, target), { hint: MESSAGES.canonicalMemoryNotADirectoryHint(target) });
  }
  return realpathSync(canonical);
}

/**
 * Fills a freshly claimed namespace and creates the merge base, both holding a copy of canonical memory as
 * it is now.
 */
export function seedNamespace(options: { canonical: string; namespace: string; base: string }): SeedResult {
  const canonical = resolveCanonicalMemoryDir(options.canonical);
  ensurePrivateDir(options.base);
  if (canonical === undefined) return { files: 0 };
  const files = copyTree(canonical, options.namespace);
  copyTree(canonical, options.base);
  return { files };
}

/**
 * `cwt new --fork`: adds the parent session's unmerged notes to a freshly seeded namespace: each file of the
 * parent's namespace that it added or changed since its seed (its merge base). The child's own base stays the
 * canonical copy, so its merge later brings those notes in like its own; the parent's merge of the same lines
 * agrees with it. Links are not followed; the parent's directories are only read. Returns the relative paths added.
 */
export function overlayUnmergedNotes(options: { parentNamespace: string; parentBase: string; namespace: string }): string[] {
  const base = listTreeFiles(existsSync(options.parentBase) ? options.parentBase : null);
  const added: string[] = [];
  for (const [rel, path] of listTreeFiles(existsSync(options.parentNamespace) ? options.parentNamespace : null)) {
    const entry = readTreeEntry(path);
    const basePath = base.get(rel);
    if (basePath !== undefined && readFileSync(basePath).equals(entry.data)) continue;
    const dest = join(options.namespace, ...rel.split('/'));
    assertContainedWrite(dest, options.namespace);
    mkdirSync(dirname(dest), { recursive: true });
    writeFileAtomic(dest, entry.data, { mode: entry.mode & 0o777 });
    added.push(rel);
  }
  return added.sort();
}

/** A directory name for `path`: readable (its last part, shortened) and unique (a hash of the whole path). */
function toStateName(label: string, path: string): string {
  const readable = label.replace(/[^A-Za-z0-9._-]/g, '-').slice(-80);
  return `${readable}-${sha256(path).slice(0, 12)}`;
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
