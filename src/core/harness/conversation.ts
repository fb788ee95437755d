/**
 * Claude Code conversations (transcripts) as cwt follows them: where a transcript lives, copying one to where
 * the client looks for it, and the command line that continues or forks one. Transcripts are the user's data:
 * cwt copies them, never moves, edits or deletes one, and marks every copy it makes with a sidecar file.
 *
 * Seen on both ends of the supported range (claudecode.ts): a transcript lands in
 * `<claude home>/projects/<key of the directory claude started in>/<session id>.jsonl` (the start directory,
 * not the repository root: a worktree has its own key), mode 0600; `--resume <id>` keeps the id and appends to
 * the transcript; `--resume <id> --fork-session` starts a new id from a copy and leaves the original as it
 * was; a transcript copied into another key's directory is found there and resumed (its lines keep the old
 * `cwd`, which the client accepts). What differs: without a copy, 2.1.197 says "No conversation found" while
 * 2.1.332 finds the transcript under another key and appends to it there. cwt therefore always copies first.
 */
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative } from 'node:path';
import { assertContainedWrite } from '../fs/containedwrite.js';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, writeFileAtomic } from '../fs/atomic.js';
import { EnvironmentError } from '../util/errors.js';
import { toProjectKey } from './harness.js';
import { sanitizeForTerminal } from '../../texts/sanitize.js';
import { MESSAGES } from '../../texts/messages.js';
import { sha256 } from '../coordination/sharedfile.js';

/** The sidecar next to a copy cwt made: `<id>.jsonl.cwt-copy.json`, saying where it came from. */
export const TRANSCRIPT_COPY_SUFFIX = '.cwt-copy.json';
/** How much of a first prompt line is kept. */
export const FIRST_PROMPT_MAX_CHARS = 120;
/** Claude Code's session ids are UUIDs; anything else is not used to name a file. */
const CLAUDE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/** Flags with which the user chose a conversation themselves: cwt then adds none of its own. */
const CONVERSATION_FLAGS = new Set(['--resume', '-r', '--continue', '-c', '--session-id', '--fork-session', '--from-pr']);

export function isClaudeSessionId(id: string): boolean {
  return CLAUDE_ID.test(id);
}

/** The first non-empty line of a prompt as it may be shown: controls removed, capped. Pure. */
export function toFirstPromptLine(prompt: string): string | undefined {
  const line = prompt
    .split(/\r?\n/)
    .map((candidate) => sanitizeForTerminal(candidate).trim())
    .find((candidate) => candidate !== '');
  if (line === undefined) return undefined;
  const chars = [...line];
  return chars.length > FIRST_PROMPT_MAX_CHARS ? `${chars.slice(0, FIRST_PROMPT_MAX_CHARS - 1).join('')}…` : line;
}

/** Where the client keeps the transcripts of conversations started in `cwd`. */
export function getTranscriptDir(claudeHome: string, cwd: string): string {
  return join(claudeHome, 'projects', toProjectKey(cwd));
}

export function getTranscriptPath(claudeHome: string, cwd: string, claudeId: string): string {
  return join(getTranscriptDir(claudeHome, cwd), `${claudeId}.jsonl`);
}

function isPathInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

