/** Which command lines the hook bundle's lean status and append entries answer; the rest go to the full CLI. */
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli.js';
import { LEAN_FLAGS, LEAN_POSITIONALS, parseLeanCommandLine } from '../../src/leanentry.js';

describe('parseLeanCommandLine', () => {
  it.each(Object.keys(LEAN_FLAGS) as (keyof typeof LEAN_FLAGS)[])('%s takes what the full CLI’s table gives it', (command) => {
    const spec = COMMANDS[command]!;
    const options = spec.options as Record<string, { type: string; short?: string }>;
    const expected = Object.entries(options)
      .filter(([name]) => name !== 'watch') // a long-running view: always the full CLI
      .flatMap(([name, option]) => [[`--${name}`, name], ...(option.short ? [[`-${option.short}`, name]] : [])]);
    expect(Object.entries(LEAN_FLAGS[command]).sort()).toEqual(expected.sort());
    for (const [, name] of expected) expect(options[name!]!.type).toBe('boolean');
    expect(spec.positionals).toEqual({ min: LEAN_POSITIONALS[command], max: LEAN_POSITIONALS[command] });
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
