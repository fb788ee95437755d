/**
 * A repository's own `.cwt.json` arrives with `git clone` (or `git pull`), written by whoever controls the
 * repository. Keys that run code or weaken a guard (setup, agent, worktreeDir, protectedPaths, leases) take
 * effect only once the user ran `cwt trust` on exactly that content, as direnv and mise do; until then cwt
 * says in one line what it ignored and how to allow it. Real clones, real `cwt new` and `claude -w` (its
 * WorktreeCreate hook), the built CLI.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installFakeAgent, type FakeAgent } from '../helpers/agent.js';
import { runCwt, type CwtResult } from '../helpers/cli.js';
import { createSandbox, type Sandbox } from '../helpers/env.js';
import { commitAll, createRepo, git, writeFile } from '../helpers/git.js';
import { createTab, getDenyReason } from '../helpers/hooks.js';
import { MESSAGES } from '../../src/texts/messages.js';

interface Clone {
  sb: Sandbox;
  upstream: string;
  repo: string;
  configPath: string;
  agent: FakeAgent;
  env: NodeJS.ProcessEnv;
  cwt(args: string[], options?: { input?: string; env?: NodeJS.ProcessEnv }): Promise<CwtResult>;
  /** Commits a new `.cwt.json` upstream and pulls it into the clone. */
  publish(config: Record<string, unknown>): void;
}

/** An upstream repository whose tracked `.cwt.json` is `config`, and the user's fresh clone of it. */
function cloneRepoWithConfig(config: Record<string, unknown>): Clone {
  const sb = createSandbox();
  const upstream = createRepo(join(sb.root, 'upstream'));
  writeFile(upstream, '.cwt.json', `${JSON.stringify(config, null, 2)}\n`);
  commitAll(upstream, 'add the team cwt config');
  const repo = join(sb.root, 'repo');
  git(sb.root, ['clone', '-q', upstream, repo]);
  git(repo, ['config', 'user.email', 'me@example.com']);
  git(repo, ['config', 'user.name', 'me']);
  const agent = installFakeAgent(sb.root, sb.env);
  const env = agent.env;
  return {
    sb,
    upstream,
    repo,
    configPath: join(repo, '.cwt.json'),
    agent,
    env,
    cwt: (args, options = {}) => runCwt(args, { cwd: repo, env: options.env ?? env, input: options.input }),
    publish: (next) => {
      writeFile(upstream, '.cwt.json', `${JSON.stringify(next, null, 2)}\n`);
      commitAll(upstream, 'change the team cwt config');
      git(repo, ['pull', '-q', '--ff-only']);
    },
  };
}

const sha256Of = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const SETUP = ['touch setup-ran'];

/** `claude -w <name>` as Claude Code runs it: the WorktreeCreate hook, input JSON on stdin; the path on stdout. */
async function claudeW(c: Clone, name: string): Promise<{ result: CwtResult; worktree: string }> {
  const input = JSON.stringify({ session_id: `claude-${name}`, cwd: c.repo, hook_event_name: 'WorktreeCreate', name });
  const result = await c.cwt(['hook', 'worktree-create'], { input });
  expect(result.code, result.stderr).toBe(0);
  return { result, worktree: result.stdout.trim().split('\n').at(-1)! };
}

async function newWorktree(c: Clone, branch: string): Promise<{ result: CwtResult; worktree: string }> {
  const result = await c.cwt(['new', branch, '--no-launch']);
  expect(result.code, result.stderr).toBe(0);
  return { result, worktree: result.stdout.trim() };
}

/** The stderr lines that say which keys of the repository file were ignored. */
const untrustedLines = (stderr: string) => stderr.split('\n').filter((line) => line.includes('cwt trust'));

