/**
 * Configuration, resolved once with this precedence: defaults < user file < repository file < CWT_* env <
 * command-line flags. Validated with zod; an invalid file is a usage error naming the file and the key.
 * CWT_NO_USER_CONFIG=1 skips the user file (tests never read a developer's own config). The zod-free part
 * (defaults, overrides, which files) is in config/config.ts, so the hook path can skip this module when no
 * config file exists.
 */
import * as z from 'zod/mini';
import { readTextIfExists } from '../fs/paths.js';
import { CLAIM_MODES } from '../coordination/claims.js';
import {
  applyConfigOverrides,
  createDefaultConfig,
  getConfigFilePaths,
  getRepoConfigPath,
  TRUST_REQUIRED_KEYS,
  type Config,
  type LoadConfigOptions,
  type TrustRequiredKey,
  type UntrustedRepoFile,
} from './config.js';
import { formatAge, MAX_TTL_MS, parseDuration } from '../util/duration.js';
import { UsageError } from '../util/errors.js';
import { findUnknownPlaceholders, LEASE_NAME_PATTERN, LEASE_PLACEHOLDERS, type LeaseSpec } from '../coordination/leases.js';
import { parseRetentionPeriod, RETAIN_FOREVER, RETENTION_KEYS, type RetentionKey } from '../retention/policy.js';
import { sha256 } from '../coordination/sharedfile.js';
import { getTrustState, type TrustState } from './trust.js';
import { MESSAGES } from '../../texts/messages.js';

/** A zod refinement from a parser: the text is valid when `parse` takes it without throwing. */
function createParseCheck(parse: (text: string) => unknown): (text: string) => boolean {
  return (text) => {
    try {
      parse(text);
      return true;
    } catch {
      return false;
    }
  };
}

/** A TTL: a duration (see parseDuration) no longer than MAX_TTL_MS. */
const ttlText = z.string().check(z.refine(createParseCheck((text) => {
  if (parseDuration(text) > MAX_TTL_MS) throw new RangeError(text);
}), MESSAGES.configTtlExpected(formatAge(MAX_TTL_MS))));
const retentionText = z.string().check(z.refine(createParseCheck(parseRetentionPeriod), `a duration such as 30d or 12h, or "${RETAIN_FOREVER}"`));

const portNumber = z.int().check(z.gte(1), z.lte(65535));
const LeaseSpecSchema = z.union([
  z.strictObject({
    kind: z.optional(z.literal('port')),
    range: z.tuple([portNumber, portNumber]).check(z.refine(([low, high]) => low <= high, 'a range [low, high] with low <= high')),
  }),
  z.strictObject({
    kind: z.optional(z.literal('name')),
    pattern: z
      .string()
      .check(
        z.minLength(1),
        z.refine((pattern) => findUnknownPlaceholders(pattern).length === 0, `a pattern using only ${LEASE_PLACEHOLDERS.map((p) => `{${p}}`).join(' ')}`),
      ),
  }),
]);

const ConfigFileSchema = z.strictObject({
  /** Where new worktrees go, relative to the main checkout; `{repo}` is its directory name. */
  worktreeDir: z.optional(z.string().check(z.minLength(1))),
  /** The agent command launched by `cwt new` and `cwt attach`. */
  agent: z.optional(z.string().check(z.minLength(1))),
  /** A session without a live supervisor is stale once its heartbeat is older than this. */
  sessionTtl: z.optional(ttlText),
  /** Shell commands run in each new worktree after it is created (the user's own, from their config). */
  setup: z.optional(z.array(z.string())),
  /** What an edit of a file another live session edited in the same checkout gets: deny-once, warn, deny. */
  claimMode: z.optional(z.enum(CLAIM_MODES)),
  /** How long an edit keeps its claim on the file. */
  claimTtl: z.optional(ttlText),
  /** Harness files guarded by the hooks, gitignore syntax relative to the Claude home; default: all of it. */
  protectedPaths: z.optional(z.array(z.string().check(z.minLength(1)))),
  /** Memory files merged as ordered line unions (never conflicting): names, or paths relative to the memory dir. */
  memoryIndexFiles: z.optional(z.array(z.string().check(z.minLength(1)))),
  /** Values leased to each session, by environment variable: `{"kind":"port","range":[3000,3999]}` or `{"pattern":"{repo}-{slug}"}`. */
  leases: z.optional(z.record(z.string().check(z.regex(LEASE_NAME_PATTERN)), LeaseSpecSchema)),
  /** The commit check blocks when staged files were also changed by a sibling session (default: warns). */
  strictCheck: z.optional(z.boolean()),
  /** `cwt new` installs cwt's git hooks in the repository. */
  gitHooks: z.optional(z.boolean()),
  /** How long the store keeps each kind of record: a duration, or "forever". */
  retain: z.optional(
    z.strictObject({
      events: z.optional(retentionText),
      endedSessions: z.optional(retentionText),
      kvTombstones: z.optional(retentionText),
      claimDenials: z.optional(retentionText),
      reads: z.optional(retentionText),
      commits: z.optional(retentionText),
    } satisfies Record<RetentionKey, unknown>),
  ),
});
export type ConfigFile = z.infer<typeof ConfigFileSchema>;

