/**
 * A tool call's decision on the PostgreSQL store is one round trip (the cwt_tool_call function, migration 13),
 * counted at the driver: every statement it sends, BEGIN and COMMIT included. The statement-by-statement path
 * it replaces took 13 for a Write the supervisor decides, 15 through the per-user service, 6 for a PostToolUse.
 * The same script of calls on both stores gives the same answers, claims, denials and events, including
 * deny-once and its retry, the dedupe of a call two deciders get, and holders judged by a pid probe.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/core/store/open.js';
import { PostgresStore } from '../../src/core/store/postgres.js';
import type { Store } from '../../src/core/store/store.js';
import { handleHook, type HookOutput } from '../../src/hooks/handlers.js';
import type { HookEvent, HookInput } from '../../src/hooks/input.js';
import { connectStoreSql, useBackend, type StoreBackend } from '../helpers/backends.js';
import { createScenario, type Scenario } from '../helpers/scenario.js';

let s: Scenario;
let store: Store | undefined;
const sent: string[] = [];
beforeEach(() => {
  s = createScenario();
  sent.length = 0;
});
afterEach(async () => {
  await store?.close();
  store = undefined;
  s.cleanup();
});

/** Opens the scenario's store (useBackend first), counting PostgreSQL's statements into `sent`. */
async function openCounted(backend: StoreBackend): Promise<Store> {
  return backend === 'postgres' ? new PostgresStore(s.env.CWT_STORE!, { onQuery: (text) => sent.push(text) }) : openStore(s.env);
}

