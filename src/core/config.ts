/**
 * Configuration, resolved once with this precedence: defaults < user file < repository file < CWT_* env <
 * command-line flags. Validated with zod; an invalid file is a usage error naming the file and the key.
 * CWT_NO_USER_CONFIG=1 skips the user file (tests never read a developer's own config).
 */
import * as z from 'zod/mini';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDuration } from './duration.js';
import { UsageError } from './errors.js';
import { resolveUserConfigPath } from './paths.js';
import { MESSAGES } from '../ui/messages.js';

export const REPO_CONFIG_FILE = '.cwt.json';

const durationText = z.string().check(
  z.refine((text) => {
    try {
      parseDuration(text);
      return true;
    } catch {
      return false;
    }
  }, 'a duration such as 30s, 2m or 1h'),
);

const ConfigFileSchema = z.strictObject({
  /** Where new worktrees go, relative to the main checkout; `{repo}` is its directory name. */
  worktreeDir: z.optional(z.string().check(z.minLength(1))),
  /** The agent command launched by `cwt new` and `cwt attach`. */
  agent: z.optional(z.string().check(z.minLength(1))),
  /** A session without a live supervisor is stale once its heartbeat is older than this. */
  sessionTtl: z.optional(durationText),
  /** Shell commands run in each new worktree after it is created (the user's own, from their config). */
  setup: z.optional(z.array(z.string())),
  /** Memory files merged as ordered line unions (never conflicting): names, or paths relative to the memory dir. */
  memoryIndexFiles: z.optional(z.array(z.string().check(z.minLength(1)))),
});
export type ConfigFile = z.infer<typeof ConfigFileSchema>;

export interface Config {
  worktreeDir: string;
  agent: string;
  sessionTtlMs: number;
  setup: string[];
  memoryIndexFiles: string[];
  /** Which files contributed, for `cwt doctor` and error messages. */
  sources: string[];
}

export const DEFAULT_CONFIG: Readonly<Omit<Config, 'sources'>> = {
  worktreeDir: '../{repo}.worktrees',
  agent: 'claude',
  sessionTtlMs: 2 * 60_000,
  setup: [],
  memoryIndexFiles: ['MEMORY.md'],
};

/** zod/mini ships no messages; say what is wrong in words a user can act on. */
function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `has unknown key(s): ${issue.keys.join(', ')}; known keys: ${Object.keys(ConfigFileSchema.shape).join(', ')}`;
    case 'invalid_type':
      return `should be ${issue.expected === 'array' ? 'a list' : `a ${issue.expected}`}`;
    case 'too_small':
      return 'must not be empty';
    default:
      return issue.message && issue.message !== 'Invalid input' ? `should be ${issue.message}` : 'is invalid';
  }
}

function readConfigFile(path: string): ConfigFile | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
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
  return parsed.data;
}

function apply(config: Config, file: ConfigFile | undefined, source: string): void {
  if (!file) return;
  config.sources.push(source);
  if (file.worktreeDir !== undefined) config.worktreeDir = file.worktreeDir;
  if (file.agent !== undefined) config.agent = file.agent;
  if (file.sessionTtl !== undefined) config.sessionTtlMs = parseDuration(file.sessionTtl);
  if (file.setup !== undefined) config.setup = file.setup;
  if (file.memoryIndexFiles !== undefined) config.memoryIndexFiles = file.memoryIndexFiles;
}

export interface LoadConfigOptions {
  /** The main checkout, whose `.cwt.json` is the repository file; omit outside a repository. */
  repoRoot?: string;
  env?: NodeJS.ProcessEnv;
  flags?: Partial<Pick<Config, 'agent' | 'worktreeDir'>>;
}

export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const config: Config = { ...DEFAULT_CONFIG, setup: [...DEFAULT_CONFIG.setup], memoryIndexFiles: [...DEFAULT_CONFIG.memoryIndexFiles], sources: [] };
  if (env.CWT_NO_USER_CONFIG !== '1') {
    const userPath = resolveUserConfigPath(env);
    apply(config, readConfigFile(userPath), userPath);
  }
  if (options.repoRoot !== undefined) {
    const repoPath = join(options.repoRoot, REPO_CONFIG_FILE);
    apply(config, readConfigFile(repoPath), repoPath);
  }
  if (env.CWT_AGENT) config.agent = env.CWT_AGENT;
  if (env.CWT_WORKTREE_DIR) config.worktreeDir = env.CWT_WORKTREE_DIR;
  if (env.CWT_SESSION_TTL) config.sessionTtlMs = parseDuration(env.CWT_SESSION_TTL, 'CWT_SESSION_TTL');
  if (options.flags?.agent !== undefined) config.agent = options.flags.agent;
  if (options.flags?.worktreeDir !== undefined) config.worktreeDir = options.flags.worktreeDir;
  return config;
}
