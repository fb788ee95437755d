/**
 * Named locks under fire: contenders race while holders are killed with -9, and still never two of them are
 * inside the critical section; every new holder gets a larger fencing token; a dead or hung holder's lock is
 * taken over within its TTL plus the wait, loudly.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CWT_BIN, runCwt, startCwt, waitForStderr } from '../helpers/cli.js';
import { STORE_BACKENDS, useBackend } from '../helpers/backends.js';
import { createSandbox, type Sandbox } from '../helpers/env.js';
import { MESSAGES } from '../../src/texts/messages.js';

let s: Sandbox;
beforeEach(() => {
  s = createSandbox();
});
afterEach(() => s.cleanup());

const cwt = (args: string[], env: NodeJS.ProcessEnv = s.env) => runCwt(args, { cwd: s.root, env });

/**
 * The critical section: take an O_EXCL marker (a leftover from a holder killed inside is recognised by its
 * dead pid), record the fencing token, stay a while, leave. Two live processes inside at once is a violation.
 */
const CRITICAL_SECTION = `
const fs = require('node:fs');
const [marker, log] = process.argv.slice(1);
// A holder killed inside may linger as a zombie until reaped: that is dead, not inside.
const alive = (pid) => {
  try { process.kill(pid, 0); } catch { return false; }
  try { const st = fs.readFileSync('/proc/' + pid + '/stat', 'utf8'); return !/^[ZX]/.test(st.slice(st.lastIndexOf(')') + 2)); }
  catch { return true; }
};
for (;;) {
  try { fs.writeFileSync(marker, String(process.pid), { flag: 'wx' }); break; }
  catch (e) {
    if (e.code !== 'EEXIST') throw e;
    const other = Number(fs.readFileSync(marker, 'utf8'));
    if (other && alive(other)) { fs.appendFileSync(log, 'VIOLATION ' + other + ' ' + process.pid + '\\n'); process.exit(9); }
    fs.rmSync(marker, { force: true });
  }
}
fs.appendFileSync(log, 'enter ' + process.env.CWT_LOCK_TOKEN + '\\n');
setTimeout(() => { fs.rmSync(marker, { force: true }); process.exit(0); }, 40 + Math.random() * 60);
`;

/**
 * 16 contenders for one lock, each running the critical section above, while holders are killed -9 at
 * random moments. Contender i runs with envOf(i); the log is checked for overlaps and token order.
 */
async function raceForTheLock(envOf: (i: number) => NodeJS.ProcessEnv): Promise<void> {
  const marker = join(s.root, 'inside.marker');
  const log = join(s.root, 'log.txt');
  writeFileSync(log, '');
  const CONTENDERS = 16;
  const children: ChildProcess[] = [];
  const exits: Promise<unknown>[] = [];
  for (let i = 0; i < CONTENDERS; i++) {
    // Each in its own process group, so kill -9 of the group takes down cwt and its command together,
    // as a crashed terminal would.
    const child = spawn(process.execPath, [CWT_BIN, 'lock', 'critical', '--ttl', '2s', '--wait', '60s', '--', process.execPath, '-e', CRITICAL_SECTION, marker, log], {
      cwd: s.root,
      env: envOf(i),
      stdio: 'ignore',
      detached: true,
    });
    children.push(child);
    exits.push(once(child, 'close'));
  }
  // Kill a few holders at random moments while the others wait their turn.
  let killed = 0;
  for (let round = 0; round < 6; round++) {
    await sleep(150 + Math.random() * 150);
    const victim = children[Math.floor(Math.random() * children.length)]!;
    if (victim.exitCode === null && victim.signalCode === null) {
      try {
        process.kill(-victim.pid!, 'SIGKILL');
        killed++;
      } catch {
        // already gone
      }
    }
  }
  await Promise.all(exits);
  const lines = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  expect(lines.filter((line) => line.startsWith('VIOLATION'))).toEqual([]);
  const tokens = lines.map((line) => Number(line.split(' ')[1]));
  // In the order holders entered, every fencing token is larger than the one before.
  for (let i = 1; i < tokens.length; i++) expect(tokens[i]!).toBeGreaterThan(tokens[i - 1]!);
  expect(killed).toBeGreaterThan(0);
  expect(tokens.length).toBeGreaterThanOrEqual(CONTENDERS - killed);
}