describe('a cloned repository’s .cwt.json', () => {
  let c: Clone;
  afterEach(() => c.sb.cleanup());

  describe('with a setup command', () => {
    beforeEach(() => (c = cloneRepoWithConfig({ setup: SETUP, claimMode: 'warn' })));

    it('a cloned repository’s setup command that does not run until trusted, and not again once the file changes', async () => {
      // Before trust: neither cwt new nor claude -w runs it, and each says so in one line.
      const first = await newWorktree(c, 'feat/a');
      expect(existsSync(join(first.worktree, 'setup-ran'))).toBe(false);
      const viaHook = await claudeW(c, 'feat-w');
      expect(existsSync(join(viaHook.worktree, 'setup-ran'))).toBe(false);
      for (const stderr of [first.result.stderr, viaHook.result.stderr]) {
        expect(untrustedLines(stderr)).toEqual([MESSAGES.repoConfigUntrusted(c.configPath, ['setup'], false)]);
      }

      const trusted = await c.cwt(['trust']);
      expect(trusted.code, trusted.stderr).toBe(0);
      expect(trusted.stdout).toContain(c.configPath);
      expect(trusted.stdout).toContain(sha256Of(c.configPath));
      expect(trusted.stdout).toContain('touch setup-ran');

      const second = await newWorktree(c, 'feat/b');
      expect(existsSync(join(second.worktree, 'setup-ran'))).toBe(true);
      expect(untrustedLines(second.result.stderr)).toEqual([]);

      // A pull changes the file: its new content is not trusted, whatever the old one was.
      c.publish({ setup: ['touch setup-ran', 'touch also-this'], claimMode: 'warn' });
      const third = await newWorktree(c, 'feat/c');
      expect(existsSync(join(third.worktree, 'setup-ran'))).toBe(false);
      expect(existsSync(join(third.worktree, 'also-this'))).toBe(false);
      expect(untrustedLines(third.result.stderr)).toEqual([MESSAGES.repoConfigUntrusted(c.configPath, ['setup'], true)]);
    });

    it('cwt trust --json shows the path, its sha256 and the keys that need trust with their values; the record is private; --revoke undoes it', async () => {
      const shown = await c.cwt(['trust', '--json']);
      expect(shown.code, shown.stderr).toBe(0);
      expect(JSON.parse(shown.stdout)).toEqual({ path: c.configPath, sha256: sha256Of(c.configPath), trusted: true, keys: { setup: SETUP } });
      const trustDir = join(c.sb.cwtHome, 'trust');
      expect(statSync(trustDir).mode & 0o777).toBe(0o700);
      for (const name of readdirSync(trustDir)) expect(statSync(join(trustDir, name)).mode & 0o777).toBe(0o600);

      const revoked = await c.cwt(['trust', '--revoke', '--json']);
      expect(revoked.code, revoked.stderr).toBe(0);
      expect(JSON.parse(revoked.stdout)).toMatchObject({ path: c.configPath, trusted: false, revoked: true });
      const after = await newWorktree(c, 'feat/r');
      expect(existsSync(join(after.worktree, 'setup-ran'))).toBe(false);
    });

    it('cwt doctor says whether the repository file is trusted, and what to run', async () => {
      const before = await c.cwt(['doctor', '--json']);
      const finding = (result: CwtResult) => (JSON.parse(result.stdout) as { findings: { id: string; severity: string; message: string; fix?: string }[] }).findings.find((f) => f.id === 'repo-config-trust');
      expect(finding(before)).toEqual({ id: 'repo-config-trust', severity: 'info', message: MESSAGES.doctorRepoConfigUntrusted(c.configPath, ['setup'], false), fix: MESSAGES.repoConfigTrustFix });
      expect((await c.cwt(['trust'])).code).toBe(0);
      const after = await c.cwt(['doctor', '--json']);
      expect(finding(after)).toMatchObject({ severity: 'ok', message: MESSAGES.doctorRepoConfigTrusted(c.configPath, sha256Of(c.configPath), ['setup']) });
      c.publish({ setup: ['touch other'] });
      expect(finding(await c.cwt(['doctor', '--json']))).toMatchObject({ severity: 'info', message: MESSAGES.doctorRepoConfigUntrusted(c.configPath, ['setup'], true) });
      const text = await c.cwt(['doctor']);
      expect(text.stdout).toContain(MESSAGES.repoConfigTrustFix);
    });
  });

  it('ignores its agent, worktreeDir, protectedPaths and leases until trusted; its harmless keys apply at once', async () => {
    c = cloneRepoWithConfig({
      agent: 'team-agent',
      worktreeDir: '../elsewhere',
      protectedPaths: ['nothing-here/'],
      leases: { PORT: { kind: 'port', range: [46100, 46199] } },
      claimMode: 'warn',
    });
    const teamAgent = installFakeAgent(join(c.sb.root, 'team'), c.env, 'team-agent');
    const env = { ...teamAgent.env, FAKE_AGENT_RECORD_ENV: 'PORT' };
    const launched = await c.cwt(['new', 'feat/x'], { env });
    expect(launched.code, launched.stderr).toBe(0);
    expect(teamAgent.runs()).toEqual([]);
    const [run] = c.agent.runs();
    expect(run!.cwd).toBe(join(c.sb.root, 'repo.worktrees', 'feat-x'));
    expect(run!.env.PORT).toBeUndefined();
    expect(existsSync(join(c.sb.root, 'elsewhere'))).toBe(false);
    expect(untrustedLines(launched.stderr)).toEqual([MESSAGES.repoConfigUntrusted(c.configPath, ['agent', 'worktreeDir', 'protectedPaths', 'leases'], false)]);

    // The harness guard stays on: the Claude home's settings.json is still guarded.
    const settings = writeFile(c.sb.claudeHome, 'settings.json', '{}\n');
    const a = createTab('tab-a', c.repo, env);
    const b = createTab('tab-b', c.repo, env);
    await a.write(settings);
    expect(getDenyReason(await b.write(settings))).toContain('being written right now');
    // claimMode: warn (harmless: it only changes how two of the user's own sessions are told) applies untrusted.
    const file = writeFile(c.repo, 'src/app.ts', 'x\n');
    await a.write(file);
    expect(getDenyReason(await b.write(file))).toBeUndefined();

    expect((await c.cwt(['trust'])).code).toBe(0);
    const trusted = await c.cwt(['new', 'feat/y'], { env });
    expect(trusted.code, trusted.stderr).toBe(0);
    expect(teamAgent.runs()).toHaveLength(1);
    expect(teamAgent.runs()[0]!.cwd).toBe(join(c.sb.root, 'elsewhere', 'feat-y'));
    expect(teamAgent.runs()[0]!.env.PORT).toMatch(/^461\d\d$/);
  });

  it('cwt trust without a repository file says there is nothing to trust (exit 2)', async () => {
    c = cloneRepoWithConfig({});
    git(c.repo, ['rm', '-q', '.cwt.json']);
    const result = await c.cwt(['trust']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(MESSAGES.trustNoRepoFile(c.configPath));
  });
});
