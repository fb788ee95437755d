/**
 * The tools of `cwt mcp`: what an agent can ask of cwt from inside its session. Each has a zod input schema
 * (sent to the client as JSON Schema, and checked on every call) and returns JSON text. Failures come back as
 * tool errors whose text says what happened and the next step, so a model can act on them. A tool that
 * changes state (writeTool) runs only for the server's session; outside one only the readTool ones work.
 */
import * as z from 'zod';
import { claimPaths } from '../commands/claim.js';
import { releasePaths } from '../commands/release.js';
import { toSessionView } from '../commands/status.js';
import { getWhoReport } from '../commands/who.js';
import { loadConfig } from '../core/config/load.js';
import { parseDuration, parseTtl } from '../core/util/duration.js';
import { CwtError } from '../core/util/errors.js';
import { resolveRepo, resolveRepoIdentity } from '../core/git/git.js';
import { acceptHandoff, createHandoff, toHandoffView } from '../core/coordination/handoffs.js';
import { deleteScope, deleteValue, listScopes, retrieveValues, storeValue, toKvView } from '../core/coordination/kv.js';
import { createLivenessProbe } from '../core/sessions/liveness.js';
import { acquireLock, assertUserLockName, type LockHandle } from '../core/coordination/locks.js';
import { getRepoKey, getSessionState, type Actor } from '../core/sessions/sessions.js';
import type { SessionRecord, Store } from '../core/store/store.js';
import { addTask, changeTask, claimTask, toTaskView } from '../core/coordination/tasks.js';
import { MESSAGES } from '../texts/messages.js';
import { sanitizeForTerminal } from '../texts/sanitize.js';
import { describeEvent } from '../core/coordination/events.js';
import { matchSessionRef } from '../core/sessions/sessions.js';
import type { EventFilter, EventRecord } from '../core/store/store.js';
import { getRunningFastPathPid } from '../core/harness/fastpath.js';
import { HOOK_EVENT_NAMES, isFastPathEvent, isToolHookEvent, MCP_HOOK_TOOL } from '../core/harness/harness.js';
import { logHookError } from '../hooks/errorlog.js';
import { handleHook } from '../hooks/handlers.js';
import { isHookEvent, MAX_HOOK_INPUT_BYTES, parseHookInput } from '../hooks/input.js';

export interface ToolContext {
  store: Store;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** The session this server works for, looked up per call (a plain tab is adopted only at its first tool call). */
  findSession(): Promise<SessionRecord | undefined>;
  /** Locks this server holds (and heartbeats) for its session, by name. */
  locks: Map<string, LockHandle>;
  /** The process that started this server (the agent): what an adopted tab's command hook would record. */
  agentPid?: number;
}

export class NoSessionError extends CwtError {
  constructor(cwd: string) {
    super(MESSAGES.mcpNoSession(cwd), 2, { hint: MESSAGES.mcpNoSessionHint });
  }
}

async function requireSession(ctx: ToolContext): Promise<SessionRecord> {
  const session = await ctx.findSession();
  if (!session) throw new NoSessionError(ctx.cwd);
  return session;
}

function actorOf(session: SessionRecord): Actor {
  return { name: session.id, session };
}

function probeOf(ctx: ToolContext, session: SessionRecord | undefined) {
  const config = loadConfig({ repoRoot: session?.mainWorktree, env: ctx.env });
  return createLivenessProbe(config.sessionTtlMs, ctx.env);
}

interface ToolDefinition<S extends z.ZodObject> {
  name: string;
  description: string;
  input: S;
  /** Changes nothing: works without a session. */
  readOnly: boolean;
  run(ctx: ToolContext, args: z.output<S>): Promise<unknown>;
}

type ToolSpec<S extends z.ZodObject> = Omit<ToolDefinition<S>, 'readOnly'>;

