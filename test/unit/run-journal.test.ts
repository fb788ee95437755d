import { describe, expect, it } from 'vitest';
import { getRunJournalState, type RunJournal } from '../../src/core/sessions/runjournal.js';
import { getProcessIdentity } from '../../src/core/sessions/liveness.js';
import { getFailpointAction } from '../../src/ui/pipeline.js';

const journal = (over: Partial<RunJournal> = {}): RunJournal => ({
  pipeline: 'new',
  runId: 'abcd1234',
  pid: 4242,
  processIdentity: 'boot-1/100',
  host: 'here',
  startedAt: 0,
  started: ['lock'],
  done: ['lock'],
  kept: [],
  record: {},
  ...over,
});

describe('getRunJournalState', () => {
  const alive = () => true;
  const dead = () => false;
  const identifies = (identity: string | undefined) => (): string | undefined => identity;
  it.each<[string, RunJournal, () => boolean, () => string | undefined, string]>([
    ['its process runs here', journal(), alive, identifies('boot-1/100'), 'running'],
    ['its pid is dead here', journal(), dead, identifies(undefined), 'interrupted'],
    ['its pid now names another process (a reboot, pids wrapped)', journal(), alive, identifies('boot-2/7'), 'interrupted'],
    ['the process cannot be identified (not Linux)', journal(), alive, identifies(undefined), 'running'],
    ['it recorded no identity', journal({ processIdentity: null }), alive, identifies('boot-2/7'), 'running'],
    ['it was written on another host, whatever its pid is here', journal({ host: 'there' }), dead, identifies(undefined), 'elsewhere'],
  ])('%s', (_what, entry, isAlive, identify, state) => {
    expect(getRunJournalState(entry, 'here', isAlive, identify)).toBe(state);
  });

  it('sees this very process as running', () => {
    expect(getRunJournalState(journal({ pid: process.pid, processIdentity: getProcessIdentity(process.pid) ?? null }), 'here')).toBe('running');
  });
});

describe('getFailpointAction', () => {
  it.each([
    [undefined, 'new', 'worktree', undefined],
    ['after:worktree', 'new', 'worktree', 'hang'],
    ['after:worktree', undefined, 'worktree', 'hang'],
    ['new:after:worktree', 'new', 'worktree', 'hang'],
    ['new:after:worktree:kill', 'new', 'worktree', 'kill'],
    ['new:after:worktree:kill', 'end', 'worktree', undefined],
    ['new:after:worktree:kill', 'new', 'memory', undefined],
    ['new:after:worktree:kill', undefined, 'worktree', undefined],
  ] as const)('%s in pipeline %s after %s: %s', (value, name, step, action) => {
    expect(getFailpointAction(value, name, step)).toBe(action);
  });
});
