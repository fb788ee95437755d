/**
 * End to end, the real `claude` on both ends of the range against the fake Messages API: a session's
 * conversation follows it. `cwt attach` continues the last conversation (the next request holds the earlier
 * turn), `--new` starts without it, a worktree removed by `cwt end --remove` is recreated from its branch and
 * continues from a marked copy of the transcript (the original unchanged), and `cwt new --fork` starts a new
 * worktree from a copy of another session's conversation while that one's transcript stays byte for byte the same.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claudePrintArgs, cwtJson, describeRun, e2eEnv, projectKey, requireClaude, useE2eFixture } from '../helpers/claude.js';
import { runCwt } from '../helpers/cli.js';
import { createRepo, git } from '../helpers/git.js';
import type { FakeApi, RecordedRequest } from '../helpers/fake-api.js';

interface ConversationView {
  id: string;
  startedAt: string;
  firstPrompt: string | null;
}

interface SessionView {
  id: string;
  branch: string;
  worktree: string;
  state: string;
  memoryDir: string;
  conversations: ConversationView[];
}

/** The conversation as the model received it: every message of the request, as text. */
function messagesOf(request: RecordedRequest | undefined): string {
  return JSON.stringify((request?.body as { messages?: unknown } | undefined)?.messages ?? []);
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

describe('conversations follow the session (real claude, fake API)', () => {
  const fixture = useE2eFixture('cwt-e2e-conv-');

  async function sessions(repo: string, env: NodeJS.ProcessEnv): Promise<SessionView[]> {
    return cwtJson<SessionView[]>(['status', '--all', '--json'], { cwd: repo, env });
  }

  async function cwt(args: string[], repo: string, env: NodeJS.ProcessEnv, api: FakeApi): Promise<void> {
    const result = await runCwt(args, { cwd: repo, env, timeoutMs: 90_000 });
    expect(result.code, `cwt ${args.join(' ')}\n${describeRun(result, api)}`).toBe(0);
  }

  /** The main requests a run sent: those after `before` of them. */
  const sentSince = (api: FakeApi, before: number) => api.mainRequests().slice(before);

  it('attach continues the last conversation; attach --new starts without it', { timeout: 240_000 }, async () => {
    requireClaude();
    const sb = fixture.sandbox;
    const repo = createRepo(join(sb.root, 'repo'));
    const api = await fixture.startApi();
    const env = e2eEnv(sb, api);

    await cwt(['new', 'feat/a', '--', ...claudePrintArgs('FIRST-TURN-alpha\nsecond line')], repo, env, api);
    const [created] = await sessions(repo, env);
    expect(created!.conversations, JSON.stringify(created)).toHaveLength(1);
    const first = created!.conversations[0]!;
    // The first line only, as the hook recorded it.
    expect(first.firstPrompt).toBe('FIRST-TURN-alpha');

    let before = api.mainRequests().length;
    await cwt(['attach', 'feat/a', '--', ...claudePrintArgs('NEXT-TURN-beta')], repo, env, api);
    const resumed = sentSince(api, before);
    expect(resumed.length).toBeGreaterThan(0);
    // The second run's first request carries the first turn (prompt and the fake model's answer) before the new prompt.
    expect(messagesOf(resumed[0])).toContain('FIRST-TURN-alpha');
    expect(messagesOf(resumed[0])).toContain('All done.');
    expect(messagesOf(resumed[0])).toContain('NEXT-TURN-beta');
    const [afterResume] = await sessions(repo, env);
    // Resumed, not a new conversation: the same id.
    expect(afterResume!.conversations.map((c) => c.id)).toEqual([first.id]);

    before = api.mainRequests().length;
    await cwt(['attach', 'feat/a', '--new', '--', ...claudePrintArgs('FRESH-TURN-gamma')], repo, env, api);
    const fresh = sentSince(api, before);
    expect(messagesOf(fresh[0])).toContain('FRESH-TURN-gamma');
    expect(messagesOf(fresh[0])).not.toContain('FIRST-TURN-alpha');
    expect(messagesOf(fresh[0])).not.toContain('NEXT-TURN-beta');
    const [afterFresh] = await sessions(repo, env);
    expect(afterFresh!.conversations).toHaveLength(2);
    expect(afterFresh!.conversations.map((c) => c.firstPrompt)).toEqual(['FIRST-TURN-alpha', 'FRESH-TURN-gamma']);

    // The last conversation is now the fresh one: a plain attach continues that.
    before = api.mainRequests().length;
    await cwt(['attach', 'feat/a', '--', ...claudePrintArgs('AFTER-FRESH-delta')], repo, env, api);
    expect(messagesOf(sentSince(api, before)[0])).toContain('FRESH-TURN-gamma');
    expect(messagesOf(sentSince(api, before)[0])).not.toContain('FIRST-TURN-alpha');

    // --pick <id> chooses the first one again.
    before = api.mainRequests().length;
    await cwt(['attach', 'feat/a', '--pick', first.id, '--', ...claudePrintArgs('PICKED-epsilon')], repo, env, api);
    expect(messagesOf(sentSince(api, before)[0])).toContain('NEXT-TURN-beta');
    expect(messagesOf(sentSince(api, before)[0])).not.toContain('FRESH-TURN-gamma');
  });

  it('after end --remove, attach <branch> recreates the worktree and continues from a marked copy', { timeout: 240_000 }, async () => {
    requireClaude();
    const sb = fixture.sandbox;
    const repo = createRepo(join(sb.root, 'repo'));
    const api = await fixture.startApi();
    const env = e2eEnv(sb, api);

    await cwt(['new', 'feat/r', '--', ...claudePrintArgs('BEFORE-REMOVE-one')], repo, env, api);
    const [old] = await sessions(repo, env);
    const claudeId = old!.conversations[0]!.id;
    const original = join(sb.claudeHome, 'projects', projectKey(old!.worktree), `${claudeId}.jsonl`);
    expect(existsSync(original), original).toBe(true);
    await cwt(['end', 'feat/r', '--remove'], repo, env, api);
    expect(existsSync(old!.worktree)).toBe(false);
    const originalSha = sha256(original);
    const originalMode = statSync(original).mode & 0o777;
    // Someone put a directory where the worktree was: the same path rules as cwt new pick the next free name,
    // so the conversation must be brought to a new project directory.
    mkdirSync(old!.worktree, { recursive: true });
    writeFileSync(join(old!.worktree, 'someone-elses.txt'), 'x\n');

    const before = api.mainRequests().length;
    await cwt(['attach', 'feat/r', '--', ...claudePrintArgs('AFTER-REMOVE-two')], repo, env, api);
    const sent = sentSince(api, before);
    expect(messagesOf(sent[0])).toContain('BEFORE-REMOVE-one');
    expect(messagesOf(sent[0])).toContain('AFTER-REMOVE-two');

    const all = await sessions(repo, env);
    const now = all.find((s) => s.id !== old!.id && s.branch === 'feat/r')!;
    expect(now, JSON.stringify(all)).toBeDefined();
    expect(now.worktree).not.toBe(old!.worktree);
    expect(existsSync(now.worktree)).toBe(true);
    expect(git(now.worktree, ['branch', '--show-current'])).toBe('feat/r');
    // The conversation moved to the new session; the old row keeps its history.
    expect(now.conversations.map((c) => c.id)).toEqual([claudeId]);
    expect(all.find((s) => s.id === old!.id)!.conversations).toEqual([]);
    // The original is untouched; the copy (which the client went on with) is marked and kept the mode.
    expect(sha256(original)).toBe(originalSha);
    const copy = join(sb.claudeHome, 'projects', projectKey(now.worktree), `${claudeId}.jsonl`);
    expect(existsSync(copy)).toBe(true);
    expect(statSync(copy).mode & 0o777).toBe(originalMode);
    const marker = JSON.parse(readFileSync(`${copy}.cwt-copy.json`, 'utf8')) as { copiedFrom: string; sha256: string; session: string };
    expect(marker).toMatchObject({ copiedFrom: original, sha256: originalSha, session: now.id });
    expect(readFileSync(copy, 'utf8')).toContain('AFTER-REMOVE-two');
    // CLAUDE.local.md says where the session comes from.
    expect(readFileSync(join(now.worktree, 'CLAUDE.local.md'), 'utf8')).toContain(`continues session ${old!.id}`);
  });

  it('new --fork starts from a copy of the parent conversation, whose transcript stays the same', { timeout: 240_000 }, async () => {
    requireClaude();
    const sb = fixture.sandbox;
    const repo = createRepo(join(sb.root, 'repo'));
    const api = await fixture.startApi();
    const env = e2eEnv(sb, api);

    await cwt(['new', 'feat/a', '--', ...claudePrintArgs('PARENT-TURN-one')], repo, env, api);
    const [parent] = await sessions(repo, env);
    const parentId = parent!.conversations[0]!.id;
    const transcript = join(sb.claudeHome, 'projects', projectKey(parent!.worktree), `${parentId}.jsonl`);
    const shaBefore = sha256(transcript);
    // A commit on feat/a (its tip) and a note of feat/a's not merged yet.
    writeFileSync(join(parent!.worktree, 'a.txt'), 'a\n');
    git(parent!.worktree, ['add', 'a.txt']);
    git(parent!.worktree, ['-c', 'core.hooksPath=/dev/null', 'commit', '-qm', 'a']);
    writeFileSync(join(parent!.memoryDir, 'parent-note.md'), '# from feat/a\n');

    const before = api.mainRequests().length;
    await cwt(['new', 'feat/b', '--fork', 'feat/a', '--', ...claudePrintArgs('CHILD-TURN-two')], repo, env, api);
    const sent = sentSince(api, before);
    expect(messagesOf(sent[0])).toContain('PARENT-TURN-one');
    expect(messagesOf(sent[0])).toContain('CHILD-TURN-two');

    // feat/a's own transcript: byte for byte what it was.
    expect(sha256(transcript)).toBe(shaBefore);
    const all = await sessions(repo, env);
    const child = all.find((s) => s.branch === 'feat/b')!;
    expect(git(repo, ['rev-parse', 'feat/b'])).toBe(git(repo, ['rev-parse', 'feat/a']));
    // The fork is a conversation of its own (--fork-session gave it a new id).
    expect(child.conversations).toHaveLength(1);
    expect(child.conversations[0]!.id).not.toBe(parentId);
    expect(all.find((s) => s.id === parent!.id)!.conversations.map((c) => c.id)).toEqual([parentId]);
    // Memory: canonical plus the parent's unmerged note; CLAUDE.local.md says so.
    expect(readFileSync(join(child.memoryDir, 'parent-note.md'), 'utf8')).toBe('# from feat/a\n');
    const notes = readFileSync(join(child.worktree, 'CLAUDE.local.md'), 'utf8');
    expect(notes).toContain(`forked from session ${parent!.id}`);
    expect(notes).toContain('parent-note.md');

    // The parent goes on with its own conversation, without the child's turn.
    const beforeParent = api.mainRequests().length;
    await cwt(['attach', 'feat/a', '--', ...claudePrintArgs('PARENT-AGAIN-three')], repo, env, api);
    const parentSent = sentSince(api, beforeParent);
    expect(messagesOf(parentSent[0])).toContain('PARENT-TURN-one');
    expect(messagesOf(parentSent[0])).not.toContain('CHILD-TURN-two');
  });
});
