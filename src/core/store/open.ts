import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../util/errors.js';
import { resolveCwtHome } from '../fs/paths.js';
import { MESSAGES } from '../../texts/messages.js';
import type { Store } from './store.js';

/** How long the hook path waits for a networked store: a hook must answer within Claude Code's timeout. */
const HOOK_CONNECT_TIMEOUT_MS = 1_500;
const HOOK_STATEMENT_TIMEOUT_MS = 2_000;

export interface OpenStoreOptions {
  /** Short connect and statement timeouts (a hook fails open rather than keep the agent waiting). */
  hook?: boolean;
  /**
   * The process exits after this one use and leaves SQLite to the exit (the command hook, the lean status and
   * append; see releaseStore): the WAL is kept short (SqliteStoreOptions.shortWal).
   */
  exiting?: boolean;
}

/** True for the values of CWT_STORE that select the PostgreSQL store. */
export function isPostgresUrl(value: string): boolean {
  return /^postgres(ql)?:\/\//.test(value);
}

/**
 * Opens the user's store: PostgreSQL when CWT_STORE holds a postgres:// URL, else SQLite under the state
 * dir. Each implementation (and its driver) loads only here.
 */
export async function openStore(env: NodeJS.ProcessEnv = process.env, options: OpenStoreOptions = {}): Promise<Store> {
  const url = env.CWT_STORE;
  if (url !== undefined && url !== '' && url !== 'sqlite') {
    if (!isPostgresUrl(url)) throw new UsageError(MESSAGES.storeUrlInvalid, { hint: MESSAGES.storeUrlHint });
    const { PostgresStore } = await import('./postgres.js');
    return new PostgresStore(url, options.hook ? { connectTimeoutMs: HOOK_CONNECT_TIMEOUT_MS, statementTimeoutMs: HOOK_STATEMENT_TIMEOUT_MS } : {});
  }
  const { SqliteStore } = await import('./sqlite.js');
  const store = new SqliteStore(resolveCwtHome(env), { shortWal: options.exiting === true });
  await settleCommitJournal(store, env);
  return store;
}

/**
 * Replays the commits git's post-commit shim journaled without Node (core/git/commitjournal.ts), so that
 * what is read next (tips, claims, the commit log) includes them. A stat and a readdir when there is nothing to
 * replay; a replay that fails leaves its entry for the next reader and is not this reader's error.
 * Long-lived readers (the hook servers) call it before each decision.
 */
export async function settleCommitJournal(store: Store, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (store.kind !== 'sqlite') return;
  const home = resolveCwtHome(env);
  const dir = join(home, 'commits');
  // A stat where git never journaled a commit: a failed readdir throws, which costs every hook more.
  if (!existsSync(dir)) return;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  if (!names.some((name) => name.startsWith('commit-'))) return;
  const { replayCommitJournal } = await import('../git/commitjournal.js');
  await replayCommitJournal(store, home, env).catch(() => {});
}

/**
 * Ends a process's use of the store. `exiting` (a hook answering and exiting, the lean status, append and new):
 * a database connection is closed, since its socket would keep the process alive, and SQLite is left open:
 * closing the last connection checkpoints the WAL (an fsync), and exiting without it is as safe as a crash is
 * for SQLite in WAL mode; a later commit checkpoints in time. Otherwise the store is closed.
 */
export async function releaseStore(store: Store | undefined, exiting = true): Promise<void> {
  if (!exiting) await store?.close();
  else if (store?.kind === 'postgres') await store.close().catch(() => {});
}
