import { describe, expect, it } from 'vitest';
import { COMMANDS, parseCommandLine, renderCommandHelp, reportError, splitGlobalOptions } from '../../src/cli.js';
import { ConflictError, ExitCode, UsageError } from '../../src/core/util/errors.js';

function run(argv: string[]) {
  const action = parseCommandLine(argv);
  if (action.kind !== 'run') throw new Error(`expected a run action, got ${action.kind}`);
  return action.parsed;
}

describe('parseCommandLine', () => {
  it.each([
    [['new', 'feat/x'], 'new', ['feat/x'], {}, []],
    [['new', 'feat/x', '--from', 'main', '--no-launch'], 'new', ['feat/x'], { from: 'main', 'no-launch': true }, []],
    [['new', 'feat/x', '--', '-p', 'hi', '--verbose'], 'new', ['feat/x'], {}, ['-p', 'hi', '--verbose']],
    [['ls', '--json'], 'status', [], { json: true }, []],
    [['end', 'feat/x', '--remove', '--delete-branch'], 'end', ['feat/x'], { remove: true, 'delete-branch': true }, []],
    [['attach', 'abcd1234', '--', '--continue'], 'attach', ['abcd1234'], {}, ['--continue']],
    [['attach', 'feat/x', '--new', '--', '-p', 'next'], 'attach', ['feat/x'], { new: true }, ['-p', 'next']],
    [['attach', 'feat/x', '--pick'], 'attach', ['feat/x'], { pick: true }, []],
    [['attach', 'feat/x', '--pick', '0a1b2c3d'], 'attach', ['feat/x', '0a1b2c3d'], { pick: true }, []],
    [['new', 'feat/b', '--fork', 'feat/a'], 'new', ['feat/b'], { fork: 'feat/a' }, []],
    [['gc', '--dry-run'], 'gc', [], { 'dry-run': true }, []],
    [['append', 'idx.md', '- [a](a.md)', '--unique'], 'append', ['idx.md', '- [a](a.md)'], { unique: true }, []],
    [['append', 'idx.md', '--', '--not-an-option'], 'append', ['idx.md', '--not-an-option'], {}, []],
    [['write', 'f', '--expect-sha', 'ab'], 'write', ['f'], { 'expect-sha': 'ab' }, []],
    [['end', '--no-merge'], 'end', [], { 'no-merge': true }, []],
    [['merge-memory'], 'merge-memory', [], {}, []],
    [['merge-memory', 'feat/x', '--dry-run', '--json'], 'merge-memory', ['feat/x'], { 'dry-run': true, json: true }, []],
    [['merge-memory', '--undo', '--force'], 'merge-memory', [], { undo: true, force: true }, []],
    [['memory', 'rescue', '--dry-run'], 'memory', ['rescue'], { 'dry-run': true }, []],
    [['check', '--staged', '--strict'], 'check', [], { staged: true, strict: true }, []],
    [['check', '--accept', '--json'], 'check', [], { accept: true, json: true }, []],
    [['install', '--git-hooks', '--uninstall'], 'install', [], { 'git-hooks': true, uninstall: true }, []],
    [['install', '--no-mcp', '--json'], 'install', [], { 'no-mcp': true, json: true }, []],
    [['doctor', '--json'], 'doctor', [], { json: true }, []],
    [['trust'], 'trust', [], {}, []],
    [['trust', '--revoke', '--json'], 'trust', [], { revoke: true, json: true }, []],
    [['git-hook', 'post-merge', '0'], 'git-hook', ['post-merge', '0'], {}, []],
    [['status', '--watch', '--all'], 'status', [], { watch: true, all: true }, []],
    [['dashboard'], 'dashboard', [], {}, []],
    [['dashboard', '--port', '8123', '--open', '--all', '--json'], 'dashboard', [], { port: '8123', open: true, all: true, json: true }, []],
    [['dashboard', '--repo', '../other'], 'dashboard', [], { repo: '../other' }, []],
    [['serve'], 'serve', [], {}, []],
  ])('%j', (argv, command, positionals, values, rest) => {
    const parsed = run(argv);
    expect(parsed.command).toBe(command);
    expect(parsed.positionals).toEqual(positionals);
    expect(parsed.values).toMatchObject(values);
    expect(parsed.rest).toEqual(rest);
  });

  it.each([
    [['frobnicate']],
    [['new']],
    [['new', '-x']],
    [['new', 'a', 'b']],
    [['status', '--bogus']],
    [['status', 'extra']],
    [['status', '--', 'x']],
    [['append', 'f']],
    [['new', 'x', '--from']],
    [['merge-memory', 'a', 'b']],
    [['merge-memory', '--undo=yes']],
    [['memory']],
    [['trust', '.cwt.json']],
    [['trust', '--yes']],
    [['dashboard', 'extra']],
    [['dashboard', '--port']],
    [['serve', 'now']],
    [['serve', '--port', '1']],
  ])('rejects %j as bad usage (exit 2)', (argv) => {
    expect(() => parseCommandLine(argv)).toThrow(UsageError);
  });

  it('shows help for no arguments, --help, help <command> and <command> --help', () => {
    expect(parseCommandLine([]).kind).toBe('help');
    expect(parseCommandLine(['--help']).kind).toBe('help');
    const byHelp = parseCommandLine(['help', 'ls']);
    const byFlag = parseCommandLine(['status', '--help']);
    expect(byHelp).toEqual(byFlag);
    expect(byFlag).toEqual({ kind: 'help', text: renderCommandHelp('status') });
  });

  it('gives every command usage, a summary and examples', () => {
    for (const [name, spec] of Object.entries(COMMANDS)) {
      expect(spec.usage.startsWith(`cwt ${name}`)).toBe(true);
      expect(spec.help).toContain('Example');
    }
  });
});

