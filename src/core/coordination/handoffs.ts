/**
 * Handoffs: a session leaves its work to another (what is done, the next steps, the files, the branch);
 * accepting is atomic, so exactly one session takes it. The operations `cwt handoff` and the MCP tools share.
 */
import { ConflictError, UsageError } from '../util/errors.js';
import type { Actor } from '../sessions/sessions.js';
import type { HandoffRecord, Store } from '../store/store.js';
import { MESSAGES } from '../../texts/messages.js';

export interface HandoffDraft {
  summary: string;
  nextSteps: string[];
  files?: string[];
  branch?: string;
  /** Meant for this session only. */
  to?: string;
}

/** Records a handoff from the actor's session (or from nobody in particular, outside a session). */
export async function createHandoff(store: Store, actor: Actor | undefined, draft: HandoffDraft): Promise<HandoffRecord> {
  if (draft.summary.trim() === '') throw new UsageError(MESSAGES.handoffEmpty, { hint: MESSAGES.handoffEmptyHint });
  const session = actor?.session;
  return store.createHandoff({
    repo: session?.repo ?? null,
    fromSession: session?.id ?? null,
    toSession: draft.to ?? null,
    summary: draft.summary,
    nextSteps: draft.nextSteps.filter((step) => step.trim() !== ''),
    files: draft.files ?? [],
    branch: draft.branch ?? (session?.branch || null),
    now: Date.now(),
  });
}

/** Accepts an open handoff for the actor; exactly one acceptor wins, the others get who did. */
export async function acceptHandoff(store: Store, actor: Actor, id: number): Promise<HandoffRecord> {
  const result = await store.acceptHandoff(id, { name: actor.name, session: actor.session?.id ?? null }, Date.now());
  if (result.ok) return result.handoff;
  const current = result.current;
  if (!current) throw new UsageError(MESSAGES.handoffNotFound(id), { hint: MESSAGES.handoffListHint });
  if (current.state === 'accepted' && current.acceptedBy === actor.name) return current;
  throw new ConflictError(MESSAGES.handoffTaken(current), { hint: MESSAGES.handoffListHint });
}

export function toHandoffView(handoff: HandoffRecord): Record<string, unknown> {
  return {
    id: handoff.id,
    state: handoff.state,
    from: handoff.fromSession,
    to: handoff.toSession,
    acceptedBy: handoff.acceptedBy,
    summary: handoff.summary,
    nextSteps: handoff.nextSteps,
    files: handoff.files,
    branch: handoff.branch,
    repo: handoff.repo,
    createdAt: new Date(handoff.createdAt).toISOString(),
    acceptedAt: handoff.acceptedAt === null ? null : new Date(handoff.acceptedAt).toISOString(),
  };
}
