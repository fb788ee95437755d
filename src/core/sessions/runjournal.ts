/**
 * Run journals: one small file per pipeline run (`cwt new`) in cwt's state dir, `<cwt home>/runs/<pipeline>-<run
 * id>.json`, 0600 in a 0700 directory, replaced atomically. It names the process (pid, host), what the run means
 * to create (the pipeline's record: paths, branch, ids) and which steps it began and finished. A run that
 * completes, or whose rollback finishes, removes its journal. One killed with kill -9 (or by a power cut)
 * leaves it behind, and the journal is how a later process finds what that run made: its pid is dead on
 * this host. A journal written on another host is never acted on here — its pid means nothing on this one.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ensurePrivateDir, fsyncDir, PRIVATE_FILE_MODE, sweepStaleTempFilesIn, writeFileAtomic } from '../fs/atomic.js';
import type { RepoInfo } from '../git/git.js';
import { getHostId, getProcessIdentity, isPidAlive } from './liveness.js';

/** The pipeline name of `cwt new`'s journals (the only pipeline that keeps one). */
export const NEW_RUN_JOURNAL = 'new';

export interface RunJournal<R = unknown> {
  /** Which pipeline wrote it ('new'). */
  pipeline: string;
  runId: string;
  pid: number;
  /** getProcessIdentity of the run's process: a live process that merely reuses the pid is not the run. */
  processIdentity: string | null;
  host: string;
  startedAt: number;
  /** Steps begun and not yet rolled back, in order: their rollbacks are owed. */
  started: string[];
  /** Steps that finished, in order. */
  done: string[];
  /** Why the steps still in `started` were kept: work a rollback refused to delete. Empty until then. */
  kept: string[];
  /** What the pipeline needs to roll the run back (its own shape). */
  record: R;
}

/** The record of a `cwt new` run's journal: what its rollbacks need (commands/new.ts maps it to and from its context). */
export interface NewJournalRecord {
  sessionId: string;
  repo: RepoInfo;
  branch: string;
  /** Where the worktree is (or was about to be) created. */
  worktree: string;
  /** The commit cwt creates the branch at; null when the branch existed, so a rollback never deletes it. */
  createdBranchFrom: string | null;
  namespaceDir: string | null;
  stateDir: string;
  /**
   * The conversation the run starts from (cwt new --fork, cwt attach of a removed worktree), so that a rollback
   * can take its link back to `from` and drop the unused transcript copy; absent for a plain run.
   */
  conversation?: { claudeId: string; from: string; fork: boolean; claudeHome: string } | null;
}

/** A journal as found on disk. */
export interface RunJournalFile<R = unknown> {
  path: string;
  journal: RunJournal<R>;
}

/** running: its process is alive here; interrupted: dead here (a leftover); elsewhere: written on another host. */
export type RunJournalState = 'running' | 'interrupted' | 'elsewhere';

export function getRunJournalDir(cwtHome: string): string {
  return join(cwtHome, 'runs');
}

export function getRunJournalPath(cwtHome: string, pipeline: string, runId: string): string {
  return join(getRunJournalDir(cwtHome), `${pipeline}-${runId}.json`);
}

/** Replaces the journal atomically: a kill at any moment leaves the previous version or this one. */
export function writeRunJournal(path: string, journal: RunJournal): void {
  ensurePrivateDir(dirname(path));
  writeFileAtomic(path, `${JSON.stringify(journal, null, 2)}\n`, { mode: PRIVATE_FILE_MODE });
}

export function removeRunJournal(path: string): void {
  rmSync(path, { force: true });
  fsyncDir(dirname(path));
}

function isRunJournal(value: unknown): value is RunJournal {
  const journal = value as Partial<RunJournal> | null;
  return (
    typeof journal === 'object' && journal !== null && typeof journal.pipeline === 'string' && typeof journal.runId === 'string' &&
    typeof journal.pid === 'number' && typeof journal.host === 'string' && Array.isArray(journal.started) && Array.isArray(journal.done) &&
    Array.isArray(journal.kept) && typeof journal.record === 'object' && journal.record !== null
  );
}

/** Every journal of `pipeline` in the state dir, oldest first; a file that is not one is passed over. */
export function listRunJournals<R>(cwtHome: string, pipeline: string): RunJournalFile<R>[] {
  const dir = getRunJournalDir(cwtHome);
  if (!existsSync(dir)) return [];
  const found: RunJournalFile<R>[] = [];
  for (const name of readdirSync(dir)) {
    // Dot files are writeFileAtomic's temporary files.
    if (!name.startsWith(`${pipeline}-`) || !name.endsWith('.json')) continue;
    const path = join(dir, name);
    try {
      const journal: unknown = JSON.parse(readFileSync(path, 'utf8'));
      if (isRunJournal(journal) && journal.pipeline === pipeline) found.push({ path, journal: journal as RunJournal<R> });
    } catch {
      // Removed meanwhile by its finishing run, or not cwt's: nothing to recover from.
    }
  }
  return found.sort((a, b) => a.journal.startedAt - b.journal.startedAt);
}

/** Whose the journal is, seen from this host. Pure but for `isAlive` and `identify`. */
export function getRunJournalState(
  journal: RunJournal,
  host: string,
  isAlive: (pid: number) => boolean = isPidAlive,
  identify: (pid: number) => string | undefined = getProcessIdentity,
): RunJournalState {
  if (journal.host !== host) return 'elsewhere';
  if (!isAlive(journal.pid)) return 'interrupted';
  const identity = journal.processIdentity === null ? undefined : identify(journal.pid);
  return identity !== undefined && identity !== journal.processIdentity ? 'interrupted' : 'running';
}

/** The journals of `pipeline` whose process died on this host: the leftovers to roll back or report. */
export function listInterruptedRuns<R>(cwtHome: string, pipeline: string, env: NodeJS.ProcessEnv): RunJournalFile<R>[] {
  const host = getHostId(env);
  return listRunJournals<R>(cwtHome, pipeline).filter((entry) => getRunJournalState(entry.journal, host) === 'interrupted');
}

/** Removes temporary journal files whose writer was killed mid-write. */
export function sweepRunJournalTempFiles(cwtHome: string): void {
  const dir = getRunJournalDir(cwtHome);
  if (existsSync(dir)) sweepStaleTempFilesIn(dir);
}
