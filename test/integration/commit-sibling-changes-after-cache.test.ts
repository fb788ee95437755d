/**
 * The commit check reads a sibling worktree's changes from its index (kept between commits by the per-user
 * service) and lstat instead of running `git status` there. Held to git's own answer:
 * - in each situation a sibling can be in (clean, edited, edited to the same size within the same instant,
 *   staged, deleted, staged deletion, untracked, ignored, conflicted, racily clean, a link on the way, a
 *   directory where the file was), what it reports is what `git status -- <paths>` lists, or it says it cannot
 *   tell and git is asked;
 * - a change in the sibling after its index was read and kept is still seen, whether the index changed
 *   (`git add`) or only the file did; and through real commits: the second commit of the same file after the
 *   sibling started editing it warns, as git status would have it.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, renameSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getCurrentBranch, getHeadAndBranch, listChangedPathsIn, resolveCommit, resolveRepo } from '../../src/core/git/git.js';
import { clearSiblingChangeCache, getSiblingChangeCacheSize, listSiblingChanges } from '../../src/core/git/siblingchanges.js';
import { SqliteStore } from '../../src/core/store/sqlite.js';
import { MESSAGES } from '../../src/texts/messages.js';
import { runGit } from '../helpers/commit.js';
import { commitAll, git, writeFile } from '../helpers/git.js';
import { createScenario, type Scenario } from '../helpers/scenario.js';

const PATHS = ['a.txt', 'dir/b.txt', 'dir/c.txt', 'new.txt', 'x.log', 'exec.sh'];

describe('sibling changes read from its index, against git status', () => {
  let s: Scenario;
  let sibling: string;
  let commonDir: string;
  beforeEach(async () => {
    s = createScenario();
    writeFile(s.repo, 'a.txt', 'a\n');
    writeFile(s.repo, 'dir/b.txt', 'b\n');
    writeFile(s.repo, 'dir/c.txt', 'c\n');
    writeFile(s.repo, 'exec.sh', 'echo\n');
    writeFile(s.repo, '.gitignore', '*.log\n');
    commitAll(s.repo, 'files');
    sibling = join(s.root, 'sibling');
    git(s.repo, ['worktree', 'add', '-q', '-b', 'sib', sibling]);
    commonDir = (await resolveRepo(s.repo)).commonDir;
    clearSiblingChangeCache();
    settle();
  });
  afterEach(() => s.cleanup());

  let settled = 0;
  /**
   * Tracked files older than the index (a checkout writes both in the same instant: racily clean), each time in
   * another whole second: git compares times to the second, so a refresh within one would keep the old ones.
   */
  function settle() {
    const past = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000 - ++settled * 2_000);
    for (const path of ['a.txt', 'dir/b.txt', 'dir/c.txt', 'exec.sh', '.gitignore']) utimesSync(join(sibling, path), past, past);
    git(sibling, ['update-index', '-q', '--refresh']);
  }

  const head = () => git(sibling, ['rev-parse', 'HEAD']);
  const fromIndex = () => listSiblingChanges(sibling, head(), PATHS, commonDir, s.repo);
  // Once per path: a path both deleted in the index and present in the worktree is listed twice (D and ??).
  const fromGit = async () => [...new Set((await listChangedPathsIn(sibling, PATHS)).map((entry) => entry.path).filter((path) => PATHS.includes(path)))].sort();
  /** What the check uses: the index's answer where it has one, git's where not; and whether git was needed. */
  async function expectAsGit(): Promise<'index' | 'git'> {
    const known = await fromIndex();
    const truth = await fromGit();
    if (known !== undefined) expect([...known].sort()).toEqual(truth);
    return known === undefined ? 'git' : 'index';
  }

  it('answers as git status does in every situation, asking git where it cannot tell', async () => {
    // Clean: answered from the index, nothing listed.
    expect(await fromIndex()).toEqual([]);
    expect(await expectAsGit()).toBe('index');

    // Edited (another size): the stat differs, git is asked (it lists the file).
    writeFileSync(join(sibling, 'a.txt'), 'a, edited\n');
    expect(await expectAsGit()).toBe('git');
    expect(await fromGit()).toEqual(['a.txt']);
    // Staged: the index entry differs from HEAD's, answered from the index.
    git(sibling, ['add', 'a.txt']);
    expect(await fromIndex()).toEqual(['a.txt']);
    expect(await expectAsGit()).toBe('index');
    git(sibling, ['reset', '-q', '--hard']);
    settle();

    // Deleted in the worktree, and deleted in the index: both listed, from the index.
    rmSync(join(sibling, 'dir', 'b.txt'));
    expect((await fromIndex())?.sort()).toEqual(['dir/b.txt']);
    git(sibling, ['rm', '-q', '--cached', 'dir/c.txt']);
    expect((await fromIndex())?.sort()).toEqual(['dir/b.txt', 'dir/c.txt']);
    expect(await expectAsGit()).toBe('index');
    git(sibling, ['reset', '-q', '--hard']);
    settle();

    // Untracked, and ignored: git decides (the index cannot say whether an ignore rule applies).
    writeFileSync(join(sibling, 'new.txt'), 'new\n');
    expect(await expectAsGit()).toBe('git');
    expect(await fromGit()).toEqual(['new.txt']);
    rmSync(join(sibling, 'new.txt'));
    writeFileSync(join(sibling, 'x.log'), 'log\n');
    expect(await expectAsGit()).toBe('git');
    expect(await fromGit()).toEqual([]);
    rmSync(join(sibling, 'x.log'));

    // Mode: an executable bit added.
    chmodSync(join(sibling, 'exec.sh'), 0o755);
    expect(await expectAsGit()).toBe('git');
    expect(await fromGit()).toEqual(['exec.sh']);
    chmodSync(join(sibling, 'exec.sh'), 0o644);
    settle();

    // A link on the way to a tracked file: git sees the file as gone.
    renameSync(join(sibling, 'dir'), join(sibling, 'dir-moved'));
    symlinkSync(join(sibling, 'dir-moved'), join(sibling, 'dir'));
    expect((await fromIndex())?.sort()).toEqual(['dir/b.txt', 'dir/c.txt']);
    expect(await expectAsGit()).toBe('index');
    rmSync(join(sibling, 'dir'));
    renameSync(join(sibling, 'dir-moved'), join(sibling, 'dir'));

    // A directory where the file was.
    rmSync(join(sibling, 'a.txt'));
    mkdirSync(join(sibling, 'a.txt'));
    writeFileSync(join(sibling, 'a.txt', 'inner'), 'x\n');
    expect(await expectAsGit()).toBe('git');
    expect(await fromGit()).toEqual(['a.txt']);
    rmSync(join(sibling, 'a.txt'), { recursive: true });
    git(sibling, ['checkout', '-q', '--', 'a.txt']);
    settle();
    expect(await expectAsGit()).toBe('index');
  });

  it('a racily clean entry (the file no older than the index) goes to git, which would hash it', async () => {
    expect(await expectAsGit()).toBe('index');
    // The entries' times stay as they are (a minute ago); the index now looks older than them.
    const indexPath = join(commonDir, 'worktrees', 'sibling', 'index');
    const older = new Date(Date.now() - 120_000);
    utimesSync(indexPath, older, older);
    expect(await expectAsGit()).toBe('git');
  });

  it('sees a change made after the index was read and kept: the file alone, or the index too', async () => {
    expect(await fromIndex()).toEqual([]);
    expect(getSiblingChangeCacheSize().indexes).toBe(1);
    // Same size, same content length, within the same second: the stat (ns times, ctime) still differs.
    writeFileSync(join(sibling, 'a.txt'), 'b\n');
    expect(await expectAsGit()).toBe('git');
    expect(await fromGit()).toEqual(['a.txt']);
    // Staged after the cache was filled: the index file is another one, read again.
    git(sibling, ['add', 'a.txt']);
    expect(await fromIndex()).toEqual(['a.txt']);
    // Back to HEAD's content in the index, the file still edited: nothing stale is reused.
    git(sibling, ['reset', '-q', '--', 'a.txt']);
    expect(await expectAsGit()).toBe('git');
    expect(await fromGit()).toEqual(['a.txt']);
    // A new commit on the sibling's branch: its HEAD's tree is another, looked up again.
    git(sibling, ['commit', '-q', '-am', 'sibling: a']);
    await expectAsGit();
    expect(await fromGit()).toEqual([]);
  });

  it('an index it does not read (version 4, a split index) goes to git', async () => {
    expect(await expectAsGit()).toBe('index');
    git(sibling, ['update-index', '--index-version', '4']);
    expect(await expectAsGit()).toBe('git');
    git(sibling, ['update-index', '--index-version', '2']);
    expect(await expectAsGit()).toBe('index');
    git(sibling, ['update-index', '--split-index']);
    expect(await expectAsGit()).toBe('git');
  });

  it('refuses a worktree whose .git points outside the repository, and an index that is a link or a FIFO', async () => {
    const tip = head();
    expect(await listSiblingChanges(sibling, tip, PATHS, commonDir, s.repo)).toEqual([]);
    const stranger = join(s.root, 'stranger');
    mkdirSync(stranger);
    git(stranger, ['init', '-q', '-b', 'main']);
    expect(await listSiblingChanges(stranger, tip, PATHS, commonDir, s.repo)).toBeUndefined();
    writeFileSync(join(sibling, '.git'), `gitdir: ${join(stranger, '.git')}\n`);
    expect(await listSiblingChanges(sibling, tip, PATHS, commonDir, s.repo)).toBeUndefined();
    writeFileSync(join(sibling, '.git'), `gitdir: ${join(commonDir, 'worktrees', 'sibling')}\n`);
    expect(await listSiblingChanges(sibling, tip, PATHS, commonDir, s.repo)).toEqual([]);
    // An index that is a link, or a FIFO (which would block a plain open): not read, and no wait.
    const index = join(commonDir, 'worktrees', 'sibling', 'index');
    renameSync(index, `${index}.real`);
    symlinkSync(`${index}.real`, index);
    clearSiblingChangeCache();
    expect(await listSiblingChanges(sibling, tip, PATHS, commonDir, s.repo)).toBeUndefined();
    rmSync(index);
    expect(spawnSync('mkfifo', [index]).status).toBe(0);
    expect(await listSiblingChanges(sibling, tip, PATHS, commonDir, s.repo)).toBeUndefined();
  });
});

