import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findSessionByPath, getSessionState, matchSessionRef } from '../../src/core/sessions/sessions.js';
import { loadConfig } from '../../src/core/config/load.js';
import { trustRepoConfig } from '../helpers/trust.js';
import { UsageError } from '../../src/core/util/errors.js';
import { sampleSession } from '../helpers/store.js';
import { useConfigFixture } from '../helpers/config.js';
import { createSandbox, type Sandbox } from '../helpers/env.js';

describe('getSessionState', () => {
  const probe = (now: number, alive: boolean) => ({ now, host: 'h', ttlMs: 1000, isPidAlive: () => alive });
  it.each([
    ['ended is ended whatever else', sampleSession({ state: 'ended', pid: 1, heartbeatAt: 1000 }), probe(1000, true), 'ended'],
    ['supervisor alive on this host', sampleSession({ pid: 1, heartbeatAt: 0 }), probe(99_999, true), 'live'],
    ['supervisor dead, heartbeat fresh', sampleSession({ pid: 1, heartbeatAt: 900 }), probe(1000, false), 'live'],
    ['supervisor dead, heartbeat expired', sampleSession({ pid: 1, heartbeatAt: 0 }), probe(5000, false), 'stale'],
    ['no supervisor, heartbeat expired', sampleSession({ pid: null, heartbeatAt: 0 }), probe(5000, true), 'stale'],
    ['recorded stale but heartbeating again', sampleSession({ state: 'stale', heartbeatAt: 4900 }), probe(5000, false), 'live'],
  ])('%s', (_, session, p, state) => expect(getSessionState(session, p)).toBe(state));
});

describe('matchSessionRef / findSessionByPath', () => {
  const a = sampleSession({ id: 'aaaa1111', branch: 'feat/a', worktree: '/w/a' });
  const b = sampleSession({ id: 'aaaa2222', branch: 'feat/b', worktree: '/w/b' });
  const oldA = sampleSession({ id: 'bbbb3333', branch: 'feat/a', worktree: '/w/a-old', state: 'ended' });
  it('matches ids, branches and unique id prefixes', () => {
    expect(matchSessionRef([a, b], 'aaaa2222')).toBe(b);
    expect(matchSessionRef([a, b], 'feat/a')).toBe(a);
    expect(matchSessionRef([a, b], 'aaaa1')).toBe(a);
    expect(matchSessionRef([a, b], 'zzzz')).toBeUndefined();
    expect(matchSessionRef([a, b], 'aa')).toBeUndefined();
  });
  it('refuses an ambiguous prefix, but prefers the open session when a branch was reused', () => {
    expect(() => matchSessionRef([a, b], 'aaaa')).toThrow(UsageError);
    expect(matchSessionRef([oldA, a], 'feat/a')).toBe(a);
  });
  it('finds the session whose worktree contains a path, not a sibling with a common prefix', () => {
    expect(findSessionByPath([a, b], '/w/a/src/x.ts')).toBe(a);
    expect(findSessionByPath([a, b, oldA], '/w/a-old')).toBe(oldA);
    expect(findSessionByPath([a, b], '/w')).toBeUndefined();
  });
});

