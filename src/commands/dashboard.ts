/**
 * `cwt dashboard [--port N] [--open] [--repo <dir> | --all] [--json]`: serves the live page of the store's
 * sessions on 127.0.0.1 (server/dashboard.ts) and prints its URL with a fresh access token. One repository's
 * sessions inside a repository (or --repo's), every repository's with --all or outside one. Runs until Ctrl-C.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { loadConfig } from '../core/config/load.js';
import { ensurePrivateDir } from '../core/fs/atomic.js';
import { resolveCwtHome } from '../core/fs/paths.js';
import { resolveRepo, resolveRepoIdentity } from '../core/git/git.js';
import { createLivenessProbe } from '../core/sessions/liveness.js';
import { getSessionState } from '../core/sessions/sessions.js';
import { openStore, settleCommitJournal } from '../core/store/open.js';
import type { EventRecord, SessionRecord } from '../core/store/store.js';
import { EnvironmentError, UsageError } from '../core/util/errors.js';
import { startDashboardServer } from '../server/dashboard.js';
import { createDashboardToken } from '../server/dashboardauth.js';
import { LATEST_KINDS, shapeDashboardState, type DashboardState } from '../server/dashboardstate.js';
import { DASHBOARD_MESSAGES } from '../texts/messages.js';
import { DASHBOARD_CSS, renderDashboardHtml } from '../ui/dashboard/assets.js';
import { createProcessOutput, type Output } from '../ui/output.js';
import { stringifyJsonSafely } from '../texts/sanitize.js';
import { toSessionView } from './status.js';

export interface DashboardOptions {
  port?: string;
  open?: boolean;
  repo?: string;
  all?: boolean;
  json?: boolean;
  /** Stops it (tests; SIGINT and SIGTERM otherwise). */
  signal?: AbortSignal;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  output?: Output;
}

/** The timeline's span. */
const WINDOW_MS = 3 * 60 * 60_000;
/** At most this many events of the window go to the page (the newest). */
const MAX_EVENTS = 1_500;

