/**
 * End to end: the REAL Claude Code binary, driven by a scripted fake Messages API, writes memory notes through
 * its Write and Edit tools. They land in the session's namespace (the directory Claude reports as
 * memory_paths.auto), not in canonical memory; `cwt end` merges them in. Two real sessions editing one note get
 * their frontmatter rewritten by Claude Code with different session ids, and still merge without a conflict.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { claudePrintArgs, describeRun, e2eEnv, findInit, normalizeDir, requireClaude, strings } from '../helpers/claude.js';
import { runCwt } from '../helpers/cli.js';
import { createSandbox, type Sandbox } from '../helpers/env.js';
import { createFakeApi, type FakeApi, type RecordedRequest, type ScriptedTurn } from '../helpers/fake-api.js';
import { createRepo } from '../helpers/git.js';
import { getCanonicalDir, writeFiles } from '../helpers/memory.js';
import { MESSAGES } from '../../src/texts/messages.js';

/** The memory directory the model was told about (CLAUDE.local.md), as a model would find it. */
function toldMemoryDir(request: RecordedRequest): string {
  const match = /- Your memory directory: (\S+)/.exec(strings(request.body).join('\n'));
  if (!match) throw new Error('the request does not name a memory directory');
  return match[1]!;
}

interface Session {
  id: string;
  memoryDir: string;
  worktree: string;
}

