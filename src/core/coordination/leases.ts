/**
 * Resource leases: values parallel sessions must not share outside git — a dev server's port, a docker compose
 * project name, a test database name. The config declares them (`leases`); `cwt new` takes one value per
 * variable that no live session holds, exports it to the agent, and writes it into the session notes and a
 * git-excluded env file in the worktree. `cwt end` and `cwt gc` release them.
 *
 * The choice is made inside the store's transaction by a pure decider (decideLease); a port is then also
 * checked bindable on 127.0.0.1, and given back and skipped when another process listens there.
 */
import { readFileSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ConflictError } from '../util/errors.js';
import { toBranchSlug } from '../util/slug.js';
import type { LeaseHolding, LeaseKind, LeaseRecord, SessionRecord, Store } from '../store/store.js';
import { MESSAGES } from '../../texts/messages.js';

export type LeaseSpec = { kind: 'port'; range: readonly [number, number] } | { kind: 'name'; pattern: string };

/** Lease variables are environment variable names. */
export const LEASE_NAME_PATTERN = /^[A-Z_][A-Z0-9_]*$/;
/** Placeholders a name pattern may use; `_` variants turn `-` and `.` into `_` (database identifiers). */
export const LEASE_PLACEHOLDERS = ['repo', 'slug', 'id', 'repo_', 'slug_'] as const;
/** The env file `cwt new` writes into the worktree (excluded from git), for tools that read dotenv files. */
export const LEASE_ENV_FILE = '.cwt.env';
/** How many suffixed variants of a name pattern are tried before giving up. */
const MAX_NAME_VARIANTS = 100;

/**
 * The unique-within key of a lease: every port of one host shares one (ports are machine-wide, and a store
 * shared by several machines must not keep two machines from using the same port number), a name its
 * variable (compose projects or database names may be shared services).
 */
export function getLeaseResource(name: string, kind: LeaseKind, host: string): string {
  return kind === 'port' ? `port@${host}` : name;
}

/** Placeholders in a pattern that are not known, for config validation. Pure. */
export function findUnknownPlaceholders(pattern: string): string[] {
  return [...pattern.matchAll(/\{([^}]*)\}/g)].map((match) => match[1]!).filter((key) => !(LEASE_PLACEHOLDERS as readonly string[]).includes(key));
}

/**
 * A name pattern filled for a session: lower case, only `[a-z0-9._-]` (what docker compose, databases and
 * dotenv files all accept unquoted). Pure.
 */
export function renderLeasePattern(pattern: string, values: { repo: string; branch: string; id: string }): string {
  const repo = toBranchSlug(values.repo);
  const slug = toBranchSlug(values.branch);
  const underscore = (text: string) => text.replace(/[-.]/g, '_');
  const filled: Record<string, string> = { repo, slug, id: values.id, repo_: underscore(repo), slug_: underscore(slug) };
  return pattern
    .replace(/\{([^}]*)\}/g, (whole, key: string) => filled[key] ?? whole)
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-');
}

/** The values a lease may take, in order of preference. Pure. */
export function* getLeaseCandidates(spec: LeaseSpec, rendered: string | undefined): Generator<string> {
  if (spec.kind === 'port') {
    for (let port = spec.range[0]; port <= spec.range[1]; port++) yield String(port);
    return;
  }
  const base = rendered!;
  yield base;
  // Two sessions whose patterns render alike (same branch in two clones): a numbered variant.
  const separator = base.includes('_') && !base.includes('-') ? '_' : '-';
  for (let n = 2; n <= MAX_NAME_VARIANTS; n++) yield `${base}${separator}${n}`;
}

export interface LeaseDecision {
  session: string;
  /** Whether a holding session still runs; a dead, ended or vanished holder's value may be reclaimed. */
  isLive: (holder: SessionRecord) => boolean;
  /** Values already found unusable (a port another process listens on). */
  exclude: ReadonlySet<string>;
}

/** The first candidate that is free, the session's own, or held by a session that is no longer live. Pure. */
export function decideLease(
  candidates: Iterable<string>,
  holdings: readonly LeaseHolding[],
  decision: LeaseDecision,
): { value: string; reclaim?: LeaseRecord } | undefined {
  const byValue = new Map(holdings.map((holding) => [holding.lease.value, holding]));
  for (const value of candidates) {
    if (decision.exclude.has(value)) continue;
    const holding = byValue.get(value);
    if (!holding || holding.lease.session === decision.session) return { value };
    const { holder } = holding;
    if (!holder || holder.state === 'ended' || !decision.isLive(holder)) return { value, reclaim: holding.lease };
  }
  return undefined;
}

