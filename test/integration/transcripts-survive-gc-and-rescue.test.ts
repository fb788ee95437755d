/**
 * Transcripts are the user's data: `cwt memory rescue` and `cwt gc` never delete (or change) one. Here the
 * project directories they walk hold transcripts beside memory: the main checkout's key (next to memory/ and
 * cwt-memory/), the key of a worktree deleted by hand whose session gc drops, the key of an ended session's
 * removed worktree, and a copy cwt made (with its .cwt-copy.json marker). After both commands, and both again,
 * every one of them is there, byte for byte and mode for mode.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Scenario } from '../helpers/scenario.js';
import { projectKey, startSession, useMemoryScenario, writeFiles } from '../helpers/memory.js';

const fixture = useMemoryScenario({ 'MEMORY.md': '# Memory\n', 'base.md': 'the base note\n' });
let s: Scenario;
beforeEach(() => ({ s } = fixture));

/** Every transcript-like file under the Claude home's projects, with its sha256 and mode. */
function listTranscripts(): Record<string, string> {
  const projects = join(s.claudeHome, 'projects');
  const out: Record<string, string> = {};
  for (const key of readdirSync(projects)) {
    for (const name of readdirSync(join(projects, key))) {
      if (!name.includes('.jsonl')) continue;
      const path = join(projects, key, name);
      out[`${key}/${name}`] = `${createHash('sha256').update(readFileSync(path)).digest('hex')} ${(statSync(path).mode & 0o777).toString(8)}`;
    }
  }
  return out;
}

describe('transcripts survive cwt memory rescue and cwt gc', () => {
  it('leaves every transcript and copy where and as it was', async () => {
    const line = (id: string, cwd: string) => `${JSON.stringify({ type: 'user', sessionId: id, cwd, message: { role: 'user', content: 'hi' } })}\n`;
    // Beside canonical memory, in the main checkout's project directory.
    writeFiles(join(s.claudeHome, 'projects', projectKey(s.repo)), { 'main-1.jsonl': line('main-1', s.repo) });
    // A session whose worktree is deleted by hand: gc drops its record (merging its memory first).
    const dropped = await startSession(s, 'feat/dropped');
    writeFiles(dropped.memoryDir, { 'dropped.md': 'a note\n' });
    writeFiles(join(s.claudeHome, 'projects', projectKey(dropped.worktree)), { 'dropped-1.jsonl': line('dropped-1', dropped.worktree) });
    rmSync(dropped.worktree, { recursive: true, force: true });
    // An ended session whose worktree was removed, never merged: rescue merges its namespace.
    const ended = await startSession(s, 'feat/ended');
    writeFiles(ended.memoryDir, { 'ended.md': 'an ended note\n' });
    const endedKey = join(s.claudeHome, 'projects', projectKey(ended.worktree));
    writeFiles(endedKey, {
      'ended-1.jsonl': line('ended-1', ended.worktree),
      // A copy cwt made for a recreated worktree, with its marker.
      'copied-1.jsonl': line('copied-1', '/elsewhere'),
      'copied-1.jsonl.cwt-copy.json': '{"copiedFrom":"/elsewhere/copied-1.jsonl"}\n',
    });
    expect((await s.cwt(['end', ended.id, '--remove', '--no-merge'])).code).toBe(0);
    // Claude Code's own mode for transcripts; a copy keeps whatever the original had.
    for (const [key, name] of [[projectKey(s.repo), 'main-1.jsonl'], [projectKey(ended.worktree), 'copied-1.jsonl']] as const) {
      const { chmodSync } = await import('node:fs');
      chmodSync(join(s.claudeHome, 'projects', key, name), name === 'main-1.jsonl' ? 0o600 : 0o640);
    }
    const before = listTranscripts();
    expect(Object.keys(before)).toHaveLength(5);

    for (const args of [['memory', 'rescue'], ['gc'], ['memory', 'rescue'], ['gc']]) {
      const result = await s.cwt(args);
      expect(result.code, `cwt ${args.join(' ')}: ${result.stderr}`).toBe(0);
      expect(listTranscripts()).toEqual(before);
    }
    // They did their own work meanwhile: the dropped session's record is gone and its note merged.
    expect((await s.sessions()).map((x) => x.id)).not.toContain(dropped.id);
    expect(readFileSync(join(s.claudeHome, 'projects', projectKey(s.repo), 'memory', 'dropped.md'), 'utf8')).toBe('a note\n');
    expect(readFileSync(join(s.claudeHome, 'projects', projectKey(s.repo), 'memory', 'ended.md'), 'utf8')).toBe('an ended note\n');
  });
});
