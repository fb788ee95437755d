/** How a command's error reaches the user: one line, a hint, the exit code (DESIGN.md). */
import { CwtError, ExitCode, InternalError } from '../core/util/errors.js';
import { isDebugEnabled } from '../core/util/debug.js';
import { toEnvironmentFault } from '../core/store/faults.js';
import { sanitizeForTerminal } from '../texts/sanitize.js';

/** The one top-level catch: maps errors to exit codes and prints what happened and what to do next. */
export function reportError(error: unknown, write: (text: string) => void = (t) => void process.stderr.write(t)): number {
  if (error instanceof Error && error.name === 'ExitPromptError') return ExitCode.cancelled; // prompt cancelled: quiet
  const known = error instanceof CwtError ? error : (toEnvironmentFault(error) ?? new InternalError(error instanceof Error ? error.message : String(error), { cause: error }));
  // An error may quote what a model or another machine wrote (a lock's note): no control sequence gets through.
  write(`cwt: ${sanitizeForTerminal(known.message, { multiline: true })}\n`);
  if (known.hint) write(`  next: ${sanitizeForTerminal(known.hint, { multiline: true })}\n`);
  if (known instanceof InternalError) {
    write('  this is a bug in cwt; run again with CWT_DEBUG=1 for a trace and report it\n');
    if (isDebugEnabled() && error instanceof Error && error.stack) write(`${error.stack}\n`);
  }
  return known.exitCode;
}

