import { defineConfig } from 'vitest/config';
import { CLAUDE_END_VARIABLE, CLAUDE_ENDS, getClaudeBinary } from './test/helpers/claude-range.js';

// The e2e suite runs once per end of the supported Claude Code range; the project name carries the version,
// so every e2e test title (and the closing summary) says which binary it ran against.
const e2eProjects = CLAUDE_ENDS.map((end) => ({
  extends: true as const,
  test: {
    name: `e2e claude ${getClaudeBinary(end).version} (${end})`,
    include: ['test/e2e/**/*.test.ts'],
    env: { [CLAUDE_END_VARIABLE]: end },
  },
}));

export default defineConfig({
  test: {
    reporters: ['default', './test/summary-reporter.ts'],
    // Integration and e2e tests spawn real processes and git; give them room on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit and integration',
          include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
          // A throwaway PostgreSQL server for the suites that run against both stores.
          globalSetup: ['./test/setup/postgres.ts'],
        },
      },
      {
        extends: true,
        test: {
          // The commit scenarios again, with the per-user service running: git's pre-commit shim asks it
          // instead of starting Node (test/helpers/commit.ts starts it). Same assertions, same verdicts.
          name: 'commit checks through the service',
          include: ['test/integration/commit-*.test.ts'],
          // commit-journal watches entries wait for a reader: the running service is one, and replays them at once.
          exclude: ['test/integration/commit-check-through-service.test.ts', 'test/integration/commit-journal.test.ts'],
          env: { CWT_TEST_GIT_SERVICE: '1' },
          globalSetup: ['./test/setup/postgres.ts'],
        },
      },
      {
        extends: true,
        test: {
          // The dashboard in a real browser (Debian's chromium, headless; test/helpers/browser.ts).
          name: 'browser (chromium)',
          include: ['test/browser/**/*.test.ts'],
          globalSetup: ['./test/setup/postgres.ts'],
        },
      },
      ...e2eProjects,
    ],
  },
});
