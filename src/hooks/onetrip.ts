/**
 * A tool call's store work in one round trip, where the store offers it (PostgreSQL: Store.decideToolCall, the
 * cwt_tool_call function). The call is planned (config, protected paths, the claim) from the session row this
 * process last got for the same clues; the store checks in the same transaction that the row is still the
 * session's, and otherwise answers with the current one, writing nothing, so the call is planned again. The
 * handler then runs as always, on a view of the store that answers from what came back: the claim's outcome and
 * the reads of the merge-conflict warning. Whatever the plan cannot cover (a protected harness file, a tab to
 * adopt, a holder whose liveness needs a pid probe more than a few times) goes the statement-by-statement way.
 * Hot path: node:* and small core modules only.
 */
import { resolve } from 'node:path';
import { getHostId, isPidAlive } from '../core/sessions/liveness.js';
import type { ClaimFilter, ClaimOutcome, ClaimRequest, SessionFilter, SessionRecord, Store, ToolCallClaim, ToolCallReads, ToolCallRequest } from '../core/store/store.js';
import type { HookEvent, HookInput } from './input.js';

/** stale answers and pid probes: a few, then the statement-by-statement path (a row changing under every call). */
const MAX_ATTEMPTS = 4;
/** Session rows remembered per store, by clues; a long-lived server serves a few dozen sessions. */
const MAX_REMEMBERED = 512;
const remembered = new WeakMap<Store, Map<string, SessionRecord>>();

/** What a call needs of the store, given the session it is planned for: a claim, a heartbeat only (null), or undefined: more than one trip covers. */
export type OneTripPlanner = (session: SessionRecord) => Promise<ToolCallClaim | null | undefined>;

export interface OneTripOptions {
  store: Store;
  env: NodeJS.ProcessEnv;
  event: HookEvent;
  input: HookInput;
  now: number;
  /** The session the supervisor serves. */
  sessionId?: string;
  /** The call's dedupe key and decider, when another decider may get it. */
  hookCall: { key: string; by: string } | null;
  plan: OneTripPlanner;
}

export type OneTripResult =
  | { taken: true }
  /** Decided: the session as read before its heartbeat, and the store view to run the handler on. */
  | { taken: false; session: SessionRecord; store: Store };

function getMemory(store: Store): Map<string, SessionRecord> {
  let memory = remembered.get(store);
  if (!memory) remembered.set(store, (memory = new Map()));
  return memory;
}

/**
 * Decides the call's store work in one round trip (two when this process has not seen its session yet, or the
 * session row changed since); undefined when it must go statement by statement, nothing having been written.
 */
export async function decideInOneTrip(options: OneTripOptions): Promise<OneTripResult | undefined> {
  const { store, env, input, now } = options;
  if (store.decideToolCall === undefined) return undefined;
  const clues =
    options.sessionId !== undefined
      ? { sessionId: options.sessionId }
      : { cwtSession: env.CWT_SESSION || undefined, claudeId: input.session_id, cwd: input.cwd === undefined ? undefined : resolve(input.cwd) };
  const memory = getMemory(store);
  const memoryKey = JSON.stringify(clues);
  let expect = memory.get(memoryKey) ?? null;
  const pids: Record<string, boolean> = {};
  const host = getHostId(env);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const claim = expect === null ? null : await options.plan(expect);
    if (claim === undefined) return undefined;
    const request: ToolCallRequest = { now, host, hookCall: options.hookCall, ...clues, expect, claim, pids };
    const answer = await store.decideToolCall(request);
    switch (answer.outcome) {
      case 'unknown':
        memory.delete(memoryKey);
        return undefined;
      case 'unavailable':
        return undefined;
      case 'stale':
        if (memory.size >= MAX_REMEMBERED) memory.clear();
        memory.set(memoryKey, answer.session);
        expect = answer.session;
        break;
      case 'probe':
        pids[String(answer.pid)] = isPidAlive(answer.pid);
        break;
      case 'taken':
        return { taken: true };
      case 'decided':
        return { taken: false, session: answer.session, store: createAnsweringView(store, answer.session, claim, answer.claim, answer.reads, now) };
    }
  }
  return undefined;
}

/**
 * The store as the handler sees it after a decided call: the claim it planned is answered with the outcome the
 * trip recorded, the warning's reads from what the trip read; anything else goes to the store itself.
 */
function createAnsweringView(store: Store, session: SessionRecord, claim: ToolCallClaim | null, outcome: ClaimOutcome | undefined, reads: ToolCallReads | undefined, now: number): Store {
  const holders = new Map([...(reads?.sessions ?? []), ...(reads?.holders ?? [])].map((holder) => [holder.id, holder]));
  const claimants = new Set(reads?.claims.map((entry) => entry.session));
  let answered = false;
  const isPlanned = (request: ClaimRequest) =>
    claim !== null &&
    request.checkout === session.worktree &&
    request.relPath === claim.relPath &&
    request.absPath === claim.absPath &&
    request.repo === claim.repo &&
    request.session === session.id &&
    request.claudeId === claim.claudeId &&
    request.now === now;
  const overrides: Partial<Store> = {
    claimPath: (request, decide) => {
      if (outcome && !answered && isPlanned(request)) {
        answered = true;
        return Promise.resolve(outcome);
      }
      return store.claimPath(request, decide);
    },
    listSessions: (filter: SessionFilter = {}) =>
      reads && filter.repo === session.repo && filter.repoKey === undefined && !filter.includeEnded ? Promise.resolve(reads.sessions) : store.listSessions(filter),
    listClaims: (filter: ClaimFilter = {}) =>
      reads && claim && filter.repo === claim.repo && filter.relPath === claim.relPath && filter.checkout === undefined && filter.session === undefined
        ? Promise.resolve(reads.claims)
        : store.listClaims(filter),
    // A claim's session that the trip found no row for is gone: no need to ask again.
    getSession: (id: string) => (holders.has(id) || claimants.has(id) ? Promise.resolve(holders.get(id)) : store.getSession(id)),
  };
  return new Proxy(store, {
    get(target, property) {
      if (Object.hasOwn(overrides, property)) return overrides[property as keyof Store];
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
