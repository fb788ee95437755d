/** Config-file tests: a fresh sandbox and an empty repository directory for each test of the enclosing suite. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { REPO_CONFIG_FILE } from '../../src/core/config/load.js';
import { createSandbox, type Sandbox } from './env.js';

export interface ConfigFixture {
  readonly sandbox: Sandbox;
  /** A directory to pass as `repoRoot`. */
  readonly repo: string;
  /** Writes the repository's config file: text as is, anything else as JSON. */
  writeRepoConfig(content: unknown): void;
}

export function useConfigFixture(): ConfigFixture {
  let sandbox: Sandbox | undefined;
  beforeEach(() => {
    sandbox = createSandbox();
    mkdirSync(join(sandbox.root, 'repo'));
  });
  afterEach(() => sandbox?.cleanup());
  return {
    get sandbox() {
      return sandbox!;
    },
    get repo() {
      return join(sandbox!.root, 'repo');
    },
    writeRepoConfig(content) {
      writeFileSync(join(sandbox!.root, 'repo', REPO_CONFIG_FILE), typeof content === 'string' ? content : JSON.stringify(content));
    },
  };
}
