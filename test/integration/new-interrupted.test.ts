/**
 * SIGINT (or SIGTERM) at every step of the `cwt new` pipeline rolls back everything already made: no
 * worktree, no branch, no session row, no namespace, no state dir, no lease, and the repository lock is free again.
 * CWT_FAILPOINT=after:<step> holds the pipeline right after a step so the signal lands exactly there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScenario, emptyFootprint, type Scenario } from '../helpers/scenario.js';
import { startCwt, waitForStderr } from '../helpers/cli.js';
import { git, writeFile } from '../helpers/git.js';
import { SqliteStore } from '../../src/core/store/sqlite.js';
import { MESSAGES } from '../../src/ui/messages.js';
import { trustRepoConfig } from '../helpers/trust.js';

let s: Scenario;
const CONFIG = { setup: ['true'], leases: { PORT: { kind: 'port', range: [47100, 47199] }, DB_NAME: { pattern: 'app_{slug_}' } } };
beforeAll(() => {
  s = createScenario();
  // Enable the optional steps so every step of the pipeline runs.
  writeFile(s.repo, '.gitignore', '.env\n');
  writeFile(s.repo, '.worktreeinclude', '.env\n');
  writeFile(s.repo, '.cwt.json', JSON.stringify(CONFIG));
  git(s.repo, ['add', '-A']);
  git(s.repo, ['commit', '-q', '-m', 'config']);
  trustRepoConfig(s.repo, s.env);
  writeFile(s.repo, '.env', 'X=1\n');
  // Canonical memory to copy, so the memory step really writes files.
  writeFile(`${s.claudeHome}/projects/${s.repo.replace(/[^A-Za-z0-9]/g, '-')}/memory`, 'MEMORY.md', '# m\n');
});
afterAll(() => s.cleanup());

const STEPS = ['lock', 'worktree', 'memory', 'register', 'leases', 'include', 'instructions', 'unlock', 'setup'];

describe('interrupting cwt new', () => {
  it.each(STEPS.map((step) => [step, step === 'memory' ? 'SIGTERM' : 'SIGINT'] as const))(
    'after step "%s" (%s) leaves nothing behind',
    async (step, signal) => {
      const { child, result } = startCwt(['new', 'feat/int', '--no-launch'], {
        cwd: s.repo,
        env: { ...s.env, CWT_FAILPOINT: `after:${step}` },
      });
      await waitForStderr(child, (text) => text.includes(`cwt-failpoint: ${step}`));
      child.kill(signal);
      const { code, stderr } = await result;
      expect(stderr).toContain(MESSAGES.rolledBack);
      expect(code).toBe(130);
      expect(await s.footprint()).toEqual(emptyFootprint(s.repo));
      const store = new SqliteStore(s.cwtHome);
      expect(await store.listLeases()).toEqual([]);
      await store.close();
    },
  );

  it('the repository lock was released by every rollback: a new session starts at once', async () => {
    const result = await s.cwt(['new', 'feat/after', '--no-launch']);
    expect(result.code).toBe(0);
  });

  it('a failing setup command rolls back too, with exit 1 and the command named', async () => {
    writeFile(s.repo, '.cwt.json', JSON.stringify({ setup: ['exit 9'] }));
    trustRepoConfig(s.repo, s.env);
    try {
      const before = await s.footprint();
      const result = await s.cwt(['new', 'feat/setup-fails', '--no-launch']);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(MESSAGES.setupFailed('exit 9', 9));
      expect(await s.footprint()).toEqual(before);
    } finally {
      writeFile(s.repo, '.cwt.json', JSON.stringify(CONFIG));
      trustRepoConfig(s.repo, s.env);
    }
  });
});
