/**
 * Every teammate can write the shared store, so a session row's paths are input, not facts. Here machine B
 * (the attacker) has pushed a commit holding `keys/authorized_keys` with its own key, and edits the row of a
 * session machine A (the victim) runs, with plain SQL: the memory namespace becomes that directory of the
 * commit, the merge base the victim's ~/.ssh. A's routine commands (end, merge-memory, memory rescue, gc)
 * each refuse with exit 4, naming the path refused, where cwt would have put it, and the next step; the
 * fake ~/.ssh is byte-identical afterwards. The control: the same commands on an untouched row work.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmodSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type postgres from 'postgres';
import { connectStoreSql, createPostgresStoreUrl, openSandboxStore } from '../helpers/backends.js';
import { runCwt, type CwtResult } from '../helpers/cli.js';
import { createSandbox, type Sandbox } from '../helpers/env.js';
import { commitAll, createRepo, git, writeFile } from '../helpers/git.js';
import { checkoutOn, createMachine, type Machine } from '../helpers/machines.js';
import { projectKey, snapshotTree, writeFiles, type TestSession } from '../helpers/memory.js';
import { MESSAGES } from '../../src/texts/messages.js';

const ATTACKER_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIATTACKER attacker@machine-b\n';

let s: Sandbox;
let a: Machine;
let appA: string;
let sshDir: string;
let sql: postgres.Sql;
let victim: TestSession;
beforeEach(async () => {
  s = createSandbox();
  s.env.CWT_STORE = createPostgresStoreUrl();
  const origin = createRepo(join(s.root, 'origin'));
  // The attacker's pushed commit: a directory shaped like what it wants in the victim's ~/.ssh.
  writeFile(origin, 'keys/authorized_keys', ATTACKER_KEY);
  commitAll(origin, 'add deploy keys');
  a = createMachine(s, 'machine-a');
  createMachine(s, 'machine-b');
  appA = checkoutOn(a, origin);
  sshDir = join(a.home, '.ssh');
  writeFile(sshDir, 'authorized_keys', 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIVICTIM victim@machine-a\n');
  writeFile(sshDir, 'id_ed25519', '-----BEGIN OPENSSH PRIVATE KEY-----\nvictim private key\n-----END OPENSSH PRIVATE KEY-----\n');
  chmodSync(join(sshDir, 'id_ed25519'), 0o600);
  writeFiles(join(a.claudeHome, 'projects', projectKey(appA), 'memory'), { 'MEMORY.md': '- [notes](notes.md)\n', 'notes.md': 'canonical notes\n' });
  const started = await runCwt(['new', 'feat/victim', '--no-launch', '--json'], { cwd: appA, env: a.env });
  expect(started.code, started.stderr).toBe(0);
  victim = JSON.parse(started.stdout) as TestSession;
  sql = connectStoreSql(s.env.CWT_STORE);
});
afterEach(async () => {
  await sql.end();
  s.cleanup();
});

/** What machine B does: rewrites columns of the victim's row directly, as any teammate with the store can. */
async function tamper(columns: Record<string, string | number | null>): Promise<void> {
  await sql`UPDATE sessions SET ${sql(columns)} WHERE id = ${victim.id}`;
}

const onA = (args: string[]) => runCwt(args, { cwd: appA, env: a.env });

function expectRefused(result: CwtResult, field: string, path: string, expected: string): void {
  expect(result.code, result.stderr + result.stdout).toBe(4);
  expect(result.stderr).toContain(`${field} ${path}`);
  expect(result.stderr).toContain(expected);
  expect(result.stderr).toContain('next:');
}

