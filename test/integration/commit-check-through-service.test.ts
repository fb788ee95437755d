/**
 * git's pre-commit through the per-user service (`cwt serve`): the shim asks it with curl, and no Node starts.
 * - The same verdict, exit code and text as the Node hook, for the commits it blocks (a sibling's commit on the
 *   session's branch, a file another session claims, a session identity in the wrong checkout) and one it lets
 *   through. The service's side is proven to be what answered: its shims name a Node that does not exist (the
 *   Node hook would say "check skipped" and let everything through).
 * - The check is never skipped: a killed service (a stale pid file), a stopped one (no answer: the 2 s
 *   timeout), one that answers malformed text, and a value the shim will not put in JSON all go to Node.
 * - Another uid gets nothing (its connection is closed as it arrives); bad requests of this uid get a 4xx and
 *   change nothing.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getProcessStartTicks } from '../../src/core/sessions/liveness.js';
import { openStore } from '../../src/core/store/open.js';
import { SQLITE_FILE_NAME, SqliteStore } from '../../src/core/store/sqlite.js';
import type { SessionRecord } from '../../src/core/store/store.js';
import { MESSAGES } from '../../src/texts/messages.js';
import { createPostgresStoreUrl, STORE_BACKENDS } from '../helpers/backends.js';
import { createTestSession, ensureGitService, runGit, type GitRun } from '../helpers/commit.js';
import { stopFastPath } from '../helpers/env.js';
import { git, writeFile } from '../helpers/git.js';
import { runHook } from '../helpers/hooks.js';
import { createScenario, type Scenario } from '../helpers/scenario.js';
import { waitFor } from '../helpers/wait.js';

const GONE_NODE = '/nonexistent/cwt-test/node';
const require = createRequire(import.meta.url);

describe.each(STORE_BACKENDS)('pre-commit through the per-user service, on the %s store', (backend) => {
  let s: Scenario;
  let worktree: string;
  let session: SessionRecord;
  /** Shims whose Node is gone: a commit checked through them was checked by the service. */
  let serviceHooks: string;
  let children: ChildProcess[];
  beforeEach(async () => {
    s = createScenario();
    if (backend === 'postgres') s.env.CWT_STORE = createPostgresStoreUrl();
    children = [];
    ({ worktree, session } = await createTestSession(s, 'feat'));
    const hooks = join(s.repo, '.git', 'hooks');
    serviceHooks = join(s.root, 'service-hooks');
    mkdirSync(serviceHooks);
    for (const name of readdirSync(hooks).filter((file) => !file.endsWith('.sample'))) copyFileSync(join(hooks, name), join(serviceHooks, name));
    const shim = readFileSync(join(hooks, 'pre-commit'), 'utf8');
    expect(shim).toMatch(/^cwt_node=.*$/m);
    writeFileSync(join(serviceHooks, 'pre-commit'), shim.replace(/^cwt_node=.*$/m, `cwt_node=${GONE_NODE}`), { mode: 0o755 });
  });
  afterEach(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    s.cleanup();
  });

  const sessionEnv = () => ({ ...s.env, CWT_SESSION: session.id });
  /** The Node hook's verdict: the installed shims, told not to ask the service. */
  const byNode = (cwd: string, args: string[], env: NodeJS.ProcessEnv) => runGit(cwd, args, { ...env, CWT_NO_SERVICE: '1' });
  /** The service's verdict: the shims whose Node is gone. */
  const byService = (cwd: string, args: string[], env: NodeJS.ProcessEnv) => runGit(cwd, ['-c', `core.hooksPath=${serviceHooks}`, ...args], env);
  const stage = (cwd: string, file: string, text: string) => {
    writeFile(cwd, file, text);
    git(cwd, ['add', file]);
  };
  const head = (cwd: string) => git(cwd, ['rev-parse', 'HEAD']);
  /** The events of a kind, from the store this test uses (SQLite or PostgreSQL). */
  async function readEvents(kind: string) {
    const store = await openStore(s.env);
    try {
      return (await store.listEvents()).filter((event) => event.kind === kind);
    } finally {
      await store.close();
    }
  }

  /** An adopted tab in the session's worktree (as the Claude Code hooks register one), linked to `claudeId`. */
  async function addTab(id: string, claudeId: string): Promise<SessionRecord> {
    const store = await openStore(s.env);
    const now = Date.now();
    const tab: SessionRecord = { ...session, id, createdBranch: false, pid: process.pid, host: hostname(), startedAt: now, heartbeatAt: now, memoryDir: '', memoryBase: '', kind: 'adopted' };
    await store.insertSession(tab);
    await store.linkClaudeSession(claudeId, tab.id, now);
    await store.close();
    return tab;
  }

  function expectSameVerdict(cwd: string, env: NodeJS.ProcessEnv): GitRun {
    const before = head(cwd);
    const node = byNode(cwd, ['commit', '-q', '-m', 'checked'], env);
    const service = byService(cwd, ['commit', '-q', '-m', 'checked'], env);
    expect(node.code, node.stderr).toBe(1);
    // Ages ("last edit now", "1s ago") move between the two runs; everything else is the same text.
    const ageless = (run: GitRun) => ({ ...run, stderr: run.stderr.replace(/last edit (now|\d+[smhd] ago)/g, 'last edit <age>').replace(/\((now|\d+[smhd] ago)\)/g, '(<age>)') });
    expect(ageless(service)).toEqual(ageless(node));
    expect(service.stderr).not.toContain(GONE_NODE);
    expect(head(cwd)).toBe(before);
    return service;
  }

  it('blocks what the Node hook blocks, with the same text: a claimed file, a sibling commit, the wrong checkout', async () => {
    ensureGitService(s.env);
    // A claimed file: the tab is editing shared.txt (its Write went through the hook).
    const tab = await addTab('tab00001', 'claude-tab-1');
    await runHook('pre-tool-use', { session_id: 'claude-tab-1', cwd: worktree, hook_event_name: 'PreToolUse', tool_name: 'Write', tool_input: { file_path: join(worktree, 'shared.txt'), content: 'x' } }, s.env);
    stage(worktree, 'shared.txt', 'half done\n');
    const claimed = expectSameVerdict(worktree, sessionEnv());
    expect(claimed.stderr).toContain(MESSAGES.checkClaimedHeader);
    expect(claimed.stderr).toContain(`shared.txt: ${MESSAGES.hookWho(tab)}`);
    git(worktree, ['reset', '-q']);

    // A sibling's commit on the session's branch: the tab commits (through the service), the session is blocked.
    stage(worktree, 'tab.txt', 'tab\n');
    const tabCommit = byService(worktree, ['commit', '-q', '-m', 'tab: tab.txt'], { ...s.env, CLAUDE_CODE_SESSION_ID: 'claude-tab-1' });
    expect(tabCommit, tabCommit.stderr).toMatchObject({ code: 0, stderr: '' });
    stage(worktree, 'mine.txt', 'mine\n');
    const foreign = expectSameVerdict(worktree, sessionEnv());
    expect(foreign.stderr).toContain('tab: tab.txt');
    expect(foreign.stderr).toContain(`made by ${MESSAGES.hookWho(tab)}`);
    git(worktree, ['reset', '-q']);

    // The session's identity in the main checkout.
    stage(s.repo, 'stray.txt', 'stray\n');
    const misplaced = expectSameVerdict(s.repo, sessionEnv());
    expect(misplaced.stderr).toContain(MESSAGES.wrongCheckoutCommit(session, s.repo, 'main'));
    const blocks = await readEvents('check.block');
    // Each block recorded once per commit attempt, by whichever answered: Node's and the service's.
    expect(blocks.map((event) => event.data.reason ?? 'check')).toEqual(['check', 'check', 'check', 'check', 'wrong-checkout', 'wrong-checkout']);
  });

  it('lets an ordinary commit through as Node does, and post-commit still records it', async () => {
    ensureGitService(s.env);
    stage(worktree, 'a.txt', 'a\n');
    const viaService = byService(worktree, ['commit', '-q', '-m', 'a'], sessionEnv());
    expect(viaService).toEqual({ code: 0, stdout: '', stderr: '' });
    const shaA = head(worktree);
    stage(worktree, 'b.txt', 'b\n');
    const viaNode = byNode(worktree, ['commit', '-q', '-m', 'b'], sessionEnv());
    expect(viaNode).toEqual(viaService);
    const commits = await readEvents('commit');
    expect(commits.map((event) => [event.session, event.data.sha])).toEqual([
      [session.id, shaA],
      [session.id, head(worktree)],
    ]);
    // The service's check ran for this git: no commit is logged as a bypass of pre-commit.
    expect(await readEvents('check.bypass')).toEqual([]);
  });

  it('falls back to Node, never skipping the check: a killed service, a stopped one, a malformed answer, an unsafe value', async () => {
    const tab = await addTab('tab00002', 'claude-tab-2');
    await runHook('pre-tool-use', { session_id: 'claude-tab-2', cwd: worktree, hook_event_name: 'PreToolUse', tool_name: 'Write', tool_input: { file_path: join(worktree, 'held.txt'), content: 'x' } }, s.env);
    stage(worktree, 'held.txt', 'held\n');
    const expectNodeBlocks = (env: NodeJS.ProcessEnv = sessionEnv()) => {
      // The installed shims: Node is there, and is what answers when the service cannot.
      const result = runGit(worktree, ['commit', '-q', '-m', 'held'], env);
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toContain(`held.txt: ${MESSAGES.hookWho(tab)}`);
      return result;
    };

    // The service answers (through the shims without Node) ...
    const pid = ensureGitService(s.env);
    expect(byService(worktree, ['commit', '-q', '-m', 'held'], sessionEnv()).code).toBe(1);
    // ... and a value the shim will not write into JSON as it is (a quote) goes to Node, which is gone there.
    const quoted = byService(worktree, ['commit', '-q', '-m', 'held'], { ...sessionEnv(), CLAUDE_CODE_SESSION_ID: 'a"b' });
    expect(quoted.stderr).toContain(GONE_NODE);
    expect(quoted.code).toBe(0);
    git(worktree, ['reset', '-q', '--soft', 'HEAD~1']);

    // Stopped (SIGSTOP): alive by its pid file, but no answer within 2 s.
    process.kill(pid, 'SIGSTOP');
    try {
      const started = Date.now();
      expectNodeBlocks();
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
    } finally {
      process.kill(pid, 'SIGCONT');
    }

    // Killed (SIGKILL): its pid file stays behind, naming a process that is gone.
    process.kill(pid, 'SIGKILL');
    await waitFor(() => (getProcessStartTicks(pid) === undefined ? true : undefined));
    expect(readFileSync(join(s.cwtHome, 'fastpath.pid'), 'utf8')).toContain(`${pid} `);
    expectNodeBlocks();
    expect(byService(worktree, ['commit', '-q', '-m', 'held'], sessionEnv()).stderr).toContain(GONE_NODE);
    git(worktree, ['reset', '-q', '--soft', 'HEAD~1']);

    // Something of ours on the port that answers 200 with a verdict but not the end line the service writes.
    const port = (JSON.parse(readFileSync(join(s.cwtHome, 'fastpath.json'), 'utf8')) as { port: number }).port;
    const fake = spawn(process.execPath, ['-e', `require('node:http').createServer((q, r) => { q.resume(); q.on('end', () => r.end('cwt-pre-commit 0\\n')); }).listen(${port}, '127.0.0.1', () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(fake);
    await new Promise<void>((resolvePromise) => fake.stdout!.once('data', () => resolvePromise()));
    writeFileSync(join(s.cwtHome, 'fastpath.pid'), `${fake.pid} ${getProcessStartTicks(fake.pid!)} ${port}\n`, { mode: 0o600 });
    expectNodeBlocks();
  });

  it('asks through curl where there is no bash, and goes to Node where there is neither', async () => {
    ensureGitService(s.env);
    const tab = await addTab('tab00006', 'claude-tab-6');
    await runHook('pre-tool-use', { session_id: 'claude-tab-6', cwd: worktree, hook_event_name: 'PreToolUse', tool_name: 'Write', tool_input: { file_path: join(worktree, 'held.txt'), content: 'x' } }, s.env);
    stage(worktree, 'held.txt', 'held\n');
    /** A PATH of git and the few tools the shims run, with or without curl (and never bash). */
    const pathWith = (tools: string[]) => {
      const dir = join(s.root, `bin-${tools.join('-')}`);
      mkdirSync(dir);
      for (const tool of tools) {
        const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
        expect(found, tool).not.toBe('');
        symlinkSync(found, join(dir, tool));
      }
      return dir;
    };
    const noBash = { ...sessionEnv(), PATH: pathWith(['git', 'curl', 'mkdir', 'mv', 'rm']) };
    const viaCurl = byService(worktree, ['commit', '-q', '-m', 'held'], noBash);
    expect(viaCurl.code, viaCurl.stderr).toBe(1);
    expect(viaCurl.stderr).toContain(`held.txt: ${MESSAGES.hookWho(tab)}`);
    expect(viaCurl.stderr).not.toContain(GONE_NODE);
    const neither = byService(worktree, ['commit', '-q', '-m', 'held'], { ...sessionEnv(), PATH: pathWith(['git', 'mkdir', 'mv', 'rm']) });
    expect(neither.stderr).toContain(GONE_NODE);
    git(worktree, ['reset', '-q', '--soft', 'HEAD~1']);
  });

  it('records a block once per commit attempt when the service answers after the shim gave up and Node checked again', async () => {
    const tab = await addTab('tab00004', 'claude-tab-4');
    await runHook('pre-tool-use', { session_id: 'claude-tab-4', cwd: worktree, hook_event_name: 'PreToolUse', tool_name: 'Write', tool_input: { file_path: join(worktree, 'held.txt'), content: 'x' } }, s.env);
    stage(worktree, 'held.txt', 'held\n');
    // A shim that does not say which attempt it is (as v3 shims did): the naive double record, shown first.
    const naiveHooks = join(s.root, 'naive-hooks');
    mkdirSync(naiveHooks);
    for (const name of readdirSync(join(s.repo, '.git', 'hooks')).filter((file) => !file.endsWith('.sample'))) copyFileSync(join(s.repo, '.git', 'hooks', name), join(naiveHooks, name));
    const shim = readFileSync(join(naiveHooks, 'pre-commit'), 'utf8');
    expect(shim).toContain('cwt_json_add hookPid "$$"\n    cwt_json_add hookStart "$cwt_start"\n');
    writeFileSync(join(naiveHooks, 'pre-commit'), shim.replace('cwt_json_add hookPid "$$"\n    cwt_json_add hookStart "$cwt_start"\n', ''), { mode: 0o755 });
    const sleep = (ms: number) => new Promise((resolvePromise) => setTimeout(resolvePromise, ms));
    /** A commit the claim blocks, answered by Node after curl's 2 s; resolves to how many blocks it added. */
    const blocksOfOneAttempt = async (hooks: string | undefined, during?: { before: () => void; after: () => void }) => {
      const before = (await readEvents('check.block')).length;
      const started = Date.now();
      during?.before();
      let result: GitRun;
      try {
        result = runGit(worktree, [...(hooks ? ['-c', `core.hooksPath=${hooks}`] : []), 'commit', '-q', '-m', 'held'], sessionEnv());
      } finally {
        during?.after();
      }
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toContain(`held.txt: ${MESSAGES.hookWho(tab)}`);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
      // The service's own check of the attempt is done well within this (it answers 2.5 s after it).
      await sleep(1_500);
      return (await readEvents('check.block')).length - before;
    };

    // The service checks (recording the block) and answers 2.5 s later: Node checks the same attempt again.
    const pid = ensureGitService({ ...s.env, CWT_FAILPOINT: 'pre-commit:answer-after:2500' });
    expect(await blocksOfOneAttempt(naiveHooks)).toBe(2);
    expect(await blocksOfOneAttempt(undefined)).toBe(1);
    // The other order: the service is stopped while Node checks and records, and checks the attempt once resumed.
    const stopped = { before: () => process.kill(pid, 'SIGSTOP'), after: () => process.kill(pid, 'SIGCONT') };
    expect(await blocksOfOneAttempt(naiveHooks, stopped)).toBe(2);
    expect(await blocksOfOneAttempt(undefined, stopped)).toBe(1);
    // A bypass is one event per attempt too.
    const skipped = runGit(worktree, ['commit', '-q', '-m', 'skipped'], { ...sessionEnv(), CWT_SKIP_CHECK: '1' });
    expect(skipped.code, skipped.stderr).toBe(0);
    await sleep(1_500);
    expect((await readEvents('check.bypass')).filter((event) => event.data.reason === 'CWT_SKIP_CHECK')).toHaveLength(1);
    // Each attempt claimed once, by who checked it first: the naive shim's by Node only (the service had no key),
    // the installed shim's by the service (late answer), by Node (stopped service), by the service (bypass).
    const store = await openStore(s.env);
    const claims = (await store.listHookCalls()).filter((call) => call.key.startsWith('git/pre-commit/'));
    await store.close();
    expect(claims.map((call) => call.by)).toEqual(['command', 'fastpath', 'command', 'command', 'fastpath']);
  });

  it("another uid's request gets nothing; this uid's bad requests get a 4xx and change nothing", async () => {
    expect(process.getuid?.(), 'this test runs a client under another uid with setpriv: it needs root').toBe(0);
    ensureGitService(s.env);
    const port = (JSON.parse(readFileSync(join(s.cwtHome, 'fastpath.json'), 'utf8')) as { port: number }).port;
    const tab = await addTab('tab00003', 'claude-tab-3');
    await runHook('pre-tool-use', { session_id: 'claude-tab-3', cwd: worktree, hook_event_name: 'PreToolUse', tool_name: 'Write', tool_input: { file_path: join(worktree, 'held.txt'), content: 'x' } }, s.env);
    stage(worktree, 'held.txt', 'held\n');
    const request = { v: 1, cwd: worktree, store: s.env.CWT_STORE ?? '', gitPid: String(process.pid), env: { CWT_SESSION: session.id, HOME: s.home } };
    const post = (body: unknown, asNobody = false) => {
      const curl = ['curl', '-q', '-s', '-o', '-', '-w', '\n%{http_code}', '-H', 'content-type: application/json', '--data-binary', '@-', `http://127.0.0.1:${port}/git/pre-commit`];
      const result = spawnSync(asNobody ? 'setpriv' : curl[0]!, asNobody ? ['--reuid=65534', '--regid=65534', '--clear-groups', ...curl] : curl.slice(1), { input: typeof body === 'string' ? body : JSON.stringify(body), encoding: 'utf8' });
      const cut = result.stdout.lastIndexOf('\n');
      return { status: Number(result.stdout.slice(cut + 1)), body: result.stdout.slice(0, cut), curlExit: result.status };
    };
    const eventsBefore = async () => (await readEvents('check.block')).length;
    const marker = join(git(worktree, ['rev-parse', '--absolute-git-dir']), 'cwt-pre-commit');
    const markerExists = () => {
      try {
        readFileSync(marker);
        return true;
      } catch {
        return false;
      }
    };

    // Another uid: no status, no body; nothing of the check ran (no block recorded, no marker written).
    const foreign = post(request, true);
    expect(foreign).toMatchObject({ status: 0, body: '' });
    expect([52, 56]).toContain(foreign.curlExit);
    // This uid with requests the service will not run: each a 4xx, nothing recorded.
    const bad: [unknown, number][] = [
      ['not json', 400],
      [{ ...request, v: 2 }, 400],
      [{ ...request, cwd: 'relative/dir' }, 400],
      [{ ...request, env: { ...request.env, PATH: '/tmp/evil' } }, 400],
      [{ ...request, env: { ...request.env, GIT_DIR: '/tmp' } }, 400],
      [{ ...request, gitPid: '1; rm -rf /' }, 400],
      [{ ...request, store: 'postgres://elsewhere/db' }, 409],
      [{ ...request, cwd: join(s.root, 'missing') }, 422],
      [{ ...request, cwd: s.root }, 422],
    ];
    for (const [body, status] of bad) expect(post(body).status, JSON.stringify(body)).toBe(status);
    expect(await eventsBefore()).toBe(0);
    expect(markerExists()).toBe(false);

    // The same request from this uid is checked: blocked, with the claim named (the refusals were not for nothing).
    const own = post(request);
    expect(own.status).toBe(200);
    expect(own.body).toMatch(/^cwt-pre-commit 1\n/);
    expect(own.body).toContain(`held.txt: ${MESSAGES.hookWho(tab)}`);
    expect(own.body.endsWith('cwt-end\n')).toBe(true);
    expect(await eventsBefore()).toBe(1);
    stopFastPath(s.cwtHome);
  });
});