describe('cwt end merges what the real claude wrote to memory', () => {
  let sandbox: Sandbox;
  let repo: string;
  let canonical: string;
  const apis: FakeApi[] = [];

  beforeEach(() => {
    sandbox = createSandbox('cwt-e2e-');
    repo = createRepo(join(sandbox.root, 'repo'));
    canonical = getCanonicalDir({ claudeHome: sandbox.claudeHome, repo });
  });
  afterEach(async () => {
    await Promise.all(apis.splice(0).map((api) => api.close()));
    sandbox.cleanup();
  });

  /** `cwt new <branch>` launching claude with a script; returns the session and what claude printed. */
  async function runSession(branch: string, script: ScriptedTurn[]) {
    const api = createFakeApi({ script, finalText: 'Done.' });
    apis.push(api);
    await api.start();
    const env = e2eEnv(sandbox, api);
    const result = await runCwt(['new', branch, '--json', '--', ...claudePrintArgs('hi')], { cwd: repo, env, timeoutMs: 45_000 });
    expect(result.code, describeRun(result, api)).toBe(0);
    // stdout holds cwt's session JSON first, then claude's stream-json lines.
    const session = JSON.parse(result.stdout.slice(0, result.stdout.indexOf('\n}\n') + 2)) as Session;
    return { session, init: findInit(result.stdout), env, api, result };
  }

  it('a Write into the memory directory lands in the namespace, and in canonical after cwt end', async () => {
    requireClaude();
    writeFiles(canonical, { 'MEMORY.md': '# Memory\n' });
    const note = '---\nname: build\ndescription: how to build\nmetadata:\n  type: project\n---\n\nRun npm run build before the e2e tests.\n';
    const { session, init, env, api, result } = await runSession('feat/note', [
      (request) => ({ type: 'tool_use', name: 'Write', input: { file_path: join(toldMemoryDir(request), 'build.md'), content: note } }),
      // Claude Code refuses to overwrite a file it has not read in this session.
      (request) => ({ type: 'tool_use', name: 'Read', input: { file_path: join(toldMemoryDir(request), 'MEMORY.md') } }),
      (request) => ({ type: 'tool_use', name: 'Write', input: { file_path: join(toldMemoryDir(request), 'MEMORY.md'), content: '# Memory\n- [Build](build.md): how to build\n' } }),
      { type: 'text', text: 'Saved.' },
    ]);
    // The directory the model wrote to is the one Claude Code reports using, and it is the session's namespace.
    expect(normalizeDir(init?.memory_paths?.auto ?? ''), describeRun(result, api)).toBe(normalizeDir(session.memoryDir));
    const written = readFileSync(join(session.memoryDir, 'build.md'), 'utf8');
    expect(written).toContain('Run npm run build before the e2e tests.');
    expect(existsSync(join(canonical, 'build.md'))).toBe(false);
    expect(readFileSync(join(canonical, 'MEMORY.md'), 'utf8')).toBe('# Memory\n');

    const ended = await runCwt(['end', session.id], { cwd: repo, env });
    expect(ended.stderr).not.toContain('cwt:');
    expect(ended.code).toBe(0);
    expect(ended.stderr).toContain(`merged session ${session.id} (feat/note) into ${canonical}: 1 added, 1 merged`);
    // Byte for byte what Claude Code left in the namespace (its frontmatter rewrite included).
    expect(readFileSync(join(canonical, 'build.md'), 'utf8')).toBe(written);
    expect(readFileSync(join(canonical, 'MEMORY.md'), 'utf8')).toBe('# Memory\n- [Build](build.md): how to build\n');
  });

  it('two sessions editing different lines of one note merge cleanly despite Claude Code’s frontmatter rewrites', async () => {
    requireClaude();
    writeFiles(canonical, { 'conventions.md': '---\nname: conventions\ndescription: code conventions\n---\n\nIndent with tabs.\nCommit messages say why.\n' });
    const edit = (from: string, to: string): ScriptedTurn[] => [
      (request) => ({ type: 'tool_use', name: 'Read', input: { file_path: join(toldMemoryDir(request), 'conventions.md') } }),
      (request) => ({ type: 'tool_use', name: 'Edit', input: { file_path: join(toldMemoryDir(request), 'conventions.md'), old_string: from, new_string: to } }),
      { type: 'text', text: 'Edited.' },
    ];
    const a = await runSession('feat/a', edit('Indent with tabs.', 'Indent with two spaces.'));
    const b = await runSession('feat/b', edit('Commit messages say why.', 'Commit messages say why, in the imperative.'));
    const textA = readFileSync(join(a.session.memoryDir, 'conventions.md'), 'utf8');
    const textB = readFileSync(join(b.session.memoryDir, 'conventions.md'), 'utf8');
    // Claude Code really rewrote both copies, each with its own session id: a line merge would conflict here.
    expect(textA).toContain(`originSessionId: ${a.init?.session_id}`);
    expect(textB).toContain(`originSessionId: ${b.init?.session_id}`);
    expect(a.init?.session_id).not.toBe(b.init?.session_id);

    expect((await runCwt(['end', a.session.id], { cwd: repo, env: a.env })).code).toBe(0);
    const endB = await runCwt(['end', b.session.id], { cwd: repo, env: b.env });
    expect(endB.stderr).not.toContain('CONFLICT');
    expect(endB.code).toBe(0);
    const merged = readFileSync(join(canonical, 'conventions.md'), 'utf8');
    expect(merged).toContain('Indent with two spaces.\n');
    expect(merged).toContain('Commit messages say why, in the imperative.\n');
    expect(merged).not.toContain('Indent with tabs.');
    // One metadata block: canonical's origin (a merged first), and the later write time where the client keeps one.
    expect(merged.match(/originSessionId:/g)).toHaveLength(1);
    expect(merged).toContain(`originSessionId: ${a.init?.session_id}`);
    const modifiedB = /^ {2}modified: (.+)$/m.exec(textB)?.[1];
    if (modifiedB !== undefined) {
      expect(Date.parse(modifiedB)).toBeGreaterThan(Date.parse(/^ {2}modified: (.+)$/m.exec(textA)![1]!));
      expect(merged.match(/modified:/g)).toHaveLength(1);
      expect(merged).toContain(`modified: ${modifiedB}`);
    }
  });

  it('two sessions editing the same line of one note conflict loudly, and canonical stays as it was', async () => {
    requireClaude();
    const original = '---\nname: conventions\ndescription: code conventions\n---\n\nIndent with tabs.\nCommit messages say why.\n';
    writeFiles(canonical, { 'conventions.md': original });
    const edit = (to: string): ScriptedTurn[] => [
      (request) => ({ type: 'tool_use', name: 'Read', input: { file_path: join(toldMemoryDir(request), 'conventions.md') } }),
      (request) => ({ type: 'tool_use', name: 'Edit', input: { file_path: join(toldMemoryDir(request), 'conventions.md'), old_string: 'Indent with tabs.', new_string: to } }),
      { type: 'text', text: 'Edited.' },
    ];
    const a = await runSession('feat/a', edit('Indent with two spaces.'));
    const b = await runSession('feat/b', edit('Indent with four spaces.'));
    const endA = await runCwt(['end', a.session.id], { cwd: repo, env: a.env });
    expect(endA.code, endA.stderr).toBe(0);
    const afterA = readFileSync(join(canonical, 'conventions.md'), 'utf8');
    expect(afterA).toContain('Indent with two spaces.\n');

    const endB = await runCwt(['end', b.session.id], { cwd: repo, env: b.env });
    expect(endB.code).toBe(1);
    expect(endB.stderr).toContain(MESSAGES.mergeConflictHeader('conventions.md', 'both-changed'));
    // Both sides of the real disagreement are printed; the client's bookkeeping is not what conflicted.
    expect(endB.stderr).toContain('| Indent with two spaces.');
    expect(endB.stderr).toContain('| Indent with four spaces.');
    expect(endB.stderr).not.toContain('| metadata:');
    expect(readFileSync(join(canonical, 'conventions.md'), 'utf8')).toBe(afterA);
    // Nothing of B's is lost: its copy stays in its namespace, and the conflict file holds both sides.
    expect(readFileSync(join(b.session.memoryDir, 'conventions.md'), 'utf8')).toContain('Indent with four spaces.');
    const conflictFile = readFileSync(join(b.session.memoryDir, 'conventions.conflict.md'), 'utf8');
    expect(conflictFile).toContain('Indent with two spaces.');
    expect(conflictFile).toContain('Indent with four spaces.');
  });
});
