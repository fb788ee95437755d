/**
 * post-commit without Node: cwt's shim journals the commit in the state dir (sh and one git call), and the
 * next cwt process replays it before reading anything. Nothing is recorded before a reader comes, nothing is
 * lost however long none comes, and parallel readers record each commit once.
 */
import { spawn } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getCommitJournalDir, parseJournalEntry, recordCommitFacts } from '../../src/core/git/commitjournal.js';
import { getCommit } from '../../src/core/git/git.js';
import { SqliteStore } from '../../src/core/store/sqlite.js';
import type { SessionRecord } from '../../src/core/store/store.js';
import { CWT_BIN } from '../helpers/cli.js';
import { createTestSession, readEvents, runGit } from '../helpers/commit.js';
import { git, writeFile } from '../helpers/git.js';
import { createScenario, type Scenario } from '../helpers/scenario.js';

/** Events as they are in the file, without the replay every cwt reader does first. */
async function readRawEvents(cwtHome: string, kind: string) {
  const store = new SqliteStore(cwtHome);
  try {
    return (await store.listEvents()).filter((event) => event.kind === kind);
  } finally {
    await store.close();
  }
}

function runCwtAsync(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<number | null> {
  return new Promise((resolve) => spawn(process.execPath, [CWT_BIN, ...args], { cwd, env, stdio: 'ignore' }).on('close', resolve));
}

describe('the post-commit journal', () => {
  let s: Scenario;
  let worktree: string;
  let session: SessionRecord;
  let env: NodeJS.ProcessEnv;
  let journal: string;
  beforeEach(async () => {
    s = createScenario();
    ({ worktree, session } = await createTestSession(s, 'feat'));
    env = { ...s.env, CWT_SESSION: session.id };
    journal = getCommitJournalDir(s.cwtHome);
  });
  afterEach(() => s.cleanup());

  const commit = (name: string, extra: string[] = []) => {
    writeFile(worktree, name, `${name}\n`);
    expect(runGit(worktree, ['add', name], env).code).toBe(0);
    const result = runGit(worktree, ['commit', '-q', '-m', name, ...extra], env);
    expect(result.code, result.stderr).toBe(0);
    return git(worktree, ['rev-parse', 'HEAD']);
  };
  const entries = () => readdirSync(journal).filter((name) => name.startsWith('commit-'));

  it('a cwt mcp that was already running records a journaled commit before it answers', { timeout: 60_000 }, async () => {
    const client = new Client({ name: 'cwt-test', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [CWT_BIN, 'mcp'], cwd: worktree, env: env as Record<string, string>, stderr: 'pipe' }));
    try {
      const commitEvents = async () => {
        const result = (await client.callTool({ name: 'recent_events', arguments: { kind: 'commit' } })) as { isError?: boolean; content: { text: string }[] };
        expect(result.isError, result.content[0]?.text).toBeFalsy();
        return (JSON.parse(result.content[0]!.text) as { events: { kind: string }[] }).events;
      };
      expect(await commitEvents()).toEqual([]); // the server is up and has read the store once
      const sha = commit('from-mcp.txt');
      expect(entries()).toHaveLength(1); // journaled, not yet recorded
      expect(await commitEvents()).toHaveLength(1);
      expect(entries()).toHaveLength(0);
      expect((await readRawEvents(s.cwtHome, 'commit')).map((event) => (event.data as { sha?: string }).sha)).toEqual([sha]);
    } finally {
      await client.close();
    }
  });

  it("the next commit's pre-commit replays the journal before it checks", async () => {
    const first = commit('first.txt');
    expect(entries()).toHaveLength(1);
    const second = commit('second.txt');
    expect(entries()).toHaveLength(1);
    expect((await readRawEvents(s.cwtHome, 'commit')).map((event) => event.data.sha)).toEqual([first]);
    expect((await readEvents(s.cwtHome, 'commit')).map((event) => event.data.sha)).toEqual([first, second]);
  });

  it('journals the commit privately, records nothing until a reader comes, and the reader replays it once', async () => {
    const sha = commit('a.txt');
    expect(entries()).toHaveLength(1);
    expect(statSync(journal).mode & 0o777).toBe(0o700);
    expect(statSync(join(journal, entries()[0]!)).mode & 0o777).toBe(0o600);
    // post-commit ran no Node: the store has not heard of the commit.
    expect(await readRawEvents(s.cwtHome, 'commit')).toEqual([]);

    const status = await s.cwt(['status', '--json'], { cwd: worktree });
    expect(status.code, status.stderr).toBe(0);
    expect(entries()).toEqual([]);
    const commits = await readRawEvents(s.cwtHome, 'commit');
    expect(commits.map((event) => [event.session, event.data.sha, event.data.checked, event.data.subject])).toEqual([[session.id, sha, true, 'a.txt']]);
    const store = new SqliteStore(s.cwtHome);
    expect((await store.getSession(session.id))?.knownTip).toBe(sha);
    await store.close();
  });

  it('waits for days: replayed in commit order with the commit times, a --no-verify commit logged as a bypass', async () => {
    const first = commit('one.txt');
    const second = commit('two.txt', ['--no-verify']);
    const [a, b] = entries().sort((x, y) => statSync(join(journal, x)).mtimeMs - statSync(join(journal, y)).mtimeMs);
    const days = 3 * 86_400;
    const t0 = Math.floor(Date.now() / 1000) - days;
    utimesSync(join(journal, a!), t0, t0);
    utimesSync(join(journal, b!), t0 + 60, t0 + 60);

    const commits = await readEvents(s.cwtHome, 'commit');
    expect(commits.map((event) => [event.data.sha, event.data.checked])).toEqual([
      [first, true],
      [second, false],
    ]);
    expect(commits.map((event) => Math.round(event.at / 1000))).toEqual([t0, t0 + 60]);
    const bypasses = await readEvents(s.cwtHome, 'check.bypass');
    expect(bypasses.map((event) => [event.data.reason, event.data.sha])).toEqual([['no-verify', second]]);
  });

  it('parallel readers record each journaled commit once', async () => {
    // --no-verify: no pre-commit (a reader, which would replay the entries before it) runs in between.
    const shas = [commit('p1.txt', ['--no-verify']), commit('p2.txt', ['--no-verify']), commit('p3.txt', ['--no-verify'])];
    expect(entries()).toHaveLength(3);
    const codes = await Promise.all(Array.from({ length: 6 }, () => runCwtAsync(['log', '--json'], worktree, s.env)));
    expect(codes).toEqual([0, 0, 0, 0, 0, 0]);
    const commits = await readRawEvents(s.cwtHome, 'commit');
    // Once each, and in commit order: the session's tip is its last commit, never moved back.
    expect(commits.map((event) => event.data.sha)).toEqual(shas);
    expect(entries()).toEqual([]);
    const store = new SqliteStore(s.cwtHome);
    expect((await store.getSession(session.id))?.knownTip).toBe(shas[2]);
    await store.close();
  });

  it('without taking an entry first, two readers record one commit twice (why the replay renames it)', async () => {
    commit('naive.txt');
    const [name] = entries();
    const { readFileSync } = await import('node:fs');
    const entry = parseJournalEntry(readFileSync(join(journal, name!), 'utf8'), Date.now())!;
    const { repo } = entry;
    const head = (await getCommit(entry.sha, repo.topLevel))!;
    // Two naive readers: each reads the entry and records it, neither takes it.
    const naive = async () => {
      const store = new SqliteStore(s.cwtHome);
      try {
        await recordCommitFacts(store, { repo, commit: head, branch: entry.branch, session, gitPid: entry.gitPid, skipCheck: false, at: entry.at });
      } finally {
        await store.close();
      }
    };
    await Promise.all([naive(), naive()]);
    expect((await readRawEvents(s.cwtHome, 'commit')).length).toBe(2);
  });

  it('drops a malformed entry, ignores files that are not entries, and takes over one a dead reader had taken', async () => {
    const sha = commit('taken.txt');
    const [name] = entries();
    const { renameSync } = await import('node:fs');
    // A reader that died mid-replay (pid 2^22+1 is above Linux's pid_max default: never alive).
    renameSync(join(journal, name!), join(journal, `${name}.taken-4194305`));
    mkdirSync(journal, { recursive: true });
    writeFileSync(join(journal, `commit-1-2-${'a'.repeat(40)}`), 'cwt-commit v1\nnot a sha\n', { mode: 0o600 });
    writeFileSync(join(journal, 'notes.txt'), 'left alone', { mode: 0o600 });

    const commits = await readEvents(s.cwtHome, 'commit');
    expect(commits.map((event) => event.data.sha)).toEqual([sha]);
    expect(readdirSync(journal).sort()).toEqual(['notes.txt']);
  });

  it('entries in a journal directory others may write are not replayed', async () => {
    commit('shared.txt', ['--no-verify']);
    const { chmodSync } = await import('node:fs');
    chmodSync(journal, 0o777);
    expect(await readEvents(s.cwtHome, 'commit')).toEqual([]);
    expect(entries()).toHaveLength(1);
    chmodSync(journal, 0o700);
    expect(await readEvents(s.cwtHome, 'commit')).toHaveLength(1);
  });

  it('parses only what the shim writes', () => {
    const good = `cwt-commit v1\n${'b'.repeat(40)}\nrefs/heads/x\n/abs/wt\n/abs/main/.git/worktrees/wt\n/abs/main/.git\n42\n\nsess\n\n`;
    expect(parseJournalEntry(good, 5)).toEqual({
      sha: 'b'.repeat(40),
      branch: 'x',
      repo: { topLevel: '/abs/wt', gitDir: '/abs/main/.git/worktrees/wt', commonDir: '/abs/main/.git', mainWorktree: '/abs/main', isLinkedWorktree: true },
      gitPid: 42,
      skipCheck: '',
      cwtSession: 'sess',
      claudeSession: '',
      at: 5,
    });
    // The main checkout: git prints the common dir relative to the top level.
    expect(parseJournalEntry(good.replace('/abs/wt\n/abs/main/.git/worktrees/wt\n/abs/main/.git\n', '/abs/main\n/abs/main/.git\n.git\n'), 5)?.repo).toEqual({
      topLevel: '/abs/main',
      gitDir: '/abs/main/.git',
      commonDir: '/abs/main/.git',
      mainWorktree: '/abs/main',
      isLinkedWorktree: false,
    });
    expect(parseJournalEntry(good.replace('/abs/wt\n', 'rel/wt\n'), 5)).toBeUndefined();
    expect(parseJournalEntry(good.replace('refs/heads/x', 'refs/tags/x'), 5)).toBeUndefined();
    expect(parseJournalEntry(good.replace('\n42\n', '\n4x\n'), 5)).toBeUndefined();
    expect(parseJournalEntry(`${good}extra\n`, 5)).toBeUndefined();
    expect(parseJournalEntry(good.replace('refs/heads/x', 'HEAD'), 5)?.branch).toBe('');
  });
});
