/** `cwt sha <path>`: the sha256 that `cwt write --expect-sha` compares. */
import { getFileSha, resolveSharedFile } from '../core/coordination/sharedfile.js';
import { createProcessOutput, type Output } from '../ui/output.js';

export async function printSha(options: { path: string; cwd?: string; output?: Output }): Promise<number> {
  const output = options.output ?? createProcessOutput();
  output.stdout(getFileSha(resolveSharedFile(options.path, options.cwd)));
  return 0;
}
