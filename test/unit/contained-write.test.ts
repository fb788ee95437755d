import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assertContainedWrite } from '../../src/core/fs/containedwrite.js';
import { EnvironmentError, InternalError } from '../../src/core/util/errors.js';
import { createSandbox, type Sandbox } from '../helpers/env.js';
import { MESSAGES } from '../../src/texts/messages.js';

describe('assertContainedWrite: a write lands at its own path under its root, never through a link', () => {
  let sb: Sandbox;
  let root: string;
  let outside: string;
  beforeEach(() => {
    sb = createSandbox();
    root = join(sb.root, 'root');
    outside = join(sb.root, 'outside');
    mkdirSync(join(root, 'real', 'deep'), { recursive: true });
    mkdirSync(outside);
    writeFileSync(join(root, 'real', 'file'), 'x');
    symlinkSync(outside, join(root, 'out'));
    symlinkSync('real', join(root, 'in'));
    symlinkSync(join(root, 'real', 'file'), join(root, 'real', 'link'));
    // The root itself may be reached through a link (a synced memory directory): that link is the user's.
    symlinkSync(root, join(sb.root, 'root-link'));
  });
  afterEach(() => sb.cleanup());

  it.each([
    ['an existing file', 'real/file'],
    ['a new file in an existing directory', 'real/new'],
    ['a new file in directories not there yet', 'real/deep/a/b/c'],
    ['a new directory tree', 'new/dir/file'],
  ])('allows %s', (_, rel) => {
    expect(() => assertContainedWrite(join(root, rel), root)).not.toThrow();
    expect(() => assertContainedWrite(join(sb.root, 'root-link', rel), join(sb.root, 'root-link'))).not.toThrow();
  });

  it.each([
    ['a linked directory leading out', 'out/x', 'out', () => join(outside, 'x')],
    ['a new path below a linked directory leading out', 'out/a/b', 'out', () => join(outside, 'a', 'b')],
    ['a linked directory staying inside (the file would land elsewhere)', 'in/x', 'in', () => join(root, 'real', 'x')],
    ['a linked final component', 'real/link', 'real/link', () => join(root, 'real', 'file')],
  ])('refuses %s (exit 4), naming the link and where the write would land', (_, rel, link, landsAt) => {
    const dest = join(root, rel);
    let error: unknown;
    try {
      assertContainedWrite(dest, root);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(EnvironmentError);
    expect((error as Error).message).toBe(MESSAGES.writeThroughLinkRefused(dest, join(root, link), landsAt(), root));
  });

  it('a path outside its root is a bug in the caller', () => {
    expect(() => assertContainedWrite(join(outside, 'x'), root)).toThrow(InternalError);
  });
});