/** A tool that changes nothing: it works outside a session too. */
function readTool<S extends z.ZodObject>(definition: ToolSpec<S>): ToolDefinition<z.ZodObject> {
  return { ...definition, readOnly: true } as unknown as ToolDefinition<z.ZodObject>;
}

/**
 * A tool that changes state: it works for the server's session, which it is given, and is refused with a
 * tool error outside one (no anonymous writes from an agent cwt cannot name).
 */
function writeTool<S extends z.ZodObject>(
  definition: Omit<ToolSpec<S>, 'run'> & { run(ctx: ToolContext, args: z.output<S>, session: SessionRecord): Promise<unknown> },
): ToolDefinition<z.ZodObject> {
  const run = async (ctx: ToolContext, args: z.output<S>) => definition.run(ctx, args, await requireSession(ctx));
  return { ...definition, readOnly: false, run } as unknown as ToolDefinition<z.ZodObject>;
}

const duration = (what: string) =>
  z
    .string()
    .regex(/^\d+(\.\d+)?(ms|s|m|h|d)?$/, 'a duration such as 30s, 10m or 1h')
    .describe(what);
const jsonValue = z.unknown();
const id = (what: string) => z.number().int().positive().describe(what);

export const TOOLS: ToolDefinition<z.ZodObject>[] = [
  readTool({
    name: 'list_sessions',
    description:
      'List the cwt sessions working on this repository (others may be editing nearby): id, branch, worktree, state (live/stale/ended), activity (working, waiting for its user, idle, or null when unknown) with activitySince and, while waiting, activityReason (permission: a permission prompt is open; input: it waits for an answer), agent, the values leased to it (ports, names), and the tasks each has claimed with their progress. `you` is your own session id (null outside a session).',
    input: z.object({ all: z.boolean().optional().describe('also list ended sessions, and those of every repository') }),
    run: async (ctx, args) => {
      const self = await ctx.findSession();
      // This repository's sessions, in every clone sharing the store (outside one: every repository's, as cwt
      // status does).
      let repoKey = args.all || !self ? undefined : getRepoKey(self);
      if (!args.all && repoKey === undefined) repoKey = await resolveRepo(ctx.cwd, ctx.env).then((info) => resolveRepoIdentity(info.commonDir), () => undefined);
      const sessions = await ctx.store.listSessions({ repoKey, includeEnded: args.all === true });
      const probe = probeOf(ctx, self);
      const claimed = await ctx.store.listTasks({ state: 'claimed' });
      const ids = new Set(sessions.map((session) => session.id));
      const leases = (await ctx.store.listLeases()).filter((lease) => ids.has(lease.session));
      return {
        you: self?.id ?? null,
        sessions: sessions.map((session) =>
          toSessionView(
            session,
            getSessionState(session, probe),
            leases.filter((lease) => lease.session === session.id),
            claimed.filter((task) => task.ownerSession === session.id),
          ),
        ),
      };
    },
  }),
  readTool({
    name: 'who_has',
    description:
      'Who is editing a file: the sessions that claimed it in this checkout and in the repository’s other worktrees (same relative path), whether each is live, and who is writing it right now. Check before editing a file others may be on.',
    input: z.object({ path: z.string().min(1).describe('the file, absolute or relative to the working directory') }),
    run: async (ctx, args) => {
      const { now: _now, ...report } = await getWhoReport(ctx.store, args.path, { cwd: ctx.cwd, env: ctx.env });
      return report;
    },
  }),
  writeTool({
    name: 'claim_files',
    description:
      'Claim files for your session before a larger edit, so other sessions’ agents are stopped before they overwrite them (edits also claim automatically). All or nothing: if another live session holds one, nothing is claimed and the error names it.',
    input: z.object({
      paths: z.array(z.string().min(1)).min(1).describe('files inside your checkout, absolute or relative to the working directory'),
      force: z.boolean().optional().describe('take files another session holds (only after agreeing with the user)'),
    }),
    run: async (ctx, args, session) => ({ session: session.id, claimed: await claimPaths(ctx.store, session, args.paths, { cwd: ctx.cwd, env: ctx.env, force: args.force }) }),
  }),
  writeTool({
    name: 'release_files',
    description: 'Release your session’s claims on files (all of them when no paths are given), so others may edit them.',
    input: z.object({ paths: z.array(z.string().min(1)).optional().describe('files to release; omit to release every claim of your session') }),
    run: async (ctx, args, session) => {
      const released = await releasePaths(ctx.store, session, args.paths ?? [], ctx.cwd);
      return { session: session.id, released: released.map((claim) => claim.absPath) };
    },
  }),
  writeTool({
    name: 'lock',
    description:
      'Take a named lock before an operation only one session may run at a time (a deploy, a database migration, a container rebuild). Held for your session until unlock or until this session ends; another holder makes it fail with who and since when. Returns a fencing token.',
    input: z.object({
      name: z.string().min(1).describe('the lock, e.g. deploy:prod or db-migrate'),
      ttl: duration('how long the lock survives without a heartbeat if this session hangs (default 10m)').optional(),
      wait: duration('how long to wait for a busy lock (default 0: fail at once; at most 60s)').optional(),
      note: z.string().optional().describe('what you are doing, shown to whoever finds it busy'),
    }),
    run: async (ctx, args, session) => {
      assertUserLockName(args.name);
      const held = ctx.locks.get(args.name);
      if (held && !held.lost) return { name: args.name, token: held.lock.token, alreadyHeld: true };
      let takenOver: string | null = null;
      const handle = await acquireLock(ctx.store, {
        name: args.name,
        session: session.id,
        ttlMs: parseTtl(args.ttl ?? '10m', 'ttl'),
        waitMs: Math.min(60_000, parseDuration(args.wait ?? '0s', 'wait')),
        note: args.note ?? 'held through the cwt MCP server',
        env: ctx.env,
        // A dead or hung holder was displaced: the model should know someone's operation may be half done.
        onTakeover: (previous) => (takenOver = MESSAGES.lockTakenOver(previous)),
      });
      ctx.locks.set(args.name, handle);
      return { name: args.name, token: handle.lock.token, takenOver };
    },
  }),
  writeTool({
    name: 'unlock',
    description: 'Release a named lock your session holds (taken with the lock tool), so the next session may take it.',
    input: z.object({ name: z.string().min(1).describe('the lock to release') }),
    run: async (ctx, args, session) => {
      const handle = ctx.locks.get(args.name);
      ctx.locks.delete(args.name);
      let released = handle ? await handle.release() : false;
      if (!released) released = await ctx.store.releaseLockOfSession(args.name, session.id);
      if (!released) {
        const current = await ctx.store.getLock(args.name);
        throw new CwtError(current ? MESSAGES.mcpLockNotYours(current) : MESSAGES.lockNotHeld(args.name), 1, { hint: MESSAGES.mcpLockNotYoursHint });
      }
      return { name: args.name, released: true };
    },
  }),
  writeTool({
    name: 'store_data',
    description:
      'Store a JSON value shared with every session, under a scope (issue:<n>, project:<name>, session:<id>) and a key. To claim something so that exactly one session wins, pass expected_version: 0 means "only if nobody set it yet", n means "only if it is still at version n" (as returned by retrieve_data); a race you lose fails and shows the winner.',
    input: z.object({
      scope: z.string().min(1).describe('e.g. issue:15'),
      key: z.string().min(1).describe('e.g. owner'),
      value: jsonValue.describe('any JSON value'),
      expected_version: z.number().int().min(0).optional().describe('compare-and-set: write only if the key is at this version (0: not set yet)'),
    }),
    run: async (ctx, args, session) => toKvView(await storeValue(ctx.store, { session: session.id }, { scope: args.scope, key: args.key, value: args.value, expectVersion: args.expected_version })),
  }),
  readTool({
    name: 'retrieve_data',
    description: 'Read a shared value (with its version, for a later compare-and-set), or every key of a scope when no key is given. Absent keys come back as an empty list.',
    input: z.object({ scope: z.string().min(1).describe('e.g. issue:15'), key: z.string().min(1).optional().describe('omit to read the whole scope') }),
    run: async (ctx, args) => ({ values: (await retrieveValues(ctx.store, args.scope, args.key)).map(toKvView) }),
  }),
  readTool({
    name: 'list_scopes',
    description: 'List the scopes that hold shared values, optionally those matching a glob (* and ?), with how many keys each holds.',
    input: z.object({ pattern: z.string().min(1).optional().describe("a glob, e.g. 'issue:*'") }),
    run: async (ctx, args) => ({
      scopes: (await listScopes(ctx.store, args.pattern)).map((summary) => ({ ...summary, updatedAt: new Date(summary.updatedAt).toISOString() })),
    }),
  }),
  writeTool({
    name: 'delete_data',
    description: 'Delete a shared key (conditionally with expected_version), or a whole scope when no key is given.',
    input: z.object({
      scope: z.string().min(1),
      key: z.string().min(1).optional().describe('omit to delete every key of the scope'),
      expected_version: z.number().int().min(0).optional().describe('delete only if the key is still at this version'),
    }),
    run: async (ctx, args, session) => {
      const actor = { session: session.id };
      if (args.key === undefined) return { scope: args.scope, deletedKeys: await deleteScope(ctx.store, actor, args.scope) };
      const deleted = await deleteValue(ctx.store, actor, args.scope, args.key, args.expected_version);
      return { scope: args.scope, key: args.key, deleted: deleted !== undefined };
    },
  }),
  writeTool({
    name: 'task_add',
    description: 'Add a work item to a queue that sessions drain with task_claim_next (each item is done by exactly one of them).',
    input: z.object({
      title: z.string().min(1).describe('what to do'),
      queue: z.string().min(1).optional().describe('the queue (default: default), e.g. issue:15'),
      data: jsonValue.optional().describe('any JSON the worker needs'),
    }),
    run: async (ctx, args, session) => toTaskView(await addTask(ctx.store, actorOf(session), { title: args.title, queue: args.queue, data: args.data })),
  }),
  writeTool({
    name: 'task_claim_next',
    description:
      'Claim the oldest pending task of a queue for your session, atomically (no other session gets it). Report progress with the progress tool and finish with task_complete; if your session ends or stays silent past the ttl, the task goes back to the queue. Returns task: null when nothing is pending.',
    input: z.object({
      queue: z.string().min(1).optional().describe('the queue (default: default)'),
      ttl: duration('how long the claim survives without progress (default 30m)').optional(),
    }),
    run: async (ctx, args, session) => {
      const actor = actorOf(session);
      const ttlMs = args.ttl === undefined ? undefined : parseTtl(args.ttl, 'ttl');
      const result = await claimTask(ctx.store, actor, { queue: args.queue, ttlMs, probe: probeOf(ctx, actor.session) });
      return { task: result.task ? toTaskView(result.task) : null, requeued: result.requeued.map((task) => task.id) };
    },
  }),
  writeTool({
    name: 'task_complete',
    description: 'Mark a task your session claimed as done, with an optional result for whoever reads the queue.',
    input: z.object({ id: id('the task id from task_claim_next'), result: jsonValue.optional().describe('any JSON: what came of it') }),
    run: async (ctx, args, session) => toTaskView(await changeTask(ctx.store, actorOf(session), args.id, { kind: 'done', result: args.result ?? null })),
  }),
  writeTool({
    name: 'progress',
    description: 'Report progress on a task your session claimed (shown in cwt status; also keeps the claim alive): a phase, a percentage, a message.',
    input: z.object({
      task_id: id('the task id'),
      phase: z.string().optional().describe('e.g. testing'),
      percent: z.number().min(0).max(100).optional(),
      message: z.string().optional().describe('e.g. 3 of 5 suites green'),
    }),
    run: async (ctx, args, session) => {
      if (args.phase === undefined && args.percent === undefined && args.message === undefined) {
        throw new CwtError(MESSAGES.taskProgressNeedsField.replace('cwt task progress', 'progress'), 2, { hint: MESSAGES.mcpProgressHint });
      }
      const change = {
        kind: 'progress' as const,
        ...(args.phase !== undefined ? { phase: args.phase } : {}),
        ...(args.percent !== undefined ? { percent: Math.round(args.percent) } : {}),
        ...(args.message !== undefined ? { message: args.message } : {}),
      };
      return toTaskView(await changeTask(ctx.store, actorOf(session), args.task_id, change));
    },
  }),
  writeTool({
    name: 'handoff_create',
    description: 'Leave your work for another session: where it stands, the next steps, the files, the branch. Another session takes it with handoff_accept.',
    input: z.object({
      summary: z.string().min(1).describe('where the work stands'),
      next_steps: z.array(z.string().min(1)).min(1).describe('what to do next, in order'),
      files: z.array(z.string()).optional().describe('the files involved'),
      branch: z.string().optional().describe('default: your session’s branch'),
      to: z.string().optional().describe('a session id, when it is meant for one session only'),
    }),
    run: async (ctx, args, session) => {
      const handoff = await createHandoff(ctx.store, actorOf(session), {
        summary: args.summary,
        nextSteps: args.next_steps,
        files: args.files,
        branch: args.branch,
        to: args.to,
      });
      return toHandoffView(handoff);
    },
  }),
  writeTool({
    name: 'handoff_accept',
    description: 'Take over a handoff for your session, atomically (of several sessions accepting at once, one gets it). Returns its summary, next steps, files and branch.',
    input: z.object({ id: id('the handoff id') }),
    run: async (ctx, args, session) => toHandoffView(await acceptHandoff(ctx.store, actorOf(session), args.id)),
  }),
];

