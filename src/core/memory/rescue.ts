/**
 * `cwt memory rescue`: finding memory directories that belong to a repository but never reached its canonical
 * memory. Claude Code keys a project's data by the path it started in (harness.ts toProjectKey), so a session
 * started in a worktree without cwt's wiring may have written `projects/<worktree key>/memory/`; and an ended
 * session that was never merged (or whose record `cwt gc` dropped) leaves its namespace under `cwt-memory/`.
 *
 * Sources of worktree paths: the registry (ended sessions included), `git worktree list`, and, for worktrees
 * already removed, the project keys that start like the key of `<main>/.claude/worktrees/` (claude -w) or of
 * the configured worktreeDir. A key is lossy (every non-alphanumeric character is `-`), so a directory found by
 * key prefix only is checked against the working directory its transcripts record, when it has any.
 *
 * Registry rows are input (every teammate writes a shared store): only this machine's count, a row's worktree
 * only when git lists it or it lies under a worktree directory of the repository, and a session's namespace
 * and base only once sessionpaths.ts trusts them; a row refused is reported, never merged.
 */
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { UntrustedSessionError } from '../util/errors.js';
import type { RepoInfo } from '../git/git.js';
import { getCanonicalMemoryDir, getNamespaceRoot, toProjectKey } from '../harness/harness.js';
import { readTree } from './merge.js';
import { getSessionSettingsPath, resolveSessionStateDir, toRealPath } from '../fs/paths.js';
import { assertSessionPathsTrusted, getRefusal, type TrustedPlaces } from '../sessions/sessionpaths.js';
import { isPathInside } from '../sessions/sessions.js';
import type { SessionRecord, Store } from '../store/store.js';
import { MESSAGES } from '../../texts/messages.js';

export interface RescueCandidate {
  dir: string;
  /** Why it belongs to this repository, for the report. */
  why: string;
  /** An ended session's namespace (merged as that session), or a directory merged on its own. */
  session: SessionRecord | null;
  /** For a namespace whose session record is gone: the merge base `cwt new` seeded for it, if still there. */
  seedBase: string | null;
}

export interface RescueSkip {
  dir: string;
  why: string;
}

export interface RescueScan {
  canonicalDir: string;
  candidates: RescueCandidate[];
  skipped: RescueSkip[];
  /** Sessions of this machine whose records name paths cwt does not put there: not merged. */
  refused: UntrustedSessionError[];
}

/** Project-key prefixes of directories that hold (or held) this repository's worktrees. Pure. */
export function getWorktreeKeyPrefixes(mainWorktree: string, worktreeDir: string): Array<{ prefix: string; parent: string }> {
  const parents = [join(mainWorktree, '.claude', 'worktrees'), resolve(mainWorktree, worktreeDir.replaceAll('{repo}', basename(mainWorktree)))];
  return parents.map((parent) => ({ prefix: `${toProjectKey(parent)}-`, parent }));
}

