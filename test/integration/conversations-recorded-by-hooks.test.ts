/**
 * What the hooks record of a session's conversations, on both stores: SessionStart links the Claude session id
 * with its transcript path, UserPromptSubmit keeps the first line of the first prompt (terminal escapes and
 * control characters removed, capped) and marks the conversation active; `cwt status --json` lists them. A
 * SessionStart that names another cwt session's conversation (Claude Code 2.1.197 starts a fork that way)
 * leaves it with that session; the fork's own id, from its next event, is the new session's.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { STORE_BACKENDS, useBackend } from '../helpers/backends.js';
import { runHook } from '../helpers/hooks.js';
import { createScenario, type Scenario } from '../helpers/scenario.js';

interface View {
  id: string;
  branch: string;
  worktree: string;
  conversations: Array<{ id: string; startedAt: string; activeAt: string; endedAt: string | null; firstPrompt: string | null }>;
}

describe.each(STORE_BACKENDS)('conversations recorded by the hooks, on the %s store', (backend) => {
  let s: Scenario;
  beforeEach(() => {
    s = createScenario();
    useBackend(s, backend);
  });
  afterEach(() => s.cleanup());

  async function newSession(branch: string): Promise<View> {
    const created = await s.cwt(['new', branch, '--no-launch'], { env: s.env });
    expect(created.code, created.stderr).toBe(0);
    return (await views()).find((view) => view.branch === branch)!;
  }
  const views = async () => (await s.sessions()) as unknown as View[];

  it('links, keeps the first prompt line once, and lists them in status --json', async () => {
    const session = await newSession('feat/h');
    const env = { ...s.env, CWT_SESSION: session.id };
    const id = '0a0a0a0a-0000-4000-8000-000000000001';
    const transcript = join(s.claudeHome, 'projects', 'k', `${id}.jsonl`);
    await runHook('session-start', { session_id: id, cwd: session.worktree, hook_event_name: 'SessionStart', source: 'startup', transcript_path: transcript }, env);
    const prompt = `\u001b]0;retitled\u0007\n  Fix \u001b[31mthe\u001b[0m login\u0007 bug ${'x'.repeat(300)}\nsecond line`;
    await runHook('user-prompt-submit', { session_id: id, cwd: session.worktree, hook_event_name: 'UserPromptSubmit', prompt }, env);
    await runHook('user-prompt-submit', { session_id: id, cwd: session.worktree, hook_event_name: 'UserPromptSubmit', prompt: 'a later prompt' }, env);
    const [view] = await views();
    expect(view!.conversations).toHaveLength(1);
    const [conversation] = view!.conversations;
    expect(conversation!.id).toBe(id);
    expect(conversation!.firstPrompt).toBe(`Fix the login bug ${'x'.repeat(120 - 19)}…`);
    expect([...conversation!.firstPrompt!]).toHaveLength(120);
    expect(Date.parse(conversation!.activeAt)).toBeGreaterThanOrEqual(Date.parse(conversation!.startedAt));
  });

  it("leaves another session's conversation where it is when a fork's SessionStart names it", async () => {
    const parent = await newSession('feat/a');
    const child = await newSession('feat/b');
    const parentId = '0b0b0b0b-0000-4000-8000-000000000001';
    const forkId = '0c0c0c0c-0000-4000-8000-000000000002';
    const hook = (session: View, event: string, name: string, id: string, extra: Record<string, unknown> = {}) =>
      runHook(event, { session_id: id, cwd: session.worktree, hook_event_name: name, ...extra }, { ...s.env, CWT_SESSION: session.id });
    await hook(parent, 'session-start', 'SessionStart', parentId, { source: 'startup' });
    await hook(parent, 'user-prompt-submit', 'UserPromptSubmit', parentId, { prompt: 'parent prompt' });
    await hook(parent, 'session-end', 'SessionEnd', parentId, { reason: 'other' });
    // The fork, as 2.1.197 reports it: SessionStart with the parent's id, then its own id.
    await hook(child, 'session-start', 'SessionStart', parentId, { source: 'resume' });
    await hook(child, 'user-prompt-submit', 'UserPromptSubmit', forkId, { prompt: 'child prompt' });
    const all = await views();
    expect(all.find((view) => view.id === parent.id)!.conversations.map((c) => [c.id, c.firstPrompt])).toEqual([[parentId, 'parent prompt']]);
    expect(all.find((view) => view.id === child.id)!.conversations.map((c) => [c.id, c.firstPrompt])).toEqual([[forkId, 'child prompt']]);
  });
});
