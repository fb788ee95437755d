/**
 * Text that models and machines supply — lock notes, task titles and progress, handoff summaries, kv values,
 * branch names — carries terminal control sequences (a title change, a screen clear, a C1 CSI) into every
 * table, log line, status line and error cwt prints. None reaches the terminal; the text around it does, and
 * --json keeps the exact value. A hint that names a branch quotes it for the shell.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CWT_BIN } from '../helpers/cli.js';
import { createScenario, type Scenario } from '../helpers/scenario.js';

/** An OSC title change, a screen clear, a C1 CSI colour, a carriage return and a backspace. */
const HOSTILE = '\u001b]0;owned\u0007\u001b[2J\u009b31m\r\b';
/** Any C0 control but newline and tab, DEL, or any C1 control. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

let s: Scenario;
let sessionId: string;
let env: NodeJS.ProcessEnv;
/** git refuses C0 controls in a branch name (and `[`), but takes a C1 CSI. */
const branch = 'feat/\u009b31mx';

beforeAll(async () => {
  s = createScenario();
  const created = await s.cwt(['new', branch, '--no-launch', '--json']);
  expect(created.code, created.stderr).toBe(0);
  expect(created.stdout).not.toMatch(CONTROL);
  const session = JSON.parse(created.stdout) as { id: string; branch: string };
  expect(session.branch).toBe(branch);
  sessionId = session.id;
  env = { ...s.env, CWT_SESSION: sessionId };
  const steps = [
    ['task', 'add', `${HOSTILE}title one`, '--data', JSON.stringify({ note: HOSTILE })],
    ['task', 'claim'],
    ['task', 'progress', '1', '--phase', `${HOSTILE}phase`, '--message', `two\nlines${HOSTILE}`],
    ['handoff', 'create', `${HOSTILE}summary`, '--next', `${HOSTILE}step`, '--file', `${HOSTILE}file.ts`],
    ['kv', 'set', 'issue:1', 'note', `${HOSTILE}value`],
  ];
  for (const args of steps) {
    const result = await s.cwt(args, { env });
    expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
  }
}, 120_000);
afterAll(() => s.cleanup());

describe('hostile text in cwt output', () => {
  it.each([
    [['status']],
    [['status', '--markdown']],
    [['task', 'ls']],
    [['handoff', 'ls']],
    [['kv', 'get', 'issue:1', 'note']],
    [['kv', 'get', 'issue:1']],
    [['log', '--limit', '200']],
  ])('cwt %j prints no control character, and still the text around it', async (args) => {
    const result = await s.cwt(args, { env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout + result.stderr).not.toMatch(CONTROL);
    expect(result.stdout).toMatch(/title one|summary|value|feat\/x/);
  });

  it('--json keeps the exact value (escaped), with no raw control character', async () => {
    for (const args of [['task', 'ls', '--json'], ['kv', 'get', 'issue:1', 'note', '--json'], ['status', '--json'], ['log', '--json']]) {
      const result = await s.cwt(args, { env });
      expect(result.stdout, args.join(' ')).not.toMatch(CONTROL);
    }
    const [task] = JSON.parse((await s.cwt(['task', 'ls', '--json'])).stdout) as Array<{ title: string; data: { note: string } }>;
    expect(task).toMatchObject({ title: `${HOSTILE}title one`, data: { note: HOSTILE } });
    expect(JSON.parse((await s.cwt(['kv', 'get', 'issue:1', 'note', '--json'])).stdout)).toMatchObject({ value: `${HOSTILE}value` });
  });

  it('a lock note reaches neither the lock table nor the busy error raw', async () => {
    const inner = (args: string) => `"${process.execPath}" "${CWT_BIN}" ${args}`;
    const result = await s.cwt(['lock', 'job', '--note', `${HOSTILE}deploying`, '--', 'sh', '-c', `${inner('lock ls')}; ${inner('lock job -- true')}; exit 0`]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('deploying');
    expect(result.stderr).toContain("lock 'job' is held by");
    expect(result.stdout + result.stderr).not.toMatch(CONTROL);
  });

  it('accepting the handoff prints its lines without control characters', async () => {
    const other = await s.cwt(['new', 'feat/taker', '--no-launch', '--json']);
    const taker = (JSON.parse(other.stdout) as { id: string }).id;
    const result = await s.cwt(['handoff', 'accept', '1'], { env: { ...s.env, CWT_SESSION: taker } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('summary');
    expect(result.stdout).not.toMatch(CONTROL);
  });

  it('a hint that names a branch quotes it for the shell', async () => {
    const name = 'feat/$(id)';
    const created = await s.cwt(['new', name, '--no-launch', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const { id } = JSON.parse(created.stdout) as { id: string };
    expect((await s.cwt(['end', id, '--no-merge'])).code).toBe(0);
    const attach = await s.cwt(['attach', id]);
    expect(attach.code).toBe(2);
    // Its worktree is kept (ended without --remove), so attach does not recreate it; the hint names the branch quoted.
    expect(attach.stderr).toContain("start a new session on that branch: cwt new 'feat/$(id)'");
  });
});
