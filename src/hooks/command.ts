/**
 * The command hook: `cwt hook <event>` reads Claude Code's JSON from stdin and prints a decision (or
 * nothing). Fails open: malformed input, a missing or broken store, any error → exit 0, no decision, the
 * error in the state dir's hook log.
 */
import { fstatSync, readSync } from 'node:fs';
import { getCwtBinPath, HOOK_SUPERVISOR_VARIABLE, HOOK_TOKEN_VARIABLE, isToolHookEvent } from '../core/harness/harness.js';
import { getFastPathSquatterUid, readFastPathTarget, startFastPathService } from '../core/harness/fastpath.js';
import { getCallerPid, getParentPid } from '../core/sessions/liveness.js';
import { EnvironmentError, UsageError } from '../core/util/errors.js';
import { debug } from '../core/util/debug.js';
import { isNotifyConfigured } from '../core/coordination/notifyconfig.js';
import { openStore, releaseStore } from '../core/store/open.js';
import type { Store } from '../core/store/store.js';
import { MESSAGES } from '../texts/messages.js';
import { writeAll } from '../ui/output.js';
import { logHookError } from './errorlog.js';
import { handleHook } from './handlers.js';
import { MAX_HOOK_INPUT_BYTES, parseHookInput, type HookEvent } from './input.js';

/**
 * Reads stdin to its end, synchronously: process.stdin would build a socket stream (node:net, node:stream:
 * a few ms per hook), and so would node:tty's isatty (it loads node:net). A terminal gives nothing. Claude Code closes the pipe after writing; a writer that
 * never does is cut short by the hook's own timeout in Claude Code. Past MAX_HOOK_INPUT_BYTES it stops
 * reading and throws a UsageError (the command hook logs it and answers nothing).
 */
export function readStdin(): string {
  if (isTerminal(0)) return '';
  const chunks: Buffer[] = [];
  const buffer = Buffer.allocUnsafe(64 * 1024);
  let size = 0;
  for (;;) {
    let count: number;
    try {
      count = readSync(0, buffer, 0, buffer.length, null);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') continue; // a non-blocking pipe with nothing yet
      if (code === 'EOF') break;
      throw error;
    }
    if (count === 0) break;
    size += count;
    if (size > MAX_HOOK_INPUT_BYTES) throw new UsageError(MESSAGES.hookInputTooBig(size, MAX_HOOK_INPUT_BYTES));
    chunks.push(Buffer.from(buffer.subarray(0, count)));
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A terminal (a character device: a tty, or /dev/null, which gives nothing either), without loading node:tty. */
function isTerminal(fd: number): boolean {
  try {
    return fstatSync(fd).isCharacterDevice();
  } catch {
    return true; // a closed stdin: nothing to read
  }
}

/**
 * True when the supervisor's http hooks serve this agent: the installed command hooks then stand aside
 * for tool calls, so no call is handled twice. Only the supervisor's own child is served that way; a
 * `claude` started from inside the session inherits the variables but not the http hooks. Session start
 * and end always come through here.
 */
function isServedOverHttp(event: HookEvent, env: NodeJS.ProcessEnv): boolean {
  if (!isToolHookEvent(event)) return false;
  const supervisor = Number(env[HOOK_SUPERVISOR_VARIABLE]);
  return Boolean(env[HOOK_TOKEN_VARIABLE]) && supervisor > 0 && getParentPid(getCallerPid()) === supervisor;
}

/**
 * Runs the command hook: writes the decision (if any) to stdout, then, with the answer given, lets the
 * webhook sender start if something notifiable happened. Never throws.
 */
export async function answerCommandHook(event: HookEvent, env: NodeJS.ProcessEnv = process.env, write = (text: string) => writeAll(1, text)): Promise<void> {
  const { output, store } = await runHookCall(event, env);
  if (output !== '') write(`${output}\n`);
  try {
    // A session begins: the per-user fast path must be there for its tool calls (started detached, not waited for).
    if (event === 'session-start') await startFastPathService(env, getCwtBinPath()).catch((error: unknown) => logHookError(env, event, error));
    // The notifier (and the event texts) only where a webhook is configured: loading it costs every hook ~0.3 ms.
    if (store && isNotifyConfigured(env)) await (await import('../core/coordination/notify.js')).triggerNotifier(store, env);
  } finally {
    await releaseStore(store);
  }
}

async function runHookCall(event: HookEvent, env: NodeJS.ProcessEnv): Promise<{ output: string; store?: Store }> {
  if (isServedOverHttp(event, env)) return { output: '' };
  let text: string;
  try {
    text = readStdin();
  } catch (error) {
    logHookError(env, event, error);
    return { output: '' };
  }
  const input = parseHookInput(text);
  if (!input) {
    if (text.trim() !== '') logHookError(env, event, `ignored stdin that is not a JSON object (${text.length} bytes)`);
    return { output: '' };
  }
  let store: Store | undefined;
  try {
    store = await openStore(env, { hook: true, exiting: true });
    debug('hook', `${event}: store opened`);
    // Where the fast path is set up, the service may get this call too: the first to record it decides.
    const fastPath = readFastPathTarget(env) !== undefined;
    if (fastPath && event === 'pre-tool-use') {
      // Here for a tool call, the service is not running: if another user holds its port, Claude Code is sending
      // them this call and may take their "allow". A deny outweighs any answer: nothing runs until it is moved.
      const squatter = getFastPathSquatterUid(env);
      if (squatter !== undefined) {
        const reason = MESSAGES.fastPathPortSquatted(readFastPathTarget(env)!.port, squatter);
        logHookError(env, event, reason);
        return { output: JSON.stringify({ hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: reason } }), store };
      }
    }
    const output = await handleHook(event, input, { store, env, decider: 'command', dedupe: fastPath, journalSettled: true });
    debug('hook', `${event}: decided (${output ? 'an answer' : 'nothing to say'})`);
    return { output: output ? JSON.stringify(output) : '', store };
  } catch (error) {
    logHookError(env, event, error);
    // A shared store that cannot be reached is worth one line where the user may see it (Claude Code shows
    // a hook's stderr in its transcript view); the call itself goes ahead.
    if (error instanceof EnvironmentError) writeAll(2, `${MESSAGES.hookStoreUnreachable(error.message)}\n`);
    await releaseStore(store);
    return { output: '' };
  }
}
