/**
 * `cwt merge-memory` runs while the agent is still writing its notes. A writer child process rewrites one note
 * in a loop the way an editor without atomic saves does (truncate, first half, a pause, second half) while
 * several merges run: canonical memory must only ever hold versions the writer completed, and once the writer
 * stops, the last merge brings its last version in (nothing lost). A torn note that kept still for the whole
 * quiet window is, by the contract, a written one: a loaded machine can stall the writer mid-version that long,
 * so the writer logs every version that took it longer than the window, and only a merge that ran during one of
 * those is excused a torn result.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Scenario } from '../helpers/scenario.js';
import { readText, startSession, useMemoryScenario } from '../helpers/memory.js';
import { DEFAULT_QUIET_MS } from '../../src/core/memory/snapshot.js';
import { MESSAGES } from '../../src/texts/messages.js';

const fixture = useMemoryScenario({ 'MEMORY.md': '# Memory\n- [Notes](notes.md): what the agent learnt\n', 'notes.md': '# Notes\n\nversion 0 complete\n' });
let s: Scenario;
let canonical: string;
beforeEach(() => ({ s, canonical } = fixture));

/** Version n as the writer writes it: its halves are recognisable, so a torn read is plain to see. */
const BODY = 'learnt something worth keeping\n'.repeat(40);
const versionText = (n: number) => `# Notes\n\nversion ${n} begins\n${BODY}version ${n} complete\n`;

/**
 * The writer: rewrites `path` non-atomically, version after version, pausing mid-write (`midMs`) and between
 * versions (a varying wait up to `betweenMs`), until `stopFile` appears; then it prints the last version. A
 * version whose writing (from the truncating open to the last write) took `stallMs` or longer is logged to
 * `stallLog` as `start end` (wall-clock ms): while it lasted, the torn file may have kept still that long.
 */
const WRITER = `
const { openSync, writeSync, closeSync, existsSync, appendFileSync } = require('node:fs');
const [path, stopFile, midMs, betweenMs, body, stallLog, stallMs] = process.argv.slice(1);
const text = (n) => '# Notes\\n\\nversion ' + n + ' begins\\n' + body + 'version ' + n + ' complete\\n';
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
let n = 0;
while (!existsSync(stopFile)) {
  n++;
  const data = Buffer.from(text(n));
  const half = Math.floor(data.length / 2);
  const start = Date.now();
  const fd = openSync(path, 'w');
  writeSync(fd, data, 0, half);
  sleep(Number(midMs));
  writeSync(fd, data, half, data.length - half);
  const end = Date.now();
  closeSync(fd);
  if (end - start >= Number(stallMs)) appendFileSync(stallLog, start + ' ' + end + '\\n');
  sleep((n % 3) * Number(betweenMs) / 2);
}
process.stdout.write(String(n));
`;

interface Writer {
  /** The last version written, once the writer has stopped. */
  last: Promise<number>;
  /** Settles when the writer has exited, however it ended. */
  exited: Promise<void>;
  /** The stretches (wall-clock ms) in which a version took the writer at least the quiet window. */
  stalls(): { start: number; end: number }[];
}

