/** parseIndexFile: the index formats it reads, and every kind of file it must refuse rather than misread. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hasValidIndexChecksum, parseIndexFile } from '../../src/core/git/indexfile.js';

interface Entry {
  path: string;
  mode?: number;
  stage?: number;
  flags?: number;
  extended?: number;
}

/** An index of `version` with the entries in order, extensions, and its SHA-1 trailer (or zeros). */
function buildIndex(entries: Entry[], options: { version?: number; extensions?: Buffer[]; zeroTrailer?: boolean } = {}): Buffer {
  const version = options.version ?? 2;
  const parts: Buffer[] = [];
  const header = Buffer.alloc(12);
  header.write('DIRC', 0, 'latin1');
  header.writeUInt32BE(version, 4);
  header.writeUInt32BE(entries.length, 8);
  parts.push(header);
  entries.forEach((entry, i) => {
    const name = Buffer.from(entry.path, 'utf8');
    const extendedBytes = entry.extended === undefined ? 0 : 2;
    const size = Math.floor((62 + extendedBytes + name.length + 8) / 8) * 8;
    const data = Buffer.alloc(size);
    for (let field = 0; field < 10; field++) data.writeUInt32BE(field === 6 ? (entry.mode ?? 0o100644) : 1000 + i * 10 + field, field * 4);
    data.fill(i + 1, 40, 60);
    const flags = (entry.flags ?? 0) | ((entry.stage ?? 0) << 12) | (entry.extended === undefined ? 0 : 0x4000) | Math.min(name.length, 0xfff);
    data.writeUInt16BE(flags, 60);
    if (entry.extended !== undefined) data.writeUInt16BE(entry.extended, 62);
    name.copy(data, 62 + extendedBytes);
    parts.push(data);
  });
  parts.push(...(options.extensions ?? []));
  const body = Buffer.concat(parts);
  return Buffer.concat([body, options.zeroTrailer ? Buffer.alloc(20) : createHash('sha1').update(body).digest()]);
}

/** A copy changed by `edit`, its trailer computed again: only the structure is wrong. */
function rehash(index: Buffer, edit: (copy: Buffer) => void): Buffer {
  const body = Buffer.from(index.subarray(0, index.length - 20));
  edit(body);
  return Buffer.concat([body, createHash('sha1').update(body).digest()]);
}

const extension = (signature: string, payload: Buffer) => {
  const head = Buffer.alloc(8);
  head.write(signature, 0, 'latin1');
  head.writeUInt32BE(payload.length, 4);
  return Buffer.concat([head, payload]);
};

describe('parseIndexFile', () => {
  it('reads stage-0 entries with their stat data, object id and mode; conflicts apart', () => {
    const parsed = parseIndexFile(buildIndex([{ path: 'a.txt' }, { path: 'dir/run.sh', mode: 0o100755 }, { path: 'c.txt', stage: 2 }]));
    expect([...parsed!.entries.keys()]).toEqual(['a.txt', 'dir/run.sh']);
    expect(parsed!.entries.get('dir/run.sh')).toEqual({
      ctimeSec: 1010,
      ctimeNsec: 1011,
      mtimeSec: 1012,
      mtimeNsec: 1013,
      dev: 1014,
      ino: 1015,
      mode: 0o100755,
      uid: 1017,
      gid: 1018,
      size: 1019,
      oid: '02'.repeat(20),
      special: false,
    });
    expect([...parsed!.conflicted]).toEqual(['c.txt']);
  });

  it('marks assume-unchanged, skip-worktree and intent-to-add entries as special (version 3)', () => {
    const parsed = parseIndexFile(buildIndex([{ path: 'a', flags: 0x8000 }, { path: 'b', extended: 0x4000 }, { path: 'c', extended: 0x2000 }, { path: 'd', extended: 0 }], { version: 3 }));
    expect([...parsed!.entries.values()].map((entry) => entry.special)).toEqual([true, true, true, false]);
  });

  it('decodes only the paths asked for', () => {
    const parsed = parseIndexFile(buildIndex([{ path: 'a.txt' }, { path: 'b.txt' }, { path: 'long/name.txt' }, { path: 'c.txt', stage: 1 }]), new Set(['b.txt', 'c.txt', 'missing']));
    expect([...parsed!.entries.keys()]).toEqual(['b.txt']);
    expect([...parsed!.conflicted]).toEqual(['c.txt']);
  });

  it('checks the SHA-1 trailer apart (a zero trailer is index.skipHash)', () => {
    const index = buildIndex([{ path: 'a' }]);
    expect(hasValidIndexChecksum(index)).toBe(true);
    expect(hasValidIndexChecksum(buildIndex([{ path: 'a' }], { zeroTrailer: true }))).toBe(true);
    const damaged = Buffer.from(index);
    damaged[20] = damaged[20]! ^ 0xff;
    expect(hasValidIndexChecksum(damaged)).toBe(false);
    expect(parseIndexFile(damaged)).toBeDefined();
  });

  it('skips optional extensions and takes a zero trailer (index.skipHash)', () => {
    expect(parseIndexFile(buildIndex([{ path: 'a' }], { extensions: [extension('TREE', Buffer.from('xyz')), extension('UNTR', Buffer.alloc(5))] }))?.entries.size).toBe(1);
    expect(parseIndexFile(buildIndex([{ path: 'a' }], { zeroTrailer: true }))?.entries.size).toBe(1);
  });

  const good = buildIndex([{ path: 'a.txt' }, { path: 'b.txt' }]);
  it.each([
    ['version 4 (prefix-compressed paths)', buildIndex([{ path: 'a' }], { version: 4 })],
    ['an extended entry in version 2', buildIndex([{ path: 'a', extended: 0 }], { version: 2 })],
    ['a split index (link)', buildIndex([{ path: 'a' }], { extensions: [extension('link', Buffer.alloc(20))] })],
    ['a sparse index (sdir)', buildIndex([{ path: 'a' }], { extensions: [extension('sdir', Buffer.alloc(0))] })],
    ['a truncated file', good.subarray(0, good.length - 30)],
    ['more entries than the file holds (checksum right)', rehash(buildIndex([{ path: 'a' }]), (copy) => copy.writeUInt32BE(5, 8))],
    ['a name length that disagrees with the name (checksum right)', rehash(buildIndex([{ path: 'abc' }]), (copy) => copy.writeUInt16BE(2, 12 + 60))],
    ['not an index', Buffer.from('PACK0000000000000000000000000000000000')],
  ])('refuses %s', (_label, data) => {
    expect(parseIndexFile(data)).toBeUndefined();
  });
});
