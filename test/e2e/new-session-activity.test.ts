/**
 * End to end, the real `claude` on both ends of the range: a `cwt new` session's `-p` run is working while its
 * turn runs (UserPromptSubmit, then its tool calls over the supervisor's http hooks) and idle once the turn
 * ends (Stop); SessionEnd ends the activity. The event log holds one entry per change, in that order, between
 * the agent's start and exit. (Notification, "waiting for you", never fires under `-p`: the hook-level test
 * tab-activity-from-hooks covers it.)
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claudePrintArgs, cwtJson, describeRun, e2eEnv, findToolResult, getRequestWorktree, requireClaude, untilHeld, useE2eFixture } from '../helpers/claude.js';
import { createRepo } from '../helpers/git.js';
import { openStore } from '../../src/core/store/open.js';

interface SessionView {
  id: string;
  branch: string;
  worktree: string;
  state: string;
  activity: string | null;
  activitySince: string | null;
}

describe('a cwt new session’s activity, from the real claude’s hooks', () => {
  const fixture = useE2eFixture('cwt-e2e-activity-');

  it('goes working -> idle during a -p run, logged once per change, and ends with the session', { timeout: 120_000 }, async () => {
    requireClaude();
    const sb = fixture.sandbox;
    const repo = createRepo(join(sb.root, 'repo'));
    const held = fixture.hold({ type: 'text', text: 'Wrote it.' });
    const api = await fixture.startApi({
      script: [(request) => ({ type: 'tool_use', name: 'Write', id: 'toolu_activity_write', input: { file_path: join(getRequestWorktree(request), 'notes.txt'), content: 'x\n' } }), held.turn],
    });
    const env = e2eEnv(sb, api);

    const run = fixture.startCwt(['new', 'feat/activity', '--', ...claudePrintArgs('write notes.txt')], { cwd: repo, env, timeoutMs: 100_000 });
    await untilHeld(held, run, api);
    expect(findToolResult(api, 'toolu_activity_write')?.isError).toBe(false);
    // Mid-turn (the model's next answer is held): working.
    const [during] = await cwtJson<SessionView[]>(['status', '--json'], { cwd: repo, env });
    expect(during).toMatchObject({ branch: 'feat/activity', state: 'live', activity: 'working' });
    expect(during!.activitySince).toEqual(expect.any(String));

    held.release();
    const result = await run.result;
    expect(result.code, describeRun(result, api)).toBe(0);

    const store = await openStore(env);
    try {
      const kinds = (await store.listEvents({ session: during!.id })).map((event) => event.kind);
      const order = kinds.filter((kind) => ['session.agent-start', 'session.working', 'session.waiting', 'session.idle', 'session.agent-exit'].includes(kind));
      expect(order, kinds.join(', ')).toEqual(['session.agent-start', 'session.working', 'session.idle', 'session.agent-exit']);
    } finally {
      await store.close();
    }
    // The Claude session ended (SessionEnd): no activity is claimed for it any more.
    const [after] = await cwtJson<SessionView[]>(['status', '--all', '--json'], { cwd: repo, env });
    expect(after).toMatchObject({ id: during!.id, activity: null, activitySince: null });
  });
});
