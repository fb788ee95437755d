/**
 * Bad input to the conversation commands gets a clear error (exit 2 for what the user asked, exit 4 for a
 * transcript that is gone) and creates nothing: no branch, worktree, session row, namespace, state dir or
 * transcript copy. With a stand-in `claude` (it records its argv), `cwt attach` passes `--resume <id>` for the
 * last conversation whose transcript exists, and nothing for `--new`; other agents are refused the rest.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/core/store/sqlite.js';
import type { SessionRecord } from '../../src/core/store/store.js';
import { MESSAGES } from '../../src/texts/messages.js';
import { installFakeAgent } from '../helpers/agent.js';
import { projectKey } from '../helpers/claude.js';
import { createScenario, type Footprint, type Scenario } from '../helpers/scenario.js';

let s: Scenario;
beforeEach(() => {
  s = createScenario();
});
afterEach(() => s.cleanup());

/** Every transcript (and copy marker) under the sandbox's Claude home. */
function listTranscripts(): string[] {
  const projects = join(s.claudeHome, 'projects');
  if (!existsSync(projects)) return [];
  return readdirSync(projects).flatMap((key) => readdirSync(join(projects, key)).filter((name) => name.includes('.jsonl')).map((name) => `${key}/${name}`));
}

async function snapshot(): Promise<{ footprint: Footprint; transcripts: string[] }> {
  return { footprint: await s.footprint(), transcripts: listTranscripts() };
}

async function newSession(branch: string, extra: string[] = []): Promise<SessionRecord> {
  const created = await s.cwt(['new', branch, '--no-launch', ...extra]);
  expect(created.code, created.stderr).toBe(0);
  const store = new SqliteStore(s.cwtHome);
  try {
    return (await store.listSessions({ includeEnded: true })).find((session) => session.branch === branch)!;
  } finally {
    await store.close();
  }
}

/** A conversation of `session` as the hooks record it, with a transcript where Claude Code keeps it (or none). */
async function addConversation(session: SessionRecord, claudeId: string, at: number, options: { transcript: boolean }): Promise<string> {
  const dir = join(s.claudeHome, 'projects', projectKey(session.worktree));
  const path = join(dir, `${claudeId}.jsonl`);
  if (options.transcript) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(path, `{"type":"user","sessionId":"${claudeId}"}\n`, { mode: 0o600 });
  }
  const store = new SqliteStore(s.cwtHome);
  try {
    await store.linkClaudeSession(claudeId, session.id, at);
    await store.noteClaudeSession(claudeId, session.id, { firstPrompt: `prompt of ${claudeId}`, transcript: path }, at);
  } finally {
    await store.close();
  }
  return path;
}

