/**
 * SIGINT (or SIGTERM) at every step of the `cwt new` pipeline rolls back everything already made: no
 * worktree, no branch, no session row, no namespace, no state dir, no lease, no run journal, and the repository
 * lock is free again. The steps come from the pipeline itself, so a new step is interrupted too.
 * CWT_FAILPOINT=after:<step> holds the pipeline right after a step so the signal lands exactly there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScenario, emptyFootprint, enableEveryNewStep, type Scenario } from '../helpers/scenario.js';
import { startCwt, waitForStderr } from '../helpers/cli.js';
import { git, writeFile } from '../helpers/git.js';
import { SqliteStore } from '../../src/core/store/sqlite.js';
import { MESSAGES } from '../../src/texts/messages.js';
import { NEW_STEP_IDS } from '../../src/commands/new.js';
import { trustRepoConfig } from '../helpers/trust.js';

let s: Scenario;
const CONFIG = { setup: ['true'], leases: { PORT: { kind: 'port', range: [47100, 47199] }, DB_NAME: { pattern: 'app_{slug_}' } } };
beforeAll(() => {
  s = createScenario();
  enableEveryNewStep(s, CONFIG);
});
afterAll(() => s.cleanup());


describe('interrupting cwt new', () => {
  // The 'conversation' step runs only for --fork and a recreating attach: conversation-killed-midway.test.ts interrupts it.
  it.each(NEW_STEP_IDS.filter((id) => id !== 'conversation').map((step) => [step, step === 'memory' ? 'SIGTERM' : 'SIGINT'] as const))(
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
