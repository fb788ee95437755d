/**
 * End to end, real `claude` binary, command hooks from `cwt install`: a plain tab's edit claims the file
 * while the tab runs, and its SessionEnd hook (the tab exiting normally) releases the claim and ends the
 * adopted session, so the file is nobody's afterwards.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claudePrintArgs, cwtJson, describeRun, e2eEnv, getClaudeSessionId, requireClaude, untilHeld, useE2eFixture } from '../helpers/claude.js';
import { runCwt } from '../helpers/cli.js';
import { createRepo } from '../helpers/git.js';

interface SessionView {
  id: string;
  kind: string;
  state: string;
  endedAt: string | null;
}

interface WhoView {
  relPath: string | null;
  claims: { session: string; claudeSession: string | null }[];
}

describe('a plain claude tab exits normally', () => {
  const fixture = useE2eFixture('cwt-e2e-exit-');

  it('releases its claims and ends its adopted session (SessionEnd)', { timeout: 120_000 }, async () => {
    requireClaude();
    const sb = fixture.sandbox;
    const repo = createRepo(join(sb.root, 'repo'));
    const file = join(repo, 'notes.md');
    const held = fixture.hold({ type: 'text', text: 'Finished.' });
    const api = await fixture.startApi({ script: [{ type: 'tool_use', name: 'Write', id: 'toolu_write', input: { file_path: file, content: '# notes\n' } }, held.turn] });
    const env = e2eEnv(sb, api);
    const install = await runCwt(['install'], { cwd: repo, env, timeoutMs: 30_000 });
    expect(install.code, install.stderr).toBe(0);

    const tab = fixture.startClaude(claudePrintArgs('write notes.md'), { cwd: repo, env, timeoutMs: 100_000 });
    await untilHeld(held, tab, api);
    expect(readFileSync(file, 'utf8')).toBe('# notes\n');
    const claudeId = getClaudeSessionId(tab.stdout());
    expect(claudeId).toBeDefined();
    const [session] = await cwtJson<SessionView[]>(['status', '--all', '--json'], { cwd: repo, env });
    expect(session).toMatchObject({ kind: 'adopted', state: 'live' });
    // While the tab runs, the file is its.
    const during = await cwtJson<WhoView>(['who', file, '--json'], { cwd: repo, env });
    expect(during.relPath).toBe('notes.md');
    expect(during.claims).toEqual([expect.objectContaining({ session: session!.id, claudeSession: claudeId })]);

    held.release();
    const result = await tab.result;
    expect(result.code, describeRun(result, api)).toBe(0);

    const after = await cwtJson<WhoView>(['who', file, '--json'], { cwd: repo, env });
    expect(after.claims.filter((claim) => claim.session === session!.id || claim.claudeSession === claudeId)).toEqual([]);
    expect(after.claims).toEqual([]);
    const [ended] = await cwtJson<SessionView[]>(['status', '--all', '--json'], { cwd: repo, env });
    expect(ended).toMatchObject({ id: session!.id, state: 'ended' });
    expect(ended!.endedAt).not.toBeNull();
  });
});