function parsePort(text: string | undefined): number {
  if (text === undefined) return 0;
  if (!/^\d{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65_535) throw new UsageError(DASHBOARD_MESSAGES.badPort(text), { hint: DASHBOARD_MESSAGES.badPortHint });
  return Number(text);
}

/** The page's script, built beside the CLI's bundle (scripts/build.mjs). */
function readPageScript(): string {
  const path = new URL('./dashboard-page.js', import.meta.url);
  if (!existsSync(path)) throw new EnvironmentError(DASHBOARD_MESSAGES.pageMissing(path.pathname), { hint: DASHBOARD_MESSAGES.pageMissingHint });
  return readFileSync(path, 'utf8');
}

/**
 * Opens the default browser on the URL without putting the token on a command line (which any local user
 * could read in the process list): the opener gets a file, mode 600 in the state dir, that redirects to it.
 */
function openBrowser(url: string, cwtHome: string, port: number, output: Output): string {
  const dir = ensurePrivateDir(join(cwtHome, 'dashboard'));
  const file = join(dir, `open-${port}.html`);
  const escaped = url.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  writeFileSync(file, `<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${escaped}"><title>cwt dashboard</title>\n`, { mode: 0o600 });
  const opener = process.platform === 'darwin' ? 'open' : 'xdg-open';
  try {
    const child = spawn(opener, [file], { stdio: 'ignore', detached: true });
    child.on('error', (error) => output.stderr(DASHBOARD_MESSAGES.openFailed(`${opener}: ${error.message}`)));
    child.on('exit', (code) => {
      if (code !== 0 && code !== null) output.stderr(DASHBOARD_MESSAGES.openFailed(`${opener} exited with ${code}`));
    });
    child.unref();
  } catch (error) {
    output.stderr(DASHBOARD_MESSAGES.openFailed(error instanceof Error ? error.message : String(error)));
  }
  return file;
}

export async function runDashboard(options: DashboardOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const output = options.output ?? createProcessOutput();
  if (options.repo !== undefined && options.all) throw new UsageError(DASHBOARD_MESSAGES.repoAndAll, { hint: DASHBOARD_MESSAGES.repoAndAllHint });
  const port = parsePort(options.port);
  // --repo must be a repository (its error says so); without it, the one here if any.
  const repo = options.all ? undefined : options.repo !== undefined ? await resolveRepo(resolve(cwd, options.repo), env) : await resolveRepo(cwd, env).catch(() => undefined);
  const repoKey = repo ? await resolveRepoIdentity(repo.commonDir) : undefined;
  const scope = repo ? DASHBOARD_MESSAGES.scopeRepo(basename(repo.mainWorktree)) : DASHBOARD_MESSAGES.scopeAll;
  const config = loadConfig({ repoRoot: repo?.mainWorktree, env });
  const js = readPageScript();
  const store = await openStore(env);
  let openedFile: string | undefined;
  try {
    const loadState = async (): Promise<DashboardState> => {
      // Commits git's post-commit shim journaled without Node are recorded first, so the page shows them.
      await settleCommitJournal(store, env);
      const probe = createLivenessProbe(config.sessionTtlMs, env);
      const now = probe.now;
      // Ended sessions stay on the page while their lane is still inside the timeline's window.
      const sessions = (await store.listSessions({ repoKey, includeEnded: true })).filter((session) => session.state !== 'ended' || (session.endedAt ?? 0) >= now - WINDOW_MS);
      const ids = new Set(sessions.map((session) => session.id));
      const repos = new Set(sessions.map((session) => session.repo));
      const ours = (event: EventRecord) => repoKey === undefined || (event.session !== null ? ids.has(event.session) : event.repo !== null && repos.has(event.repo));
      const [leases, tasks, claims, locks, handoffs, events, latest] = await Promise.all([
        store.listLeases(),
        store.listTasks({ state: 'claimed' }),
        store.listClaims(),
        store.listLocks(),
        store.listHandoffs({ state: 'open' }),
        store.listEvents({ sinceAt: now - WINDOW_MS, limit: MAX_EVENTS, newest: true }),
        store.listEvents({ kinds: [...new Set(Object.values(LATEST_KINDS).flat())], limit: 200, newest: true }),
      ]);
      const of = <T extends { session: string }>(rows: T[], session: SessionRecord) => rows.filter((row) => row.session === session.id);
      return shapeDashboardState({
        now,
        windowMs: WINDOW_MS,
        scope,
        store: { kind: store.kind, location: store.location },
        sessions: sessions.map((record) => ({
          record,
          view: toSessionView(record, getSessionState(record, probe), of(leases, record), tasks.filter((task) => task.ownerSession === record.id)),
        })),
        claims: claims.filter((claim) => ids.has(claim.session)),
        locks,
        handoffs: handoffs.filter((handoff) => repoKey === undefined || handoff.repo === null || repos.has(handoff.repo) || (handoff.fromSession !== null && ids.has(handoff.fromSession))),
        events: events.filter(ours),
        latest: latest.filter(ours),
      });
    };
    const server = await startDashboardServer({
      port,
      token: createDashboardToken(),
      store,
      loadState,
      assets: { html: renderDashboardHtml(), css: DASHBOARD_CSS, js },
      onError: (error) => output.stderr(DASHBOARD_MESSAGES.storeFailed(error instanceof Error ? error.message : String(error))),
    }).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new EnvironmentError(DASHBOARD_MESSAGES.portBusy(port), { hint: DASHBOARD_MESSAGES.portBusyHint });
      throw error;
    });
    // One line, so a script can read it as soon as it is printed.
    if (options.json) output.stdout(stringifyJsonSafely({ url: server.url, port: server.port, scope }));
    else output.stdout(DASHBOARD_MESSAGES.listening(server.url, scope));
    if (options.open) openedFile = openBrowser(server.url, resolveCwtHome(env), server.port, output);

    await new Promise<void>((resolveStop) => {
      const stop = () => resolveStop();
      if (options.signal?.aborted) return resolveStop();
      options.signal?.addEventListener('abort', stop, { once: true });
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await server.close();
    return 0;
  } finally {
    if (openedFile) rmSync(openedFile, { force: true });
    await store.close();
  }
}
