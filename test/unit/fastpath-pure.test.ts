import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { addCwtHooks, buildHookSettings, FAST_PATH_EVENTS, getFastPathGuardCommand, getHookCommand, getMcpDeciderHandler, isCwtHookUrl, MCP_HOOK_TOOL, removeCwtHooks } from '../../src/core/harness/harness.js';
import { formatFastPathPid, getServiceEnv, hasInstalledCommandDecider } from '../../src/core/harness/fastpath.js';
import { findListenerUid, findPeerUid } from '../../src/core/sessions/peercred.js';
import { parseHookInput } from '../../src/hooks/input.js';

// A /proc/net/tcp as Linux prints it: the service listening on 127.0.0.1:8080 (0x1F90), a client of uid 1000
// connected from port 40000 (0x9C40), the service's end of that connection, and unrelated sockets.
const TABLE = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1001 1 0000000000000000 100 0 0 10 0
   1: 0100007F:9C40 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1000        0 1002 1 0000000000000000 20 4 30 10 -1
   2: 0100007F:1F90 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 1003 1 0000000000000000 20 4 30 10 -1
   3: 0A00000A:9C41 0100007F:1F90 01 00000000:00000000 00:00000000 00000000    33        0 1004 1 0000000000000000 20 4 30 10 -1
`;
const TABLE6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0000000000000000FFFF00000100007F:9C42 0000000000000000FFFF00000100007F:1F90 01 00000000:00000000 00:00000000 00000000  1001        0 2001 1 0000000000000000 20 4 30 10 -1
`;

describe('findPeerUid', () => {
  it.each([
    ['the client end of the connection', TABLE, 40000, 8080, 1000],
    ['not the service end (its local port is the service port)', TABLE, 8080, 40000, 0],
    ['no such connection', TABLE, 40001, 8080, undefined],
    ['a client not on loopback is nobody', TABLE, 40001 /* 0x9C41 */, 8080, undefined],
    ['a v4-mapped client in tcp6', TABLE6, 40002, 8080, 1001],
    ['an empty table', '', 40000, 8080, undefined],
  ])('%s', (_, table, clientPort, serverPort, uid) => {
    expect(findPeerUid(table, clientPort, serverPort)).toBe(uid);
  });
});

describe('findListenerUid', () => {
  it.each([
    ['the service listening on loopback', TABLE, 8080, 0],
    ['a port nobody listens on (only connected sockets use it)', TABLE, 40000, undefined],
    ['a listener on every address', '   0: 00000000:1F91 00000000:0000 0A 00000000:00000000 00:00000000 00000000   65534        0 9 1 0 100 0 0 10 0\n', 8081, 65534],
    ['a v6 listener on ::', '   0: 00000000000000000000000000000000:1F92 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1002        0 9 1 0 100 0 0 10 0\n', 8082, 1002],
  ])('%s', (_, table, port, uid) => {
    expect(findListenerUid(table, port)).toBe(uid);
  });
});

