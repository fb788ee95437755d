#!/usr/bin/env node
/**
 * cwt benchmark harness (`npm run bench`, which builds first).
 *
 * Speed is measured here and never asserted in tests. Every number is the wall time of one child process,
 * taken with process.hrtime.bigint() around a spawnSync, and every scenario is reported as the MEDIAN over N
 * runs (with p90, min and max) plus its RATIO to a baseline measured in the same process tree, on the same
 * machine, in the same session: a bare `node -e 0` spawned exactly the same way (spawnSync of
 * process.execPath, same cwd, env and stdio). Baseline and scenario runs are interleaved round by round, and
 * the order inside a round rotates, so machine noise lands on all of them alike and the ratios hold on a
 * noisy machine even when the absolute milliseconds do not.
 *
 * Scenarios:
 *   1. `cwt status` and `cwt status --json` in a repository with 50 sessions (50 real worktrees).
 *   2. `cwt new <b> --no-launch` on a generated 20,000-file repository, against plain
 *      `git worktree add -b <b> <path>` on the same repository, both on tmpfs (CWT_BENCH_TMPFS, else /dev/shm)
 *      where there is one, so that the difference is cwt's and not the disk's.
 *   3. `cwt append` against a flock(1) shell wrapper.
 *   4. Claude Code's PreToolUse hook for a Write, with 8 live sessions (each `cwt new` supervising a stand-in
 *      `claude` that sleeps) and 500 claims in the store:
 *      a. the http fast path: one PreToolUse POST to a session's supervisor, from a node:http client on
 *         127.0.0.1, with a keep-alive Agent and with a new connection per decision (time per decision);
 *      b. the command hook: `node bin/cwt.js hook pre-tool-use < payload` for an adopted tab's Write;
 *      c. in the same rounds as b, when CWT_BENCH_GUARD=<path> names a built claude-session-guard binary (Go,
 *         public, MIT; built outside this project): its `pre-edit` for the same Write, with its own state of 8
 *         sessions claiming the same paths (seeded with its own pre-edit). Without it, a note says how.
 *   5. `cwt merge-memory` of a session into 1,000 canonical memory files, 100 of which both the session and
 *      canonical changed (in different lines), plus both appending to MEMORY.md: the in-process diff3 (default)
 *      against the same command with CWT_MERGE_ENGINE=git (`git merge-file` per file); the merge engine's own
 *      time is read from the --debug trace ("planned … in X ms").
 *   6. `cwt new <b> --no-launch` on a small repository without and with three leases (a port, probed by
 *      binding it, and two names), and `cwt hook worktree-create` (what `claude -w` runs) with its payload.
 *   7. The shared store: a throwaway PostgreSQL server on 127.0.0.1 (scripts/postgres-server.mjs; needs Debian's
 *      postgresql package), then
 *      a. scenario 4 again with CWT_STORE pointing at it: the http fast path and the command hook on PostgreSQL;
 *      b. store calls per second with 16 concurrent client processes (bench/store-client.mjs: a hook-like mix
 *         of getSession, claimPath, listClaims and heartbeatLock), on SQLite and on PostgreSQL.
 *   8. `git commit` of one small staged change (another file each round) in a session's worktree of a
 *      10,000-file repository with 6 sibling sessions (each `cwt new --no-launch`, each with an uncommitted
 *      change of its own), with cwt's
 *      git hooks (pre-commit check, post-commit bookkeeping) and without any hooks (`-c core.hooksPath=<empty
 *      dir>`), interleaved in the same worktree; the difference of the medians is what cwt adds to a commit.
 *      Two rows with the hooks: the per-user service running (started by `cwt install`, as for a user; the
 *      pre-commit shim asks it with bash's /dev/tcp, or curl) and not asked (CWT_NO_SERVICE=1: the Node hook, as without one).
 *   9. The command hook for an adopted tab's Write, with the webhook off and on (a receiver on 127.0.0.1):
 *      a Write of its own file (nothing to notify) and a denied Write (claim.deny: a sender process starts).
 *  10. A year of daily use compressed into minutes (the soak driver bench/year.ts, one process on the real
 *      SQLite file, its clock on simulated time): a session and a plain tab started and ended every day, one
 *      session open all year holding a lock, 100,000 PreToolUse Write decisions with claims through handleHook
 *      (the http fast path's handler, in process), 5,000 commits through the post-commit bookkeeping
 *      (Store.recordCommit, no git process), a memory merge and the CLI's daily retention pass at nearly every
 *      session end; `cwt gc`
 *      (collectGarbage, in process) at mid-year and at the end. Reported: a decision's median and p99 in the
 *      first and the last 10% of the run, real command-hook processes timed at the start and at the end, and
 *      the store's size and rows before and after each gc.
 *  11. `cwt mcp` ready: spawn it as Claude Code does (stdin and stdout pipes, in a repository), write
 *      `initialize`, and time to its answer; and to the answer of `tools/list` sent right after (what Claude
 *      Code waits for before a session's first turn). Goal: ready <= 150 ms.
 *
 *  12. The live views: a running `cwt dashboard` on SQLite and on PostgreSQL, an SSE client in this process; the
 *      time from another connection's event commit to the push that carries it (bench/live.mjs).
 *
 *  13. The per-user fast path (`cwt serve`, issue 17) after `cwt install`: a PreToolUse Write decision as Claude
 *      Code waits for it — the two handlers cwt installs for that kind of session started together, until both
 *      are done: the http one and the kind's own `cwt mcp` (mcp_tool) or the fallback guard (`sh -c`) — for a
 *      `cwt new` session, a plain tab, a `claude -w` session and an adopted tab in a cwt worktree; the plain
 *      tab with the guard pair (`--no-mcp`) for comparison; and the halves alone. Prints the goal (<= 2 ms) met or not.
 *
 * Isolation: everything runs under one temporary root in os.tmpdir() with its own HOME, CWT_HOME,
 * CWT_CLAUDE_HOME=$HOME/.claude, CWT_NO_USER_CONFIG=1, GIT_CONFIG_NOSYSTEM=1 and GIT_CONFIG_GLOBAL=<root>/gitconfig,
 * without NODE_EXTRA_CA_CERTS and NODE_OPTIONS (they change every Node start's cost; see NODE_START_VARS);
 * the root is removed at the end, on error, and on SIGINT/SIGTERM/SIGHUP. Only node:* modules, no shell strings.
 *
 * Usage: node bench/run.mjs [--runs N] [--max-seconds S] [--quick] [--only <list>] [--json <file>]
 *   --runs N         timed runs per row (default 15; 3 with --quick); one extra warm-up round is always discarded
 *   --max-seconds S  per scenario, start no new round once the timed rounds took S seconds and at least 5 are
 *                    done (default 90; 0 = no cap, the default with --quick). Keeps the full run near 3 minutes
 *                    when the filesystem is slow (one 20,000-file checkout took from ~0.9 s to ~6 s on this VM).
 *   --quick          smoke test: fewer runs, 10 sessions instead of 50, a 2,000-file repo instead of 20,000,
 *                    200 memory files with 20 changed on each side instead of 1,000 and 100 (scenario 4
 *                    keeps its 8 sessions and 500 claims: they are quick to set up), and for scenario 10
 *                    120 days with 6,000 decisions and 300 commits instead of 365, 100,000 and 5,000
 *   --only <list>    run only these scenarios, comma-separated: status, new, append, hooks, memory, leases,
 *                    postgres, commit, notify, year, mcp, live, fastpath (default: all)
 *   --json <file>    also write the results as JSON to <file> (nothing is written without it)
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import os from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const HERE = dirname(fileURLToPath(import.meta.url));
const PROJECT = resolve(HERE, '..');
const CWT_BUNDLE = join(PROJECT, 'dist', 'cwt.js');
/** bin/cwt.js of the snapshot taken at start (see snapshotBuild); set before any cwt run. */
let CWT_BIN;

// ---------------------------------------------------------------------------------------------------------
// Command line

const USAGE = 'Usage: node bench/run.mjs [--runs N] [--max-seconds S] [--quick] [--only status,new,append,hooks,memory,leases,postgres,commit,notify,year,mcp,live,fastpath] [--json <file>]';
const SCENARIO_NAMES = ['status', 'new', 'append', 'hooks', 'memory', 'leases', 'postgres', 'commit', 'notify', 'year', 'mcp', 'live', 'fastpath'];

