/**
 * On a terminal, `cwt merge-memory` asks per conflict: keep canonical, take the session's, keep both, open
 * $EDITOR, or leave it for later. A real pseudo-terminal (script(1)) runs the built CLI; keys are sent once the
 * question is on the screen.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CWT_BIN } from '../helpers/cli.js';
import type { Scenario } from '../helpers/scenario.js';
import { readText, startSession, useMemoryScenario, writeFiles, type TestSession } from '../helpers/memory.js';
import { MESSAGES } from '../../src/texts/messages.js';

const HAS_SCRIPT = spawnSync('script', ['--version']).status === 0;
const DOWN = '\u001b[B';
const ENTER = '\r';

const fixture = useMemoryScenario({ 'a.md': 'one\ntwo\nthree\n' });
let s: Scenario;
let canonical: string;
let session: TestSession;
beforeEach(async () => {
  ({ s, canonical } = fixture);
  session = await startSession(s, 'feat/tty');
  writeFiles(session.memoryDir, { 'a.md': 'one\nTWO (session)\nthree\n' });
  writeFiles(canonical, { 'a.md': 'one\nTWO (canonical)\nthree\n' });
});

const quote = (arg: string) => `'${arg.replaceAll("'", `'\\''`)}'`;

/** Runs cwt on a pseudo-terminal and answers the question with `keys`; resolves to the exit code and screen. */
function runOnTerminal(args: string[], keys: string, env: NodeJS.ProcessEnv = s.env): Promise<{ code: number | null; screen: string }> {
  const command = [process.execPath, CWT_BIN, ...args].map(quote).join(' ');
  // -e: exit with the command's code; -c: the command; /dev/null: no typescript file.
  // cwt never prompts under CI=…; this test is about the terminal, wherever it runs.
  const terminalEnv: NodeJS.ProcessEnv = { ...env, TERM: 'xterm' };
  delete terminalEnv.CI;
  const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: s.repo, env: terminalEnv, stdio: ['pipe', 'pipe', 'pipe'] });
  let screen = '';
  let answered = false;
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      screen += chunk.toString();
      if (!answered && screen.includes(MESSAGES.askConflictChoice('a.md'))) {
        answered = true;
        // One key at a time, as a person types.
        const sequence = [...keys.matchAll(/\u001b\[B|./gs)].map((match) => match[0]);
        sequence.forEach((key, index) => setTimeout(() => child.stdin.write(key), 150 * (index + 1)));
      }
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, screen });
    });
  });
}

describe.skipIf(!HAS_SCRIPT)('choices at the terminal for a conflict', () => {
  it.each([
    ['keep canonical', ENTER, 'one\nTWO (canonical)\nthree\n'],
    ['take the session’s version', DOWN + ENTER, 'one\nTWO (session)\nthree\n'],
    ['keep both', DOWN + DOWN + ENTER, 'one\nTWO (canonical)\nTWO (session)\nthree\n'],
  ])('%s', async (_, keys, expected) => {
    const { code, screen } = await runOnTerminal(['merge-memory', session.id], keys);
    expect(code, screen).toBe(0);
    expect(screen).toContain(MESSAGES.mergeConflictHeader('a.md', 'both-changed'));
    expect(readText(canonical, 'a.md')).toBe(expected);
    expect(existsSync(join(session.memoryDir, 'a.conflict.md'))).toBe(false);
    expect((await s.sessions())[0]!.memory).toBe('merged');
  });

  it('open $EDITOR: the edited text is the resolution', async () => {
    const editor = join(s.root, 'fake-editor.sh');
    writeFileSync(editor, '#!/bin/sh\nprintf "one\\ntwo, agreed\\nthree\\n" > "$1"\n');
    chmodSync(editor, 0o755);
    const { code, screen } = await runOnTerminal(['merge-memory', session.id], DOWN + DOWN + DOWN + ENTER, { ...s.env, EDITOR: editor });
    expect(code, screen).toBe(0);
    expect(readText(canonical, 'a.md')).toBe('one\ntwo, agreed\nthree\n');
  });

  it('leave it for later: the conflict file is written and it exits 1', async () => {
    const { code, screen } = await runOnTerminal(['merge-memory', session.id], DOWN + DOWN + DOWN + DOWN + ENTER);
    expect(code, screen).toBe(1);
    expect(readText(canonical, 'a.md')).toBe('one\nTWO (canonical)\nthree\n');
    expect(readText(session.memoryDir, 'a.conflict.md')).toContain('<<<<<<< canonical memory\nTWO (canonical)\n');
  });

  it('--json never asks, even on a terminal', async () => {
    const { code, screen } = await runOnTerminal(['merge-memory', session.id, '--json'], '');
    expect(code).toBe(1);
    expect(screen).not.toContain(MESSAGES.askConflictChoice('a.md'));
  });
});
