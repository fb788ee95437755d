/**
 * `cwt merge-memory [<branch|id>] [--dry-run] [--json] [--undo [--force]]`: merges a session's memory namespace
 * back into the repository's canonical memory (3-way, per file, under the canonical-memory lock, backed up and
 * journaled), or undoes the last merge. `cwt end` runs the same merge first (mergeSessionMemory).
 *
 * Test failpoints: CWT_FAILPOINT=merge-memory:after-write:<n> (or :before-commit) hangs the merge there after
 * printing `cwt-failpoint: merge-memory …` to stderr, until killed (see createFailpoints).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PRIVATE_FILE_MODE } from '../core/fs/atomic.js';
import { loadConfig } from '../core/config/load.js';
import { ConflictError, EnvironmentError, UsageError } from '../core/util/errors.js';
import { resolveRepo } from '../core/git/git.js';
import { getCanonicalMemoryDir } from '../core/harness/harness.js';
import { listBackups } from '../core/memory/backup.js';
import {
  createGitLineMerger,
  getSessionSource,
  runMemoryMerge,
  undoMemoryMerge,
  withMemoryLock,
  type ConflictView,
  type MemoryMergeOptions,
  type MemoryMergeResult,
  type UndoResult,
} from '../core/memory/merge.js';
import type { Decision } from '../core/memory/plan.js';
import { resolveMemoryStateDir } from '../core/memory/memory.js';
import { resolveClaudeHome, resolveCwtHome } from '../core/fs/paths.js';
import { getHostId } from '../core/sessions/liveness.js';
import { createSessionPathVerifier, type SessionPathVerifier } from '../core/sessions/sessionpaths.js';
import { resolveSession } from '../core/sessions/sessions.js';
import { openStore } from '../core/store/open.js';
import type { SessionRecord, Store } from '../core/store/store.js';
import { MESSAGES } from '../texts/messages.js';
import { createProcessOutput, printJson, type Output } from '../ui/output.js';

export interface MergeMemoryOptions {
  ref?: string;
  dryRun?: boolean;
  json?: boolean;
  undo?: boolean;
  force?: boolean;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  output?: Output;
}

/** Where a repository's canonical memory and cwt's merge state for it live. */
export interface MemoryLocation {
  canonicalDir: string;
  stateDir: string;
  indexFiles: string[];
}

export function resolveMemoryLocation(mainWorktree: string, env: NodeJS.ProcessEnv): MemoryLocation {
  const canonicalDir = getCanonicalMemoryDir(resolveClaudeHome(env), mainWorktree);
  return {
    canonicalDir,
    stateDir: resolveMemoryStateDir(resolveCwtHome(env), canonicalDir),
    indexFiles: loadConfig({ repoRoot: mainWorktree, env }).memoryIndexFiles,
  };
}

/**
 * Test failpoints (CWT_FAILPOINT): `merge-memory:before-commit` hangs with the backup taken and the content
 * staged but nothing committed; `merge-memory:after-write:<n>` once n canonical files are written (0: just
 * committed). Each prints `cwt-failpoint: merge-memory <where>` first, so a test can kill -9 right there.
 */
function createFailpoints(env: NodeJS.ProcessEnv, output: Output): Pick<MemoryMergeOptions, 'onCanonicalWrite' | 'onBeforeCommit'> {
  const hang = async (where: string) => {
    output.stderr(`cwt-failpoint: merge-memory ${where}`);
    await new Promise(() => setInterval(() => {}, 1000));
  };
  const failpoint = env.CWT_FAILPOINT ?? '';
  if (failpoint === 'merge-memory:before-commit') return { onBeforeCommit: () => hang('before-commit') };
  const match = /^merge-memory:after-write:(\d+)$/.exec(failpoint);
  if (!match) return {};
  const at = Number(match[1]);
  return { onCanonicalWrite: async (count) => (count === at ? hang(`after-write ${count}`) : undefined) };
}

