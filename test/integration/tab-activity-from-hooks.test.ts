/**
 * A plain Claude Code tab's activity, from its command hooks alone: a prompt makes it working, a tool call
 * keeps it so, a Notification makes it waiting for its user, Stop idle, SessionEnd ends it. cwt status shows
 * it with its age (table, --json, --markdown); the event log gets one entry per change, none per tool call.
 * Notification never fires in `claude -p` runs, so this hook-level test is where it is covered. A `cwt new`
 * session's activity goes when its agent exits, SessionEnd or not.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createScenario, type Scenario } from '../helpers/scenario.js';
import { createTab, runHook } from '../helpers/hooks.js';
import { buildHookSettings } from '../../src/core/harness/harness.js';
import { openSandboxStore, STORE_BACKENDS, useBackend } from '../helpers/backends.js';
import { MESSAGES } from '../../src/texts/messages.js';
import { startCwt } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';
import { writeFile } from '../helpers/git.js';

interface ActivityView {
  id: string;
  activity: string | null;
  activitySince: string | null;
  activityReason: string | null;
}

describe.each(STORE_BACKENDS)('a tab’s activity from its hooks (%s store)', (backend) => {
  let s: Scenario;
  beforeEach(() => {
    s = createScenario();
    useBackend(s, backend);
  });
  afterEach(() => s.cleanup());

  async function view(): Promise<ActivityView> {
    const sessions = (await s.sessions()) as unknown as ActivityView[];
    expect(sessions).toHaveLength(1);
    return sessions[0]!;
  }

  async function activityEvents(session: string): Promise<string[]> {
    const store = await openSandboxStore(s);
    try {
      return (await store.listEvents({ session })).map((event) => event.kind).filter((kind) => /^session\.(working|waiting|idle)$/.test(kind));
    } finally {
      await store.close();
    }
  }

  it('goes working, waiting, working, idle, and ends; status shows it; one event per change', async () => {
    const tab = createTab('tab-activity', s.repo, s.env);
    const file = join(s.repo, 'src', 'app.ts');
    await tab.start();
    expect((await view()).activity).toBeNull(); // nothing said yet: no guess

    await tab.prompt('fix the bug');
    const working = await view();
    expect(working.activity).toBe('working');
    const since = working.activitySince;
    expect(since).not.toBeNull();
    // Tool calls keep it working and keep its start time: no new event, no new activitySince.
    await tab.write(file);
    await tab.wrote(file);
    expect(await view()).toMatchObject({ activity: 'working', activitySince: since });

    await tab.notify();
    expect(await view()).toMatchObject({ activity: 'waiting', activityReason: 'permission' });
    expect((await s.cwt(['status'])).stdout).toMatch(/\bwaiting: permission (now|\d+s)\b/);
    await tab.notify('idle_prompt'); // said twice: still one change, and the first reason stands
    await tab.prompt('yes, go on');
    await tab.stop();
    const idle = await view();
    expect(idle.activity).toBe('idle');
    expect(Date.parse(idle.activitySince!)).toBeGreaterThanOrEqual(Date.parse(since!));

    const table = await s.cwt(['status']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain('ACTIVITY');
    expect(table.stdout).toMatch(/\bidle (now|\d+s)\b/);
    const markdown = await s.cwt(['status', '--markdown']);
    expect(markdown.stdout).toContain('| activity |');
    expect(markdown.stdout).toMatch(/\| idle (now|\d+s) \|/);

    expect(await activityEvents(idle.id)).toEqual(['session.working', 'session.waiting', 'session.working', 'session.idle']);

    await tab.end();
    const ended = (await s.sessions()) as unknown as ActivityView[];
    expect(ended[0]).toMatchObject({ activity: null, activitySince: null });
    expect(await activityEvents(idle.id)).toHaveLength(4); // SessionEnd logs no activity of its own
  });

  it('records why it waits; a notification that only informs changes nothing', async () => {
    const tab = createTab('tab-why', s.repo, s.env);
    await tab.prompt('log in and wait');
    await tab.notify('auth_success'); // a login went through: nobody is asked anything
    await tab.notify('agent_completed');
    expect(await view()).toMatchObject({ activity: 'working', activityReason: null });
    await tab.stop();
    await tab.notify('idle_prompt'); // 60 s after the turn ended, Claude Code waits for input
    expect(await view()).toMatchObject({ activity: 'waiting', activityReason: 'input' });
    expect((await s.cwt(['status', '--markdown'])).stdout).toMatch(/\| waiting: input (now|\d+s) \|/);
    await tab.prompt('next');
    expect(await view()).toMatchObject({ activity: 'working', activityReason: null });
    const store = await openSandboxStore(s);
    try {
      const waiting = (await store.listEvents({ kinds: ['session.waiting'] })).map((event) => event.data);
      expect(waiting).toEqual([{ reason: 'input', notificationType: 'idle_prompt' }]);
    } finally {
      await store.close();
    }
    const log = await s.cwt(['log']);
    expect(log.stdout).toContain(MESSAGES.eventActivity('waiting', 'input'));
  });

  it('status --markdown lists the files a session claims now, and its uncommitted paths only when it claims none', async () => {
    const tab = createTab('tab-md', s.repo, s.env);
    writeFile(s.repo, 'wip.ts', 'uncommitted\n'); // untracked: the fallback's answer
    await tab.start();
    const before = await s.cwt(['status', '--markdown']);
    expect(before.stdout).toMatch(/\| wip\.ts \|/);
    const a = writeFile(s.repo, 'src/a.ts', 'a\n');
    const b = writeFile(s.repo, 'src/b.ts', 'b\n');
    await tab.write(a);
    await tab.write(b);
    const during = (await s.cwt(['status', '--markdown'])).stdout;
    expect(during).toMatch(/\| src\/a\.ts, src\/b\.ts \|/);
    expect(during).not.toContain('wip.ts');
  });

  it('an approved Bash command clears waiting when it finishes (PostToolUse covers Bash), not only at the next edit', async () => {
    const tab = createTab('tab-bash', s.repo, s.env);
    await tab.prompt('run the tests');
    await tab.bash('npm test'); // PreToolUse runs before the permission prompt
    await tab.notify('permission_prompt');
    expect((await view()).activity).toBe('waiting');
    const settings = buildHookSettings();
    const matcher = settings.PostToolUse![0]!.matcher!.split('|');
    expect(matcher).toEqual(expect.arrayContaining(['Bash', 'WebFetch', 'WebSearch']));
    await runHook('post-tool-use', { session_id: 'tab-bash', cwd: s.repo, hook_event_name: 'PostToolUse', tool_name: 'Bash', tool_input: { command: 'npm test' }, tool_response: { stdout: 'ok' } }, s.env);
    expect(await view()).toMatchObject({ activity: 'working', activityReason: null });
  });

  it('parallel tool calls after a permission prompt log the change back to working once', async () => {
    const tab = createTab('tab-parallel', s.repo, s.env);
    await tab.prompt('read everything');
    await tab.notify();
    // Claude Code runs parallel tool calls' hooks at once: each hook process read "waiting" before any wrote.
    await Promise.all(Array.from({ length: 6 }, (_, index) => tab.read(join(s.repo, `f${index}.ts`))));
    const after = await view();
    expect(after.activity).toBe('working');
    expect(await activityEvents(after.id)).toEqual(['session.working', 'session.waiting', 'session.working']);
  });

  it('a sibling tab is told what the other is doing; a session no hook reported on shows "—"', async () => {
    const a = createTab('tab-a', s.repo, s.env);
    await a.start();
    const table = await s.cwt(['status']);
    expect(table.stdout).toContain(MESSAGES.activityNone);
    await a.prompt('work');
    const greeting = await createTab('tab-b', s.repo, s.env).start();
    expect(greeting?.hookSpecificOutput?.additionalContext).toMatch(/; activity: working (now|\d+s)/);
  });
});

describe('a cwt new session’s activity when its agent exits', () => {
  let s: Scenario;
  beforeEach(() => {
    s = createScenario();
  });
  afterEach(() => s.cleanup());

  it('is cleared by the supervisor: a crashed Claude Code sends no SessionEnd, and its last word no longer holds', async () => {
    const run = startCwt(['new', 'feat/exit'], { cwd: s.repo, env: { ...s.env, FAKE_AGENT_SLEEP_MS: '4000' } });
    const session = await waitFor(async () => ((await s.sessions()) as unknown as Array<ActivityView & { worktree: string; pid: number | null }>).find((view) => view.pid !== null));
    // Its Claude Code (played by hook calls from its worktree) finishes a turn, then dies without SessionEnd.
    const tab = createTab('claude-in-session', session.worktree, s.env);
    await tab.prompt('go');
    await tab.stop();
    expect((await s.sessions())[0]).toMatchObject({ id: session.id, activity: 'idle' });
    expect((await run.result).code).toBe(0);
    expect((await s.sessions())[0]).toMatchObject({ id: session.id, activity: null, activitySince: null });
  });
});
