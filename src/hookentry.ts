/**
 * The hook bundle (dist/hook.cjs): `cwt hook <event>` from Claude Code, in one CommonJS file with the
 * store's JavaScript inside, so a hook process loads a handful of files instead of a module graph. It
 * skips the argument table, the command modules and the schema library. bin/cwt.js calls runHook and
 * falls through to the full CLI when it returns false (help, usage errors, unknown events).
 */
import { answerCommandHook } from './hooks/command.js';
import { isHookEvent } from './hooks/input.js';

/** Answers `cwt hook <event>`; false when the arguments are not exactly one known event. */
export async function runHook(args: readonly string[]): Promise<boolean> {
  const [event, ...extra] = args;
  if (!isHookEvent(event) || extra.length > 0) return false;
  await answerCommandHook(event);
  return true;
}
