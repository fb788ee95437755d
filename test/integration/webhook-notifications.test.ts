/**
 * The webhook, against a local HTTP server on 127.0.0.1: sessions starting, ending and waiting for their user,
 * denied edits and a lock takeover are posted as Slack-style {"text": …}, by a background sender (the hook
 * answers without waiting for it); messages about one file are throttled; a failing endpoint is retried a
 * bounded number of times and the failure logged; the URL is never printed, and a config file readable by
 * others is warned about. Text from branch and file names is escaped, so it cannot mention anyone.
 */
import { spawn } from 'node:child_process';
import { chmodSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CWT_BIN, runCwt, waitForStderr } from '../helpers/cli.js';
import { createTab, getDenyReason } from '../helpers/hooks.js';
import { writeFile } from '../helpers/git.js';
import { createScenario, type Scenario } from '../helpers/scenario.js';

interface Receiver {
  url: string;
  posts: { path: string; body: { text?: string }; contentType: string | undefined }[];
  /** Status codes to answer with, in order; 200 once used up. */
  statuses: number[];
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const posts: Receiver['posts'] = [];
  const statuses: number[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      posts.push({ path: req.url ?? '', body: JSON.parse(body) as { text?: string }, contentType: req.headers['content-type'] });
      res.writeHead(statuses.shift() ?? 200).end('ok');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/services/T000/B000/SECRET-TOKEN-abc123`,
    posts,
    statuses,
    close: () => new Promise((resolvePromise) => server.close(() => resolvePromise())),
  };
}

/** Waits until `predicate` holds for the posts received (the sender runs in the background). */
async function waitForPosts(receiver: Receiver, predicate: (texts: string[]) => boolean, what: string): Promise<string[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const texts = receiver.posts.map((post) => post.body.text ?? '');
    if (predicate(texts)) return texts;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; received:\n${texts.join('\n')}`);
    await sleep(100);
  }
}

let s: Scenario;
let receiver: Receiver;
beforeEach(async () => {
  s = createScenario();
  receiver = await startReceiver();
});
afterEach(async () => {
  await receiver.close();
  s.cleanup();
});