describe('loadConfig precedence: defaults < user file < repo file < env < flags', () => {
  const fixture = useConfigFixture();
  let sandbox: Sandbox;
  let repo: string;
  beforeEach(() => {
    ({ sandbox, repo } = fixture);
    mkdirSync(join(sandbox.home, '.config', 'cwt'), { recursive: true });
  });
  const userFile = () => join(sandbox.home, '.config', 'cwt', 'config.json');

  it('layers every source in order', () => {
    const env = { ...sandbox.env, CWT_NO_USER_CONFIG: '' };
    expect(loadConfig({ env }).agent).toBe('claude');
    writeFileSync(userFile(), JSON.stringify({ agent: 'user-agent', sessionTtl: '5m', worktreeDir: '../user' }));
    expect(loadConfig({ env, repoRoot: repo })).toMatchObject({ agent: 'user-agent', sessionTtlMs: 300_000, worktreeDir: '../user' });
    writeFileSync(join(repo, '.cwt.json'), JSON.stringify({ agent: 'repo-agent', setup: ['npm ci'] }));
    trustRepoConfig(repo, env);
    expect(loadConfig({ env, repoRoot: repo })).toMatchObject({ agent: 'repo-agent', sessionTtlMs: 300_000, setup: ['npm ci'] });
    expect(loadConfig({ env: { ...env, CWT_AGENT: 'env-agent' }, repoRoot: repo }).agent).toBe('env-agent');
    expect(loadConfig({ env: { ...env, CWT_AGENT: 'env-agent' }, repoRoot: repo, flags: { agent: 'flag-agent' } }).agent).toBe('flag-agent');
  });

  it('never reads the user file when CWT_NO_USER_CONFIG=1', () => {
    writeFileSync(userFile(), JSON.stringify({ agent: 'user-agent' }));
    expect(loadConfig({ env: sandbox.env }).agent).toBe('claude');
  });

  it.each([
    ['{not json', /not valid JSON/],
    [JSON.stringify({ sessionTtl: 'soon' }), /sessionTtl/],
    [JSON.stringify({ agnet: 'typo' }), /agnet|Unrecognized/i],
    [JSON.stringify({ setup: 'npm ci' }), /setup/],
  ])('rejects a bad repo file %s with a usage error naming the file', (text, pattern) => {
    writeFileSync(join(repo, '.cwt.json'), text);
    const error = (() => {
      try {
        loadConfig({ env: sandbox.env, repoRoot: repo });
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect(error!.message).toContain('.cwt.json');
    expect(error!.message).toMatch(pattern);
  });
});

describe('loadConfig and trust: a repository file runs nothing until cwt trust', () => {
  let sandbox: Sandbox;
  let repo: string;
  let file: string;
  beforeEach(() => {
    sandbox = createSandbox();
    repo = join(sandbox.root, 'repo');
    mkdirSync(repo);
    file = join(repo, '.cwt.json');
  });
  afterEach(() => sandbox.cleanup());
  const risky = { setup: ['make evil'], agent: 'evil', worktreeDir: '/tmp/elsewhere', protectedPaths: ['nothing/'], leases: { PATH: { range: [3000, 3001] } } };

  it('ignores the keys that need trust from an untrusted repository file, names them, and applies the rest', () => {
    writeFileSync(file, JSON.stringify({ ...risky, claimMode: 'warn', strictCheck: true }));
    const config = loadConfig({ env: sandbox.env, repoRoot: repo });
    expect(config).toMatchObject({ setup: [], agent: 'claude', worktreeDir: '../{repo}.worktrees', protectedPaths: undefined, leases: {}, claimMode: 'warn', strictCheck: true });
    expect(config.untrustedRepoFile).toMatchObject({ path: file, keys: ['setup', 'agent', 'worktreeDir', 'protectedPaths', 'leases'], changedSinceTrust: false });
  });

  it('applies them once that exact content is trusted, and ignores them again when it changes', () => {
    writeFileSync(file, JSON.stringify(risky));
    trustRepoConfig(repo, sandbox.env);
    const trusted = loadConfig({ env: sandbox.env, repoRoot: repo });
    expect(trusted).toMatchObject({ setup: ['make evil'], agent: 'evil', worktreeDir: '/tmp/elsewhere', protectedPaths: ['nothing/'] });
    expect(trusted.untrustedRepoFile).toBeUndefined();
    writeFileSync(file, JSON.stringify({ ...risky, setup: ['make worse'] }));
    const changed = loadConfig({ env: sandbox.env, repoRoot: repo });
    expect(changed.setup).toEqual([]);
    expect(changed.untrustedRepoFile).toMatchObject({ changedSinceTrust: true });
  });

  it('a user file is the user’s own: its keys apply without trust, and an untrusted repository file falls back to them', () => {
    const env = { ...sandbox.env, CWT_NO_USER_CONFIG: '' };
    mkdirSync(join(sandbox.home, '.config', 'cwt'), { recursive: true });
    writeFileSync(join(sandbox.home, '.config', 'cwt', 'config.json'), JSON.stringify({ setup: ['npm ci'], agent: 'my-agent' }));
    writeFileSync(file, JSON.stringify({ setup: ['make evil'] }));
    expect(loadConfig({ env, repoRoot: repo })).toMatchObject({ setup: ['npm ci'], agent: 'my-agent' });
  });

  it('a repository file without such keys needs no trust', () => {
    writeFileSync(file, JSON.stringify({ claimMode: 'warn' }));
    expect(loadConfig({ env: sandbox.env, repoRoot: repo }).untrustedRepoFile).toBeUndefined();
  });
});