describe('a block whose event cannot be written', () => {
  let s: Scenario;
  beforeEach(() => {
    s = createScenario();
  });
  afterEach(() => s.cleanup());

  it('still blocks (the store busy past its timeout: another process holds the write lock), and logs why', async () => {
    const created = await s.cwt(['new', 'feat', '--no-launch']);
    expect(created.code, created.stderr).toBe(0);
    const worktree = created.stdout.trim();
    const store = await openStore(s.env);
    const session = (await store.listSessions())[0]!;
    const now = Date.now();
    const tab: SessionRecord = { ...session, id: 'tab00005', createdBranch: false, pid: process.pid, host: hostname(), startedAt: now, heartbeatAt: now, memoryDir: '', memoryBase: '', kind: 'adopted' };
    await store.insertSession(tab);
    await store.linkClaudeSession('claude-tab-5', tab.id, now);
    await store.close();
    await runHook('pre-tool-use', { session_id: 'claude-tab-5', cwd: worktree, hook_event_name: 'PreToolUse', tool_name: 'Write', tool_input: { file_path: join(worktree, 'held.txt'), content: 'x' } }, s.env);
    writeFile(worktree, 'held.txt', 'held\n');
    git(worktree, ['add', 'held.txt']);
    const head = () => git(worktree, ['rev-parse', 'HEAD']);
    const before = head();
    // Another process takes SQLite's write lock and keeps it while git commits.
    const holder = spawn(process.execPath, ['-e', `const db = new (require(process.argv[1]))(process.argv[2]); db.exec('BEGIN IMMEDIATE'); console.log('held'); setTimeout(() => {}, 60000);`, require.resolve('better-sqlite3'), join(s.cwtHome, SQLITE_FILE_NAME)], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolvePromise) => holder.stdout!.once('data', () => resolvePromise()));
      const result = runGit(worktree, ['commit', '-q', '-m', 'held'], { ...s.env, CWT_SESSION: session.id, CWT_NO_SERVICE: '1' });
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toContain(`held.txt: ${MESSAGES.hookWho(tab)}`);
      expect(result.stderr).not.toContain('was skipped');
    } finally {
      holder.kill('SIGKILL');
    }
    expect(head()).toBe(before);
    expect(readFileSync(join(s.cwtHome, 'hook-errors.log'), 'utf8')).toMatch(/git pre-commit.*locked/s);
  }, 40_000);
});