async function editConflict(view: ConflictView, env: NodeJS.ProcessEnv, output: Output): Promise<Decision | undefined> {
  const dir = mkdtempSync(join(tmpdir(), 'cwt-conflict-'));
  const path = join(dir, view.conflictPath.slice(view.conflictPath.lastIndexOf('/') + 1));
  writeFileSync(path, view.text, { mode: PRIVATE_FILE_MODE });
  const editor = env.VISUAL || env.EDITOR || 'vi';
  try {
    // As git does: the user's editor setting is a shell command line; the file is passed as "$1".
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn('sh', ['-c', `${editor} "$1"`, 'sh', path], { stdio: 'inherit', env });
      child.on('error', reject);
      child.on('close', resolve);
    });
    if (code !== 0) {
      output.stderr(MESSAGES.editorFailed(editor, code));
      return undefined;
    }
    return { choice: 'text', text: readFileSync(path, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One question per conflict, at a terminal only (never under a listr2 renderer: callers ask before theirs). */
function createTerminalDecider(label: string, env: NodeJS.ProcessEnv, output: Output): NonNullable<MemoryMergeOptions['decide']> {
  return async (views) => {
    const { select } = await import('@inquirer/prompts');
    const decisions = new Map<string, Decision>();
    for (const view of views) {
      printConflicts([view], label, output);
      const text = view.reason !== 'binary';
      const choices = [
        { value: 'canonical', name: MESSAGES.conflictChoices.canonical },
        { value: 'session', name: MESSAGES.conflictChoices.session },
        ...(text ? [{ value: 'both', name: MESSAGES.conflictChoices.both }, { value: 'editor', name: MESSAGES.conflictChoices.editor }] : []),
        { value: 'later', name: MESSAGES.conflictChoices.later },
      ];
      // Prompts draw on stderr: stdout is for results.
      const answer = await select({ message: MESSAGES.askConflictChoice(view.file), choices }, { output: process.stderr });
      if (answer === 'canonical' || answer === 'session' || answer === 'both') decisions.set(view.file, { choice: answer });
      else if (answer === 'editor') {
        const decision = await editConflict(view, env, output);
        if (decision) decisions.set(view.file, decision);
      }
    }
    return decisions;
  };
}

export interface SessionMergeOptions {
  store: Store;
  env: NodeJS.ProcessEnv;
  output: Output;
  /** The command's verifier (made for the repository it runs in); else one for the repository the row names. */
  verifySessionPaths?: SessionPathVerifier;
  dryRun?: boolean;
  /** Ask at the terminal for each conflict. */
  interactive?: boolean;
}

/** Options shared by every merge run of a command: the line merger, the failpoint, the terminal choices. */
export function createRunOptions(env: NodeJS.ProcessEnv, output: Output, label: string, interactive: boolean) {
  const git = env.CWT_MERGE_ENGINE === 'git' ? createGitLineMerger() : undefined;
  return {
    options: {
      lineMerger: git?.lineMerger,
      lineMergerName: git ? 'git merge-file' : 'diff3',
      ...createFailpoints(env, output),
      decide: interactive ? createTerminalDecider(label, env, output) : undefined,
    } satisfies Partial<MemoryMergeOptions>,
    dispose: () => git?.dispose(),
  };
}

/** Merges one session's memory under the canonical-memory lock, once its record's paths proved trustworthy. */
export async function mergeSessionMemory(session: SessionRecord, options: SessionMergeOptions): Promise<MemoryMergeResult> {
  const places = await (options.verifySessionPaths ?? createSessionPathVerifier(options.env))(session, ['memory']);
  const location = resolveMemoryLocation(places.mainWorktree, options.env);
  const source = getSessionSource(session, places);
  const run = createRunOptions(options.env, options.output, source.label, options.interactive === true);
  try {
    return await withMemoryLock(
      {
        store: options.store,
        canonicalDir: location.canonicalDir,
        stateDir: location.stateDir,
        env: options.env,
        note: `cwt merge-memory ${session.id}`,
        session: session.id,
        onTakeover: (previous) => options.output.stderr(MESSAGES.lockTakenOver(previous)),
      },
      async (recovered) => {
        if (recovered) options.output.stderr(MESSAGES.mergeRecovered(recovered.kind));
        // Re-read under the lock: a merge that just finished may have moved this session's base and state (and
        // the record is checked again: it may have been changed since).
        const current = (await options.store.getSession(session.id)) ?? session;
        return runMemoryMerge({
          ...run.options,
          store: options.store,
          canonicalDir: location.canonicalDir,
          stateDir: location.stateDir,
          source: getSessionSource(current, places),
          indexFiles: location.indexFiles,
          dryRun: options.dryRun,
        });
      },
    );
  } finally {
    run.dispose();
  }
}

export function printConflicts(views: readonly ConflictView[], label: string, output: Output): void {
  for (const view of views) {
    output.stderr(MESSAGES.mergeConflictHeader(view.file, view.reason));
    output.stderr(MESSAGES.mergeConflictPaths(view.canonicalPath, view.sessionPath));
    if (view.reason === 'unresolved') {
      output.stderr(MESSAGES.mergeConflictUnresolved(view.conflictPath));
      continue;
    }
    for (const hunk of view.hunks) output.stderr(MESSAGES.mergeConflictHunk(hunk.line, hunk.ours, hunk.base, hunk.theirs, label));
    output.stderr(MESSAGES.mergeConflictFile(view.conflictPath));
  }
}

/** The `--json` shape: arrays of file names relative to the memory directory. */
export function toMergeJson(result: MemoryMergeResult, dryRun: boolean) {
  return {
    source: result.source.label,
    dir: result.source.dir,
    canonical: result.canonicalDir,
    dryRun,
    ...result.summary,
    conflicts: result.conflicts.map((view) => ({ file: view.file, reason: view.reason, conflictFile: view.conflictPath })),
    backup: result.backup,
    unsettled: result.unsettled,
  };
}

/** Prints what a merge did (or would do), through `write` (stdout for merge-memory, stderr inside `cwt end`). */
export function printMergeResult(result: MemoryMergeResult, dryRun: boolean, write: (text: string) => void): void {
  const { summary, source, canonicalDir } = result;
  if (result.missing) {
    write(MESSAGES.mergeMissingDir(source.dir));
    return;
  }
  const changed = summary.added.length + summary.merged.length + summary.deleted.length;
  for (const file of result.unsettled) write(MESSAGES.mergeUnsettled(join(source.dir, file)));
  if (dryRun) write(MESSAGES.mergePlanHeader(source.label, canonicalDir));
  else if (changed === 0 && summary.conflicts.length === 0) {
    write(MESSAGES.mergeNothing(source.label, canonicalDir));
    return;
  } else {
    const counts = { added: summary.added.length, merged: summary.merged.length, deleted: summary.deleted.length, unchanged: summary.unchanged.length, conflicts: summary.conflicts.length };
    write(MESSAGES.mergeSummary(source.label, canonicalDir, counts));
  }
  const lines = [
    ...summary.added.map((file) => MESSAGES.mergeLine('add', file)),
    ...summary.merged.map((file) => MESSAGES.mergeLine('merge', file)),
    ...summary.deleted.map((file) => MESSAGES.mergeLine('delete', file)),
    ...summary.conflicts.map((conflict) => MESSAGES.mergeLine('conflict', conflict.file, conflict.reason)),
  ];
  if (lines.length > 0) write(lines.join('\n'));
  if (dryRun) write(MESSAGES.mergeDryRun);
  else if (result.backup !== null) write(MESSAGES.mergeBackup(result.backup));
}

/** Exit 1 with the next command, after the loud per-file report. */
export function throwIfConflicts(result: MemoryMergeResult, output: Output, hint: string): void {
  if (result.conflicts.length === 0) return;
  printConflicts(result.conflicts, result.source.label, output);
  throw new ConflictError(MESSAGES.mergeConflicts(result.conflicts.length, result.canonicalDir), { hint });
}

async function undoLastMerge(store: Store, session: SessionRecord | undefined, mainWorktree: string, options: MergeMemoryOptions & { env: NodeJS.ProcessEnv; output: Output }): Promise<number> {
  const { env, output } = options;
  const location = resolveMemoryLocation(mainWorktree, env);
  const result: UndoResult = await withMemoryLock(
    { store, canonicalDir: location.canonicalDir, stateDir: location.stateDir, env, note: 'cwt merge-memory --undo', onTakeover: (previous) => output.stderr(MESSAGES.lockTakenOver(previous)) },
    async (recovered) => {
      if (recovered) output.stderr(MESSAGES.mergeRecovered(recovered.kind));
      const backup = listBackups(location.stateDir).find((candidate) => !candidate.manifest.undone && (session === undefined || candidate.manifest.source.session === session.id));
      if (!backup) throw new UsageError(MESSAGES.undoNothing(location.canonicalDir), { hint: MESSAGES.undoNothingHint });
      return undoMemoryMerge({ store, canonicalDir: location.canonicalDir, stateDir: location.stateDir, backupDir: backup.dir, force: options.force, dryRun: options.dryRun });
    },
  );
  if (options.json) {
    printJson(output, { backup: result.backup, source: result.manifest.source.label, dryRun: options.dryRun === true, restored: result.restored, removed: result.removed, changedSince: result.changedSince });
    return 0;
  }
  if (options.dryRun) {
    output.stdout(MESSAGES.undoPlan(result.backup));
    const lines = [...result.restored.map((file) => `  restore   ${file}`), ...result.removed.map((file) => `  remove    ${file}`)];
    if (lines.length > 0) output.stdout(lines.join('\n'));
    output.stdout(MESSAGES.mergeDryRun);
    return 0;
  }
  output.stdout(MESSAGES.undone(result.backup, result.restored.length, result.removed.length));
  return 0;
}

export async function mergeMemory(options: MergeMemoryOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const output = options.output ?? createProcessOutput();
  if (options.force && !options.undo) throw new UsageError(MESSAGES.badArguments('merge-memory', '--force goes with --undo'), { hint: MESSAGES.badArgumentsHint('merge-memory') });
  const store = await openStore(env);
  try {
    const repo = await resolveRepo(cwd, env).catch(() => undefined);
    const session =
      options.ref !== undefined || !options.undo
        ? await resolveSession(store, { ref: options.ref, cwd, repo: repo?.commonDir, host: getHostId(env), includeEnded: true })
        : undefined;
    const verifySessionPaths = createSessionPathVerifier(env, repo);
    if (options.undo) {
      const mainWorktree = session ? (await verifySessionPaths(session, [])).mainWorktree : repo?.mainWorktree;
      if (mainWorktree === undefined) throw new EnvironmentError(MESSAGES.notAGitRepo(cwd), { hint: MESSAGES.notAGitRepoHint });
      return await undoLastMerge(store, session, mainWorktree, { ...options, env, output });
    }
    if (session!.kind === 'adopted') throw new UsageError(MESSAGES.adoptedNoNamespace(session!), { hint: MESSAGES.adoptedNoNamespaceHint });
    const dryRun = options.dryRun === true;
    const result = await mergeSessionMemory(session!, { store, env, output, verifySessionPaths, dryRun, interactive: output.interactive && !options.json && !dryRun });
    if (options.json) printJson(output, toMergeJson(result, dryRun));
    else printMergeResult(result, dryRun, output.stdout);
    if (dryRun) return result.conflicts.length > 0 ? 1 : 0;
    throwIfConflicts(result, output, MESSAGES.mergeConflictsHint(`cwt merge-memory ${session!.id}`));
    return 0;
  } finally {
    await store.close();
  }
}
