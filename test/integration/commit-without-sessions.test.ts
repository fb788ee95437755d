/**
 * A repository with cwt's git hooks but no cwt session commits exactly as it would without them: no output,
 * nothing recorded. Sessions of another repository change nothing about that.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readEvents, runGit } from '../helpers/commit.js';
import { createRepo, git, writeFile } from '../helpers/git.js';
import { createScenario, type Scenario } from '../helpers/scenario.js';
import { join } from 'node:path';

describe('a repository with no cwt session', () => {
  let s: Scenario;
  beforeEach(() => {
    s = createScenario();
  });
  afterEach(() => s.cleanup());

  it('commits with no output from cwt, with or without sessions elsewhere', async () => {
    const installed = await s.cwt(['install', '--git-hooks']);
    expect(installed.code, installed.stderr).toBe(0);
    for (const round of [1, 2]) {
      writeFile(s.repo, `file${round}.txt`, `${round}\n`);
      expect(runGit(s.repo, ['add', '-A'], s.env).code).toBe(0);
      const result = runGit(s.repo, ['commit', '-m', `round ${round}`], s.env);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toBe('');
      // git's own one-line summary and nothing else.
      expect(result.stdout).toMatch(new RegExp(`^\\[main [0-9a-f]+\\] round ${round}\\n 1 file changed, 1 insertion\\(\\+\\)\\n create mode 100644 file${round}.txt\\n$`));
      expect(git(s.repo, ['log', '--format=%s', '-1'])).toBe(`round ${round}`);
      if (round === 1) {
        // Now another repository gets a session: this one still has none.
        const other = createRepo(join(s.root, 'other'));
        expect((await s.cwt(['new', 'x', '--no-launch'], { cwd: other })).code).toBe(0);
      }
    }
    expect(await readEvents(s.cwtHome, 'commit')).toEqual([]);
  });
});
