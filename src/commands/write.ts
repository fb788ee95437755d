/** `cwt write <path> [--expect-sha <sha256>]`: stdin replaces a shared file, locked and atomic. */
import { UsageError } from '../core/util/errors.js';
import { resolveSharedFile, writeSharedFile } from '../core/coordination/sharedfile.js';
import { openStore } from '../core/store/open.js';
import { MESSAGES } from '../texts/messages.js';
import { createProcessOutput, printJson, type Output } from '../ui/output.js';

export interface WriteOptions {
  path: string;
  expectSha?: string;
  json?: boolean;
  /** The new content; read from stdin when omitted. */
  input?: Buffer;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  output?: Output;
}

async function readStdin(): Promise<Buffer> {
  if (process.stdin.isTTY) {
    throw new UsageError('cwt write reads the new content from stdin, and stdin is a terminal', {
      hint: 'pipe the content in: generate-index | cwt write ~/.claude/skills/_index.md',
    });
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function writeFile(options: WriteOptions): Promise<number> {
  const env = options.env ?? process.env;
  const output = options.output ?? createProcessOutput();
  if (options.expectSha !== undefined && !/^[0-9a-fA-F]{64}$/.test(options.expectSha)) {
    throw new UsageError(MESSAGES.invalidShaArgument(options.expectSha), { hint: 'get it with: cwt sha <path>' });
  }
  // Refuse a bad path before anything is read, opened or created.
  const file = resolveSharedFile(options.path, options.cwd);
  // All of stdin first: a writer killed while piping must not leave a half file behind.
  const content = options.input ?? (await readStdin());
  const store = await openStore(env);
  try {
    const result = await writeSharedFile(file, content, {
      store,
      env,
      expectSha: options.expectSha,
      onTakeover: (previous) => output.stderr(MESSAGES.lockTakenOver(previous)),
    });
    if (options.json) printJson(output, result);
    else output.stdout(result.sha);
    return 0;
  } finally {
    await store.close();
  }
}
