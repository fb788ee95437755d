/** The trust boundary of session rows (core/sessionpaths.ts): which paths of a row cwt refuses, and why. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { UntrustedSessionError } from '../../src/core/util/errors.js';
import { assertSessionPathsTrusted, findUntrustedPaths, type PathProbe, type SessionPathUse, type TrustedPlaces } from '../../src/core/sessions/sessionpaths.js';
import type { SessionRecord } from '../../src/core/store/store.js';
import { createSandbox, type Sandbox } from '../helpers/env.js';
import { sampleSession } from '../helpers/store.js';

// sampleSession's paths: repository /r, worktree /r.worktrees/feat-x, Claude home /c, CWT_HOME /s.
const places: TrustedPlaces = { host: 'h', claudeHome: '/c', cwtHome: '/s', mainWorktree: '/r', commonDir: '/r/.git', worktrees: ['/r', '/r.worktrees/feat-x'] };
const lexical: PathProbe = { realPath: (path) => path, exists: () => true };
const refused = (overrides: Partial<SessionRecord>, uses: readonly SessionPathUse[] = ['worktree', 'memory']) =>
  findUntrustedPaths(sampleSession(overrides), places, uses, lexical).map((refusal) => refusal.column);

describe('findUntrustedPaths', () => {
  it.each<[string, Partial<SessionRecord>, string[]]>([
    ['the row cwt new writes', {}, []],
    ['another repository as the main checkout', { mainWorktree: '/other' }, ['main_worktree']],
    ['the right checkout, another git dir', { repo: '/other/.git' }, ['repo']],
    ['a worktree git does not list', { worktree: '/r.worktrees/feat-x/keys' }, ['worktree']],
    ['the main checkout as a cwt worktree', { worktree: '/r' }, ['worktree']],
    ['the main checkout as an adopted tab', { worktree: '/r', kind: 'adopted', memoryDir: '/c/projects/-r/cwt-memory/t' }, []],
    ['a namespace in a worktree', { memoryDir: '/r.worktrees/feat-x/keys' }, ['memory_dir']],
    ['the namespace root itself', { memoryDir: '/c/projects/-r/cwt-memory' }, ['memory_dir']],
    ["another repository's namespace", { memoryDir: '/c/projects/-other/cwt-memory/feat-x' }, ['memory_dir']],
    ['a namespace climbing out', { memoryDir: '/c/projects/-r/cwt-memory/../memory' }, ['memory_dir']],
    ['a base in ~/.ssh', { memoryBase: '/home/me/.ssh' }, ['memory_base']],
    ["another session's base", { memoryBase: '/s/sessions/ffff0000/memory-base' }, ['memory_base']],
    ['the state dir itself as the base', { memoryBase: '/s/sessions/abcd1234' }, ['memory_base']],
    ['a base climbing out', { memoryBase: '/s/sessions/abcd1234/../../memory' }, ['memory_base']],
    ['an id that is a path', { id: '..', memoryBase: '/s/memory-base' }, ['id']],
  ])('%s', (_, overrides, columns) => expect(refused(overrides)).toEqual(columns));

  it('checks only what the command uses; the main checkout always', () => {
    const row = { memoryBase: '/home/me/.ssh', worktree: '/elsewhere', mainWorktree: '/other' };
    expect(refused(row, [])).toEqual(['main_worktree']);
    expect(refused(row, ['worktree'])).toEqual(['main_worktree', 'worktree']);
    // The namespace is judged by this repository's place, not by the row's main checkout.
    expect(refused(row, ['memory'])).toEqual(['main_worktree', 'memory_base']);
  });

  it('lets a worktree that is gone pass: nothing will act on it', () => {
    const gone: PathProbe = { ...lexical, exists: () => false };
    expect(findUntrustedPaths(sampleSession({ worktree: '/nowhere' }), places, ['worktree'], gone)).toEqual([]);
  });
});

describe('assertSessionPathsTrusted', () => {
  let s: Sandbox;
  beforeEach(() => {
    s = createSandbox();
  });
  afterEach(() => s.cleanup());

  it("refuses another host's row before looking at its paths", () => {
    expect(() => assertSessionPathsTrusted(sampleSession({ host: 'elsewhere' }), places, [])).toThrow(/runs on host elsewhere/);
  });

  it('resolves links: a namespace linked out to ~/.ssh is refused, a Claude home reached through a link is not', () => {
    const repo = join(s.root, 'repo');
    const ssh = join(s.home, '.ssh');
    const namespaceRoot = join(s.claudeHome, 'projects', repo.replace(/[^A-Za-z0-9]/g, '-'), 'cwt-memory');
    mkdirSync(join(namespaceRoot, 'feat-x'), { recursive: true });
    mkdirSync(ssh);
    mkdirSync(join(s.cwtHome, 'sessions', 'abcd1234', 'memory-base'), { recursive: true });
    symlinkSync(ssh, join(namespaceRoot, 'linked'));
    symlinkSync(s.claudeHome, join(s.root, 'claude-link'));
    const here: TrustedPlaces = { ...places, claudeHome: join(s.root, 'claude-link'), cwtHome: s.cwtHome, mainWorktree: repo, commonDir: join(repo, '.git') };
    const row = (memoryDir: string) => sampleSession({ host: 'h', mainWorktree: repo, repo: join(repo, '.git'), memoryDir, memoryBase: join(s.cwtHome, 'sessions', 'abcd1234', 'memory-base') });
    expect(() => assertSessionPathsTrusted(row(join(namespaceRoot, 'feat-x')), here, ['memory'])).not.toThrow();
    const error = (() => {
      try {
        assertSessionPathsTrusted(row(join(namespaceRoot, 'linked')), here, ['memory']);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(UntrustedSessionError);
    expect((error as UntrustedSessionError).message).toContain(`memory_dir ${join(namespaceRoot, 'linked')}`);
    expect((error as UntrustedSessionError).exitCode).toBe(4);
    expect((error as UntrustedSessionError).hint).toContain('cwt end abcd1234 --no-merge');
  });
});
