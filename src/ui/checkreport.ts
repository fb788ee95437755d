/**
 * The commit check's report as text: what blocked or warned, each item with who and when, and what to do.
 * Loaded by the git hook too, so node:* and the messages module only.
 */
import type { CommitCheckReport } from '../core/git/commitcheck.js';
import { formatAgo } from '../core/util/duration.js';
import { MESSAGES } from '../texts/messages.js';

/** The report's lines; empty when there is nothing to say (the usual commit). */
export function formatCheckReport(report: CommitCheckReport, now = Date.now()): string[] {
  const lines: string[] = [];
  if (report.foreign.length > 0) {
    lines.push(MESSAGES.checkForeignHeader(report.branch, report.foreign.length, report.knownTip ?? ''));
    for (const commit of report.foreign) {
      const who = commit.madeBy ? MESSAGES.hookWho(commit.madeBy) : MESSAGES.checkForeignNobody;
      lines.push(MESSAGES.checkForeignLine(commit.sha, commit.author, commit.email, commit.at, commit.subject, who));
    }
    lines.push(MESSAGES.checkForeignHint(report.knownTip ?? ''));
  }
  if (report.claimed.length > 0) {
    lines.push(MESSAGES.checkClaimedHeader);
    for (const item of report.claimed) lines.push(MESSAGES.checkClaimedLine(item.path, MESSAGES.hookWho(item.holder), formatAgo(now - item.claim.at)));
    lines.push(MESSAGES.checkClaimedHint);
  }
  if (report.overlaps.length > 0) {
    lines.push(MESSAGES.checkOverlapHeader(report.strict));
    for (const overlap of report.overlaps) {
      lines.push(MESSAGES.checkOverlapSibling(overlap.sessions.map((session) => MESSAGES.hookWho(session)).join('; ')));
      for (const entry of overlap.paths) lines.push(MESSAGES.checkOverlapPath(entry.path, entry.how));
      if (overlap.predictionError !== undefined) lines.push(MESSAGES.checkPredictionFailed(overlap.predictionError));
      else if (overlap.conflicts.length === 0) lines.push(MESSAGES.checkNoConflict);
      for (const conflict of overlap.conflicts) {
        if (conflict.hunks.length === 0) {
          lines.push(MESSAGES.checkConflictNoHunk(conflict.path));
          continue;
        }
        lines.push(MESSAGES.checkConflict(conflict.path));
        for (const hunk of conflict.hunks) lines.push(...hunk.map(MESSAGES.checkHunkLine));
      }
    }
    lines.push(MESSAGES.checkOverlapHint(report.strict));
  }
  return lines;
}

/** The report as JSON for scripts: plain data, sessions by id and branch. */
export function toCheckJson(report: CommitCheckReport): Record<string, unknown> {
  const who = (session: { id: string; branch: string; worktree: string; kind: string }) => ({ id: session.id, branch: session.branch, worktree: session.worktree, kind: session.kind });
  return {
    blocked: report.blocked,
    strict: report.strict,
    session: report.session ? who(report.session) : null,
    branch: report.branch,
    knownTip: report.knownTip ?? null,
    paths: report.paths,
    foreign: report.foreign.map(({ madeBy, ...commit }) => ({ ...commit, at: new Date(commit.at).toISOString(), madeBy: madeBy ? who(madeBy) : null })),
    claimed: report.claimed.map((item) => ({ path: item.path, holder: who(item.holder), at: new Date(item.claim.at).toISOString() })),
    overlaps: report.overlaps.map((overlap) => ({
      sessions: overlap.sessions.map(who),
      worktree: overlap.worktree,
      branch: overlap.branch,
      paths: overlap.paths,
      conflicts: overlap.conflicts,
      ...(overlap.predictionError !== undefined ? { predictionError: overlap.predictionError } : {}),
    })),
  };
}
