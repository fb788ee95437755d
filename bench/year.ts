/**
 * The soak driver of the benchmark's "a year" scenario (bench/run.mjs, `--only year`): a year of daily use
 * compressed into minutes, in one process, against the real SQLite file of the bench sandbox (CWT_HOME).
 * Built by scripts/build.mjs into dist/bench-year.mjs; run as
 *
 *   node dist/bench-year.mjs '<json options>'        (options: YearOptions below)
 *
 * What it simulates, day by day (each day 09:00 to 17:00 of simulated time):
 *   - one session as `cwt new` records it (a worktree directory, a memory namespace seeded from canonical
 *     memory, a kv value), and one plain Claude tab in the main checkout, adopted by the SessionStart hook;
 *     one session stays open all year and holds a lock ("deploy") the whole time;
 *   - PreToolUse Write decisions through handleHook, the handler the supervisor's http fast path calls (cwt
 *     sessions by id, as that path does; tabs by Claude's session id, as the command hook does), each one
 *     claiming its file; tabs in the one checkout deny each other's edits (deny-once); every 25th decision is
 *     followed by a PostToolUse Read of a protected harness file (a read record);
 *   - commits through Store.recordCommit, the post-commit hook's bookkeeping (no git process);
 *   - the previous day's session ends as `cwt end` does: its memory merged into canonical (runMemoryMerge under
 *     the canonical-memory lock, with a backup and a journal), every tenth with --no-merge instead, and then
 *     what the CLI runs after `cwt end`: the daily retention pass (runRetentionPassIfDue); the previous day's
 *     tab ends with the SessionEnd hook; kv values deleted (tombstones).
 *
 * Time: this process's clock (Date.now) runs on simulated time, ending at `endAt` (the real time the
 * scenario started), so every row and event ages as a year of use would, including the ones the store
 * stamps itself. Real command-hook processes (`node bin/cwt.js hook pre-tool-use`, real clock) are sampled at
 * the start and at the end, interleaved with a bare `node -e 0`. `cwt gc`'s collectGarbage runs in this process
 * at mid-year and at the end of the year, on simulated time; the store's size is measured around each.
 *
 * Prints one JSON object (YearResult) on stdout; progress goes to stderr.
 */
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { collectGarbage } from '../src/commands/gc.js';
import { resolveRepo, resolveRepoIdentity } from '../src/core/git/git.js';
import { getCanonicalMemoryDir, getNamespaceRoot } from '../src/core/harness/harness.js';
import { getHostId } from '../src/core/sessions/liveness.js';
import { claimNamespaceDir, pickNamespaceDir, resolveMemoryStateDir, seedNamespace } from '../src/core/memory/memory.js';
import { getSessionSource, runMemoryMerge, withMemoryLock } from '../src/core/memory/merge.js';
import { resolveClaudeHome, resolveCwtHome, resolveSessionStateDir } from '../src/core/fs/paths.js';
import { runRetentionPassIfDue } from '../src/core/retention/pass.js';
import { getTrustedPlaces } from '../src/core/sessions/sessionpaths.js';
import { newSessionId } from '../src/core/sessions/sessions.js';
import { openStore } from '../src/core/store/open.js';
import { SQLITE_FILE_NAME } from '../src/core/store/sqlite.js';
import type { SessionRecord, Store } from '../src/core/store/store.js';
import { handleHook } from '../src/hooks/handlers.js';
import type { HookInput } from '../src/hooks/input.js';
import { createRandom } from '../test/helpers/random.js';

interface YearOptions {
  days: number;
  decisions: number;
  commits: number;
  /** Command-hook processes timed at the start and at the end (each with as many `node -e 0`). */
  commandSamples: number;
  /** The real time the simulated year ends at (ms). */
  endAt: number;
  /** A git repository (the main checkout); cwt worktrees go in `worktrees`. */
  repo: string;
  worktrees: string;
  /** bin/cwt.js of the bench's snapshot. */
  cwtBin: string;
}