/** zod/mini ships no messages; say what is wrong in words a user can act on. */
function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `has unknown key(s): ${issue.keys.join(', ')}; known keys: ${(issue.path[0] === 'retain' ? RETENTION_KEYS : Object.keys(ConfigFileSchema.shape)).join(', ')}`;
    case 'invalid_type':
      return `should be ${issue.expected === 'array' ? 'a list' : `a ${issue.expected}`}`;
    case 'too_small':
      return issue.origin === 'number' ? `must be at least ${String(issue.minimum)}` : 'must not be empty';
    case 'too_big':
      return `must be at most ${String(issue.maximum)}`;
    case 'invalid_key':
      return 'is not an environment variable name (A-Z, 0-9 and _, not starting with a digit)';
    case 'invalid_union':
      return 'should be {"kind": "port", "range": [low, high]} or {"pattern": "…"} (see the leases section of the README)';
    default:
      return issue.message && issue.message !== 'Invalid input' ? `should be ${issue.message}` : 'is invalid';
  }
}

/** A config file as read: its validated keys and the sha256 of exactly the bytes they were parsed from. */
interface ReadConfigFile {
  file: ConfigFile;
  sha256: string;
}

function readConfigFile(path: string): ReadConfigFile | undefined {
  const text = readTextIfExists(path);
  if (text === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(MESSAGES.configNotJson(path, (error as Error).message));
  }
  const parsed = ConfigFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(MESSAGES.configInvalid(path, issue.path.join('.') || '(top level)', describeIssue(issue)));
  }
  return { file: parsed.data, sha256: sha256(text) };
}

/** The repository file as `cwt trust` and `cwt doctor` show it, and as loadConfig filters it. */
export interface RepoConfigFile {
  path: string;
  sha256: string;
  /** Every key it sets. */
  file: ConfigFile;
  /** The keys it sets that need trust, with their values, in TRUST_REQUIRED_KEYS order. */
  trustRequired: Partial<Pick<ConfigFile, TrustRequiredKey>>;
  state: TrustState;
}

/** Reads and validates the repository's own config file, with its trust state; undefined when there is none. */
export function readRepoConfig(repoRoot: string, env: NodeJS.ProcessEnv = process.env): RepoConfigFile | undefined {
  const path = getRepoConfigPath(repoRoot);
  const read = readConfigFile(path);
  if (read === undefined) return undefined;
  const trustRequired = Object.fromEntries(TRUST_REQUIRED_KEYS.filter((key) => read.file[key] !== undefined).map((key) => [key, read.file[key]]));
  return { path, sha256: read.sha256, file: read.file, trustRequired, state: getTrustState(path, read.sha256, env) };
}

/**
 * What of the repository file applies: everything once trusted, else all but the keys that need trust,
 * which come back as `untrusted` so a command can say what it ignored. Pure.
 */
function splitByTrust(repo: RepoConfigFile): { applied: ConfigFile; untrusted: UntrustedRepoFile | undefined } {
  const keys = Object.keys(repo.trustRequired) as TrustRequiredKey[];
  if (keys.length === 0 || repo.state === 'trusted') return { applied: repo.file, untrusted: undefined };
  return {
    applied: Object.fromEntries(Object.entries(repo.file).filter(([key]) => !keys.includes(key as TrustRequiredKey))) as ConfigFile,
    untrusted: { path: repo.path, sha256: repo.sha256, keys, changedSinceTrust: repo.state === 'changed' },
  };
}

function apply(config: Config, file: ConfigFile | undefined, source: string): void {
  if (!file) return;
  config.sources.push(source);
  if (file.worktreeDir !== undefined) config.worktreeDir = file.worktreeDir;
  if (file.agent !== undefined) config.agent = file.agent;
  if (file.sessionTtl !== undefined) config.sessionTtlMs = parseDuration(file.sessionTtl);
  if (file.setup !== undefined) config.setup = file.setup;
  if (file.claimMode !== undefined) config.claimMode = file.claimMode;
  if (file.claimTtl !== undefined) config.claimTtlMs = parseDuration(file.claimTtl);
  if (file.protectedPaths !== undefined) config.protectedPaths = file.protectedPaths;
  if (file.memoryIndexFiles !== undefined) config.memoryIndexFiles = file.memoryIndexFiles;
  if (file.strictCheck !== undefined) config.strictCheck = file.strictCheck;
  if (file.gitHooks !== undefined) config.gitHooks = file.gitHooks;
  // A later file replaces an earlier file's lease of the same name and keeps its others.
  if (file.leases !== undefined) config.leases = { ...config.leases, ...toLeaseSpecs(file.leases) };
  // Likewise per kind of record.
  for (const key of RETENTION_KEYS) {
    const text = file.retain?.[key];
    if (text !== undefined) config.retain[key] = parseRetentionPeriod(text);
  }
}

function toLeaseSpecs(leases: NonNullable<ConfigFile['leases']>): Record<string, LeaseSpec> {
  return Object.fromEntries(
    Object.entries(leases).map(([name, spec]): [string, LeaseSpec] => [name, 'range' in spec ? { kind: 'port', range: spec.range } : { kind: 'name', pattern: spec.pattern }]),
  );
}

/**
 * Reads the user and repository files and applies the environment and flags over the defaults. The
 * repository file's keys that need trust apply only when its content is trusted (see trust.ts).
 */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const config = createDefaultConfig();
  const repoPath = options.repoRoot === undefined ? undefined : getRepoConfigPath(options.repoRoot);
  for (const path of getConfigFilePaths(options)) {
    if (path !== repoPath) {
      apply(config, readConfigFile(path)?.file, path);
      continue;
    }
    const repo = readRepoConfig(options.repoRoot!, env);
    if (repo === undefined) continue;
    const { applied, untrusted } = splitByTrust(repo);
    config.untrustedRepoFile = untrusted;
    apply(config, applied, path);
  }
  applyConfigOverrides(config, env, options.flags);
  return config;
}

export { REPO_CONFIG_FILE, DEFAULT_CONFIG, TRUST_REQUIRED_KEYS, getRepoConfigPath, type Config, type LoadConfigOptions, type TrustRequiredKey } from './config.js';