function startWriter(path: string, stopFile: string, midMs: number, betweenMs: number): Writer {
  const stallLog = `${stopFile}.stalls`;
  writeFileSync(stallLog, '');
  // Timestamps are coarser than the clock: a file may look a few ms older than it is.
  const stallMs = DEFAULT_QUIET_MS - 20;
  const child: ChildProcess = spawn(process.execPath, ['-e', WRITER, path, stopFile, String(midMs), String(betweenMs), BODY, stallLog, String(stallMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const code = new Promise<number | null>((resolve) => child.on('close', resolve));
  const last = code.then((exit) => (exit === 0 ? Number(out) : Promise.reject(new Error(`writer exited ${exit}`))));
  last.catch(() => undefined); // awaited where it matters; a test that failed first stops it without this rejection
  const stalls = () =>
    readFileSync(stallLog, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [start, end] = line.split(' ').map(Number);
        return { start: start!, end: end! };
      });
  return { last, exited: code.then(() => undefined), stalls };
}

/** A complete version's number, or undefined for anything else (a torn file). */
function completeVersion(text: string): number | undefined {
  const match = /version (\d+) complete\n$/.exec(text);
  if (match === null) return undefined;
  const n = Number(match[1]);
  return n === 0 ? (text === '# Notes\n\nversion 0 complete\n' ? 0 : undefined) : text === versionText(n) ? n : undefined;
}

describe('merge-memory while the agent writes a note', () => {
  it('canonical only ever holds complete versions, and the last one arrives once the writer stops', async () => {
    const session = await startSession(s, 'feat/notes');
    const note = join(session.memoryDir, 'notes.md');
    const stopFile = join(s.root, 'stop-writer');
    const writer = startWriter(note, stopFile, 40, 300);
    const seen: number[] = [];
    const torn: { merge: number; start: number; end: number; text: string }[] = [];
    try {
      for (let merge = 0; merge < 8; merge++) {
        const start = Date.now();
        const result = await s.cwt(['merge-memory', session.id, '--json']);
        const end = Date.now();
        expect(result.stderr).not.toContain('cwt:');
        expect(result.code).toBe(0);
        const text = readText(canonical, 'notes.md');
        const version = completeVersion(text);
        if (version === undefined) torn.push({ merge, start, end, text });
        else seen.push(version);
      }
    } finally {
      writeFileSync(stopFile, '');
      await writer.exited;
    }
    const last = await writer.last;
    // A torn note in canonical memory is excused only where the writer itself held one still for the window.
    const stalls = writer.stalls();
    for (const { merge, start, end, text } of torn) {
      const during = stalls.some((stall) => stall.start <= end && stall.end >= start);
      expect(during, `merge ${merge} left a torn notes.md in canonical memory (${text.length} bytes, ending ${JSON.stringify(text.slice(-40))}); the writer's stalls: ${JSON.stringify(stalls)}`).toBe(true);
    }
    const final = await s.cwt(['merge-memory', session.id, '--json']);
    expect(final.code).toBe(0);
    expect(JSON.parse(final.stdout)).toMatchObject({ unsettled: [], conflicts: [] });
    // Nothing lost: the writer's last version is canonical now, and the index is intact.
    expect(readText(canonical, 'notes.md')).toBe(versionText(last));
    expect(readText(canonical, 'MEMORY.md')).toBe('# Memory\n- [Notes](notes.md): what the agent learnt\n');
    // The merges ran while the writer wrote, and some of them merged a version it had completed.
    expect(seen.some((version) => version > 0)).toBe(true);
    expect(existsSync(join(session.memoryDir, 'notes.md.conflict.md'))).toBe(false);
  });

  it('a note that keeps changing is reported and left for the next merge', async () => {
    const session = await startSession(s, 'feat/busy');
    const note = join(session.memoryDir, 'notes.md');
    const stopFile = join(s.root, 'stop-writer');
    // Never quiet: at most 20 ms between writes.
    const writer = startWriter(note, stopFile, 10, 20);
    try {
      // Wait for the writer's first version so the note is changing when the merge reads it.
      while (!existsSync(note) || !readFileSync(note, 'utf8').includes('version 1')) await new Promise((resolve) => setTimeout(resolve, 10));
      const result = await s.cwt(['merge-memory', session.id]);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(MESSAGES.mergeUnsettled(note));
      expect(readText(canonical, 'notes.md')).toBe('# Notes\n\nversion 0 complete\n');
    } finally {
      writeFileSync(stopFile, '');
      await writer.exited;
    }
    const last = await writer.last;
    expect((await s.cwt(['merge-memory', session.id])).code).toBe(0);
    expect(readText(canonical, 'notes.md')).toBe(versionText(last));
  });
});
