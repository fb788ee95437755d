/**
 * End to end: `cwt new` launches the REAL Claude Code binary (the pinned devDependency), which talks to a
 * scripted fake Messages API on 127.0.0.1. What Claude Code reports (the stream-json init line) and what it
 * sends to "the model" (request bodies) show that cwt's wiring works: the session's memory namespace is the
 * auto-memory directory in use, and the worktree's CLAUDE.local.md reaches the model.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { claudePrintArgs, describeRun, E2E_CLAUDE, e2eEnv, normalizeDir, parseJsonLines, projectKey, requireClaude, strings } from '../helpers/claude.js';
import { runCwt } from '../helpers/cli.js';
import { createSandbox, type Sandbox } from '../helpers/env.js';
import { createFakeApi, type FakeApi, type RecordedRequest, type ScriptedTurn } from '../helpers/fake-api.js';
import { commitAll, createRepo, git, listWorktreePaths, writeFile } from '../helpers/git.js';

const CLAUDE_ARGS = claudePrintArgs('hi');

interface SessionView {
  id: string;
  branch: string;
  worktree: string;
  state: string;
  pid: number | null;
  agentExit: number | null;
  memoryDir: string;
}

describe('cwt new with the real claude binary against a fake Messages API', () => {
  let sandbox: Sandbox | undefined;
  let api: FakeApi | undefined;
  const apis: FakeApi[] = [];

  beforeEach(() => {
    sandbox = createSandbox('cwt-e2e-');
  });

  afterEach(async () => {
    await api?.close();
    api = undefined;
    sandbox?.cleanup();
    sandbox = undefined;
  });

  afterAll(async () => {
    await Promise.all(apis.map((a) => a.close()));
  });

  async function startApi(script: ScriptedTurn[] = []): Promise<FakeApi> {
    api = createFakeApi({ script, finalText: 'All done.' });
    apis.push(api);
    await api.start();
    return api;
  }

  async function statusAll(repo: string, env: NodeJS.ProcessEnv): Promise<SessionView[]> {
    const result = await runCwt(['status', '--all', '--json'], { cwd: repo, env, timeoutMs: 20_000 });
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as SessionView[];
  }

  it('wires the session memory namespace as auto memory and gets CLAUDE.local.md to the model', async () => {
    requireClaude();
    const sb = sandbox!;
    const fake = await startApi([{ type: 'text', text: 'Hello from the fake API.' }]);
    const repo = createRepo(join(sb.root, 'repo'));
    const env = e2eEnv(sb, fake);

    const result = await runCwt(['new', 'feat/x', '--', ...CLAUDE_ARGS], { cwd: repo, env, timeoutMs: 45_000 });
    expect(result.code, describeRun(result, fake)).toBe(0);

    // The session, as cwt recorded it.
    const sessions = await statusAll(repo, env);
    expect(sessions, JSON.stringify(sessions)).toHaveLength(1);
    const session = sessions[0]!;
    expect(session.branch).toBe('feat/x');
    const namespaceRoot = join(sb.claudeHome, 'projects', projectKey(repo), 'cwt-memory');
    const canonical = join(sb.claudeHome, 'projects', projectKey(repo), 'memory');
    expect(dirname(normalizeDir(session.memoryDir))).toBe(normalizeDir(namespaceRoot));
    expect(normalizeDir(session.memoryDir)).not.toBe(normalizeDir(canonical));
    expect(existsSync(session.memoryDir)).toBe(true);

    // What Claude Code says it uses: the stream-json init line on stdout (cwt's own chatter is on stderr).
    const events = parseJsonLines(result.stdout);
    const init = events.find((e) => e.type === 'system' && e.subtype === 'init') as
      | { memory_paths?: { auto?: string }; cwd?: string; claude_code_version?: string }
      | undefined;
    expect(init, describeRun(result, fake)).toBeDefined();
    expect(init!.claude_code_version).toBe(E2E_CLAUDE.version);
    expect(normalizeDir(init!.cwd!)).toBe(normalizeDir(session.worktree));
    const auto = init!.memory_paths?.auto;
    expect(typeof auto, JSON.stringify(init)).toBe('string');
    expect(normalizeDir(auto!)).toBe(normalizeDir(session.memoryDir));
    expect(normalizeDir(auto!).startsWith(normalizeDir(namespaceRoot) + sep)).toBe(true);
    expect(normalizeDir(auto!)).not.toBe(normalizeDir(canonical));
    const final = events.find((e) => e.type === 'result') as { subtype?: string; result?: string } | undefined;
    expect(final?.subtype).toBe('success');
    expect(final?.result).toBe('Hello from the fake API.');

    // What reached "the model".
    const posts = fake.requests.filter((r) => r.method === 'POST' && r.url.split('?')[0] === '/v1/messages');
    expect(posts.length, describeRun(result, fake)).toBeGreaterThanOrEqual(1);
    expect(fake.mainRequests().length).toBeGreaterThanOrEqual(1);
    const localMd = readFileSync(join(session.worktree, 'CLAUDE.local.md'), 'utf8');
    const seen = fake.allBodiesStrings();
    const distinctive = [`# cwt session ${session.id}`, `- Session: ${session.id}`, `- Your memory directory: ${session.memoryDir}`];
    for (const line of distinctive) {
      expect(localMd).toContain(line);
      expect(seen).toContain(line);
    }
    // Every line of the file, verbatim; and in JSON-escaped form inside the raw bodies too.
    for (const line of localMd.split('\n').filter((l) => l.trim() !== '')) expect(seen).toContain(line);
    expect(fake.allBodiesText()).toContain(JSON.stringify(`- Your memory directory: ${session.memoryDir}`).slice(1, -1));
    // Claude Code's own memory section (the system prompt) names the namespace, not the canonical directory.
    const systemText = fake
      .mainRequests()
      .map((r) => strings((r.body as { system?: unknown }).system).join('\n'))
      .join('\n');
    expect(systemText).toContain(session.memoryDir);
    expect(systemText).not.toContain(`${canonical}${sep}`);

    // After the agent exits: recorded exit, no pid, worktree kept and still registered with git.
    expect(session.agentExit).toBe(0);
    expect(session.pid).toBeNull();
    expect(existsSync(session.worktree)).toBe(true);
    expect(listWorktreePaths(repo).map(normalizeDir)).toContain(normalizeDir(session.worktree));
    // cwt's progress went to stderr, and nothing but JSON lines to stdout.
    expect(result.stderr).toContain('feat/x');
    for (const line of result.stdout.split('\n').filter((l) => l.trim() !== '')) expect(line.trim().startsWith('{')).toBe(true);
  });

  it('lets the model write a memory note, which lands in the session namespace only', async () => {
    requireClaude();
    const sb = sandbox!;
    const noteName = 'e2e-note.md';
    const noteBody = '---\nname: e2e-note\ndescription: written by the e2e test\nmetadata:\n  type: project\n---\n\nThe e2e fact.\n';
    let targetDir: string | undefined;
    const writeTurn: ScriptedTurn = (request: RecordedRequest) => {
      // Use the memory directory the model was told about, as a model would.
      const match = /- Your memory directory: (\S+)/.exec(strings(request.body).join('\n'));
      targetDir = match?.[1] ?? join(sb.root, 'memory-dir-not-found');
      return {
        type: 'tool_use',
        name: 'Write',
        id: 'toolu_e2e_write_1',
        text: 'Saving a memory.',
        input: { file_path: join(targetDir, noteName), content: noteBody },
      };
    };
    const fake = await startApi([writeTurn, { type: 'text', text: 'Saved.' }]);
    const repo = createRepo(join(sb.root, 'repo'));
    const env = e2eEnv(sb, fake);

    const result = await runCwt(['new', 'feat/mem', '--', ...CLAUDE_ARGS], { cwd: repo, env, timeoutMs: 45_000 });
    expect(result.code, describeRun(result, fake)).toBe(0);

    const [session] = await statusAll(repo, env);
    expect(session).toBeDefined();
    expect(targetDir).toBe(session!.memoryDir);
    const notePath = join(session!.memoryDir, noteName);
    expect(existsSync(notePath), describeRun(result, fake)).toBe(true);
    // Claude Code 2.1.197 rewrites the frontmatter of files written into its auto-memory directory (adds
    // `node_type: memory` and `originSessionId: <claude session id>`): proof that it treats the namespace as its
    // memory. Assert on what must survive, and on the origin id only when present.
    const written = readFileSync(notePath, 'utf8');
    expect(written).toContain('name: e2e-note');
    expect(written).toContain('description: written by the e2e test');
    expect(written).toContain('The e2e fact.');
    const init = parseJsonLines(result.stdout).find((e) => e.type === 'system' && e.subtype === 'init') as { session_id?: string } | undefined;
    const origin = /^\s*originSessionId:\s*(\S+)\s*$/m.exec(written)?.[1];
    if (origin !== undefined) expect(origin).toBe(init?.session_id);
    expect(readdirSync(session!.memoryDir)).toContain(noteName);
    const canonical = join(sb.claudeHome, 'projects', projectKey(repo), 'memory');
    expect(existsSync(join(canonical, noteName))).toBe(false);

    // The second main turn carries the successful tool result back to the model.
    const mains = fake.mainRequests();
    expect(mains.length).toBeGreaterThanOrEqual(2);
    const lastMessage = (mains[1]!.body as { messages: { role: string; content: unknown }[] }).messages.at(-1)!;
    const toolResult = (Array.isArray(lastMessage.content) ? lastMessage.content : []).find(
      (block: { type?: string }) => block.type === 'tool_result',
    ) as { tool_use_id?: string; is_error?: boolean } | undefined;
    expect(toolResult, JSON.stringify(lastMessage)).toBeDefined();
    expect(toolResult!.tool_use_id).toBe('toolu_e2e_write_1');
    expect(toolResult!.is_error ?? false).toBe(false);
    const final = parseJsonLines(result.stdout).find((e) => e.type === 'result') as { subtype?: string; result?: string } | undefined;
    expect(final?.subtype).toBe('success');
    expect(final?.result).toBe('Saved.');
    expect(session!.agentExit).toBe(0);
  });

  it('passes the session notes in the system prompt when CLAUDE.local.md is tracked, and leaves the file alone', async () => {
    requireClaude();
    const sb = sandbox!;
    const fake = await startApi([{ type: 'text', text: 'Noted.' }]);
    const repo = createRepo(join(sb.root, 'repo'));
    writeFile(repo, 'CLAUDE.local.md', '# Team-wide local notes\n\nTracked on purpose.\n');
    commitAll(repo, 'track CLAUDE.local.md');
    const env = e2eEnv(sb, fake);

    const result = await runCwt(['new', 'feat/tracked', '--', ...CLAUDE_ARGS], { cwd: repo, env, timeoutMs: 45_000 });
    expect(result.code, describeRun(result, fake)).toBe(0);

    const [session] = await statusAll(repo, env);
    expect(session).toBeDefined();
    // The tracked file is untouched, and the worktree clean.
    expect(readFileSync(join(session!.worktree, 'CLAUDE.local.md'), 'utf8')).toBe('# Team-wide local notes\n\nTracked on purpose.\n');
    expect(git(session!.worktree, ['status', '--porcelain'])).toBe('');
    const init = parseJsonLines(result.stdout).find((e) => e.type === 'system' && e.subtype === 'init') as
      | { memory_paths?: { auto?: string } }
      | undefined;
    expect(normalizeDir(init?.memory_paths?.auto ?? '')).toBe(normalizeDir(session!.memoryDir));
    // The notes arrive through --append-system-prompt: in the system field of the main request.
    const systemText = fake
      .mainRequests()
      .map((r) => strings((r.body as { system?: unknown }).system).join('\n'))
      .join('\n');
    expect(systemText).toContain(`# cwt session ${session!.id}`);
    expect(systemText).toContain(`- Your memory directory: ${session!.memoryDir}`);
    // The tracked file's own text still reaches the model as project instructions.
    expect(fake.allBodiesStrings()).toContain('Tracked on purpose.');
  });
});
