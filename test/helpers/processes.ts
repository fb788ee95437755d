/** Finding this machine's processes through /proc, for tests that must see what other processes left running. */
import { readdirSync, readFileSync } from 'node:fs';

/** One process as /proc shows it; each part is read when asked (a process not ours has an unreadable environment). */
export interface ProcessView {
  pid: number;
  ppid(): number;
  argv(): string[];
  environ(): string[];
}

/**
 * The pids, other than this process's, that `match` accepts. A process that is gone meanwhile, or whose part
 * `match` asks for cannot be read, is not one; a zombie's argv and environment read empty.
 */
export function findProcesses(match: (process: ProcessView) => boolean): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const read = (part: string) => readFileSync(`/proc/${entry}/${part}`, 'utf8');
    const view: ProcessView = {
      pid: Number(entry),
      ppid: () => {
        const stat = read('stat');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      },
      argv: () => read('cmdline').split('\0'),
      environ: () => read('environ').split('\0'),
    };
    try {
      if (match(view)) found.push(view.pid);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}
