/**
 * `cwt memory rescue [--dry-run] [--json]`: merges into canonical memory the memory directories that belong to
 * this repository's worktrees or to ended, unmerged sessions (see core/memoryrescue.ts for how they are found),
 * each the way `cwt merge-memory` merges a session, all under one hold of the canonical-memory lock. A session
 * record naming paths cwt does not put there is not merged, and makes the run exit 4 after the others.
 */
import { ConflictError } from '../core/util/errors.js';
import { loadConfig } from '../core/config/load.js';
import { resolveRepo } from '../core/git/git.js';
import { getDirectorySource, getSessionSource, runMemoryMerge, withMemoryLock, type MemoryMergeResult } from '../core/memory/merge.js';
import { scanForRescue, type RescueScan } from '../core/memory/rescue.js';
import { getTrustedPlaces, throwIfRefused } from '../core/sessions/sessionpaths.js';
import { openStore } from '../core/store/open.js';
import { MESSAGES } from '../texts/messages.js';
import { createProcessOutput, printJson, type Output } from '../ui/output.js';
import { createRunOptions, printConflicts, printMergeResult, resolveMemoryLocation, toMergeJson } from './merge-memory.js';

export interface RescueOptions {
  dryRun?: boolean;
  json?: boolean;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  output?: Output;
}

function printScan(scan: RescueScan, output: Output): void {
  if (scan.candidates.length === 0) output.stdout(MESSAGES.rescueNothing(scan.canonicalDir));
  else output.stdout([MESSAGES.rescueFound(scan.candidates.length), ...scan.candidates.map((c) => MESSAGES.rescueCandidate(c.dir, c.why))].join('\n'));
  for (const skip of scan.skipped) output.stdout(MESSAGES.rescueSkipped(skip.dir, skip.why));
}

export async function rescueMemory(options: RescueOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const output = options.output ?? createProcessOutput();
  const dryRun = options.dryRun === true;
  const repo = await resolveRepo(cwd, env);
  const config = loadConfig({ repoRoot: repo.mainWorktree, env });
  const location = resolveMemoryLocation(repo.mainWorktree, env);
  const places = await getTrustedPlaces(repo, env);
  const store = await openStore(env);
  try {
    const interactive = output.interactive && !options.json && !dryRun;
    const { scan, results } = await withMemoryLock(
      { store, canonicalDir: location.canonicalDir, stateDir: location.stateDir, env, note: 'cwt memory rescue', onTakeover: (previous) => output.stderr(MESSAGES.lockTakenOver(previous)) },
      async (recovered) => {
        if (recovered) output.stderr(MESSAGES.mergeRecovered(recovered.kind));
        const found = await scanForRescue({ store, repo, places, worktreeDir: config.worktreeDir });
        if (!options.json) printScan(found, output);
        const merged: MemoryMergeResult[] = [];
        for (const candidate of found.candidates) {
          const source = candidate.session
            ? getSessionSource(candidate.session, places)
            : getDirectorySource(location.stateDir, candidate.dir, `rescued ${candidate.dir}`, candidate.seedBase);
          const run = createRunOptions(env, output, source.label, interactive);
          try {
            merged.push(await runMemoryMerge({ ...run.options, store, canonicalDir: location.canonicalDir, stateDir: location.stateDir, source, indexFiles: location.indexFiles, dryRun }));
          } finally {
            run.dispose();
          }
        }
        return { scan: found, results: merged };
      },
    );
    const conflicts = results.flatMap((result) => result.conflicts);
    if (options.json) {
      printJson(output, {
        canonical: scan.canonicalDir,
        dryRun,
        found: scan.candidates.map((c) => ({ dir: c.dir, why: c.why, session: c.session?.id ?? null })),
        skipped: scan.skipped,
        refused: scan.refused.map((error) => ({ session: error.session, message: error.message })),
        results: results.map((result) => toMergeJson(result, dryRun)),
      });
    } else {
      for (const result of results) printMergeResult(result, dryRun, output.stdout);
    }
    throwIfRefused(scan.refused, MESSAGES.rescueRefusedSessions(scan.refused.length));
    if (conflicts.length === 0 || dryRun) return conflicts.length > 0 ? 1 : 0;
    for (const result of results) printConflicts(result.conflicts, result.source.label, output);
    throw new ConflictError(MESSAGES.mergeConflicts(conflicts.length, scan.canonicalDir), { hint: MESSAGES.rescueHint });
  } finally {
    await store.close();
  }
}