describe.each(STORE_BACKENDS)('lock safety on the %s store', (backend) => {
  beforeEach(() => {
    useBackend(s, backend);
  });

  it('contenders racing while holders are killed -9: never two inside, tokens always grow', async () => {
    await raceForTheLock(() => s.env);
  }, 120_000);

  it('a holder killed -9 is taken over at once (its pid is dead), with a warning naming it', async () => {
    const holder = spawn(process.execPath, [CWT_BIN, 'lock', 'deploy', '--ttl', '10m', '--', 'sleep', '30'], {
      cwd: s.root,
      env: s.env,
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    });
    await waitForStderr(holder, (text) => text.includes("holding lock 'deploy'"));
    process.kill(-holder.pid!, 'SIGKILL');
    await once(holder, 'close');
    const next = await cwt(['lock', 'deploy', '--wait', '5s', '--', 'true']);
    expect(next.code).toBe(0);
    expect(next.stderr).toContain(`took over stale lock 'deploy' from ${holder.pid}@`);
    expect(next.stderr).toContain('fencing token 2');
  });

  it('a hung holder (alive, no heartbeat) is taken over after its TTL, and says so loudly when it resumes', async () => {
    const { child: holder, result } = startCwt(['lock', 'batch', '--ttl', '1s', '--', 'sleep', '3'], { cwd: s.root, env: s.env });
    await waitForStderr(holder, (text) => text.includes("holding lock 'batch'"));
    holder.kill('SIGSTOP'); // cwt hangs; its command keeps running
    const next = await cwt(['lock', 'batch', '--wait', '10s', '--', 'true']);
    holder.kill('SIGCONT');
    expect(next.code).toBe(0);
    expect(next.stderr).toContain("took over stale lock 'batch'");
    const first = await result;
    expect(first.code).toBe(0);
    expect(first.stderr).toContain("WARNING: lock 'batch' (token 1) was taken over while the command ran");
  });

  it('busy past --wait: exit 3 naming the holder, since when and its note; the command does not run', async () => {
    const { child: holder, result } = startCwt(['lock', 'deploy', '--note', 'fixing prod', '--', 'sleep', '3'], { cwd: s.root, env: s.env });
    await waitForStderr(holder, (text) => text.includes("holding lock 'deploy'"));
    const ran = join(s.root, 'ran');
    const busy = await cwt(['lock', 'deploy', '--wait', '300ms', '--', 'touch', ran]);
    expect(busy.code).toBe(3);
    expect(busy.stderr).toContain(`held by ${holder.pid}@`);
    expect(busy.stderr).toContain('fixing prod');
    expect(existsSync(ran)).toBe(false);
    holder.kill('SIGTERM');
    await result;
  });

  it("exports the lock's name and fencing token, and exits with the command's code", async () => {
    const result = await cwt(['lock', 'job', '--', 'sh', '-c', 'echo "$CWT_LOCK_NAME $CWT_LOCK_TOKEN"; exit 7']);
    expect(result.code).toBe(7);
    expect(result.stdout.trim()).toBe('job 1');
    expect((await cwt(['lock', 'job', '--', 'sh', '-c', 'echo $CWT_LOCK_TOKEN'])).stdout.trim()).toBe('2');
  });

  it.each([['a/b'], ['..'], ['x..y'], ['line\nbreak'], ['has space'], [''], ['-dash']])('refuses the lock name %j with exit 2, running nothing', async (name) => {
    const ran = join(s.root, 'ran');
    const result = await cwt(['lock', name, '--', 'touch', ran]);
    expect(result.code).toBe(2);
    expect(existsSync(ran)).toBe(false);
  });

  it('needs a command, and valid durations', async () => {
    expect((await cwt(['lock', 'x'])).code).toBe(2);
    expect((await cwt(['lock', 'x', '--ttl', 'soon', '--', 'true'])).code).toBe(2);
  });
});

describe('lock safety across machines (PostgreSQL)', () => {
  beforeEach(() => {
    useBackend(s, 'postgres');
  });

  it('contenders on two machines (two state dirs, two host ids, one database): never two inside, tokens always grow', async () => {
    // Across hosts a pid cannot be probed: a holder killed -9 on the other machine is taken over only once
    // its heartbeat is older than the TTL (2 s here), never earlier.
    const machines = ['machine-a', 'machine-b'].map((host) => ({ ...s.env, CWT_HOST_ID: host, CWT_HOME: join(s.root, host) }));
    await raceForTheLock((i) => machines[i % 2]!);
  }, 120_000);
});

