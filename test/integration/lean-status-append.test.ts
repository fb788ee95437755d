/**
 * cwt status and cwt append answer from the hook bundle; `cwt -C <dir> …` takes the full CLI. Both must print
 * the same and exit the same, for results and for refusals.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createScenario, type Scenario } from '../helpers/scenario.js';

describe('lean status and append', () => {
  let s: Scenario;
  beforeEach(async () => {
    s = createScenario();
    for (const branch of ['a', 'b']) expect((await s.cwt(['new', branch, '--no-launch'])).code).toBe(0);
  });
  afterEach(() => s.cleanup());

  const both = async (args: string[]) => [await s.cwt(args), await s.cwt(['-C', s.repo, ...args])] as const;

  it.each([[['status']], [['status', '--json']], [['ls', '--all']], [['status', '--markdown']]])('%j prints as the full CLI does', async (args) => {
    const [lean, full] = await both(args);
    expect(lean.code).toBe(0);
    expect(lean.stdout).toContain(args[0] === 'status' && args[1] === '--json' ? '"branch": "a"' : 'a');
    // The table's ages ("5s ago") may tick between the two runs, a moment apart.
    const steady = (text: string) => text.replace(/\b(?:\d+[smhd] ago|\d+[smhd]|now)\b/g, 'N').replace(/ +/g, ' ');
    expect({ ...lean, stdout: steady(lean.stdout) }).toEqual({ ...full, stdout: steady(full.stdout) });
  });

  it('append: a line, a repeated --unique line, --json, and refusals as the full CLI', async () => {
    const file = join(s.root, 'index.md');
    const first = await s.cwt(['append', file, '- one', '--unique']);
    expect(first).toMatchObject({ code: 0, stdout: '' });
    expect(first.stderr).toContain(file);
    const [again, againFull] = await both(['append', file, '- one', '--unique']);
    expect(again).toEqual(againFull);
    const [json, jsonFull] = await both(['append', file, '- two', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ appended: true });
    expect(JSON.parse(jsonFull.stdout)).toMatchObject({ appended: true });
    const [bad, badFull] = await both(['append', file, 'two\nlines']);
    expect(bad.code).toBe(2);
    expect(bad).toEqual(badFull);
    expect(readFileSync(file, 'utf8')).toBe('- one\n- two\n- two\n');
  });
});
