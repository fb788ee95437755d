/**
 * A claimed task whose owner is gone goes back to pending: the owner session ended (found at the next
 * claim-next), or no heartbeat came within the claim's TTL (found by cwt gc). Progress shows in cwt status
 * while the owner works; the late owner's `done` is refused with what to do.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createScenario, type Scenario } from '../helpers/scenario.js';
import { MESSAGES } from '../../src/texts/messages.js';

let s: Scenario;
beforeEach(() => {
  s = createScenario();
});
afterEach(() => s.cleanup());

describe('a task whose owner is gone', () => {
  it('shows its progress in cwt status, and goes back to pending when the owner session ends', async () => {
    const created = await s.cwt(['new', 'feat/a', '--no-launch', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const session = JSON.parse(created.stdout) as { id: string; worktree: string };
    const inSession = { cwd: session.worktree };
    expect((await s.cwt(['task', 'add', 'port the users table', '--queue', 'issue:15'], inSession)).code).toBe(0);
    const claim = await s.cwt(['task', 'claim', '--queue', 'issue:15', '--json'], inSession);
    expect(claim.code, claim.stderr).toBe(0);
    expect(JSON.parse(claim.stdout)).toMatchObject({ id: 1, state: 'claimed', owner: session.id, ownerSession: session.id });
    const progress = await s.cwt(['task', 'progress', '1', '--phase', 'testing', '--percent', '60', '--message', '3 of 5 suites green'], inSession);
    expect(progress.code, progress.stderr).toBe(0);

    const [view] = await s.sessions();
    expect(view!.tasks).toEqual([
      expect.objectContaining({ id: 1, queue: 'issue:15', title: 'port the users table', phase: 'testing', percent: 60, message: '3 of 5 suites green' }),
    ]);
    const table = await s.cwt(['status']);
    expect(table.stdout).toContain(MESSAGES.statusTaskLine(session.id, 1, 'port the users table', 'testing, 60%, 3 of 5 suites green'));

    // Another claimer finds nothing pending while the owner is live.
    const busy = await s.cwt(['task', 'claim', '--queue', 'issue:15', '--owner', 'worker-2']);
    expect(busy.code).toBe(1);
    expect(busy.stdout).toContain(MESSAGES.taskNone('issue:15'));

    expect((await s.cwt(['end', session.id, '--no-merge'])).code).toBe(0);
    const retaken = await s.cwt(['task', 'claim', '--queue', 'issue:15', '--owner', 'worker-2', '--json']);
    expect(retaken.code, retaken.stderr).toBe(0);
    expect(JSON.parse(retaken.stdout)).toMatchObject({ id: 1, owner: 'worker-2', attempts: 2, progress: null });
    expect(retaken.stderr).toContain('task 1 (port the users table) went back to pending');
    const log = await s.cwt(['log', '--json']);
    const kinds = log.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line).kind);
    expect(kinds).toEqual(expect.arrayContaining(['task.add', 'task.claim', 'task.progress', 'session.end', 'task.requeue']));
    expect(kinds.lastIndexOf('task.requeue')).toBeLessThan(kinds.lastIndexOf('task.claim'));
  });

  it('a claim without a heartbeat past its TTL is put back by gc, and the late owner is told its claim lapsed', async () => {
    expect((await s.cwt(['task', 'add', 'rebuild the index'])).code).toBe(0);
    expect((await s.cwt(['task', 'claim', '--owner', 'worker-1', '--ttl', '1s'])).code).toBe(0);
    await sleep(1200);
    const gc = await s.cwt(['gc', '--json']);
    expect(gc.code, gc.stderr).toBe(0);
    expect(JSON.parse(gc.stdout).actions).toEqual([expect.objectContaining({ action: 'requeue-task', task: 1 })]);
    const late = await s.cwt(['task', 'done', '1', '--owner', 'worker-1']);
    expect(late.code).toBe(1);
    expect(late.stderr).toContain('task 1 (rebuild the index) is pending, not claimed by worker-1');
    expect(late.stderr).toContain('your claim lapsed');
    const list = JSON.parse((await s.cwt(['task', 'ls', '--json'])).stdout);
    expect(list).toEqual([expect.objectContaining({ id: 1, state: 'pending', owner: null })]);
  });

  it('bad input is refused with exit 2 before anything changes', async () => {
    for (const args of [
      ['task', 'done', 'abc', '--owner', 'w'],
      ['task', 'progress', '1', '--owner', 'w', '--percent', '140'],
      ['task', 'frobnicate'],
      ['kv', 'cas', 'issue:1', 'owner', 'me'],
      ['kv', 'set', 'issue:1', 'owner'],
    ]) {
      const result = await s.cwt(args);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toContain('next:');
    }
    expect(JSON.parse((await s.cwt(['log', '--json', '--limit', '5'])).stdout || 'null')).toBeNull();
  });
});
