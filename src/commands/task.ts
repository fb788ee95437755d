/**
 * `cwt task add|claim|progress|done|release|ls`: a work queue that sessions drain without doing an item twice.
 * `claim` is an atomic claim-next; a claim lapses when its owner session stops being live or its heartbeat
 * (claim, progress) is older than its TTL, and the task goes back to pending.
 */
import { loadConfig } from '../core/config/load.js';
import { formatAgo, parseTtl } from '../core/util/duration.js';
import { UsageError } from '../core/util/errors.js';
import { createLivenessProbe, getHostId } from '../core/sessions/liveness.js';
import { findActor, getProcessClues, type Actor } from '../core/sessions/sessions.js';
import { addTask, changeTask, claimTask, DEFAULT_QUEUE, parsePercent, parseRecordId, parseTaskState, toTaskView } from '../core/coordination/tasks.js';
import { parseValueArgument } from '../core/coordination/kv.js';
import { openStore } from '../core/store/open.js';
import type { Store, TaskChange } from '../core/store/store.js';
import { describeProgress, MESSAGES } from '../texts/messages.js';
import { createProcessOutput, printJson, type Output } from '../ui/output.js';
import { renderTable } from '../ui/table.js';

export type TaskAction = 'add' | 'claim' | 'progress' | 'done' | 'release' | 'ls';

export interface TaskOptions {
  action: TaskAction;
  args: string[];
  queue?: string;
  /** add: JSON (or text) attached to the task; done: the result. */
  data?: string;
  result?: string;
  owner?: string;
  ttl?: string;
  state?: string;
  phase?: string;
  percent?: string;
  message?: string;
  force?: boolean;
  json?: boolean;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  output?: Output;
}

export const TASK_ARITY: Record<TaskAction, [number, number]> = { add: [1, 1], claim: [0, 1], progress: [1, 1], done: [1, 1], release: [1, 1], ls: [0, 0] };

/** The task's owner for claim/progress/done/release: the session, else --owner; a usage error without either. */
function requireActor(actor: Actor | undefined, cwd: string): Actor {
  if (!actor) throw new UsageError(MESSAGES.noActor(cwd), { hint: MESSAGES.noActorHint });
  return actor;
}

function buildChange(options: TaskOptions): TaskChange {
  if (options.action === 'done') return { kind: 'done', result: options.result === undefined ? null : parseValueArgument(options.result) };
  if (options.action === 'release') return { kind: 'release' };
  if (options.phase === undefined && options.percent === undefined && options.message === undefined) {
    throw new UsageError(MESSAGES.taskProgressNeedsField, { hint: MESSAGES.taskProgressNeedsFieldHint });
  }
  return {
    kind: 'progress',
    ...(options.phase !== undefined ? { phase: options.phase } : {}),
    ...(options.percent !== undefined ? { percent: parsePercent(options.percent) } : {}),
    ...(options.message !== undefined ? { message: options.message } : {}),
  };
}

async function run(store: Store, options: TaskOptions, output: Output, env: NodeJS.ProcessEnv, cwd: string): Promise<number> {
  const actor = await findActor(store, getProcessClues(env, cwd), options.owner);
  switch (options.action) {
    case 'add': {
      const data = options.data === undefined ? null : parseValueArgument(options.data);
      const task = await addTask(store, actor, { queue: options.queue, title: options.args[0]!, data });
      if (options.json) printJson(output, toTaskView(task));
      else output.stdout(MESSAGES.taskAdded(task));
      return 0;
    }
    case 'claim': {
      const owner = requireActor(actor, cwd);
      const id = options.args[0] === undefined ? undefined : parseRecordId(options.args[0], 'task');
      const ttlMs = options.ttl === undefined ? undefined : parseTtl(options.ttl, '--ttl');
      const config = loadConfig({ repoRoot: owner.session?.mainWorktree, env });
      const result = await claimTask(store, owner, { queue: options.queue, id, ttlMs, probe: createLivenessProbe(config.sessionTtlMs, env) });
      for (const task of result.requeued) output.stderr(MESSAGES.taskRequeued(task));
      if (options.json) printJson(output, result.task ? toTaskView(result.task) : null);
      else output.stdout(result.task ? MESSAGES.taskClaimed(result.task) : MESSAGES.taskNone(options.queue ?? DEFAULT_QUEUE));
      // Nothing to claim is exit 1, so a worker loop ends there: while cwt task claim --json > t.json; do …; done
      return result.task ? 0 : 1;
    }
    case 'progress':
    case 'done':
    case 'release': {
      const change = buildChange(options);
      const id = parseRecordId(options.args[0]!, 'task');
      // --force is a person overriding: outside a session it acts as this process, as a lock holder would.
      const who = options.force && !actor ? { name: `${process.pid}@${getHostId(env)}`, session: undefined } : requireActor(actor, cwd);
      const task = await changeTask(store, who, id, change, options.force === true);
      if (options.json) printJson(output, toTaskView(task));
      else output.stdout(change.kind === 'done' ? MESSAGES.taskDone(task) : change.kind === 'release' ? MESSAGES.taskReleased(task) : MESSAGES.taskProgressed(task));
      return 0;
    }
    case 'ls': {
      const state = options.state === undefined ? undefined : parseTaskState(options.state);
      const tasks = await store.listTasks({ queue: options.queue, state });
      if (options.json) {
        printJson(output, tasks.map(toTaskView));
        return 0;
      }
      if (tasks.length === 0) {
        output.stdout(MESSAGES.noTasks);
        return 0;
      }
      const now = Date.now();
      output.stdout(
        renderTable(
          ['ID', 'QUEUE', 'STATE', 'OWNER', 'PROGRESS', 'AGE', 'TITLE'],
          tasks.map((task) => [
            String(task.id),
            task.queue,
            task.state,
            task.owner ?? '-',
            task.state === 'claimed' ? describeProgress(task) : '-',
            formatAgo(now - task.createdAt),
            task.title,
          ]),
        ),
      );
      return 0;
    }
  }
}

export async function runTask(options: TaskOptions): Promise<number> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const output = options.output ?? createProcessOutput();
  const store = await openStore(env);
  try {
    return await run(store, options, output, env, cwd);
  } finally {
    await store.close();
  }
}