/** What the store holds at one point: file sizes and row counts. */
interface StoreSnapshot {
  label: string;
  day: number;
  dbBytes: number;
  walBytes: number;
  rows: Record<string, number>;
}

export interface YearResult {
  days: number;
  sessionsStarted: number;
  sessionsEnded: number;
  decisions: number;
  denied: number;
  commits: number;
  merges: number;
  noMerge: number;
  /** Per decision, in order: ms in handleHook. */
  decisionMs: number[];
  commandHook: { start: { baseline: number[]; hook: number[] }; end: { baseline: number[]; hook: number[] } };
  snapshots: StoreSnapshot[];
  gc: { midYear: unknown; endOfYear: unknown };
  wallSeconds: number;
}

const DAY = 86_400_000;
const HOUR = 3_600_000;
const PATHS = Array.from({ length: 200 }, (_, i) => `src/m${Math.floor(i / 10)}/f${i % 10}.ts`);
/** The files the tabs of the main checkout keep editing, so that they meet there (deny-once). */
const HOT_PATHS = PATHS.slice(0, 4);
const NOTES = 20;
const TABLES = ['events', 'sessions', 'claude_sessions', 'claims', 'claim_denials', 'reads', 'kv', 'commits', 'locks'];

const options = JSON.parse(process.argv[2] ?? '{}') as YearOptions;
const env = process.env;
const started = performance.now();

// The simulated clock; everything in this process that asks Date.now() gets it.
let clock = options.endAt - options.days * DAY;
Date.now = () => clock;

// Seeded: every run simulates the same year.
const random = createRandom(20_250_101);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const hex = (length: number) => Array.from({ length }, () => Math.floor(random() * 16).toString(16)).join('');

function progress(text: string): void {
  process.stderr.write(`  year: ${text}\n`);
}

const cwtHome = resolveCwtHome(env);
const claudeHome = resolveClaudeHome(env);
const dbPath = join(cwtHome, SQLITE_FILE_NAME);
const host = getHostId(env);

function sizeOf(path: string): number {
  return existsSync(path) ? statSync(path).size : 0;
}

function snapshot(label: string, day: number): StoreSnapshot {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const rows = Object.fromEntries(TABLES.map((table) => [table, (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n]));
    return { label, day, dbBytes: sizeOf(dbPath), walBytes: sizeOf(`${dbPath}-wal`), rows };
  } finally {
    db.close();
  }
}