// Events: an agent's own milestones, and what happened lately.

/** A milestone's text is shown on one line of `cwt log` and on the dashboard timeline: a sentence, not a report. */
export const MAX_MILESTONE_CHARS = 500;
/** recent_events answers at most this many events per call (its default: 50). */
export const MAX_RECENT_EVENTS = 200;
const DEFAULT_RECENT_EVENTS = 50;
/** An event kind (session.waiting, agent.milestone) or a prefix of one ending in `.` or `*`. */
const EVENT_KIND = /^[a-z][a-z0-9-]*(\.[a-z0-9-]+)*(\.|\*)?$/;

/** The milestone text as stored: control characters and terminal sequences removed, one line, trimmed, capped. Pure. */
export function toMilestoneText(text: string): string {
  const clean = sanitizeForTerminal(text).replace(/\s+/g, ' ').trim();
  const chars = [...clean];
  return chars.length > MAX_MILESTONE_CHARS ? `${chars.slice(0, MAX_MILESTONE_CHARS - 1).join('')}…` : clean;
}

/** The event filter for a kind argument: `claim.deny` exactly, `claim.` or `claim*` as a prefix. Pure. */
export function toKindFilter(kind: string | undefined): Pick<EventFilter, 'kinds' | 'kindPrefix'> {
  if (kind === undefined) return {};
  if (kind.endsWith('*')) return { kindPrefix: kind.slice(0, -1) };
  if (kind.endsWith('.')) return { kindPrefix: kind };
  return { kinds: [kind] };
}

