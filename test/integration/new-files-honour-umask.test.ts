/**
 * Files cwt creates take the modes a user expects: a new file honours the umask (as any editor's would), a
 * new file under the Claude home is private (settings there can hold secrets: env, apiKeyHelper), and an
 * existing file keeps its own mode whatever the umask. The built CLI, started under a chosen umask.
 */
import { chmodSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCwt } from '../helpers/cli.js';
import { createScenario, type Scenario } from '../helpers/scenario.js';

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe('modes of the files cwt creates', () => {
  let s: Scenario;
  beforeEach(() => (s = createScenario()));
  afterEach(() => s.cleanup());

  it('a new file honours the umask; an existing file keeps its mode', async () => {
    const fresh = join(s.repo, 'notes', 'index.md');
    mkdirSync(join(s.repo, 'notes'));
    const created = await runCwt(['write', fresh], { cwd: s.repo, env: s.env, input: '# notes\n', umask: '027' });
    expect(created.code, created.stderr).toBe(0);
    expect(modeOf(fresh)).toBe(0o640);

    const shared = join(s.repo, 'notes', 'shared.md');
    writeFileSync(shared, 'old\n');
    chmodSync(shared, 0o664);
    const replaced = await runCwt(['write', shared], { cwd: s.repo, env: s.env, input: 'new\n', umask: '077' });
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(modeOf(shared)).toBe(0o664);
  });

  it('a new file under the Claude home is private (0600), by cwt write and by cwt install --global', async () => {
    mkdirSync(join(s.claudeHome, 'skills'), { recursive: true });
    const index = join(s.claudeHome, 'skills', '_index.md');
    const written = await runCwt(['write', index], { cwd: s.repo, env: s.env, input: '# Skills\n', umask: '022' });
    expect(written.code, written.stderr).toBe(0);
    expect(modeOf(index)).toBe(0o600);

    const installed = await runCwt(['install', '--global'], { cwd: s.repo, env: s.env, umask: '022' });
    expect(installed.code, installed.stderr).toBe(0);
    expect(modeOf(join(s.claudeHome, 'settings.json'))).toBe(0o600);
  });
});
