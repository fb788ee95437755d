/**
 * File claims: which session last edited a file in a checkout, and what another session's edit of it gets.
 * Pure rules over data; the store applies them inside one transaction (Store.claimPath).
 */
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { UsageError } from '../util/errors.js';
import type { ClaimRecord, ClaimState, ClaimVerdict, SessionRecord } from '../store/store.js';

/**
 * deny-once: deny the first edit, let the same session's retry through (the claim moves to it);
 * warn: allow and tell the model; deny: deny until the holder releases it or its claim expires.
 */
export const CLAIM_MODES = ['deny-once', 'warn', 'deny'] as const;
export type ClaimMode = (typeof CLAIM_MODES)[number];

export const DEFAULT_CLAIM_TTL_MS = 10 * 60_000;
/** A denied session that retries the same path within this window is let through (deny-once). */
export const DENY_ONCE_RETRY_MS = 2 * 60_000;

export function parseClaimMode(text: string): ClaimMode {
  if ((CLAIM_MODES as readonly string[]).includes(text)) return text as ClaimMode;
  throw new UsageError(`invalid claim mode '${text}'`, { hint: `use one of: ${CLAIM_MODES.join(', ')}` });
}

export interface ClaimPolicy {
  mode: ClaimMode;
  claimTtlMs: number;
  now: number;
  /** Whether a session still runs (supervisor or agent pid alive here, or a recent heartbeat). */
  isLive: (session: SessionRecord) => boolean;
}

/** True when `claim` still binds others: recent enough, and its session exists, has not ended and is live. */
export function isClaimBinding(claim: ClaimRecord, holder: SessionRecord | undefined, policy: ClaimPolicy): boolean {
  if (policy.now - claim.at >= policy.claimTtlMs) return false;
  return holder !== undefined && holder.state !== 'ended' && policy.isLive(holder);
}

/** The live claim of another session that stands in `requester`'s way, if any. */
export function getRivalClaim(state: ClaimState, requester: string, policy: ClaimPolicy): ClaimRecord | undefined {
  const { existing, holder } = state;
  if (!existing || existing.session === requester) return undefined;
  return isClaimBinding(existing, holder, policy) ? existing : undefined;
}

/** What an edit of a path gets, given who holds it. */
export function decideClaim(state: ClaimState, requester: string, policy: ClaimPolicy): ClaimVerdict {
  if (!getRivalClaim(state, requester, policy)) return { allow: true, takeover: false };
  switch (policy.mode) {
    case 'warn':
      return { allow: true, takeover: true };
    case 'deny':
      return { allow: false, recordDenial: false };
    case 'deny-once':
      if (state.deniedAt !== null && policy.now - state.deniedAt <= DENY_ONCE_RETRY_MS) return { allow: true, takeover: true };
      return { allow: false, recordDenial: true };
  }
}

/** `path` relative to `checkout` with `/` separators, or undefined when it lies outside. Lexical. */
export function getCheckoutRelativePath(path: string, checkout: string): string | undefined {
  const rel = relative(checkout, resolve(checkout, path));
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return undefined;
  return sep === '/' ? rel : rel.split(sep).join('/');
}
