/**
 * `cwt end [<branch|id>]`: merge the session's memory into canonical memory (unless `--no-merge`), release what
 * the session holds, unlock its worktree, mark it ended. With `--remove` the worktree goes too, and with
 * `--delete-branch` the branch, but only when nothing would be lost: a dirty worktree or commits on no other
 * branch or upstream make it refuse and list them (`--force` overrides). That check runs again under the
 * repository lock, right before the worktree or the branch goes, and the branch is deleted with `git branch -d`
 * (`-D` only under `--force`), so a commit made meanwhile is never lost. A memory conflict stops it before
 * anything is released or removed (exit 1). The memory namespace is always kept. The session must be this
 * machine's, and its record's paths where cwt puts them (core/sessionpaths.ts), or nothing is done (exit 4).
 */
import { existsSync } from 'node:fs';
import { ConflictError, GitError, LockBusyError, UsageError } from '../core/util/errors.js';
import {
  deleteBranch,
  findWorkAtRisk,
  hasLocalBranch,
  removeWorktree,
  resolveRepo,
  unlockWorktree,
} from '../core/git/git.js';
import { removeLeaseEnvFile } from '../core/coordination/leases.js';
import { getHostId } from '../core/sessions/liveness.js';
import { repoLockName, withLock } from '../core/coordination/locks.js';
import { createSessionPathVerifier } from '../core/sessions/sessionpaths.js';
import { hasLiveSupervisor, resolveSession } from '../core/sessions/sessions.js';
import { openStore } from '../core/store/open.js';
import type { SessionRecord, Store } from '../core/store/store.js';
import { MESSAGES } from '../texts/messages.js';
import { createProcessOutput, printJson, type Output } from '../ui/output.js';
import { chooseRenderer, runPipeline, type PipelineStep } from '../ui/pipeline.js';
import { mergeSessionMemory, printMergeResult, throwIfConflicts, toMergeJson } from './merge-memory.js';

export interface EndOptions {
  ref?: string;
  remove?: boolean;
  deleteBranch?: boolean;
  force?: boolean;
  json?: boolean;
  /** false for --no-merge: leave the session's memory unmerged. */
  merge?: boolean;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  output?: Output;
  /** An already open store (when `cwt new` ends its own session). */
  store?: Store;
}

interface EndContext {
  session: SessionRecord;
  store: Store;
  env: NodeJS.ProcessEnv;
  output: Output;
  remove: boolean;
  deleteBranch: boolean;
  force: boolean;
  worktreeExists: boolean;
  removed: boolean;
  branchDeleted: boolean;
  /** Why `git branch -d` kept the branch (it counts only HEAD and the upstream as holding its commits). */
  branchKept: string | undefined;
}

/** Refuses when removing the worktree or the branch would lose work: before anything changes, and again under the lock. */
async function assertNothingLost(ctx: EndContext): Promise<void> {
  const { session } = ctx;
  const risk = await findWorkAtRisk(session, { worktree: ctx.remove, branch: ctx.remove || ctx.deleteBranch });
  if (risk.changes.length > 0) {
    throw new ConflictError(MESSAGES.refuseRemoveDirty(session.worktree, risk.changes.map((c) => `${c.code} ${c.path}`)), {
      hint: MESSAGES.refuseRemoveHint(session.id),
    });
  }
  if (risk.commits.length > 0) {
    throw new ConflictError(MESSAGES.refuseUnmerged(session.branch, risk.commits), { hint: MESSAGES.refuseRemoveHint(session.id) });
  }
}

/** Worktrees of one repository are created and removed one at a time (cwt new holds the same lock). */
function withRepoLock(ctx: EndContext, fn: () => Promise<void>): Promise<void> {
  return withLock(ctx.store, { name: repoLockName(ctx.session.repo), waitMs: 120_000, ttlMs: 60_000, env: ctx.env, note: `cwt end ${ctx.session.branch}` }, fn);
}

const STEPS: PipelineStep<EndContext>[] = [
  {
    id: 'release',
    title: 'Release the session’s locks, claims and leases',
    run: async (ctx) => {
      await ctx.store.releaseSessionLocks(ctx.session.id);
      await ctx.store.releaseClaims(ctx.session.id);
      await ctx.store.releaseLeases(ctx.session.id, 'session end');
      // Its values are no longer this session's: a kept worktree must not go on advertising them.
      if (ctx.worktreeExists) removeLeaseEnvFile(ctx.session.worktree, ctx.session.id);
    },
  },
  {
    id: 'remove',
    title: 'Remove the worktree',
    enabled: (ctx) => ctx.remove && ctx.worktreeExists,
    run: async (ctx) => {
      await withRepoLock(ctx, async () => {
        // A commit may have landed while this waited for the lock: the first check did not see it.
        if (!ctx.force) await assertNothingLost(ctx);
        await removeWorktree(ctx.session.worktree, ctx.session.mainWorktree, ctx.force);
      });
      ctx.removed = true;
    },
  },
  {
    id: 'unlock',
    title: 'Unlock the worktree',
    // An adopted tab's checkout is not cwt's to lock or unlock.
    enabled: (ctx) => !ctx.remove && ctx.worktreeExists && ctx.session.kind === 'cwt',
    run: async (ctx) => {
      await unlockWorktree(ctx.session.worktree, ctx.session.mainWorktree);
    },
  },
  {
    id: 'branch',
    title: 'Delete the branch',
    enabled: (ctx) => ctx.deleteBranch,
    run: async (ctx) => {
      await withRepoLock(ctx, async () => {
        if (!(await hasLocalBranch(ctx.session.branch, ctx.session.mainWorktree))) return;
        if (!ctx.force) await assertNothingLost(ctx);
        try {
          // -d, not -D: git itself refuses should a commit land between the check and the deletion.
          await deleteBranch(ctx.session.branch, ctx.session.mainWorktree, ctx.force);
          ctx.branchDeleted = true;
        } catch (error) {
          if (ctx.force || !(error instanceof GitError)) throw error;
          ctx.branchKept = error.stderr;
        }
      });
    },
  },
  {
    id: 'mark',
    title: 'Mark the session ended',
    enabled: (ctx) => ctx.session.state !== 'ended',
    run: async (ctx) => {
      const now = Date.now();
      await ctx.store.updateSession(
        ctx.session.id,
        { state: 'ended', endedAt: now, pid: null, heartbeatAt: now },
        {
          kind: 'session.end',
          session: ctx.session.id,
          repo: ctx.session.repo,
          data: { removed: ctx.removed, branchDeleted: ctx.branchDeleted, forced: ctx.force },
        },
      );
    },
  },
];

