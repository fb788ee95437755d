/**
 * Running Claude Code processes, from /proc (Linux; elsewhere none are found): for `cwt doctor`, which
 * reports the ones no cwt session accounts for.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';
import { getParentPid } from './liveness.js';

export interface AgentProcess {
  pid: number;
  ppid: number | undefined;
  /** Its working directory; undefined when it cannot be read (another user's process). */
  cwd: string | undefined;
  /** $CWT_SESSION in its environment, when readable and set. */
  cwtSession: string | undefined;
}

/** True for the command line of a Claude Code CLI process: the native `claude`, or node running its cli.js. Pure. */
export function isClaudeCommandLine(argv: readonly string[]): boolean {
  const [first = '', second = ''] = argv;
  const name = basename(first);
  if (name === 'claude' || name === 'claude.exe') return true;
  return (name === 'node' || name === 'bun') && /(?:^|\/)(?:claude|claude-code\/cli\.js|claude-code\/bin\/claude\.exe)$/.test(second);
}

function readNulList(path: string): string[] | undefined {
  try {
    return readFileSync(path, 'utf8').split('\0').filter((field) => field !== '');
  } catch {
    return undefined;
  }
}

/** Claude Code processes running on this machine (this user's are fully described; others' have no cwd). */
export function listClaudeProcesses(): AgentProcess[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const found: AgentProcess[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const argv = readNulList(`/proc/${entry}/cmdline`);
    if (!argv || !isClaudeCommandLine(argv)) continue;
    const pid = Number(entry);
    let cwd: string | undefined;
    try {
      cwd = readlinkSync(`/proc/${entry}/cwd`);
    } catch {
      cwd = undefined;
    }
    const session = readNulList(`/proc/${entry}/environ`)?.find((pair) => pair.startsWith('CWT_SESSION='));
    found.push({ pid, ppid: getParentPid(pid), cwd, cwtSession: session?.slice('CWT_SESSION='.length) || undefined });
  }
  return found;
}
