/**
 * The zod-free half of configuration: the defaults, the files that may override them, and the CWT_* env and
 * flag overrides. The hook path loads only this when no config file exists (zod costs ~15 ms to load).
 */
import { join } from 'node:path';
import { DEFAULT_CLAIM_TTL_MS, parseClaimMode, type ClaimMode } from '../coordination/claims.js';
import { parseTtl } from '../util/duration.js';
import type { LeaseSpec } from '../coordination/leases.js';
import { DEFAULT_RETENTION, type RetentionPolicy } from '../retention/policy.js';
import { UsageError } from '../util/errors.js';
import { resolveUserConfigPath } from '../fs/paths.js';

export const REPO_CONFIG_FILE = '.cwt.json';

/**
 * The keys a repository's own file sets only once trusted (`cwt trust`): those that run code (setup, the
 * agent; a lease becomes an environment variable of both, and PATH, LD_PRELOAD or NODE_OPTIONS run code),
 * put worktrees somewhere else than beside the repository (worktreeDir), or switch the harness guard off
 * (protectedPaths). The others only tune how loudly cwt reports collisions between the user's own
 * sessions, in the repository's own files, and apply from a fresh clone.
 */
export const TRUST_REQUIRED_KEYS = ['setup', 'agent', 'worktreeDir', 'protectedPaths', 'leases'] as const;
export type TrustRequiredKey = (typeof TRUST_REQUIRED_KEYS)[number];

/** A repository file whose keys that need trust were ignored: what `cwt new` reports and `cwt doctor` shows. */
export interface UntrustedRepoFile {
  path: string;
  sha256: string;
  keys: TrustRequiredKey[];
  /** It was trusted with other content: a change (a pull, a branch switch) revoked that trust. */
  changedSinceTrust: boolean;
}

export interface Config {
  worktreeDir: string;
  agent: string;
  sessionTtlMs: number;
  setup: string[];
  claimMode: ClaimMode;
  claimTtlMs: number;
  /** undefined: everything under the Claude home. */
  protectedPaths: string[] | undefined;
  /** Memory files merged as ordered line unions (MEMORY.md by default). */
  memoryIndexFiles: string[];
  /** Values each session leases for its agent (ports, names), by environment variable name. */
  leases: Record<string, LeaseSpec>;
  /** The commit check blocks (instead of warning) when staged files were also changed by a sibling session. */
  strictCheck: boolean;
  /** `cwt new` installs cwt's git hooks in the repository (once; `cwt install --git-hooks` does it by hand). */
  gitHooks: boolean;
  /** How long the store keeps each kind of record (cwt gc and the daily pass prune the rest; see retention/policy.ts). */
  retain: RetentionPolicy;
  /** Which files contributed, for `cwt doctor` and error messages. */
  sources: string[];
  /** Set when the repository file set keys that need trust and that content is not trusted: they were ignored. */
  untrustedRepoFile: UntrustedRepoFile | undefined;
}

export const DEFAULT_CONFIG: Readonly<Omit<Config, 'sources' | 'untrustedRepoFile'>> = {
  worktreeDir: '../{repo}.worktrees',
  agent: 'claude',
  sessionTtlMs: 2 * 60_000,
  setup: [],
  claimMode: 'deny-once',
  claimTtlMs: DEFAULT_CLAIM_TTL_MS,
  protectedPaths: undefined,
  memoryIndexFiles: ['MEMORY.md'],
  leases: {},
  strictCheck: false,
  gitHooks: true,
  retain: DEFAULT_RETENTION,
};

export interface LoadConfigOptions {
  /** The main checkout, whose `.cwt.json` is the repository file; omit outside a repository. */
  repoRoot?: string;
  env?: NodeJS.ProcessEnv;
  flags?: Partial<Pick<Config, 'agent' | 'worktreeDir'>>;
}

export function createDefaultConfig(): Config {
  return { ...DEFAULT_CONFIG, setup: [...DEFAULT_CONFIG.setup], memoryIndexFiles: [...DEFAULT_CONFIG.memoryIndexFiles], leases: {}, retain: { ...DEFAULT_RETENTION }, sources: [], untrustedRepoFile: undefined };
}

/** The repository's own config file, in its main checkout. */
export function getRepoConfigPath(repoRoot: string): string {
  return join(repoRoot, REPO_CONFIG_FILE);
}

/** The config files that apply, lowest precedence first: the user file (unless CWT_NO_USER_CONFIG=1), the repository file. */
export function getConfigFilePaths(options: LoadConfigOptions): string[] {
  const env = options.env ?? process.env;
  const paths: string[] = [];
  if (env.CWT_NO_USER_CONFIG !== '1') paths.push(resolveUserConfigPath(env));
  if (options.repoRoot !== undefined) paths.push(getRepoConfigPath(options.repoRoot));
  return paths;
}

/** An on/off environment variable: 1/true/yes/on or 0/false/no/off. */
export function parseSwitch(text: string, what: string): boolean {
  const value = text.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  throw new UsageError(`${what}='${text}' is neither on nor off`, { hint: `set ${what} to 1 or 0` });
}

/** CWT_* variables over the files, command-line flags over everything. */
export function applyConfigOverrides(config: Config, env: NodeJS.ProcessEnv, flags: LoadConfigOptions['flags'] = {}): void {
  if (env.CWT_AGENT) config.agent = env.CWT_AGENT;
  if (env.CWT_WORKTREE_DIR) config.worktreeDir = env.CWT_WORKTREE_DIR;
  if (env.CWT_SESSION_TTL) config.sessionTtlMs = parseTtl(env.CWT_SESSION_TTL, 'CWT_SESSION_TTL');
  if (env.CWT_CLAIM_MODE) config.claimMode = parseClaimMode(env.CWT_CLAIM_MODE);
  if (env.CWT_CLAIM_TTL) config.claimTtlMs = parseTtl(env.CWT_CLAIM_TTL, 'CWT_CLAIM_TTL');
  if (env.CWT_STRICT_CHECK) config.strictCheck = parseSwitch(env.CWT_STRICT_CHECK, 'CWT_STRICT_CHECK');
  if (env.CWT_GIT_HOOKS) config.gitHooks = parseSwitch(env.CWT_GIT_HOOKS, 'CWT_GIT_HOOKS');
  if (flags.agent !== undefined) config.agent = flags.agent;
  if (flags.worktreeDir !== undefined) config.worktreeDir = flags.worktreeDir;
}
