/**
 * The Claude Code versions cwt supports: the oldest it still supports and the newest it was tested with.
 * Both are pinned in package.json (the newest as `@anthropic-ai/claude-code`, the oldest as the
 * `claude-code-oldest` alias) and the whole e2e suite runs against each; a unit test keeps these constants
 * and those pins equal. `cwt doctor` compares the installed `claude` with the range.
 *
 * What differs across the range, each observed on both binaries, and where cwt handles it:
 * - memory notes: 2.1.332 also writes `metadata.modified: <ISO time>`, and writes the block header as
 *   `metadata:` where 2.1.197 writes `metadata: ` (frontmatter.ts: client-maintained keys, white space);
 * - MCP tools: 2.1.332 defers them (listed by name, loaded through ToolSearch), 2.1.197 offers their schemas
 *   (the server's instructions say how to load them; nothing else in cwt depends on it);
 * - hook `additionalContext` after a tool: a `<system-reminder>` block of the user turn on 2.1.197, a
 *   `system`-role message on 2.1.332 (the text is cwt's either way; nothing in cwt depends on the wrapping).
 * The same on both ends (and relied on): the hook payloads cwt reads, PostToolUseFailure for a failed edit,
 * UserPromptSubmit and Stop once a turn (the session's activity; Notification is documented, never seen under -p),
 * `deny` before a write, `autoMemoryDirectory` from `--settings`, `memory_paths.auto`, WorktreeCreate/Remove,
 * transcripts at `<claude home>/projects/<key of the start directory>/<id>.jsonl` (mode 0600), `--resume` keeping
 * the id, `--fork-session` leaving the original transcript as it was, a copied transcript resumed from its new
 * key, and CLAUDE_CODE_SESSION_ID and the launcher's CWT_SESSION in the Bash tool's environment.
 */

export interface ClaudeCodeRange {
  readonly oldest: string;
  readonly newest: string;
}

/** The supported range, both ends inclusive. */
export const CLAUDE_CODE_RANGE: ClaudeCodeRange = { oldest: '2.1.197', newest: '2.1.332' };

/** The version in `claude --version` output (`2.1.332 (Claude Code)`); undefined when it is not Claude Code's. */
export function parseClaudeCodeVersion(output: string): string | undefined {
  return /^(\d+\.\d+\.\d+)\s+\(Claude Code\)/m.exec(output)?.[1];
}

/** Compares dotted numeric versions: negative when a < b, 0 when equal, positive when a > b. */
export function compareVersions(a: string, b: string): number {
  const left = a.split('.').map(Number);
  const right = b.split('.').map(Number);
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const difference = (left[i] ?? 0) - (right[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** Where a version stands against the supported range. */
export function getRangePosition(version: string): 'older' | 'inside' | 'newer' {
  if (compareVersions(version, CLAUDE_CODE_RANGE.oldest) < 0) return 'older';
  return compareVersions(version, CLAUDE_CODE_RANGE.newest) > 0 ? 'newer' : 'inside';
}