describe('cwt new --fork and cwt attach: bad input', () => {
  it('fork from an unknown session: exit 2, nothing created', async () => {
    const before = await snapshot();
    const result = await s.cwt(['new', 'feat/b', '--fork', 'nosuch', '--no-launch']);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(MESSAGES.forkUnknownSession('nosuch'));
    expect(await snapshot()).toEqual(before);
  });

  it('fork from a session without a conversation: exit 2, nothing created', async () => {
    await newSession('feat/a');
    const before = await snapshot();
    const result = await s.cwt(['new', 'feat/b', '--fork', 'feat/a', '--no-launch']);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain('has no recorded conversation to fork');
    expect(await snapshot()).toEqual(before);
  });

  it('fork from an ended session whose transcript is gone: exit 4, nothing created', async () => {
    const parent = await newSession('feat/a');
    await addConversation(parent, 'c0ffee00-0000-4000-8000-000000000001', Date.now(), { transcript: false });
    const end = await s.cwt(['end', 'feat/a', '--remove']);
    expect(end.code, end.stderr).toBe(0);
    const before = await snapshot();
    const result = await s.cwt(['new', 'feat/b', '--fork', 'feat/a', '--no-launch']);
    expect(result.code, result.stderr).toBe(4);
    expect(result.stderr).toContain('the transcript of conversation c0ffee00-0000-4000-8000-000000000001 is gone');
    expect(await snapshot()).toEqual(before);
  });

  it('fork with another agent: exit 2, nothing created', async () => {
    const parent = await newSession('feat/a');
    await addConversation(parent, 'c0ffee00-0000-4000-8000-000000000002', Date.now(), { transcript: true });
    const codex = installFakeAgent(s.root, s.env, 'codex');
    const before = await snapshot();
    const result = await s.cwt(['new', 'feat/b', '--fork', 'feat/a', '--agent', 'codex', '--no-launch'], { env: codex.env });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(MESSAGES.forkUnsupported('codex'));
    expect(await snapshot()).toEqual(before);
  });

  it('attach to a session whose branch was deleted: exit 2, nothing created', async () => {
    const session = await newSession('feat/d');
    await addConversation(session, 'c0ffee00-0000-4000-8000-000000000003', Date.now(), { transcript: true });
    const end = await s.cwt(['end', 'feat/d', '--remove', '--delete-branch']);
    expect(end.code, end.stderr).toBe(0);
    const before = await snapshot();
    const result = await s.cwt(['attach', 'feat/d']);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(MESSAGES.attachBranchGone(session));
    expect(await snapshot()).toEqual(before);
    expect(s.agent.runs()).toEqual([]);
  });

  it('attach of a removed worktree where a different transcript already sits at the copy: exit 4, nothing replaced or created', async () => {
    const old = await newSession('feat/x');
    const claudeId = 'c0ffee00-0000-4000-8000-000000000004';
    await addConversation(old, claudeId, Date.now(), { transcript: true });
    expect((await s.cwt(['end', 'feat/x', '--remove'])).code).toBe(0);
    // The old path is taken, so the new worktree is <path>-2; someone's file is already where its copy would go.
    mkdirSync(old.worktree, { recursive: true });
    writeFileSync(join(old.worktree, 'x.txt'), 'x\n');
    const dest = join(s.claudeHome, 'projects', projectKey(`${old.worktree}-2`), `${claudeId}.jsonl`);
    mkdirSync(join(dest, '..'), { recursive: true });
    writeFileSync(dest, 'someone else\'s\n');
    const before = await snapshot();
    const result = await s.cwt(['attach', 'feat/x']);
    expect(result.code, result.stderr).toBe(4);
    expect(result.stderr).toContain(MESSAGES.transcriptCopyExists(dest, join(s.claudeHome, 'projects', projectKey(old.worktree), `${claudeId}.jsonl`)));
    expect(readFileSync(dest, 'utf8')).toBe("someone else's\n");
    expect(await snapshot()).toEqual(before);
    expect(s.agent.runs()).toEqual([]);
  });

  it('attach --pick without a terminal lists the conversations and names the --pick <id> form; --new with --pick is refused', async () => {
    const session = await newSession('feat/p');
    await addConversation(session, 'aaaa0000-0000-4000-8000-000000000001', 1_000, { transcript: true });
    await addConversation(session, 'bbbb0000-0000-4000-8000-000000000002', 2_000, { transcript: true });
    const pick = await s.cwt(['attach', 'feat/p', '--pick']);
    expect(pick.code, pick.stderr).toBe(2);
    expect(pick.stderr).toContain('aaaa0000-0000-4000-8000-000000000001');
    expect(pick.stderr).toContain('prompt of bbbb0000-0000-4000-8000-000000000002');
    expect(pick.stderr).toContain(MESSAGES.pickNeedsTerminalHint('feat/p'));
    const both = await s.cwt(['attach', 'feat/p', '--pick', '--new']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain(MESSAGES.attachNewAndPick);
    const unknown = await s.cwt(['attach', 'feat/p', '--pick', 'cccc']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(MESSAGES.noSuchConversation('cccc', session));
    expect(s.agent.runs()).toEqual([]);
  });

  it('attach resumes the last conversation, --pick <prefix> another, --new none; a gone transcript is exit 4', async () => {
    const session = await newSession('feat/r');
    await addConversation(session, 'aaaa0000-0000-4000-8000-000000000001', 1_000, { transcript: true });
    const last = await addConversation(session, 'bbbb0000-0000-4000-8000-000000000002', 2_000, { transcript: true });
    const argv = (index: number) => s.agent.runs()[index]!.argv;

    expect((await s.cwt(['attach', 'feat/r'])).code).toBe(0);
    expect(argv(0)).toEqual(expect.arrayContaining(['--resume', 'bbbb0000-0000-4000-8000-000000000002']));
    expect((await s.cwt(['attach', 'feat/r', '--pick', 'aaaa'])).code).toBe(0);
    expect(argv(1).join(' ')).toContain('--resume aaaa0000-0000-4000-8000-000000000001');
    expect((await s.cwt(['attach', 'feat/r', '--new'])).code).toBe(0);
    expect(argv(2)).not.toContain('--resume');
    // The user's own choice of conversation wins: cwt adds none.
    expect((await s.cwt(['attach', 'feat/r', '--', '--continue'])).code).toBe(0);
    expect(argv(3)).not.toContain('--resume');
    expect(argv(3)).toContain('--continue');

    // The last one's transcript is gone (the user deleted it): said, with the way out, and nothing is launched.
    const { rmSync } = await import('node:fs');
    // --pick aaaa made that one the last seen; make the gone one last again.
    const store = new SqliteStore(s.cwtHome);
    await store.noteClaudeSession('bbbb0000-0000-4000-8000-000000000002', session.id, {}, Date.now());
    await store.close();
    rmSync(last);
    const gone = await s.cwt(['attach', 'feat/r']);
    expect(gone.code, gone.stderr).toBe(4);
    expect(gone.stderr).toContain('the transcript of conversation bbbb0000-0000-4000-8000-000000000002 is gone');
    expect(gone.stderr).toContain(MESSAGES.transcriptGoneHint('feat/r'));
    expect(s.agent.runs()).toHaveLength(4);
  });

  it('other agents: --pick and attaching an ended session without --new are refused', async () => {
    const codex = installFakeAgent(s.root, s.env, 'codex');
    const created = await s.cwt(['new', 'feat/c', '--agent', 'codex', '--no-launch'], { env: codex.env });
    expect(created.code, created.stderr).toBe(0);
    const pick = await s.cwt(['attach', 'feat/c', '--pick'], { env: codex.env });
    expect(pick.code).toBe(2);
    expect(pick.stderr).toContain(MESSAGES.conversationsUnsupported('codex', '--pick'));
    const end = await s.cwt(['end', 'feat/c', '--remove'], { env: codex.env });
    expect(end.code, end.stderr).toBe(0);
    const before = await snapshot();
    const attach = await s.cwt(['attach', 'feat/c'], { env: codex.env });
    expect(attach.code).toBe(2);
    expect(attach.stderr).toContain(MESSAGES.conversationsUnsupportedHint('feat/c'));
    expect(await snapshot()).toEqual(before);
    // --new is what other agents get: the worktree is recreated from the branch and the same agent starts there.
    const fresh = await s.cwt(['attach', 'feat/c', '--new'], { env: codex.env });
    expect(fresh.code, fresh.stderr).toBe(0);
    const recreated = (await s.sessions()).find((session) => session.branch === 'feat/c' && session.state !== 'ended')!;
    expect(recreated).toMatchObject({ agent: 'codex' });
    expect(codex.runs().at(-1)).toMatchObject({ cwd: recreated.worktree, argv: [] });
  });
});