describe('the service and the post-commit journal', () => {
  let s: Scenario;
  beforeEach(() => {
    s = createScenario();
  });
  afterEach(() => s.cleanup());

  it('replays a journaled commit as it lands, so the next pre-commit has nothing to replay on its way', async () => {
    const created = await s.cwt(['new', 'feat', '--no-launch']);
    expect(created.code, created.stderr).toBe(0);
    const worktree = created.stdout.trim();
    const journal = join(s.cwtHome, 'commits');
    const entries = () => readdirSync(journal).filter((name) => name.startsWith('commit-'));
    /** The store's commits as they are in the file, without the replay a reader does first. */
    const recorded = async () => {
      const store = new SqliteStore(s.cwtHome);
      try {
        return (await store.listEvents()).filter((event) => event.kind === 'commit').map((event) => event.data.sha);
      } finally {
        await store.close();
      }
    };
    const commit = (name: string) => {
      writeFile(worktree, name, `${name}\n`);
      git(worktree, ['add', name]);
      expect(runGit(worktree, ['commit', '-q', '-m', name], s.env)).toMatchObject({ code: 0, stderr: '' });
      return git(worktree, ['rev-parse', 'HEAD']);
    };
    // No service: the entry waits for a reader.
    const first = commit('first.txt');
    expect(entries()).toHaveLength(1);
    expect(await recorded()).toEqual([]);
    // The service replays what waits when it starts watching, and each new entry as it lands.
    ensureGitService(s.env);
    await waitFor(async () => (entries().length === 0 && (await recorded()).length === 1 ? true : undefined), 10_000);
    const second = commit('second.txt');
    await waitFor(async () => (entries().length === 0 && (await recorded()).length === 2 ? true : undefined), 10_000);
    expect(await recorded()).toEqual([first, second]);
    stopFastPath(s.cwtHome);
  });
});

