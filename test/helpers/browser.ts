/**
 * A real browser for the dashboard's tests and its README screenshot: Debian's chromium (CWT_CHROMIUM or
 * /usr/bin/chromium; .ci/run installs the package when missing), driven headless by playwright-core through its
 * executable path, nothing downloaded. --no-sandbox because CI runs as root, where chromium's sandbox cannot start.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { startCwt } from './cli.js';
import type { ChildProcess } from 'node:child_process';

export function getChromiumPath(): string {
  const candidates = [process.env.CWT_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((path): path is string => Boolean(path));
  const found = candidates.find((path) => existsSync(path));
  if (!found) throw new Error(`no chromium found (tried ${candidates.join(', ')}); install Debian's chromium package or set CWT_CHROMIUM`);
  return found;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: getChromiumPath(), headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}

/** Where tests leave screenshots: test-artifacts/ at the project root, ignored by git. */
export function getArtifactDir(): string {
  const dir = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function getArtifactPath(name: string): string {
  return join(getArtifactDir(), name);
}

export interface RunningDashboard {
  child: ChildProcess;
  url: string;
  port: number;
  stop(): Promise<number | null>;
}

/** Starts `cwt dashboard --json` as a real process and waits for its URL line. */
export async function startDashboard(args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<RunningDashboard> {
  const run = startCwt(['dashboard', '--json', ...args], { ...options, timeoutMs: 300_000 });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`cwt dashboard printed no URL; stderr:\n${err}`)), 20_000);
    run.child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    run.child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const newline = out.indexOf('\n');
      if (newline >= 0) {
        clearTimeout(timer);
        resolve(out.slice(0, newline));
      }
    });
    run.child.on('close', (code) => reject(new Error(`cwt dashboard exited (${code}); stderr:\n${err}`)));
  });
  const { url, port } = JSON.parse(line) as { url: string; port: number };
  return {
    child: run.child,
    url,
    port,
    stop: async () => {
      run.child.kill('SIGINT');
      return (await run.result).code;
    },
  };
}
