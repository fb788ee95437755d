/** `cwt append <path> <line> [--unique]`: a locked read-modify-write append to a shared file. */
import { appendSharedFile, assertAppendableLine, resolveSharedFile } from '../core/coordination/sharedfile.js';
import { openStore, releaseStore } from '../core/store/open.js';
import { MESSAGES } from '../texts/messages.js';
import { createProcessOutput, printJson, type Output } from '../ui/output.js';

export interface AppendOptions {
  path: string;
  line: string;
  unique?: boolean;
  json?: boolean;
  quiet?: boolean;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  output?: Output;
  /**
   * The process exits right after (the lean entry, bin/cwt.js): SQLite is left to the exit instead of closed,
   * sparing the WAL checkpoint a last close makes (see releaseStore). The lock is released either way.
   */
  exiting?: boolean;
}

export async function appendToFile(options: AppendOptions): Promise<number> {
  const env = options.env ?? process.env;
  const output = options.output ?? createProcessOutput();
  // Refuse bad input before the store (and its directory) is opened or created.
  assertAppendableLine(options.line);
  const file = resolveSharedFile(options.path, options.cwd);
  const store = await openStore(env, { exiting: options.exiting });
  try {
    const result = await appendSharedFile(file, options.line, {
      store,
      env,
      unique: options.unique,
      onTakeover: (previous) => output.stderr(MESSAGES.lockTakenOver(previous)),
    });
    if (options.json) printJson(output, result);
    else if (!options.quiet) output.stderr(result.appended ? MESSAGES.appended(result.target) : MESSAGES.appendNoop(result.target));
    return 0;
  } finally {
    await releaseStore(store, options.exiting === true);
  }
}
