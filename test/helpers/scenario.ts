/** A sandbox with a real repository and the fake agent on PATH: the usual starting point of a scenario. */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { getRunJournalDir } from '../../src/core/sessions/runjournal.js';
import { installFakeAgent, type FakeAgent } from './agent.js';
import { trustRepoConfig } from './trust.js';
import { runCwt, type CwtResult } from './cli.js';
import { createSandbox, type Sandbox } from './env.js';
import { createRepo, git, listBranches, listWorktreePaths, writeFile } from './git.js';
import { projectKey } from './claude.js';

export interface Scenario extends Sandbox {
  repo: string;
  agent: FakeAgent;
  /** env with the fake agent first on PATH. */
  env: NodeJS.ProcessEnv;
  cwt(args: string[], options?: { cwd?: string; env?: NodeJS.ProcessEnv }): Promise<CwtResult>;
  /** `cwt status --all --json`, parsed. */
  sessions(): Promise<Array<Record<string, unknown>>>;
  /** Everything cwt could have left behind, for "nothing was created" assertions. */
  footprint(): Promise<Footprint>;
}

export interface Footprint {
  branches: string[];
  worktrees: string[];
  sessions: number;
  worktreeDirs: string[];
  namespaces: string[];
  sessionStateDirs: string[];
  /** Run journals (state dir runs/): one stays only while a run is going on, or what it left is not yet rolled back. */
  journals: string[];
}

export function createScenario(): Scenario {
  const sandbox = createSandbox();
  const repo = createRepo(join(sandbox.root, 'repo'));
  const agent = installFakeAgent(sandbox.root, sandbox.env);
  const env = agent.env;
  const cwt = (args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) =>
    runCwt(args, { cwd: options.cwd ?? repo, env: options.env ?? env });
  const sessions = async () => {
    const result = await cwt(['status', '--all', '--json']);
    if (result.code !== 0) throw new Error(`cwt status failed: ${result.stderr}`);
    return JSON.parse(result.stdout) as Array<Record<string, unknown>>;
  };
  const list = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);
  const footprint = async (): Promise<Footprint> => ({
    branches: listBranches(repo),
    worktrees: listWorktreePaths(repo),
    sessions: (await sessions()).length,
    worktreeDirs: list(join(sandbox.root, 'repo.worktrees')),
    namespaces: list(join(sandbox.claudeHome, 'projects')).flatMap((key) => list(join(sandbox.claudeHome, 'projects', key, 'cwt-memory'))),
    sessionStateDirs: list(join(sandbox.cwtHome, 'sessions')),
    journals: list(getRunJournalDir(sandbox.cwtHome)),
  });
  return { ...sandbox, repo, agent, env, cwt, sessions, footprint };
}

/** The footprint of a repository cwt has not touched. */
export function emptyFootprint(repo: string): Footprint {
  return { branches: ['main'], worktrees: [repo], sessions: 0, worktreeDirs: [], namespaces: [], sessionStateDirs: [], journals: [] };
}

/**
 * Turns on every optional step of the `cwt new` pipeline: `config` (give it leases and setup commands) as the
 * repository's .cwt.json, a .worktreeinclude naming an ignored .env, and canonical memory for the memory step
 * to copy. Commits the config.
 */
export function enableEveryNewStep(s: Scenario, config: object): void {
  writeFile(s.repo, '.gitignore', '.env\n');
  writeFile(s.repo, '.worktreeinclude', '.env\n');
  writeFile(s.repo, '.cwt.json', JSON.stringify(config));
  git(s.repo, ['add', '-A']);
  git(s.repo, ['commit', '-q', '-m', 'config']);
  // The optional steps come from keys a repository file may set only once trusted (setup, leases).
  trustRepoConfig(s.repo, s.env);
  writeFile(s.repo, '.env', 'X=1\n');
  writeFile(join(s.claudeHome, 'projects', projectKey(s.repo), 'memory'), 'MEMORY.md', '# m\n');
}
