import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { buildAgentArgs, getAgentProfile, planInstructions, type FileStatus } from '../../src/core/sessions/agent.js';
import { loadConfig } from '../../src/core/config/load.js';
import { buildWorktreeLocalSettings } from '../../src/core/harness/harness.js';
import {
  decideLease,
  findUnknownPlaceholders,
  getLeaseCandidates,
  renderLeaseEnvFile,
  renderLeaseNotes,
  renderLeasePattern,
  type LeaseSpec,
} from '../../src/core/coordination/leases.js';
import type { LeaseHolding, LeaseRecord, SessionRecord } from '../../src/core/store/store.js';
import { useConfigFixture } from '../helpers/config.js';
import { sampleSession, useStoreFixture } from '../helpers/store.js';
import { STORE_BACKENDS } from '../helpers/backends.js';
import { trustRepoConfig } from '../helpers/trust.js';

function lease(value: string, session: string, overrides: Partial<LeaseRecord> = {}): LeaseRecord {
  return { resource: 'port', name: 'PORT', kind: 'port', value, session, repo: '/r/.git', at: 1, ...overrides };
}

function holding(value: string, holder: Partial<SessionRecord> | undefined, session = holder?.id ?? 'gone'): LeaseHolding {
  return { lease: lease(value, session), holder: holder === undefined ? undefined : sampleSession(holder) };
}

const live = (holder: SessionRecord) => holder.pid === 1;
const PORTS: LeaseSpec = { kind: 'port', range: [3000, 3003] };

describe('decideLease', () => {
  const decide = (holdings: LeaseHolding[], exclude: string[] = []) =>
    decideLease(getLeaseCandidates(PORTS, undefined), holdings, { session: 'me', isLive: live, exclude: new Set(exclude) });

  it.each([
    ['nothing held: the first', [], [], { value: '3000' }],
    ['a live holder is skipped', [holding('3000', { id: 'a', pid: 1 })], [], { value: '3001' }],
    ['the session’s own value is kept', [holding('3000', { id: 'me', pid: 1 })], [], { value: '3000' }],
    ['a busy port is skipped', [], ['3000', '3001'], { value: '3002' }],
  ] as const)('%s', (_, holdings, exclude, expected) => {
    expect(decide([...holdings], [...exclude])).toEqual(expected);
  });

  it('reclaims from a dead, an ended or a vanished holder', () => {
    const dead = holding('3000', { id: 'a', pid: 2 });
    expect(decide([dead])).toEqual({ value: '3000', reclaim: dead.lease });
    const ended = holding('3000', { id: 'b', pid: 1, state: 'ended' });
    expect(decide([ended])).toEqual({ value: '3000', reclaim: ended.lease });
    const vanished = holding('3000', undefined);
    expect(decide([vanished])).toEqual({ value: '3000', reclaim: vanished.lease });
  });

  it('gives up when every value is held by a live session', () => {
    expect(decide(['3000', '3001', '3002', '3003'].map((v, i) => holding(v, { id: `s${i}`, pid: 1 })))).toBeUndefined();
  });
});

