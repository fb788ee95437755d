/** Which command lines the lean entries (status, append, new) answer; the rest go to the full CLI. */
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli.js';
import { LEAN_FLAGS, LEAN_POSITIONALS, LEAN_VALUES, parseLeanCommandLine } from '../../src/leanentry.js';

describe('parseLeanCommandLine', () => {
  it.each(Object.keys(LEAN_FLAGS) as (keyof typeof LEAN_FLAGS)[])('%s takes what the full CLI’s table gives it', (command) => {
    const spec = COMMANDS[command]!;
    const options = spec.options as Record<string, { type: string; short?: string }>;
    const spelled = (type: string) =>
      Object.entries(options)
        .filter(([name, option]) => name !== 'watch' && option.type === type) // --watch, a long-running view: always the full CLI
        .flatMap(([name, option]) => [[`--${name}`, name], ...(option.short ? [[`-${option.short}`, name]] : [])]);
    expect(Object.entries(LEAN_FLAGS[command]).sort()).toEqual(spelled('boolean').sort());
    expect(Object.entries(LEAN_VALUES[command]).sort()).toEqual(spelled('string').sort());
    expect(spec.positionals).toEqual({ min: LEAN_POSITIONALS[command], max: LEAN_POSITIONALS[command] });
    // `--` hands the rest to the agent exactly where the full CLI does.
    expect(parseLeanCommandLine(command, [...Array.from({ length: LEAN_POSITIONALS[command] }, () => 'x'), '--', 'a']) !== undefined).toBe(spec.passthrough === true);
  });

  it.each([
    [['feat/x'], { flags: [], values: {}, positionals: ['feat/x'], rest: [] }],
    [['feat/x', '--no-launch', '--json'], { flags: ['no-launch', 'json'], values: {}, positionals: ['feat/x'], rest: [] }],
    [['--from', 'origin/main', 'fix/1', '--path', '../p'], { flags: [], values: { from: 'origin/main', path: '../p' }, positionals: ['fix/1'], rest: [] }],
    [['feat/y', '--agent', 'codex', '--fork', 'feat/a'], { flags: [], values: { agent: 'codex', fork: 'feat/a' }, positionals: ['feat/y'], rest: [] }],
    [['feat/x', '--', '-p', 'run the tests', '--json'], { flags: [], values: {}, positionals: ['feat/x'], rest: ['-p', 'run the tests', '--json'] }],
  ])('new %j', (args, expected) => {
    const line = parseLeanCommandLine('new', args);
    expect(line && { flags: [...line.flags], values: Object.fromEntries(line.values), positionals: line.positionals, rest: line.rest }).toEqual(expected);
  });

  it.each([
    [[]],
    [['--help']],
    [['feat/x', '-h']],
    [['a', 'b']],
    [['feat/x', '--from']],
    [['feat/x', '--from', '--json']],
    [['feat/x', '--from=origin/main']],
    [['feat/x', '--from', 'a', '--from', 'b']],
    [['feat/x', '--no-lanch']],
    [['--', 'feat/x']],
  ])('new %j goes to the full CLI', (args) => {
    expect(parseLeanCommandLine('new', args)).toBeUndefined();
  });

  it.each([
    [[], { flags: [], positionals: [] }],
    [['--json'], { flags: ['json'], positionals: [] }],
    [['--all', '--markdown', '--json'], { flags: ['all', 'markdown', 'json'], positionals: [] }],
  ])('status %j', (args, expected) => {
    const line = parseLeanCommandLine('status', args);
    expect(line && { flags: [...line.flags], positionals: line.positionals }).toEqual(expected);
  });

  it.each([[['--help']], [['-h']], [['--debug']], [['-C', '/x']], [['--jsno']], [['extra']], [['--json=1']], [['--']], [['--unique']]])('status %j goes to the full CLI', (args) => {
    expect(parseLeanCommandLine('status', args)).toBeUndefined();
  });

  it.each([
    [['f.md', 'line'], ['f.md', 'line'], []],
    [['f.md', '- [x](x/SKILL.md)', '--unique', '-q'], ['f.md', '- [x](x/SKILL.md)'], ['unique', 'quiet']],
    [['--json', 'f.md', ''], ['f.md', ''], ['json']],
  ])('append %j', (args, positionals, flags) => {
    const line = parseLeanCommandLine('append', args);
    expect(line && { flags: [...line.flags], positionals: line.positionals }).toEqual({ flags, positionals });
  });

  it.each([[['f.md']], [['f.md', 'a', 'b']], [['f.md', '-x']], [['f.md', 'line', '--all']], [['f.md', 'line', '--help']], [['--', 'f.md', '-x']], [['f.md', '-']]])('append %j goes to the full CLI', (args) => {
    expect(parseLeanCommandLine('append', args)).toBeUndefined();
  });
});
