/**
 * The hook protocol's input, checked by hand (no schema library on the hot path). Anything that is not a
 * JSON object yields undefined; fields of the wrong type, or past their limits (an id that is not a short
 * id, a path longer than any path), are dropped rather than trusted: the call then goes ahead undecided, as
 * for any input cwt cannot use, and nothing absurd reaches the store.
 */

import { HOOK_EVENT_NAMES, isJsonObject, type HookEvent } from '../core/harness/harness.js';

export type { HookEvent };

export function isHookEvent(name: string | undefined): name is HookEvent {
  return name !== undefined && Object.hasOwn(HOOK_EVENT_NAMES, name);
}

/** The fields cwt uses from Claude Code's hook input. */
export interface HookInput {
  session_id?: string;
  cwd?: string;
  hook_event_name?: string;
  tool_name?: string;
  /** The tool call's id (`toolu_…`): the same in its PreToolUse and PostToolUse, whichever handler gets them. */
  tool_use_id?: string;
  tool_input?: Record<string, unknown>;
  source?: string;
  reason?: string;
  /** WorktreeCreate: the name given to `claude -w <name>`. */
  name?: string;
  /** WorktreeRemove: the worktree to remove. */
  worktree_path?: string;
  /** Notification: what it is about (permission_prompt, idle_prompt, auth_success, …; sessions/activity.ts). */
  notification_type?: string;
  /** UserPromptSubmit: the prompt (user text; only its first line is kept, sanitised and capped). */
  prompt?: string;
  /** Every event: where Claude Code keeps the conversation's transcript (checked before cwt reads it). */
  transcript_path?: string;
}

/** Claude Code's hook input is small (a Write's content is its largest part); anything bigger is not it. */
export const MAX_HOOK_INPUT_BYTES = 8 * 1024 * 1024;
/** Longer than Linux's PATH_MAX: not a path. */
const MAX_PATH_CHARS = 4096;
/** Event and tool names, a start source, an end reason, a worktree name. */
const MAX_NAME_CHARS = 256;
/** Claude Code's session ids are UUIDs; this admits any short id of that alphabet, and nothing else. */
const SESSION_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

const isPathSized = (value: string) => value.length <= MAX_PATH_CHARS;
const isNameSized = (value: string) => value.length <= MAX_NAME_CHARS;

/** The string fields cwt reads, each with what a plausible value is. */
const STRING_FIELDS = {
  session_id: (value: string) => SESSION_ID.test(value),
  cwd: isPathSized,
  hook_event_name: isNameSized,
  tool_name: isNameSized,
  tool_use_id: (value: string) => SESSION_ID.test(value),
  source: isNameSized,
  reason: isNameSized,
  name: isNameSized,
  worktree_path: isPathSized,
  notification_type: isNameSized,
  transcript_path: isPathSized,
  // Only the start is kept; the whole input is capped already.
  prompt: () => true,
} as const;

/** Tool-input fields that hold a path, capped like `cwd`; others (a Bash command) only by the whole input's cap. */
const TOOL_PATH_FIELDS = new Set(['file_path', 'notebook_path']);

/** Parses stdin text (or an http body); undefined when it is not a JSON object. */
export function parseHookInput(text: string): HookInput | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isJsonObject(value)) return undefined;
  const input: HookInput = {};
  for (const [field, isPlausible] of Object.entries(STRING_FIELDS) as [keyof typeof STRING_FIELDS, (value: string) => boolean][]) {
    const raw = value[field];
    // NUL cannot be part of a path or an id; such input is not Claude Code's.
    if (typeof raw === 'string' && raw !== '' && !raw.includes('\0') && isPlausible(raw)) input[field] = raw;
  }
  if (isJsonObject(value.tool_input)) input.tool_input = value.tool_input;
  return input;
}

/** A string field of the tool input, if it is one (a path field only when it is no longer than a path). */
export function getToolString(input: HookInput, field: string): string | undefined {
  const value = input.tool_input?.[field];
  if (typeof value !== 'string' || value === '' || value.includes('\0')) return undefined;
  return TOOL_PATH_FIELDS.has(field) && !isPathSized(value) ? undefined : value;
}
