/**
 * Two or more machines, simulated in one sandbox: each has its own home, Claude home, state dir and host id
 * (CWT_HOST_ID) under <root>/<name>/, and a clone of a shared origin at <root>/<name>/src/app; they share
 * the sandbox's store (point it at PostgreSQL with createPostgresStoreUrl). All of them live on one disk, so
 * `hideMachine` takes one machine's directory away while another machine's command runs, as a real second
 * machine's disk would be absent.
 */
import { mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { Sandbox } from './env.js';
import { createRepo, git } from './git.js';

export interface Machine {
  name: string;
  root: string;
  home: string;
  cwtHome: string;
  claudeHome: string;
  /** The sandbox's env with this machine's home, state dir, Claude home and host id. */
  env: NodeJS.ProcessEnv;
}

/** One machine: its own home, Claude home, state dir and host id; the sandbox's store. */
export function createMachine(s: Sandbox, name: string): Machine {
  const root = join(s.root, name);
  const home = join(root, 'home');
  mkdirSync(home, { recursive: true });
  const cwtHome = join(root, 'state');
  const claudeHome = join(home, '.claude');
  return { name, root, home, cwtHome, claudeHome, env: { ...s.env, HOME: home, CWT_HOME: cwtHome, CWT_CLAUDE_HOME: claudeHome, CWT_HOST_ID: name } };
}

/** A clone of `origin` at <machine>/src/app, or (no origin) a fresh repository there. */
export function checkoutOn(machine: Machine, origin: string | undefined): string {
  const dir = join(machine.root, 'src', 'app');
  if (origin === undefined) return createRepo(dir);
  mkdirSync(join(machine.root, 'src'), { recursive: true });
  git(join(machine.root, 'src'), ['clone', '-q', origin, 'app']);
  git(dir, ['config', 'user.email', 'dev@example.com']);
  git(dir, ['config', 'user.name', 'Dev']);
  return dir;
}

/** Runs `fn` with `machine`'s directory moved away: seen from the other machines, its disk is not there. */
export async function hideMachine<T>(machine: Machine, fn: () => Promise<T>): Promise<T> {
  const away = `${machine.root}.away`;
  renameSync(machine.root, away);
  try {
    return await fn();
  } finally {
    renameSync(away, machine.root);
  }
}