describe('fast-path hook settings', () => {
  const target = { port: 45123, pidFile: "/state dir/it's/fastpath.pid" };

  it('gives each fast-path event the http handler and the guard, session start and end stay command hooks', () => {
    const hooks = buildHookSettings({ fastPath: target });
    expect(hooks.PreToolUse).toEqual([
      {
        matcher: 'Edit|Write|MultiEdit|NotebookEdit|Bash',
        hooks: [
          { type: 'http', url: 'http://127.0.0.1:45123/hooks/pre-tool-use', timeout: 5 },
          { type: 'command', command: getFastPathGuardCommand('pre-tool-use', target), timeout: 10 },
        ],
      },
    ]);
    expect(hooks.Stop![0]!.hooks.map((handler) => handler.type)).toEqual(['http', 'command']);
    expect(hooks.SessionStart).toEqual([{ hooks: [{ type: 'command', command: getHookCommand('session-start'), timeout: 10 }] }]);
    expect(hooks.SessionEnd![0]!.hooks).toHaveLength(1);
    expect(FAST_PATH_EVENTS).not.toContain('session-start');
  });

  it('with guard: false (CWT_FASTPATH=http-only) has the http handler alone', () => {
    const hooks = buildHookSettings({ fastPath: { ...target, guard: false } });
    expect(hooks.PreToolUse![0]!.hooks).toEqual([{ type: 'http', url: 'http://127.0.0.1:45123/hooks/pre-tool-use', timeout: 5 }]);
    expect(hooks.SessionStart![0]!.hooks.map((handler) => handler.type)).toEqual(['command']);
  });

  it('is installed and uninstalled idempotently, leaving other http hooks alone', () => {
    const theirs = { hooks: { Stop: [{ hooks: [{ type: 'http', url: 'http://127.0.0.1:9000/notify' }] }] }, model: 'opus' };
    const once = addCwtHooks(theirs, undefined, target);
    expect(addCwtHooks(once, undefined, target)).toEqual(once);
    // A port change replaces cwt's handlers instead of adding a second set.
    const moved = addCwtHooks(once, undefined, { ...target, port: 45124 });
    expect(JSON.stringify(moved)).not.toContain(':45123/');
    expect((moved.hooks as Record<string, unknown[]>).PreToolUse).toHaveLength(1);
    expect(removeCwtHooks(moved)).toEqual(theirs);
  });

  it.each([
    ['http://127.0.0.1:45123/hooks/pre-tool-use', true],
    ['http://127.0.0.1:9000/notify', false],
    ['http://localhost:45123/hooks/stop', false],
    ['http://127.0.0.1:45123/hooks/stop?x=1', false],
    [42, false],
  ])('isCwtHookUrl(%s) is %s', (url, expected) => {
    expect(isCwtHookUrl(url)).toBe(expected);
  });

  it('leaves a session’s own variables out of the service environment', () => {
    expect(getServiceEnv({ HOME: '/h', CWT_HOME: '/s', CWT_SESSION: 'abc', CWT_WORKTREE: '/w', CWT_HOOK_TOKEN: 't', CLAUDE_PROJECT_DIR: '/p', PATH: '/bin' })).toEqual({ HOME: '/h', CWT_HOME: '/s', PATH: '/bin' });
  });

  it('reads tool_use_id from the hook input, and drops an implausible one', () => {
    expect(parseHookInput('{"tool_use_id":"toolu_01AbC"}')?.tool_use_id).toBe('toolu_01AbC');
    expect(parseHookInput(JSON.stringify({ tool_use_id: 'x/../y z' }))?.tool_use_id).toBeUndefined();
  });
});

describe('the fallback guard, run by /bin/sh as Claude Code runs it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cwt-guard-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const pidFile = join(dir, "it's here", 'fastpath.pid');
  // The command hook it execs is replaced by an echo, so the test sees which way the guard went.
  const guard = getFastPathGuardCommand('pre-tool-use', { port: 45123, pidFile }).replace(/exec .*$/, 'echo fallback');
  // No input: the guard exits without reading it (Claude Code, seen on both ends, does not mind; spawnSync reports EPIPE).
  const run = () => execFileSync('/bin/sh', ['-c', guard], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });

  it.each([
    ['no pid file', undefined],
    ['an empty pid file (the service is starting)', ''],
    ['not a pid', 'self\n'],
    ['a dead pid', '2147483646 1\n'],
    ['a live pid without its start time', `${process.pid}\n`],
    ['a live pid that started at another time (the pid reused)', `${process.pid} 1 45123\n`],
    ['the live service, on another port (a settings file from before cwt install moved it)', `${formatFastPathPid(process.pid, 45124)}`],
  ])('runs the command hook with %s', (_, content) => {
    execFileSync('mkdir', ['-p', join(dir, "it's here")]);
    rmSync(pidFile, { force: true });
    if (content !== undefined) writeFileSync(pidFile, content);
    expect(run()).toBe('fallback\n');
  });

  it('stands aside for a live service, and not for a killed one left a zombie (where kill -0 would say alive)', async () => {
    writeFileSync(pidFile, formatFastPathPid(process.pid, 45123)!);
    expect(run()).toBe('');
    // A process whose parent never reaps it (sleep does not wait): killed, it stays a zombie.
    const parent = spawn('/bin/sh', ['-c', 'sleep 30 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const pid = Number(await new Promise<string>((resolvePromise) => parent.stdout!.once('data', (chunk: Buffer) => resolvePromise(chunk.toString()))));
      // Killed while its parent is still the shell, the child would be reaped (the shell waits for finished jobs
      // between commands) and leave no zombie: the kill waits for the exec that makes the parent a plain sleep.
      for (let waited = 0; readFileSync(`/proc/${parent.pid}/comm`, 'utf8') !== 'sleep\n'; waited += 5) {
        if (waited > 5_000) throw new Error('the parent shell never became sleep');
        await new Promise((resolvePromise) => setTimeout(resolvePromise, 5));
      }
      process.kill(pid, 'SIGKILL');
      await new Promise((resolvePromise) => setTimeout(resolvePromise, 200));
      writeFileSync(pidFile, `${pid} ${readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19]} 45123\n`);
      expect(execFileSync('/bin/sh', ['-c', `kill -0 ${pid} && echo alive`], { encoding: 'utf8' })).toBe('alive\n');
      expect(run()).toBe('fallback\n');
    } finally {
      parent.kill('SIGKILL');
    }
  });
});