function parseCommandLine(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { runs: { type: 'string' }, 'max-seconds': { type: 'string' }, quick: { type: 'boolean' }, only: { type: 'string' }, json: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    process.stderr.write(`bench: ${error.message}\n${USAGE}\n`);
    process.exit(2);
  }
  const { values } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const quick = values.quick === true;
  let runs = quick ? 3 : 15;
  if (values.runs !== undefined) {
    runs = Number(values.runs);
    if (!Number.isInteger(runs) || runs < 1) {
      process.stderr.write(`bench: --runs wants a positive integer, got '${values.runs}'\n${USAGE}\n`);
      process.exit(2);
    }
  }
  let maxSeconds = quick ? 0 : 90;
  if (values['max-seconds'] !== undefined) {
    maxSeconds = Number(values['max-seconds']);
    if (!Number.isFinite(maxSeconds) || maxSeconds < 0) {
      process.stderr.write(`bench: --max-seconds wants a number >= 0, got '${values['max-seconds']}'\n${USAGE}\n`);
      process.exit(2);
    }
  }
  const only = values.only === undefined ? SCENARIO_NAMES : values.only.split(',').map((name) => name.trim());
  const unknown = only.filter((name) => !SCENARIO_NAMES.includes(name));
  if (unknown.length > 0 || only.length === 0) {
    process.stderr.write(`bench: --only takes ${SCENARIO_NAMES.join(', ')}; got '${values.only}'\n${USAGE}\n`);
    process.exit(2);
  }
  return {
    quick,
    runs,
    only,
    maxSeconds,
    warmup: 1,
    jsonPath: values.json === undefined ? undefined : resolve(values.json),
    sessions: quick ? 10 : 50,
    // 200 directories x 100 files = 20,000 files (quick: 20 x 100 = 2,000), nested two levels deep.
    repoDirs: quick ? 20 : 200,
    filesPerDir: 100,
    memoryFiles: quick ? 200 : 1000,
    memoryChanged: quick ? 20 : 100,
    // Scenario 10; --quick still crosses the 90-day window of ended sessions.
    year: quick ? { days: 120, decisions: 6_000, commits: 300 } : { days: 365, decisions: 100_000, commits: 5_000 },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Sandbox (the few lines of test/helpers/env.ts and test/helpers/git.ts that we need)

/** Variables of the outer environment that would leak a developer's or CI's state into the runs. */
const LEAKY = ['CWT_SESSION', 'CWT_STORE', 'CWT_HOST_ID', 'CWT_DEBUG', 'CWT_FAILPOINT', 'CWT_AGENT', 'CWT_WORKTREE_DIR', 'CWT_SESSION_TTL', 'CWT_MERGE_ENGINE', 'XDG_STATE_HOME', 'XDG_CONFIG_HOME', 'GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_COMMON_DIR', 'GIT_PREFIX', 'CLAUDECODE', 'CLAUDE_CODE_SESSION_ID', 'CLAUDE_PROJECT_DIR'];

/**
 * Variables that change what every Node start costs, so they would skew the baseline and every cwt row alike.
 * NODE_EXTRA_CA_CERTS above all: Node 20 reads and parses that certificate file at start-up, before any code
 * runs, whether or not the process ever opens a TLS connection (none of the scenarios does). On a machine
 * that sets it to a system bundle (~140 certificates), `node -e 0` takes ~75 ms instead of ~30 ms: the ratios
 * to `node -e 0` would then compare cwt's own cost with a baseline that is mostly certificate parsing.
 * Stripped from the runs; the header says which were set and what `node -e 0` cost with them.
 */
const NODE_START_VARS = ['NODE_EXTRA_CA_CERTS', 'NODE_OPTIONS'];

function createSandbox() {
  // realpath: a symlinked tmpdir would make git report other paths than the ones we computed.
  const root = realpathSync(mkdtempSync(join(os.tmpdir(), 'cwt-bench-')));
  const home = join(root, 'home');
  mkdirSync(home, { recursive: true });
  const env = { ...process.env };
  for (const name of [...LEAKY, ...NODE_START_VARS]) delete env[name];
  Object.assign(env, {
    HOME: home,
    CWT_HOME: join(root, 'state'),
    CWT_CLAUDE_HOME: join(home, '.claude'),
    CWT_NO_USER_CONFIG: '1',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: join(root, 'gitconfig'),
    NO_COLOR: '1',
  });
  writeFileSync(env.GIT_CONFIG_GLOBAL, '');
  return { root, env };
}

let sandboxRoot;
/** Scenario 2's repository and worktrees on tmpfs (see findTmpfs), removed with the sandbox. */
let tmpfsRoot;
/** Long-running children (scenario 4's session supervisors): stopped before the sandbox goes. */
const background = new Set();

function stopBackground() {
  // SIGTERM: a cwt supervisor forwards it to its agent, and both exit.
  for (const child of background) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  background.clear();
}

function removeSandbox() {
  stopBackground();
  if (tmpfsRoot !== undefined) rmSync(tmpfsRoot, { recursive: true, force: true, maxRetries: 3 });
  tmpfsRoot = undefined;
  if (sandboxRoot === undefined) return;
  const root = sandboxRoot;
  sandboxRoot = undefined;
  try {
    rmSync(root, { recursive: true, force: true, maxRetries: 3 });
  } catch (error) {
    process.stderr.write(`bench: could not remove ${root}: ${error.message}\n`);
  }
}

for (const [signal, number] of [['SIGINT', 2], ['SIGTERM', 15], ['SIGHUP', 1]]) {
  process.on(signal, () => {
    process.stderr.write(`\nbench: ${signal}, cleaning up\n`);
    removeSandbox();
    process.exit(128 + number);
  });
}

/**
 * spawnSync blocks the event loop, so a signal handler only runs once the loop turns: the loops below turn it
 * between child processes, so SIGTERM/SIGINT sent to this process alone still stops it promptly and cleans up.
 */
const yieldToSignals = () => new Promise((resolvePromise) => setImmediate(resolvePromise));

/** A child killed by Ctrl-C (the terminal signals the whole process group): stop quietly, not as a failure. */
class Interrupted extends Error {
  constructor(signal) {
    super(`interrupted (${signal})`);
    this.exitCode = 128 + (os.constants.signals[signal] ?? 2);
  }
}

function checkInterrupted(result) {
  if (result.signal === 'SIGINT' || result.signal === 'SIGTERM' || result.signal === 'SIGHUP') throw new Interrupted(result.signal);
}

/**
 * Copies the build (bin/, dist/, templates/, package.json; node_modules as a symlink) into the sandbox and
 * runs cwt from there, so a concurrent `npm run build` in the checkout (which empties dist/) can neither break
 * the run nor change what is measured halfway through it. Retries while dist/ is being rebuilt.
 */
async function snapshotBuild(root, env) {
  const target = join(root, 'cwt');
  for (let attempt = 1; ; attempt++) {
    rmSync(target, { recursive: true, force: true });
    try {
      mkdirSync(target, { recursive: true });
      for (const name of ['bin', 'dist', 'templates']) cpSync(join(PROJECT, name), join(target, name), { recursive: true });
      copyFileSync(join(PROJECT, 'package.json'), join(target, 'package.json'));
      symlinkSync(join(PROJECT, 'node_modules'), join(target, 'node_modules'), 'dir');
      checkChunks(join(target, 'dist'));
      const bin = join(target, 'bin', 'cwt.js');
      // Loads the entry and the status chunk (and the store): a half-written dist/ fails here.
      mustRun(process.execPath, [bin, 'status', '--all', '--json'], { cwd: root, env });
      return bin;
    } catch (error) {
      if (error instanceof Interrupted || attempt >= 10) throw error;
      note(`dist/ not usable yet (a build running?), retrying: ${String(error.message).split('\n')[0]}`);
      await new Promise((resolvePromise) => setTimeout(resolvePromise, 3000));
    }
  }
}

/** Throws unless every relative `./chunk.js` that a dist file imports was copied too (no half-built dist/). */
function checkChunks(distDir) {
  for (const name of readdirSync(distDir).filter((file) => file.endsWith('.js'))) {
    const text = readFileSync(join(distDir, name), 'utf8');
    for (const match of text.matchAll(/["'](\.\/[\w.-]+\.js)["']/g)) {
      if (!existsSync(join(distDir, match[1]))) throw new Error(`dist/${name} imports missing ${match[1]}`);
    }
  }
}

/** Runs a setup command (untimed); throws with its output when it fails. */
function mustRun(file, args, { cwd, env }) {
  const result = spawnSync(file, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw result.error;
  checkInterrupted(result);
  if (result.status !== 0) {
    throw new Error(`${[file, ...args].join(' ')} (cwd ${cwd}) exited ${result.status ?? result.signal}\n${result.stdout}${result.stderr}`);
  }
  return result.stdout.trim();
}

const git = (cwd, env, args) => mustRun('git', args, { cwd, env });
const cwt = (cwd, env, args) => mustRun(process.execPath, [CWT_BIN, ...args], { cwd, env });

/** `git init -b main`, an identity, gc.auto 0, no signing; `populate` writes the files of the first commit. */
function createRepo(dir, env, populate) {
  mkdirSync(dir, { recursive: true });
  git(dir, env, ['init', '-q', '-b', 'main']);
  git(dir, env, ['config', 'user.email', 'bench@example.com']);
  git(dir, env, ['config', 'user.name', 'cwt bench']);
  git(dir, env, ['config', 'gc.auto', '0']);
  git(dir, env, ['config', 'commit.gpgsign', 'false']);
  populate(dir);
  git(dir, env, ['add', '-A']);
  git(dir, env, ['commit', '-q', '-m', 'initial commit']);
  return dir;
}

/** Flushes dirty pages (untimed), so writeback from the previous run's checkout or removal does not land in the next timed run. */
function settle() {
  if (process.platform !== 'win32') spawnSync('sync', [], { stdio: 'ignore' });
}

// ---------------------------------------------------------------------------------------------------------
// Measurement

/** Spawns one child synchronously and returns its wall time in ms; a failing run aborts the benchmark. */
function timeSpawn(file, args, { cwd, env, input }) {
  const started = process.hrtime.bigint();
  // With `input`: stdin is a pipe that gets it and is closed, as Claude Code feeds a command hook.
  const result = spawnSync(file, args, { cwd, env, input, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  const elapsed = process.hrtime.bigint() - started;
  if (result.error) throw result.error;
  checkInterrupted(result);
  if (result.status !== 0) {
    throw new Error(`timed run failed: ${[file, ...args].join(' ')} (cwd ${cwd}) exited ${result.status ?? result.signal}\n${result.stdout}${result.stderr}`);
  }
  return Number(elapsed) / 1e6;
}

/** Like timeSpawn, and also returns the child's stderr (for the --debug trace). */
function timeSpawnWithStderr(file, args, { cwd, env }) {
  const started = process.hrtime.bigint();
  const result = spawnSync(file, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  const elapsed = process.hrtime.bigint() - started;
  if (result.error) throw result.error;
  checkInterrupted(result);
  if (result.status !== 0) {
    throw new Error(`timed run failed: ${[file, ...args].join(' ')} (cwd ${cwd}) exited ${result.status ?? result.signal}\n${result.stdout}${result.stderr}`);
  }
  return { ms: Number(elapsed) / 1e6, stderr: result.stderr };
}

/**
 * Which NODE_START_VARS the outer environment sets, and `node -e 0` with and without them (medians of 7,
 * interleaved); undefined when it sets none.
 */
function measureStrippedNodeStart(env) {
  const names = NODE_START_VARS.filter((name) => process.env[name] !== undefined);
  if (names.length === 0) return undefined;
  const withVars = { ...env, ...Object.fromEntries(names.map((name) => [name, process.env[name]])) };
  const samples = { with: [], without: [] };
  const runs = 7;
  for (let i = 0; i < runs; i++) {
    for (const [key, runEnv] of i % 2 === 0 ? [['with', withVars], ['without', env]] : [['without', env], ['with', withVars]]) {
      const started = process.hrtime.bigint();
      spawnSync(process.execPath, ['-e', '0'], { env: runEnv, stdio: 'ignore' });
      samples[key].push(Number(process.hrtime.bigint() - started) / 1e6);
    }
  }
  return { names, runs, withMs: round2(stats(samples.with).median), withoutMs: round2(stats(samples.without).median) };
}

function stats(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  const median = n % 2 === 1 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  const p90 = sorted[Math.min(n - 1, Math.ceil(0.9 * n) - 1)]; // nearest rank
  return { n, median, p90, min: sorted[0], max: sorted[n - 1] };
}

/**
 * Runs `warmup` discarded rounds and then up to `runs` timed rounds. A round runs every case once, in an order
 * that rotates from round to round (so every case takes every position equally often). A case is
 * { key, label, command, run(round) -> ms, after?(round) } where `after` is untimed cleanup; `run` may be async
 * and may return several samples (an array of ms: scenario 4a times a batch of decisions per round). Time cap: once the
 * timed rounds have taken `maxSeconds` (cleanup included) and at least MIN_RUNS are done, no further round
 * starts; rounds are never cut short, so every row of a scenario has the same N.
 */
const MIN_RUNS = 5;

async function measureInterleaved(cases, { runs, warmup, maxSeconds, progress }) {
  const samples = Object.fromEntries(cases.map((c) => [c.key, []]));
  const total = warmup + runs;
  let timedStarted;
  let capped = false;
  for (let round = 0; round < total; round++) {
    const timed = round >= warmup;
    if (timed && timedStarted === undefined) timedStarted = process.hrtime.bigint();
    if (timed && maxSeconds > 0 && round - warmup >= Math.min(MIN_RUNS, runs) && Number(process.hrtime.bigint() - timedStarted) / 1e9 > maxSeconds) {
      capped = true;
      break;
    }
    for (let k = 0; k < cases.length; k++) {
      const c = cases[(round + k) % cases.length];
      const ms = await c.run(round);
      c.after?.(round);
      if (timed) samples[c.key].push(...(Array.isArray(ms) ? ms : [ms]));
      await yieldToSignals();
    }
    progress?.(round + 1, total);
  }
  const rows = cases.map((c) => ({ key: c.key, label: c.label, command: c.command, samplesMs: samples[c.key].map(round2), ...roundStats(stats(samples[c.key])) }));
  return { rows, capped };
}

const round2 = (x) => Math.round(x * 100) / 100;
function roundStats(s) {
  return { n: s.n, medianMs: round2(s.median), p90Ms: round2(s.p90), minMs: round2(s.min), maxMs: round2(s.max) };
}

function progressLine(label) {
  const tty = process.stderr.isTTY;
  return (done, total) => {
    if (tty) process.stderr.write(`\r  ${label}: round ${done}/${total}   `);
    if (tty && done === total) process.stderr.write('\r\x1b[K');
  };
}

function note(text) {
  process.stderr.write(`  ${text}\n`);
}

function baselineCase(cwd, env) {
  return {
    key: 'baseline',
    label: 'node -e 0 (baseline)',
    command: 'node -e 0',
    run: () => timeSpawn(process.execPath, ['-e', '0'], { cwd, env }),
  };
}

// Issue 17's goals for the process-start rows (medians, ratios in the same run).
const STATUS_GOAL_RATIO = 1.3;
const APPEND_GOAL_RATIO = 1.3;
const COMMIT_GOAL_MS = 50;
const NEW_GOAL_MS = 60;

function goalNote(what, ratio, goal) {
  return `goal <= ${goal}x node -e 0 for ${what}: ${ratio.toFixed(2)}x, ${ratio <= goal ? 'met' : 'NOT met'}`;
}

// ---------------------------------------------------------------------------------------------------------
// Scenario 1: cwt status with many sessions

async function scenarioStatus(sandbox, opts) {
  const { env } = sandbox;
  const repo = createRepo(join(sandbox.root, 'status-repo'), env, (dir) => writeFileSync(join(dir, 'README.md'), '# bench repo\n'));
  const started = Date.now();
  for (let i = 0; i < opts.sessions; i++) {
    cwt(repo, env, ['new', `b${i}`, '--no-launch']);
    await yieldToSignals();
  }
  note(`scenario 1: created ${opts.sessions} sessions (worktrees in ../status-repo.worktrees/) in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  // Sanity check (untimed): status really sees every session.
  const listed = JSON.parse(cwt(repo, env, ['status', '--json']));
  if (!Array.isArray(listed) || listed.length !== opts.sessions) {
    throw new Error(`cwt status --json listed ${Array.isArray(listed) ? listed.length : 'no array'} sessions, expected ${opts.sessions}`);
  }

  const cwtCase = (key, args) => ({
    key,
    label: `cwt ${args.join(' ')}`,
    command: `cwt ${args.join(' ')}`,
    run: () => timeSpawn(process.execPath, [CWT_BIN, ...args], { cwd: repo, env }),
  });
  const { rows, capped } = await measureInterleaved([baselineCase(repo, env), cwtCase('status', ['status']), cwtCase('status-json', ['status', '--json'])], {
    ...opts,
    progress: progressLine('scenario 1'),
  });
  const base = rows.find((r) => r.key === 'baseline').medianMs;
  for (const row of rows) row.ratioToBaseline = round2(row.medianMs / base);
  return {
    id: 'status',
    title: `Scenario 1: cwt status, ${opts.sessions} sessions (${opts.sessions} worktrees, 1-commit repo), cwd = main checkout`,
    setup: { sessions: opts.sessions },
    capped,
    rows,
    notes: [goalNote('cwt status', rows.find((r) => r.key === 'status').ratioToBaseline, STATUS_GOAL_RATIO)],
  };
}

// ---------------------------------------------------------------------------------------------------------
// Scenario 2: cwt new --no-launch vs plain git worktree add on a large repository

/**
 * A tmpfs mount to build scenario 2's checkouts on (CWT_BENCH_TMPFS, else /dev/shm when it is tmpfs), or undefined.
 * What cwt adds to `git worktree add` is tens of milliseconds; a 20,000-file checkout on this kind of machine's
 * disk takes 0.3–6 s depending on writeback, so on disk the difference of the medians is mostly disk noise.
 */
function findTmpfs() {
  const wanted = process.env.CWT_BENCH_TMPFS ?? '/dev/shm';
  let mounts = '';
  try {
    mounts = readFileSync('/proc/mounts', 'utf8');
  } catch {
    return undefined;
  }
  const isTmpfs = mounts.split('\n').some((line) => {
    const [, mountPoint, type] = line.split(' ');
    return mountPoint === wanted && type === 'tmpfs';
  });
  return isTmpfs && existsSync(wanted) ? wanted : undefined;
}

async function scenarioNew(sandbox, opts) {
  const { env } = sandbox;
  const fileCount = opts.repoDirs * opts.filesPerDir;
  const started = Date.now();
  const tmpfs = findTmpfs();
  // The state dir and ~/.claude stay where they are (a user's are on disk); only the checkouts move.
  if (tmpfs !== undefined) tmpfsRoot = realpathSync(mkdtempSync(join(tmpfs, 'cwt-bench-new-')));
  const checkoutsRoot = tmpfsRoot ?? sandbox.root;
  note(tmpfs !== undefined ? `scenario 2: repository and worktrees on tmpfs (${tmpfsRoot})` : 'scenario 2: no tmpfs found (CWT_BENCH_TMPFS, /dev/shm): repository and worktrees on disk, where the checkout time varies by seconds');
  const repo = createRepo(join(checkoutsRoot, 'big-repo'), env, (dir) => {
    writeFileSync(join(dir, 'README.md'), '# bench repo\n');
    for (let d = 0; d < opts.repoDirs; d++) {
      // Nested: src/g<group>/m<module>/f<n>.txt, 10 modules per group.
      const sub = join(dir, 'src', `g${Math.floor(d / 10)}`, `m${d}`);
      mkdirSync(sub, { recursive: true });
      for (let f = 0; f < opts.filesPerDir; f++) writeFileSync(join(sub, `f${f}.txt`), `module ${d}, file ${f}\n`);
    }
  });
  note(`scenario 2: generated and committed a ${fileCount.toLocaleString('en-US')}-file repo in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  // Both kinds of worktree go in the same parent, cwt's default ../<repo>.worktrees/.
  const parent = join(checkoutsRoot, 'big-repo.worktrees');
  // Keeping conditions equal: the worktrees are NOT removed between runs; every run creates a new one under a
  // fresh name (bench-<i> / plain-<i>, same parent directory). Removing the 20,000-file checkout after each run
  // was tried and rejected: on this machine's ext4 (no journal, mounted with discard) creating files right after a
  // mass delete is several times slower (20,000 files: ~1.9 s right after deleting a tree that size, ~0.3 s
  // otherwise; `git worktree add` went to ~6 s with the cleanup in the loop), so each timed run would mostly
  // measure the filesystem recovering from the previous cleanup, and the run would take minutes longer. What grows, identically for both rows since they alternate, is the number of registered
  // worktrees and branches (2 per round), which costs git nothing measurable. After each cwt run, outside the
  // timed region, `cwt end bench-<i>` (without --remove) marks its session ended, so every `cwt new` sees the
  // same set of live sibling sessions (none). After every run, dirty pages are flushed (untimed) so writeback of
  // one checkout does not land in the next timed run.
  // The goal is about cwt's time outside git's own checkout, which varies by hundreds of ms from run to run here
  // (the difference of two medians carries that noise): each timed run's --debug trace says how long its
  // `git worktree add` took, and the run's time less that is cwt's own, paired within the run.
  const outsideCheckoutMs = [];
  const cwtNew = {
    key: 'cwt-new',
    label: 'cwt new bench-<i> --no-launch',
    command: 'cwt new bench-<i> --no-launch',
    run: (i) => {
      const { ms, stderr } = timeSpawnWithStderr(process.execPath, [CWT_BIN, 'new', `bench-${i}`, '--no-launch'], { cwd: repo, env: { ...env, CWT_DEBUG: '1' } });
      const checkout = /\] git: worktree add .* -> 0 \(([\d.]+)ms\)/.exec(stderr);
      if (!checkout) throw new Error(`no git worktree add timing in the --debug trace of cwt new:\n${stderr}`);
      if (i >= opts.warmup) outsideCheckoutMs.push(ms - Number(checkout[1]));
      return ms;
    },
    after: (i) => {
      cwt(repo, env, ['end', `bench-${i}`]);
      settle();
    },
  };
  const gitAdd = {
    key: 'git-worktree-add',
    label: 'git worktree add -b plain-<i> <path>',
    command: 'git worktree add -b plain-<i> ../big-repo.worktrees/plain-<i>',
    run: (i) => timeSpawn('git', ['worktree', 'add', '-b', `plain-${i}`, join(parent, `plain-${i}`)], { cwd: repo, env }),
    after: () => settle(),
  };
  mkdirSync(parent, { recursive: true });
  settle();
  await yieldToSignals();
  const { rows, capped } = await measureInterleaved([baselineCase(repo, env), cwtNew, gitAdd], { ...opts, progress: progressLine('scenario 2') });
  const base = rows.find((r) => r.key === 'baseline').medianMs;
  const plain = rows.find((r) => r.key === 'git-worktree-add').medianMs;
  const outside = stats(outsideCheckoutMs);
  for (const row of rows) {
    row.ratioToBaseline = round2(row.medianMs / base);
    if (row.key !== 'baseline') row.ratioToGitWorktreeAdd = round2(row.medianMs / plain);
  }
  return {
    id: 'new',
    title: `Scenario 2: cwt new --no-launch vs git worktree add, ${fileCount.toLocaleString('en-US')}-file repo (${opts.repoDirs} dirs x ${opts.filesPerDir} files)`,
    setup: { files: fileCount, dirs: opts.repoDirs, filesPerDir: opts.filesPerDir, checkouts: tmpfsRoot !== undefined ? 'tmpfs' : 'disk', worktrees: 'kept: each run adds a new worktree and branch; cwt sessions ended (not removed) after each run' },
    capped,
    rows,
    outsideCheckout: { medianMs: round2(outside.median), minMs: round2(outside.min), p90Ms: round2(outside.p90), n: outside.n },
    notes: [
      `cwt new adds ${(rows.find((r) => r.key === 'cwt-new').medianMs - plain).toFixed(1)} ms over plain git worktree add (difference of the medians, which carries the checkout's run-to-run noise)`,
      `cwt new outside its own git worktree add (each run's time less its checkout's, from the --debug trace): median ${outside.median.toFixed(1)} ms, p90 ${outside.p90.toFixed(1)}, min ${outside.min.toFixed(1)} (N ${outside.n}); goal <= +${NEW_GOAL_MS} ms outside git's checkout time: ${outside.median <= NEW_GOAL_MS ? 'met' : 'NOT met'}`,
    ],
  };
}

// ---------------------------------------------------------------------------------------------------------
// Scenario 3: cwt append (locked, atomic read-modify-write) vs a flock(1) shell wrapper doing a plain append

async function scenarioAppend(sandbox, opts) {
  const { env } = sandbox;
  const dir = join(sandbox.root, 'append');
  mkdirSync(dir, { recursive: true });
  const cwtFile = join(dir, 'cwt-index.md');
  const flockFile = join(dir, 'flock-index.md');
  // Warm the store (created on first use) so every timed run sees the same state.
  cwt(dir, env, ['append', cwtFile, '- warm-up', '--quiet']);
  let n = 0;
  const cases = [
    baselineCase(dir, env),
    {
      key: 'append',
      label: 'cwt append <file> <line> --unique',
      command: 'cwt append',
      run: () => timeSpawn(process.execPath, [CWT_BIN, 'append', cwtFile, `- [skill-${++n}](skill-${n}/SKILL.md)`, '--unique', '--quiet'], { cwd: dir, env }),
    },
    {
      key: 'flock',
      label: 'flock(1) + sh append (reference)',
      command: 'flock',
      // The same append as a shell wrapper: serialised, but an in-place write (no atomic replace, no --unique).
      run: () => timeSpawn('flock', [`${flockFile}.lock`, 'sh', '-c', 'printf "%s\\n" "$1" >> "$2"', 'sh', `- [skill-${n}](skill-${n}/SKILL.md)`, flockFile], { cwd: dir, env }),
    },
  ];
  const { rows, capped } = await measureInterleaved(cases, { ...opts, progress: progressLine('scenario 3') });
  const base = rows.find((r) => r.key === 'baseline').medianMs;
  for (const row of rows) row.ratioToBaseline = round2(row.medianMs / base);
  return {
    id: 'append',
    title: 'Scenario 3: one shared-file append per process: cwt append vs a flock(1) shell wrapper',
    setup: {},
    capped,
    rows,
    notes: [goalNote('cwt append', rows.find((r) => r.key === 'append').ratioToBaseline, APPEND_GOAL_RATIO)],
  };
}

// ---------------------------------------------------------------------------------------------------------
// Scenario 4: the PreToolUse hook for a Write, with 8 live sessions and 500 claims in the store

const HOOK_SESSIONS = 8;
const HOOK_CLAIMS = 500;
/** Claimable relative paths: src/m<d>/f<f>.ts, 20 directories x 10 files. */
const HOOK_PATHS = Array.from({ length: 200 }, (_, i) => `src/m${Math.floor(i / 10)}/f${i % 10}.ts`);
/** Decisions timed per round and connection mode in 4a (a batch, as an agent's edits come in bursts). */
const HTTP_BATCH = 20;
/** What a decision takes at most, to count as the fast path: half of a ~6 ms Go hook binary. */
const HTTP_GOAL_MS = 3;
/** Issue 17's goal for a decision on the PostgreSQL store (one round trip: the cwt_tool_call function). */
const POSTGRES_HTTP_GOAL_MS = 2.5;
/** Issue 17: the command hook (the fallback when no fast path is reachable) within 1.2x node -e 0. */
const COMMAND_GOAL_RATIO = 1.2;
const GO_HOOK_MS = 6;

/**
 * A stand-in `claude` (first on PATH for the supervisors): records its arguments and CWT_* environment
 * (the hook token among them) as one JSON line, then sleeps until signalled, or until its supervisor is gone
 * so that nothing outlives a benchmark killed with SIGKILL.
 */
function installStandInClaude(root) {
  const binDir = join(root, 'stand-in-bin');
  mkdirSync(binDir, { recursive: true });
  const recordPath = join(root, 'stand-in-claude.jsonl');
  const script = `#!${process.execPath}
const fs = require('node:fs');
const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith('CWT_')));
fs.appendFileSync(${JSON.stringify(recordPath)}, JSON.stringify({ argv: process.argv.slice(2), pid: process.pid, env }) + '\\n');
const parent = process.ppid;
setInterval(() => {
  try { process.kill(parent, 0); } catch { process.exit(0); }
}, 1000);
`;
  writeFileSync(join(binDir, 'claude'), script);
  chmodSync(join(binDir, 'claude'), 0o755);
  return { binDir, recordPath };
}

/** The stand-in's record for the session on `branch`, once its agent started (polls; throws after 60 s). */
async function waitForStandIn(recordPath, branch, supervisor) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const lines = existsSync(recordPath) ? readFileSync(recordPath, 'utf8').split('\n').filter(Boolean) : [];
    const record = lines.map((line) => JSON.parse(line)).find((r) => r.env.CWT_BRANCH === branch);
    if (record) return record;
    if (supervisor.exitCode !== null || supervisor.signalCode !== null) throw new Error(`cwt new ${branch} exited (${supervisor.exitCode ?? supervisor.signalCode}) before its agent started`);
    if (Date.now() > deadline) throw new Error(`cwt new ${branch}: its agent did not start within 60 s`);
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 50));
  }
}

/** Claude Code's PreToolUse input for a Write (the fields it sends; content of a typical small source file). */
function writePayload(sessionId, cwd, filePath) {
  return JSON.stringify({
    session_id: sessionId,
    transcript_path: join(cwd, '.transcript.jsonl'),
    cwd,
    hook_event_name: 'PreToolUse',
    permission_mode: 'bypassPermissions',
    tool_name: 'Write',
    tool_use_id: 'toolu_bench',
    tool_input: { file_path: filePath, content: `${'export const value = 1;\n'.repeat(80)}` },
  });
}

/** One http hook call; resolves to { ms, status, body }. Timed from request start to the end of the body. */
function postHook(url, token, body, agent) {
  return new Promise((resolvePromise, reject) => {
    const started = process.hrtime.bigint();
    const req = httpRequest(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${token}` } },
      (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => resolvePromise({ ms: Number(process.hrtime.bigint() - started) / 1e6, status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function postHookChecked(url, token, body, agent) {
  let reply;
  try {
    reply = await postHook(url, token, body, agent);
  } catch (error) {
    // A kept-alive socket the server closed just as we reused it: once more, on a fresh connection.
    if (error.code !== 'ECONNRESET') throw error;
    reply = await postHook(url, token, body, agent);
  }
  if (reply.status !== 200) throw new Error(`hook POST ${url} answered ${reply.status}: ${reply.body}`);
  return reply;
}

/**
 * Scenario 4 on one store: `store` is undefined for SQLite (the default), or { url, label } for a
 * PostgreSQL URL, which becomes CWT_STORE of every cwt process and suffixes the rows' ids and titles.
 */
async function scenarioHooks(sandbox, opts, store) {
  const standIn = installStandInClaude(sandbox.root);
  const env = { ...sandbox.env, PATH: `${standIn.binDir}${delimiter}${sandbox.env.PATH ?? ''}` };
  delete env.CWT_HOOK_TOKEN;
  if (store) env.CWT_STORE = store.url;
  const on = store ? ` on ${store.label}` : '';
  const repo = createRepo(join(sandbox.root, store ? 'hooks-repo-postgres' : 'hooks-repo'), env, (dir) => writeFileSync(join(dir, 'README.md'), '# bench repo\n'));
  const started = Date.now();

  // 8 sessions, each a `cwt new` supervising the stand-in (live: the supervisor's pid is alive), started one
  // after the other so their worktree creation does not race.
  const sessions = [];
  for (let i = 0; i < HOOK_SESSIONS; i++) {
    const branch = `${store ? 'hook-pg' : 'hook'}-s${i}`;
    const supervisor = spawn(process.execPath, [CWT_BIN, 'new', branch], { cwd: repo, env, stdio: 'ignore' });
    background.add(supervisor);
    const record = await waitForStandIn(standIn.recordPath, branch, supervisor);
    sessions.push({ branch, supervisor, record, id: record.env.CWT_SESSION, worktree: record.env.CWT_WORKTREE });
  }

  // 500 claims: session i claims 62 or 63 paths from a window starting at 25*i, so neighbours overlap and most
  // paths are claimed in 2 or 3 worktrees (the case where a decision has merge-conflict risks to report).
  let claims = 0;
  for (let i = 0; i < HOOK_SESSIONS; i++) {
    const count = Math.floor(HOOK_CLAIMS / HOOK_SESSIONS) + (i < HOOK_CLAIMS % HOOK_SESSIONS ? 1 : 0);
    const paths = Array.from({ length: count }, (_, k) => HOOK_PATHS[(25 * i + k) % HOOK_PATHS.length]);
    cwt(sessions[i].worktree, env, ['claim', ...paths]);
    claims += count;
    await yieldToSignals();
  }
  const listed = JSON.parse(cwt(repo, env, ['status', '--json']));
  const live = listed.filter((s) => s.state === 'live').length;
  if (live !== HOOK_SESSIONS) throw new Error(`cwt status --json shows ${live} live sessions, expected ${HOOK_SESSIONS}`);
  note(`scenario 4: started ${HOOK_SESSIONS} supervised sessions and seeded ${claims} claims in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  // 4a. The fast path of the first session: URL from the --settings file its agent got, token from its env.
  const served = sessions[0];
  const settingsPath = served.record.argv[served.record.argv.indexOf('--settings') + 1];
  const settings = JSON.parse(readFileSync(settingsPath, 'utf8'));
  const handler = settings.hooks?.PreToolUse?.[0]?.hooks?.[0];
  if (handler?.type !== 'http') throw new Error(`${settingsPath}: PreToolUse is not an http hook: ${JSON.stringify(handler)}`);
  const url = handler.url;
  const token = served.record.env.CWT_HOOK_TOKEN;
  if (!token) throw new Error('the agent got no CWT_HOOK_TOKEN');
  // 20 paths, each claimed in 2 or 3 other worktrees (indices 100-119 lie in the windows of sessions 2, 3, 4).
  const httpPaths = HOOK_PATHS.slice(100, 100 + HTTP_BATCH).map((rel) => join(served.worktree, rel));
  const claudeId = 'bench-claude-http-0000';
  const payloads = httpPaths.map((path) => writePayload(claudeId, served.worktree, path));
  const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });
  // Sanity (untimed): a decision reports the sibling claims; a wrong token is refused.
  const first = JSON.parse((await postHookChecked(url, token, payloads[0], keepAlive)).body);
  if (!String(first.hookSpecificOutput?.additionalContext).includes('merge-conflict risk')) throw new Error(`unexpected decision: ${JSON.stringify(first)}`);
  if ((await postHook(url, 'wrong-token', payloads[0], false)).status !== 401) throw new Error('the hook server accepted a wrong token');
  const batch = (agent) => async () => {
    const samples = [];
    for (const payload of payloads) samples.push((await postHookChecked(url, token, payload, agent)).ms);
    return samples;
  };
  const httpCases = [
    baselineCase(repo, env),
    { key: 'http-keepalive', label: 'http PreToolUse Write, keep-alive', command: `POST ${url} (keep-alive Agent)`, run: batch(keepAlive) },
    { key: 'http-new-connection', label: 'http PreToolUse Write, new connection', command: `POST ${url} (agent: false)`, run: batch(false) },
  ];
  const http = await measureInterleaved(httpCases, { ...opts, progress: progressLine('scenario 4a') });
  keepAlive.destroy();
  const httpBase = http.rows.find((r) => r.key === 'baseline').medianMs;
  for (const row of http.rows) row.ratioToBaseline = round2(row.medianMs / httpBase);
  const httpBest = http.rows.find((r) => r.key === 'http-keepalive').medianMs;

  // 4b. The command hook for an adopted tab in the main checkout, writing a path claimed in 3 worktrees.
  const commandPath = join(repo, HOOK_PATHS[150]);
  const payload = writePayload('bench-claude-tab-0000', repo, commandPath);
  const hookArgs = [CWT_BIN, 'hook', 'pre-tool-use'];
  // Untimed: the first call adopts the tab (its pid: this process, the hook's parent, so it stays live).
  const adopted = spawnSync(process.execPath, hookArgs, { cwd: repo, env, input: payload, encoding: 'utf8' });
  if (adopted.status !== 0 || !adopted.stdout.includes('merge-conflict risk')) throw new Error(`command hook: unexpected answer (exit ${adopted.status}): ${adopted.stdout}${adopted.stderr}`);
  const commandCases = [
    baselineCase(repo, env),
    { key: 'command-hook', label: 'node bin/cwt.js hook pre-tool-use < Write', command: 'node bin/cwt.js hook pre-tool-use < payload', run: () => timeSpawn(process.execPath, hookArgs, { cwd: repo, env, input: payload }) },
  ];
  // 4c, in the same rounds: the Go guard's pre-edit on the same paths, when a binary is given.
  const guard = store ? undefined : findGuardBinary();
  let guardClaims = 0;
  if (guard) {
    const claimsOf = (i) => Array.from({ length: Math.floor(HOOK_CLAIMS / HOOK_SESSIONS) + (i < HOOK_CLAIMS % HOOK_SESSIONS ? 1 : 0) }, (_, k) => HOOK_PATHS[(25 * i + k) % HOOK_PATHS.length]);
    const prepared = await prepareGuardCase(sandbox, guard, { repo, sessions, claimsOf, commandPath });
    guardClaims = prepared.claims;
    commandCases.push(prepared.case);
  }
  const command = await measureInterleaved(commandCases, { ...opts, progress: progressLine('scenario 4b') });
  const commandBase = command.rows.find((r) => r.key === 'baseline').medianMs;
  for (const row of command.rows) row.ratioToBaseline = round2(row.medianMs / commandBase);
  const commandRatio = command.rows.find((r) => r.key === 'command-hook').ratioToBaseline;

  if (existsSync(join(env.CWT_HOME, 'hook-errors.log'))) throw new Error(`hook errors logged:\n${readFileSync(join(env.CWT_HOME, 'hook-errors.log'), 'utf8')}`);
  stopBackground();

  const setup = { liveSessions: HOOK_SESSIONS, claims: claims, adoptedTabs: 1 };
  return [
    {
      id: `hook-http${store ? '-postgres' : ''}`,
      title: `Scenario ${store ? '7a' : '4a'}: PreToolUse Write over the supervisor's http hook${on} (${HOOK_SESSIONS} live sessions, ${claims} claims), ms per decision`,
      setup: { ...setup, decisionsPerRound: HTTP_BATCH, paths: '20 paths, each claimed in 2-3 other worktrees' },
      capped: http.capped,
      rows: http.rows,
      notes: [
        `per-decision rows: ${HTTP_BATCH} decisions per round and mode, N = all decisions; the baseline row is per process`,
        `goal <= ${HTTP_GOAL_MS} ms per decision (0.5x a ~${GO_HOOK_MS} ms Go hook binary): keep-alive median ${httpBest.toFixed(2)} ms, ${httpBest <= HTTP_GOAL_MS ? 'met' : 'NOT met'}`,
        ...(store ? [`PostgreSQL goal <= ${POSTGRES_HTTP_GOAL_MS} ms per decision (one round trip): keep-alive median ${httpBest.toFixed(2)} ms, ${httpBest <= POSTGRES_HTTP_GOAL_MS ? 'met' : 'NOT met'}`] : []),
      ],
    },
    {
      id: `hook-command${store ? '-postgres' : ''}`,
      title: `Scenario ${store ? '7a' : '4b'}: command hook for an adopted tab's Write${on} (${HOOK_SESSIONS} live sessions, ${claims} claims)`,
      setup: { ...setup, path: 'claimed in 3 other worktrees' },
      capped: command.capped,
      rows: command.rows,
      notes: [
        `goal <= ${COMMAND_GOAL_RATIO}x node -e 0: ${commandRatio.toFixed(2)}x, ${commandRatio <= COMMAND_GOAL_RATIO ? 'met' : 'NOT met'}`,
        ...(store ? [] : [describeGuardRow(command.rows, guardClaims)]),
      ],
    },
  ];
}

// ---------------------------------------------------------------------------------------------------------
// Scenario 4c: claude-session-guard (Go) side by side with the command hook, when CWT_BENCH_GUARD names a
// built binary (its source is public, MIT; build it outside this project). Same repository and paths: its own
// 8 sessions, each claiming the same paths as scenario 4's sessions (seeded with its own pre-edit, so its
// state is what it writes itself), then one more session's Write of a path claimed in 3 of them.

const GUARD_VARIABLE = 'CWT_BENCH_GUARD';

/** The guard's binary from CWT_BENCH_GUARD, or undefined (the scenario prints a skip note). */
function findGuardBinary() {
  const path = process.env[GUARD_VARIABLE];
  if (path === undefined || path === '') return undefined;
  if (!existsSync(path)) throw new Error(`${GUARD_VARIABLE}=${path}: no such file`);
  return resolve(path);
}

/** The note under 4b: the guard's row against the command hook, or how to get it. */
function describeGuardRow(rows, claims) {
  const guardRow = rows.find((r) => r.key === 'guard-pre-edit');
  if (!guardRow) return `claude-session-guard (Go) comparison skipped: set ${GUARD_VARIABLE}=<path to a built claude-session-guard binary>`;
  const hook = rows.find((r) => r.key === 'command-hook').medianMs;
  return `claude-session-guard pre-edit (Go, its own state: ${HOOK_SESSIONS} sessions, ${claims} claims on the same paths): ${guardRow.medianMs.toFixed(2)} ms; the command hook is ${(hook / guardRow.medianMs).toFixed(1)}x that`;
}

function runGuard(guard, args, cwd, env, input) {
  const result = spawnSync(guard, args, { cwd, env, input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  if (result.error) throw result.error;
  checkInterrupted(result);
  if (result.status !== 0) throw new Error(`${guard} ${args.join(' ')} exited ${result.status ?? result.signal}\n${result.stdout}${result.stderr}`);
  return result.stdout;
}

/** Seeds the guard's state dir (own HOME for it, no Slack) and returns the timed case for its pre-edit. */
async function prepareGuardCase(sandbox, guard, { repo, sessions, claimsOf, commandPath }) {
  const guardEnv = { ...sandbox.env, CLAUDE_SESSION_GUARD_HOME: join(sandbox.root, 'guard-home') };
  for (const name of ['SLACK_BOT_TOKEN', 'SLACK_CHANNEL_ID', 'CLAUDE_SESSION_GUARD_CONFIG', 'CLAUDE_SESSION_ID']) delete guardEnv[name];
  let claims = 0;
  for (let i = 0; i < sessions.length; i++) {
    const id = `guard-session-${i}`;
    // The guard's sessions are tabs of the main checkout (it matches claims by absolute path).
    runGuard(guard, ['start'], repo, guardEnv, JSON.stringify({ session_id: id, cwd: repo, hook_event_name: 'SessionStart', source: 'startup' }));
    for (const rel of claimsOf(i)) {
      runGuard(guard, ['pre-edit'], repo, guardEnv, writePayload(id, repo, join(repo, rel)));
      claims++;
    }
    await yieldToSignals();
  }
  const payload = writePayload('guard-session-tab', repo, commandPath);
  const answer = spawnSync(guard, ['pre-edit'], { cwd: repo, env: guardEnv, input: payload, encoding: 'utf8' });
  if (answer.status !== 0 || !answer.stdout.includes('additionalContext')) throw new Error(`${guard} pre-edit: no conflict reported (exit ${answer.status}): ${answer.stdout}${answer.stderr}`);
  return {
    claims,
    case: { key: 'guard-pre-edit', label: 'claude-session-guard pre-edit < Write (Go)', command: `${guard} pre-edit < payload`, run: () => timeSpawn(guard, ['pre-edit'], { cwd: repo, env: guardEnv, input: payload }) },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Scenario 5: cwt merge-memory, in-process diff3 vs git merge-file

/** A memory note of 20 lines. */
function memoryNote(i) {
  return [`# Topic ${i}`, '', ...Array.from({ length: 18 }, (_, line) => `Fact ${line} about topic ${i}: something worth remembering.`)].join('\n') + '\n';
}

/** Every regular file under `dir`, relative path -> bytes, for the untimed equality check. */
function readTreeBytes(dir) {
  const out = new Map();
  const walk = (absolute, prefix) => {
    for (const entry of readdirSync(absolute, { withFileTypes: true })) {
      const rel = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
      if (entry.isDirectory()) walk(join(absolute, entry.name), rel);
      else if (entry.isFile()) out.set(rel, readFileSync(join(absolute, entry.name)));
    }
  };
  walk(dir, '');
  return out;
}

function sameTrees(a, b) {
  return a.size === b.size && [...a].every(([file, bytes]) => b.get(file)?.equals(bytes));
}

async function scenarioMergeMemory(sandbox, opts) {
  const { env } = sandbox;
  const { memoryFiles: count, memoryChanged: changed } = opts;
  const repo = createRepo(join(sandbox.root, 'memory-repo'), env, (dir) => writeFileSync(join(dir, 'README.md'), '# bench repo\n'));
  const canonical = join(env.CWT_CLAUDE_HOME, 'projects', repo.replace(/[^A-Za-z0-9]/g, '-'), 'memory');
  mkdirSync(canonical, { recursive: true });
  const index = Array.from({ length: count }, (_, i) => `- [Topic ${i}](topic-${i}.md): topic ${i}\n`).join('');
  writeFileSync(join(canonical, 'MEMORY.md'), `# Memory\n${index}`);
  for (let i = 0; i < count; i++) writeFileSync(join(canonical, `topic-${i}.md`), memoryNote(i));
  const session = JSON.parse(cwt(repo, env, ['new', 'bench-merge', '--no-launch', '--json']));
  // The same `changed` notes edited on both sides, in different lines; both sides append to MEMORY.md.
  for (let i = 0; i < changed; i++) {
    const lines = memoryNote(i).split('\n');
    const ours = [...lines];
    ours[15] = `Fact 13 about topic ${i}: corrected in canonical by another session.`;
    writeFileSync(join(canonical, `topic-${i}.md`), ours.join('\n'));
    const theirs = [...lines];
    theirs[4] = `Fact 2 about topic ${i}: corrected by this session.`;
    writeFileSync(join(session.memoryDir, `topic-${i}.md`), theirs.join('\n'));
  }
  writeFileSync(join(canonical, 'MEMORY.md'), `# Memory\n${index}- [Other](other.md): from another session\n`);
  writeFileSync(join(session.memoryDir, 'MEMORY.md'), `# Memory\n${index}- [Mine](mine.md): from this session\n`);
  writeFileSync(join(session.memoryDir, 'mine.md'), 'a new note\n');
  // Templates to put canonical and the session's base back after every run (untimed).
  const templates = join(sandbox.root, 'memory-templates');
  cpSync(canonical, join(templates, 'canonical'), { recursive: true });
  cpSync(session.memoryBase, join(templates, 'base'), { recursive: true });
  const memoryState = join(env.CWT_HOME, 'memory');
  const reset = () => {
    for (const [dir, template] of [[canonical, 'canonical'], [session.memoryBase, 'base']]) {
      rmSync(dir, { recursive: true, force: true });
      cpSync(join(templates, template), dir, { recursive: true });
    }
    // Every run starts without earlier backups, so none pays for pruning them.
    rmSync(memoryState, { recursive: true, force: true });
    settle();
  };
  const gitEnv = { ...env, CWT_MERGE_ENGINE: 'git' };

  // Untimed checks: the plan is what the scenario says, and both engines leave byte-identical canonical memory.
  const plan = JSON.parse(cwt(repo, env, ['merge-memory', session.id, '--dry-run', '--json']));
  if (plan.merged.length !== changed + 1 || plan.added.length !== 1 || plan.conflicts.length !== 0) {
    throw new Error(`unexpected plan: ${plan.merged.length} merged, ${plan.added.length} added, ${plan.conflicts.length} conflicts`);
  }
  cwt(repo, env, ['merge-memory', session.id]);
  const byDiff3 = readTreeBytes(canonical);
  reset();
  cwt(repo, gitEnv, ['merge-memory', session.id]);
  const byGit = readTreeBytes(canonical);
  reset();
  if (!sameTrees(byDiff3, byGit)) throw new Error('diff3 and git merge-file left different canonical memory');
  note(`scenario 5: ${count} memory files, ${changed} changed on both sides; diff3 and git merge-file results are byte-identical`);

  const planMs = { diff3: [], git: [] };
  const mergeCase = (key, label, caseEnv, engine) => ({
    key,
    label,
    command: label,
    run: (round) => {
      const { ms, stderr } = timeSpawnWithStderr(process.execPath, [CWT_BIN, 'merge-memory', session.id], { cwd: repo, env: { ...caseEnv, CWT_DEBUG: '1' } });
      const planned = /merge-memory: planned .* in ([\d.]+)ms/.exec(stderr);
      if (!planned) throw new Error(`no plan timing in the --debug trace:\n${stderr}`);
      if (round >= opts.warmup) planMs[engine].push(Number(planned[1]));
      return ms;
    },
    after: reset,
  });
  const { rows, capped } = await measureInterleaved(
    [baselineCase(repo, env), mergeCase('diff3', 'cwt merge-memory (diff3 in process)', env, 'diff3'), mergeCase('git', 'CWT_MERGE_ENGINE=git cwt merge-memory', gitEnv, 'git')],
    { ...opts, progress: progressLine('scenario 5') },
  );
  const base = rows.find((r) => r.key === 'baseline').medianMs;
  for (const row of rows) row.ratioToBaseline = round2(row.medianMs / base);
  const engine = Object.fromEntries(Object.entries(planMs).map(([key, samples]) => [key, roundStats(stats(samples))]));
  return {
    id: 'merge-memory',
    title: `Scenario 5: cwt merge-memory, ${count.toLocaleString('en-US')} memory files, ${changed} changed on each side (the same ${changed}, different lines)`,
    setup: { files: count, changedOnBothSides: changed, indexAppends: 'one line on each side' },
    capped,
    rows,
    engine,
    engineRatio: round2(engine.git.medianMs / engine.diff3.medianMs),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Scenario 7: the shared store (PostgreSQL) against the local one (SQLite)

const STORE_CLIENTS = 16;

/** 16 store-client processes at once for `durationMs`; resolves to the store calls per second of all of them. */
async function runStoreClients(env, storeModule, durationMs) {
  const startAt = Date.now() + 1500; // every client connected and waiting before the clock starts
  const clients = Array.from({ length: STORE_CLIENTS }, (_, index) => {
    const child = spawn(process.execPath, [join(HERE, 'store-client.mjs'), storeModule, String(index), String(startAt), String(durationMs)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    background.add(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    return new Promise((resolvePromise, reject) =>
      child.on('close', (code) => {
        background.delete(child);
        if (code === 0) resolvePromise(JSON.parse(out).calls);
        else reject(new Error(`store client ${index} exited ${code}: ${err}`));
      }),
    );
  });
  const calls = (await Promise.all(clients)).reduce((sum, n) => sum + n, 0);
  return calls / (durationMs / 1000);
}

async function scenarioPostgres(sandbox, opts) {
  const { findPostgresBinDir, startPostgresServer } = await import('../scripts/postgres-server.mjs');
  if (!findPostgresBinDir()) throw new Error('scenario postgres needs the PostgreSQL server binaries: apt-get install -y postgresql');
  const server = await startPostgresServer();
  try {
    const schemaUrl = (name) => {
      const url = new URL(server.url);
      url.searchParams.set('schema', name);
      return url.toString();
    };
    const label = 'PostgreSQL (127.0.0.1)';
    const hooks = await scenarioHooks(sandbox, opts, { url: schemaUrl('bench_hooks'), label });

    const storeModule = join(dirname(CWT_BIN), '..', 'dist', 'store.js');
    const durationMs = opts.quick ? 1000 : 3000;
    const rounds = opts.quick ? 1 : 3;
    const backends = [
      { key: 'sqlite', label: 'SQLite (WAL, one file)', env: (round) => ({ ...sandbox.env, CWT_HOME: join(sandbox.root, `store-bench-${round}`) }) },
      { key: 'postgres', label, env: (round) => ({ ...sandbox.env, CWT_STORE: schemaUrl(`bench_store_${round}`) }) },
    ];
    const samples = { sqlite: [], postgres: [] };
    for (let round = 0; round < rounds; round++) {
      for (const backend of round % 2 === 0 ? backends : [...backends].reverse()) {
        samples[backend.key].push(await runStoreClients(backend.env(round), storeModule, durationMs));
      }
    }
    const rows = backends.map((backend) => {
      const sorted = [...samples[backend.key]].sort((a, b) => a - b);
      return { key: backend.key, label: backend.label, n: sorted.length, medianOpsPerSec: Math.round(sorted[Math.floor(sorted.length / 2)]), minOpsPerSec: Math.round(sorted[0]), maxOpsPerSec: Math.round(sorted.at(-1)) };
    });
    const ratio = round2(rows[1].medianOpsPerSec / rows[0].medianOpsPerSec);
    return [
      ...hooks,
      {
        id: 'store-throughput',
        title: `Scenario 7b: store calls per second, ${STORE_CLIENTS} client processes at once for ${durationMs / 1000} s (getSession, claimPath, listClaims, heartbeatLock)`,
        throughput: true,
        rows,
        notes: [`PostgreSQL / SQLite: ${ratio.toFixed(2)}x (median of ${rounds} round(s) each; SQLite serialises writers on one file lock, PostgreSQL on per-key advisory locks)`],
      },
    ];
  } finally {
    await server.stop();
  }
}

function formatThroughput(scenario) {
  const header = ['store', 'N', 'median calls/s', 'min', 'max'];
  const lines = scenario.rows.map((r) => [r.label, String(r.n), String(r.medianOpsPerSec), String(r.minOpsPerSec), String(r.maxOpsPerSec)]);
  const widths = header.map((h, c) => Math.max(h.length, ...lines.map((l) => l[c].length)));
  const fmt = (cells) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  return [scenario.title, `  ${fmt(header)}`, `  ${widths.map((w) => '-'.repeat(w)).join('  ')}`, ...lines.map((l) => `  ${fmt(l)}`), ...(scenario.notes ?? []).map((t) => `  ${t}`)].join('\n');
}

// ---------------------------------------------------------------------------------------------------------
// Scenario 8: git commit with and without cwt's git hooks, 10,000 files, 6 sibling sessions

const COMMIT_FILES_DIRS = 100;
const COMMIT_SIBLINGS = 6;

async function scenarioCommit(sandbox, opts) {
  // A state dir of its own: `cwt install` below records (and starts) the per-user service there, which no other
  // scenario's `cwt new` or hooks should find.
  const env = { ...sandbox.env, CWT_HOME: join(sandbox.root, 'commit-state') };
  const started = Date.now();
  // 10,000 files at every size (--quick only runs fewer rounds): the figure is meant for this repository size.
  const repo = createRepo(join(sandbox.root, 'commit-repo'), env, (dir) => {
    writeFileSync(join(dir, 'README.md'), '# bench repo\n');
    for (let d = 0; d < COMMIT_FILES_DIRS; d++) {
      const sub = join(dir, 'src', `g${Math.floor(d / 10)}`, `m${d}`);
      mkdirSync(sub, { recursive: true });
      for (let f = 0; f < 100; f++) writeFileSync(join(sub, `f${f}.txt`), `module ${d}, file ${f}\n`);
    }
  });
  // The committing session and its siblings: `cwt new` installs the hooks (once) in the shared hooks dir.
  const worktrees = [];
  for (let i = 0; i <= COMMIT_SIBLINGS; i++) {
    worktrees.push(cwt(repo, env, ['new', `c${i}`, '--no-launch']));
    await yieldToSignals();
  }
  const sessions = JSON.parse(cwt(repo, env, ['status', '--json']));
  const [mine, ...siblings] = worktrees;
  const sessionId = sessions.find((session) => session.worktree === mine)?.id;
  if (sessionId === undefined) throw new Error(`no session for ${mine} in cwt status --json`);
  // Siblings at work: each has an uncommitted change in a file of its own (not the one committed below).
  siblings.forEach((worktree, i) => writeFileSync(join(worktree, 'src', 'g1', `m${10 + i}`, 'f1.txt'), `sibling ${i} at work\n`));
  const hooks = readdirSync(join(repo, '.git', 'hooks')).filter((name) => !name.endsWith('.sample')).sort();
  if (hooks.join(',') !== 'post-commit,post-merge,post-rewrite,pre-commit') throw new Error(`cwt new did not install the git hooks: ${hooks.join(', ')}`);
  const noHooks = join(sandbox.root, 'no-hooks');
  mkdirSync(noHooks, { recursive: true });
  note(`scenario 8: ${(COMMIT_FILES_DIRS * 100).toLocaleString('en-US')}-file repo, ${COMMIT_SIBLINGS + 1} sessions in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  // The per-user service, started as `cwt install` starts it: the pre-commit shim asks it (bash, or curl) before Node.
  const installed = JSON.parse(cwt(repo, env, ['install', '--json']));
  const pidFile = join(env.CWT_HOME, 'fastpath.pid');
  let servicePid = 0;
  for (const deadline = Date.now() + 30_000; installed.fastPath && servicePid === 0 && Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
    servicePid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim().split(' ')[0]) || 0 : 0;
  }
  if (servicePid === 0) note('scenario 8: no per-user service here (it needs Linux /proc/net/tcp, and bash or curl for the shim): the service row is skipped');
  const clientHere = spawnSync('sh', ['-c', 'command -v bash || command -v curl'], { encoding: 'utf8' }).status === 0;
  if (servicePid !== 0 && !clientHere) note('scenario 8: neither bash nor curl on PATH: the pre-commit shim cannot ask the service, the service row measures the Node fallback');

  // Each round commits another file (of 1,000, none a sibling's): nothing learnt about one path serves the next.
  const targetOf = (round) => join(mine, 'src', 'g0', `m${round % 10}`, `f${Math.floor(round / 10) % 100}.txt`);
  const target = targetOf(0);
  // CWT_NO_SERVICE=1: the shim does not ask the service (the Node hook, as without one).
  const sessionEnv = { ...env, CWT_SESSION: sessionId, CWT_NO_SERVICE: '1' };
  const serviceEnv = { ...env, CWT_SESSION: sessionId };
  let change = 0;
  // One small change, staged untimed; then the timed `git commit`.
  const commitCase = (key, label, args, after, caseEnv = sessionEnv) => ({
    key,
    label,
    command: `git ${args.join(' ')}`,
    run: () => {
      const file = targetOf(++change);
      writeFileSync(file, `change ${change}\n`);
      git(mine, caseEnv, ['add', file]);
      return timeSpawn('git', args, { cwd: mine, env: caseEnv });
    },
    after,
  });
  // A commit made without the hooks is one the session did not make as far as cwt knows: its next checked
  // commit would be blocked (rightly). Accepting the tip, untimed, keeps every round alike.
  const accept = () => cwt(mine, sessionEnv, ['check', '--accept']);
  // Sanity (untimed): with the hooks a commit is recorded for the session and nothing is reported.
  writeFileSync(target, 'warm-up\n');
  git(mine, sessionEnv, ['add', target]);
  const warm = spawnSync('git', ['commit', '-q', '-m', 'warm-up'], { cwd: mine, env: sessionEnv, encoding: 'utf8' });
  if (warm.status !== 0 || warm.stderr !== '') throw new Error(`the warm-up commit failed or reported something: ${warm.status}\n${warm.stderr}`);
  if (servicePid !== 0) {
    writeFileSync(target, 'warm-up through the service\n');
    git(mine, serviceEnv, ['add', target]);
    const warmService = spawnSync('git', ['commit', '-q', '-m', 'warm-up, service'], { cwd: mine, env: serviceEnv, encoding: 'utf8' });
    if (warmService.status !== 0 || warmService.stderr !== '') throw new Error(`the warm-up commit through the service failed or reported something: ${warmService.status}\n${warmService.stderr}`);
  }

  const { rows, capped } = await measureInterleaved(
    [
      baselineCase(mine, env),
      commitCase('without', 'git commit, no hooks', ['-c', `core.hooksPath=${noHooks}`, 'commit', '-q', '-m', 'bench'], accept),
      commitCase('with', `git commit, cwt hooks, no service (${COMMIT_SIBLINGS} siblings)`, ['commit', '-q', '-m', 'bench']),
      ...(servicePid !== 0 ? [commitCase('with-service', `git commit, cwt hooks, service running (${COMMIT_SIBLINGS} siblings)`, ['commit', '-q', '-m', 'bench'], undefined, serviceEnv)] : []),
    ],
    { ...opts, progress: progressLine('scenario 8') },
  );
  if (servicePid !== 0) {
    try {
      process.kill(servicePid, 'SIGTERM');
    } catch {
      // Gone already.
    }
  }
  const base = rows.find((r) => r.key === 'baseline').medianMs;
  for (const row of rows) row.ratioToBaseline = round2(row.medianMs / base);
  const without = rows.find((r) => r.key === 'without').medianMs;
  const withHooks = rows.find((r) => r.key === 'with').medianMs;
  const differenceMs = round2(withHooks - without);
  const withService = rows.find((r) => r.key === 'with-service')?.medianMs;
  const serviceDifferenceMs = withService === undefined ? undefined : round2(withService - without);
  return {
    id: 'commit',
    title: `Scenario 8: git commit of one staged file, ${(COMMIT_FILES_DIRS * 100).toLocaleString('en-US')}-file repo, ${COMMIT_SIBLINGS} sibling sessions with uncommitted work`,
    setup: { files: COMMIT_FILES_DIRS * 100, siblings: COMMIT_SIBLINGS },
    capped,
    rows,
    differenceMs,
    serviceDifferenceMs,
    notes: [
      `without the service, cwt's hooks add ${differenceMs.toFixed(1)} ms to a commit (difference of the medians; ${(differenceMs / base).toFixed(2)} x node -e 0): pre-commit starts Node`,
      ...(serviceDifferenceMs === undefined
        ? ['with the service running: not measured (no per-user service here)']
        : [
            `with the service running, cwt's hooks add ${serviceDifferenceMs.toFixed(1)} ms: goal <= +${COMMIT_GOAL_MS} ms ${serviceDifferenceMs <= COMMIT_GOAL_MS ? 'met' : 'NOT met'} (pre-commit asks cwt serve through bash's /dev/tcp or curl, post-commit journals the commit: no Node starts)`,
          ]),
    ],
  };
}

// ---------------------------------------------------------------------------------------------------------
// Report

// ---------------------------------------------------------------------------------------------------------
// Scenario 6: what leases and the claude -w path add to creating a session (small repository)

async function scenarioLeases(sandbox, opts) {
  const { env } = sandbox;
  const readme = (dir) => writeFileSync(join(dir, 'README.md'), '# bench repo\n');
  const plainRepo = createRepo(join(sandbox.root, 'lease-plain'), env, readme);
  const leaseRepo = createRepo(join(sandbox.root, 'lease-repo'), env, readme);
  // Three leases: a port (probed by binding it on 127.0.0.1) and two names.
  const leases = { PORT: { kind: 'port', range: [39000, 39999] }, COMPOSE_PROJECT_NAME: { pattern: '{repo}-{slug}' }, DB_NAME: { pattern: 'app_{slug_}' } };
  writeFileSync(join(leaseRepo, '.cwt.json'), JSON.stringify({ leases }));
  // Leases from a repository file apply only once trusted; untimed, like the rest of the set-up.
  cwt(leaseRepo, env, ['trust']);
  const hookRepo = createRepo(join(sandbox.root, 'lease-hook'), env, readme);
  // Each run ends its session afterwards (untimed), so every run sees no live sibling and leases the same port.
  const newCase = (key, repo, label) => ({
    key,
    label,
    command: label,
    run: (i) => timeSpawn(process.execPath, [CWT_BIN, 'new', `${key}-${i}`, '--no-launch'], { cwd: repo, env }),
    after: (i) => cwt(repo, env, ['end', `${key}-${i}`]),
  });
  const hookCase = {
    key: 'worktree-create',
    label: 'cwt hook worktree-create (claude -w)',
    command: `echo '{"name":"w-<i>","cwd":"…"}' | cwt hook worktree-create`,
    run: (i) =>
      timeSpawn(process.execPath, [CWT_BIN, 'hook', 'worktree-create'], {
        cwd: hookRepo,
        env,
        input: JSON.stringify({ session_id: `bench-${i}`, cwd: hookRepo, hook_event_name: 'WorktreeCreate', name: `w-${i}` }),
      }),
    // --force: the session's live agent is this bench process (the hook's caller), as it would be claude.
    after: (i) => cwt(hookRepo, env, ['end', `w-${i}`, '--force']),
  };
  await yieldToSignals();
  const { rows, capped } = await measureInterleaved(
    [baselineCase(plainRepo, env), newCase('plain', plainRepo, 'cwt new <b> --no-launch (no leases)'), newCase('leased', leaseRepo, 'cwt new <b> --no-launch (3 leases)'), hookCase],
    { ...opts, progress: progressLine('scenario 6') },
  );
  const base = rows.find((r) => r.key === 'baseline').medianMs;
  for (const row of rows) row.ratioToBaseline = round2(row.medianMs / base);
  const plain = rows.find((r) => r.key === 'plain').medianMs;
  const leased = rows.find((r) => r.key === 'leased').medianMs;
  return {
    id: 'leases',
    title: 'Scenario 6: cwt new with and without leases, and the WorktreeCreate hook of claude -w (1-commit repo)',
    setup: { leases: Object.keys(leases) },
    capped,
    rows,
    notes: [`3 leases add ${(leased - plain).toFixed(1)} ms to cwt new (median); the hook row is cwt new's pipeline plus the worktree's settings.local.json`],
  };
}

// ---------------------------------------------------------------------------------------------------------
// Scenario 13: PreToolUse decisions through the per-user fast path (cwt serve), as Claude Code waits for them

/** Sessions started with `cwt new` (supervising the stand-in claude) beside the kinds measured. */
const FAST_SESSIONS = 4;
/** Decisions timed per round and kind. */
const FAST_BATCH = 10;
/** Issue 17's goal for a decision as Claude Code waits for it: half of a ~4 ms Go hook binary spawned. */
const FAST_GOAL_MS = 2;

/** Spawns the fallback guard as Claude Code runs a command hook (a shell, the input on stdin); resolves to its stdout. */
function runFallbackGuard(guard, body, { cwd, env }) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('/bin/sh', ['-c', guard], { cwd, env, stdio: ['pipe', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (out += chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolvePromise(out) : reject(new Error(`the guard exited ${code}`))));
    // The guard exits without reading its input while the service runs.
    child.stdin.on('error', () => {});
    child.stdin.end(body);
  });
}

/**
 * One decision as Claude Code waits for it: the http handler and the guard command of the installed settings
 * started together (Claude Code runs a group's handlers in parallel), timed until both are done.
 */
async function decideAsClaudeCode({ url, guard, body, cwd, env, agent }) {
  const started = process.hrtime.bigint();
  const [reply, guardOut] = await Promise.all([postHookChecked(url, '', body, agent), runFallbackGuard(guard, body, { cwd, env })]);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (guardOut !== '') throw new Error(`the fallback guard answered, so the fast path was not running: ${guardOut}`);
  return { ms, reply };
}

/**
 * Issue 17's second decider: a `cwt mcp` spawned as Claude Code spawns it (stdio, the session's environment),
 * with a minimal JSON-RPC client in this process. call(args) sends tools/call cwt_hook_endpoint and resolves
 * to the text answer: the hook's JSON.
 */
async function startMcpDecider(cwd, env) {
  const child = spawn(process.execPath, [CWT_BIN, 'mcp'], { cwd, env, stdio: ['pipe', 'pipe', 'ignore'] });
  background.add(child);
  const pending = new Map();
  let buffered = '';
  let nextId = 1;
  child.stdout.setEncoding('utf8').on('data', (chunk) => {
    buffered += chunk;
    for (let newline = buffered.indexOf('\n'); newline !== -1; newline = buffered.indexOf('\n')) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      const message = JSON.parse(line);
      const waiting = pending.get(message.id);
      if (!waiting) continue;
      pending.delete(message.id);
      if (message.error) waiting.reject(new Error(`cwt mcp: ${message.error.message}`));
      else waiting.resolve(message.result);
    }
  });
  const request = (method, params) =>
    new Promise((resolvePromise, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolvePromise, reject });
      child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
    });
  await request('initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '1' } });
  child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
  return {
    async call(args) {
      const result = await request('tools/call', { name: 'cwt_hook_endpoint', arguments: args });
      if (result.isError) throw new Error(`cwt_hook_endpoint failed: ${JSON.stringify(result.content)}`);
      return result.content.map((block) => block.text ?? '').join('');
    },
    stop() {
      child.stdin.end();
    },
  };
}

/** The fast-path handlers of a settings file's PreToolUse group: the http URL, and the guard command or whether it is the mcp_tool decider. */
function readFastPathHandlers(settingsPath) {
  const settings = JSON.parse(readFileSync(settingsPath, 'utf8'));
  const handlers = (settings.hooks?.PreToolUse ?? []).find((group) => group.hooks.some((h) => h.type === 'http'))?.hooks;
  if (!handlers) throw new Error(`${settingsPath}: no fast-path PreToolUse handlers`);
  return {
    url: handlers.find((h) => h.type === 'http').url,
    guard: handlers.find((h) => h.type === 'command')?.command,
    mcp: handlers.some((h) => h.type === 'mcp_tool' && h.server === 'cwt' && h.tool === 'cwt_hook_endpoint'),
  };
}

/** The mcp_tool handler's arguments for a PreToolUse Write payload (what Claude Code interpolates into it). */
function mcpDeciderArgs(body) {
  const input = JSON.parse(body);
  return { event: 'pre-tool-use', session_id: input.session_id, tool_use_id: input.tool_use_id, tool_name: input.tool_name, cwd: input.cwd, file_path: input.tool_input.file_path, notebook_path: '', command: '' };
}

async function scenarioFastPath(sandbox, opts) {
  const standIn = installStandInClaude(join(sandbox.root, 'fast'));
  // A state dir of its own: `cwt install` records the fast path there, and no other scenario's `cwt new` uses it.
  const env = { ...sandbox.env, CWT_HOME: join(sandbox.root, 'fast-state'), PATH: `${standIn.binDir}${delimiter}${sandbox.env.PATH ?? ''}` };
  const repo = createRepo(join(sandbox.root, 'fast-repo'), env, (dir) => writeFileSync(join(dir, 'README.md'), '# bench repo\n'));
  const started = Date.now();
  const installed = JSON.parse(cwt(repo, env, ['install', '--json']));
  if (!installed.fastPath) throw new Error('cwt install set up no fast path here (it needs Linux /proc/net/tcp)');
  const url = readFastPathHandlers(join(repo, '.claude', 'settings.local.json')).url;
  // The guard pair for comparison (what --no-mcp, --global and a tracked .mcp.json keep): a repository of its
  // own installed with --no-mcp, the same service and port.
  const guardRepo = createRepo(join(sandbox.root, 'fast-repo-guard'), env, (dir) => writeFileSync(join(dir, 'README.md'), '# bench repo\n'));
  cwt(guardRepo, env, ['install', '--no-mcp', '--json']);
  const guard = readFastPathHandlers(join(guardRepo, '.claude', 'settings.local.json')).guard;
  if (guard === undefined) throw new Error('cwt install --no-mcp wrote no guard command');
  const pidFile = join(env.CWT_HOME, 'fastpath.pid');
  const servicePid = async () => {
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
      const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim().split(' ')[0]) : 0;
      if (pid > 0) return pid;
    }
    throw new Error('the fast path did not start within 30 s');
  };
  const pid = await servicePid();

  // Sessions of `cwt new` (live: their supervisors run); the last two claim the decided paths, so each decision
  // has merge-conflict risks to report, plus 100 more claims each.
  const sessions = [];
  for (let i = 0; i < FAST_SESSIONS; i++) {
    const branch = `fast-s${i}`;
    const supervisor = spawn(process.execPath, [CWT_BIN, 'new', branch], { cwd: repo, env, stdio: 'ignore' });
    background.add(supervisor);
    const record = await waitForStandIn(standIn.recordPath, branch, supervisor);
    sessions.push({ id: record.env.CWT_SESSION, worktree: record.env.CWT_WORKTREE });
  }
  const decided = Array.from({ length: FAST_BATCH }, (_, k) => `src/shared/f${k}.ts`);
  for (const session of sessions.slice(2)) {
    cwt(session.worktree, env, ['claim', ...decided, ...HOOK_PATHS.slice(0, 100)]);
    await yieldToSignals();
  }
  // The kinds: each Claude session starts with the SessionStart command hook (which links or adopts it), as in Claude Code.
  const startSession = (claudeId, cwd, extraEnv = {}) => {
    const input = JSON.stringify({ session_id: claudeId, cwd, hook_event_name: 'SessionStart', source: 'startup' });
    const result = spawnSync(process.execPath, [CWT_BIN, 'hook', 'session-start'], { cwd, env: { ...env, ...extraEnv }, input, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`session-start hook for ${claudeId} exited ${result.status}: ${result.stderr}`);
  };
  startSession('bench-fast-new', sessions[0].worktree, { CWT_SESSION: sessions[0].id });
  startSession('bench-fast-tab', repo);
  const wPayload = JSON.stringify({ session_id: 'bench-fast-w', cwd: repo, hook_event_name: 'WorktreeCreate', name: 'fast-w' });
  const wWorktree = spawnSync(process.execPath, [CWT_BIN, 'hook', 'worktree-create'], { cwd: repo, env, input: wPayload, encoding: 'utf8' }).stdout.trim();
  if (!existsSync(wWorktree)) throw new Error(`cwt hook worktree-create printed no worktree: '${wWorktree}'`);
  startSession('bench-fast-w', wWorktree);
  startSession('bench-fast-adopted', sessions[1].worktree);
  note(`scenario 13: fast path pid ${pid}, ${FAST_SESSIONS} cwt new sessions, a plain tab, a claude -w session and an adopted tab in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  // Each kind with the handlers cwt installs for it, read from the settings file Claude Code reads for it: the
  // cwt new session's --settings, the main checkout's settings.local.json (plain tab), the claude -w worktree's
  // own and the cwt new worktree's own (adopted tab). Where that is the mcp_tool decider, the kind's own
  // `cwt mcp`, started in its directory with the environment Claude Code gives it (CWT_SESSION only where cwt
  // launched the agent), decides beside the http handler; where it is the guard, `sh -c <guard>`.
  const kinds = [
    { key: 'fast-new', kind: 'cwt new', claudeId: 'bench-fast-new', cwd: sessions[0].worktree, settings: join(env.CWT_HOME, 'sessions', sessions[0].id, 'settings.json'), mcpEnv: { ...env, CWT_SESSION: sessions[0].id } },
    { key: 'fast-tab', kind: 'plain tab', claudeId: 'bench-fast-tab', cwd: repo, settings: join(repo, '.claude', 'settings.local.json'), mcpEnv: env },
    { key: 'fast-w', kind: 'claude -w', claudeId: 'bench-fast-w', cwd: wWorktree, settings: join(wWorktree, '.claude', 'settings.local.json'), mcpEnv: env },
    { key: 'fast-adopted', kind: 'adopted tab in a cwt worktree', claudeId: 'bench-fast-adopted', cwd: sessions[1].worktree, settings: join(sessions[1].worktree, '.claude', 'settings.local.json'), mcpEnv: env },
  ];
  for (const kind of kinds) {
    kind.handlers = readFastPathHandlers(kind.settings);
    if (kind.handlers.url !== url) throw new Error(`${kind.kind}: its http handler is ${kind.handlers.url}, not ${url}`);
    kind.decider = kind.handlers.mcp ? await startMcpDecider(kind.cwd, kind.mcpEnv) : undefined;
  }
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  let call = 0;
  // Every call its own tool_use_id: a repeated one would be answered by the first-answer record, not decided.
  const payload = (kind, rel) => writePayload(kind.claudeId, kind.cwd, join(kind.cwd, rel)).replace('"toolu_bench"', `"toolu_fast_${call++}"`);
  /** One decision with the kind's installed pair: http + its cwt mcp, or http + the guard; resolves to the decision text(s). */
  const decideInstalled = async (kind, body) => {
    if (!kind.decider) {
      const { ms, reply } = await decideAsClaudeCode({ url, guard: kind.handlers.guard, body, cwd: kind.cwd, env, agent });
      return { ms, answers: [reply.body] };
    }
    const started = process.hrtime.bigint();
    const [reply, answer] = await Promise.all([postHookChecked(url, '', body, agent), kind.decider.call(mcpDeciderArgs(body))]);
    return { ms: Number(process.hrtime.bigint() - started) / 1e6, answers: [reply.body, answer] };
  };
  for (const kind of kinds) {
    // Sanity (untimed): decided once, for the right session, with the sibling claims reported; the other said nothing.
    const { answers } = await decideInstalled(kind, payload(kind, decided[0]));
    const decisions = answers.filter((text) => text.trim() !== '{}' && text.trim() !== '');
    if (decisions.length !== 1 || !decisions[0].includes('merge-conflict risk')) throw new Error(`${kind.kind}: expected one decision, got ${JSON.stringify(answers)}`);
    if (kind.decider) {
      // And its cwt mcp alone decides too (so the timed row has two real deciders racing, not one and a no-op).
      const alone = await kind.decider.call(mcpDeciderArgs(payload(kind, decided[1])));
      if (!alone.includes('merge-conflict risk')) throw new Error(`${kind.kind}: its cwt mcp alone did not decide: ${alone}`);
    }
  }
  const batchCase = (kind) => ({
    key: kind.key,
    label: `PreToolUse decision as Claude Code waits, ${kind.kind} (${kind.decider ? 'http + mcp_tool' : 'http + guard'})`,
    command: kind.decider ? `POST ${url} + tools/call cwt_hook_endpoint on its cwt mcp, in parallel` : `POST ${url} + sh -c <guard>, in parallel`,
    run: async () => {
      const samples = [];
      for (const rel of decided) samples.push((await decideInstalled(kind, payload(kind, rel))).ms);
      return samples;
    },
  });
  const guardPair = {
    key: 'tab-guard',
    label: 'the same, plain tab with the guard instead (what --no-mcp, --global, a tracked .mcp.json keep)',
    command: `POST ${url} + sh -c <guard>, in parallel`,
    run: async () => {
      const samples = [];
      for (const rel of decided) samples.push((await decideAsClaudeCode({ url, guard, body: payload(kinds[1], rel), cwd: repo, env, agent })).ms);
      return samples;
    },
  };
  const parts = [
    {
      key: 'guard-only',
      label: 'the fallback guard alone (sh -c, service up)',
      command: 'sh -c <guard> < payload',
      run: async () => {
        const samples = [];
        for (const rel of decided) {
          const t = process.hrtime.bigint();
          await runFallbackGuard(guard, payload(kinds[1], rel), { cwd: repo, env });
          samples.push(Number(process.hrtime.bigint() - t) / 1e6);
        }
        return samples;
      },
    },
    {
      key: 'http-only',
      label: 'the http handler alone (plain tab)',
      command: `POST ${url} (keep-alive)`,
      run: async () => {
        const samples = [];
        for (const rel of decided) samples.push((await postHookChecked(url, '', payload(kinds[1], rel), agent)).ms);
        return samples;
      },
    },
    {
      key: 'mcp-only',
      label: "the mcp_tool decider alone (the plain tab's cwt mcp)",
      command: 'tools/call cwt_hook_endpoint',
      run: async () => {
        const samples = [];
        const tab = kinds[1];
        if (!tab.decider) return samples;
        for (const rel of decided) {
          const t = process.hrtime.bigint();
          await tab.decider.call(mcpDeciderArgs(payload(tab, rel)));
          samples.push(Number(process.hrtime.bigint() - t) / 1e6);
        }
        return samples;
      },
    },
  ];
  const { rows, capped } = await measureInterleaved([baselineCase(repo, env), ...kinds.map(batchCase), guardPair, ...parts], { ...opts, progress: progressLine('scenario 13') });
  for (const kind of kinds) kind.decider?.stop();
  agent.destroy();
  const base = rows.find((r) => r.key === 'baseline').medianMs;
  for (const row of rows) row.ratioToBaseline = round2(row.medianMs / base);
  if (existsSync(join(env.CWT_HOME, 'hook-errors.log'))) throw new Error(`hook errors logged:\n${readFileSync(join(env.CWT_HOME, 'hook-errors.log'), 'utf8')}`);
  stopBackground();
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // Gone already.
  }
  const worst = Math.max(...rows.filter((r) => r.key.startsWith('fast-')).map((r) => r.medianMs));
  return {
    id: 'hook-fastpath',
    title: `Scenario 13: PreToolUse Write through the per-user fast path, as Claude Code waits for it (${FAST_SESSIONS} cwt new sessions, ${2 * (FAST_BATCH + 100)} claims), ms per decision`,
    setup: { cwtNewSessions: FAST_SESSIONS, decisionsPerRound: FAST_BATCH, paths: `${FAST_BATCH} paths, each claimed in 2 other worktrees` },
    capped,
    rows,
    notes: [
      `a decision = the handlers cwt installs for that kind (read from its settings file) started together, until both are done: the http handler (keep-alive POST) and either the kind's own cwt mcp (tools/call cwt_hook_endpoint, as Claude Code's mcp_tool handler) or the guard command (/bin/sh -c); ${FAST_BATCH} decisions per round and kind, N = all decisions; the baseline row is per process`,
      `installed per kind: ${kinds.map((kind) => `${kind.kind}: http + ${kind.decider ? 'mcp_tool' : 'guard'}`).join('; ')}`,
      'http + mcp_tool: both handlers are long-lived processes, no process starts per call; the first to record the call decides, the other answers {}',
      'the guard rows: the client is this Node process, whose spawn of the guard blocks its event loop while the POST is under way, so they come out nearer the sum of the two halves than their max',
      `goal <= ${FAST_GOAL_MS} ms for every kind (half of a ~4 ms Go hook binary spawned): slowest kind's median ${worst.toFixed(2)} ms, ${worst <= FAST_GOAL_MS ? 'met' : 'NOT met'}`,
    ],
  };
}

function formatTable(scenario, opts) {
  if (scenario.throughput) return formatThroughput(scenario);
  if (scenario.latency) return liveFormatter(scenario);
  if (scenario.storeSizes) return formatStoreSizes(scenario);
  const hasGit = scenario.rows.some((r) => r.ratioToGitWorktreeAdd !== undefined);
  const header = ['row', 'N', 'median ms', 'p90 ms', 'min ms', 'max ms', 'x node -e 0', ...(hasGit ? ['x git wt add'] : [])];
  // Sub-10 ms figures (the http hook) need the second decimal.
  const ms = (x) => x.toFixed(x < 10 ? 2 : 1);
  const lines = scenario.rows.map((r) => [
    r.label,
    String(r.n),
    ms(r.medianMs),
    ms(r.p90Ms),
    ms(r.minMs),
    ms(r.maxMs),
    r.key === 'baseline' ? '1.00' : r.ratioToBaseline.toFixed(2),
    ...(hasGit ? [r.ratioToGitWorktreeAdd === undefined ? '' : r.ratioToGitWorktreeAdd.toFixed(2)] : []),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...lines.map((l) => l[c].length)));
  const fmt = (cells) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  const cappedNote = scenario.capped ? [`  (stopped after ${scenario.rows[0].n} of ${opts.runs} rounds: --max-seconds ${opts.maxSeconds} reached)`] : [];
  const notes = (scenario.notes ?? []).map((text) => `  ${text}`);
  const engineNote = scenario.engine
    ? [
        `  merge engine alone (the plan phase, from the --debug trace; median over N runs): diff3 in process ${scenario.engine.diff3.medianMs.toFixed(1)} ms,`,
        `  git merge-file ${scenario.engine.git.medianMs.toFixed(1)} ms (x${scenario.engineRatio.toFixed(1)})`,
      ]
    : [];
  return [scenario.title, `  ${fmt(header)}`, `  ${widths.map((w) => '-'.repeat(w)).join('  ')}`, ...lines.map((l) => `  ${fmt(l)}`), ...cappedNote, ...engineNote, ...notes].join('\n');
}

// ---------------------------------------------------------------------------------------------------------
// Scenario 11: cwt mcp ready to answer

const MCP_READY_GOAL_MS = 150;

/**
 * Spawns `cwt mcp` with pipes (as Claude Code starts an stdio server), writes `initialize` at once and, with
 * `thenList`, `notifications/initialized` and `tools/list` as soon as initialize is answered. Resolves with the
 * ms from spawn to the answer waited for (initialize's, or tools/list's), then closes stdin and waits for exit.
 */
function timeMcpAnswer(cwd, env, thenList) {
  return new Promise((resolvePromise, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [CWT_BIN, 'mcp'], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    background.add(child);
    let out = '';
    let err = '';
    let ms;
    const send = (message) => child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);
    child.stderr.setEncoding('utf8').on('data', (text) => (err += text));
    child.stdout.setEncoding('utf8').on('data', (text) => {
      out += text;
      for (let newline = out.indexOf('\n'); newline !== -1 && ms === undefined; newline = out.indexOf('\n')) {
        const answer = JSON.parse(out.slice(0, newline));
        out = out.slice(newline + 1);
        if (answer.error) reject(new Error(`cwt mcp answered an error: ${JSON.stringify(answer.error)}`));
        if (answer.id === 1 && !thenList) ms = Number(process.hrtime.bigint() - started) / 1e6;
        else if (answer.id === 1) {
          send({ method: 'notifications/initialized' });
          send({ id: 2, method: 'tools/list' });
        } else if (answer.id === 2) {
          if (!Array.isArray(answer.result?.tools) || answer.result.tools.length === 0) reject(new Error('cwt mcp listed no tools'));
          ms = Number(process.hrtime.bigint() - started) / 1e6;
        }
        if (ms !== undefined) child.stdin.end();
      }
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      background.delete(child);
      if (ms === undefined) reject(new Error(`cwt mcp exited (${code ?? signal}) before answering\n${err}`));
      else resolvePromise(ms);
    });
    send({ id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'cwt-bench', version: '1.0.0' } } });
  });
}

async function scenarioMcp(sandbox, opts) {
  const { env } = sandbox;
  const repo = createRepo(join(sandbox.root, 'mcp-repo'), env, (dir) => writeFileSync(join(dir, 'README.md'), '# bench repo\n'));
  const { rows, capped } = await measureInterleaved(
    [
      baselineCase(repo, env),
      { key: 'initialize', label: 'cwt mcp: initialize answered', command: 'cwt mcp <<< initialize', run: () => timeMcpAnswer(repo, env, false) },
      { key: 'tools-list', label: 'cwt mcp: initialize, then tools/list answered', command: 'cwt mcp <<< initialize, tools/list', run: () => timeMcpAnswer(repo, env, true) },
    ],
    { ...opts, progress: progressLine('scenario 11') },
  );
  const base = rows.find((r) => r.key === 'baseline').medianMs;
  for (const row of rows) row.ratioToBaseline = round2(row.medianMs / base);
  const ready = rows.find((r) => r.key === 'initialize').medianMs;
  return {
    id: 'mcp',
    title: 'Scenario 11: cwt mcp ready to answer (spawned with pipes in a repository; time from spawn to the answer)',
    capped,
    rows,
    notes: [
      `goal: ready <= ${MCP_READY_GOAL_MS} ms: ${ready.toFixed(1)} ms, ${ready <= MCP_READY_GOAL_MS ? 'met' : 'NOT met'} (this run's node -e 0: ${base.toFixed(1)} ms)`,
      'the baseline is a spawnSync to exit; the cwt rows an async spawn to the answer line, stdin closed after it',
    ],
  };
}

// ---------------------------------------------------------------------------------------------------------
// Scenario 9: the command hook with webhook notifications on and off

/**
 * A webhook receiver in a child process of its own (this process blocks in spawnSync while timing, so it
 * could not answer): prints its port, answers every POST 200, counts them in `countPath`.
 */
function startWebhookReceiver(countPath) {
  const script = `
const http = require('node:http'); const fs = require('node:fs');
let count = 0;
const server = http.createServer((req, res) => { req.resume(); req.on('end', () => { fs.writeFileSync(${JSON.stringify(countPath)}, String(++count)); res.end('ok'); }); });
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
const parent = process.ppid; setInterval(() => { try { process.kill(parent, 0); } catch { process.exit(0); } }, 1000);
`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'ignore'] });
  background.add(child);
  return new Promise((resolvePromise, reject) => {
    child.stdout.setEncoding('utf8').once('data', (text) => resolvePromise(Number(text.trim())));
    child.once('exit', (code) => reject(new Error(`webhook receiver exited (${code})`)));
  });
}

async function scenarioNotify(sandbox, opts) {
  const repo = createRepo(join(sandbox.root, 'notify-repo'), sandbox.env, (dir) => writeFileSync(join(dir, 'README.md'), '# bench repo\n'));
  const countPath = join(sandbox.root, 'webhook-posts.txt');
  const port = await startWebhookReceiver(countPath);
  const configPath = join(sandbox.root, 'notify.json');
  // Deny mode: tab B's Write of tab A's file is denied every time (a claim.deny event: notifiable).
  const base = { ...sandbox.env, CWT_CLAIM_MODE: 'deny' };
  // Separate stores, so one variant's events are never pending in the other's.
  const envOff = { ...base, CWT_HOME: join(sandbox.root, 'notify-off-state'), CWT_NOTIFY_CONFIG: join(sandbox.root, 'absent-notify.json') };
  const envOn = { ...base, CWT_HOME: join(sandbox.root, 'notify-on-state'), CWT_NOTIFY_CONFIG: configPath };
  cwt(repo, envOn, ['notify', 'set', `http://127.0.0.1:${port}/hook`]);
  const owned = join(repo, 'src', 'owned.ts');
  mkdirSync(dirname(owned), { recursive: true });
  writeFileSync(owned, 'export {};\n');
  const hookArgs = [CWT_BIN, 'hook', 'pre-tool-use'];
  const ownWrite = writePayload('bench-tab-a', repo, owned);
  const deniedWrite = writePayload('bench-tab-b', repo, owned);
  for (const env of [envOff, envOn]) {
    // Untimed: tab A adopts and claims the file; tab B adopts and is denied once, to check the setup.
    const adopted = spawnSync(process.execPath, hookArgs, { cwd: repo, env, input: ownWrite, encoding: 'utf8' });
    if (adopted.status !== 0) throw new Error(`notify scenario: tab A's hook failed: ${adopted.stderr}`);
    const denied = spawnSync(process.execPath, hookArgs, { cwd: repo, env, input: deniedWrite, encoding: 'utf8' });
    if (!denied.stdout.includes('"deny"')) throw new Error(`notify scenario: tab B was not denied: ${denied.stdout}${denied.stderr}`);
  }
  const hook = (key, label, env, payload) => ({ key, label, command: `node bin/cwt.js hook pre-tool-use < ${label}`, run: () => timeSpawn(process.execPath, hookArgs, { cwd: repo, env, input: payload }) });
  const cases = [
    baselineCase(repo, sandbox.env),
    hook('write-off', 'Write, webhook off', envOff, ownWrite),
    hook('write-on', 'Write, webhook on', envOn, ownWrite),
    hook('deny-off', 'denied Write, webhook off', envOff, deniedWrite),
    hook('deny-on', 'denied Write, webhook on (sender started)', envOn, deniedWrite),
  ];
  const { rows, capped } = await measureInterleaved(cases, { ...opts, progress: progressLine('scenario 9') });
  const baseMs = rows.find((r) => r.key === 'baseline').medianMs;
  for (const row of rows) row.ratioToBaseline = round2(row.medianMs / baseMs);
  // Untimed: the senders did post (the first denial; later ones about the same file are throttled).
  const deadline = Date.now() + 10_000;
  while (!existsSync(countPath) && Date.now() < deadline) await new Promise((resolvePromise) => setTimeout(resolvePromise, 100));
  const posts = existsSync(countPath) ? Number(readFileSync(countPath, 'utf8')) : 0;
  if (posts === 0) throw new Error('notify scenario: the webhook received nothing');
  for (const env of [envOff, envOn]) {
    if (existsSync(join(env.CWT_HOME, 'hook-errors.log'))) throw new Error(`hook errors logged:\n${readFileSync(join(env.CWT_HOME, 'hook-errors.log'), 'utf8')}`);
  }
  const median = (key) => rows.find((r) => r.key === key).medianMs;
  return {
    id: 'notify',
    title: 'Scenario 9: command hook (PreToolUse Write of an adopted tab) with the webhook off and on',
    setup: { claimMode: 'deny', throttle: '60s', receiver: 'node:http on 127.0.0.1 in a child process' },
    capped,
    rows,
    notes: [
      `webhook on minus off, medians: Write ${(median('write-on') - median('write-off')).toFixed(1)} ms, denied Write ${(median('deny-on') - median('deny-off')).toFixed(1)} ms`,
      `the webhook received ${posts} post(s) (one per file per 60 s; the other denials were throttled)`,
    ],
  };
}

// ---------------------------------------------------------------------------------------------------------
// Scenario 10: a year of daily use, compressed into minutes (the soak driver, bench/year.ts)

/** Decisions whose median and p99 must stay within this of each other between the first and the last 10%. */
const YEAR_DRIFT_GOAL = 0.1;
/** Bounded growth: the store after the end-of-year gc at most this much larger than after the mid-year gc. */
const YEAR_GROWTH_GOAL = 1.25;

/** Nearest-rank percentile of unsorted samples. */
function percentile(samples, fraction) {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))];
}