/** A since argument as a time: a duration back from `now`, or an ISO date and time; undefined when it is neither. Pure. */
export function parseSince(since: string, now: number): number | undefined {
  if (/^\d+(\.\d+)?(ms|s|m|h|d)?$/.test(since)) {
    try {
      return now - parseDuration(since, 'since');
    } catch {
      return undefined;
    }
  }
  if (!/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(since)) return undefined;
  const at = Date.parse(since);
  return Number.isNaN(at) ? undefined : at;
}

function toEventView(event: EventRecord, branches: Map<string, string>) {
  return {
    id: event.id,
    at: new Date(event.at).toISOString(),
    kind: event.kind,
    session: event.session,
    branch: event.session === null ? null : branches.get(event.session) ?? null,
    text: describeEvent(event),
    data: event.data,
  };
}

TOOLS.push(
  writeTool({
    name: 'log_event',
    description:
      'Record a milestone of your own in the event log (kind agent.milestone), for the user and other sessions: "tests green on the users table", "migration 12 written, not yet run". Shown by cwt log and on the dashboard timeline. One short sentence; control characters are removed and it is cut at 500 characters.',
    input: z.object({ text: z.string().min(1).max(10_000).describe('what was reached, in one sentence') }),
    run: async (ctx, args, session) => {
      const text = toMilestoneText(args.text);
      if (text === '') throw new CwtError(MESSAGES.mcpMilestoneEmpty, 2, { hint: MESSAGES.mcpMilestoneEmptyHint });
      await ctx.store.appendEvent({ kind: 'agent.milestone', session: session.id, repo: session.repo, data: { text } });
      return { logged: true, kind: 'agent.milestone', session: session.id, text };
    },
  }),
  readTool({
    name: 'recent_events',
    description:
      'What happened lately, newest last: sessions starting, waiting and ending, denied edits, claims, locks and takeovers, commits, merges, tasks, handoffs and agents\' milestones (agent.milestone). Filter by kind (exact, e.g. claim.deny, or a prefix ending in "." or "*", e.g. lock.), by session (id or branch), and by since (10m, 2h, or an ISO time); at most 200 events (default 50).',
    input: z.object({
      kind: z.string().max(100).regex(EVENT_KIND, 'an event kind such as claim.deny, or a prefix such as claim. or claim*').optional().describe('an event kind, or a prefix ending in . or *'),
      session: z.string().min(1).max(200).optional().describe('a session id, id prefix or branch (list_sessions shows them)'),
      since: z.string().min(1).max(64).optional().describe('only events since then: a duration back from now (10m, 2h, 1d) or an ISO date and time'),
      limit: z.number().int().min(1).max(MAX_RECENT_EVENTS).optional().describe(`how many of the newest events (default ${DEFAULT_RECENT_EVENTS}, at most ${MAX_RECENT_EVENTS})`),
    }),
    run: async (ctx, args) => {
      const filter: EventFilter = { ...toKindFilter(args.kind), limit: args.limit ?? DEFAULT_RECENT_EVENTS, newest: true };
      if (args.since !== undefined) {
        const at = parseSince(args.since, Date.now());
        if (at === undefined) throw new CwtError(MESSAGES.mcpBadSince(args.since), 2, { hint: MESSAGES.mcpBadSinceHint });
        filter.sinceAt = at;
      }
      const sessions = await ctx.store.listSessions({ includeEnded: true });
      if (args.session !== undefined) {
        const found = matchSessionRef(sessions, args.session);
        if (!found) throw new CwtError(MESSAGES.mcpUnknownEventSession(args.session), 2, { hint: MESSAGES.mcpUnknownEventSessionHint });
        filter.session = found.id;
      }
      const branches = new Map(sessions.map((session) => [session.id, session.branch]));
      return { events: (await ctx.store.listEvents(filter)).map((event) => toEventView(event, branches)) };
    },
  }),
);

