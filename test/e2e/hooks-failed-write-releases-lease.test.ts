/**
 * End to end, real `claude` binary, command hooks from `cwt install`: a tab writes the skills catalogue, cwt's
 * PreToolUse takes the write lease, and then the write fails in Claude Code itself — another writer (one
 * that goes around cwt, simulated by a second PreToolUse hook of the user's own) changed the file between
 * cwt's check and the write, and the client refuses to write over content it has not read. PostToolUseFailure
 * (on both ends of the range) releases the lease at once, while the session still runs, instead of leaving
 * every other session locked out of the file until the lease's TTL.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claudePrintArgs, describeRun, e2eEnv, findToolResult, requireClaude, untilHeld, useE2eFixture } from '../helpers/claude.js';
import { runCwt } from '../helpers/cli.js';
import { createRepo } from '../helpers/git.js';
import { waitFor } from '../helpers/wait.js';
import { SqliteStore } from '../../src/core/store/sqlite.js';
import { fileLockName } from '../../src/core/coordination/locks.js';

const ORIGINAL = '# Skills\n- [review](review/SKILL.md)\n';

describe('a write to a shared harness file fails after cwt’s PreToolUse let it through', () => {
  const fixture = useE2eFixture('cwt-e2e-failed-write-');

  it('releases the write lease at PostToolUseFailure, while the session runs', { timeout: 120_000 }, async () => {
    requireClaude();
    const sb = fixture.sandbox;
    const repo = createRepo(join(sb.root, 'repo'));
    const index = join(sb.claudeHome, 'skills', '_index.md');
    mkdirSync(join(sb.claudeHome, 'skills'), { recursive: true });
    writeFileSync(index, ORIGINAL);
    // The user's own PreToolUse hook: another writer, after cwt's hook has checked and leased the file.
    const otherWriter = join(sb.root, 'other-writer.sh');
    writeFileSync(otherWriter, `#!/bin/sh\ncat >/dev/null\nsleep 2\nprintf '%s\\n' '- [other](other/SKILL.md)' >> '${index}'\n`, { mode: 0o755 });
    writeFileSync(join(sb.claudeHome, 'settings.json'), JSON.stringify({ hooks: { PreToolUse: [{ matcher: 'Write', hooks: [{ type: 'command', command: otherWriter }] }] } }));

    const held = fixture.hold({ type: 'text', text: 'The write failed.' });
    const api = await fixture.startApi({
      script: [
        { type: 'tool_use', name: 'Read', id: 'toolu_read_index', input: { file_path: index } },
        { type: 'tool_use', name: 'Write', id: 'toolu_write_index', input: { file_path: index, content: `${ORIGINAL}- [b](b/SKILL.md)\n` } },
        held.turn,
      ],
    });
    const env = e2eEnv(sb, api);
    const install = await runCwt(['install'], { cwd: repo, env, timeoutMs: 30_000 });
    expect(install.code, install.stderr).toBe(0);

    const tab = fixture.startClaude(claudePrintArgs('add skill b to the catalogue'), { cwd: repo, env, timeoutMs: 100_000 });
    await untilHeld(held, tab, api);
    const write = findToolResult(api, 'toolu_write_index');
    expect(write?.isError, describeRun({ code: null, signal: null, stdout: tab.stdout(), stderr: '' }, api)).toBe(true);
    expect(readFileSync(index, 'utf8')).toBe(`${ORIGINAL}- [other](other/SKILL.md)\n`);

    // While the tab still runs (its next turn is held), the lease cwt took for the write is already gone.
    const store = new SqliteStore(sb.cwtHome);
    try {
      const lease = fileLockName(index);
      const kinds = async () => (await store.listEvents({})).filter((event) => event.data.name === lease).map((event) => event.kind);
      await waitFor(async () => ((await kinds()).includes('lock.release') ? true : undefined), 10_000);
      expect(await kinds()).toEqual(['lock.acquire', 'lock.release']);
      expect((await store.listLocks()).map((lock) => lock.name)).not.toContain(lease);
    } finally {
      await store.close();
    }
    held.release();
    const result = await tab.result;
    expect(result.code, describeRun(result, api)).toBe(0);
  });
});
