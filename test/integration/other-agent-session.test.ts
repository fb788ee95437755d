/**
 * Agents other than Claude Code under `cwt new --agent`: a stand-in `codex` (a small script) runs in its own
 * worktree with its lease in the environment, shows in `cwt status`, and reads the session notes from an
 * AGENTS.md that git never sees. Claude-only wiring (--settings) is not passed to it. A tracked AGENTS.md is
 * left alone (Codex reads AGENTS.override.md instead); aider is pointed at the notes with --read.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { installFakeAgent } from '../helpers/agent.js';
import { startCwt } from '../helpers/cli.js';
import { commitAll, git, writeFile } from '../helpers/git.js';
import { findFreePortRun } from '../helpers/ports.js';
import { createScenario, type Scenario } from '../helpers/scenario.js';
import { MESSAGES } from '../../src/texts/messages.js';
import { waitFor } from '../helpers/wait.js';
import { trustRepoConfig } from '../helpers/trust.js';

let s: Scenario;
beforeEach(() => {
  s = createScenario();
});
afterEach(() => s.cleanup());

describe('cwt new --agent <other agent>', () => {
  it('runs a stand-in codex in its worktree with its lease, status and AGENTS.md working', async () => {
    const port = await findFreePortRun(2);
    writeFileSync(join(s.repo, '.cwt.json'), JSON.stringify({ leases: { PORT: { kind: 'port', range: [port, port + 1] } } }));
    trustRepoConfig(s.repo, s.env);
    const codex = installFakeAgent(s.root, s.env, 'codex');
    const env = { ...codex.env, FAKE_AGENT_SLEEP_MS: '60000', FAKE_AGENT_RECORD_ENV: 'PORT' };
    const { child, result } = startCwt(['new', 'feat/codex', '--agent', 'codex', '--', 'exec', 'fix the bug'], { cwd: s.repo, env });
    const run = await waitFor(() => codex.runs()[0]);

    const [session] = await s.sessions();
    expect(session).toMatchObject({ branch: 'feat/codex', agent: 'codex', state: 'live', leases: { PORT: String(port) } });
    const worktree = session!.worktree as string;
    // The agent: in the worktree, its own arguments only (no Claude --settings), the session and lease in its env.
    expect(run.cwd).toBe(worktree);
    expect(run.argv).toEqual(['exec', 'fix the bug']);
    expect(run.env).toMatchObject({ CWT_SESSION: session!.id, CWT_WORKTREE: worktree, PORT: String(port) });
    // Its instructions: AGENTS.md, not CLAUDE.local.md, and git does not see it.
    const notes = readFileSync(join(worktree, 'AGENTS.md'), 'utf8');
    expect(notes).toContain(`# cwt session ${session!.id}`);
    expect(notes).toContain(`- PORT=${port}`);
    expect(notes).not.toContain('memory directory');
    expect(existsSync(join(worktree, 'CLAUDE.local.md'))).toBe(false);
    expect(readFileSync(join(s.repo, '.git', 'info', 'exclude'), 'utf8').split('\n')).toContain('/AGENTS.md');
    expect(git(worktree, ['status', '--porcelain'])).toBe('');
    // The coordination commands work for it: a claim from inside its worktree is its session's.
    const claim = await s.cwt(['claim', 'README.md', '--json'], { cwd: worktree, env: { ...env, CWT_SESSION: session!.id as string } });
    expect(claim.code, claim.stderr).toBe(0);
    const who = await s.cwt(['who', 'README.md', '--json'], { cwd: worktree });
    expect(who.stdout).toContain(session!.id as string);
    // It sends no Claude Code hooks: no activity is shown for it, rather than a guess.
    expect((await s.sessions())[0]).toMatchObject({ activity: null, activitySince: null });

    child.kill('SIGTERM'); // forwarded to the agent
    await result;
    const end = await s.cwt(['end', session!.id as string]);
    expect(end.code, end.stderr).toBe(0);
    const [ended] = await s.sessions();
    expect(ended).toMatchObject({ state: 'ended', leases: {} });
  });

  it('leaves a tracked AGENTS.md alone and gives Codex AGENTS.override.md: the tracked text, then the notes', async () => {
    const tracked = '# Team agent rules\n\nRun the linters.\n';
    writeFile(s.repo, 'AGENTS.md', tracked);
    commitAll(s.repo, 'track AGENTS.md');
    const codex = installFakeAgent(s.root, s.env, 'codex');
    const result = await s.cwt(['new', 'feat/tracked', '--agent', 'codex', '--no-launch'], { env: codex.env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(MESSAGES.instructionsOverride('AGENTS.md', 'AGENTS.override.md'));
    const worktree = result.stdout.trim();
    expect(readFileSync(join(worktree, 'AGENTS.md'), 'utf8')).toBe(tracked);
    const override = readFileSync(join(worktree, 'AGENTS.override.md'), 'utf8');
    expect(override.startsWith('# Team agent rules\n\nRun the linters.\n\n# cwt session ')).toBe(true);
    expect(git(worktree, ['status', '--porcelain'])).toBe('');
  });

  it('points aider at the notes with --read and writes nothing into the worktree', async () => {
    const aider = installFakeAgent(s.root, s.env, 'aider');
    const result = await s.cwt(['new', 'feat/aider', '--agent', 'aider', '--', '--yes'], { env: aider.env });
    expect(result.code, result.stderr).toBe(0);
    const [run] = aider.runs();
    expect(run!.argv).toHaveLength(3);
    expect(run!.argv[0]).toBe('--read');
    expect(run!.argv[2]).toBe('--yes');
    const [session] = await s.sessions();
    expect(readFileSync(run!.argv[1]!, 'utf8')).toContain(`# cwt session ${session!.id}`);
    expect(run!.argv[1]!.startsWith(s.cwtHome)).toBe(true);
    for (const file of ['AGENTS.md', 'CLAUDE.local.md']) expect(existsSync(join(session!.worktree as string, file))).toBe(false);
  });
});
