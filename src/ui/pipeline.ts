/**
 * Pipelines as data: a list of steps over a typed context, run as a listr2 task list on a terminal, and as a
 * plain list of lines elsewhere (runTasksPlainly, with no listr2 to load). Each step may carry a
 * rollback; when a step fails, or SIGINT/SIGTERM/SIGHUP arrives, the rollbacks of every step that started run
 * in reverse order, so nothing half-made stays. Rollbacks must tolerate a step that did only part of its work.
 *
 * A pipeline given a journal also survives kill -9: its run journal (core/runjournal.ts) is written (durably)
 * before each step that has a rollback begins, naming what the step will make, and removed once the run
 * completes or its rollback finishes. A later process finds a journal whose pid died and runs the owed
 * rollbacks from it (rollBackFromJournal), over a context rebuilt from the journal's record. What a recovery
 * does not need to be durable at once — a step done, a step with nothing to undo begun, a step whose rollback
 * only releases what dies with the process — is written with the next write (a kill in between leaves a
 * journal one step behind: its rollbacks, safe to repeat, run the same).
 *
 * A step may run alongside the ones after it (`joinBefore`): the pipeline starts it and goes on, and waits for
 * it before the step it names. `cwt new` checks out the worktree that way while it seeds memory and asks git
 * what the session needs: the checkout is most of its time, and the rest needs no files of it. A failure on
 * either side waits for the other to settle before any rollback runs, so no rollback races a step still working.
 *
 * Test failpoints (CWT_FAILPOINT), right after a step, once the journal (written then) records it done:
 * `after:<step>` or `<pipeline>:after:<step>` prints `cwt-failpoint: <step>` to stderr and waits for a signal,
 * so tests can interrupt at every step deterministically; `<pipeline>:after:<step>:kill` prints the same and
 * SIGKILLs the process, as kill -9 would.
 */
import type { ListrLogger } from 'listr2';
import { once } from 'node:events';
import { debug } from '../core/util/debug.js';
import { CancelledError } from '../core/util/errors.js';
import { getHostId, getProcessIdentity } from '../core/sessions/liveness.js';
import { removeRunJournal, writeRunJournal, type RunJournal, type RunJournalFile } from '../core/sessions/runjournal.js';
import { MESSAGES } from '../texts/messages.js';
import { isTerminalOutput, type Output } from './output.js';
import { sanitizeForTerminal } from '../texts/sanitize.js';

/** What a rollback left in place instead of undoing, because it holds work someone may need. */
export interface RollbackKept {
  /** One line per thing kept, e.g. `uncommitted: ?? notes.txt`. */
  kept: string[];
}

/**
 * One step. `C` is the context the step runs over; `U` (by default the same) is the part its rollback needs,
 * which a journal's record can rebuild after the process that ran the step is gone.
 */
export interface PipelineStep<C, U = C> {
  id: string;
  title: string;
  enabled?: (ctx: C) => boolean;
  /**
   * Does the step's work. In a journaled pipeline the context names what the step creates before it starts
   * (an earlier step decides it): the journal records the context as each step begins.
   */
  run: (ctx: C, signal: AbortSignal) => Promise<void>;
  /**
   * Undoes this step; registered before `run` starts, so it must cope with partial work, and run again
   * safely. Returns what it kept instead, if it refused to delete work.
   */
  rollback?: (ctx: U) => Promise<RollbackKept | void>;
  /**
   * The rollback undoes only what goes with the process anyway (a lock held under its pid, taken over once that
   * pid is dead): a recovery after kill -9 owes nothing for it, so the journal is not written (made durable)
   * before this step begins; its next write names the step.
   */
  rollbackDiesWithProcess?: boolean;
  /**
   * The rollback undoes nothing where the step never ran (it deletes a row only this run inserts): the journal
   * names the step from its first write on, so the step begins without a durable write of its own (`cwt new`'s
   * registration, right after git's checkout, is spared one). A recovery may run its rollback for nothing.
   */
  rollbackHarmlessUnrun?: boolean;
  /**
   * Run alongside the steps after this one, up to the step with this id, which starts only once this one is
   * done (so must the steps after it). The steps in between must need nothing this one makes.
   */
  joinBefore?: string;
}

/** Makes a pipeline's run recoverable after kill -9 (see the module header). */
export interface PipelineJournal<C> {
  /** The journal file of this run: getRunJournalPath(cwt home, pipeline name, runId). */
  path: string;
  runId: string;
  /** What a later process needs to roll the run back, read from the context whenever the journal is written. */
  record: (ctx: C) => object;
}

