/** Bad input gets a clear error, the documented exit code, and leaves no trace. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { createScenario, emptyFootprint, type Scenario } from '../helpers/scenario.js';
import { runCwt } from '../helpers/cli.js';
import { writeFile } from '../helpers/git.js';
import { formatAge, MAX_TTL_MS } from '../../src/core/util/duration.js';
import { MAX_VALUE_BYTES } from '../../src/core/coordination/kv.js';
import { MESSAGES } from '../../src/texts/messages.js';

let s: Scenario;
beforeAll(() => {
  s = createScenario();
});
afterAll(() => s.cleanup());

describe('cwt new with bad input', () => {
  it.each([['a..b'], ['-x'], ['a b'], ['@'], [''], ['feat/.lock'], ['x~1'], ['refs/heads/'], ['feat:x']])(
    'branch %j exits 2 and creates nothing',
    async (branch) => {
      // `--` would hand "-x" to the agent; pass every name as the positional it would be.
      const result = await s.cwt(['new', branch, '--no-launch']);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^cwt: /m);
      expect(result.stderr).toContain('next:');
      expect(await s.footprint()).toEqual(emptyFootprint(s.repo));
    },
  );

  it('a branch that clashes with an existing one as a ref path exits 2 and creates nothing else', async () => {
    const { git: runGit } = await import('../helpers/git.js');
    runGit(s.repo, ['branch', 'feat/x/y']);
    const result = await s.cwt(['new', 'feat/x', '--no-launch']);
    runGit(s.repo, ['branch', '-D', 'feat/x/y']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("existing branch 'feat/x/y'");
    expect(await s.footprint()).toEqual(emptyFootprint(s.repo));
  });

  it('the clash is found under the branch\'s own name when a tag shares it (git shortens such a branch to heads/…)', async () => {
    const { git: runGit } = await import('../helpers/git.js');
    runGit(s.repo, ['branch', 'feat/x/y']);
    runGit(s.repo, ['tag', 'feat/x/y']);
    const result = await s.cwt(['new', 'feat/x', '--no-launch']);
    runGit(s.repo, ['tag', '-d', 'feat/x/y']);
    runGit(s.repo, ['branch', '-D', 'feat/x/y']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("existing branch 'feat/x/y'");
    expect(await s.footprint()).toEqual(emptyFootprint(s.repo));
  });

  it('an unknown --from ref exits 2 and creates nothing', async () => {
    const result = await s.cwt(['new', 'feat/x', '--from', 'no-such-ref', '--no-launch']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("'no-such-ref' does not name a commit");
    expect(await s.footprint()).toEqual(emptyFootprint(s.repo));
  });

  it('a --path that exists and is not empty exits 2 and creates nothing', async () => {
    const occupied = join(s.root, 'occupied');
    writeFile(occupied, 'keep.txt', 'mine\n');
    const result = await s.cwt(['new', 'feat/x', '--path', occupied, '--no-launch']);
    expect(result.code).toBe(2);
    expect(await s.footprint()).toEqual(emptyFootprint(s.repo));
  });

  it('a --path inside the main checkout exits 2', async () => {
    const result = await s.cwt(['new', 'feat/x', '--path', join(s.repo, 'nested'), '--no-launch']);
    expect(result.code).toBe(2);
    expect(await s.footprint()).toEqual(emptyFootprint(s.repo));
  });

  it('a missing agent exits 4, names --agent and how to install Claude Code, and creates nothing', async () => {
    // No directory that holds any `claude` (npm puts node_modules/.bin, with the real one, on PATH).
    const env = { ...s.env, PATH: s.env.PATH!.split(delimiter).filter((dir) => !existsSync(join(dir, 'claude'))).join(delimiter) };
    const result = await s.cwt(['new', 'feat/x'], { env });
    expect(result.code).toBe(4);
    expect(result.stderr).toContain("the agent 'claude' was not found");
    expect(result.stderr).toContain('--agent');
    expect(result.stderr).toContain('npm install -g @anthropic-ai/claude-code');
    const other = await s.cwt(['new', 'feat/x', '--agent', 'no-such-agent-cwt']);
    expect(other.code).toBe(4);
    expect(await s.footprint()).toEqual(emptyFootprint(s.repo));
  });

  it('an invalid repository config exits 2 naming the file and key', async () => {
    writeFile(s.repo, '.cwt.json', JSON.stringify({ sessionTtl: 'forever' }));
    const result = await s.cwt(['new', 'feat/x', '--no-launch']);
    writeFile(s.repo, '.cwt.json', '{}');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('.cwt.json');
    expect(result.stderr).toContain('sessionTtl');
    expect(await s.footprint()).toEqual(emptyFootprint(s.repo));
  });

  it('outside a git repository exits 4', async () => {
    const elsewhere = join(s.root, 'not-a-repo');
    mkdirSync(elsewhere, { recursive: true });
    const result = await runCwt(['new', 'feat/x', '--no-launch'], { cwd: elsewhere, env: s.env });
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('is not inside a git repository');
  });

  it('unknown commands and options exit 2 with a pointer to --help', async () => {
    for (const args of [['frobnicate'], ['status', '--bogus'], ['new']]) {
      const result = await s.cwt(args);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('--help');
    }
  });

  it('end and attach of an unknown session exit 2', async () => {
    expect((await s.cwt(['end', 'nope'])).code).toBe(2);
    expect((await s.cwt(['attach', 'nope'])).code).toBe(2);
    expect((await s.cwt(['end'])).code).toBe(2);
  });
});

describe('input past a limit, and malformed environment (issue 19)', () => {
  /** A command that leaves a file behind if it ever runs. */
  const marker = () => join(s.root, 'the-command-ran');
  const markerCommand = () => ['sh', '-c', `touch '${marker()}'`];

  it('a sessionTtl, CWT_SESSION_TTL, lock --ttl or task --ttl past the cap exits 2 naming the cap', async () => {
    writeFile(s.repo, '.cwt.json', JSON.stringify({ sessionTtl: '100d' }));
    const fromFile = await s.cwt(['new', 'feat/x', '--no-launch']);
    writeFile(s.repo, '.cwt.json', '{}');
    expect(fromFile.code, fromFile.stderr).toBe(2);
    expect(fromFile.stderr).toContain('sessionTtl');
    expect(fromFile.stderr).toContain('at most 7d');
    expect(await s.footprint()).toEqual(emptyFootprint(s.repo));

    const fromEnv = await s.cwt(['status'], { env: { ...s.env, CWT_SESSION_TTL: '100d' } });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toContain(MESSAGES.ttlTooLong('CWT_SESSION_TTL', '100d', formatAge(MAX_TTL_MS)));

    const lock = await s.cwt(['lock', 'job', '--ttl', '100d', '--', ...markerCommand()]);
    expect(lock.code).toBe(2);
    expect(lock.stderr).toContain(MESSAGES.ttlTooLong('--ttl', '100d', formatAge(MAX_TTL_MS)));
    expect(existsSync(marker())).toBe(false);
    expect(JSON.parse((await s.cwt(['lock', 'ls', '--json'])).stdout)).toEqual([]);

    const task = await s.cwt(['task', 'claim', '--owner', 'script', '--ttl', '100d']);
    expect(task.code).toBe(2);
    expect(task.stderr).toContain(MESSAGES.ttlTooLong('--ttl', '100d', formatAge(MAX_TTL_MS)));
  });

  it('cwt lock refuses the cwt: prefix (the webhook sender’s lock), exit 2, and runs nothing', async () => {
    const result = await s.cwt(['lock', 'cwt:notify-sender', '--', ...markerCommand()]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(MESSAGES.lockNameReserved('cwt:notify-sender'));
    expect(existsSync(marker())).toBe(false);
    expect(JSON.parse((await s.cwt(['lock', 'ls', '--json'])).stdout)).toEqual([]);
  });

  it('--sentinel naming a directory exits 2 and runs nothing', async () => {
    const dir = join(s.root, 'a-directory');
    mkdirSync(dir, { recursive: true });
    const result = await s.cwt(['lock', 'job', '--sentinel', dir, '--', ...markerCommand()]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(MESSAGES.sentinelIsDirectory(dir));
    expect(result.stderr).toContain('next:');
    expect(existsSync(marker())).toBe(false);
  });

  it('--sentinel naming an ordinary file, however old, exits 2 and leaves it byte-identical', async () => {
    const file = join(s.root, 'NOTES.md');
    const content = '# my notes\n\nstarted_at is not front matter here\n';
    writeFileSync(file, content);
    const old = new Date(Date.now() - 60 * 60_000);
    utimesSync(file, old, old);
    const result = await s.cwt(['lock', 'job', '--sentinel', file, '--', ...markerCommand()]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(MESSAGES.sentinelNotOurs(file));
    expect(readFileSync(file, 'utf8')).toBe(content);
    expect(existsSync(marker())).toBe(false);
    expect(JSON.parse((await s.cwt(['lock', 'ls', '--json'])).stdout)).toEqual([]);
  });

  it.each([
    ['postgres://', MESSAGES.storeUrlNoHost],
    ['postgres://user@', MESSAGES.storeUrlMalformed],
    ['postgres://:99999/x', MESSAGES.storeUrlMalformed],
    ['postgres://db.example/cwt?schema=Bad-Name', MESSAGES.storeUrlBadSchema('Bad-Name')],
    ['foo://x', MESSAGES.storeUrlInvalid],
  ])('CWT_STORE=%j exits 2 saying what is wrong and what to set, not "a bug in cwt"', async (value, message) => {
    const env: NodeJS.ProcessEnv = { ...s.env, CWT_STORE: value };
    delete env.PGHOST;
    for (const args of [['status'], ['lock', 'ls']]) {
      const result = await s.cwt(args, { env });
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain(message);
      expect(result.stderr).toContain('next: ');
      expect(result.stderr).not.toContain('bug in cwt');
    }
  });

  it('task --data and --result past the value cap exit 2 naming the cap; nothing is added', async () => {
    const big = JSON.stringify({ blob: 'x'.repeat(MAX_VALUE_BYTES) });
    const added = await s.cwt(['task', 'add', 'too big', '--data', big]);
    expect(added.code).toBe(2);
    expect(added.stderr).toContain(`at most ${MAX_VALUE_BYTES}`);
    expect(added.stderr).toContain('task data');
    expect(JSON.parse((await s.cwt(['task', 'ls', '--json'])).stdout)).toEqual([]);

    expect((await s.cwt(['task', 'add', 'small'])).code).toBe(0);
    expect((await s.cwt(['task', 'claim', '--owner', 'script'])).code).toBe(0);
    const done = await s.cwt(['task', 'done', '1', '--owner', 'script', '--result', big]);
    expect(done.code).toBe(2);
    expect(done.stderr).toContain('task result');
    expect(JSON.parse((await s.cwt(['task', 'ls', '--json'])).stdout)).toMatchObject([{ id: 1, state: 'claimed' }]);

    const kv = await s.cwt(['kv', 'set', 'issue:1', 'blob', big]);
    expect(kv.code).toBe(2);
    expect(kv.stderr).toContain(`at most ${MAX_VALUE_BYTES}`);
  });
});