describe('the mcp_tool decider in the settings (issue 17)', () => {
  const target = { port: 45123, pidFile: '/state/fastpath.pid' };

  it('replaces the guard by an mcp_tool call to cwt_hook_endpoint, passing the fields the handlers read', () => {
    const hooks = buildHookSettings({ fastPath: { ...target, mcp: true } });
    expect(hooks.PreToolUse![0]!.hooks).toEqual([
      { type: 'http', url: 'http://127.0.0.1:45123/hooks/pre-tool-use', timeout: 5 },
      {
        type: 'mcp_tool',
        server: 'cwt',
        tool: MCP_HOOK_TOOL,
        timeout: 5,
        input: {
          event: 'pre-tool-use',
          session_id: '${session_id}',
          tool_use_id: '${tool_use_id}',
          tool_name: '${tool_name}',
          cwd: '${cwd}',
          file_path: '${tool_input.file_path}',
          notebook_path: '${tool_input.notebook_path}',
          command: '${tool_input.command}',
        },
      },
    ]);
    for (const event of ['PreToolUse', 'PostToolUse', 'PostToolUseFailure', 'UserPromptSubmit', 'Notification', 'Stop'] as const) {
      expect(hooks[event]![0]!.hooks.map((handler) => handler.type), event).toEqual(['http', 'mcp_tool']);
    }
    expect(JSON.stringify(hooks)).not.toContain('fastpath.pid');
    // Claude Code refuses mcp_tool for SessionStart: it stays a command hook.
    expect(hooks.SessionStart![0]!.hooks.map((handler) => handler.type)).toEqual(['command']);
    expect((getMcpDeciderHandler('user-prompt-submit').input as Record<string, string>).prompt).toBe('${prompt}');
  });

  it('is recognised as cwt’s for install and uninstall; another server’s mcp_tool hook is left alone', () => {
    const theirs = { hooks: { PreToolUse: [{ hooks: [{ type: 'mcp_tool', server: 'other', tool: MCP_HOOK_TOOL, input: {} }] }] } };
    const once = addCwtHooks(theirs, undefined, { ...target, mcp: true });
    expect(addCwtHooks(once, undefined, { ...target, mcp: true })).toEqual(once);
    // Installing without the server again swaps the decider back to the guard instead of adding one.
    const guarded = addCwtHooks(once, undefined, target);
    expect(JSON.stringify(guarded)).not.toContain(`"tool":"${MCP_HOOK_TOOL}","input":{"event"`);
    expect(removeCwtHooks(once)).toEqual(theirs);
  });

  it('hasInstalledCommandDecider: a guard (or command hook) for a fast-path event in the user’s or the repository’s local settings', () => {
    const root = mkdtempSync(join(tmpdir(), 'cwt-mcpdec-'));
    try {
      const claudeHome = join(root, 'claude');
      const repo = join(root, 'repo');
      mkdirSync(claudeHome, { recursive: true });
      mkdirSync(join(repo, '.claude'), { recursive: true });
      const env = { CWT_CLAUDE_HOME: claudeHome, HOME: root };
      expect(hasInstalledCommandDecider(env, repo)).toBe(false);
      writeFileSync(join(repo, '.claude', 'settings.local.json'), JSON.stringify(addCwtHooks({}, undefined, { ...target, mcp: true })));
      expect(hasInstalledCommandDecider(env, repo)).toBe(false);
      writeFileSync(join(claudeHome, 'settings.json'), JSON.stringify(addCwtHooks({}, undefined, target)));
      expect(hasInstalledCommandDecider(env, repo)).toBe(true);
      writeFileSync(join(claudeHome, 'settings.json'), '{ not json');
      expect(hasInstalledCommandDecider(env, repo)).toBe(false);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
