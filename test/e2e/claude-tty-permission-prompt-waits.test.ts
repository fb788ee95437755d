/**
 * End to end, the real `claude` on both ends of the range, interactive in a pseudo-terminal (script(1)), since
 * a `-p` run never asks (claude-p-permission-never-waits.test.ts): a plain tab with cwt's hooks, in the default
 * permission mode, is scripted to Write a file. Claude Code shows its permission dialog and, a few seconds
 * later, sends Notification with notification_type permission_prompt: cwt status says "waiting: permission".
 * The prompt is approved with Enter; the Write runs (PostToolUse: working again), the turn ends (Stop: idle).
 * The event log holds working, waiting (with its reason and type), working, idle, in that order. script(1) is
 * util-linux's, in Debian's essential bsdutils package.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cwtJson, e2eEnv, requireClaude, useE2eFixture } from '../helpers/claude.js';
import { runCwt } from '../helpers/cli.js';
import { createRepo } from '../helpers/git.js';
import { waitFor } from '../helpers/wait.js';
import { openStore } from '../../src/core/store/open.js';

interface ActivityView {
  id: string;
  activity: string | null;
  activityReason: string | null;
}

/** Claude Code's first-run questions answered in its own config, so the session goes straight to the prompt. */
function skipFirstRunDialogs(home: string, repo: string): void {
  const path = join(home, '.claude.json');
  const config = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>) : {};
  writeFileSync(
    path,
    JSON.stringify({
      ...config,
      hasCompletedOnboarding: true,
      theme: 'dark',
      // The fake API's key (e2eEnv): approved, as a user does the first time.
      customApiKeyResponses: { approved: ['test-key'], rejected: [] },
      projects: { [repo]: { hasTrustDialogAccepted: true, hasCompletedProjectOnboarding: true } },
    }),
  );
}

describe('a tab in a terminal asking for permission', () => {
  const fixture = useE2eFixture('cwt-e2e-tty-');

  it('reads "waiting: permission" while its prompt is open, and working, then idle, once approved', { timeout: 150_000 }, async () => {
    requireClaude();
    const sb = fixture.sandbox;
    const repo = createRepo(join(sb.root, 'repo'));
    const target = join(repo, 'notes.txt');
    const api = await fixture.startApi({
      script: [
        { type: 'tool_use', name: 'Write', id: 'toolu_tty_write', input: { file_path: target, content: 'x\n' } },
        { type: 'text', text: 'Wrote it.' },
      ],
    });
    // Without IS_SANDBOX: this run must not skip permissions (and it passes no flag that would).
    const { IS_SANDBOX: _sandboxed, ...base } = e2eEnv(sb, api);
    const env = { ...base, TERM: 'xterm-256color' };
    expect((await runCwt(['install'], { cwd: repo, env, timeoutMs: 30_000 })).code).toBe(0);
    skipFirstRunDialogs(sb.home, repo);

    let terminal: ChildProcess | undefined;
    let screen = '';
    const session = async () => {
      const [view] = await cwtJson<ActivityView[]>(['status', '--all', '--json'], { cwd: repo, env });
      return view;
    };
    try {
      // script(1) gives claude a pseudo-terminal; the command is a constant (claude is first on PATH).
      terminal = spawn('script', ['-qfec', "claude --permission-mode default 'write notes.txt'", '/dev/null'], { cwd: repo, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
      terminal.stdout!.on('data', (chunk: Buffer) => (screen = (screen + chunk.toString()).slice(-20_000)));
      const describeScreen = () => screen.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07/g, '').slice(-2_000);

      const waiting = await waitFor(async () => {
        const view = await session();
        return view?.activity === 'waiting' ? view : undefined;
      }, 60_000).catch(() => {
        throw new Error(`never waiting; screen:\n${describeScreen()}`);
      });
      expect(waiting.activityReason).toBe('permission');
      expect(existsSync(target)).toBe(false); // the dialog is open: nothing written yet
      expect((await runCwt(['status'], { cwd: repo, env })).stdout).toMatch(/\bwaiting: permission (now|\d+s)\b/);

      terminal.stdin!.write('\r'); // "Yes", the dialog's first choice
      await waitFor(async () => (existsSync(target) && (await session())?.activity === 'idle' ? true : undefined), 60_000).catch(() => {
        throw new Error(`not written and idle after approval; screen:\n${describeScreen()}`);
      });

      const store = await openStore(env);
      try {
        const events = (await store.listEvents({ session: waiting.id })).filter((event) => /^session\.(working|waiting|idle)$/.test(event.kind));
        expect(events.map((event) => event.kind)).toEqual(['session.working', 'session.waiting', 'session.working', 'session.idle']);
        expect(events[1]!.data).toEqual({ reason: 'permission', notificationType: 'permission_prompt' });
      } finally {
        await store.close();
      }
    } finally {
      if (terminal?.pid !== undefined && terminal.exitCode === null) {
        try {
          process.kill(-terminal.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  });
});