export type RendererChoice = 'default' | 'verbose' | 'silent';

export interface PipelineOptions<C = unknown> {
  renderer: RendererChoice;
  output: Output;
  env: NodeJS.ProcessEnv;
  /** The pipeline's name ('new'), for its journal and its failpoints. */
  name?: string;
  journal?: PipelineJournal<C>;
}

/** How a rollback pass ended: the titles of the steps undone, what was kept, and the steps still owed. */
export interface RollbackOutcome {
  undone: string[];
  kept: string[];
  /** Ids of the steps whose rollback kept something or failed: the journal keeps owing them. */
  owed: string[];
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * The renderer STYLE asks for: silent for JSON or hooks, verbose when stderr is not a terminal or in CI, else
 * default (listr2's live list).
 */
export function chooseRenderer(options: { quiet: boolean; env: NodeJS.ProcessEnv }): RendererChoice {
  if (options.quiet) return 'silent';
  if (options.env.CI || !isTerminalOutput(2)) return 'verbose';
  return 'default';
}

/**
 * What CWT_FAILPOINT (`value`) asks for right after step `stepId` of the pipeline `name`: `hang` until a signal,
 * `kill` the process, or nothing. Pure.
 */
export function getFailpointAction(value: string | undefined, name: string | undefined, stepId: string): 'hang' | 'kill' | undefined {
  if (value === undefined) return undefined;
  if (value === `after:${stepId}`) return 'hang';
  if (name === undefined) return undefined;
  if (value === `${name}:after:${stepId}`) return 'hang';
  if (value === `${name}:after:${stepId}:kill`) return 'kill';
  return undefined;
}

async function stopAtFailpoint(stepId: string, options: PipelineOptions<never>, signal: AbortSignal): Promise<void> {
  const action = getFailpointAction(options.env.CWT_FAILPOINT, options.name, stepId);
  if (action === undefined) return;
  options.output.stderr(`cwt-failpoint: ${stepId}`);
  if (action === 'kill') process.kill(process.pid, 'SIGKILL');
  // Signal listeners do not keep the event loop alive; a timer does, until the signal comes.
  const keepAlive = setInterval(() => {}, 1000);
  try {
    if (!signal.aborted) await once(signal, 'abort');
  } finally {
    clearInterval(keepAlive);
  }
}

/**
 * The run's journal, kept in memory and written when a recovery needs it on disk (see the module header).
 * `declared`: the steps whose rollback is harmless unrun, named as begun in every write (PipelineStep.rollbackHarmlessUnrun).
 */
function openJournal<C>(name: string, spec: PipelineJournal<C>, ctx: C, env: NodeJS.ProcessEnv, declared: readonly string[]) {
  const journal: RunJournal<object> = {
    pipeline: name,
    runId: spec.runId,
    pid: process.pid,
    processIdentity: getProcessIdentity(process.pid) ?? null,
    host: getHostId(env),
    startedAt: Date.now(),
    started: [],
    done: [],
    kept: [],
    record: {},
  };
  /** Changes not on disk yet. */
  let pending = false;
  let written = false;
  const write = () => {
    const started = [...journal.started, ...declared.filter((id) => !journal.started.includes(id))];
    writeRunJournal(spec.path, { ...journal, started, record: spec.record(ctx) });
    pending = false;
    written = true;
  };
  return {
    /** `undoable`: a recovery would owe the step's rollback, so the journal names it (and what the context says it makes) before it starts. */
    began(id: string, undoable: boolean) {
      journal.started.push(id);
      pending = true;
      // A declared step is on disk already, once anything is.
      if (undoable && !(written && declared.includes(id))) write();
    },
    finished(id: string) {
      journal.done.push(id);
      pending = true;
    },
    /** Writes what is not on disk yet. */
    flush() {
      if (pending) write();
    },
    /** Before the rollbacks: the context may have dropped what it turned out not to own. */
    refresh: write,
    settle(outcome: RollbackOutcome) {
      settleJournal(spec.path, journal, outcome, spec.record(ctx));
    },
    remove: () => removeRunJournal(spec.path),
  };
}

/** After a rollback pass: no journal when nothing is owed any more, else one naming only what still is. */
function settleJournal(path: string, journal: RunJournal, outcome: RollbackOutcome, record: unknown): void {
  if (outcome.owed.length === 0) removeRunJournal(path);
  else writeRunJournal(path, { ...journal, record, started: journal.started.filter((id) => outcome.owed.includes(id)), kept: outcome.kept });
}

function tryQuietly(fn: () => void): void {
  try {
    fn();
  } catch {
    // See the caller.
  }
}

/** Runs the rollbacks, newest first; one that fails is reported and the others still run. */
async function runRollbacks<U>(steps: readonly PipelineStep<never, U>[], ctx: U, output: Output): Promise<RollbackOutcome> {
  const outcome: RollbackOutcome = { undone: [], kept: [], owed: [] };
  for (const step of [...steps].reverse()) {
    if (!step.rollback) continue;
    try {
      const result = await step.rollback(ctx);
      if (result && result.kept.length > 0) {
        outcome.kept.push(...result.kept);
        outcome.owed.push(step.id);
      } else {
        outcome.undone.push(step.title);
      }
    } catch (rollbackError) {
      output.stderr(MESSAGES.rollbackFailed(step.title, (rollbackError as Error).message));
      outcome.owed.push(step.id);
    }
  }
  return outcome;
}

/**
 * Rolls back a run that died, from its journal: the rollbacks of the steps it began, newest first, over `ctx`
 * (rebuilt from the journal's record by the caller). Removes the journal, or, when a rollback kept work or
 * failed, rewrites it owing only those steps (and saying what was kept), so the next recovery retries them.
 */
export async function rollBackFromJournal<U>(steps: readonly PipelineStep<never, U>[], entry: RunJournalFile, ctx: U, output: Output): Promise<RollbackOutcome> {
  const owed = steps.filter((step) => entry.journal.started.includes(step.id));
  const outcome = await runRollbacks(owed, ctx, output);
  settleJournal(entry.path, entry.journal, outcome, entry.journal.record);
  return outcome;
}

let listr: Promise<typeof import('listr2')> | undefined;

/**
 * Starts loading the task-list library for a run drawn with `renderer` (compiling and evaluating it, on the main
 * thread: ~2 ms from a lean bundle's code cache, ~15 ms from source) without waiting for it, once the work this
 * turn of the event loop started is under way: called right after a command starts git processes, it loads
 * while they run instead of before they start. runPipeline waits for it. Only the default renderer (a
 * terminal) uses listr2; for the others this does nothing.
 */
export function preloadPipeline(renderer: RendererChoice): void {
  if (renderer !== 'default') return;
  listr ??= new Promise((resolvePromise) => setImmediate(() => resolvePromise(import('listr2'))));
}

/** One entry of the task list: a step, or the wait for the steps running alongside that a step joins. */
interface PipelineTask {
  title: string;
  enabled: boolean | (() => boolean);
  task: () => Promise<void>;
}

/**
 * The task list without listr2, for the renderers that draw nothing live: silent writes nothing, verbose a line
 * to `output`'s stderr as each task starts and as it ends (the marks of listr2's verbose renderer). The tasks run
 * in order and the first failure ends the list, as listr2 runs them with exitOnError. listr2 itself (with
 * colorette's terminal check, node:net and node:crypto) would cost `cwt new` ~6 ms before its git checkout
 * starts, for these lines.
 */
async function runTasksPlainly(tasks: readonly PipelineTask[], renderer: 'verbose' | 'silent', output: Output): Promise<void> {
  const say = (mark: string, title: string) => {
    if (renderer === 'verbose') output.stderr(`${mark} ${title}`);
  };
  for (const task of tasks) {
    if (!(typeof task.enabled === 'function' ? task.enabled() : task.enabled)) continue;
    say('❯', task.title);
    try {
      await task.task();
    } catch (error) {
      say('✖', task.title);
      throw error;
    }
    say('✔', task.title);
  }
}

/** A listr2 logger writing to stderr only. */
function stderrLogger<L extends string>({ ListrLogger, ProcessOutput }: typeof import('listr2')): ListrLogger<L> {
  return new ListrLogger<L>({ processOutput: new ProcessOutput(process.stderr, process.stderr) });
}

/**
 * Runs the steps in order; on a failure or a signal, rolls back every step that began, newest first, and
 * rethrows (a signal as CancelledError). With a journal, the run can also be rolled back after kill -9.
 */
export async function runPipeline<C extends U, U>(steps: readonly PipelineStep<C, U>[], ctx: C, options: PipelineOptions<C>): Promise<void> {
  const controller = new AbortController();
  const onSignal = (name: string) => {
    if (!controller.signal.aborted) controller.abort(new CancelledError(`interrupted by ${name}`));
  };
  for (const name of SIGNALS) process.on(name, onSignal);
  const begun: PipelineStep<C, U>[] = [];
  const declared = steps.filter((step) => step.rollbackHarmlessUnrun === true).map((step) => step.id);
  const journal = options.journal && openJournal(options.name ?? 'pipeline', options.journal, ctx, options.env, declared);
  const throwIfAborted = () => {
    if (controller.signal.aborted) throw controller.signal.reason as Error;
  };
  /** The steps running alongside the others (joinBefore), by id, until they are waited for. */
  const alongside = new Map<string, Promise<void>>();
  const runStep = async (step: PipelineStep<C, U>) => {
    debug('pipeline', `${options.name ?? 'pipeline'}: ${step.id}${step.joinBefore === undefined ? '' : ` (alongside, until ${step.joinBefore})`}`);
    await step.run(ctx, controller.signal);
    debug('pipeline', `${options.name ?? 'pipeline'}: ${step.id} done`);
    const failpoint = getFailpointAction(options.env.CWT_FAILPOINT, options.name, step.id) !== undefined;
    // A failpoint holds the whole run at one point, this step the last one done: what runs alongside gets there first.
    if (failpoint) await Promise.allSettled([...alongside].filter(([id]) => id !== step.id).map(([, running]) => running));
    journal?.finished(step.id);
    // Its kill must find the journal as the run is.
    if (failpoint) journal?.flush();
    await stopAtFailpoint(step.id, options as PipelineOptions<never>, controller.signal);
  };
  const joinSteps = async (ids: readonly string[]) => {
    for (const id of ids) {
      const running = alongside.get(id);
      alongside.delete(id);
      await running;
    }
  };
  try {
    const tasks = steps.flatMap((step): PipelineTask[] => {
      // Titles name branches and paths; they are drawn as they are.
      const title = sanitizeForTerminal(step.title);
      const enabled = step.enabled ? () => step.enabled!(ctx) : true;
      // The steps running alongside that this one waits for: shown as a task of their own, so the list says
      // what the pipeline is waiting on, and no title claims done before its step is.
      const joined = steps.filter((other) => other.joinBefore === step.id).map((other) => other.id);
      const joinTask = {
        title: sanitizeForTerminal(MESSAGES.pipelineWaitFor(steps.filter((other) => joined.includes(other.id)).map((other) => other.title))),
        enabled: () => joined.some((id) => alongside.has(id)),
        task: () => joinSteps(joined),
      };
      const task = {
        title: step.joinBefore === undefined ? title : sanitizeForTerminal(MESSAGES.pipelineStarted(step.title)),
        enabled,
        task: async () => {
          throwIfAborted();
          begun.push(step);
          journal?.began(step.id, step.rollback !== undefined && step.rollbackDiesWithProcess !== true);
          if (step.joinBefore !== undefined) {
            const running = runStep(step);
            // Waited for at the join, or before the rollbacks; until then a failure must not go unhandled.
            running.catch(() => {});
            alongside.set(step.id, running);
            return;
          }
          await runStep(step);
          throwIfAborted();
        },
      };
      return joined.length > 0 ? [joinTask, task] : [task];
    });
    if (options.renderer === 'default') {
      preloadPipeline(options.renderer);
      const library = await listr!;
      const list = new library.Listr<C, 'default' | 'verbose', 'verbose'>(tasks, {
        ctx,
        renderer: options.renderer,
        fallbackRenderer: 'verbose',
        exitOnError: true,
        registerSignalListeners: false,
        // Progress goes to stderr: stdout is for results (paths, --json).
        rendererOptions: { logger: stderrLogger(library) },
        fallbackRendererOptions: { logger: stderrLogger(library) },
      });
      await list.run();
    } else {
      await runTasksPlainly(tasks, options.renderer, options.output);
    }
    // A step whose join step was disabled (or never named) is waited for here.
    await joinSteps([...alongside.keys()]);
    throwIfAborted();
    journal?.remove();
  } catch (error) {
    // No rollback may run while a step still works: let the ones running alongside finish (or fail) first.
    await Promise.allSettled(alongside.values());
    // A journal that cannot be written must not stop the rollback; an outdated one only makes a later
    // recovery repeat rollbacks, which are safe to run twice.
    tryQuietly(() => journal?.refresh());
    const outcome = await runRollbacks<U>(begun, ctx, options.output);
    tryQuietly(() => journal?.settle(outcome));
    if (controller.signal.aborted) throw new CancelledError(MESSAGES.rolledBack, { cause: error });
    throw error;
  } finally {
    for (const name of SIGNALS) process.off(name, onSignal);
  }
}