describe('a sibling session starts editing a file after a commit of it was checked', () => {
  let s: Scenario;
  beforeEach(() => {
    s = createScenario();
  });
  afterEach(() => s.cleanup());

  it('the next commit of that file warns about the sibling, as git status has it', async () => {
    writeFile(s.repo, 'f.txt', 'one\n');
    commitAll(s.repo, 'f');
    const worktrees: string[] = [];
    for (const branch of ['a', 'b']) {
      const created = await s.cwt(['new', branch, '--no-launch']);
      expect(created.code, created.stderr).toBe(0);
      worktrees.push(created.stdout.trim());
    }
    const [mine, theirs] = worktrees as [string, string];
    const store = new SqliteStore(s.cwtHome);
    const sessions = await store.listSessions();
    await store.close();
    const env = { ...s.env, CWT_SESSION: sessions.find((session) => session.worktree === mine)!.id };
    const commit = (text: string) => {
      writeFile(mine, 'f.txt', text);
      expect(runGit(mine, ['add', 'f.txt'], env).code).toBe(0);
      return runGit(mine, ['commit', '-q', '-m', text.trim()], env);
    };
    // The sibling's index is read (and, with the service, kept): nothing there.
    expect(commit('two\n')).toEqual({ code: 0, stdout: '', stderr: '' });
    // The sibling edits the file; same length as before, right away; then commits here again.
    writeFileSync(join(theirs, 'f.txt'), 'uno\n');
    const second = commit('three\n');
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain(MESSAGES.checkOverlapHeader(false));
    expect(second.stderr).toContain(MESSAGES.checkOverlapPath('f.txt', 'uncommitted'));
    // The sibling stages it: still seen, from its new index.
    git(theirs, ['add', 'f.txt']);
    const third = commit('four\n');
    expect(third.stderr).toContain(MESSAGES.checkOverlapPath('f.txt', 'uncommitted'));
    // The sibling undoes its change: the warning goes.
    git(theirs, ['reset', '-q', '--hard']);
    expect(commit('five\n')).toEqual({ code: 0, stdout: '', stderr: '' });
  });
});

