/**
 * What the fast-path e2e tests share: counting the Node hook processes a session starts (every cwt command of
 * a settings file goes through a wrapper that logs its arguments), waiting for the per-user service, and the
 * store's record of who decided each hook call.
 */
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { isPidAlive } from '../../src/core/sessions/liveness.js';
import { SqliteStore } from '../../src/core/store/sqlite.js';
import { quoteShellWord } from '../../src/texts/shellquote.js';
import { waitFor } from './wait.js';

/** Replaces this node in every cwt command of a settings file with a wrapper that logs its arguments; the log's path. */
export function countNodeStarts(settingsPath: string, root: string): string {
  const log = join(root, 'node-starts.log');
  const wrapper = join(root, 'counting-node');
  writeFileSync(wrapper, `#!/bin/sh\necho "$*" >> ${quoteShellWord(log)}\nexec ${quoteShellWord(process.execPath)} "$@"\n`);
  chmodSync(wrapper, 0o755);
  writeFileSync(log, '');
  const text = readFileSync(settingsPath, 'utf8');
  const node = JSON.stringify(quoteShellWord(process.execPath)).slice(1, -1);
  expect(text).toContain(node);
  writeFileSync(settingsPath, text.split(node).join(JSON.stringify(quoteShellWord(wrapper)).slice(1, -1)));
  return log;
}

/** The hook events whose Node command hook started, in order, from countNodeStarts' log. */
export const hookStarts = (log: string): string[] =>
  readFileSync(log, 'utf8')
    .split('\n')
    .filter((line) => / hook /.test(line))
    .map((line) => line.replace(/^.* hook /, ''));

/** The running fast-path service's pid, once its pid file names a live process. */
export async function waitForService(cwtHome: string): Promise<number> {
  return waitFor(() => {
    try {
      const pid = Number(readFileSync(join(cwtHome, 'fastpath.pid'), 'utf8').trim().split(' ')[0]);
      return pid > 0 && isPidAlive(pid) ? pid : undefined;
    } catch {
      return undefined;
    }
  });
}

/**
 * Who decided each hook call (Store.claimHookCall's records), each call recorded once; `byOf(toolUseId, event)`
 * lists the deciders of one call and event.
 */
export async function readDeciders(cwtHome: string) {
  const store = new SqliteStore(cwtHome);
  let calls: Awaited<ReturnType<SqliteStore['listHookCalls']>>;
  try {
    calls = await store.listHookCalls();
  } finally {
    await store.close();
  }
  const keys = calls.map((call) => call.key);
  expect(new Set(keys).size).toBe(keys.length);
  const byOf = (toolUseId: string, event: string) => calls.filter((call) => call.key.endsWith(`/${toolUseId}/${event}`)).map((call) => call.by);
  return { calls, byOf };
}
