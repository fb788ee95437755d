/**
 * The command hook's V8 code cache (bin/cwt.js on Node 20, which has no module.enableCompileCache): written
 * once into the private state dir, used by the next call, and never trusted blindly. A corrupt or foreign
 * cache changes no answer; a cache that is not private is not read; a cache directory that is a symlink is
 * neither read nor written through.
 */
import module from 'node:module';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCwt } from '../helpers/cli.js';
import { createScenario, type Scenario } from '../helpers/scenario.js';

// Node >= 22.1 has its own compile cache, which bin/cwt.js uses instead.
const hasOwnCompileCache = typeof (module as { enableCompileCache?: unknown }).enableCompileCache === 'function';

describe.skipIf(hasOwnCompileCache)('the command hook code cache', () => {
  let s: Scenario;
  let cacheDir: string;
  let payload: string;

  beforeEach(() => {
    s = createScenario();
    cacheDir = join(s.cwtHome, 'cache');
    // A plain tab's shell write into Claude Code's own settings: denied, so every answer has a body to compare.
    payload = JSON.stringify({
      session_id: 'tab-cache-1',
      hook_event_name: 'PreToolUse',
      cwd: s.repo,
      tool_name: 'Bash',
      tool_input: { command: `echo '{}' > ${join(s.claudeHome, 'settings.json')}` },
    });
  });
  afterEach(() => s.cleanup());

  const hook = (env = s.env) => runCwt(['hook', 'pre-tool-use'], { cwd: s.repo, env, input: payload });
  const cacheFiles = () => (existsSync(cacheDir) ? readdirSync(cacheDir).filter((name) => name.endsWith('.v8')) : []);

  it('is written 0600 in a 0700 directory after the first call, then used without being rewritten', async () => {
    const uncached = await hook({ ...s.env, CWT_NO_CODE_CACHE: '1' });
    expect(uncached.code).toBe(0);
    expect(uncached.stdout).toContain('"permissionDecision":"deny"');
    expect(cacheFiles()).toEqual([]);

    const first = await hook();
    expect(first).toMatchObject({ code: 0, stdout: uncached.stdout });
    const [name] = cacheFiles();
    expect(name).toMatch(/^hook-v\d+\.\d+\.\d+-/);
    expect(statSync(cacheDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(cacheDir, name!)).mode & 0o777).toBe(0o600);
    const written = statSync(join(cacheDir, name!)).mtimeMs;

    const second = await hook();
    expect(second).toMatchObject({ code: 0, stdout: uncached.stdout, stderr: '' });
    // Accepted by V8: not written again.
    expect(cacheFiles()).toEqual([name]);
    expect(statSync(join(cacheDir, name!)).mtimeMs).toBe(written);
  });

  it('the hook bundle and the other lean commands keep a cache each; none removes another', async () => {
    const append = () => runCwt(['append', join(s.root, 'index.md'), '- one', '--unique'], { cwd: s.repo, env: s.env });
    await hook();
    const status = await runCwt(['status'], { cwd: s.repo, env: s.env });
    expect(status.code).toBe(0);
    expect((await append()).code).toBe(0);
    const all = cacheFiles().sort();
    // status and append a bundle each: one shared cache would hold the code of whichever ran first.
    expect(all.map((name) => name.split('-')[0])).toEqual(['append', 'hook', 'status']);
    // Each is used from then on: no call writes (or removes) a file.
    const times = all.map((name) => statSync(join(cacheDir, name)).mtimeMs);
    expect((await hook()).code).toBe(0);
    expect((await runCwt(['status'], { cwd: s.repo, env: s.env })).code).toBe(0);
    expect((await append()).code).toBe(0);
    expect(cacheFiles().sort()).toEqual(all);
    expect(all.map((name) => statSync(join(cacheDir, name)).mtimeMs)).toEqual(times);
  });

  it("a bundle's cache goes with its earlier builds and with bundles this build no longer has", async () => {
    await hook();
    const [current] = cacheFiles();
    // An earlier build's cache of the bundle about to write one, one of a bundle an upgrade split (lean.cjs), and a
    // file that is no cache of cwt's naming; the hook's own cache is another bundle's, and current.
    const stale = ['status-v20.0.0-x64-1-1-1-0.v8', 'lean-v20.20.2-x64-164336-1-1-f90c4a3b.v8'];
    for (const name of [...stale, 'notes.txt']) writeFileSync(join(cacheDir, name), 'old', { mode: 0o600 });
    // The status run writes its own cache, and clears out what no bundle of this build will read.
    expect((await runCwt(['status'], { cwd: s.repo, env: s.env })).code).toBe(0);
    const left = readdirSync(cacheDir);
    expect(left.filter((name) => name !== current && name !== 'notes.txt')).toEqual([expect.stringMatching(new RegExp(`^status-${process.version}-`))]);
    expect(left).toEqual(expect.arrayContaining([current!, 'notes.txt']));
  });

  it('a command line left to the full CLI (help) writes no cache: the run that answers writes it', async () => {
    // The state dir (and the hook's cache in it) exists, so a cache could be written.
    expect((await hook()).code).toBe(0);
    const [hookCache] = cacheFiles();
    const help = await runCwt(['status', '--help'], { cwd: s.repo, env: s.env });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('cwt status');
    expect(cacheFiles()).toEqual([hookCache]);
    expect((await runCwt(['status'], { cwd: s.repo, env: s.env })).code).toBe(0);
    expect(cacheFiles().sort()).toEqual([hookCache, expect.stringMatching(/^status-v.*-[0-9a-f]+\.v8$/)]);
  });

  it("a session's first hook (SessionStart) leaves a partial cache; the first PreToolUse replaces it with a full one, once", async () => {
    const start = JSON.stringify({ session_id: 'tab-cache-1', hook_event_name: 'SessionStart', cwd: s.repo, source: 'startup' });
    const sessionStart = () => runCwt(['hook', 'session-start'], { cwd: s.repo, env: s.env, input: start });
    expect((await sessionStart()).code).toBe(0);
    const [partial] = cacheFiles();
    expect(partial).toMatch(/^hook-v.*\.partial\.v8$/);
    // Used as it is by the next calls that are not tool calls: not rewritten.
    const written = statSync(join(cacheDir, partial!)).mtimeMs;
    expect((await sessionStart()).code).toBe(0);
    expect(cacheFiles()).toEqual([partial]);
    expect(statSync(join(cacheDir, partial!)).mtimeMs).toBe(written);
    const first = await hook();
    expect(first.stdout).toContain('"permissionDecision":"deny"');
    const [full] = cacheFiles();
    expect(full).toBe(partial!.replace(/\.partial\.v8$/, '.v8'));
    const fullWritten = statSync(join(cacheDir, full!)).mtimeMs;
    expect(await hook()).toMatchObject({ code: 0, stdout: first.stdout });
    expect((await sessionStart()).code).toBe(0);
    expect(cacheFiles()).toEqual([full]);
    expect(statSync(join(cacheDir, full!)).mtimeMs).toBe(fullWritten);
  });

  it('a corrupt cache changes no answer and is replaced', async () => {
    const reference = await hook();
    const [name] = cacheFiles();
    writeFileSync(join(cacheDir, name!), 'not v8 data', { mode: 0o600 });
    const answer = await hook();
    expect(answer).toMatchObject({ code: 0, stdout: reference.stdout, stderr: '' });
    expect(readFileSync(join(cacheDir, name!), 'utf8')).not.toBe('not v8 data');
  });

  it('a cache file others may write is not read: it is replaced by a private one', async () => {
    const reference = await hook();
    const [name] = cacheFiles();
    const path = join(cacheDir, name!);
    writeFileSync(path, 'planted');
    chmodSync(path, 0o666);
    const answer = await hook();
    expect(answer).toMatchObject({ code: 0, stdout: reference.stdout });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8')).not.toBe('planted');
  });

  it('a cache directory that is a symlink is not written through', async () => {
    const elsewhere = join(s.root, 'elsewhere');
    mkdirSync(elsewhere, { mode: 0o700 });
    mkdirSync(s.cwtHome, { recursive: true, mode: 0o700 });
    rmSync(cacheDir, { recursive: true, force: true });
    symlinkSync(elsewhere, cacheDir);
    const answer = await hook();
    expect(answer.code, answer.stderr).toBe(0);
    expect(answer.stdout).toContain('"permissionDecision":"deny"');
    expect(readdirSync(elsewhere)).toEqual([]);
    expect(lstatSync(cacheDir).isSymbolicLink()).toBe(true);
  });
});
