#!/usr/bin/env node
// Writes docs/dashboard.png, the README's picture of `cwt dashboard`: a throwaway sandbox (its own HOME, CWT_HOME
// and CWT_CLAUDE_HOME; nothing of yours is read or touched) with a repository, three `cwt new --no-launch`
// sessions and two plain tabs, driven through the real command hooks (prompts, edits, a denied edit, a
// notification, a stop), a real lock held, a real commit through cwt's git hooks and one milestone; then the
// same headless chromium as the browser tests (test/helpers/browser.ts) photographs the page. Run it with
// `npm run docs:screenshot` (it builds first).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CWT = join(ROOT, 'bin', 'cwt.js');
const OUT = join(ROOT, 'docs', 'dashboard.png');
const STEP_MS = Number(process.env.STEP_MS ?? 5000);

const sandbox = realpathSync(mkdtempSync(join(tmpdir(), 'demo-')));
const home = join(sandbox, 'home');
mkdirSync(home, { recursive: true });
const env = { ...process.env, HOME: home, CWT_HOME: join(sandbox, 'state'), CWT_CLAUDE_HOME: join(home, '.claude'), CWT_NO_USER_CONFIG: '1', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: join(home, '.gitconfig'), NO_COLOR: '1' };
for (const name of ['CWT_SESSION', 'CWT_STORE', 'CLAUDECODE', 'GIT_DIR', 'GIT_WORK_TREE']) delete env[name];
const git = (cwd, args) => execFileSync('git', args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] }).toString().trim();
const cwt = (cwd, args, extra = {}, input = '') => execFileSync(process.execPath, [CWT, ...args], { cwd, env: { ...env, ...extra }, input, stdio: ['pipe', 'pipe', 'pipe'] }).toString();
const children = [];

function hook(event, cwd, sessionId, payload) {
  cwt(cwd, ['hook', event], {}, JSON.stringify({ session_id: sessionId, cwd, hook_event_name: event, ...payload }));
}
const prompt = (cwd, id, text) => hook('user-prompt-submit', cwd, id, { prompt: text, permission_mode: 'default' });
const edit = (cwd, id, file) => {
  const path = join(cwd, file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `// ${file}\n`);
  hook('pre-tool-use', cwd, id, { tool_name: 'Edit', tool_input: { file_path: path, old_string: 'a', new_string: 'b' } });
  hook('post-tool-use', cwd, id, { tool_name: 'Edit', tool_input: { file_path: path, old_string: 'a', new_string: 'b' } });
};
const step = () => sleep(STEP_MS);

try {
  const repo = join(sandbox, 'shop');
  mkdirSync(join(repo, 'src'), { recursive: true });
  git(repo, ['init', '-q', '-b', 'main']);
  git(repo, ['config', 'user.name', 'Demo']);
  git(repo, ['config', 'user.email', 'demo@example.com']);
  writeFileSync(join(repo, 'README.md'), '# shop\n');
  writeFileSync(join(repo, 'src', 'cart.ts'), 'export {};\n');
  git(repo, ['add', '-A']);
  git(repo, ['commit', '-q', '-m', 'initial']);
  cwt(repo, ['install', '--git-hooks']);

  const sessions = {};
  for (const branch of ['feat/checkout', 'feat/search', 'fix/flaky-login']) {
    cwt(repo, ['new', branch, '--no-launch']);
  }
  for (const view of JSON.parse(cwt(repo, ['status', '--json']))) sessions[view.branch] = view;
  const checkout = sessions['feat/checkout'];
  const search = sessions['feat/search'];
  const flaky = sessions['fix/flaky-login'];

  prompt(checkout.worktree, 'c1', 'add a payment step to checkout');
  edit(checkout.worktree, 'c1', 'src/checkout/payment.ts');
  await step();
  prompt(search.worktree, 's1', 'search should rank by relevance');
  edit(search.worktree, 's1', 'src/search/rank.ts');
  await step();
  // A deploy lock, held by the checkout session while its command runs.
  const lock = spawn(process.execPath, [CWT, 'lock', 'deploy-staging', '--ttl', '10m', '--note', 'staging deploy of the payment step', '--', 'sleep', '600'], {
    cwd: checkout.worktree,
    env: { ...env, CWT_SESSION: checkout.id },
    stdio: 'ignore',
  });
  children.push(lock);
  prompt(flaky.worktree, 'f1', 'find why login.test.ts fails one run in ten');
  edit(flaky.worktree, 'f1', 'test/login.test.ts');
  await step();
  edit(search.worktree, 's1', 'src/search/index.ts');
  edit(checkout.worktree, 'c1', 'src/cart.ts');
  await step();
  // Two plain tabs on main reach for one file: the second is denied.
  prompt(repo, 'tab-a', 'update the README');
  edit(repo, 'tab-a', 'README.md');
  await step();
  prompt(repo, 'tab-b', 'document the search API');
  hook('pre-tool-use', repo, 'tab-b', { tool_name: 'Edit', tool_input: { file_path: join(repo, 'README.md'), old_string: 'a', new_string: 'b' } });
  await step();
  writeFileSync(join(search.worktree, 'src', 'search', 'rank.ts'), 'export const rank = 1;\n');
  git(search.worktree, ['add', '-A']);
  git(search.worktree, ['commit', '-q', '-m', 'search: rank by relevance']);
  await step();
  const { openStore } = await import(join(ROOT, 'dist', 'store.js'));
  const store = await openStore(env);
  await store.appendEvent({ kind: 'agent.milestone', session: search.id, data: { text: 'all 212 tests green' } });
  await store.close();
  hook('stop', search.worktree, 's1', { stop_hook_active: false, last_assistant_message: 'done' });
  edit(flaky.worktree, 'f1', 'src/auth/session.ts');
  await step();
  hook('notification', flaky.worktree, 'f1', { message: 'Claude needs your permission to use Bash', notification_type: 'permission_prompt' });
  hook('stop', repo, 'tab-a', { stop_hook_active: false, last_assistant_message: 'done' });
  await sleep(1500);

  const dashboard = spawn(process.execPath, [CWT, 'dashboard', '--json'], { cwd: repo, env, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(dashboard);
  const line = await new Promise((resolve, reject) => {
    let out = '';
    dashboard.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')));
    });
    dashboard.on('exit', (code) => reject(new Error(`cwt dashboard exited with ${code}`)));
  });
  const { url } = JSON.parse(line);
  const executablePath = [process.env.CWT_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => path && existsSync(path));
  if (!executablePath) throw new Error("no chromium: install Debian's chromium package or set CWT_CHROMIUM");
  const browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, colorScheme: process.env.SCHEME === 'dark' ? 'dark' : 'light' });
    await page.goto(url);
    await page.waitForFunction(() => document.querySelectorAll('[data-session]').length >= 5 && document.querySelector('#timeline svg'));
    await sleep(500);
    mkdirSync(dirname(OUT), { recursive: true });
    await page.screenshot({ path: OUT, fullPage: true });
    console.log(`wrote ${OUT}`);
  } finally {
    await browser.close();
  }
} finally {
  for (const child of children) child.kill('SIGINT');
  await sleep(500);
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(sandbox, { recursive: true, force: true });
}
