/**
 * The two Claude Code binaries the e2e suite runs against: the oldest version cwt supports and the newest it
 * was tested with, both pinned in package.json (the newest as `@anthropic-ai/claude-code`, the oldest through
 * the npm alias `claude-code-oldest`). vitest.config.ts runs test/e2e once per end, naming the version in the
 * project's name, so a failure says which end broke. node:* only: the config imports it too.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export type ClaudeEnd = 'oldest' | 'newest';
export const CLAUDE_ENDS: readonly ClaudeEnd[] = ['oldest', 'newest'];

/** The variable vitest.config.ts sets for each e2e project: which end of the range that project runs. */
export const CLAUDE_END_VARIABLE = 'CWT_E2E_CLAUDE';

/** The installed package of each end. */
const PACKAGE_OF_END: Record<ClaudeEnd, string> = { oldest: 'claude-code-oldest', newest: '@anthropic-ai/claude-code' };

export interface ClaudeBinary {
  end: ClaudeEnd;
  /** The version the installed package declares (and the binary reports). */
  version: string;
  /** The native executable (the package's postinstall puts it at bin/claude.exe). */
  bin: string;
}

export function getClaudeBinary(end: ClaudeEnd): ClaudeBinary {
  const dir = join(PROJECT_ROOT, 'node_modules', ...PACKAGE_OF_END[end].split('/'));
  let version = 'not installed';
  try {
    version = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    // reported by requireClaude with the fix
  }
  return { end, version, bin: join(dir, 'bin', 'claude.exe') };
}

/** The end this test process runs against (the newest when no project chose one, e.g. a single file run by hand). */
export function getE2eClaude(env: NodeJS.ProcessEnv = process.env): ClaudeBinary {
  const end = env[CLAUDE_END_VARIABLE];
  return getClaudeBinary(end === 'oldest' ? 'oldest' : 'newest');
}

/** The dependency spec each end is pinned to in package.json: the range cwt claims is the range it installs. */
export function getPinnedSpecs(): Record<ClaudeEnd, string> {
  const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
  return { oldest: pkg.devDependencies[PACKAGE_OF_END.oldest]!, newest: pkg.devDependencies[PACKAGE_OF_END.newest]! };
}
