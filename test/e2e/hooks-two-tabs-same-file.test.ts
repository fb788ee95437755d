/**
 * End to end, real `claude` binary, command hooks from `cwt install`: two plain `claude -p` tabs in the same
 * checkout write the same file. Tab A writes it and stays alive (its next request to the fake API is held
 * open); tab B reads it and writes it: denied once, with a reason the model reads; B's retry of the same
 * write goes through. Each tab has its own fake Messages API, so their scripts cannot mix.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claudePrintArgs, cwtJson, describeRun, e2eEnv, findToolResult, getClaudeSessionId, requireClaude, untilHeld, useE2eFixture } from '../helpers/claude.js';
import { runCwt } from '../helpers/cli.js';
import { createRepo } from '../helpers/git.js';

interface SessionView {
  id: string;
  kind: string;
  state: string;
  worktree: string;
}

interface WhoView {
  claims: { session: string; claudeSession: string | null; sameCheckout: boolean; path: string }[];
}

const A_CONTENT = 'export const owner = "tab A";\n';
const B_CONTENT = 'export const owner = "tab B";\n';

describe('two plain claude tabs in one checkout write the same file', () => {
  const fixture = useE2eFixture('cwt-e2e-tabs-');

  it('denies the second tab once, with a reason, and lets its retry through', { timeout: 120_000 }, async () => {
    requireClaude();
    const sb = fixture.sandbox;
    const repo = createRepo(join(sb.root, 'repo'));
    const file = join(repo, 'src', 'owner.ts');

    // Tab A: create the file, then wait (held) until the test says so.
    const heldA = fixture.hold({ type: 'text', text: 'A finished.' });
    const apiA = await fixture.startApi({ script: [{ type: 'tool_use', name: 'Write', id: 'toolu_a_write', input: { file_path: file, content: A_CONTENT } }, heldA.turn] });
    // Tab B: read it (Claude Code refuses to overwrite a file it has not read), write it, and after the
    // denial (held, so the test can look at the file in between) the same write again.
    const heldB = fixture.hold({ type: 'tool_use', name: 'Write', id: 'toolu_b_write_2', input: { file_path: file, content: B_CONTENT } });
    const apiB = await fixture.startApi({
      script: [
        { type: 'tool_use', name: 'Read', id: 'toolu_b_read', input: { file_path: file } },
        { type: 'tool_use', name: 'Write', id: 'toolu_b_write_1', input: { file_path: file, content: B_CONTENT } },
        heldB.turn,
        { type: 'text', text: 'B finished.' },
      ],
    });
    const envA = e2eEnv(sb, apiA);
    const envB = e2eEnv(sb, apiB);

    const install = await runCwt(['install'], { cwd: repo, env: envA, timeoutMs: 30_000 });
    expect(install.code, install.stderr).toBe(0);

    const tabA = fixture.startClaude(claudePrintArgs('write src/owner.ts'), { cwd: repo, env: envA, timeoutMs: 100_000 });
    await untilHeld(heldA, tabA, apiA);
    // A's write went through and its hooks adopted it as a session that claims the file.
    expect(readFileSync(file, 'utf8')).toBe(A_CONTENT);
    expect(findToolResult(apiA, 'toolu_a_write')?.isError).toBe(false);
    const sessions = await cwtJson<SessionView[]>(['status', '--all', '--json'], { cwd: repo, env: envA });
    expect(sessions, JSON.stringify(sessions)).toHaveLength(1);
    const sessionA = sessions[0]!;
    expect(sessionA).toMatchObject({ kind: 'adopted', state: 'live', worktree: repo });
    const claudeA = getClaudeSessionId(tabA.stdout());
    expect(claudeA).toBeDefined();
    const whoBefore = await cwtJson<WhoView>(['who', file, '--json'], { cwd: repo, env: envA });
    expect(whoBefore.claims).toEqual([expect.objectContaining({ session: sessionA.id, claudeSession: claudeA, sameCheckout: true })]);

    const tabB = fixture.startClaude(claudePrintArgs('write src/owner.ts too'), { cwd: repo, env: envB, timeoutMs: 100_000 });
    await untilHeld(heldB, tabB, apiB);
    // B's first write: denied by the hook, the reason delivered to the model as an error tool_result.
    const denied = findToolResult(apiB, 'toolu_b_write_1');
    expect(denied, describeRun({ code: null, signal: null, stdout: tabB.stdout(), stderr: '' }, apiB)).toBeDefined();
    expect(denied!.isError).toBe(true);
    expect(denied!.text).toContain('retry the same edit');
    expect(denied!.text).toContain('src/owner.ts');
    expect(denied!.text).toContain(`cwt session ${sessionA.id}`);
    expect(readFileSync(file, 'utf8')).toBe(A_CONTENT);
    // A denial does not move the claim.
    const whoDenied = await cwtJson<WhoView>(['who', file, '--json'], { cwd: repo, env: envB });
    expect(whoDenied.claims.map((claim) => claim.session)).toEqual([sessionA.id]);

    // B's retry of the same write goes through: the file is B's now.
    heldB.release();
    const resultB = await tabB.result;
    expect(resultB.code, describeRun(resultB, apiB)).toBe(0);
    const retried = findToolResult(apiB, 'toolu_b_write_2');
    expect(retried, describeRun(resultB, apiB)).toBeDefined();
    expect(retried!.isError, retried!.text).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe(B_CONTENT);
    // Tab A was alive the whole time: B's deny needed A to be a live holder.
    expect(tabA.child.exitCode).toBeNull();

    heldA.release();
    const resultA = await tabA.result;
    expect(resultA.code, describeRun(resultA, apiA)).toBe(0);
    // Each tab was adopted once, and each ended with its tab (SessionEnd).
    const after = await cwtJson<SessionView[]>(['status', '--all', '--json'], { cwd: repo, env: envA });
    expect(after.map((s) => [s.kind, s.state])).toEqual([
      ['adopted', 'ended'],
      ['adopted', 'ended'],
    ]);
  });
});