describe('lock ls and release', () => {
  it('lists held locks as JSON, refuses to release a live foreign lock without a terminal, releases a stale one with --force', async () => {
    const { child: holder, result } = startCwt(['lock', 'deploy', '--ttl', '1s', '--', 'sleep', '30'], { cwd: s.root, env: s.env });
    await waitForStderr(holder, (text) => text.includes("holding lock 'deploy'"));
    const listed = JSON.parse((await cwt(['lock', 'ls', '--json'])).stdout);
    expect(listed).toEqual([expect.objectContaining({ name: 'deploy', token: 1, pid: holder.pid, stale: false })]);
    expect((await cwt(['lock', 'release', 'deploy'])).code).toBe(3);
    const forcedLive = await cwt(['lock', 'release', 'deploy', '--force']);
    expect(forcedLive.code).toBe(3);
    expect(forcedLive.stderr).toContain('is live');
    holder.kill('SIGSTOP');
    await sleep(1300); // past the TTL: the hung holder is stale
    const forced = await cwt(['lock', 'release', 'deploy', '--force']);
    expect(forced.code).toBe(0);
    expect(JSON.parse((await cwt(['lock', 'ls', '--json'])).stdout)).toEqual([]);
    holder.kill('SIGCONT');
    holder.kill('SIGTERM');
    await result;
    expect((await cwt(['lock', 'release', 'deploy'])).stderr).toContain(MESSAGES.lockNotHeld('deploy'));
  });
});

describe('release from inside the locked command', () => {
  it('is allowed (name and token match) and not reported as a takeover', async () => {
    const inner = `"${process.execPath}" "${CWT_BIN}" lock release job`;
    const result = await cwt(['lock', 'job', '--', 'sh', '-c', inner]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("released lock 'job'");
    expect(result.stderr).not.toContain('WARNING');
    expect(JSON.parse((await cwt(['lock', 'ls', '--json'])).stdout)).toEqual([]);
  });
});

describe('sentinel compatibility', () => {
  it('writes an ACTIVE-SESSION.md while held, removes it on success, keeps it on failure', async () => {
    const sentinel = join(s.root, 'ACTIVE-SESSION.md');
    const seen = await cwt(['lock', 'deploy', '--sentinel', sentinel, '--note', 'fix deploy', '--', 'cat', sentinel]);
    expect(seen.code).toBe(0);
    expect(seen.stdout).toMatch(/^---\nsession_id: ".+"\nstarted_at: \d{4}-.+\ncommand: "cat .+"\nuser_action: "fix deploy"\npid: \d+\n---\n/);
    expect(seen.stdout).toContain('Safe to delete');
    expect(existsSync(sentinel)).toBe(false);
    const failed = await cwt(['lock', 'deploy', '--sentinel', sentinel, '--', 'false']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(MESSAGES.sentinelKept(sentinel));
    expect(existsSync(sentinel)).toBe(true);
  });

  it('honours a hand-written sentinel: fresh means busy (exit 3), older than 15 minutes is taken over with a warning', async () => {
    const sentinel = join(s.root, 'ACTIVE-SESSION.md');
    writeFileSync(sentinel, `---\nsession_id: tab-2\nstarted_at: ${new Date().toISOString()}\ncommand: deploy\n---\nby hand\n`);
    const busy = await cwt(['lock', 'deploy', '--sentinel', sentinel, '--wait', '200ms', '--', 'true']);
    expect(busy.code).toBe(3);
    expect(busy.stderr).toContain('tab-2');
    const old = new Date(Date.now() - 20 * 60_000);
    writeFileSync(sentinel, `---\nsession_id: tab-2\nstarted_at: ${old.toISOString()}\n---\n`);
    const taken = await cwt(['lock', 'deploy', '--sentinel', sentinel, '--', 'true']);
    expect(taken.code).toBe(0);
    expect(taken.stderr).toContain('WARNING: taking over');
    expect(existsSync(sentinel)).toBe(false);
    // No started_at: the file's age decides.
    writeFileSync(sentinel, '---\nsession_id: tab-3\n---\nsomeone is deploying\n');
    utimesSync(sentinel, old, old);
    expect((await cwt(['lock', 'deploy', '--sentinel', sentinel, '--', 'true'])).code).toBe(0);
    // Not a sentinel at all (no front matter naming who or since when): refused, and left as it was.
    writeFileSync(sentinel, 'someone is deploying\n');
    utimesSync(sentinel, old, old);
    const refused = await cwt(['lock', 'deploy', '--sentinel', sentinel, '--', 'true']);
    expect(refused.code).toBe(2);
    expect(readFileSync(sentinel, 'utf8')).toBe('someone is deploying\n');
  });
});
