/**
 * A stand-in agent: a small executable script named like the real one, put first on PATH. It records its
 * arguments, working directory and CWT_* environment (plus the variables FAKE_AGENT_RECORD_ENV lists) to a
 * JSON file, then exits with a chosen code or sleeps.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface AgentRun {
  argv: string[];
  cwd: string;
  pid: number;
  env: Record<string, string>;
  /** The content of the `--settings` file as the agent found it at start, when one was passed. */
  settings?: string;
}

export interface FakeAgent {
  binDir: string;
  recordPath: string;
  /** env with the fake agent first on PATH. */
  env: NodeJS.ProcessEnv;
  /** Every recorded start, oldest first. */
  runs(): AgentRun[];
}

export function installFakeAgent(root: string, env: NodeJS.ProcessEnv, name = 'claude'): FakeAgent {
  const binDir = join(root, 'fake-bin');
  mkdirSync(binDir, { recursive: true });
  const recordPath = join(root, `${name}-record.jsonl`);
  const script = `#!${process.execPath}
const fs = require('node:fs');
// A stand-in for a given release: \`--version\` answers as Claude Code does (FAKE_AGENT_VERSION=2.1.332).
if (process.argv[2] === '--version' && process.env.FAKE_AGENT_VERSION) {
  process.stdout.write(process.env.FAKE_AGENT_VERSION + ' (Claude Code)\\n');
  process.exit(0);
}
const record = { argv: process.argv.slice(2), cwd: process.cwd(), pid: process.pid,
  env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('CWT_') || (process.env.FAKE_AGENT_RECORD_ENV || '').split(',').includes(k))) };
const settingsAt = record.argv.indexOf('--settings');
if (settingsAt !== -1) record.settings = fs.readFileSync(record.argv[settingsAt + 1], 'utf8');
fs.appendFileSync(${JSON.stringify(recordPath)}, JSON.stringify(record) + '\\n');
const sleepMs = Number(process.env.FAKE_AGENT_SLEEP_MS || 0);
const code = Number(process.env.FAKE_AGENT_EXIT || 0);
if (sleepMs > 0) setTimeout(() => process.exit(code), sleepMs); else process.exit(code);
`;
  const path = join(binDir, name);
  writeFileSync(path, script);
  chmodSync(path, 0o755);
  const runs = () =>
    existsSync(recordPath)
      ? readFileSync(recordPath, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as AgentRun)
      : [];
  return { binDir, recordPath, env: { ...env, PATH: `${binDir}${delimiter}${env.PATH ?? ''}` }, runs };
}
