/**
 * End to end, real `claude` binary launched by `cwt new` (the supervisor serves the tool hooks over loopback
 * http): two sessions in two worktrees of one repository write the same relative path. The first stays
 * alive (its next request to the fake API is held open); the second's write goes through, and the model
 * then reads cwt's merge-conflict warning. No `cwt install` here: the only hooks are the ones cwt passes
 * with --settings, and while the agent runs that file routes PreToolUse/PostToolUse to http, so the claim
 * the first session holds was taken by the supervisor's server, not by a `cwt hook` process.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claudePrintArgs, cwtJson, describeRun, e2eEnv, findToolResult, getClaudeSessionId, getRequestWorktree, requireClaude, untilHeld, useE2eFixture } from '../helpers/claude.js';
import type { RecordedRequest, ScriptedReply } from '../helpers/fake-api.js';
import { createRepo } from '../helpers/git.js';

interface SessionView {
  id: string;
  branch: string;
  kind: string;
  state: string;
  worktree: string;
}

interface WhoView {
  claims: { session: string; claudeSession: string | null; checkout: string; sameCheckout: boolean }[];
}

type Handler = { type?: string; url?: string; command?: string; headers?: Record<string, string> };
type Settings = { hooks?: Record<string, { matcher?: string; hooks: Handler[] }[]> };

const REL_PATH = 'src/shared.ts';

/** A Write of REL_PATH inside the worktree the session notes (CLAUDE.local.md) name, as a model would. */
function writeSharedFile(id: string, content: string): (request: RecordedRequest) => ScriptedReply {
  return (request) => {
    return { type: 'tool_use', name: 'Write', id, input: { file_path: join(getRequestWorktree(request), REL_PATH), content } };
  };
}

function handlersOf(settings: Settings, event: string): Handler[] {
  return (settings.hooks?.[event] ?? []).flatMap((group) => group.hooks);
}

describe('two cwt sessions in two worktrees write the same relative path', () => {
  const fixture = useE2eFixture('cwt-e2e-worktrees-');

  it('warns the second of the merge-conflict risk, over the http hook fast path', { timeout: 120_000 }, async () => {
    requireClaude();
    const sb = fixture.sandbox;
    const repo = createRepo(join(sb.root, 'repo'));

    const heldA = fixture.hold({ type: 'text', text: 'A finished.' });
    const apiA = await fixture.startApi({ script: [writeSharedFile('toolu_a_write', 'export const a = 1;\n'), heldA.turn] });
    const apiB = await fixture.startApi({ script: [writeSharedFile('toolu_b_write', 'export const b = 2;\n'), { type: 'text', text: 'B finished.' }] });
    const envA = e2eEnv(sb, apiA);
    const envB = e2eEnv(sb, apiB);

    const runA = fixture.startCwt(['new', 'feat/a', '--', ...claudePrintArgs('edit src/shared.ts')], { cwd: repo, env: envA, timeoutMs: 100_000 });
    await untilHeld(heldA, runA, apiA);
    const [sessionA] = await cwtJson<SessionView[]>(['status', '--all', '--json'], { cwd: repo, env: envA });
    expect(sessionA).toMatchObject({ kind: 'cwt', branch: 'feat/a', state: 'live' });
    const fileA = join(sessionA!.worktree, REL_PATH);
    expect(findToolResult(apiA, 'toolu_a_write')?.isError).toBe(false);
    expect(readFileSync(fileA, 'utf8')).toBe('export const a = 1;\n');

    // While A's agent runs, its --settings file sends the tool events to the supervisor over http, with the
    // bearer token from the environment, and only there; session start and end stay command hooks.
    const settingsPath = join(sb.cwtHome, 'sessions', sessionA!.id, 'settings.json');
    const live = JSON.parse(readFileSync(settingsPath, 'utf8')) as Settings;
    for (const event of ['PreToolUse', 'PostToolUse']) {
      const handlers = handlersOf(live, event);
      expect(handlers, JSON.stringify(live)).toHaveLength(1);
      expect(handlers[0]).toMatchObject({ type: 'http', headers: { Authorization: 'Bearer $CWT_HOOK_TOKEN' } });
      expect(handlers[0]!.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/hooks\/(pre|post)-tool-use$/);
    }
    expect(handlersOf(live, 'SessionStart').map((h) => h.type)).toEqual(['command']);
    // So this claim was recorded by the supervisor's http server.
    const whoA = await cwtJson<WhoView>(['who', fileA, '--json'], { cwd: sessionA!.worktree, env: envA });
    expect(whoA.claims).toEqual([expect.objectContaining({ session: sessionA!.id, checkout: sessionA!.worktree, sameCheckout: true })]);
    expect(whoA.claims[0]!.claudeSession).toEqual(expect.any(String));

    const runB = fixture.startCwt(['new', 'feat/b', '--', ...claudePrintArgs('edit src/shared.ts too')], { cwd: repo, env: envB, timeoutMs: 100_000 });
    const resultB = await runB.result;
    expect(resultB.code, describeRun(resultB, apiB)).toBe(0);
    const sessionB = (await cwtJson<SessionView[]>(['status', '--all', '--json'], { cwd: repo, env: envB })).find((s) => s.branch === 'feat/b');
    expect(sessionB).toBeDefined();
    const fileB = join(sessionB!.worktree, REL_PATH);
    // Not denied: another worktree is a merge later, not a clobber now. The warning arrives after the result.
    const write = findToolResult(apiB, 'toolu_b_write');
    expect(write, describeRun(resultB, apiB)).toBeDefined();
    expect(write!.isError, write!.text).toBe(false);
    expect(readFileSync(fileB, 'utf8')).toBe('export const b = 2;\n');
    // However the client wraps hook context, the model received cwt's warning after the write's result.
    const reminder = write!.after.find((text) => text.includes('merge-conflict risk'));
    expect(reminder, JSON.stringify(write)).toBeDefined();
    expect(reminder).toContain(REL_PATH);
    expect(reminder).toContain(`cwt session ${sessionA!.id} on branch feat/a`);
    // A's file is untouched and still A's; B's claim went with B's Claude session (SessionEnd).
    expect(readFileSync(fileA, 'utf8')).toBe('export const a = 1;\n');
    const whoB = await cwtJson<WhoView>(['who', fileB, '--json'], { cwd: sessionB!.worktree, env: envB });
    expect(whoB.claims.map((claim) => [claim.session, claim.sameCheckout])).toEqual([[sessionA!.id, false]]);

    heldA.release();
    const resultA = await runA.result;
    expect(resultA.code, describeRun(resultA, apiA)).toBe(0);
    // The claim named A's Claude session: the http hook input reached the handler intact.
    expect(whoA.claims[0]!.claudeSession).toBe(getClaudeSessionId(resultA.stdout));
    // No hook failed (the log is written on any handler error), and with the server gone the settings file
    // holds command hooks again, for a later `claude --settings` without the supervisor.
    expect(existsSync(join(sb.cwtHome, 'hook-errors.log'))).toBe(false);
    const after = JSON.parse(readFileSync(settingsPath, 'utf8')) as Settings;
    expect(handlersOf(after, 'PreToolUse').map((h) => h.type)).toEqual(['command']);
  });
});
