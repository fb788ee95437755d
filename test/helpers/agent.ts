/**
 * A stand-in agent: a small executable script named like the real one, put first on PATH. It records its
 * arguments, working directory and CWT_* environment to a JSON file, then exits with a chosen code or sleeps.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface FakeAgent {
  binDir: string;
  recordPath: string;
  /** env with the fake agent first on PATH. */
  env: NodeJS.ProcessEnv;
}

export function installFakeAgent(root: string, env: NodeJS.ProcessEnv, name = 'claude'): FakeAgent {
  const binDir = join(root, 'fake-bin');
  mkdirSync(binDir, { recursive: true });
  const recordPath = join(root, `${name}-record.jsonl`);
  const script = `#!${process.execPath}
const fs = require('node:fs');
const record = { argv: process.argv.slice(2), cwd: process.cwd(), pid: process.pid,
  env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('CWT_'))) };
fs.appendFileSync(${JSON.stringify(recordPath)}, JSON.stringify(record) + '\\n');
const sleepMs = Number(process.env.FAKE_AGENT_SLEEP_MS || 0);
const code = Number(process.env.FAKE_AGENT_EXIT || 0);
if (sleepMs > 0) setTimeout(() => process.exit(code), sleepMs); else process.exit(code);
`;
  const path = join(binDir, name);
  writeFileSync(path, script);
  chmodSync(path, 0o755);
  return { binDir, recordPath, env: { ...env, PATH: `${binDir}${delimiter}${env.PATH ?? ''}` } };
}