/** The working directory the first transcript of a project directory records, if any (reads 64 KiB at most). */
function getTranscriptCwd(projectDir: string): string | undefined {
  let name: string | undefined;
  try {
    name = readdirSync(projectDir).find((entry) => entry.endsWith('.jsonl'));
  } catch {
    return undefined;
  }
  if (name === undefined) return undefined;
  const fd = openSync(join(projectDir, name), 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const length = readSync(fd, buffer, 0, buffer.length, 0);
    const match = /"cwd"\s*:\s*("(?:[^"\\]|\\.)*")/.exec(buffer.subarray(0, length).toString('utf8'));
    return match ? (JSON.parse(match[1]!) as string) : undefined;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Maps namespaces to the state dirs of the sessions that used them (settings.json names autoMemoryDirectory). */
function findSeedBases(cwtHome: string): Map<string, string> {
  const out = new Map<string, string>();
  const root = join(cwtHome, 'sessions');
  if (!existsSync(root)) return out;
  for (const id of readdirSync(root)) {
    const stateDir = resolveSessionStateDir(cwtHome, id);
    try {
      const settings = JSON.parse(readFileSync(getSessionSettingsPath(stateDir), 'utf8')) as { autoMemoryDirectory?: unknown };
      if (typeof settings.autoMemoryDirectory === 'string') out.set(settings.autoMemoryDirectory, join(stateDir, 'memory-base'));
    } catch {
      // not a session state dir with settings
    }
  }
  return out;
}

export interface RescueScanOptions {
  store: Store;
  repo: RepoInfo;
  /** Where cwt puts the repository's things on this machine (getTrustedPlaces). */
  places: TrustedPlaces;
  worktreeDir: string;
}

/** Finds what rescue should merge, and what it leaves alone and why. */
export async function scanForRescue(options: RescueScanOptions): Promise<RescueScan> {
  const { repo, places } = options;
  const { claudeHome } = places;
  const main = repo.mainWorktree;
  const projects = join(claudeHome, 'projects');
  const canonicalKey = toProjectKey(main);
  const canonicalDir = getCanonicalMemoryDir(claudeHome, main);
  const candidates = new Map<string, RescueCandidate>();
  const skipped: RescueSkip[] = [];
  const hasMemory = (dir: string) => readTree(dir).size > 0;
  const addDir = (dir: string, why: string, session: SessionRecord | null = null, seedBase: string | null = null) => {
    if (dir !== canonicalDir && !candidates.has(dir) && hasMemory(dir)) candidates.set(dir, { dir, why, session, seedBase });
  };

  const refused: UntrustedSessionError[] = [];
  // Another machine's sessions keep their memory on that machine (a clone at the same path shares the filter).
  const sessions = (await options.store.listSessions({ repo: repo.commonDir, includeEnded: true })).filter((session) => session.host === places.host);
  const prefixes = getWorktreeKeyPrefixes(main, options.worktreeDir);
  const listed = new Set(places.worktrees.map(toRealPath));
  const worktrees = new Map<string, string>();
  for (const session of sessions) {
    // A row's worktree could name any project on this machine: only one of this repository's places counts.
    if (listed.has(toRealPath(session.worktree)) || prefixes.some(({ parent }) => isPathInside(session.worktree, parent))) {
      worktrees.set(session.worktree, `worktree of session ${session.id} (${session.branch})`);
      continue;
    }
    const dir = join(projects, toProjectKey(session.worktree), 'memory');
    if (hasMemory(dir)) skipped.push({ dir, why: MESSAGES.rescueWorktreeUnlisted(session.worktree, main) });
  }
  for (const path of places.worktrees) if (path !== main && !worktrees.has(path)) worktrees.set(path, 'worktree listed by git worktree list');
  for (const [path, why] of worktrees) addDir(join(projects, toProjectKey(path), 'memory'), `memory Claude Code kept for the ${why}: ${path}`);

  if (existsSync(projects)) {
    for (const { prefix, parent } of prefixes) {
      for (const key of readdirSync(projects)) {
        if (!key.startsWith(prefix) || key === canonicalKey) continue;
        const dir = join(projects, key, 'memory');
        if (candidates.has(dir) || !hasMemory(dir)) continue;
        const cwd = getTranscriptCwd(join(projects, key));
        if (cwd !== undefined && !isPathInside(cwd, parent)) {
          skipped.push({ dir, why: `its project key looks like a worktree under ${parent}, but its transcripts were recorded in ${cwd}` });
          continue;
        }
        addDir(dir, `memory of a worktree under ${parent} (found by its project key ${key})`);
      }
    }
  }

  const owned = new Set<string>();
  for (const session of sessions) {
    // An adopted tab's memory is canonical memory itself.
    if (session.kind === 'adopted') continue;
    owned.add(session.memoryDir);
    if (!existsSync(session.memoryDir)) continue;
    if (session.state !== 'ended') {
      skipped.push({ dir: session.memoryDir, why: `session ${session.id} (${session.branch}) is not ended; merge it with: cwt merge-memory ${session.id}` });
      continue;
    }
    const waiting = (session.memoryConflicts ?? []).length > 0;
    if (!waiting && (session.memoryMergedAt ?? null) !== null) continue;
    const refusal = await getRefusal(() => assertSessionPathsTrusted(session, places, ['memory']));
    if (refusal) refused.push(refusal);
    else addDir(session.memoryDir, `namespace of ended session ${session.id} (${session.branch}), ${waiting ? 'with conflicts waiting' : 'never merged'}`, session);
  }
  const namespaceRoot = getNamespaceRoot(claudeHome, main);
  if (existsSync(namespaceRoot)) {
    const seeds = findSeedBases(places.cwtHome);
    for (const name of readdirSync(namespaceRoot)) {
      const dir = join(namespaceRoot, name);
      if (owned.has(dir)) continue;
      const seed = seeds.get(dir);
      const seedBase = seed !== undefined && existsSync(seed) ? seed : null;
      addDir(dir, `namespace of a session cwt no longer has a record of${seedBase ? ' (merged against its start copy)' : ''}`, null, seedBase);
    }
  }
  return { canonicalDir, candidates: [...candidates.values()], skipped, refused };
}
