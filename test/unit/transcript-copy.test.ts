import { appendFileSync, chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { copyTranscript, findTranscript, getTranscriptPath, removeUnusedTranscriptCopy, TRANSCRIPT_COPY_SUFFIX } from '../../src/core/harness/conversation.js';
import { EnvironmentError } from '../../src/core/util/errors.js';

const ID = '11111111-2222-4333-8444-555555555555';
let root: string;
afterEach(() => rmSync(root, { recursive: true, force: true }));

function setup(): { home: string; source: string } {
  root = mkdtempSync(join(tmpdir(), 'cwt-transcript-'));
  const home = join(root, '.claude');
  const source = getTranscriptPath(home, '/work/a', ID);
  mkdirSync(join(source, '..'), { recursive: true });
  writeFileSync(source, '{"n":1}\n{"n":2}\n{"n":3, "half');
  chmodSync(source, 0o640);
  return { home, source };
}

describe('copying a transcript', () => {
  it('copies the complete lines with the mode, marks the copy, never touches the source or replaces a file', () => {
    const { home, source } = setup();
    const before = readFileSync(source);
    const copy = copyTranscript({ source, claudeHome: home, cwd: '/work/b', claudeId: ID, session: 's1', now: 0 });
    expect(copy.created).toBe(true);
    expect(copy.dest).toBe(getTranscriptPath(home, '/work/b', ID));
    expect(readFileSync(copy.dest, 'utf8')).toBe('{"n":1}\n{"n":2}\n');
    expect(statSync(copy.dest).mode & 0o777).toBe(0o640);
    expect(JSON.parse(readFileSync(copy.dest + TRANSCRIPT_COPY_SUFFIX, 'utf8'))).toMatchObject({ copiedFrom: source, sha256: copy.sha256, session: 's1' });
    expect(readFileSync(source).equals(before)).toBe(true);
    // Again: the identical copy is used as it is.
    expect(copyTranscript({ source, claudeHome: home, cwd: '/work/b', claudeId: ID, session: 's1', now: 1 }).created).toBe(false);
    // A different file there is never replaced.
    mkdirSync(join(getTranscriptPath(home, '/work/c', ID), '..'), { recursive: true });
    writeFileSync(getTranscriptPath(home, '/work/c', ID), 'other\n');
    expect(() => copyTranscript({ source, claudeHome: home, cwd: '/work/c', claudeId: ID, session: 's1', now: 2 })).toThrow(EnvironmentError);
    expect(readFileSync(getTranscriptPath(home, '/work/c', ID), 'utf8')).toBe('other\n');
  });

  it('a rollback removes only its own unused copy', () => {
    const { home, source } = setup();
    const { dest } = copyTranscript({ source, claudeHome: home, cwd: '/work/b', claudeId: ID, session: 's1', now: 0 });
    expect(removeUnusedTranscriptCopy(dest, 's2')).toBe(false);
    appendFileSync(dest, '{"n":4}\n');
    expect(removeUnusedTranscriptCopy(dest, 's1')).toBe(false);
    expect(existsSync(dest)).toBe(true);
    const fresh = copyTranscript({ source, claudeHome: home, cwd: '/work/d', claudeId: ID, session: 's1', now: 0 });
    expect(removeUnusedTranscriptCopy(fresh.dest, 's1')).toBe(true);
    expect(existsSync(fresh.dest) || existsSync(fresh.dest + TRANSCRIPT_COPY_SUFFIX)).toBe(false);
    expect(existsSync(source)).toBe(true);
  });

  it('finds a transcript only as a regular file under the projects directory', () => {
    const { home, source } = setup();
    expect(findTranscript(home, { claudeId: ID, transcript: source }, '/elsewhere')).toBe(source);
    expect(findTranscript(home, { claudeId: ID, transcript: null }, '/work/a')).toBe(source);
    // A reported path outside projects, or one naming another id, is not trusted.
    const outside = join(root, `${ID}.jsonl`);
    writeFileSync(outside, '{}\n');
    expect(findTranscript(home, { claudeId: ID, transcript: outside }, '/nowhere')).toBeUndefined();
    // A link where the transcript should be is not followed.
    const linked = getTranscriptPath(home, '/work/link', ID);
    mkdirSync(join(linked, '..'), { recursive: true });
    symlinkSync(outside, linked);
    expect(findTranscript(home, { claudeId: ID, transcript: null }, '/work/link')).toBeUndefined();
    expect(findTranscript(home, { claudeId: '../x', transcript: null }, '/work/a')).toBeUndefined();
  });
});