function sampleRow(key, label, command, samples, baseMs) {
  return { key, label, command, samplesMs: samples.length > 1000 ? [] : samples.map(round2), ...roundStats(stats(samples)), p99Ms: round2(percentile(samples, 0.99)), ratioToBaseline: round2(stats(samples).median / baseMs) };
}

/** Runs the driver (a child process: its clock is simulated) and resolves to its result. */
function runYearDriver(driver, options, env) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [driver, JSON.stringify(options)], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    background.add(child);
    const chunks = [];
    child.stdout.on('data', (chunk) => chunks.push(chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      background.delete(child);
      if (signal === 'SIGINT' || signal === 'SIGTERM' || signal === 'SIGHUP') reject(new Interrupted(signal));
      else if (code !== 0) reject(new Error(`the soak driver exited ${code ?? signal}`));
      else resolvePromise(JSON.parse(Buffer.concat(chunks).toString('utf8')));
    });
  });
}

async function scenarioYear(sandbox, opts) {
  const env = { ...sandbox.env, CWT_HOME: join(sandbox.root, 'year-state'), CWT_CLAUDE_HOME: join(sandbox.root, 'year-claude') };
  const repo = createRepo(join(sandbox.root, 'year-repo'), env, (dir) => writeFileSync(join(dir, 'README.md'), '# bench repo\n'));
  const { days, decisions, commits } = opts.year;
  note(`scenario 10: simulating ${days} days: ${decisions.toLocaleString('en-US')} decisions, ${commits.toLocaleString('en-US')} commits (progress below)`);
  const driver = join(dirname(CWT_BIN), '..', 'dist', 'bench-year.mjs');
  const result = await runYearDriver(driver, { days, decisions, commits, commandSamples: opts.runs, endAt: Date.now(), repo, worktrees: join(sandbox.root, 'year-repo.worktrees'), cwtBin: CWT_BIN }, env);
  if (existsSync(join(env.CWT_HOME, 'hook-errors.log'))) throw new Error(`hook errors logged:\n${readFileSync(join(env.CWT_HOME, 'hook-errors.log'), 'utf8')}`);

  const tenth = Math.max(1, Math.floor(result.decisionMs.length / 10));
  const first = result.decisionMs.slice(0, tenth);
  const last = result.decisionMs.slice(-tenth);
  const baselines = [...result.commandHook.start.baseline, ...result.commandHook.end.baseline];
  const base = stats(baselines).median;
  const decisionRows = [
    sampleRow('baseline', 'node -e 0 (baseline, start and end)', 'node -e 0', baselines, base),
    sampleRow('first-10', `first 10% (decisions 1-${tenth})`, 'handleHook pre-tool-use Write', first, base),
    sampleRow('last-10', `last 10% (decisions ${result.decisionMs.length - tenth + 1}-${result.decisionMs.length})`, 'handleHook pre-tool-use Write', last, base),
  ];
  const [, firstRow, lastRow] = decisionRows;
  const drift = (a, b) => b / a - 1;
  const medianDrift = drift(firstRow.medianMs, lastRow.medianMs);
  const p99Drift = drift(firstRow.p99Ms, lastRow.p99Ms);
  const within = Math.abs(medianDrift) <= YEAR_DRIFT_GOAL && Math.abs(p99Drift) <= YEAR_DRIFT_GOAL;
  const pct = (x) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;

  const phaseBase = (phase) => stats(result.commandHook[phase].baseline).median;
  const commandRows = [
    sampleRow('baseline-start', 'node -e 0, day 0', 'node -e 0', result.commandHook.start.baseline, phaseBase('start')),
    sampleRow('command-start', 'command hook, day 0 (empty store)', 'node bin/cwt.js hook pre-tool-use < Write', result.commandHook.start.hook, phaseBase('start')),
    sampleRow('baseline-end', `node -e 0, day ${days}`, 'node -e 0', result.commandHook.end.baseline, phaseBase('end')),
    sampleRow('command-end', `command hook, day ${days} (a year of data)`, 'node bin/cwt.js hook pre-tool-use < Write', result.commandHook.end.hook, phaseBase('end')),
  ];

  const snapshots = result.snapshots;
  const after = (label) => snapshots.find((snap) => snap.label === label);
  const midAfter = after('mid-year, after gc');
  const endAfter = after('end of year, after gc');
  const endBefore = after('end of year, before gc');
  const growth = endAfter.dbBytes / midAfter.dbBytes;
  const setup = {
    days,
    decisions: result.decisions,
    denied: result.denied,
    commits: result.commits,
    sessionsStarted: result.sessionsStarted,
    sessionsEnded: result.sessionsEnded,
    memoryMerges: result.merges,
    endedWithoutMerge: result.noMerge,
    driverSeconds: round2(result.wallSeconds),
  };
  const honesty = [
    'decisions: handleHook (the http fast path\'s handler) in the driver process, on the real SQLite file; cwt sessions',
    'are recorded in the store as cwt new / cwt end record them (a directory each, no git worktree); tabs are adopted',
    'by the SessionStart hook in a real git checkout; commits go through Store.recordCommit (the post-commit hook\'s',
    'bookkeeping), not through 5,000 git processes; after each cwt session\'s end the driver runs what the CLI runs after',
    '`cwt end` (the daily retention pass); gc is collectGarbage (what cwt gc runs) in the driver, on its clock',
  ];
  return [
    {
      id: 'year-decisions',
      title: `Scenario 10a: a year (${days} days) of use, in-process PreToolUse Write decisions: first vs last 10% of the run`,
      setup,
      capped: false,
      rows: decisionRows,
      notes: [
        `p99: first 10% ${firstRow.p99Ms.toFixed(2)} ms, last 10% ${lastRow.p99Ms.toFixed(2)} ms`,
        `last vs first 10%: median ${pct(medianDrift)}, p99 ${pct(p99Drift)}; goal within ${YEAR_DRIFT_GOAL * 100}%: ${within ? 'met' : 'NOT met'}`,
        `${result.sessionsStarted} sessions started (half cwt sessions, half adopted tabs), ${result.sessionsEnded} ended, ${result.merges} memory merges, ${result.noMerge} ended with --no-merge, ${result.denied} decisions denied (deny-once); the driver ran ${result.wallSeconds.toFixed(0)} s`,
        ...honesty,
      ],
    },
    {
      id: 'year-command-hook',
      title: `Scenario 10b: a year of use, the command hook process (a session's Write) at the start and at the end`,
      setup,
      capped: false,
      rows: commandRows,
      notes: [`each "x node -e 0" is against the node -e 0 rows of the same phase, interleaved with it`],
    },
    {
      id: 'year-store',
      title: `Scenario 10c: a year of use, the store (SQLite) before and after cwt gc at mid-year (day ${snapshots[0].day}) and at the end`,
      storeSizes: true,
      setup,
      snapshots,
      gc: result.gc,
      notes: [
        `end of year: ${(endBefore.dbBytes / 1e6).toFixed(1)} MB before gc, ${(endAfter.dbBytes / 1e6).toFixed(1)} MB after (state.db alone)`,
        `after gc, end of year vs mid-year: x${growth.toFixed(2)}; goal bounded (<= x${YEAR_GROWTH_GOAL}, whatever ended before the retention windows): ${growth <= YEAR_GROWTH_GOAL ? 'met' : 'NOT met'}`,
      ],
    },
  ];
}

