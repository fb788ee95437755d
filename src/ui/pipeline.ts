/**
 * Pipelines as data: a list of steps over a typed context, run as a listr2 task list. Each step may carry a
 * rollback; when a step fails, or SIGINT/SIGTERM/SIGHUP arrives, the rollbacks of every step that started run
 * in reverse order, so nothing half-made stays. Rollbacks must tolerate a step that did only part of its work.
 *
 * Test failpoint: CWT_FAILPOINT=after:<step id> makes the pipeline print `cwt-failpoint: <id>` to stderr after
 * that step and wait for a signal, so tests can interrupt at every step deterministically.
 */
import { Listr, ListrLogger, ProcessOutput } from 'listr2';
import { once } from 'node:events';
import { CancelledError } from '../core/errors.js';
import { MESSAGES } from './messages.js';
import type { Output } from './output.js';
import { sanitizeForTerminal } from './sanitize.js';

export interface PipelineStep<C> {
  id: string;
  title: string;
  enabled?: (ctx: C) => boolean;
  run: (ctx: C, signal: AbortSignal) => Promise<void>;
  /** Undoes this step; registered before `run` starts, so it must cope with partial work. */
  rollback?: (ctx: C) => Promise<void>;
}

export type RendererChoice = 'default' | 'verbose' | 'silent';

export interface PipelineOptions {
  renderer: RendererChoice;
  output: Output;
  env: NodeJS.ProcessEnv;
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** The renderer STYLE asks for: silent for JSON or hooks, verbose without a TTY or in CI, else default. */
export function chooseRenderer(options: { quiet: boolean; env: NodeJS.ProcessEnv; isTTY: boolean }): RendererChoice {
  if (options.quiet) return 'silent';
  if (!options.isTTY || options.env.CI) return 'verbose';
  return 'default';
}

async function waitAtFailpoint(stepId: string, options: PipelineOptions, signal: AbortSignal): Promise<void> {
  if (options.env.CWT_FAILPOINT !== `after:${stepId}`) return;
  options.output.stderr(`cwt-failpoint: ${stepId}`);
  // Signal listeners do not keep the event loop alive; a timer does, until the signal comes.
  const keepAlive = setInterval(() => {}, 1000);
  try {
    if (!signal.aborted) await once(signal, 'abort');
  } finally {
    clearInterval(keepAlive);
  }
}

/** A listr2 logger writing to stderr only. */
function stderrLogger<L extends string>(): ListrLogger<L> {
  return new ListrLogger<L>({ processOutput: new ProcessOutput(process.stderr, process.stderr) });
}

export async function runPipeline<C>(steps: readonly PipelineStep<C>[], ctx: C, options: PipelineOptions): Promise<void> {
  const controller = new AbortController();
  const onSignal = (name: string) => {
    if (!controller.signal.aborted) controller.abort(new CancelledError(`interrupted by ${name}`));
  };
  for (const name of SIGNALS) process.on(name, onSignal);
  const rollbacks: { title: string; rollback: (ctx: C) => Promise<void> }[] = [];
  const throwIfAborted = () => {
    if (controller.signal.aborted) throw controller.signal.reason as Error;
  };
  try {
    const list = new Listr<C, 'default' | 'verbose' | 'silent', 'verbose'>(
      steps.map((step) => ({
        // Titles name branches and paths; listr2 draws them as they are.
        title: sanitizeForTerminal(step.title),
        enabled: step.enabled ? () => step.enabled!(ctx) : true,
        task: async () => {
          throwIfAborted();
          if (step.rollback) rollbacks.push({ title: step.title, rollback: step.rollback });
          await step.run(ctx, controller.signal);
          await waitAtFailpoint(step.id, options, controller.signal);
          throwIfAborted();
        },
      })),
      {
        ctx,
        renderer: options.renderer,
        fallbackRenderer: 'verbose',
        exitOnError: true,
        registerSignalListeners: false,
        // Progress goes to stderr: stdout is for results (paths, --json).
        rendererOptions: { logger: stderrLogger() },
        fallbackRendererOptions: { logger: stderrLogger() },
      },
    );
    await list.run();
    throwIfAborted();
  } catch (error) {
    for (const { title, rollback } of rollbacks.reverse()) {
      try {
        await rollback(ctx);
      } catch (rollbackError) {
        options.output.stderr(MESSAGES.rollbackFailed(title, (rollbackError as Error).message));
      }
    }
    if (controller.signal.aborted) throw new CancelledError(MESSAGES.rolledBack, { cause: error });
    throw error;
  } finally {
    for (const name of SIGNALS) process.off(name, onSignal);
  }
}