describe('reportError', () => {
  it('maps errors to exit codes and prints message and next step', () => {
    let text = '';
    const code = reportError(new UsageError('bad thing', { hint: 'do this' }), (t) => (text += t));
    expect(code).toBe(ExitCode.usage);
    expect(text).toBe('cwt: bad thing\n  next: do this\n');
    expect(reportError(new ConflictError('c'), () => {})).toBe(ExitCode.conflict);
  });
  it('treats unknown errors as internal bugs', () => {
    let text = '';
    expect(reportError(new TypeError('oops'), (t) => (text += t))).toBe(ExitCode.internal);
    expect(text).toContain('bug');
  });
});

describe('global options before the command', () => {
  it.each([
    [['status'], 'status', undefined, false],
    [['--debug', 'status'], 'status', undefined, true],
    [['status', '--debug'], 'status', undefined, true],
    [['-C', '/r', 'status'], 'status', '/r', false],
    [['-C', '/r', '--debug', 'gc', '--dry-run'], 'gc', '/r', true],
    [['--debug', '-C', '/r', 'ls'], 'status', '/r', true],
    [['-C', '/a', '-C', 'b', 'status'], 'status', '/a/b', false],
    [['-C', '/a', '-C', '/c', 'status'], 'status', '/c', false],
    [['-C', 'rel', 'status'], 'status', 'rel', false],
  ])('%j', (argv, command, directory, debug) => {
    const action = parseCommandLine(argv);
    expect(action).toMatchObject({ kind: 'run', parsed: { command }, directory, debug });
  });

  it.each([[['-C']], [['-C', '', 'status']], [['--bogus', 'status']], [['-x', 'status']], [['--debug', 'frobnicate']]])('rejects %j as bad usage', (argv) => {
    expect(() => parseCommandLine(argv)).toThrow(UsageError);
  });

  it('leaves --help and --version to the command position, after the global options', () => {
    expect(parseCommandLine(['--debug']).kind).toBe('help');
    expect(parseCommandLine(['-C', '/r', '--help']).kind).toBe('help');
    expect(parseCommandLine(['--debug', '--version']).kind).toBe('version');
    expect(splitGlobalOptions(['status', '-C', '/r'])).toEqual({ globals: { directory: undefined, debug: false }, rest: ['status', '-C', '/r'] });
  });
});
