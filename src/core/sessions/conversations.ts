/**
 * A session's Claude Code conversations as `cwt attach` and `cwt new --fork` choose them: the last one, one
 * named by id, and its transcript (harness/conversation.ts knows where the client keeps it).
 */
import { getAgentProfile } from './agent.js';
import { matchSessionRef } from './sessions.js';
import { loadConfig } from '../config/load.js';
import { resolveClaudeHome } from '../fs/paths.js';
import { resolveCommit, resolveRepo } from '../git/git.js';
import { findTranscript, getTranscriptPath } from '../harness/conversation.js';
import type { ClaudeSessionRecord, SessionRecord, Store } from '../store/store.js';
import { EnvironmentError, UsageError } from '../util/errors.js';
import { MESSAGES } from '../../texts/messages.js';

/**
 * The conversation a new session starts from: `cwt new --fork` (a copy of another session's conversation,
 * forked by the client into a new id) or `cwt attach` recreating a removed worktree (the same conversation,
 * continued from a copy in the new directory, its link handed from the old session to the new one).
 */
export interface StartingConversation {
  claudeId: string;
  /** The transcript to copy: only read. */
  source: string;
  fork: boolean;
  /** The session it comes from: the parent of a fork, or the ended session that is continued. */
  from: SessionRecord;
}

/** The conversation seen last (a resume or a prompt marks it), else the one started last. Pure. */
export function getLastConversation(conversations: readonly ClaudeSessionRecord[]): ClaudeSessionRecord | undefined {
  return [...conversations].sort((a, b) => b.activeAt - a.activeAt || b.startedAt - a.startedAt)[0];
}

/** The conversation `ref` names: its id, or an unambiguous prefix of at least 4 characters. Pure. */
export function matchConversation(conversations: readonly ClaudeSessionRecord[], ref: string): ClaudeSessionRecord | undefined {
  const exact = conversations.find((conversation) => conversation.claudeId === ref);
  if (exact) return exact;
  const prefixed = ref.length >= 4 ? conversations.filter((conversation) => conversation.claudeId.startsWith(ref)) : [];
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

/** The conversation's transcript, or an error (exit 4) saying it is gone and what to do instead. */
export function locateTranscript(claudeHome: string, conversation: ClaudeSessionRecord, cwd: string, hint: string): string {
  const found = findTranscript(claudeHome, conversation, cwd);
  if (found === undefined) {
    throw new EnvironmentError(MESSAGES.transcriptGone(conversation.claudeId, conversation.transcript ?? getTranscriptPath(claudeHome, cwd, conversation.claudeId)), { hint });
  }
  return found;
}

/**
 * What `cwt new <branch> --fork <ref>` starts from: the parent session (by id or branch, ended ones too),
 * its last conversation and that conversation's transcript, and the commit the branch starts at (`from`,
 * else the parent branch's tip). Checked before anything is created: an unknown session or a session
 * without a conversation is exit 2, a transcript that is gone exit 4, another agent than Claude Code exit 2.
 */
export async function resolveFork(
  store: Store,
  options: { ref: string; branch: string; from?: string; agent?: string; cwd: string; env: NodeJS.ProcessEnv },
): Promise<{ conversation: StartingConversation; from: string }> {
  const { env } = options;
  const repo = await resolveRepo(options.cwd, env);
  const config = loadConfig({ repoRoot: repo.mainWorktree, env, flags: { agent: options.agent } });
  if (!getAgentProfile(config.agent).claudeWiring) throw new UsageError(MESSAGES.forkUnsupported(config.agent), { hint: MESSAGES.forkUnsupportedHint });
  const parent = matchSessionRef(await store.listSessions({ repo: repo.commonDir, includeEnded: true }), options.ref);
  if (parent === undefined) throw new UsageError(MESSAGES.forkUnknownSession(options.ref), { hint: MESSAGES.forkUnknownSessionHint });
  const last = getLastConversation(await store.listClaudeSessions(parent.id));
  if (last === undefined) throw new UsageError(MESSAGES.forkNoConversation(parent), { hint: MESSAGES.forkNoConversationHint(options.branch) });
  const source = locateTranscript(resolveClaudeHome(env), last, parent.worktree, MESSAGES.forkTranscriptGoneHint(options.branch));
  const from = options.from ?? (await resolveCommit(`refs/heads/${parent.branch}`, repo.topLevel));
  if (from === undefined) throw new UsageError(MESSAGES.forkNoTip(parent), { hint: MESSAGES.forkNoTipHint });
  return { conversation: { claudeId: last.claudeId, source, fork: true, from: parent }, from };
}
