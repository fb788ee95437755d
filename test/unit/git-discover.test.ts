/**
 * Reading the repository from its files (core/git/discover.ts) against git itself: wherever the reader answers,
 * its answer is what `git rev-parse` and `git config --get remote.origin.url` print in the same directory with
 * the same environment; where the layout is unusual it answers nothing (undefined) and git is asked.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { discoverRepo, parseGitConfig, type DiscoveredRepo } from '../../src/core/git/discover.js';
import { resolveRepo, resolveRepoAndIdentity } from '../../src/core/git/git.js';
import { createSandbox, type Sandbox } from '../helpers/env.js';
import { createRepo, git } from '../helpers/git.js';

let sb: Sandbox;

beforeEach(() => {
  sb = createSandbox();
});

afterEach(() => sb.cleanup());

/** What git prints in `cwd` (the variables cwt's git calls drop, dropped), or null where rev-parse fails. */
function askGit(cwd: string, env: NodeJS.ProcessEnv): DiscoveredRepo | null {
  const clean: NodeJS.ProcessEnv = { ...env, GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' };
  for (const name of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_PREFIX', 'GIT_COMMON_DIR']) delete clean[name];
  const revParse = spawnSync('git', ['rev-parse', '--show-toplevel', '--absolute-git-dir', '--git-common-dir'], { cwd, env: clean, encoding: 'utf8' });
  if (revParse.status !== 0) return null;
  const [topLevel, gitDir, rawCommonDir] = revParse.stdout.trim().split('\n');
  const config = spawnSync('git', ['config', '--get', 'remote.origin.url'], { cwd, env: clean, encoding: 'utf8' });
  return { topLevel: topLevel!, gitDir: gitDir!, rawCommonDir: rawCommonDir!, originUrl: config.status === 0 ? config.stdout.replace(/\n$/, '') : undefined };
}

/** The reader's answer, checked against git's whenever it gives one; returns it. */
function discoverChecked(cwd: string, env: NodeJS.ProcessEnv = sb.env): DiscoveredRepo | null | undefined {
  const found = discoverRepo(cwd, env);
  if (found !== undefined) expect(found, `in ${cwd}`).toEqual(askGit(cwd, env));
  return found;
}

describe('discoverRepo: plain layouts are read from the files, as git reads them', () => {
  it('a main checkout, its subdirectories, a linked worktree and a symlinked path into both', () => {
    const repo = createRepo(join(sb.root, 'repo'), sb.env);
    mkdirSync(join(repo, 'src', 'deep'), { recursive: true });
    git(repo, ['worktree', 'add', '-q', '-b', 'side', join(sb.root, 'side')], sb.env);
    mkdirSync(join(sb.root, 'side', 'sub'));
    symlinkSync(repo, join(sb.root, 'link'));
    symlinkSync(join(sb.root, 'side'), join(sb.root, 'side-link'));
    for (const cwd of [repo, join(repo, 'src'), join(repo, 'src', 'deep'), join(sb.root, 'side'), join(sb.root, 'side', 'sub'), join(sb.root, 'link', 'src'), join(sb.root, 'side-link', 'sub')]) {
      expect(discoverChecked(cwd), cwd).toBeTruthy();
    }
    expect(discoverChecked(join(repo, 'src'))).toMatchObject({ topLevel: repo, rawCommonDir: '../.git', originUrl: undefined });
    expect(discoverChecked(join(sb.root, 'side'))).toMatchObject({ gitDir: join(repo, '.git', 'worktrees', 'side'), rawCommonDir: join(repo, '.git') });
  });

  it('outside any repository: null, as git finds none', () => {
    mkdirSync(join(sb.root, 'plain', 'dir'), { recursive: true });
    expect(discoverChecked(join(sb.root, 'plain', 'dir'))).toBeNull();
  });

  it('the origin URL from every spelling git accepts, the last value winning, and from the global config when the repository has none', () => {
    const repo = createRepo(join(sb.root, 'repo'), sb.env);
    const config = join(repo, '.git', 'config');
    const base = readFileSync(config, 'utf8');
    const spellings = [
      '[remote "origin"]\n\turl = git@github.com:acme/app.git\n',
      '[remote "origin"]\n\turl = "https://example.com/a b.git"  ; a comment\n',
      '[Remote "origin"]\n\tURL=ssh://git@example.com:22/team/app\n',
      '[remote.origin]\n\turl = /srv/git/app.git # here\n',
      '[remote "origin"]\n\turl = first\n\turl = https://example.com/second\n',
      '[remote "origin"] url = https://example.com/inline\n',
      '[remote "origin"]\n\turl = https://example.com/con\\\ntinued\n',
      '[remote "origin"]\n\turl = "quoted \\"inner\\" \\\\ value"\n',
      '[remote "Origin"]\n\turl = https://example.com/other-case\n',
      '[remote "origin"]\n\turl = ../relative/app\n',
    ];
    for (const spelling of spellings) {
      writeFileSync(config, base + spelling);
      expect(discoverChecked(repo), spelling).toBeTruthy();
    }
    writeFileSync(config, base);
    writeFileSync(sb.env.GIT_CONFIG_GLOBAL!, '[user]\n\tname = someone\n[remote "origin"]\n\turl = https://example.com/from-global\n');
    expect(discoverChecked(repo)).toMatchObject({ originUrl: 'https://example.com/from-global' });
  });

  it('unusual layouts and settings are left to git (undefined), and git then answers as before', async () => {
    const repo = createRepo(join(sb.root, 'repo'), sb.env);
    const config = join(repo, '.git', 'config');
    const base = readFileSync(config, 'utf8');
    expect(discoverRepo(join(repo, '.git'), sb.env)).toBeUndefined();
    expect(discoverRepo(join(repo, '.git', 'refs'), sb.env)).toBeUndefined();
    git(sb.root, ['init', '-q', '--bare', join(sb.root, 'bare.git')], sb.env);
    expect(discoverRepo(join(sb.root, 'bare.git'), sb.env)).toBeUndefined();
    expect(discoverRepo(repo, { ...sb.env, GIT_CEILING_DIRECTORIES: sb.root })).toBeUndefined();
    expect(discoverRepo(repo, { ...sb.env, GIT_CONFIG_PARAMETERS: "'remote.origin.url'='x'" })).toBeUndefined();
    for (const extra of ['[include]\n\tpath = other\n', '[core]\n\tworktree = /elsewhere\n', '[core]\n\tbare = true\n', '[extensions]\n\tworktreeConfig = true\n', '[remote "origin"]\n\turl\n', '[remote "origin"\n']) {
      writeFileSync(config, base + extra);
      expect(discoverRepo(repo, sb.env), extra).toBeUndefined();
    }
    // An include in the global config only matters while the repository sets no origin of its own.
    writeFileSync(config, base);
    writeFileSync(sb.env.GIT_CONFIG_GLOBAL!, '[includeIf "gitdir:~/work/"]\n\tpath = work.gitconfig\n');
    expect(discoverRepo(repo, sb.env)).toBeUndefined();
    writeFileSync(config, `${base}[remote "origin"]\n\turl = https://example.com/app.git\n`);
    expect(discoverChecked(repo)).toMatchObject({ originUrl: 'https://example.com/app.git' });
    // resolveRepoAndIdentity falls back to git for what the reader leaves: the same repository either way.
    writeFileSync(config, `${base}[extensions]\n\tnoop = true\n`);
    const viaGit = await resolveRepoAndIdentity(repo, sb.env);
    expect(viaGit).toEqual({ repo: await resolveRepo(repo, sb.env), identity: join(repo, '.git') });
  });

  it('resolveRepoAndIdentity gives the same repository and identity from the files as from git', async () => {
    const repo = createRepo(join(sb.root, 'repo'), sb.env);
    git(repo, ['remote', 'add', 'origin', 'git@github.com:Acme/App.git'], sb.env);
    git(repo, ['worktree', 'add', '-q', '-b', 'side', join(sb.root, 'side')], sb.env);
    for (const cwd of [repo, join(sb.root, 'side')]) {
      const fromFiles = await resolveRepoAndIdentity(cwd, sb.env);
      // A variable that only sends the reader to git: git's answer, for comparison.
      const fromGit = await resolveRepoAndIdentity(cwd, { ...sb.env, GIT_CONFIG_COUNT: '0' });
      expect({ repo: fromFiles?.repo, identity: fromFiles?.identity }).toEqual(fromGit);
      expect(fromFiles?.identity).toBe('github.com/Acme/App');
      // Read from the files: its refs may be read so too (localrefs.ts); git's answer says nothing of that.
      expect(fromFiles?.plain).toMatchObject({ commonDir: fromGit?.repo.commonDir, mainWorktree: fromGit?.repo.mainWorktree });
      expect(fromGit?.plain).toBeUndefined();
    }
  });
});

describe('parseGitConfig: what git --list reads, or undefined', () => {
  /** git's own reading of a config text, as section.subsection.key=value lines (null: git refuses it). */
  function gitList(text: string): string[] | null {
    const file = join(sb.root, `config-${Math.random().toString(16).slice(2)}`);
    writeFileSync(file, text);
    const result = spawnSync('git', ['config', '--file', file, '--list', '-z'], { env: sb.env, encoding: 'utf8' });
    if (result.status !== 0) return null;
    return result.stdout.split('\0').filter(Boolean).map((item) => item.replace('\n', '='));
  }

  function ourList(text: string): string[] | undefined {
    return parseGitConfig(text)?.map((e) => `${e.section}.${e.subsection === null ? '' : `${e.subsection}.`}${e.key}${e.value === null ? '' : `=${e.value}`}`);
  }

  it.each([
    '[core]\n\tbare = false\n\tfilemode = true\n',
    '[remote "origin"]\n\turl = a\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n',
    '# comment\n; another\n[a]\nb = c # trailing\nd = "e ; f" ; g\n',
    '[a]\n\tb =   spaced   out   value   \n',
    '[a]\n\tb = tab\there\n',
    '[a "sub \\" quote"]\n\tk = v\n',
    '[a.B]\n\tk = v\n',
    '[a]\n\tflag\n\tother = 1\n',
    '[a]\n\tk = line\\\n  continued\n',
    '[a]\n\tk = esc \\t \\n \\b \\\\ \\"\n',
    '[a] k = same line\n',
    '\ufeff[a]\n\tk = bom\n',
    '[a]\r\n\tk = crlf\r\n',
    '[a]\n\tk-dash = v\n',
  ])('agrees with git: %j', (text) => {
    const ours = ourList(text);
    expect(ours).toBeDefined();
    expect(ours).toEqual(gitList(text));
  });

  it.each(['[a\n', '[a "b]\n', '[a]\n\t1k = v\n', '[a]\n\tk = bad \\q escape\n', '[a]\n\tk = "unclosed\n', '[a]\n\tk v\n'])(
    'refuses what git refuses: %j',
    (text) => {
      expect(gitList(text)).toBeNull();
      expect(parseGitConfig(text)).toBeUndefined();
    },
  );
});