describe('webhook notifications', () => {
  it('posts session start and end, denied edits (throttled per file) and a lock takeover; never prints the URL', { timeout: 120_000 }, async () => {
    // `set -` reads the URL from stdin: it stays out of shell history and the process list.
    const configured = await runCwt(['notify', 'set', '-', '--throttle', '60s'], { cwd: s.repo, env: s.env, input: `${receiver.url}\n` });
    expect(configured.code, configured.stderr).toBe(0);
    expect(configured.stdout + configured.stderr).not.toContain('SECRET-TOKEN');
    const configPath = join(s.home, '.config', 'cwt', 'notify.json');
    expect(statSync(configPath).mode & 0o777).toBe(0o600);

    const created = await s.cwt(['new', 'feat/a', '--no-launch', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const session = JSON.parse(created.stdout) as { id: string };
    await waitForPosts(receiver, (texts) => texts.some((text) => text.includes(`${session.id} (feat/a, repo): started a session on feat/a`)), 'session start');
    expect(receiver.posts[0]!.contentType).toBe('application/json');
    expect(receiver.posts[0]!.path).toBe('/services/T000/B000/SECRET-TOKEN-abc123');

    // Two plain tabs in the main checkout: B's edits of A's files are denied (deny mode: every time).
    const env = { ...s.env, CWT_CLAIM_MODE: 'deny' };
    const tabA = createTab('claude-tab-a', s.repo, env);
    const tabB = createTab('claude-tab-b', s.repo, env);
    const x = writeFile(s.repo, 'src/x.ts', 'x\n');
    const y = writeFile(s.repo, 'src/y.ts', 'y\n');
    expect(getDenyReason(await tabA.write(x))).toBeUndefined();
    expect(getDenyReason(await tabA.write(y))).toBeUndefined();
    for (let i = 0; i < 3; i++) expect(getDenyReason(await tabB.write(x))).toBeDefined();
    expect(getDenyReason(await tabB.write(y))).toBeDefined();
    const texts = await waitForPosts(receiver, (all) => all.filter((text) => text.includes('was denied an edit')).length >= 2, 'two denials');
    await sleep(1500);
    const denials = receiver.posts.map((post) => post.body.text ?? '').filter((text) => text.includes('was denied an edit'));
    // One per file within the throttle window: x once (two more held back), y once.
    expect(denials.filter((text) => text.includes(x))).toHaveLength(1);
    expect(denials.filter((text) => text.includes(y))).toHaveLength(1);
    expect(texts.join('\n')).toContain('a Claude Code tab joined (adopted)');

    // A lock whose holder was killed -9 is taken over.
    const holder = spawn(process.execPath, [CWT_BIN, 'lock', 'deploy', '--', 'sleep', '30'], { cwd: s.repo, env: s.env, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    await waitForStderr(holder, (text) => text.includes("holding lock 'deploy'"));
    process.kill(-holder.pid!, 'SIGKILL');
    await once(holder, 'close');
    expect((await s.cwt(['lock', 'deploy', '--', 'true'])).code).toBe(0);
    await waitForPosts(receiver, (all) => all.some((text) => text.includes(`took over stale lock deploy from ${holder.pid}@`)), 'lock takeover');

    expect((await s.cwt(['end', session.id, '--no-merge'])).code).toBe(0);
    await waitForPosts(receiver, (all) => all.some((text) => text.includes(`${session.id} (feat/a, repo): session ended`)), 'session end');
    for (const post of receiver.posts) expect(post.body.text!.startsWith('[cwt] ')).toBe(true);

    // Nowhere does cwt print the URL: not in status, not in the log.
    const status = await s.cwt(['notify', 'status', '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ configured: true, scheme: 'http', pending: false, fileReadableByOthers: false });
    const log = await s.cwt(['log', '--json', '--limit', '500']);
    for (const text of [status.stdout, status.stderr, log.stdout]) expect(text).not.toContain('SECRET-TOKEN');

    chmodSync(configPath, 0o644);
    const exposed = await s.cwt(['notify', 'status']);
    expect(exposed.stderr).toContain(`WARNING: ${configPath} is readable by other users`);
    expect(exposed.stdout + exposed.stderr).not.toContain('SECRET-TOKEN');
  });

  it('says when a session waits for you, once per session and throttle window; idle and work post nothing', { timeout: 60_000 }, async () => {
    expect((await s.cwt(['notify', 'set', receiver.url, '--throttle', '60s'])).code).toBe(0);
    const tab = createTab('claude-waits', s.repo, s.env);
    const other = createTab('claude-other', s.repo, s.env);
    await tab.prompt('deploy it');
    await tab.notify('permission_prompt');
    const [session] = await s.sessions();
    const waiting = `[cwt] session ${session!.id} on main is waiting for you (a permission prompt)`;
    await waitForPosts(receiver, (texts) => texts.includes(waiting), 'the waiting message');
    // It goes on and waits again within the window: held back. Another tab waiting has a window of its own.
    await tab.prompt('yes');
    await tab.notify('permission_prompt');
    await tab.stop();
    await other.prompt('hello');
    await other.notify('idle_prompt');
    const ids = (await s.sessions()).map((view) => view.id);
    const otherId = ids.find((id) => id !== session!.id)!;
    await waitForPosts(receiver, (texts) => texts.some((text) => text.includes(`session ${otherId} on main is waiting for you (for input)`)), 'the other tab waiting');
    await sleep(1500);
    const texts = receiver.posts.map((post) => post.body.text ?? '');
    expect(texts.filter((text) => text.includes(`session ${session!.id} on main is waiting`))).toHaveLength(1);
    expect(texts.join('\n')).not.toMatch(/idle|working/);
    const events = (await s.cwt(['log', '--json', '--limit', '500'])).stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { kind: string; session: string });
    // The events are there once per change, the notifier only decides what interrupts someone.
    expect(events.filter((event) => event.kind === 'session.waiting').map((event) => event.session)).toEqual([session!.id, session!.id, otherId]);
    expect(events.filter((event) => event.kind === 'session.idle').map((event) => event.session)).toEqual([session!.id]);
  });

  it('escapes Slack markup, so a branch or file name cannot mention the channel', { timeout: 60_000 }, async () => {
    expect((await s.cwt(['notify', 'set', receiver.url])).code).toBe(0);
    // git accepts both as a branch name.
    expect((await s.cwt(['new', 'feat/<!channel>', '--no-launch'])).code).toBe(0);
    expect((await s.cwt(['new', 'fix/<@U024BE7LH>&@here', '--no-launch'])).code).toBe(0);
    const texts = await waitForPosts(receiver, (all) => all.filter((text) => text.includes('started a session on')).length === 2, 'two session starts');
    expect(texts.join('\n')).toContain('started a session on feat/&lt;!channel&gt;');
    expect(texts.join('\n')).toContain('started a session on fix/&lt;@U024BE7LH&gt;&amp;@\u200bhere');
    for (const text of texts) expect(text).not.toMatch(/<[!@]/);
  });

  it('retries a failing endpoint a bounded number of times, then logs the failure without the URL', { timeout: 60_000 }, async () => {
    expect((await s.cwt(['notify', 'set', receiver.url])).code).toBe(0);
    // The first message fails once and then goes through; the second fails every time.
    receiver.statuses.push(503);
    expect((await s.cwt(['new', 'feat/a', '--no-launch'])).code).toBe(0);
    await waitForPosts(receiver, (texts) => texts.filter((text) => text.includes('started a session on feat/a')).length === 2, 'a retried post');

    receiver.statuses.push(500, 500, 500, 500, 500);
    const sent = receiver.posts.length;
    expect((await s.cwt(['new', 'feat/b', '--no-launch'])).code).toBe(0);
    const deadline = Date.now() + 20_000;
    let failure: { data: { error: string } } | undefined;
    while (!failure && Date.now() < deadline) {
      await sleep(200);
      const lines = (await s.cwt(['log', '--json'])).stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line));
      failure = lines.find((event) => event.kind === 'notify.failed');
    }
    expect(failure, 'a notify.failed event').toBeDefined();
    expect(failure!.data.error).toBe('HTTP 500');
    // Three attempts (one try, two retries), no more.
    expect(receiver.posts.length - sent).toBe(3);
    expect(JSON.stringify(failure)).not.toContain('SECRET-TOKEN');
    const status = JSON.parse((await s.cwt(['notify', 'status', '--json'])).stdout);
    expect(status.lastFailure).toMatchObject({ error: 'HTTP 500' });
  });
});