describe('paths in a session row are checked before cwt acts on them', () => {
  it('cwt end refuses a namespace in a pushed commit and a base in ~/.ssh; ~/.ssh is untouched, the session still open', async () => {
    const before = snapshotTree(sshDir);
    const planted = join(victim.worktree, 'keys');
    await tamper({ memory_dir: planted, memory_base: sshDir });
    const result = await onA(['end', victim.id]);
    expectRefused(result, 'memory_dir', planted, join(a.claudeHome, 'projects', projectKey(appA), 'cwt-memory'));
    expectRefused(result, 'memory_base', sshDir, join(a.cwtHome, 'sessions', victim.id));
    expect(snapshotTree(sshDir)).toEqual(before);
    const store = await openSandboxStore(s);
    try {
      const session = await store.getSession(victim.id);
      expect(session).toMatchObject({ state: 'live' });
      expect(session!.memoryMergedAt ?? null).toBeNull();
    } finally {
      await store.close();
    }
  });

  it.each([
    ['~/.ssh', () => sshDir],
    ['a path that climbs out of the state dir', () => join(a.cwtHome, 'sessions', victim.id, '..', '..', '..', 'home', '.ssh')],
  ])('cwt end and cwt merge-memory refuse a base at %s, even with the real namespace', async (_, base) => {
    const before = snapshotTree(sshDir);
    await tamper({ memory_base: base() });
    for (const args of [['merge-memory', victim.id], ['end', victim.id]]) {
      expectRefused(await onA(args), 'memory_base', base(), join(a.cwtHome, 'sessions', victim.id));
    }
    expect(snapshotTree(sshDir)).toEqual(before);
  });

  it('cwt memory rescue refuses an ended, unmerged session whose base is ~/.ssh', async () => {
    const before = snapshotTree(sshDir);
    await tamper({ memory_base: sshDir, state: 'ended', ended_at: Date.now() });
    expectRefused(await onA(['memory', 'rescue']), 'memory_base', sshDir, join(a.cwtHome, 'sessions', victim.id));
    expect(snapshotTree(sshDir)).toEqual(before);
  });

  it('cwt gc refuses to run git in a main checkout the row moved to ~/.ssh, and keeps the row', async () => {
    const before = snapshotTree(sshDir);
    await tamper({ worktree: join(a.root, 'gone'), main_worktree: sshDir });
    expectRefused(await onA(['gc']), 'main_worktree', sshDir, MESSAGES.untrustedMainNotRepo);
    expect(snapshotTree(sshDir)).toEqual(before);
    const store = await openSandboxStore(s);
    try {
      expect(await store.getSession(victim.id)).toBeDefined();
    } finally {
      await store.close();
    }
  });

  it('cwt end --remove refuses a worktree that git does not list for this repository', async () => {
    const planted = join(victim.worktree, 'keys');
    await tamper({ worktree: planted });
    expectRefused(await onA(['end', victim.id, '--remove', '--no-merge']), 'worktree', planted, appA);
    expect(existsSync(join(planted, 'authorized_keys'))).toBe(true);
    expect(git(appA, ['worktree', 'list', '--porcelain'])).toContain(victim.worktree);
  });

  it('cwt attach refuses an agent the row names but this machine did not start: a script of the pushed commit never runs', async () => {
    const marker = join(a.home, 'owned');
    writeFile(victim.worktree, 'tools/agent.sh', `#!/bin/sh\ntouch '${marker}'\n`);
    chmodSync(join(victim.worktree, 'tools', 'agent.sh'), 0o755);
    await tamper({ agent: './tools/agent.sh' });
    const result = await onA(['attach', victim.id]);
    expect(result.code, result.stderr).toBe(4);
    expect(result.stderr).toContain(MESSAGES.agentNotTrusted({ ...victim, agent: './tools/agent.sh' } as never, 'claude'));
    expect(existsSync(marker)).toBe(false);
  });

  it('control: an untouched row merges and ends as before', async () => {
    writeFile(victim.memoryDir, 'notes.md', 'canonical notes\nlearned in the session\n');
    const merged = await onA(['merge-memory', victim.id]);
    expect(merged.code, merged.stderr).toBe(0);
    const ended = await onA(['end', victim.id, '--remove', '--delete-branch']);
    expect(ended.code, ended.stderr).toBe(0);
    expect(existsSync(victim.worktree)).toBe(false);
    expect((await onA(['gc'])).code).toBe(0);
  });
});
