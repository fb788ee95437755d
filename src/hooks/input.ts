/**
 * The hook protocol's input, checked by hand (no schema library on the hot path). Anything that is not a
 * JSON object yields undefined; fields of the wrong type are dropped rather than trusted.
 */

import { HOOK_EVENT_NAMES, isJsonObject, type HookEvent } from '../core/harness.js';

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
  tool_input?: Record<string, unknown>;
  source?: string;
  reason?: string;
  /** WorktreeCreate: the name given to `claude -w <name>`. */
  name?: string;
  /** WorktreeRemove: the worktree to remove. */
  worktree_path?: string;
}

const STRING_FIELDS = ['session_id', 'cwd', 'hook_event_name', 'tool_name', 'source', 'reason', 'name', 'worktree_path'] as const;

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
  for (const field of STRING_FIELDS) {
    const raw = value[field];
    // NUL cannot be part of a path or an id; such input is not Claude Code's.
    if (typeof raw === 'string' && raw !== '' && !raw.includes('\0')) input[field] = raw;
  }
  if (isJsonObject(value.tool_input)) input.tool_input = value.tool_input;
  return input;
}

/** A string field of the tool input, if it is one. */
export function getToolString(input: HookInput, field: string): string | undefined {
  const value = input.tool_input?.[field];
  return typeof value === 'string' && value !== '' && !value.includes('\0') ? value : undefined;
}
