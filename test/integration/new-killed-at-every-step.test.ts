/**
 * kill -9 right after every step of the `cwt new` pipeline, one trial a step, the steps taken from the pipeline
 * itself (a new step gets its trials). What the killed run made is found through its run journal: cwt doctor
 * reports it, cwt gc --dry-run lists it, and cwt gc — or the next cwt new, of another branch — rolls it back,
 * leaving the empty footprint or exactly one complete session: nothing that no command finds. A leftover
 * worktree holding work is kept and reported with the commands to finish or remove it, never deleted. A
 * journal from another host is never acted on. CWT_FAILPOINT=new:after:<step>:kill makes cwt SIGKILL itself
 * right after the step.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createScenario, emptyFootprint, enableEveryNewStep, type Scenario } from '../helpers/scenario.js';
import { startCwt, waitForStderr } from '../helpers/cli.js';
import { git } from '../helpers/git.js';
import { NEW_STEP_IDS } from '../../src/commands/new.js';
import { getRunJournalDir, type NewJournalRecord, type RunJournal } from '../../src/core/sessions/runjournal.js';
import { getSessionSettingsPath, resolveSessionStateDir } from '../../src/core/fs/paths.js';
import { SqliteStore } from '../../src/core/store/sqlite.js';
import { MESSAGES } from '../../src/texts/messages.js';

const CONFIG = { setup: ['true'], leases: { PORT: { kind: 'port', range: [47300, 47399] }, DB_NAME: { pattern: 'app_{slug_}' } } };
const KILLED = 'feat/killed';
/**
 * The steps a plain `cwt new` runs. The 'conversation' step runs only for `cwt new --fork` and for `cwt attach`
 * recreating a removed worktree: conversation-killed-midway.test.ts kills a run right after it.
 */
const TRIAL_STEPS = NEW_STEP_IDS.filter((id) => id !== 'conversation');
/** The steps after which the killed run's worktree exists, for the trials that put work in it. */
const STEPS_WITH_WORKTREE = TRIAL_STEPS.slice(TRIAL_STEPS.indexOf('worktree'));

let scenarios: Scenario[] = [];
afterEach(() => {
  for (const s of scenarios) s.cleanup();
  scenarios = [];
});

/** A fresh repository per trial, every optional step of the pipeline turned on. */
function createTrial(): Scenario {
  const s = createScenario();
  scenarios.push(s);
  enableEveryNewStep(s, CONFIG);
  return s;
}

/** Runs `cwt new feat/killed`, SIGKILLed by its failpoint right after `step`; returns the journal it left. */
async function killAfter(s: Scenario, step: string, env: NodeJS.ProcessEnv = s.env): Promise<RunJournal<NewJournalRecord>> {
  const result = await s.cwt(['new', KILLED, '--no-launch'], { env: { ...env, CWT_FAILPOINT: `new:after:${step}:kill` } });
  expect(result.stderr).toContain(`cwt-failpoint: ${step}`);
  expect(result.signal).toBe('SIGKILL');
  const journals = readJournals(s);
  expect(journals).toHaveLength(1);
  return journals[0]!;
}

function readJournals(s: Scenario): RunJournal<NewJournalRecord>[] {
  const dir = getRunJournalDir(s.cwtHome);
  // The journals themselves, not the temporary file of a rewrite under way (steps running alongside the checkout
  // may still record themselves while the run is held at a failpoint).
  const journals = existsSync(dir) ? readdirSync(dir).filter((name) => /^new-.*\.json$/.test(name)) : [];
  return journals.map((name) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as RunJournal<NewJournalRecord>);
}

async function doctorFindings(s: Scenario, env: NodeJS.ProcessEnv = s.env): Promise<Array<{ id: string; severity: string; message: string; fix?: string }>> {
  const result = await s.cwt(['doctor', '--json'], { env });
  return (JSON.parse(result.stdout) as { findings: Array<{ id: string; severity: string; message: string; fix?: string }> }).findings;
}

/** Nothing the store holds for a run either: no lease, no lock. */
async function expectStoreHoldsNothing(s: Scenario): Promise<void> {
  const store = new SqliteStore(s.cwtHome);
  try {
    expect(await store.listLeases()).toEqual([]);
    expect(await store.listLocks()).toEqual([]);
  } finally {
    await store.close();
  }
}