/** zod's complaint about arguments, in one line per problem: `paths: expected array, received string`. */
export function describeInvalidArguments(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(arguments)'}: ${issue.message}`).join('; ');
}

/** One tool as tools/list answers it. */
export interface ToolDescriptor {
  name: string;
  description: string;
  inputSchema: { type: 'object'; [key: string]: unknown };
  annotations: { readOnlyHint: boolean };
}

/**
 * The tools as tools/list answers them. The build writes this to dist/mcp-tools.json (scripts/build.mjs), so
 * that `cwt mcp` answers tools/list without loading zod and the commands.
 */
export function describeTools(): ToolDescriptor[] {
  return TOOLS.map((tool) => ({ name: tool.name, description: tool.description, inputSchema: toInputSchema(tool.input), annotations: { readOnlyHint: tool.readOnly } }));
}

/** A tool's input schema as JSON Schema, as MCP lists it. */
export function toInputSchema(schema: z.ZodObject): { type: 'object'; [key: string]: unknown } {
  const { $schema: _schema, ...json } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...json, type: 'object' };
}

// The fast path's second decider (issue 17): Claude Code's mcp_tool hooks (core/harness/harness.ts,
// getMcpDeciderHandler) call this tool of the session's own `cwt mcp` in parallel with the per-user service's
// http handler. Both run the same handlers, and the first to record a tool call decides it (Store.claimHookCall);
// the other answers {}. A model sees the tool too (MCP has no hidden tools): it answers {} unless the arguments
// are a well-formed hook input of a conversation linked to this server's own session, so at most a model can
// make cwt do for its own session what its own Read or Write would (claim a path it names, record a read of a
// file as it is now).

