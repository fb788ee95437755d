/**
 * Test sandboxes: every test gets its own HOME, CWT_HOME and CWT_CLAUDE_HOME under a temporary root, so no
 * test ever touches the developer's real ~/.claude or state dir, and no user config is read.
 */
import { mkdtempSync, mkdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findProcesses } from './processes.js';
import { sleepSync } from './wait.js';

export interface Sandbox {
  root: string;
  home: string;
  cwtHome: string;
  claudeHome: string;
  env: NodeJS.ProcessEnv;
  cleanup(): void;
}

/** Variables of the outer environment that would leak the developer's or CI's state into a test. */
const LEAKY = ['CWT_SESSION', 'CWT_STORE', 'CWT_HOST_ID', 'CWT_DEBUG', 'CWT_FAILPOINT', 'CWT_AGENT', 'CWT_WORKTREE_DIR', 'CWT_SESSION_TTL', 'CWT_MERGE_ENGINE', 'XDG_STATE_HOME', 'XDG_CONFIG_HOME', 'GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'CLAUDECODE', 'CLAUDE_CODE_SESSION_ID', 'CLAUDE_PROJECT_DIR', 'CWT_FASTPATH', 'CWT_FASTPATH_IDLE_MS'];

export function createSandbox(prefix = 'cwt-test-'): Sandbox {
  // realpath: macOS-style /tmp symlinks would make git report different paths than we computed.
  const root = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  const home = join(root, 'home');
  const cwtHome = join(root, 'state');
  const claudeHome = join(home, '.claude');
  mkdirSync(home, { recursive: true });
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of LEAKY) delete env[name];
  Object.assign(env, {
    HOME: home,
    CWT_HOME: cwtHome,
    CWT_CLAUDE_HOME: claudeHome,
    CWT_NO_USER_CONFIG: '1',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: join(home, '.gitconfig'),
    NO_COLOR: '1',
  });
  return {
    root,
    home,
    cwtHome,
    claudeHome,
    env,
    cleanup: () => {
      stopSandboxProcesses([`HOME=${home}`, `CWT_HOME=${cwtHome}`]);
      // A process that ends while the tree is removed may still drop a file into it (ENOTEMPTY): try again.
      rmSync(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    },
  };
}

/** Ends the per-user fast path a test's `cwt install` or hooks started (its pid file names it), if it runs; signal 0 only probes. */
export function stopFastPath(cwtHome: string, signal: NodeJS.Signals | 0 = 'SIGTERM'): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(join(cwtHome, 'fastpath.pid'), 'utf8').trim().split(' ')[0]);
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, signal);
  } catch {
    return undefined;
  }
  return pid;
}

/**
 * The live processes, other than this one, whose environment holds one of `markers` (`HOME=<a sandbox's home>`):
 * whatever a test started with its sandbox's environment.
 */
const findSandboxProcesses = (markers: string[]) => findProcesses((candidate) => markers.some((marker) => candidate.environ().includes(marker)));

/**
 * Ends what a test left running in its sandbox before the sandbox is removed, so nothing writes into a tree
 * being deleted: a fast-path service still starting (its pid file empty) or stopping, a claude under script(1)
 * that outlives the terminal killed around it. Those get SIGTERM; what they start on the way out (the hook of
 * a SessionEnd) is left to finish. Whatever is still there after 3 s gets SIGKILL, and is waited for.
 */
function stopSandboxProcesses(markers: string[]): void {
  const signal = (pids: number[], name: NodeJS.Signals) => {
    for (const pid of pids) {
      try {
        process.kill(pid, name);
      } catch {
        // gone meanwhile
      }
    }
  };
  const waitUntilGone = (ms: number) => {
    const deadline = Date.now() + ms;
    let left = findSandboxProcesses(markers);
    for (; left.length > 0 && Date.now() < deadline; left = findSandboxProcesses(markers)) sleepSync(20);
    return left;
  };
  signal(findSandboxProcesses(markers), 'SIGTERM');
  signal(waitUntilGone(3_000), 'SIGKILL');
  waitUntilGone(2_000);
}
