/**
 * The local branches of a repository and the branch each of its worktrees has checked out, read from the files
 * git itself reads (loose refs under refs/heads, packed-refs, each worktree's HEAD and gitdir) instead of
 * starting git: `cwt new` asks both before it creates a worktree, and again under the repository lock. Only
 * for a repository whose layout discover.ts read as plain (no [extensions] section, so the files ref backend
 * and SHA-1), which the caller vouches for. Anything this reader does not know exactly — a ref being updated
 * (a .lock file), a symbolic or malformed ref, a link where a file belongs, a packed-refs line of another
 * shape, a HEAD or gitdir file it cannot read — is undefined, and the caller asks git, whose answer stands.
 * test/unit/git-localrefs.test.ts compares the answers with `git for-each-ref` and `git worktree list`.
 */
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const OBJECT_ID = /^[0-9a-f]{40}$/;
/** Branch names this reader vouches git lists as they are: plain ASCII, no empty, dot-led or .lock component. */
const PLAIN_BRANCH = /^(?!.*(?:^|\/)\.)(?!.*\.lock(?:\/|$))(?!.*\/\/)(?!.*\.\.)[A-Za-z0-9._\/-]+(?<![./])$/;

/**
 * The branches in packed-refs, by name (without refs/heads/) to their object id, in the file's order; undefined
 * for a line this reader does not know.
 */
function readPackedBranches(commonDir: string): Map<string, string> | undefined {
  let text: string;
  try {
    text = readFileSync(join(commonDir, 'packed-refs'), 'utf8');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? new Map() : undefined;
  }
  const branches = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# pack-refs with:')) continue;
    // A peeled line (^<id>) follows an annotated tag.
    if (line.startsWith('^') && OBJECT_ID.test(line.slice(1))) continue;
    const space = line.indexOf(' ');
    if (space !== 40 || !OBJECT_ID.test(line.slice(0, 40))) return undefined;
    const ref = line.slice(41);
    if (!ref.startsWith('refs/heads/')) continue;
    const name = ref.slice('refs/heads/'.length);
    if (!PLAIN_BRANCH.test(name)) return undefined;
    branches.set(name, line.slice(0, 40));
  }
  return branches;
}

/** A loose ref file holding one object id (not a symbolic ref, not anything else). */
function isLooseRef(path: string): boolean {
  try {
    return OBJECT_ID.test(readFileSync(path, 'utf8').replace(/\n$/, ''));
  } catch {
    return false;
  }
}

/** for-each-ref's order: by the full ref name, byte by byte. */
function compareRefNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** The loose branches under refs/heads (each file one object id), or undefined for anything else found there. */
function readLooseBranches(dir: string, prefix: string): string[] | undefined {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' && prefix === '' ? [] : undefined;
  }
  const branches: string[] = [];
  for (const entry of entries) {
    const name = `${prefix}${entry.name}`;
    if (entry.isDirectory()) {
      const inner = readLooseBranches(join(dir, entry.name), `${name}/`);
      if (inner === undefined) return undefined;
      branches.push(...inner);
      continue;
    }
    // A ref being written (its .lock), a link, a symbolic ref: git knows what they mean at this moment.
    if (!entry.isFile() || entry.name.endsWith('.lock') || !isLooseRef(join(dir, entry.name)) || !PLAIN_BRANCH.test(name)) return undefined;
    branches.push(name);
  }
  return branches;
}

/**
 * The local branches, by name without refs/heads/, as `git for-each-ref --format=%(refname) refs/heads/` lists
 * them (sorted by name); undefined where git must be asked.
 */
export function readLocalBranches(commonDir: string): string[] | undefined {
  const packed = readPackedBranches(commonDir);
  const loose = packed && readLooseBranches(join(commonDir, 'refs', 'heads'), '');
  if (packed === undefined || loose === undefined) return undefined;
  return [...new Set([...packed.keys(), ...loose])].sort(compareRefNames);
}

/**
 * True for a branch name git's `check-ref-format --branch` certainly accepts as it is: plain ASCII (letters,
 * digits, `.`, `_`, `-`, `/`), no empty, dot-led or `.lock` component, not ending in `.` or `/`, not led by `-`,
 * and not `HEAD` (which newer gits refuse). Any other name is git's to judge. Pure.
 */
export function isPlainBranchName(name: string): boolean {
  return PLAIN_BRANCH.test(name) && !name.startsWith('-') && !name.startsWith('/') && name !== 'HEAD';
}

/**
 * The commit a worktree's HEAD points at (its git dir's HEAD: a branch's loose or packed ref, or a detached id):
 * null on an unborn branch, undefined where git must be asked. The id is not checked to name a commit object:
 * whatever is given it next (git worktree add) refuses one that does not.
 */
