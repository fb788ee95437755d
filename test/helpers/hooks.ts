/** Driving `cwt hook <event>` as Claude Code does: a real process, the input JSON on stdin. */
import { expect } from 'vitest';
import { runCwt } from './cli.js';

export interface HookOutputJson {
  hookSpecificOutput?: {
    hookEventName?: string;
    permissionDecision?: string;
    permissionDecisionReason?: string;
    additionalContext?: string;
  };
}

export interface HookCall {
  session_id: string;
  cwd: string;
  tool_name?: string;
  tool_input?: Record<string, unknown>;
  [key: string]: unknown;
}

/** Runs one hook; asserts the protocol (exit 0, stdout empty or one JSON object) and returns the parsed answer. */
export async function runHook(event: string, call: HookCall, env: NodeJS.ProcessEnv): Promise<HookOutputJson | null> {
  const result = await runCwt(['hook', event], { cwd: call.cwd, env, input: JSON.stringify(call), timeoutMs: 20_000 });
  expect(result.code, result.stderr).toBe(0);
  if (result.stdout.trim() === '') return null;
  return JSON.parse(result.stdout) as HookOutputJson;
}

/** The deny reason, or undefined when the call was not denied. */
export function getDenyReason(output: HookOutputJson | null): string | undefined {
  return output?.hookSpecificOutput?.permissionDecision === 'deny' ? output.hookSpecificOutput.permissionDecisionReason : undefined;
}

/** A Claude Code tab's calls, as its hooks would send them. */
export function createTab(sessionId: string, cwd: string, env: NodeJS.ProcessEnv) {
  return {
    start: () => runHook('session-start', { session_id: sessionId, cwd, hook_event_name: 'SessionStart', source: 'startup' }, env),
    write: (filePath: string) =>
      runHook('pre-tool-use', { session_id: sessionId, cwd, hook_event_name: 'PreToolUse', tool_name: 'Write', tool_input: { file_path: filePath, content: 'x' } }, env),
    wrote: (filePath: string) =>
      runHook('post-tool-use', { session_id: sessionId, cwd, hook_event_name: 'PostToolUse', tool_name: 'Write', tool_input: { file_path: filePath, content: 'x' } }, env),
    /** The write PreToolUse let through failed (the payload of PostToolUseFailure, as both ends of the range send it). */
    failed: (filePath: string) =>
      runHook(
        'post-tool-use-failure',
        { session_id: sessionId, cwd, hook_event_name: 'PostToolUseFailure', tool_name: 'Write', tool_input: { file_path: filePath, content: 'x' }, error: 'File content has changed since it was last read.', is_interrupt: false },
        env,
      ),
    read: (filePath: string) =>
      runHook('post-tool-use', { session_id: sessionId, cwd, hook_event_name: 'PostToolUse', tool_name: 'Read', tool_input: { file_path: filePath } }, env),
    bash: (command: string) => runHook('pre-tool-use', { session_id: sessionId, cwd, hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command } }, env),
    /** A prompt was submitted (UserPromptSubmit, as both ends of the range send it). */
    prompt: (prompt: string) => runHook('user-prompt-submit', { session_id: sessionId, cwd, hook_event_name: 'UserPromptSubmit', prompt, permission_mode: 'default' }, env),
    /** Claude Code asks the user something (Notification: documented, it never fires under claude -p). */
    notify: (notificationType = 'permission_prompt') =>
      runHook('notification', { session_id: sessionId, cwd, hook_event_name: 'Notification', message: 'Claude needs your permission to use Bash', notification_type: notificationType }, env),
    /** The turn ended (Stop, as both ends send it). */
    stop: () => runHook('stop', { session_id: sessionId, cwd, hook_event_name: 'Stop', stop_hook_active: false, last_assistant_message: 'done' }, env),
    end: () => runHook('session-end', { session_id: sessionId, cwd, hook_event_name: 'SessionEnd', reason: 'other' }, env),
  };
}
