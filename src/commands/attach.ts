/** `cwt attach <branch|id>`: relaunch the agent in a session's worktree and resume supervising it. */
import { existsSync, readFileSync } from 'node:fs';
import { buildAgentArgs, findExecutable, getAgentProfile } from '../core/sessions/agent.js';
import { buildResumeArgs, copyTranscript, hasConversationFlag } from '../core/harness/conversation.js';
import { getLastConversation, locateTranscript, matchConversation, type StartingConversation } from '../core/sessions/conversations.js';
import { loadConfig } from '../core/config/load.js';
import { EnvironmentError, LockBusyError, UntrustedSessionError, UsageError } from '../core/util/errors.js';
import { findWorktreeOfBranch, hasLocalBranch, lockWorktree, resolveRepo } from '../core/git/git.js';
import { getHostId } from '../core/sessions/liveness.js';
import { getSessionAgentPath, getSessionMcpConfigPath, getSessionNotesPath, getSessionSettingsPath, resolveClaudeHome, resolveCwtHome, resolveSessionStateDir } from '../core/fs/paths.js';
import { writeSessionMcpConfig } from '../core/harness/harness.js';
import { assertSessionOnThisHost, verifySessionPaths } from '../core/sessions/sessionpaths.js';
import { hasLiveSupervisor, resolveSession } from '../core/sessions/sessions.js';
import { openStore } from '../core/store/open.js';
import type { ClaudeSessionRecord, SessionRecord, Store } from '../core/store/store.js';
import { launchAndSupervise } from '../ui/launch.js';
import { MESSAGES } from '../texts/messages.js';
import { createProcessOutput, type Output } from '../ui/output.js';

export interface AttachOptions {
  ref?: string;
  agentArgs?: string[];
  force?: boolean;
  /** --new: a fresh conversation instead of the last one. */
  fresh?: boolean;
  /** --pick: choose among the session's conversations (a terminal prompt, or `pickId`). */
  pick?: boolean;
  pickId?: string;
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
    if (options.fresh === true && options.pick === true) throw new UsageError(MESSAGES.attachNewAndPick, { hint: MESSAGES.attachNewAndPickHint });
    if (options.pickId !== undefined && options.pick !== true) throw new UsageError(MESSAGES.pickIdWithoutPick(options.pickId), { hint: MESSAGES.pickIdWithoutPickHint });
    const session = await resolveSession(store, { ref: options.ref, cwd, repo: repo?.commonDir, host: getHostId(env), includeEnded: true });
    if (session.kind === 'adopted') throw new UsageError(MESSAGES.adoptedNotAttachable(session), { hint: MESSAGES.adoptedNotAttachableHint });
    const ref = options.ref ?? session.id;
    const claude = getAgentProfile(session.agent).claudeWiring;
    if (!claude && options.pick === true) throw new UsageError(MESSAGES.conversationsUnsupported(session.agent, '--pick'), { hint: MESSAGES.conversationsUnsupportedHint(ref) });
    if (session.state === 'ended') {
      // The branch still checked out (its worktree kept by end without --remove, or another checkout): nothing to recreate.
      const checkedOut = existsSync(session.mainWorktree) ? await findWorktreeOfBranch(session.branch, session.mainWorktree) : undefined;
      if (checkedOut) throw new UsageError(MESSAGES.attachEndedWorktreeKept(session, checkedOut.path), { hint: MESSAGES.attachEndedWorktreeKeptHint(session.branch) });
      if (!claude && options.fresh !== true) throw new UsageError(MESSAGES.conversationsUnsupported(session.agent, 'attaching to an ended session'), { hint: MESSAGES.conversationsUnsupportedHint(ref) });
      return await recreateAndLaunch(store, session, { ...options, ref, env, output, claude });
    }
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
    const userArgs = options.agentArgs ?? [];
    let resumeArgs: string[] = [];
    if (claude && options.fresh !== true && !hasConversationFlag(userArgs)) {
      const claudeHome = resolveClaudeHome(env);
      const conversation = await chooseConversation(store, session, { ...options, ref, output });
      if (conversation !== undefined) {
        const source = locateTranscript(claudeHome, conversation, session.worktree, MESSAGES.transcriptGoneHint(ref));
        // Where the client looks when it starts in the worktree; a transcript found elsewhere (a start in a
        // subdirectory) is copied there, never moved.
        copyTranscript({ source, claudeHome, cwd: session.worktree, claudeId: conversation.claudeId, session: session.id, now: Date.now() });
        output.stderr(MESSAGES.continuingConversation(conversation.claudeId, conversation.firstPrompt));
        resumeArgs = buildResumeArgs(conversation.claudeId);
      }
    } else if (claude && options.fresh === true) {
      output.stderr(MESSAGES.newConversation(session));
    }
    const agentArgs = buildAgentArgs({
      agent: session.agent,
      settingsPath,
      mcpConfigPath,
      agentArgs: [...resumeArgs, ...userArgs],
      appendSystemPrompt: readNotes(stateDir),
      notesPath: getSessionNotesPath(stateDir),
    });
    await store.appendEvent({ kind: 'session.attach', session: session.id, repo: session.repo, data: { forced: options.force === true, conversation: resumeArgs[1] ?? null } });
    return await launchAndSupervise(store, session, { agentArgs, env, output, ttlMs: config.sessionTtlMs, settingsPath });
  } finally {
    await store.close();
  }
}

