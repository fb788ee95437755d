import { readFileSync } from 'node:fs';

/** This machine's identity for liveness: pids are only comparable on the same host. CWT_HOST_ID overrides. */
export function getHostId(env: NodeJS.ProcessEnv = process.env): string {
  return env.CWT_HOST_ID && env.CWT_HOST_ID !== '' ? env.CWT_HOST_ID : getHostname();
}

/** How long a process goes on with the host name it read: a tool-call decision asks for it twice. */
const HOSTNAME_KEEP_MS = 1_000;
let hostname: { name: string; at: number } | undefined;

/**
 * os.hostname(), which is the kernel's node name: read from /proc on Linux, since loading node:os costs every
 * hook, status and append ~0.2 ms (measured) for this one call. Elsewhere (or without /proc) from node:os. Kept
 * for HOSTNAME_KEEP_MS, so that a long-lived process (cwt serve, cwt mcp) follows a renamed machine.
 */
function getHostname(): string {
  const now = Date.now();
  if (hostname !== undefined && now >= hostname.at && now - hostname.at < HOSTNAME_KEEP_MS) return hostname.name;
  let name = '';
  try {
    name = readFileSync('/proc/sys/kernel/hostname', 'utf8').trim();
  } catch {
    // Not Linux, or no /proc.
  }
  if (name === '') name = process.getBuiltinModule('node:os').hostname();
  hostname = { name, at: now };
  return name;
}

interface ProcStat {
  comm: string;
  state: string;
  ppid: number;
  /** When the process started, in clock ticks since boot. */
  startTicks: string;
}

/** /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces and parentheses. Linux only. */
function readProcStat(pid: number): ProcStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    // Fields 3 (state), 4 (ppid) and 22 (starttime) of proc(5), counted from the one after comm.
    const fields = stat.slice(close + 2).split(' ');
    return { comm: stat.slice(stat.indexOf('(') + 1, close), state: fields[0]!, ppid: Number(fields[1]), startTicks: fields[19]! };
  } catch {
    return undefined;
  }
}

/**
 * True when a zombie: killed, but not yet reaped by its parent (an orphan waits for whoever adopts it).
 * `kill(pid, 0)` still succeeds on one, yet it will never run again. Linux only; elsewhere false.
 */
function isZombie(pid: number): boolean {
  const state = readProcStat(pid)?.state;
  return state === 'Z' || state === 'X';
}

/** When a process started (clock ticks since boot, /proc/<pid>/stat field 22), when it runs and is not a zombie. Linux only. */
export function getProcessStartTicks(pid: number): string | undefined {
  const stat = readProcStat(pid);
  return stat && stat.state !== 'Z' && stat.state !== 'X' ? stat.startTicks : undefined;
}

let bootId: string | undefined;

/**
 * Who a running process is, beyond its pid, which is reused (after a reboot, or once pids wrap around): this
 * boot's id and the process's start time. From /proc; undefined off Linux or when the process is gone.
 */
export function getProcessIdentity(pid: number): string | undefined {
  const stat = readProcStat(pid);
  if (!stat) return undefined;
  try {
    bootId ??= readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return undefined;
  }
  return `${bootId}/${stat.startTicks}`;
}

/** The parent of a process, from /proc; undefined off Linux or when it is gone. */
export function getParentPid(pid: number): number | undefined {
  return readProcStat(pid)?.ppid;
}

const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh', 'fish']);

/**
 * The process that started this one, looking past a shell that merely ran our command line: for a hook,
 * the agent itself, whose life is the adopted session's life. Falls back to the parent off Linux.
 */
export function getCallerPid(): number {
  let pid = process.ppid;
  for (let hops = 0; hops < 3; hops++) {
    const stat = readProcStat(pid);
    if (!stat || !SHELLS.has(stat.comm) || stat.ppid <= 1) break;
    pid = stat.ppid;
  }
  return pid;
}

/** True when a process with this pid runs on this machine (EPERM: it exists but is not ours; zombies are dead). */
export function isPidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

export interface LivenessProbe {
  now: number;
  host: string;
  ttlMs: number;
  isPidAlive: (pid: number) => boolean;
}

export function createLivenessProbe(ttlMs: number, env: NodeJS.ProcessEnv = process.env): LivenessProbe {
  return { now: Date.now(), host: getHostId(env), ttlMs, isPidAlive };
}

/**
 * Liveness rule shared by sessions and locks: alive while its process is alive on this host, or while its
 * heartbeat is younger than the TTL. A pid on another host cannot be probed, so only the heartbeat counts.
 */
export function isHolderAlive(
  holder: { pid: number | null; host: string; heartbeatAt: number },
  ttlMs: number,
  probe: LivenessProbe,
): boolean {
  // The heartbeat first: it costs nothing, while probing a pid is a kill(2) and a read of /proc (a zombie check).
  if (probe.now - holder.heartbeatAt < ttlMs) return true;
  return holder.pid !== null && holder.host === probe.host && probe.isPidAlive(holder.pid);
}
