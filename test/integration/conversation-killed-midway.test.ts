/**
 * A `cwt attach` that recreates a removed worktree (or a `cwt new --fork`) killed with kill -9 right after it
 * copied the conversation: the next `cwt gc` rolls the run back from its journal — the new session, worktree
 * and namespace go, the conversation's record goes back to the session it came from, the unused transcript
 * copy and its marker go — and the original transcript is untouched throughout. A second attach then works.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SessionRecord } from '../../src/core/store/store.js';
import { MESSAGES } from '../../src/texts/messages.js';
import { projectKey } from '../helpers/claude.js';
import { startCwt, waitForStderr } from '../helpers/cli.js';
import { createScenario, type Scenario } from '../helpers/scenario.js';
import { withSqliteStore } from '../helpers/store.js';

const CLAUDE_ID = 'dead0000-0000-4000-8000-00000000c0de';
let s: Scenario;
beforeEach(() => {
  s = createScenario();
});
afterEach(() => s.cleanup());

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');


/** A session on `branch` with one conversation whose transcript is where Claude Code keeps it. */
async function sessionWithConversation(branch: string): Promise<{ session: SessionRecord; transcript: string }> {
  expect((await s.cwt(['new', branch, '--no-launch'])).code).toBe(0);
  const session = await withSqliteStore(s.cwtHome, async (store) => (await store.listSessions()).find((row) => row.branch === branch)!);
  const dir = join(s.claudeHome, 'projects', projectKey(session.worktree));
  mkdirSync(dir, { recursive: true });
  const transcript = join(dir, `${CLAUDE_ID}.jsonl`);
  writeFileSync(transcript, `{"type":"user","sessionId":"${CLAUDE_ID}"}\n`, { mode: 0o600 });
  await withSqliteStore(s.cwtHome, async (store) => {
    await store.linkClaudeSession(CLAUDE_ID, session.id, 1_000);
    await store.noteClaudeSession(CLAUDE_ID, session.id, { firstPrompt: 'the first prompt', transcript }, 1_000);
  });
  return { session, transcript };
}

describe('a conversation run killed right after the copy', () => {
  it('attach of a removed worktree: gc puts everything back, and attach then works', async () => {
    const { session: old, transcript } = await sessionWithConversation('feat/r');
    expect((await s.cwt(['end', 'feat/r', '--remove'])).code).toBe(0);
    // Make the new worktree land elsewhere, so a copy is needed.
    mkdirSync(old.worktree, { recursive: true });
    writeFileSync(join(old.worktree, 'not-a-worktree.txt'), 'x\n');
    const originalSha = sha256(transcript);

    const killed = await s.cwt(['attach', 'feat/r'], { env: { ...s.env, CWT_FAILPOINT: 'new:after:conversation:kill' } });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    const orphan = await withSqliteStore(s.cwtHome, async (store) => (await store.listSessions()).find((row) => row.branch === 'feat/r')!);
    const copy = join(s.claudeHome, 'projects', projectKey(orphan.worktree), `${CLAUDE_ID}.jsonl`);
    expect(existsSync(copy)).toBe(true);
    expect(await withSqliteStore(s.cwtHome, (store) => store.getSessionOfClaude(CLAUDE_ID))).toBe(orphan.id);

    const gc = await s.cwt(['gc']);
    expect(gc.code, gc.stderr).toBe(0);
    expect(existsSync(copy)).toBe(false);
    expect(existsSync(`${copy}.cwt-copy.json`)).toBe(false);
    expect(existsSync(orphan.worktree)).toBe(false);
    expect(await withSqliteStore(s.cwtHome, async (store) => (await store.listSessions()).map((row) => row.id))).not.toContain(orphan.id);
    // The conversation is the old session's again, and its transcript never changed.
    expect(await withSqliteStore(s.cwtHome, (store) => store.getSessionOfClaude(CLAUDE_ID))).toBe(old.id);
    expect(sha256(transcript)).toBe(originalSha);

    const again = await s.cwt(['attach', 'feat/r']);
    expect(again.code, again.stderr).toBe(0);
    expect(s.agent.runs().at(-1)!.argv.join(' ')).toContain(`--resume ${CLAUDE_ID}`);
    expect(sha256(transcript)).toBe(originalSha);
  });

  it('attach of a removed worktree interrupted (SIGINT) after the copy rolls back in-process', async () => {
    const { session: old, transcript } = await sessionWithConversation('feat/i');
    expect((await s.cwt(['end', 'feat/i', '--remove'])).code).toBe(0);
    mkdirSync(old.worktree, { recursive: true });
    writeFileSync(join(old.worktree, 'not-a-worktree.txt'), 'x\n');
    const originalSha = sha256(transcript);
    const { child, result } = startCwt(['attach', 'feat/i'], { cwd: s.repo, env: { ...s.env, CWT_FAILPOINT: 'after:conversation' } });
    await waitForStderr(child, (text) => text.includes('cwt-failpoint: conversation'));
    const orphan = await withSqliteStore(s.cwtHome, async (store) => (await store.listSessions()).find((row) => row.branch === 'feat/i')!);
    child.kill('SIGINT');
    const { code, stderr } = await result;
    expect(stderr).toContain(MESSAGES.rolledBack);
    expect(code).toBe(130);
    expect(existsSync(join(s.claudeHome, 'projects', projectKey(orphan.worktree), `${CLAUDE_ID}.jsonl`))).toBe(false);
    expect(await withSqliteStore(s.cwtHome, (store) => store.getSessionOfClaude(CLAUDE_ID))).toBe(old.id);
    expect(await withSqliteStore(s.cwtHome, async (store) => (await store.listSessions()).map((row) => row.id))).not.toContain(orphan.id);
    expect(sha256(transcript)).toBe(originalSha);
    expect(s.agent.runs()).toEqual([]);
  });

  it('new --fork: gc drops the fork and its copy; the parent keeps its conversation', async () => {
    const { session: parent, transcript } = await sessionWithConversation('feat/a');
    const originalSha = sha256(transcript);
    const killed = await s.cwt(['new', 'feat/b', '--fork', 'feat/a', '--no-launch'], { env: { ...s.env, CWT_FAILPOINT: 'new:after:conversation:kill' } });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    const fork = await withSqliteStore(s.cwtHome, async (store) => (await store.listSessions()).find((row) => row.branch === 'feat/b')!);
    const copy = join(s.claudeHome, 'projects', projectKey(fork.worktree), `${CLAUDE_ID}.jsonl`);
    expect(existsSync(copy)).toBe(true);

    expect((await s.cwt(['gc'])).code).toBe(0);
    expect(existsSync(copy)).toBe(false);
    expect(existsSync(fork.worktree)).toBe(false);
    expect(await withSqliteStore(s.cwtHome, (store) => store.getSessionOfClaude(CLAUDE_ID))).toBe(parent.id);
    expect(sha256(transcript)).toBe(originalSha);
  });
});