/** Exit 1 when `--delete-branch` left the branch: the session ended, the user asked for more. */
function throwIfBranchKept(ctx: EndContext): void {
  if (ctx.branchKept !== undefined) {
    throw new ConflictError(MESSAGES.branchNotDeleted(ctx.session.branch, ctx.branchKept), { hint: MESSAGES.branchNotDeletedHint(ctx.session.id) });
  }
}

export async function endSession(options: EndOptions): Promise<number> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const output = options.output ?? createProcessOutput();
  const store = options.store ?? (await openStore(env));
  try {
    const repo = await resolveRepo(cwd, env).catch(() => undefined);
    const session = await resolveSession(store, { ref: options.ref, cwd, repo: repo?.commonDir, host: getHostId(env), includeEnded: true });
    const ctx: EndContext = {
      session,
      store,
      env,
      output,
      remove: options.remove === true,
      deleteBranch: options.deleteBranch === true,
      force: options.force === true,
      worktreeExists: existsSync(session.worktree),
      removed: false,
      branchDeleted: false,
      branchKept: undefined,
    };
    if (session.state === 'ended' && !ctx.remove && !ctx.deleteBranch) {
      output.stderr(MESSAGES.alreadyEnded(session));
      return 0;
    }
    // An adopted tab wrote canonical memory itself: it has no namespace to merge.
    const merges = options.merge !== false && session.kind === 'cwt';
    const verifySessionPaths = createSessionPathVerifier(env, repo);
    await verifySessionPaths(session, merges ? ['worktree', 'memory'] : ['worktree']);
    if (session.kind === 'adopted' && (ctx.remove || ctx.deleteBranch)) {
      throw new UsageError(MESSAGES.adoptedNotRemovable(session), { hint: MESSAGES.adoptedNotRemovableHint(session.id) });
    }
    if (ctx.deleteBranch && !ctx.remove && ctx.worktreeExists) {
      throw new UsageError(`--delete-branch needs --remove: '${session.branch}' is checked out in ${session.worktree}`, {
        hint: `cwt end ${session.id} --remove --delete-branch`,
      });
    }
    if (hasLiveSupervisor(session, env) && !ctx.force) {
      throw new LockBusyError(MESSAGES.endLiveSupervisor(session), { hint: MESSAGES.endLiveSupervisorHint(session.id) });
    }
    if (!ctx.force) await assertNothingLost(ctx);
    // The memory merge comes first and outside the task list: a conflict stops everything before anything is
    // released, and on a terminal its questions are asked before any renderer draws.
    const memory = merges ? await mergeSessionMemory(session, { store, env, output, verifySessionPaths, interactive: output.interactive && !options.json }) : undefined;
    if (memory) {
      if (options.json && memory.conflicts.length > 0) printJson(output, { id: session.id, branch: session.branch, ended: false, memory: toMergeJson(memory, false) });
      else if (!options.json) printMergeResult(memory, false, output.stderr);
      throwIfConflicts(memory, output, MESSAGES.endMergeHint(session.id));
    }
    await runPipeline(STEPS, ctx, {
      renderer: chooseRenderer({ quiet: options.json === true, env }),
      output,
      env,
    });
    if (options.json) {
      printJson(output, {
        id: session.id,
        branch: session.branch,
        removed: ctx.removed,
        branchDeleted: ctx.branchDeleted,
        memoryDir: session.memoryDir,
        memory: memory ? toMergeJson(memory, false) : null,
      });
      throwIfBranchKept(ctx);
      return 0;
    }
    output.stderr(MESSAGES.ended(session));
    output.stderr(ctx.removed ? MESSAGES.worktreeRemoved(session.worktree) : MESSAGES.worktreeKept(session.worktree));
    if (ctx.branchDeleted) output.stderr(MESSAGES.branchDeleted(session.branch));
    if (session.kind === 'cwt') {
      output.stderr(MESSAGES.memoryKept(session.memoryDir));
      if (!memory) output.stderr(MESSAGES.endNotMerged(session.id));
    }
    throwIfBranchKept(ctx);
    return 0;
  } finally {
    if (!options.store) await store.close();
  }
}
