/**
 * cwt new and claude -w's worktree hooks answer from their lean bundle (dist/new.cjs); `cwt -C <dir> …` and any
 * command line the lean parser does not know take the full CLI. Both must make the same session, print the same
 * and refuse the same.
 */
import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCwt } from '../helpers/cli.js';
import { createScenario, type Scenario } from '../helpers/scenario.js';

describe('cwt new from the lean bundle', () => {
  let s: Scenario;
  beforeEach(() => {
    s = createScenario();
  });
  afterEach(() => s.cleanup());

  /** The run, and which bundle answered (CWT_DEBUG's lean lines; none from the full CLI). */
  const run = async (args: string[], input?: string) => {
    const result = await runCwt(args, { cwd: s.repo, env: { ...s.env, CWT_DEBUG: '1' }, input });
    const lean = /lean: (?:new|hook) answered/.test(result.stderr);
    const stderr = result.stderr
      .split('\n')
      .filter((line) => !line.startsWith('[cwt '))
      .join('\n');
    return { code: result.code, stdout: result.stdout, stderr, lean };
  };

  it('makes the same session as the full CLI, with the same --json', async () => {
    const lean = await run(['new', 'feat/a', '--no-launch', '--json']);
    const full = await run(['-C', s.repo, 'new', 'feat/b', '--no-launch', '--json']);
    expect(lean).toMatchObject({ code: 0, lean: true });
    expect(full).toMatchObject({ code: 0, lean: false });
    const [a, b] = [JSON.parse(lean.stdout), JSON.parse(full.stdout)];
    expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
    expect({ branch: a.branch, state: a.state, kind: a.kind, createdBranch: a.createdBranch }).toEqual({ branch: 'feat/a', state: 'live', kind: 'cwt', createdBranch: true });
    expect({ state: b.state, kind: b.kind, createdBranch: b.createdBranch }).toEqual({ state: 'live', kind: 'cwt', createdBranch: true });
    expect(existsSync(a.worktree) && existsSync(b.worktree)).toBe(true);
  });

  it.each([
    ['a bad branch name', ['new', 'bad..name', '--no-launch']],
    ['an unknown --from ref', ['new', 'feat/c', '--from', 'no-such-ref', '--no-launch']],
    ['a path inside the repository', ['new', 'feat/d', '--path', 'inner', '--no-launch']],
  ])('refuses %s as the full CLI does', async (_, args) => {
    const lean = await run(args);
    const full = await run(['-C', s.repo, ...args]);
    expect(lean.lean).toBe(true);
    expect(lean.code).toBe(2);
    expect({ code: lean.code, stdout: lean.stdout, stderr: lean.stderr.replaceAll(s.repo, '<repo>') }).toEqual({
      code: full.code,
      stdout: full.stdout,
      stderr: full.stderr.replaceAll(s.repo, '<repo>'),
    });
  });

  it.each([[['new', 'feat/e', '--from=HEAD', '--no-launch']], [['new', '--help']], [['new', 'feat/f', '--no-launch', '--debug']]])('%j is the full CLI\'s to answer', async (args) => {
    const result = await run(args);
    expect(result).toMatchObject({ code: 0, lean: false });
  });

  it("claude -w's WorktreeCreate is answered there too: the worktree's path on stdout, nothing else", async () => {
    const input = JSON.stringify({ session_id: 'claude-w-1', hook_event_name: 'WorktreeCreate', cwd: s.repo, name: 'feat-w' });
    const created = await run(['hook', 'worktree-create'], input);
    expect(created).toMatchObject({ code: 0, lean: true });
    expect(existsSync(created.stdout.trim())).toBe(true);
    expect(created.stdout.trim().split('\n')).toHaveLength(1);
  });
});