/**
 * The conversation to continue: the one --pick names (or the person picks on a terminal), else the last one.
 * Undefined when the session has none yet (the agent starts a new one), except that --pick then refuses.
 */
async function chooseConversation(
  store: Store,
  session: SessionRecord,
  options: { ref: string; pick?: boolean; pickId?: string; output: Output },
): Promise<ClaudeSessionRecord | undefined> {
  const conversations = await store.listClaudeSessions(session.id);
  if (options.pick !== true) {
    const last = getLastConversation(conversations);
    if (last === undefined) options.output.stderr(MESSAGES.noConversationYet(session));
    return last;
  }
  if (conversations.length === 0) throw new UsageError(MESSAGES.pickNothing(session), { hint: MESSAGES.pickNothingHint(options.ref) });
  if (options.pickId !== undefined) {
    const match = matchConversation(conversations, options.pickId);
    if (match === undefined) throw new UsageError(MESSAGES.noSuchConversation(options.pickId, session), { hint: MESSAGES.noSuchConversationHint(options.ref) });
    return match;
  }
  const newestFirst = [...conversations].sort((a, b) => b.activeAt - a.activeAt);
  const lines = newestFirst.map((c) => MESSAGES.conversationLine(c.claudeId, c.startedAt, c.firstPrompt));
  if (!options.output.interactive) throw new UsageError(MESSAGES.pickNeedsTerminal(options.ref, lines), { hint: MESSAGES.pickNeedsTerminalHint(options.ref) });
  const { select } = await import('@inquirer/prompts');
  const id = await select({ message: MESSAGES.pickQuestion, choices: newestFirst.map((c, i) => ({ name: lines[i]!, value: c.claudeId })) });
  return newestFirst.find((c) => c.claudeId === id);
}

/**
 * `cwt attach` of a session that ended with its worktree removed: while its branch exists, a new session is
 * created on it through the `cwt new` pipeline (same path rules, memory seeded afresh from canonical memory,
 * which holds what the old session merged when it ended; every step rolled back on failure). A new row, not
 * the old one reopened: the ended row stays the record of what happened (its end, its memory merge), and the
 * pipeline's rollback and crash recovery only know how to undo a session they created. The conversation
 * follows: its transcript is copied to the new worktree's project directory and its link moves to the new row.
 */
async function recreateAndLaunch(
  store: Store,
  old: SessionRecord,
  options: AttachOptions & { ref: string; env: NodeJS.ProcessEnv; output: Output; claude: boolean },
): Promise<number> {
  const { env, output } = options;
  // Its branch and main checkout are paths of the machine it ran on.
  assertSessionOnThisHost(old, getHostId(env));
  // The same agent again, when this machine recorded it for the old session (see assertAgentTrusted).
  assertAgentTrusted(old, readRecordedAgent(resolveSessionStateDir(resolveCwtHome(env), old.id)), loadConfig({ repoRoot: old.mainWorktree, env }).agent);
  // The row's main checkout must still be its repository's: a worktree is created there.
  const repo = await resolveRepo(old.mainWorktree, env).catch(() => undefined);
  if (repo?.commonDir !== old.repo) throw new EnvironmentError(MESSAGES.attachRepoGone(old), { hint: MESSAGES.attachBranchGoneHint });
  if (!(await hasLocalBranch(old.branch, old.mainWorktree))) throw new UsageError(MESSAGES.attachBranchGone(old), { hint: MESSAGES.attachBranchGoneHint });
  const userArgs = options.agentArgs ?? [];
  let conversation: StartingConversation | undefined;
  if (options.claude && options.fresh !== true && !hasConversationFlag(userArgs)) {
    const chosen = await chooseConversation(store, old, options);
    if (chosen !== undefined) {
      const source = locateTranscript(resolveClaudeHome(env), chosen, old.worktree, MESSAGES.transcriptGoneHint(options.ref));
      conversation = { claudeId: chosen.claudeId, source, fork: false, from: old };
    }
  }
  output.stderr(MESSAGES.recreatingSession(old));
  const { createSession } = await import('./new.js');
  const created = await createSession({ branch: old.branch, cwd: old.mainWorktree, agent: old.agent, env, output, conversation, continues: old }, store);
  const { session } = created;
  output.stderr(MESSAGES.recreatedSession(old, session));
  if (conversation) output.stderr(MESSAGES.continuingConversation(conversation.claudeId, null));
  await store.appendEvent({ kind: 'session.attach', session: session.id, repo: session.repo, data: { continues: old.id, conversation: conversation?.claudeId ?? null } });
  const agentArgs = buildAgentArgs({
    agent: session.agent,
    settingsPath: created.settingsPath,
    mcpConfigPath: created.mcpConfigPath,
    agentArgs: [...(conversation ? buildResumeArgs(conversation.claudeId) : []), ...userArgs],
    appendSystemPrompt: created.appendSystemPrompt,
    notesPath: created.notesPath,
  });
  return launchAndSupervise(store, session, { agentArgs, env, output, ttlMs: created.config.sessionTtlMs, settingsPath: created.settingsPath });
}