/** The store without its one-trip method: the statement-by-statement path, for the before/after count. */
function withoutOneTrip(inner: Store): Store {
  return new Proxy(inner, {
    get(target, property) {
      if (property === 'decideToolCall') return undefined;
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

async function newSession(branch: string): Promise<{ id: string; worktree: string }> {
  const created = await s.cwt(['new', branch, '--no-launch', '--json']);
  expect(created.code, created.stderr).toBe(0);
  return JSON.parse(created.stdout) as { id: string; worktree: string };
}

const write = (claudeId: string, cwd: string, path: string, toolUseId: string): HookInput => ({
  session_id: claudeId,
  cwd,
  tool_use_id: toolUseId,
  tool_name: 'Write',
  tool_input: { file_path: path, content: 'x' },
});

describe('a PreToolUse decision on PostgreSQL', () => {
  it('is one statement once the deciding process knows the session; the statement-by-statement path took 13-15', async () => {
    useBackend(s, 'postgres');
    const a = await newSession('feat/a');
    const b = await newSession('feat/b');
    store = await openCounted('postgres');
    // feat/b claims src/x.ts, so feat/a's Write gets a merge-conflict warning (the reads of the warning are in the trip).
    await handleHook('pre-tool-use', write('claude-b', b.worktree, join(b.worktree, 'src', 'x.ts'), 'toolu_b1'), { store, env: s.env, sessionId: b.id, decider: 'supervisor' });
    const counts: Record<string, number[]> = {};
    const run = async (label: string, event: HookEvent, input: HookInput, context: { sessionId?: string; dedupe?: boolean; decider: string }, on = store!) => {
      sent.length = 0;
      const output = await handleHook(event, input, { store: on, env: s.env, ...context });
      (counts[label] ??= []).push(sent.length);
      return output;
    };
    const path = join(a.worktree, 'src', 'x.ts');
    for (let i = 0; i < 3; i++) {
      const supervised = await run('supervisor pre', 'pre-tool-use', write('claude-a', a.worktree, path, `toolu_s${i}`), { sessionId: a.id, decider: 'supervisor' });
      expect(supervised?.hookSpecificOutput.additionalContext).toContain('merge-conflict risk');
      const served = await run('service pre', 'pre-tool-use', write('claude-a', a.worktree, path, `toolu_f${i}`), { dedupe: true, decider: 'fastpath' });
      expect(served?.hookSpecificOutput.additionalContext).toContain('merge-conflict risk');
      expect(await run('service post', 'post-tool-use', write('claude-a', a.worktree, path, `toolu_f${i}`), { dedupe: true, decider: 'fastpath' })).toBeNull();
      const before = await run('before: supervisor pre', 'pre-tool-use', write('claude-a', a.worktree, path, `toolu_o${i}`), { sessionId: a.id, decider: 'supervisor' }, withoutOneTrip(store!));
      expect(before).toEqual(supervised);
    }
    // The first call of a process asks for the session row it plans with (one more trip); then one each.
    expect(counts).toEqual({
      'supervisor pre': [2, 1, 1],
      'service pre': [2, 1, 1],
      'service post': [1, 1, 1],
      'before: supervisor pre': [13, 13, 13],
    });
    expect(sent).toHaveLength(13);
  });
});

/** Session ids and worktree paths replaced by labels, so two stores' transcripts compare. */
function normalise(text: string, labels: Map<string, string>): string {
  let out = text;
  for (const [value, label] of [...labels].sort((x, y) => y[0].length - x[0].length)) out = out.split(value).join(label);
  return out;
}

/** Runs the script on a fresh scenario on `backend`: its transcript, and how many statements some calls took. */
async function runScript(backend: StoreBackend, base: number, mode: string): Promise<{ transcript: string; counts: Record<string, number> }> {
    await store?.close();
    s.cleanup();
    s = createScenario();
    useBackend(s, backend);
    const a = await newSession('feat/a');
    store = await openCounted(backend);
    const env = { ...s.env, CWT_CLAIM_MODE: mode };
    let step = 0;
    const transcript: string[] = [];
    const labels = new Map<string, string>([[a.id, '<A>'], [a.worktree, '<A-worktree>'], [s.repo, '<repo>']]);
    let later = 0;
    const call = async (what: string, event: HookEvent, input: HookInput, context: { sessionId?: string; dedupe?: boolean; decider: string } = { dedupe: true, decider: 'fastpath' }) => {
      step += 1;
      sent.length = 0;
      const output: HookOutput | null = await handleHook(event, input, { store: store!, env, now: base + later + step * 1000, ...context });
      const statements = sent.length;
      for (const session of await store!.listSessions({ includeEnded: true })) {
        if (!labels.has(session.id)) labels.set(session.id, `<tab${labels.size - 2}>`);
      }
      const answer = output === null ? 'nothing' : output.hookSpecificOutput.permissionDecision === 'deny' ? `deny: ${output.hookSpecificOutput.permissionDecisionReason}` : `context: ${output.hookSpecificOutput.additionalContext}`;
      transcript.push(normalise(`${what}: ${answer}`, labels));
      return statements;
    };
    const x = join(s.repo, 'src', 'x.ts');
    await call('t1 writes x (adopts t1)', 'pre-tool-use', write('t1', s.repo, x, 'toolu_1'));
    await call('t1 wrote x', 'post-tool-use', write('t1', s.repo, x, 'toolu_1'));
    await call('t2 writes x (adopts t2)', 'pre-tool-use', write('t2', s.repo, x, 'toolu_2'));
    const retry = await call('t2 retries x', 'pre-tool-use', write('t2', s.repo, x, 'toolu_3'));
    const denied = await call('t1 writes x again', 'pre-tool-use', write('t1', s.repo, x, 'toolu_4'));
    const twice = await call('the same call again, from the other decider', 'pre-tool-use', write('t1', s.repo, x, 'toolu_4'), { dedupe: true, decider: 'command' });
    const warned = await call('feat/a writes its x', 'pre-tool-use', write('claude-a', a.worktree, join(a.worktree, 'src', 'x.ts'), 'toolu_5'), { sessionId: a.id, decider: 'supervisor' });
    await call('t2 runs a Bash command', 'pre-tool-use', { session_id: 't2', cwd: s.repo, tool_use_id: 'toolu_6', tool_name: 'Bash', tool_input: { command: 'ls' } });
    await call('t2 reads x', 'post-tool-use', { session_id: 't2', cwd: s.repo, tool_use_id: 'toolu_7', tool_name: 'Read', tool_input: { file_path: x } });

    // t3 writes x, which t2 holds: t2's heartbeat is an hour old, but its process (this test's parent) runs on
    // this host, so it is live (a pid probe, made by the deciding process) and t3 is denied.
    const tab = (label: string) => [...labels].find(([, value]) => value === label)![0];
    await call('t3 runs a Bash command (adopts t3)', 'pre-tool-use', { session_id: 't3', cwd: s.repo, tool_use_id: 'toolu_8', tool_name: 'Bash', tool_input: { command: 'ls' } });
    await store!.updateSession(tab('<tab2>'), { heartbeatAt: base - 3_600_000 });
    const probed = await call('t3 writes x, t2 quiet for an hour but running', 'pre-tool-use', write('t3', s.repo, x, 'toolu_9'));
    // Then t2's process is gone (a pid that exited): t2 is stale, its claim no longer binds, and t4 gets x.
    await call('t4 runs a Bash command (adopts t4)', 'pre-tool-use', { session_id: 't4', cwd: s.repo, tool_use_id: 'toolu_10', tool_name: 'Bash', tool_input: { command: 'ls' } });
    await store!.updateSession(tab('<tab2>'), { pid: spawnSync(process.execPath, ['-e', '0']).pid, heartbeatAt: base - 3_600_000 });
    await call('t4 writes x, t2 gone', 'pre-tool-use', write('t4', s.repo, x, 'toolu_11'));
    await call('t1 writes x', 'pre-tool-use', write('t1', s.repo, x, 'toolu_12'));
    // Three minutes later: past deny-once's retry window (t3's denial no longer lets it through) and past the
    // session TTL of every heartbeat (each holder is judged by its pid); eleven minutes later: past the claim TTL.
    later = 180_000;
    await call('t3 writes x three minutes later', 'pre-tool-use', write('t3', s.repo, x, 'toolu_13'));
    later = 660_000;
    await call('t2 writes x eleven minutes later', 'pre-tool-use', write('t2', s.repo, x, 'toolu_14'));

    for (const claim of await store.listClaims()) transcript.push(normalise(`claim ${claim.checkout} ${claim.relPath} by ${claim.session} at +${claim.at - base}`, labels));
    for (const event of await store.listEvents()) {
      // cwt new's own (its lock holder is the pid of the CLI process).
      if (event.session === null || event.session === a.id && !event.kind.startsWith('session.working') && !event.kind.startsWith('claim')) continue;
      transcript.push(normalise(`event ${event.kind} ${event.session ?? '-'} ${JSON.stringify(event.data)}`, labels));
    }
    transcript.push(`hook calls: ${(await store.listHookCalls()).map((entry) => `${normalise(entry.key, labels)} by ${entry.by}`).join(', ')}`);
    // Times relative to the script's start, the tabs' pid (this test's parent) as a label: the same on every run.
    const text = transcript.join('\n').replace(/\b1\d{12}\b/g, (at) => `<+${Number(at) - base}>`).replace(/"pid":\d+/g, '"pid":<pid>');
    return { transcript: text, counts: { retry, denied, twice, warned, probed } };
}

describe.each(['deny-once', 'deny', 'warn'])('the same script of tool calls on both stores, claim mode %s', (mode) => {
  it('gives the same answers, claims, denials, events and hook-call records', async () => {
    const base = Date.now();
    const sqlite = await runScript('sqlite', base, mode);
    const postgres = await runScript('postgres', base, mode);
    expect(postgres.transcript).toEqual(sqlite.transcript);
    expect(sqlite.transcript).toMatchSnapshot();
    // Warm calls in one statement each; a process's first call for a session in two (the row it plans with), and
    // a pid probe one more (the second call carries the probe's answer).
    if (mode === 'deny-once') expect(postgres.counts).toEqual({ retry: 2, denied: 1, twice: 1, warned: 2, probed: 3 });
  });
});

describe('a PostgreSQL store whose cwt_tool_call was dropped', () => {
  it('still decides, statement by statement: the deny-once of a same-checkout edit comes as before', async () => {
    useBackend(s, 'postgres');
    store = await openCounted('postgres');
    const x = join(s.repo, 'src', 'x.ts');
    expect(await handleHook('pre-tool-use', write('t1', s.repo, x, 'toolu_1'), { store, env: s.env, decider: 'fastpath', dedupe: true })).toBeNull();
    const sql = connectStoreSql(s.env.CWT_STORE!);
    await sql`DROP FUNCTION cwt_tool_call(jsonb)`;
    await sql.end();
    await handleHook('pre-tool-use', { session_id: 't2', cwd: s.repo, tool_use_id: 'toolu_2', tool_name: 'Bash', tool_input: { command: 'ls' } }, { store, env: s.env, decider: 'fastpath', dedupe: true });
    sent.length = 0;
    const denied = await handleHook('pre-tool-use', write('t2', s.repo, x, 'toolu_3'), { store, env: s.env, decider: 'fastpath', dedupe: true });
    expect(denied?.hookSpecificOutput.permissionDecision).toBe('deny');
    // The function was asked first (and found missing), then the statements did the work.
    expect(sent[0]).toContain('cwt_tool_call');
    expect(sent.length).toBeGreaterThan(5);
    expect((await store.listEvents({ kinds: ['claim.deny'] })).length).toBe(1);
  });
});