export function readHeadCommit(commonDir: string, gitDir: string): string | null | undefined {
  const head = readHead(gitDir);
  if (head === undefined || 'detached' in head) return head?.detached;
  const { branch } = head;
  try {
    const text = readFileSync(join(commonDir, 'refs', 'heads', ...branch.split('/')), 'utf8').replace(/\n$/, '');
    return OBJECT_ID.test(text) ? text : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return undefined;
  }
  const packed = readPackedBranches(commonDir);
  return packed && (packed.get(branch) ?? null);
}

/** True when `name` is `branch`, a directory of it in refs/heads (`feat` of `feat/x`), or inside it. */
export function isBranchNear(name: string, branch: string): boolean {
  return name === branch || branch.startsWith(`${name}/`) || name.startsWith(`${branch}/`);
}

/**
 * readLocalBranches, only the branches near `branch` (isBranchNear): what telling whether it exists, or clashes
 * with another as a ref path, needs. Reads the loose refs along its path and under it, not every branch's file.
 */
export function readBranchesNear(commonDir: string, branch: string): string[] | undefined {
  // Its path is built from the name: only a plain one (an unchecked name may hold `..`).
  if (!isPlainBranchName(branch)) return undefined;
  const packed = readPackedBranches(commonDir);
  if (packed === undefined) return undefined;
  const near = new Set([...packed.keys()].filter((name) => isBranchNear(name, branch)));
  const parts = branch.split('/');
  for (let depth = 1; depth <= parts.length; depth++) {
    const name = parts.slice(0, depth).join('/');
    const path = join(commonDir, 'refs', 'heads', ...parts.slice(0, depth));
    let entry;
    try {
      entry = lstatSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') break;
      return undefined;
    }
    if (entry.isDirectory()) {
      if (depth < parts.length) continue;
      const inside = readLooseBranches(path, `${name}/`);
      if (inside === undefined) return undefined;
      for (const other of inside) near.add(other);
      break;
    }
    if (!entry.isFile() || !isLooseRef(path) || !PLAIN_BRANCH.test(name)) return undefined;
    near.add(name);
    break;
  }
  // A lock beside the branch's own file: that ref is being written.
  try {
    lstatSync(join(commonDir, 'refs', 'heads', ...parts.slice(0, -1), `${parts.at(-1)}.lock`));
    return undefined;
  } catch {
    // None.
  }
  return [...near].sort(compareRefNames);
}

/** A worktree's checkout as `git worktree list` reports it: its path and the full ref of its branch (null: detached). */
export interface WorktreeBranch {
  path: string;
  branch: string | null;
}

/** What a HEAD file holds: a detached id, a plain branch (its name without refs/heads/), or undefined for anything else. */
function readHead(gitDir: string): { detached: string } | { branch: string } | undefined {
  let head: string;
  try {
    head = readFileSync(join(gitDir, 'HEAD'), 'utf8').replace(/\n$/, '');
  } catch {
    return undefined;
  }
  if (OBJECT_ID.test(head)) return { detached: head };
  const branch = head.startsWith('ref: refs/heads/') ? head.slice('ref: refs/heads/'.length) : undefined;
  return branch !== undefined && isPlainBranchName(branch) ? { branch } : undefined;
}

/** The branch a HEAD file names (full ref), null when detached, undefined for anything else. */
function readHeadBranch(gitDir: string): string | null | undefined {
  const head = readHead(gitDir);
  if (head === undefined) return undefined;
  return 'detached' in head ? null : `refs/heads/${head.branch}`;
}

/**
 * The main worktree (`mainWorktree`, the common dir's parent) and each linked one, with the branch its HEAD
 * names, as `git worktree list --porcelain` reports them; undefined where git must be asked.
 */
export function readWorktreeBranches(commonDir: string, mainWorktree: string): WorktreeBranch[] | undefined {
  const mainBranch = readHeadBranch(commonDir);
  if (mainBranch === undefined) return undefined;
  const worktrees: WorktreeBranch[] = [{ path: mainWorktree, branch: mainBranch }];
  let ids: string[];
  try {
    ids = readdirSync(join(commonDir, 'worktrees'));
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? worktrees : undefined;
  }
  for (const id of ids.sort()) {
    const gitDir = join(commonDir, 'worktrees', id);
    const branch = readHeadBranch(gitDir);
    let gitdirFile: string;
    try {
      gitdirFile = readFileSync(join(gitDir, 'gitdir'), 'utf8').replace(/\n$/, '');
    } catch {
      return undefined;
    }
    // The worktree's .git file, by absolute path (git writes it so); anything else is git's to read.
    if (branch === undefined || !gitdirFile.startsWith('/') || !gitdirFile.endsWith('/.git')) return undefined;
    worktrees.push({ path: dirname(gitdirFile), branch });
  }
  return worktrees;
}