function isRegularFile(path: string): boolean {
  try {
    return lstatSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The transcript of conversation `claudeId`: the path a hook reported, when it is `<id>.jsonl` under the
 * Claude home's projects directory (a hook's input is not trusted further), else where a conversation started
 * in `cwd` keeps it. Only a regular file counts (never a link). Undefined when neither is there.
 */
export function findTranscript(claudeHome: string, conversation: { claudeId: string; transcript: string | null }, cwd: string): string | undefined {
  if (!isClaudeSessionId(conversation.claudeId)) return undefined;
  const candidates: string[] = [];
  const reported = conversation.transcript;
  if (reported !== null && basename(reported) === `${conversation.claudeId}.jsonl`) {
    try {
      const projects = realpathSync(join(claudeHome, 'projects'));
      if (isPathInside(realpathSync(dirname(reported)), projects)) candidates.push(reported);
    } catch {
      // gone, or no projects directory: not a candidate
    }
  }
  candidates.push(getTranscriptPath(claudeHome, cwd, conversation.claudeId));
  return candidates.find(isRegularFile);
}

export function sha256OfFileSync(path: string): string {
  return sha256(readFileSync(path));
}

export interface TranscriptCopy {
  source: string;
  dest: string;
  sha256: string;
  /** False when an identical copy was already there (a second attach): nothing was written. */
  created: boolean;
}

/**
 * Copies a transcript (its complete lines) to where the client looks for conversation `claudeId` when it
 * starts in `cwd`, keeping the file's mode, and writes the sidecar that marks it a copy. The source is only read. An existing file at
 * the destination is never replaced: an identical one is used as it is, a different one is an error (exit 4).
 */
export function copyTranscript(options: { source: string; claudeHome: string; cwd: string; claudeId: string; session: string; now: number }): TranscriptCopy {
  const { source, claudeHome, claudeId } = options;
  const dest = getTranscriptPath(claudeHome, options.cwd, claudeId);
  if (dest === source) return { source, dest, sha256: sha256OfFileSync(source), created: false };
  // The complete lines only: a conversation that is still running may be halfway through writing its last one.
  const data = readFileSync(source);
  const end = data.lastIndexOf(0x0a);
  const body = end === -1 ? data : data.subarray(0, end + 1);
  const sha256Hex = sha256(body);
  assertContainedWrite(dest, claudeHome);
  if (existsSync(dest)) {
    if (isRegularFile(dest) && sha256OfFileSync(dest) === sha256Hex) return { source, dest, sha256: sha256Hex, created: false };
    throw new EnvironmentError(MESSAGES.transcriptCopyExists(dest, source), { hint: MESSAGES.transcriptCopyExistsHint(dest) });
  }
  mkdirSync(dirname(dest), { recursive: true, mode: PRIVATE_DIR_MODE });
  const mode = lstatSync(source).mode & 0o7777;
  // 'wx': a file that appeared meanwhile is not replaced.
  writeFileSync(dest, body, { flag: 'wx', mode });
  chmodSync(dest, mode);
  const marker = { copiedFrom: source, sha256: sha256Hex, session: options.session, at: new Date(options.now).toISOString() };
  writeFileAtomic(`${dest}${TRANSCRIPT_COPY_SUFFIX}`, `${JSON.stringify(marker, null, 2)}\n`, { mode: PRIVATE_FILE_MODE });
  return { source, dest, sha256: sha256Hex, created: true };
}

/**
 * Undoes copyTranscript for a rollback: the copy goes only when session `session` made it (its sidecar says
 * so) and it is still what cwt wrote (the sidecar's sha256); a copy the client has appended to is a
 * conversation and stays.
 */
export function removeUnusedTranscriptCopy(dest: string, session: string): boolean {
  const sidecar = `${dest}${TRANSCRIPT_COPY_SUFFIX}`;
  let marker: { sha256?: unknown; session?: unknown };
  try {
    marker = JSON.parse(readFileSync(sidecar, 'utf8')) as { sha256?: unknown; session?: unknown };
  } catch {
    return false;
  }
  if (marker.session !== session || !isRegularFile(dest) || lstatSync(sidecar).isSymbolicLink() || sha256OfFileSync(dest) !== marker.sha256) return false;
  rmSync(dest);
  rmSync(sidecar, { force: true });
  return true;
}

/** True when the user's agent arguments already choose a conversation (cwt adds no --resume then). */
export function hasConversationFlag(agentArgs: readonly string[]): boolean {
  return agentArgs.some((arg) => CONVERSATION_FLAGS.has(arg.split('=')[0]!));
}

/** Claude Code's arguments that continue conversation `claudeId` (its transcript in the start directory), or fork it. */
export function buildResumeArgs(claudeId: string, options: { fork?: boolean } = {}): string[] {
  return options.fork === true ? ['--resume', claudeId, '--fork-session'] : ['--resume', claudeId];
}
