/**
 * `cwt hook worktree-create|worktree-remove`: Claude Code's WorktreeCreate and WorktreeRemove hooks, through
 * which `claude -w <name>` creates and removes its worktree with cwt — the same code path as `cwt new
 * --no-launch` (repository lock, location rules, .worktreeinclude, registry row, memory namespace, notes).
 *
 * Not on the per-tool-call path: they run once per session, so this module is reached only through the full
 * CLI (the hook bundle declines these events) and may load the pipeline and git.
 *
 * The protocol, as Claude Code speaks it at both ends of the supported range (seen, not guessed; e2e on each):
 * - WorktreeCreate: stdin `{session_id, transcript_path, cwd, hook_event_name, name}`, run in `cwd` (where
 *   `claude` started). Claude Code takes the last non-empty line of stdout as the worktree's absolute path and
 *   starts the session there; a failing hook (or no path) makes `claude -w` fail with the hook's stderr.
 * - WorktreeRemove: stdin `{…, cwd: <the worktree>, hook_event_name, worktree_path}`, when the session leaves the
 *   worktree choosing "remove" (the exit dialog, or the ExitWorktree tool). Exit 0 means removed; any other exit
 *   makes Claude Code report the worktree as kept.
 */
import { existsSync } from 'node:fs';
import { LockBusyError, UsageError } from '../core/util/errors.js';
import { getWorktreeChanges, removeWorktree, resolveRepo, resolveRepoAndIdentity } from '../core/git/git.js';
import { getCallerPid, getHostId } from '../core/sessions/liveness.js';
import { toRealPath } from '../core/fs/paths.js';
import { verifySessionPaths } from '../core/sessions/sessionpaths.js';
import { hasLiveSupervisor } from '../core/sessions/sessions.js';
import { openStore } from '../core/store/open.js';
import type { SessionRecord, Store } from '../core/store/store.js';
import { MESSAGES } from '../texts/messages.js';
import { createProcessOutput, type Output } from '../ui/output.js';
import { readStdin } from './command.js';
import { parseHookInput, type HookEvent, type HookInput } from './input.js';

export interface WorktreeHookOptions {
  env?: NodeJS.ProcessEnv;
  output?: Output;
  /** The hook input; read from stdin when omitted. */
  input?: string;
  /** The Claude Code process the hook runs for; found from the process tree when omitted. */
  agentPid?: number;
}

/** Runs a worktree hook; resolves to the exit code. Errors propagate to the CLI's one catch (stderr, exit code). */
export async function runWorktreeHook(event: HookEvent, options: WorktreeHookOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  const output = options.output ?? createProcessOutput();
  const input = parseHookInput(options.input ?? readStdin()) ?? {};
  // Claude Code parses stdout: progress and notes go to stderr, only the path to stdout.
  const diagnostics: Output = { stdout: output.stderr, stderr: output.stderr, interactive: false };
  const store = await openStore(env);
  try {
    if (event === 'worktree-create') {
      const path = await createWorktree(input, { store, env, output: diagnostics, agentPid: options.agentPid ?? getCallerPid() });
      output.stdout(path);
      return 0;
    }
    return await removeSessionWorktree(input, { store, env, output: diagnostics });
  } finally {
    await store.close();
  }
}

interface HookCall {
  store: Store;
  env: NodeJS.ProcessEnv;
  output: Output;
}

/**
 * The worktree for `claude -w <name>`: the worktree of the session already on branch <name> when there is one
 * and no agent runs in it (Claude Code resumes an existing worktree too), else a new session.
 */