describe('cwt new killed with kill -9 right after each step', () => {
  it('covers every step of the pipeline', () => {
    expect(NEW_STEP_IDS).toEqual(expect.arrayContaining(['lock', 'place', 'worktree', 'memory', 'register', 'leases', 'include', 'instructions', 'git-hooks', 'unlock', 'setup']));
  });

  it.each(TRIAL_STEPS)('after "%s": doctor reports the leftover, gc --dry-run lists it, gc rolls it all back', async (step) => {
    const s = createTrial();
    const journal = await killAfter(s, step);
    const run = MESSAGES.interruptedRun(journal);
    expect(run).toContain(`after step '${step}'`);

    const finding = (await doctorFindings(s)).find((candidate) => candidate.id === 'interrupted-new');
    expect(finding).toEqual({ id: 'interrupted-new', severity: 'warn', message: MESSAGES.doctorInterruptedNew(run, journal.record.worktree, []), fix: MESSAGES.doctorInterruptedNewFix });

    const before = await s.footprint();
    const dry = await s.cwt(['gc', '--dry-run']);
    expect(dry.stdout).toContain(`would roll back ${run}`);
    expect(await s.footprint()).toEqual(before);

    const gc = await s.cwt(['gc']);
    expect(gc.code).toBe(0);
    expect(gc.stdout).toContain(`rolled back ${run}`);
    expect(await s.footprint()).toEqual(emptyFootprint(s.repo));
    await expectStoreHoldsNothing(s);
    expect((await doctorFindings(s)).filter((candidate) => candidate.id === 'interrupted-new')).toEqual([]);
  });

  it.each(TRIAL_STEPS)('after "%s": the next cwt new, of another branch, rolls it back and makes exactly one complete session', async (step) => {
    const s = createTrial();
    const journal = await killAfter(s, step);
    const next = await s.cwt(['new', 'feat/other', '--no-launch', '--json']);
    expect(next.code).toBe(0);
    expect(next.stderr).toContain(`rolled back ${MESSAGES.interruptedRun(journal)}`);
    const session = JSON.parse(next.stdout) as { id: string; worktree: string; memoryDir: string; branch: string };
    expect(await s.footprint()).toEqual({
      branches: ['feat/other', 'main'],
      worktrees: [s.repo, session.worktree],
      sessions: 1,
      worktreeDirs: ['feat-other'],
      namespaces: ['feat-other'],
      sessionStateDirs: [session.id],
      journals: [],
    });
    // Complete: every step's work is there.
    expect(existsSync(join(session.worktree, 'CLAUDE.local.md'))).toBe(true);
    expect(readFileSync(join(session.worktree, '.env'), 'utf8')).toBe('X=1\n');
    expect(existsSync(join(session.memoryDir, 'MEMORY.md'))).toBe(true);
    expect(existsSync(getSessionSettingsPath(resolveSessionStateDir(s.cwtHome, session.id)))).toBe(true);
    const [row] = await s.sessions();
    expect(row).toMatchObject({ id: session.id, branch: 'feat/other', state: 'live' });
  });

  it.each(STEPS_WITH_WORKTREE)('after "%s" with a file written into the leftover worktree: gc keeps it and says how to finish', async (step) => {
    const s = createTrial();
    const journal = await killAfter(s, step);
    const { worktree } = journal.record;
    writeFileSync(join(worktree, 'notes.txt'), 'work nobody committed\n');

    const gc = await s.cwt(['gc']);
    expect(gc.code).toBe(0);
    const run = MESSAGES.interruptedRun(journal);
    expect(gc.stdout).toContain(MESSAGES.leftoverKept(run, worktree, KILLED, ['uncommitted: ?? notes.txt'], false));
    expect(gc.stdout).toContain(MESSAGES.leftoverKeptHint(journal.record));
    expect(readFileSync(join(worktree, 'notes.txt'), 'utf8')).toBe('work nobody committed\n');
    // Only the worktree (and its branch) stay; the journal stays as their record, so doctor and gc still find them.
    expect(await s.footprint()).toEqual({ ...emptyFootprint(s.repo), branches: [KILLED, 'main'], worktrees: [s.repo, worktree], worktreeDirs: ['feat-killed'], journals: [`new-${journal.runId}.json`] });
    const finding = (await doctorFindings(s)).find((candidate) => candidate.id === 'interrupted-new');
    expect(finding).toMatchObject({ severity: 'warn', message: MESSAGES.doctorInterruptedNew(run, worktree, ['uncommitted: ?? notes.txt']), fix: MESSAGES.leftoverKeptHint(journal.record) });

    // Throwing the work away as the hint says, then gc, finishes the rollback.
    git(s.repo, ['worktree', 'remove', '--force', '--force', worktree]);
    git(s.repo, ['branch', '-D', KILLED]);
    await s.cwt(['gc']);
    expect(await s.footprint()).toEqual(emptyFootprint(s.repo));
  });

  it('a commit on the branch cwt created keeps the leftover until it is merged; then only the branch stays', async () => {
    const s = createTrial();
    const journal = await killAfter(s, 'register');
    const { worktree } = journal.record;
    writeFileSync(join(worktree, 'feature.txt'), 'done\n');
    git(worktree, ['add', 'feature.txt']);
    git(worktree, ['commit', '-q', '-m', 'the feature']);
    const gc = await s.cwt(['gc']);
    expect(gc.stdout).toMatch(/commit on no other branch: [0-9a-f]{10} the feature/);
    expect(existsSync(join(worktree, 'feature.txt'))).toBe(true);
    git(s.repo, ['merge', '-q', '--ff-only', KILLED]);
    const after = await s.cwt(['gc']);
    expect(after.stdout).toContain(`rolled back ${MESSAGES.interruptedRun(journal)}`);
    // The branch holds someone's commit, so it is theirs now: kept, like any branch cwt end leaves.
    expect(await s.footprint()).toEqual({ ...emptyFootprint(s.repo), branches: [KILLED, 'main'] });
  });

  it('a journal written on another host is reported, never acted on here', async () => {
    const s = createTrial();
    const elsewhere = { ...s.env, CWT_HOST_ID: 'other-machine' };
    const journal = await killAfter(s, 'memory', elsewhere);
    const before = await s.footprint();
    const gc = await s.cwt(['gc']);
    expect(gc.stdout).not.toContain(MESSAGES.interruptedRun(journal));
    expect(await s.footprint()).toEqual(before);
    const finding = (await doctorFindings(s)).find((candidate) => candidate.id === 'interrupted-new');
    expect(finding).toEqual({
      id: 'interrupted-new',
      severity: 'info',
      message: MESSAGES.doctorRunElsewhere(KILLED, 'other-machine', journal.pid),
      fix: MESSAGES.doctorRunElsewhereFix('other-machine'),
    });
    // On its own host it is a leftover like any other.
    await s.cwt(['gc'], { env: elsewhere });
    expect(await s.footprint()).toEqual(emptyFootprint(s.repo));
  });

  it('while the run goes on, its journal is private and names what it is making; it is gone once the run completes', async () => {
    const s = createTrial();
    const { child, result } = startCwt(['new', KILLED, '--no-launch'], { cwd: s.repo, env: { ...s.env, CWT_FAILPOINT: 'new:after:worktree' } });
    try {
      await waitForStderr(child, (text) => text.includes('cwt-failpoint: worktree'));
      const [journal] = readJournals(s);
      const dir = getRunJournalDir(s.cwtHome);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      expect(statSync(join(dir, `new-${journal!.runId}.json`)).mode & 0o777).toBe(0o600);
      // The steps that run alongside the checkout (up to the registration) may have begun, and finished, meanwhile.
      const alongside = NEW_STEP_IDS.slice(NEW_STEP_IDS.indexOf('worktree') + 1, NEW_STEP_IDS.indexOf('register'));
      expect(alongside).toEqual(['memory', 'inspect']);
      expect(journal!.started.slice(0, 3)).toEqual(['lock', 'place', 'worktree']);
      // The registration's rollback is harmless where it never ran: the journal names it from its first write on.
      expect(journal!.started).toContain('register');
      expect([...alongside, 'register']).toEqual(expect.arrayContaining(journal!.started.slice(3)));
      expect(journal!.done.filter((id) => !alongside.includes(id))).toEqual(['lock', 'place', 'worktree']);
      expect(journal).toMatchObject({
        pipeline: 'new',
        pid: child.pid,
        record: { sessionId: journal!.runId, branch: KILLED, worktree: join(s.root, 'repo.worktrees', 'feat-killed'), repo: { mainWorktree: s.repo } },
      });
      expect(journal!.record.createdBranchFrom).toMatch(/^[0-9a-f]{40}$/);
      expect(journal!.record.namespaceDir).toMatch(/cwt-memory\/feat-killed$/);
      // A live run is nobody's leftover: gc leaves it alone.
      await s.cwt(['gc']);
      expect(existsSync(journal!.record.worktree)).toBe(true);
      child.kill('SIGINT');
      expect((await result).code).toBe(130);
    } finally {
      // A failed assertion must not leave the run held at its failpoint.
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    expect(readJournals(s)).toEqual([]);
    const done = await s.cwt(['new', KILLED, '--no-launch']);
    expect(done.code).toBe(0);
    expect(readJournals(s)).toEqual([]);
  });
});