/** A `${…}` left as it was: the hook input had no such field (Claude Code leaves nothing or the template). */
const UNFILLED_TEMPLATE = /^\$\{[a-z_.]+\}$/;
const hookString = z.string().max(MAX_HOOK_INPUT_BYTES).optional();

async function decideHookCall(ctx: ToolContext, args: Record<string, string | undefined>): Promise<unknown> {
  const event = args.event;
  if (!isHookEvent(event) || !isFastPathEvent(event)) return {};
  const given: Record<string, string> = {};
  for (const [field, value] of Object.entries(args)) {
    if (field !== 'event' && typeof value === 'string' && value !== '' && !UNFILLED_TEMPLATE.test(value)) given[field] = value;
  }
  const { file_path, notebook_path, command, ...rest } = given;
  const toolInput = Object.fromEntries(Object.entries({ file_path, notebook_path, command }).filter(([, value]) => value !== undefined));
  const input = parseHookInput(JSON.stringify({ ...rest, hook_event_name: HOOK_EVENT_NAMES[event], tool_input: toolInput }));
  if (input?.session_id === undefined || input.cwd === undefined) return {};
  const toolEvent = isToolHookEvent(event);
  // A tool call's input names what it touches: a path, or a shell command.
  if (toolEvent && (input.tool_use_id === undefined || input.tool_name === undefined || Object.keys(toolInput).length === 0)) return {};
  // Only this server's own session, by a conversation already linked to it (the SessionStart command hook links
  // or adopts it before the first tool call): never another session's, never one made up here (no adoption, no
  // session found by a cwd the caller names).
  const own = await ctx.findSession();
  if (own === undefined || (await ctx.store.getSessionOfClaude(input.session_id)) !== own.id) return {};
  // A turn's events carry no call id to record: they are answered here only while the service is not running.
  if (!toolEvent && getRunningFastPathPid(ctx.env) !== undefined) return {};
  try {
    return (await handleHook(event, input, { store: ctx.store, env: ctx.env, decider: 'mcp', dedupe: true, sessionId: own.id, callerPid: ctx.agentPid })) ?? {};
  } catch (error) {
    // Fail open, as the command hook and the service do.
    logHookError(ctx.env, event, error);
    return {};
  }
}

TOOLS.push({
  name: MCP_HOOK_TOOL,
  description: MESSAGES.mcpHookToolDescription,
  input: z.object({
    event: z.string().max(64),
    session_id: hookString,
    tool_use_id: hookString,
    tool_name: hookString,
    cwd: hookString,
    file_path: hookString,
    notebook_path: hookString,
    command: hookString,
    prompt: hookString,
    transcript_path: hookString,
    notification_type: hookString,
  }),
  readOnly: false,
  run: (ctx, args) => decideHookCall(ctx, args as Record<string, string | undefined>),
} as ToolDefinition<z.ZodObject>);