async function createWorktree(input: HookInput, call: HookCall & { agentPid: number }): Promise<string> {
  const { store, env, output, agentPid } = call;
  if (input.name === undefined) throw new UsageError(MESSAGES.worktreeHookNoName, { hint: MESSAGES.worktreeHookHint });
  const cwd = input.cwd ?? process.cwd();
  // From git's files in a plain layout, without starting git (resolveRepo says what is wrong otherwise).
  const repo = (await resolveRepoAndIdentity(cwd, env))?.repo ?? (await resolveRepo(cwd, env));
  const now = Date.now();
  const host = getHostId(env);
  const existing = (await store.listSessions({ repo: repo.commonDir })).find(
    (session) => session.kind === 'cwt' && session.branch === input.name && session.host === host && existsSync(session.worktree),
  );
  let session: SessionRecord;
  if (existing) {
    // Claude Code will work in the directory returned: only in a worktree git lists for this repository.
    await verifySessionPaths(existing, ['worktree'], env, repo);
    if (existing.pid !== agentPid && hasLiveSupervisor(existing, env)) {
      throw new LockBusyError(MESSAGES.supervisorAlive(existing), { hint: MESSAGES.supervisorAliveHint(existing.id) });
    }
    await store.updateSession(
      existing.id,
      { pid: agentPid, heartbeatAt: now },
      { kind: 'session.resume', session: existing.id, repo: existing.repo, data: { by: 'WorktreeCreate', claudeSession: input.session_id ?? null, pid: agentPid } },
    );
    output.stderr(MESSAGES.worktreeResumed(existing));
    session = existing;
    // Its own files rewritten when the repository's second decider changed since they were written: a worktree
    // made before the install registered cwt mcp (or under --no-mcp) gets the mcp_tool decider, and one whose
    // install went back to the guard loses it. Otherwise they are left as they are.
    const { hasMcpDeciderInCheckout, resolveWorktreeFastPath } = await import('../core/harness/fastpath.js');
    const wanted = resolveWorktreeFastPath(env, repo.mainWorktree)?.mcp === true;
    if (existing.memoryDir !== '' && wanted !== hasMcpDeciderInCheckout(existing.worktree)) {
      const { writeWorktreeClaudeFiles } = await import('../commands/new.js');
      await writeWorktreeClaudeFiles({ env, repo, worktree: existing.worktree, claudeWorktree: true, memoryDir: existing.memoryDir, output });
    }
  } else {
    const { createSession } = await import('../commands/new.js');
    session = (await createSession({ branch: input.name, agent: 'claude', launch: false, quiet: true, cwd, env, output, claudeWorktree: { agentPid } }, store)).session;
  }
  // The SessionStart hook then finds the session by Claude's id, whatever settings it comes from.
  if (input.session_id !== undefined) await store.linkClaudeSession(input.session_id, session.id, now);
  return session.worktree;
}

/**
 * Ends the session of the worktree (memory merged first; a conflict stops everything) and removes the worktree
 * only when `cwt end --remove` would: uncommitted changes or commits held nowhere else keep it (exit 1, so
 * Claude Code reports it kept). A worktree cwt does not know is removed as Claude Code would, if clean.
 */
async function removeSessionWorktree(input: HookInput, call: HookCall): Promise<number> {
  const { store, env, output } = call;
  const path = input.worktree_path;
  if (path === undefined) throw new UsageError(MESSAGES.worktreeHookNoPath, { hint: MESSAGES.worktreeHookHint });
  const target = toRealPath(path);
  // The open session there, else the latest one that ended there (`cwt end` ran first: removal is still asked).
  const host = getHostId(env);
  const candidates = (await store.listSessions({ includeEnded: true })).filter((s) => s.kind === 'cwt' && s.host === host && toRealPath(s.worktree) === target);
  const session = candidates.find((s) => s.state !== 'ended') ?? candidates.at(-1);
  if (!session) return removeForeignWorktree(target, call);
  // git runs in the row's main checkout next: only once it proved to be the repository the row claims.
  await verifySessionPaths(session, ['worktree'], env);
  const [{ endSession }, { findWorkAtRisk }] = await Promise.all([import('../commands/end.js'), import('../core/git/git.js')]);
  const risk = await findWorkAtRisk(session, { worktree: true, branch: true });
  const reasons = MESSAGES.workAtRisk(risk.changes, risk.commits);
  const keep = reasons.length > 0;
  // The agent is leaving the worktree (Claude Code already moved back to where it started).
  await store.updateSession(
    session.id,
    { pid: null, heartbeatAt: Date.now() },
    { kind: 'session.agent-leave', session: session.id, repo: session.repo, data: { by: 'WorktreeRemove', claudeSession: input.session_id ?? null } },
  );
  const code = await endSession({
    ref: session.id,
    remove: !keep,
    deleteBranch: !keep && session.createdBranch,
    cwd: session.mainWorktree,
    env,
    output,
    store,
  });
  if (code !== 0 || !keep) return code;
  await store.appendEvent({ kind: 'worktree.kept', session: session.id, repo: session.repo, data: { worktree: session.worktree, reasons } });
  output.stderr(MESSAGES.worktreeKeptWithWork(session.worktree, reasons, session.id));
  return 1;
}

async function removeForeignWorktree(path: string, call: HookCall): Promise<number> {
  if (!existsSync(path)) return 0;
  if ((await getWorktreeChanges(path)).length > 0) {
    call.output.stderr(MESSAGES.worktreeNotCwtDirty(path));
    return 1;
  }
  const repo = await resolveRepo(path, call.env);
  await removeWorktree(path, repo.mainWorktree, false);
  call.output.stderr(MESSAGES.worktreeNotCwt(path));
  return 0;
}