describe('shims from before the service path', () => {
  let s: Scenario;
  beforeEach(() => {
    s = createScenario();
  });
  afterEach(() => s.cleanup());

  it('a v2 shim (no service block) is rewritten to the current one by cwt install --git-hooks, which then asks the service', async () => {
    const created = await s.cwt(['new', 'feat', '--no-launch']);
    expect(created.code, created.stderr).toBe(0);
    const path = join(s.repo, '.git', 'hooks', 'pre-commit');
    const v4 = readFileSync(path, 'utf8');
    const start = v4.indexOf('# pre-commit: the running per-user service');
    const end = v4.indexOf('# post-commit, with the SQLite store');
    expect(start).toBeGreaterThan(0);
    expect(end).toBeGreaterThan(start);
    const v2 = (v4.slice(0, start) + v4.slice(end)).replace('# cwt-git-hook v4 ', '# cwt-git-hook v2 ');
    writeFileSync(path, v2, { mode: 0o755 });
    const installed = await s.cwt(['install', '--git-hooks', '--json']);
    expect(installed.code, installed.stderr).toBe(0);
    const changes = (JSON.parse(installed.stdout) as { changes: Array<{ hook: string; action: string }> }).changes;
    expect(changes.map((change) => [change.hook, change.action])).toEqual([
      ['pre-commit', 'updated'],
      ['post-commit', 'unchanged'],
      ['post-merge', 'unchanged'],
      ['post-rewrite', 'unchanged'],
    ]);
    expect(readFileSync(path, 'utf8')).toBe(v4);
    // v4: the request names the commit attempt (the shim's pid and start), so its event is recorded once.
    expect(v4).toMatch(/^# cwt-git-hook v4 \(pre-commit\)/m);
  });
});
