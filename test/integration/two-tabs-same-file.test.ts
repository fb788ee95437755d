/**
 * Two plain Claude Code tabs in one checkout, coordinated by the command hooks alone: each is adopted as a
 * session on its first call; an edit of a file the other tab is editing is denied once, the retry goes
 * through and the claim moves; other worktrees get a merge-conflict warning; SessionEnd lets go.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createScenario, type Scenario } from '../helpers/scenario.js';
import { createTab, getDenyReason } from '../helpers/hooks.js';
import { CWT_BIN, runCwt } from '../helpers/cli.js';

interface WhoJson {
  claims: Array<{ session: string; sameCheckout: boolean; state: string }>;
}

describe('two tabs, one file', () => {
  let s: Scenario;
  beforeEach(() => {
    s = createScenario();
  });
  afterEach(() => s.cleanup());

  async function who(path: string, env = s.env): Promise<WhoJson> {
    const result = await runCwt(['who', path, '--json'], { cwd: s.repo, env });
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as WhoJson;
  }

  it('adopts both tabs, tells the second about the first, denies the clobber once, lets the retry through', async () => {
    const a = createTab('tab-a', s.repo, s.env);
    const b = createTab('tab-b', s.repo, s.env);
    const file = join(s.repo, 'src', 'app.ts');
    expect(await a.start()).toBeNull(); // nobody else yet
    expect(await a.write(file)).toBeNull();

    const greeting = await b.start();
    expect(greeting?.hookSpecificOutput?.additionalContext).toContain('src/app.ts');
    const sessions = await s.sessions();
    expect(sessions.filter((x) => x.kind === 'adopted')).toHaveLength(2);
    const tabA = (await who(file)).claims[0]!.session;

    const denied = getDenyReason(await b.write(file));
    expect(denied).toContain('src/app.ts');
    expect(denied).toContain(tabA);
    expect(denied).toContain('retry the same edit');
    expect((await who(file)).claims[0]!.session).toBe(tabA); // the denial moved nothing

    expect(getDenyReason(await b.write(file))).toBeUndefined(); // the retry proceeds
    const holder = (await who(file)).claims[0]!.session;
    expect(holder).not.toBe(tabA);
    // Now A is the one stopped, once.
    expect(getDenyReason(await a.write(file))).toContain(holder);

  });

  it('deny mode keeps denying; warn mode allows with context', async () => {
    const file = join(s.repo, 'README.md');
    const strict = { ...s.env, CWT_CLAIM_MODE: 'deny' };
    await createTab('a', s.repo, strict).write(file);
    const b = createTab('b', s.repo, strict);
    expect(getDenyReason(await b.write(file))).toContain('reserved');
    expect(getDenyReason(await b.write(file))).toContain('reserved');

    const lax = { ...s.env, CWT_CLAIM_MODE: 'warn' };
    const c = createTab('c', s.repo, lax);
    const answer = await c.write(file);
    expect(getDenyReason(answer)).toBeUndefined();
    expect(answer?.hookSpecificOutput?.additionalContext).toContain('also edited');
    expect(answer?.hookSpecificOutput?.permissionDecision).toBeUndefined(); // context must not approve anything
  });

  it('an expired claim or a dead, silent tab stops nobody', async () => {
    const file = join(s.repo, 'a.txt');
    await createTab('a', s.repo, s.env).write(file);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    // Claims older than the claim TTL no longer bind.
    expect(getDenyReason(await createTab('b', s.repo, { ...s.env, CWT_CLAIM_TTL: '1s' }).write(file))).toBeUndefined();
    // A tab whose agent process is gone and whose heartbeat is past the session TTL is not live.
    const payload = JSON.stringify({ session_id: 'c', cwd: s.repo, tool_name: 'Write', tool_input: { file_path: join(s.repo, 'b.txt') } });
    // The hook's caller (the "agent") is a short-lived node process: dead once this returns.
    const agent = `require('node:child_process').spawnSync(process.execPath, [${JSON.stringify(CWT_BIN)}, 'hook', 'pre-tool-use'], { input: ${JSON.stringify(payload)} })`;
    execFileSync(process.execPath, ['-e', agent], { cwd: s.repo, env: s.env });
    const tabC = (await who(join(s.repo, 'b.txt'))).claims[0]!.session;
    expect(getDenyReason(await createTab('d', s.repo, s.env).write(join(s.repo, 'b.txt')))).toContain(tabC); // still within its TTL
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(getDenyReason(await createTab('e', s.repo, { ...s.env, CWT_SESSION_TTL: '1s' }).write(join(s.repo, 'b.txt')))).toBeUndefined();
  });

  it('SessionEnd releases the tab’s claims and ends its adopted session', async () => {
    const file = join(s.repo, 'x.md');
    const a = createTab('a', s.repo, s.env);
    await a.write(file);
    expect((await who(file)).claims).toHaveLength(1);
    expect(await a.end()).toBeNull();
    expect((await who(file)).claims).toHaveLength(0);
    expect((await s.sessions()).find((x) => x.kind === 'adopted')?.state).toBe('ended');
    expect(getDenyReason(await createTab('b', s.repo, s.env).write(file))).toBeUndefined();
  });

  it('a session in another worktree editing the same path gets a merge-conflict warning, not a denial', async () => {
    const created = await s.cwt(['new', 'feat/other', '--no-launch']);
    expect(created.code, created.stderr).toBe(0);
    const worktree = created.stdout.trim();
    const inMain = createTab('main-tab', s.repo, s.env);
    await inMain.write(join(s.repo, 'src', 'shared.ts'));
    const other = createTab('wt-tab', worktree, s.env);
    const answer = await other.write(join(worktree, 'src', 'shared.ts'));
    expect(getDenyReason(answer)).toBeUndefined();
    expect(answer?.hookSpecificOutput?.additionalContext).toContain('merge-conflict risk');
    expect(answer?.hookSpecificOutput?.additionalContext).toContain('src/shared.ts');
    // The worktree's tab was recognised as the cwt session of that worktree, not adopted.
    expect((await s.sessions()).filter((x) => x.kind === 'adopted')).toHaveLength(1);
    const claims = (await who(join(worktree, 'src', 'shared.ts'))).claims;
    expect(claims.map((c) => c.sameCheckout).sort()).toEqual([false, true]);
  });
});
