/**
 * The error hierarchy. Exactly one top-level catch (src/cli.ts) maps these to exit codes:
 * 0 done; 1 conflict or failed check; 2 bad usage or input; 3 busy; 4 environment; 70 a bug in cwt;
 * 130 cancelled by the user.
 */
export const ExitCode = {
  ok: 0,
  conflict: 1,
  usage: 2,
  busy: 3,
  environment: 4,
  internal: 70,
  cancelled: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface CwtErrorOptions {
  /** The next command or step for the user, printed under the message. */
  hint?: string;
  cause?: unknown;
}

/** Base class: a message that says what happened and to what, an exit code, and an optional hint. */
export class CwtError extends Error {
  readonly exitCode: ExitCode;
  readonly hint: string | undefined;
  constructor(message: string, exitCode: ExitCode = ExitCode.conflict, options: CwtErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = exitCode;
    this.hint = options.hint;
  }
}

/** Bad usage or bad input (exit 2). Nothing has been changed when this is thrown. */
export class UsageError extends CwtError {
  constructor(message: string, options: CwtErrorOptions = {}) {
    super(message, ExitCode.usage, options);
  }
}

/** The environment is not what cwt needs: not a git repository, agent missing (exit 4). */
export class EnvironmentError extends CwtError {
  constructor(message: string, options: CwtErrorOptions = {}) {
    super(message, ExitCode.environment, options);
  }
}

/**
 * A session row cwt will not act on here (exit 4): recorded on another host, or naming a path cwt does not
 * put there (core/sessionpaths.ts). Nothing has been changed for that session when this is thrown.
 */
export class UntrustedSessionError extends EnvironmentError {
  readonly session: string;
  constructor(session: string, message: string, options: CwtErrorOptions = {}) {
    super(message, options);
    this.session = session;
  }
}

/** A conflict or a failed check (exit 1). */
export class ConflictError extends CwtError {
  constructor(message: string, options: CwtErrorOptions = {}) {
    super(message, ExitCode.conflict, options);
  }
}

/** A lock or claim is held by someone else past the wait (exit 3). */
export class LockBusyError extends CwtError {
  constructor(message: string, options: CwtErrorOptions = {}) {
    super(message, ExitCode.busy, options);
  }
}

/** The user interrupted (SIGINT/SIGTERM) and cwt rolled back (exit 130). */
export class CancelledError extends CwtError {
  constructor(message: string, options: CwtErrorOptions = {}) {
    super(message, ExitCode.cancelled, options);
  }
}

/** A git command failed. Carries the argument array, the exit code and git's stderr. */
export class GitError extends CwtError {
  readonly args: readonly string[];
  readonly code: number | null;
  readonly stderr: string;
  constructor(args: readonly string[], code: number | null, stderr: string, cwd: string) {
    const detail = stderr.trim().split('\n').slice(-3).join('\n') || `exit code ${code}`;
    super(`git ${args.join(' ')} failed in ${cwd}:\n${detail}`, ExitCode.environment);
    this.args = args;
    this.code = code;
    this.stderr = stderr;
  }
}

/** Something cwt believed impossible happened: a bug (exit 70). */
export class InternalError extends CwtError {
  constructor(message: string, options: CwtErrorOptions = {}) {
    super(message, ExitCode.internal, options);
  }
}
