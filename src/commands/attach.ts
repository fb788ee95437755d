/** `cwt attach <branch|id>`: relaunch the agent in a session's worktree and resume supervising it. */
import { existsSync, readFileSync } from 'node:fs';
import { buildAgentArgs, findExecutable } from '../core/sessions/agent.js';
import { loadConfig } from '../core/config/load.js';
import { EnvironmentError, LockBusyError, UntrustedSessionError, UsageError } from '../core/util/errors.js';
import { lockWorktree, resolveRepo } from '../core/git/git.js';
import { getHostId } from '../core/sessions/liveness.js';
import { getSessionAgentPath, getSessionMcpConfigPath, getSessionNotesPath, getSessionSettingsPath, resolveCwtHome, resolveSessionStateDir } from '../core/fs/paths.js';
import { writeSessionMcpConfig } from '../core/harness/harness.js';
import { verifySessionPaths } from '../core/sessions/sessionpaths.js';
import { hasLiveSupervisor, resolveSession } from '../core/sessions/sessions.js';
import { openStore } from '../core/store/open.js';
import type { SessionRecord } from '../core/store/store.js';
import { launchAndSupervise } from '../ui/launch.js';
import { MESSAGES } from '../texts/messages.js';
import { createProcessOutput, type Output } from '../ui/output.js';

export interface AttachOptions {
  ref?: string;
  agentArgs?: string[];
  force?: boolean;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  output?: Output;
}

function readNotes(stateDir: string): string | undefined {
  const path = getSessionNotesPath(stateDir);
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

/** The agent `cwt new` recorded for the session on this machine; undefined for sessions made before it did. */
function readRecordedAgent(stateDir: string): string | undefined {
  const path = getSessionAgentPath(stateDir);
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

/**
 * The agent named by the store row is launched only when this machine agrees: it is the one `cwt new`
 * recorded in the session's private state dir, or (a session from before that record) this repository's
 * configured agent. A shared store's row is anyone's to edit; without this, an edited row would run any
 * program, even a script of a pushed commit resolved inside the worktree.
 */
function assertAgentTrusted(session: SessionRecord, recorded: string | undefined, configured: string): void {
  const expected = recorded ?? configured;
  if (session.agent !== expected) throw new UntrustedSessionError(session.id, MESSAGES.agentNotTrusted(session, expected), { hint: MESSAGES.agentNotTrustedHint(session) });
}

export async function attachSession(options: AttachOptions): Promise<number> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const output = options.output ?? createProcessOutput();
  const store = await openStore(env);
  try {
    const repo = await resolveRepo(cwd, env).catch(() => undefined);
    const session = await resolveSession(store, { ref: options.ref, cwd, repo: repo?.commonDir, host: getHostId(env), includeEnded: true });
    if (session.state === 'ended') throw new UsageError(MESSAGES.sessionEnded(session), { hint: MESSAGES.sessionEndedHint(session.branch) });
    if (session.kind === 'adopted') throw new UsageError(MESSAGES.adoptedNotAttachable(session), { hint: MESSAGES.adoptedNotAttachableHint });
    // The agent runs in the worktree with the namespace as its memory directory.
    await verifySessionPaths(session, ['worktree', 'memory'], env, repo);
    if (!existsSync(session.worktree)) throw new EnvironmentError(MESSAGES.worktreeMissing(session), { hint: MESSAGES.worktreeMissingHint });
    if (hasLiveSupervisor(session, env) && !options.force) {
      throw new LockBusyError(MESSAGES.supervisorAlive(session), { hint: MESSAGES.supervisorAliveHint(session.id) });
    }
    const config = loadConfig({ repoRoot: session.mainWorktree, env });
    const stateDir = resolveSessionStateDir(resolveCwtHome(env), session.id);
    assertAgentTrusted(session, readRecordedAgent(stateDir), config.agent);
    if (!findExecutable(session.agent, env, session.worktree)) {
      throw new EnvironmentError(MESSAGES.agentNotFound(session.agent), { hint: MESSAGES.agentNotFoundHint(session.agent) });
    }
    await lockWorktree(session.worktree, `cwt session ${session.id}`, session.mainWorktree);
    const settingsPath = getSessionSettingsPath(stateDir);
    // Rewritten on every attach: it names this cwt's path, which may have moved since the session began.
    const mcpConfigPath = getSessionMcpConfigPath(stateDir);
    writeSessionMcpConfig(mcpConfigPath);
    const agentArgs = buildAgentArgs({
      agent: session.agent,
      settingsPath,
      mcpConfigPath,
      agentArgs: options.agentArgs ?? [],
      appendSystemPrompt: readNotes(stateDir),
      notesPath: getSessionNotesPath(stateDir),
    });
    await store.appendEvent({ kind: 'session.attach', session: session.id, repo: session.repo, data: { forced: options.force === true } });
    return await launchAndSupervise(store, session, { agentArgs, env, output, ttlMs: config.sessionTtlMs, settingsPath });
  } finally {
    await store.close();
  }
}
