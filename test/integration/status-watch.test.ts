/**
 * `cwt status --watch`: piped, a real process prints a new table each time the store changed (a session
 * started, its activity moved), nothing for the periodic refresh alone, and ends on SIGINT with exit 0. On a
 * terminal (an in-process screen that records what is written) it hides the cursor, redraws each frame in place
 * (home, overwrite, clear below: the screen is cleared once, never per frame) and shows the cursor again when
 * it stops. Both stores.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createScenario, type Scenario } from '../helpers/scenario.js';
import { createTab } from '../helpers/hooks.js';
import { STORE_BACKENDS, useBackend } from '../helpers/backends.js';
import { startCwt } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';
import { showStatus } from '../../src/commands/status.js';
import { REDRAW_END, REDRAW_START } from '../../src/ui/redraw.js';
import { MESSAGES } from '../../src/texts/messages.js';

const tables = (text: string) => text.split('cwt status --watch · ').slice(1);

describe.each(STORE_BACKENDS)('cwt status --watch (%s store)', (backend) => {
  let s: Scenario;
  beforeEach(() => {
    s = createScenario();
    useBackend(s, backend);
  });
  afterEach(() => s.cleanup());

  it('piped: prints a new table per change, not per refresh, and stops on SIGINT', async () => {
    const watch = startCwt(['status', '--watch'], { cwd: s.repo, env: s.env });
    let out = '';
    watch.child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    await waitFor(() => (out.includes(MESSAGES.noSessions) ? true : undefined));
    expect(out).not.toContain('\u001b['); // no terminal: no control sequences

    const created = await s.cwt(['new', 'feat/watch', '--no-launch']);
    expect(created.code, created.stderr).toBe(0);
    await waitFor(() => (tables(out).some((table) => table.includes('feat/watch')) ? true : undefined), 5_000);

    const tab = createTab('watch-tab', s.repo, s.env);
    await tab.start();
    await tab.notify();
    await waitFor(() => (tables(out).at(-1)?.match(/\bwaiting(: \w+)? (now|\d+s)\b/) ? true : undefined), 5_000);
    await tab.prompt('go on');
    await waitFor(() => (tables(out).at(-1)?.match(/\bworking (now|\d+s)\b/) ? true : undefined), 5_000);
    const printed = tables(out).length;
    // A heartbeat alone (a Read while working keeps the activity) moves ages only: nothing printed. Nor does
    // the 5 s refresh.
    await new Promise((resolve) => setTimeout(resolve, 2_500)); // so the ages the table shows have moved
    await tab.read(join(s.repo, 'README.md'));
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    expect(tables(out)).toHaveLength(printed);
    // A real change still prints.
    await tab.stop();
    await waitFor(() => (tables(out).at(-1)?.match(/\bidle (now|\d+s)\b/) ? true : undefined), 5_000);

    watch.child.kill('SIGINT');
    const result = await watch.result;
    expect(result.code, result.stderr).toBe(0);
  });

  it('on a terminal: hides the cursor, redraws in place, shows the cursor again at the end', async () => {
    const writes: string[] = [];
    const controller = new AbortController();
    const watching = showStatus({
      watch: true,
      cwd: s.repo,
      env: s.env,
      refreshMs: 500,
      signal: controller.signal,
      screen: { isTTY: true, rows: 40, write: (raw) => writes.push(raw) },
    });
    await waitFor(() => (writes.some((raw) => raw.includes(MESSAGES.noSessions)) ? true : undefined));
    const created = await s.cwt(['new', 'feat/tty', '--no-launch']);
    expect(created.code, created.stderr).toBe(0);
    await waitFor(() => (writes.some((raw) => raw.includes('feat/tty')) ? true : undefined), 5_000);
    controller.abort();
    expect(await watching).toBe(0);

    expect(writes[0]).toBe(REDRAW_START); // cursor hidden, screen cleared once
    expect(writes.at(-1)).toBe(`${REDRAW_END}\n`);
    const frames = writes.slice(1, -1);
    expect(frames.length).toBeGreaterThanOrEqual(2);
    for (const frame of frames) {
      expect(frame.startsWith('\u001b[H')).toBe(true); // home, then overwrite
      expect(frame.endsWith('\u001b[J')).toBe(true); // clear what the last frame left below
      expect(frame).not.toContain('\u001b[2J'); // never a full clear: no flicker
    }
  });

  it('refuses --watch with --json, changing nothing', async () => {
    const result = await s.cwt(['status', '--watch', '--json']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(MESSAGES.statusWatchWithFormat);
  });
});
