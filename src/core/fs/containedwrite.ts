/**
 * The one containment rule for cwt's writes into directories whose contents someone else may shape: a
 * repository's checkout (a branch can track a symbolic link anywhere), a hooks directory inside it, a
 * memory directory. A write lands at its own path below its root, or not at all: a link anywhere between
 * the root and the file would carry it elsewhere — out of the checkout (an ignored `.env` into the link's
 * target, settings into any JSON file), or into a tracked directory that `git add -A` then commits — so it
 * is refused before anything is written. The root itself may be reached through a link: that one is the
 * user's own (a synced memory directory, a checkout under a linked home).
 */
import { lstatSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { EnvironmentError, InternalError } from '../util/errors.js';
import { toRealPath } from './paths.js';
import { MESSAGES } from '../../texts/messages.js';

/**
 * Throws (exit 4, naming the link and where the file would land) when writing `dest` would go through a
 * symbolic link below `root`: a linked directory on the way, or `dest` itself being a link. Components not
 * there yet are fine: cwt creates them as real directories. `dest` must lie below `root`.
 */
export function assertContainedWrite(dest: string, root: string): void {
  const rel = relative(root, dest);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) throw new InternalError(`assertContainedWrite: ${dest} is not below ${root}`);
  let path = root;
  for (const part of rel.split(sep)) {
    path = join(path, part);
    let isLink: boolean;
    try {
      isLink = lstatSync(path).isSymbolicLink();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // Nothing there yet (or a file where a directory should be, which the write itself reports).
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw error;
    }
    if (isLink) {
      throw new EnvironmentError(MESSAGES.writeThroughLinkRefused(dest, path, toRealPath(dest), root), { hint: MESSAGES.writeThroughLinkRefusedHint(path) });
    }
  }
}