describe("the check's HEAD and branch in one git call", () => {
  let s: Scenario;
  beforeEach(() => {
    s = createScenario();
  });
  afterEach(() => s.cleanup());

  it('says what resolveCommit(HEAD) and getCurrentBranch say: a branch, an ambiguous one, detached, unborn', async () => {
    const apart = async () => ({ head: await resolveCommit('HEAD', s.repo), branch: await getCurrentBranch(s.repo) });
    expect(await getHeadAndBranch(s.repo)).toEqual({ head: git(s.repo, ['rev-parse', 'HEAD']), branch: 'main' });
    git(s.repo, ['checkout', '-q', '-b', 'amb']);
    git(s.repo, ['tag', 'amb']);
    expect(await getHeadAndBranch(s.repo)).toEqual({ head: git(s.repo, ['rev-parse', 'HEAD']), branch: 'heads/amb' });
    expect(await getHeadAndBranch(s.repo)).toEqual(await apart());
    git(s.repo, ['checkout', '-q', '--detach']);
    expect(await getHeadAndBranch(s.repo)).toEqual({ head: git(s.repo, ['rev-parse', 'HEAD']), branch: '' });
    expect(await getHeadAndBranch(s.repo)).toEqual(await apart());
    git(s.repo, ['checkout', '-q', '--orphan', 'fresh']);
    expect(await getHeadAndBranch(s.repo)).toEqual({ head: undefined, branch: 'fresh' });
    expect(await getHeadAndBranch(s.repo)).toEqual(await apart());
  });
});
