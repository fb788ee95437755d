/**
 * `cwt dashboard` in a real browser (Debian's chromium, headless, through playwright-core): two real `cwt new
 * --no-launch` sessions show, grouped under their repository; a denied edit made through the real command hook
 * appears on the page (in the latest denials, in the session's events, as a mark on the timeline) without a
 * reload; a session's activity moves on the page when its hooks report Notification and then Stop; the keyboard
 * opens and closes a session's events. Without the token the server answers 401, and a foreign Host header is
 * refused (DNS rebinding). Each run leaves a screenshot in test-artifacts/ (ignored by git). Both stores: on
 * PostgreSQL the push is woken by NOTIFY.
 */
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createScenario, type Scenario } from '../helpers/scenario.js';
import { createTab, getDenyReason } from '../helpers/hooks.js';
import { openSandboxStore, STORE_BACKENDS, useBackend } from '../helpers/backends.js';
import { getArtifactPath, launchChromium, startDashboard, type RunningDashboard } from '../helpers/browser.js';
import { DASHBOARD_TEXTS } from '../../src/texts/messages.js';
import { writeFile } from '../helpers/git.js';

interface SessionJson {
  id: string;
  branch: string;
  worktree: string;
}

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe.each(STORE_BACKENDS)('cwt dashboard in chromium (%s store)', (backend) => {
  let s: Scenario;
  let dashboard: RunningDashboard | undefined;
  let page: Page | undefined;
  beforeEach(() => {
    s = createScenario();
    useBackend(s, backend);
  });
  afterEach(async () => {
    await page?.context().close();
    page = undefined;
    if (dashboard) expect(await dashboard.stop()).toBe(0);
    dashboard = undefined;
    s.cleanup();
  });

  async function newSession(branch: string): Promise<SessionJson> {
    const result = await s.cwt(['new', branch, '--no-launch', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const sessions = (await s.sessions()) as unknown as SessionJson[];
    return sessions.find((session) => session.branch === branch)!;
  }

  async function holderOf(path: string): Promise<string> {
    const result = await s.cwt(['who', path, '--json']);
    expect(result.code, result.stderr).toBe(0);
    return (JSON.parse(result.stdout) as { claims: Array<{ session: string }> }).claims[0]!.session;
  }

  it('shows both sessions; a denial and activity changes arrive without a reload; keyboard opens the events', async () => {
    const one = await newSession('feat/one');
    const two = await newSession('feat/two');
    dashboard = await startDashboard([], { cwd: s.repo, env: s.env });
    page = await (await browser.newContext({ viewport: { width: 1366, height: 860 } })).newPage();
    await page.goto(dashboard.url);
    expect(new URL(page.url()).search).toBe(''); // the token left the address bar for a cookie

    const card = (session: SessionJson) => page!.locator(`[data-session="${session.id}"]`);
    await expect.poll(() => page!.locator('[data-session]').count()).toBe(2);
    expect(await card(one).innerText()).toContain('feat/one');
    expect(await card(two).innerText()).toContain('feat/two');
    expect(await card(one).locator('.activity').innerText()).toBe(DASHBOARD_TEXTS.noActivity); // nothing said yet, no guess
    // A marker the page would lose on a reload or a navigation.
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));

    // Two plain Claude tabs in the main checkout edit one file: the real command hook denies the second.
    const file = join(s.repo, 'src', 'shared.ts');
    writeFile(s.repo, 'src/shared.ts', 'export {};\n');
    const tabA = createTab('claude-a', s.repo, s.env);
    const tabB = createTab('claude-b', s.repo, s.env);
    expect(getDenyReason(await tabA.write(file))).toBeUndefined();
    const denied = Date.now();
    expect(getDenyReason(await tabB.write(file))).toContain('src/shared.ts');
    const adopted = ((await s.sessions()) as unknown as Array<SessionJson & { kind: string }>).filter((session) => session.kind === 'adopted');
    expect(adopted).toHaveLength(2);

    const denials = page.locator('[data-latest="denials"] [data-kind="claim.deny"]');
    await denials.first().waitFor({ timeout: 5_000 });
    const seenAfter = Date.now() - denied;
    expect(await denials.first().innerText()).toContain('shared.ts');
    await page.locator('#timeline [data-category="denial"]').first().waitFor({ timeout: 2_000 });
    expect(await page.locator('#timeline [data-category="edit"]').count()).toBeGreaterThanOrEqual(1);
    expect(await page.locator('#timeline line.collision').count()).toBeGreaterThanOrEqual(1);
    await expect.poll(() => page!.locator('[data-session]').count()).toBe(4); // the tabs, adopted, show too
    expect(await page.locator('[data-session] dd', { hasText: 'src/shared.ts' }).count()).toBe(1); // the live claim

    // Session one's agent, through its hooks: working (a prompt), waiting for you (Notification), idle (Stop).
    const tabOne = createTab('claude-one', one.worktree, s.env);
    await tabOne.prompt('refactor shared.ts');
    await expect.poll(() => card(one).locator('.activity').getAttribute('data-activity'), { timeout: 5_000 }).toBe('working');
    await tabOne.notify();
    await expect.poll(() => card(one).locator('.activity').getAttribute('data-activity'), { timeout: 5_000 }).toBe('waiting');
    expect(await card(one).locator('.activity').innerText()).toContain(DASHBOARD_TEXTS.activity.waiting!.label); // words, not only colour
    await tabOne.stop();
    await expect.poll(() => card(one).locator('.activity').getAttribute('data-activity'), { timeout: 5_000 }).toBe('idle');
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42); // never reloaded

    // A milestone an agent logs (the MCP tool log_event records kind agent.milestone) is a mark on its lane.
    const store = await openSandboxStore(s);
    await store.appendEvent({ kind: 'agent.milestone', session: two.id, data: { text: 'all tests green' } });
    await store.close();
    const milestone = page.locator(`#timeline [data-category="milestone"]`);
    await milestone.waitFor({ timeout: 5_000 });
    expect(await milestone.locator('title').textContent()).toContain('all tests green');

    await page.screenshot({ path: getArtifactPath(`dashboard-${backend}.png`), fullPage: true });

    // A click on a session's lane shows its events.
    await page.locator(`#timeline [data-lane="${two.id}"] .lane-bg`).click();
    await page.locator('dialog#events').waitFor({ state: 'visible' });
    expect(await page.locator('dialog#events [data-kind="agent.milestone"]').innerText()).toContain('all tests green');
    await page.keyboard.press('Escape');
    await page.locator('dialog#events').waitFor({ state: 'hidden' });

    // Keyboard: a session card takes the focus; Enter opens its events; Escape closes and gives the focus back.
    const holder = await holderOf(file);
    const deniedTab = adopted.find((session) => session.id !== holder)!;
    await page.locator(`[data-session="${deniedTab.id}"]`).focus();
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-session'))).toBe(deniedTab.id);
    await page.keyboard.press('Enter');
    const dialog = page.locator('dialog#events');
    await dialog.waitFor({ state: 'visible' });
    expect(await dialog.locator('[data-kind="claim.deny"]').count()).toBe(1);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-session'))).toBe(deniedTab.id);
    await card(two).focus();
    await page.keyboard.press(' ');
    await dialog.waitFor({ state: 'visible' });
    await page.keyboard.press('Escape');

    // Within a second of the hook having answered (the hook process's own start-up included).
    expect(seenAfter).toBeLessThan(3_000);
  });

  it('shows text from the store and from models as text, never as markup', async () => {
    const payload = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>';
    const one = await newSession('feat/one');
    const handoff = await s.cwt(['handoff', 'create', `fix ${payload}`, '--next', `then ${payload}`], { cwd: one.worktree });
    expect(handoff.code, handoff.stderr).toBe(0);
    // A lock held while the page looks, with the payload as its note.
    const { startCwt } = await import('../helpers/cli.js');
    const lock = startCwt(['lock', 'deploy', '--note', payload, '--', 'sleep', '30'], { cwd: one.worktree, env: s.env });
    try {
      dashboard = await startDashboard([], { cwd: s.repo, env: s.env });
      page = await (await browser.newContext()).newPage();
      await page.goto(dashboard.url);
      await page.locator('[data-lock="deploy"]').waitFor({ timeout: 10_000 });
      expect(await page.locator('[data-lock="deploy"]').innerText()).toContain(payload);
      expect(await page.locator('#handoffs').innerText()).toContain(`fix ${payload}`);
      expect(await page.locator('#handoffs').innerText()).toContain(`then ${payload}`);
      expect(await page.locator('img, main script').count()).toBe(0);
      expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    } finally {
      lock.child.kill('SIGTERM');
      await lock.result;
    }
  });

  it('answers 401 without the token or with a wrong one, and refuses a foreign Host header', async () => {
    dashboard = await startDashboard([], { cwd: s.repo, env: s.env });
    const base = `http://127.0.0.1:${dashboard.port}`;
    page = await (await browser.newContext()).newPage();
    const bare = await page.goto(`${base}/`);
    expect(bare?.status()).toBe(401);
    expect((await page.goto(`${base}/?token=not-the-token`))?.status()).toBe(401);
    for (const path of ['/api/state', '/api/stream', '/app.js']) {
      const response = await fetch(`${base}${path}`);
      expect(response.status, path).toBe(401);
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
    }
    const token = new URL(dashboard.url).searchParams.get('token')!;
    expect(Buffer.from(token, 'base64url').length).toBeGreaterThanOrEqual(16); // at least 128 bits
    const ok = await fetch(`${base}/api/state`, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('cache-control')).toBe('no-store');
    // DNS rebinding: a page of another site whose name now resolves to 127.0.0.1 sends its own Host.
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: dashboard!.port, path: '/api/state', headers: { host: `attacker.example:${dashboard!.port}`, authorization: `Bearer ${token}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(403);
  });
});