/** Command-hook processes (real clock) interleaved with `node -e 0`, alternating which goes first. */
function sampleCommandHook(session: SessionRecord, count: number): { baseline: number[]; hook: number[] } {
  const payload = JSON.stringify({
    session_id: `year-command-${session.id}`,
    cwd: session.worktree,
    hook_event_name: 'PreToolUse',
    tool_name: 'Write',
    tool_input: { file_path: join(session.worktree, PATHS[7]!), content: 'export const value = 1;\n'.repeat(80) },
  });
  const hookEnv = { ...env, CWT_SESSION: session.id };
  const time = (file: string, args: string[], input?: string) => {
    const at = process.hrtime.bigint();
    const result = spawnSync(file, args, { cwd: session.worktree, env: hookEnv, input, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const ms = Number(process.hrtime.bigint() - at) / 1e6;
    if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status ?? result.signal}: ${String(result.stderr)}`);
    return ms;
  };
  const samples = { baseline: [] as number[], hook: [] as number[] };
  // One discarded warm-up of each.
  for (let round = -1; round < count; round++) {
    const order = round % 2 === 0 ? (['baseline', 'hook'] as const) : (['hook', 'baseline'] as const);
    for (const which of order) {
      const ms = which === 'baseline' ? time(process.execPath, ['-e', '0']) : time(process.execPath, [options.cwtBin, 'hook', 'pre-tool-use'], payload);
      if (round >= 0) samples[which].push(ms);
    }
  }
  return samples;
}

async function runGc(): Promise<unknown> {
  let text = '';
  await collectGarbage({ env, json: true, output: { stdout: (chunk) => void (text += chunk), stderr: () => {}, interactive: false } });
  return JSON.parse(text);
}

interface Live {
  session: SessionRecord;
  /** Claude's session id, for tabs (decided by the command-hook path); undefined for cwt sessions. */
  claudeId?: string;
  /** The files it wrote last, released by its next commit. */
  written: string[];
}

async function main(): Promise<void> {
  const store: Store = await openStore(env);
  const repoInfo = await resolveRepo(options.repo, env);
  // What a merge checks a session row against: this repository's places on this machine.
  const places = await getTrustedPlaces(repoInfo, env);
  const repoId = await resolveRepoIdentity(repoInfo.commonDir);
  const canonical = getCanonicalMemoryDir(claudeHome, repoInfo.mainWorktree);
  const memoryStateDir = resolveMemoryStateDir(cwtHome, canonical);
  const namespaceRoot = getNamespaceRoot(claudeHome, repoInfo.mainWorktree);
  mkdirSync(canonical, { recursive: true });
  writeFileSync(join(canonical, 'MEMORY.md'), '# Memory\n');
  for (let n = 0; n < NOTES; n++) writeFileSync(join(canonical, `note-${n}.md`), `# Note ${n}\n`);
  // A protected harness file the sessions read (PostToolUse Read: a read record).
  const skillsIndex = join(claudeHome, 'skills', 'INDEX.md');
  mkdirSync(join(claudeHome, 'skills'), { recursive: true });
  writeFileSync(skillsIndex, '# Skills\n');

  const result: YearResult = {
    days: options.days,
    sessionsStarted: 0,
    sessionsEnded: 0,
    decisions: 0,
    denied: 0,
    commits: 0,
    merges: 0,
    noMerge: 0,
    decisionMs: [],
    commandHook: { start: { baseline: [], hook: [] }, end: { baseline: [], hook: [] } },
    snapshots: [],
    gc: { midYear: null, endOfYear: null },
    wallSeconds: 0,
  };

  /** A session as `cwt new` records it, supervised by this process (its pid: live while the driver runs). */
  const startCwtSession = async (branch: string): Promise<Live> => {
    const id = newSessionId();
    const worktree = join(options.worktrees, branch);
    mkdirSync(worktree, { recursive: true });
    const memoryDir = pickNamespaceDir(namespaceRoot, branch);
    if (!claimNamespaceDir(memoryDir)) throw new Error(`namespace ${memoryDir} taken`);
    const memoryBase = join(resolveSessionStateDir(cwtHome, id), 'memory-base');
    seedNamespace({ canonical, namespace: memoryDir, base: memoryBase });
    const session: SessionRecord = {
      id,
      repo: repoInfo.commonDir,
      repoId,
      mainWorktree: repoInfo.mainWorktree,
      worktree,
      branch,
      createdBranch: true,
      baseCommit: '0'.repeat(40),
      agent: 'claude',
      pid: process.pid,
      host,
      startedAt: clock,
      heartbeatAt: clock,
      state: 'live',
      endedAt: null,
      agentExit: null,
      memoryDir,
      memoryBase,
      kind: 'cwt',
      knownTip: null,
    };
    await store.insertSession(session, { kind: 'session.new', session: id, repo: session.repo, data: { branch, worktree, createdBranch: true, memoryDir } });
    await store.setData({ scope: `session:${id}`, key: 'status', value: { branch, day: Math.floor((clock - options.endAt) / DAY) }, session: id, now: clock });
    result.sessionsStarted++;
    return { session, written: [] };
  };

  /** A plain Claude tab in the main checkout, adopted by its SessionStart hook. */
  const startTab = async (name: string): Promise<Live> => {
    const claudeId = `tab-${name}-${hex(8)}`;
    await handleHook('session-start', { session_id: claudeId, cwd: repoInfo.mainWorktree, hook_event_name: 'SessionStart' }, { store, env, now: clock });
    const id = await store.getSessionOfClaude(claudeId);
    const session = id === undefined ? undefined : await store.getSession(id);
    if (!session) throw new Error(`the tab ${claudeId} was not adopted`);
    result.sessionsStarted++;
    return { session, claudeId, written: [] };
  };

  /** `cwt end` of a cwt session: memory merged (unless --no-merge), what it holds released, marked ended. */
  const endCwtSession = async (live: Live, merge: boolean): Promise<void> => {
    const { session } = live;
    if (merge) {
      const note = `note-${Math.floor(random() * NOTES)}.md`;
      appendFileSync(join(session.memoryDir, note), `- learned by ${session.branch}\n`);
      appendFileSync(join(session.memoryDir, 'MEMORY.md'), `- [${session.branch}](${note})\n`);
      await withMemoryLock({ store, canonicalDir: canonical, stateDir: memoryStateDir, env, note: `cwt merge-memory ${session.id}`, session: session.id }, async () => {
        const current = (await store.getSession(session.id)) ?? session;
        const merged = await runMemoryMerge({ store, canonicalDir: canonical, stateDir: memoryStateDir, source: getSessionSource(current, places), indexFiles: ['MEMORY.md'], now: clock });
        if (merged.conflicts.length > 0) throw new Error(`memory merge of ${session.branch}: ${merged.conflicts.length} conflict(s)`);
      });
      result.merges++;
    } else {
      result.noMerge++;
    }
    await store.releaseSessionLocks(session.id);
    await store.releaseClaims(session.id);
    await store.releaseLeases(session.id, 'session end');
    await store.deleteData(`session:${session.id}`, 'status', { session: session.id, now: clock });
    await store.updateSession(session.id, { state: 'ended', endedAt: clock, pid: null, heartbeatAt: clock }, { kind: 'session.end', session: session.id, repo: session.repo, data: { removed: false, branchDeleted: false, forced: false } });
    result.sessionsEnded++;
    // What the CLI runs after `cwt end`: the bounded retention pass, once a (simulated) day.
    await runRetentionPassIfDue(env);
  };

  const endTab = async (live: Live): Promise<void> => {
    await handleHook('session-end', { session_id: live.claudeId, cwd: repoInfo.mainWorktree, hook_event_name: 'SessionEnd', reason: 'exit' }, { store, env, now: clock });
    result.sessionsEnded++;
  };

  /** One PreToolUse Write decision, timed; every 25th is followed by a PostToolUse Read of a harness file. */
  const decide = async (live: Live): Promise<void> => {
    const { session } = live;
    const relPath = pick(live.claudeId === undefined ? PATHS : HOT_PATHS);
    const filePath = join(session.worktree, relPath);
    const input: HookInput = {
      session_id: live.claudeId ?? `claude-${session.id}`,
      cwd: session.worktree,
      hook_event_name: 'PreToolUse',
      tool_name: 'Write',
      tool_input: { file_path: filePath, content: 'export const value = 1;\n' },
    };
    const context = { store, env, now: clock, ...(live.claudeId === undefined ? { sessionId: session.id } : {}) };
    const at = performance.now();
    const output = await handleHook('pre-tool-use', input, context);
    result.decisionMs.push(performance.now() - at);
    result.decisions++;
    if (output?.hookSpecificOutput.permissionDecision === 'deny') result.denied++;
    else live.written = [filePath, ...live.written.slice(0, 2)];
    if (result.decisions % 25 === 0) {
      await handleHook('post-tool-use', { ...input, hook_event_name: 'PostToolUse', tool_name: 'Read', tool_input: { file_path: skillsIndex } }, context);
    }
  };

  const commit = async (live: Live): Promise<void> => {
    const { session } = live;
    const sha = hex(40);
    await store.recordCommit(
      { repo: session.repo, sha, session: session.id, branch: session.branch, at: clock },
      {
        advanceTip: true,
        releasePaths: live.written,
        event: { kind: 'commit', session: session.id, repo: session.repo, data: { sha, branch: session.branch, subject: 'soak commit', worktree: session.worktree, files: live.written.length, checked: true } },
      },
    );
    live.written = [];
    result.commits++;
  };

  // Day 0: the session that stays open all year, holding the deploy lock.
  clock += 8 * HOUR;
  const resident = await startCwtSession('resident');
  const deploy = await store.acquireLock({ name: 'deploy', holder: resident.session.id, session: resident.session.id, pid: process.pid, host, ttlMs: 2 * DAY, note: 'soak: held all year', now: clock }, () => false);
  if (!deploy.acquired) throw new Error('could not take the deploy lock');
  await store.setData({ scope: 'project:soak', key: 'owner', value: resident.session.id, session: resident.session.id, now: clock });
  progress(`day 0: resident session ${resident.session.id}; timing ${options.commandSamples} command hooks`);
  result.commandHook.start = sampleCommandHook(resident.session, options.commandSamples);

  let yesterday: { cwt: Live; tab: Live } | undefined;
  const decisionsPerDay = options.decisions / options.days;
  const commitsPerDay = options.commits / options.days;
  const midYear = Math.floor(options.days / 2);
  for (let day = 0; day < options.days; day++) {
    const dayStart = options.endAt - (options.days - day) * DAY;
    clock = dayStart + 9 * HOUR;
    const today = { cwt: await startCwtSession(`day-${day}`), tab: await startTab(`day-${day}`) };
    await store.setData({ scope: 'project:soak', key: `day-${day}`, value: { day }, session: null, now: clock });
    await store.heartbeatLock('deploy', deploy.lock.token, clock);
    const decisions = Math.round((day + 1) * decisionsPerDay) - Math.round(day * decisionsPerDay);
    const commits = Math.round((day + 1) * commitsPerDay) - Math.round(day * commitsPerDay);
    let live = [resident, today.cwt, today.tab, ...(yesterday ? [yesterday.cwt, yesterday.tab] : [])];
    for (let i = 0; i < decisions; i++) {
      clock = dayStart + 9 * HOUR + Math.floor((i * 8 * HOUR) / decisions);
      await decide(live[i % live.length]!);
      // Commits spread over the day, by the cwt sessions.
      if (Math.floor(((i + 1) * commits) / decisions) > Math.floor((i * commits) / decisions)) {
        await commit(pick(live.filter((entry) => entry.claudeId === undefined)));
      }
      // Midday: yesterday's session and tab end.
      if (yesterday && i === Math.floor(decisions / 3)) {
        await endCwtSession(yesterday.cwt, (day - 1) % 10 !== 0);
        await endTab(yesterday.tab);
        await store.deleteData('project:soak', `day-${day - 1}`, { session: null, now: clock });
        live = [resident, today.cwt, today.tab];
        yesterday = undefined;
      }
    }
    yesterday = today;
    if (day === midYear) {
      clock = dayStart + 18 * HOUR;
      result.snapshots.push(snapshot('mid-year, before gc', day));
      result.gc.midYear = await runGc();
      result.snapshots.push(snapshot('mid-year, after gc', day));
    }
    if (day % 30 === 29) progress(`day ${day + 1}/${options.days}: ${result.decisions} decisions, ${result.commits} commits, ${result.sessionsEnded} sessions ended`);
  }
  clock = options.endAt;
  progress(`end of year: timing ${options.commandSamples} command hooks`);
  result.commandHook.end = sampleCommandHook(resident.session, options.commandSamples);
  result.snapshots.push(snapshot('end of year, before gc', options.days));
  result.gc.endOfYear = await runGc();
  result.snapshots.push(snapshot('end of year, after gc', options.days));
  await store.close();
  result.wallSeconds = (performance.now() - started) / 1000;
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`year: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
