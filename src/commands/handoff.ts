/**
 * `cwt handoff create|accept|ls`: leave work for another session (summary, next steps, files, branch) and
 * take it over. Accepting is atomic: of two sessions accepting at once, one gets it, the other is told who.
 */
import { formatAgo } from '../core/util/duration.js';
import { acceptHandoff, createHandoff, toHandoffView } from '../core/coordination/handoffs.js';
import { resolveRepo } from '../core/git/git.js';
import { UsageError } from '../core/util/errors.js';
import { findActor, getProcessClues } from '../core/sessions/sessions.js';
import { parseRecordId } from '../core/coordination/tasks.js';
import { openStore } from '../core/store/open.js';
import type { HandoffState } from '../core/store/store.js';
import { MESSAGES } from '../texts/messages.js';
import { createProcessOutput, printJson, type Output } from '../ui/output.js';
import { renderTable } from '../ui/table.js';

export type HandoffAction = 'create' | 'accept' | 'ls';

export interface HandoffOptions {
  action: HandoffAction;
  args: string[];
  next?: string[];
  file?: string[];
  branch?: string;
  to?: string;
  owner?: string;
  all?: boolean;
  json?: boolean;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  output?: Output;
}

export const HANDOFF_ARITY: Record<HandoffAction, [number, number]> = { create: [1, 1], accept: [1, 1], ls: [0, 0] };

export async function runHandoff(options: HandoffOptions): Promise<number> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const output = options.output ?? createProcessOutput();
  const id = options.action === 'accept' ? parseRecordId(options.args[0]!, 'handoff') : undefined;
  const store = await openStore(env);
  try {
    const actor = await findActor(store, getProcessClues(env, cwd), options.owner);
    if (options.action === 'create') {
      const handoff = await createHandoff(store, actor, {
        summary: options.args[0]!,
        nextSteps: options.next ?? [],
        files: options.file ?? [],
        branch: options.branch,
        to: options.to,
      });
      if (options.json) printJson(output, toHandoffView(handoff));
      else output.stdout(MESSAGES.handoffCreated(handoff));
      return 0;
    }
    if (options.action === 'accept') {
      if (!actor) throw new UsageError(MESSAGES.noActor(cwd), { hint: MESSAGES.noActorHint });
      const handoff = await acceptHandoff(store, actor, id!);
      if (options.json) printJson(output, toHandoffView(handoff));
      else output.stdout(MESSAGES.handoffAccepted(handoff));
      return 0;
    }
    // Inside a repository: its handoffs (and those made outside any session); --all: every one, accepted too.
    const repo = options.all ? undefined : await resolveRepo(cwd, env).catch(() => undefined);
    const state: HandoffState | undefined = options.all ? undefined : 'open';
    const handoffs = (await store.listHandoffs({ state })).filter((h) => repo === undefined || h.repo === null || h.repo === repo.commonDir);
    if (options.json) printJson(output, handoffs.map(toHandoffView));
    else if (handoffs.length === 0) output.stdout(MESSAGES.noHandoffs);
    else {
      const now = Date.now();
      output.stdout(
        renderTable(
          ['ID', 'STATE', 'FROM', 'TO', 'BRANCH', 'AGE', 'SUMMARY'],
          handoffs.map((h) => [String(h.id), h.state === 'accepted' ? `accepted by ${h.acceptedBy}` : h.state, h.fromSession ?? '-', h.toSession ?? 'anyone', h.branch ?? '-', formatAgo(now - h.createdAt), h.summary]),
        ),
      );
    }
    return 0;
  } finally {
    await store.close();
  }
}