function formatStoreSizes(scenario) {
  const tables = Object.keys(scenario.snapshots[0].rows);
  const header = ['point', 'state.db MB', '-wal MB', ...tables];
  const lines = scenario.snapshots.map((snap) => [snap.label, (snap.dbBytes / 1e6).toFixed(2), (snap.walBytes / 1e6).toFixed(2), ...tables.map((table) => String(snap.rows[table]))]);
  const widths = header.map((h, c) => Math.max(h.length, ...lines.map((l) => l[c].length)));
  const fmt = (cells) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  return [scenario.title, `  ${fmt(header)}`, `  ${widths.map((w) => '-'.repeat(w)).join('  ')}`, ...lines.map((l) => `  ${fmt(l)}`), ...(scenario.notes ?? []).map((t) => `  ${t}`)].join('\n');
}

function gitVersion(env) {
  try {
    return mustRun('git', ['--version'], { cwd: os.tmpdir(), env }).replace(/^git version /, '');
  } catch {
    return 'unknown';
  }
}

/** Scenario 12's table (bench/live.mjs), loaded with it. */
let liveFormatter = () => '';

async function main() {
  const opts = parseCommandLine(process.argv.slice(2));
  if (!existsSync(CWT_BUNDLE)) {
    process.stderr.write(`bench: ${CWT_BUNDLE} is missing; run \`npm run build\` first (or \`npm run bench\`)\n`);
    return 4;
  }
  const wallStarted = process.hrtime.bigint();
  const sandbox = createSandbox();
  sandboxRoot = sandbox.root;
  const meta = {
    date: new Date().toISOString(),
    node: process.version,
    git: gitVersion(sandbox.env),
    platform: `${process.platform} ${process.arch}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model?.trim() ?? 'unknown',
    quick: opts.quick,
    runs: opts.runs,
    maxSecondsPerScenario: opts.maxSeconds,
    warmupRounds: opts.warmup,
  };
  meta.strippedNodeStart = measureStrippedNodeStart(sandbox.env);
  process.stderr.write(`bench: sandbox ${sandbox.root} (removed at the end)\n`);
  const scenarios = [];
  try {
    CWT_BIN = await snapshotBuild(sandbox.root, sandbox.env);
    note(`cwt runs from a snapshot of the build: ${CWT_BIN}`);
    if (opts.only.includes('status')) scenarios.push(await scenarioStatus(sandbox, opts));
    if (opts.only.includes('new')) scenarios.push(await scenarioNew(sandbox, opts));
    if (opts.only.includes('append')) scenarios.push(await scenarioAppend(sandbox, opts));
    if (opts.only.includes('hooks')) scenarios.push(...(await scenarioHooks(sandbox, opts)));
    if (opts.only.includes('memory')) scenarios.push(await scenarioMergeMemory(sandbox, opts));
    if (opts.only.includes('leases')) scenarios.push(await scenarioLeases(sandbox, opts));
    if (opts.only.includes('postgres')) scenarios.push(...(await scenarioPostgres(sandbox, opts)));
    if (opts.only.includes('commit')) scenarios.push(await scenarioCommit(sandbox, opts));
    if (opts.only.includes('notify')) scenarios.push(await scenarioNotify(sandbox, opts));
    if (opts.only.includes('year')) scenarios.push(...(await scenarioYear(sandbox, opts)));
    if (opts.only.includes('mcp')) scenarios.push(await scenarioMcp(sandbox, opts));
    if (opts.only.includes('live')) {
      const live = await import('./live.mjs');
      liveFormatter = live.formatLatency;
      scenarios.push(await live.scenarioLive({ sandbox, opts, cwtBin: CWT_BIN, stats, note }));
    }
    if (opts.only.includes('fastpath')) scenarios.push(await scenarioFastPath(sandbox, opts));
  } finally {
    removeSandbox();
  }
  const totalSeconds = Number(process.hrtime.bigint() - wallStarted) / 1e9;

  const out = [
    '',
    `cwt benchmark${opts.quick ? ' (--quick: smoke test, small inputs, few runs)' : ''}`,
    `  node ${meta.node}, git ${meta.git}, ${meta.platform}, ${meta.cpus} CPUs (${meta.cpuModel})`,
    `  N = timed runs per row (target ${opts.runs}${opts.maxSeconds > 0 ? `; fewer if a scenario's rounds pass ${opts.maxSeconds} s, min ${MIN_RUNS}` : ''}), after ${opts.warmup} discarded warm-up round.`,
    '  All times are wall-clock milliseconds of one spawnSync (process start to exit), except the http rows of 4a:',
    '  one request from a node:http client in this process (request start to the end of the response body).',
    '  The rows of a scenario run interleaved: round-robin, one of each per round, the order rotating per round.',
    '  cwt = `node bin/cwt.js` from a copy of bin/ dist/ templates/ taken at start (immune to concurrent rebuilds).',
    '  "x node -e 0" = row median / median of a bare `node -e 0` spawned the same way in the same rounds;',
    '  "x git wt add" = row median / median of plain `git worktree add` on the same repo in the same rounds.',
    ...(meta.strippedNodeStart === undefined
      ? []
      : [
          `  Unset for every run: ${meta.strippedNodeStart.names.join(', ')} (set here; see NODE_START_VARS). With them, \`node -e 0\` took`,
          `  ${meta.strippedNodeStart.withMs} ms, without ${meta.strippedNodeStart.withoutMs} ms (medians of ${meta.strippedNodeStart.runs}, interleaved): every Node start on this machine pays the difference.`,
        ]),
    '',
    ...scenarios.flatMap((s) => [formatTable(s, opts), '']),
    `  total benchmark time ${totalSeconds.toFixed(1)} s (setup included)`,
    '',
  ];
  process.stdout.write(out.join('\n'));

  if (opts.jsonPath !== undefined) {
    mkdirSync(dirname(opts.jsonPath), { recursive: true });
    writeFileSync(opts.jsonPath, `${JSON.stringify({ meta: { ...meta, totalSeconds: round2(totalSeconds) }, scenarios }, null, 2)}\n`);
    process.stdout.write(`results written to ${opts.jsonPath}\n`);
  }
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    removeSandbox();
    if (error instanceof Interrupted) {
      process.stderr.write(`\nbench: ${error.message}, sandbox removed\n`);
      process.exitCode = error.exitCode;
      return;
    }
    process.stderr.write(`bench: failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