describe('lease names', () => {
  it.each([
    ['{repo}-{slug}', 'my-app-feat-login'],
    ['app_{slug_}', 'app_feat_login'],
    ['{repo_}_{id}', 'my_app_ab12cd34'],
    ['Stack {slug}!', 'stack-feat-login-'],
  ])('%s renders as %s', (pattern, expected) => {
    expect(renderLeasePattern(pattern, { repo: 'My App', branch: 'feat/Login', id: 'ab12cd34' })).toBe(expected);
  });

  it('numbers variants with the separator the name already uses', () => {
    const take = (base: string) => [...getLeaseCandidates({ kind: 'name', pattern: 'x' }, base)].slice(0, 3);
    expect(take('app-x')).toEqual(['app-x', 'app-x-2', 'app-x-3']);
    expect(take('app_x')).toEqual(['app_x', 'app_x_2', 'app_x_3']);
  });

  it('finds placeholders it does not know', () => {
    expect(findUnknownPlaceholders('{repo}-{branch}-{slug_}-{}')).toEqual(['branch', '']);
  });

  it('renders the env file and the notes section; no section without leases', () => {
    const leases = [lease('3001', 'abc'), lease('app-x', 'abc', { resource: 'COMPOSE_PROJECT_NAME', name: 'COMPOSE_PROJECT_NAME', kind: 'name' })];
    expect(renderLeaseEnvFile(leases, 'abc')).toMatch(/^# cwt session abc: .*\nPORT=3001\nCOMPOSE_PROJECT_NAME=app-x\n$/);
    expect(renderLeaseNotes(leases)).toContain('- PORT=3001\n- COMPOSE_PROJECT_NAME=app-x\n\n');
    expect(renderLeaseNotes([])).toBe('');
  });
});

describe('leases in the config file', () => {
  const fixture = useConfigFixture();
  const load = (leases: unknown) => {
    fixture.writeRepoConfig({ leases });
    return () => {
      // Leases become environment variables of the agent: they apply from a repository file once trusted.
      trustRepoConfig(fixture.repo, fixture.sandbox.env);
      return loadConfig({ env: fixture.sandbox.env, repoRoot: fixture.repo });
    };
  };

  it('reads ports and patterns, the kind inferred', () => {
    expect(load({ PORT: { range: [3000, 3999] }, DB_NAME: { kind: 'name', pattern: 'app_{slug_}' } })().leases).toEqual({
      PORT: { kind: 'port', range: [3000, 3999] },
      DB_NAME: { kind: 'name', pattern: 'app_{slug_}' },
    });
  });

  it.each([
    [{ port: { range: [1, 2] } }, "'leases.port' is not an environment variable name"],
    [{ PORT: { range: [3999, 3000] } }, "'leases.PORT.range' should be a range [low, high] with low <= high"],
    [{ PORT: { range: [0, 10] } }, "'leases.PORT.range.0' must be at least 1"],
    [{ DB: { pattern: 'db_{branch}' } }, "'leases.DB.pattern' should be a pattern using only {repo} {slug} {id} {repo_} {slug_}"],
    [{ DB: { size: 3 } }, "'leases.DB' should be"],
  ])('refuses %j naming the key', (leases, message) => {
    expect(load(leases)).toThrow(message);
  });
});

describe('agent profiles', () => {
  const statuses = (map: Record<string, FileStatus>) => (file: string) => map[file] ?? 'absent';

  it.each([
    ['claude', {}, { kind: 'file', file: 'CLAUDE.local.md' }],
    ['claude', { 'CLAUDE.local.md': 'tracked' }, { kind: 'system-prompt' }],
    ['codex', {}, { kind: 'file', file: 'AGENTS.md' }],
    ['codex', { 'AGENTS.md': 'tracked' }, { kind: 'file', file: 'AGENTS.override.md', prepend: 'AGENTS.md' }],
    ['codex', { 'AGENTS.md': 'tracked', 'AGENTS.override.md': 'untracked' }, { kind: 'none', blockedBy: 'AGENTS.md' }],
    ['gemini', {}, { kind: 'file', file: 'GEMINI.md' }],
    ['gemini', { 'GEMINI.md': 'tracked' }, { kind: 'none', blockedBy: 'GEMINI.md' }],
    ['/opt/bin/aider', {}, { kind: 'read-flag', flag: '--read' }],
    ['./my-agent', {}, { kind: 'file', file: 'AGENTS.md' }],
    ['./my-agent', { 'AGENTS.md': 'untracked' }, { kind: 'none', blockedBy: 'AGENTS.md' }],
  ] as const)('%s with %j: %j', (agent, files, plan) => {
    expect(planInstructions(getAgentProfile(agent), statuses(files))).toEqual(plan);
  });

  it('gives Claude-only wiring to Claude Code only', () => {
    const base = { settingsPath: '/s/settings.json', agentArgs: ['-p', 'x'], notesPath: '/s/notes.md' };
    expect(buildAgentArgs({ ...base, agent: 'claude' })).toEqual(['--settings', '/s/settings.json', '-p', 'x']);
    expect(buildAgentArgs({ ...base, agent: 'codex', appendSystemPrompt: 'notes' })).toEqual(['-p', 'x']);
    expect(buildAgentArgs({ ...base, agent: 'aider' })).toEqual(['--read', '/s/notes.md', '-p', 'x']);
  });
});

describe('a claude -w worktree’s settings.local.json', () => {
  it('sets the memory directory and cwt’s hooks (WorktreeRemove, not WorktreeCreate), keeps the rest, idempotently', () => {
    const theirs = { model: 'opus', autoMemoryDirectory: '/elsewhere', hooks: { Stop: [{ hooks: [{ type: 'command', command: 'say done' }] }] } };
    const once = buildWorktreeLocalSettings(theirs, '/ns/feat-y');
    expect(once).toMatchObject({ model: 'opus', autoMemoryDirectory: '/ns/feat-y' });
    const hooks = once.hooks as Record<string, unknown>;
    expect(Object.keys(hooks).sort()).toEqual(['Notification', 'PostToolUse', 'PostToolUseFailure', 'PreToolUse', 'SessionEnd', 'SessionStart', 'Stop', 'UserPromptSubmit', 'WorktreeRemove']);
    // Their own Stop hook stays, beside cwt's.
    expect(JSON.stringify(hooks.Stop)).toContain('say done');
    expect(JSON.stringify(hooks.Stop)).toContain('hook stop');
    expect(buildWorktreeLocalSettings(once, '/ns/feat-y')).toEqual(once);
  });
});

describe.each(STORE_BACKENDS)('leases in the %s store', (backend) => {
  const fixture = useStoreFixture(backend);
  const request = (session: string, name = 'PORT') => ({ resource: 'port', name, kind: 'port' as const, session, repo: '/r/.git', now: 5 });
  const first = (holdings: readonly LeaseHolding[]) => decideLease(getLeaseCandidates(PORTS, undefined), holdings, { session: '', isLive: () => true, exclude: new Set() });

  it('holds one value per (resource, value) and per (session, variable); releases with events', async () => {
    const { store } = fixture;
    await store.insertSession(sampleSession({ id: 'a' }));
    await store.insertSession(sampleSession({ id: 'b', worktree: '/w/b' }));
    expect(await store.acquireLease(request('a'), first)).toMatchObject({ acquired: true, lease: { value: '3000', session: 'a' } });
    expect(await store.acquireLease(request('b'), first)).toMatchObject({ acquired: true, lease: { value: '3001', session: 'b' } });
    // The decider saw a's holding with its session.
    let seen: readonly LeaseHolding[] = [];
    await store.acquireLease(request('b', 'API_PORT'), (holdings) => ((seen = holdings), first(holdings)));
    expect(seen.map((h) => [h.lease.value, h.holder?.id])).toEqual([
      ['3000', 'a'],
      ['3001', 'b'],
    ]);
    // A second PORT for a replaces its first.
    await store.acquireLease(request('a'), () => ({ value: '3003' }));
    expect((await store.listLeases({ session: 'a' })).map((l) => l.value)).toEqual(['3003']);
    expect((await store.releaseLeases('b', 'test')).map((l) => l.value).sort()).toEqual(['3001', '3002']);
    expect(await store.releaseLease('port', '3003', 'b', 'test')).toBe(false);
    expect(await store.releaseLease('port', '3003', 'a', 'test')).toBe(true);
    expect(await store.listLeases()).toEqual([]);
    const kinds = (await store.listEvents()).map((e) => e.kind).filter((k) => k.startsWith('lease.'));
    expect(kinds).toEqual(['lease.acquire', 'lease.acquire', 'lease.acquire', 'lease.acquire', 'lease.release', 'lease.release']);
  });

  it('a decider that reclaims replaces the previous holder in the same transaction', async () => {
    const { store } = fixture;
    await store.acquireLease(request('dead'), first);
    const outcome = await store.acquireLease(request('me'), (holdings) => ({ value: '3000', reclaim: holdings[0]!.lease }));
    expect(outcome).toMatchObject({ acquired: true, reclaimed: { session: 'dead', value: '3000' } });
    expect((await store.listLeases()).map((l) => [l.session, l.value])).toEqual([['me', '3000']]);
    expect(await store.acquireLease(request('x'), () => undefined)).toEqual({ acquired: false });
  });
});
