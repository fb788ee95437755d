/** Memory scenarios: canonical memory, sessions' namespaces, and byte-exact snapshots of directory trees. */
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { projectKey } from './claude.js';
import { createScenario, type Scenario } from './scenario.js';
import { writeFile } from './git.js';

export { projectKey };

export function getCanonicalDir(s: Pick<Scenario, 'claudeHome' | 'repo'>): string {
  return join(s.claudeHome, 'projects', projectKey(s.repo), 'memory');
}

export interface TestSession {
  id: string;
  branch: string;
  worktree: string;
  memoryDir: string;
  memoryBase: string;
}

/** `cwt new <branch> --no-launch --json`: a real session, namespace seeded from canonical memory. */
export async function startSession(s: Scenario, branch: string): Promise<TestSession> {
  const result = await s.cwt(['new', branch, '--no-launch', '--json']);
  if (result.code !== 0) throw new Error(`cwt new ${branch} failed (${result.code}): ${result.stderr}`);
  return JSON.parse(result.stdout) as TestSession;
}

/** Writes files (relative path -> text) into a directory. */
export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) writeFile(dir, path, text);
}

export function readText(dir: string, file: string): string {
  return readFileSync(join(dir, file), 'utf8');
}

/** Every file under `dir` (links and directories excluded): relative path -> base64 of its bytes, and its mode. */
export function snapshotTree(dir: string): Record<string, { bytes: string; mode: number }> {
  const out: Record<string, { bytes: string; mode: number }> = {};
  if (!existsSync(dir)) return out;
  const walk = (absolute: string, prefix: string) => {
    for (const name of readdirSync(absolute).sort()) {
      const path = join(absolute, name);
      const rel = prefix === '' ? name : `${prefix}/${name}`;
      const stat = lstatSync(path);
      if (stat.isDirectory()) walk(path, rel);
      else if (stat.isFile()) out[rel] = { bytes: readFileSync(path).toString('base64'), mode: stat.mode & 0o7777 };
    }
  };
  walk(dir, '');
  return out;
}

/** Files under `dir` that look like debris: temporary files of an interrupted atomic write. */
export function findTempFiles(dir: string): string[] {
  return Object.keys(snapshotTree(dir)).filter((file) => /(^|\/)\..*\.cwt-\d+-[0-9a-f]+\.tmp$/.test(file));
}

/** The memory state dir cwt keeps for the scenario's canonical memory (backups, journal). */
export function getMemoryStateRoot(s: Pick<Scenario, 'cwtHome'>): string {
  return join(s.cwtHome, 'memory');
}

export interface MemoryFixture {
  readonly s: Scenario;
  /** The scenario's canonical memory directory. */
  readonly canonical: string;
}

/** A fresh scenario for each test of the enclosing suite, its canonical memory holding `files`. */
export function useMemoryScenario(files: Record<string, string>): MemoryFixture {
  let scenario: Scenario | undefined;
  beforeEach(() => {
    scenario = createScenario();
    writeFiles(getCanonicalDir(scenario), files);
  });
  afterEach(() => scenario?.cleanup());
  return {
    get s() {
      return scenario!;
    },
    get canonical() {
      return getCanonicalDir(scenario!);
    },
  };
}