/** True when a TCP listener can be opened on host:port right now (nothing else listens there). */
export async function isPortBindable(port: number, host = '127.0.0.1'): Promise<boolean> {
  // Loaded here: the config module (and with it this one) also loads on the hook path.
  const { createServer } = await import('node:net');
  return new Promise((resolvePromise) => {
    const server = createServer();
    server.once('error', () => resolvePromise(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolvePromise(true)));
  });
}

export interface AcquireLeasesOptions {
  specs: Readonly<Record<string, LeaseSpec>>;
  isLive: (holder: SessionRecord) => boolean;
  /** Told about each port skipped because another process listens on it. */
  onSkip?: (name: string, value: string) => void;
  isPortFree?: (port: number) => Promise<boolean>;
  now?: () => number;
}

/**
 * Takes every configured lease for a session; one it already holds is kept as it is. Each value is chosen
 * atomically by the store; a port is then probed and, when busy, given back and the next one tried.
 * Throws ConflictError when a lease's values are all taken (what it took so far stays: the caller releases).
 */
export async function acquireSessionLeases(store: Store, session: SessionRecord, options: AcquireLeasesOptions): Promise<LeaseRecord[]> {
  const isPortFree = options.isPortFree ?? isPortBindable;
  const now = options.now ?? Date.now;
  const held = new Map((await store.listLeases({ session: session.id })).map((lease) => [lease.name, lease]));
  const leases: LeaseRecord[] = [];
  for (const [name, spec] of Object.entries(options.specs)) {
    const kept = held.get(name);
    if (kept && kept.kind === spec.kind) {
      leases.push(kept);
      continue;
    }
    const rendered = spec.kind === 'name' ? renderLeasePattern(spec.pattern, { repo: basename(session.mainWorktree), branch: session.branch, id: session.id }) : undefined;
    const exclude = new Set<string>();
    for (;;) {
      const outcome = await store.acquireLease(
        { resource: getLeaseResource(name, spec.kind, session.host), name, kind: spec.kind, session: session.id, repo: session.repo, now: now() },
        (holdings) => decideLease(getLeaseCandidates(spec, rendered), holdings, { session: session.id, isLive: options.isLive, exclude }),
      );
      if (!outcome.acquired) {
        throw new ConflictError(MESSAGES.leasesExhausted(name, describeLeaseSpec(spec), exclude.size), { hint: MESSAGES.leasesExhaustedHint });
      }
      const { lease } = outcome;
      if (spec.kind === 'port' && !(await isPortFree(Number(lease.value)))) {
        exclude.add(lease.value);
        await store.releaseLease(lease.resource, lease.value, session.id, 'in use by another process');
        options.onSkip?.(name, lease.value);
        continue;
      }
      leases.push(lease);
      break;
    }
  }
  return leases;
}

export function describeLeaseSpec(spec: LeaseSpec): string {
  return spec.kind === 'port' ? `ports ${spec.range[0]}-${spec.range[1]}` : `names like '${spec.pattern}'`;
}

/** The leases as environment variables for the agent and setup commands. Pure. */
export function toLeaseEnv(leases: readonly LeaseRecord[]): Record<string, string> {
  return Object.fromEntries(leases.map((lease) => [lease.name, lease.value]));
}

/** The worktree's env file: dotenv syntax, one `NAME=value` per lease (values need no quoting). Pure. */
export function renderLeaseEnvFile(leases: readonly LeaseRecord[], sessionId: string): string {
  const lines = leases.map((lease) => `${lease.name}=${lease.value}`);
  return `# cwt session ${sessionId}: values leased for this session only (not committed; released at cwt end)\n${lines.join('\n')}\n`;
}

/** Removes the worktree's env file if it is still the one written for this session (its values are released). */
export function removeLeaseEnvFile(worktree: string, sessionId: string): boolean {
  const path = join(worktree, LEASE_ENV_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return false;
  }
  if (!text.startsWith(`# cwt session ${sessionId}:`)) return false;
  rmSync(path, { force: true });
  return true;
}

/** The section of the session notes listing the leases; empty when there are none. Pure. */
export function renderLeaseNotes(leases: readonly LeaseRecord[]): string {
  if (leases.length === 0) return '';
  return `${[
    '## Resources leased to this session',
    `Use these values, not the usual defaults: sessions beside you hold others. They are in your environment and`,
    `in \`${LEASE_ENV_FILE}\` in this worktree (e.g. \`docker compose --env-file ${LEASE_ENV_FILE} up\`).`,
    ...leases.map((lease) => `- ${lease.name}=${lease.value}`),
  ].join('\n')}\n\n`;
}
