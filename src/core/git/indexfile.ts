/**
 * Reading a git index file (the dircache, `.git/index`) the way `git status` reads it for a few paths: each
 * entry's stage, flags, mode, object id and the stat data git compares with the file in the worktree. Only what
 * a plain checkout writes is understood — versions 2 and 3, SHA-1 ids, no split or sparse index; anything else
 * is "unknown" and the caller asks git itself. Pure: bytes in, data out.
 * Format: Documentation/gitformat-index.txt in git's source.
 */
import { createHash } from 'node:crypto';

export interface IndexEntry {
  /** 0o100644, 0o100755, 0o120000 (symlink) or 0o160000 (gitlink). */
  mode: number;
  /** Object id, hex. */
  oid: string;
  ctimeSec: number;
  ctimeNsec: number;
  mtimeSec: number;
  mtimeNsec: number;
  dev: number;
  ino: number;
  uid: number;
  gid: number;
  /** The file's size, truncated to 32 bits as git stores it. */
  size: number;
  /** assume-unchanged, skip-worktree or intent-to-add: git then does not simply compare the file's stat. */
  special: boolean;
}

export interface ParsedIndex {
  /** Stage-0 entries by path (of the paths asked for). */
  entries: Map<string, IndexEntry>;
  /** Paths with a conflict (an entry at stage 1, 2 or 3), of the paths asked for. */
  conflicted: Set<string>;
}

const HEADER = 12;
const OID_BYTES = 20;
/** ctime, mtime (seconds, nanoseconds), dev, ino, mode, uid, gid, size: ten 32-bit fields. */
const STAT_BYTES = 40;
const FLAG_ASSUME_VALID = 0x8000;
const FLAG_EXTENDED = 0x4000;
const FLAG_STAGE = 0x3000;
const FLAG_NAME_LENGTH = 0x0fff;
/** Extended flags (version 3): skip-worktree, intent-to-add. */
const EXTENDED_SPECIAL = 0x4000 | 0x2000;

/** Whether the SHA-1 trailer is the checksum of the rest (or zeros: index.skipHash). */
export function hasValidIndexChecksum(data: Buffer): boolean {
  if (data.length < HEADER + OID_BYTES) return false;
  const end = data.length - OID_BYTES;
  const trailer = data.subarray(end);
  return trailer.every((byte) => byte === 0) || createHash('sha1').update(data.subarray(0, end)).digest().equals(trailer);
}

/**
 * Reads the entries of `wanted` paths from an index of version 2 or 3 with SHA-1 ids (all of them without
 * `wanted`); undefined for anything else (another version, a split index, a sparse index, an unknown required
 * extension, a truncated or malformed file). Every entry is walked (the structure is checked to the end), but
 * only names of a wanted length are decoded. The checksum is the caller's (hasValidIndexChecksum).
 */
export function parseIndexFile(data: Buffer, wanted?: ReadonlySet<string>): ParsedIndex | undefined {
  if (data.length < HEADER + OID_BYTES || data.toString('latin1', 0, 4) !== 'DIRC') return undefined;
  const version = data.readUInt32BE(4);
  if (version !== 2 && version !== 3) return undefined;
  const end = data.length - OID_BYTES;
  const lengths = wanted === undefined ? undefined : new Set([...wanted].map((path) => Buffer.byteLength(path)));
  const count = data.readUInt32BE(8);
  const entries = new Map<string, IndexEntry>();
  const conflicted = new Set<string>();
  let offset = HEADER;
  for (let i = 0; i < count; i++) {
    const start = offset;
    if (start + STAT_BYTES + OID_BYTES + 2 > end) return undefined;
    const flags = data.readUInt16BE(start + STAT_BYTES + OID_BYTES);
    let nameStart = start + STAT_BYTES + OID_BYTES + 2;
    let extended = 0;
    if (flags & FLAG_EXTENDED) {
      if (version < 3 || nameStart + 2 > end) return undefined;
      extended = data.readUInt16BE(nameStart);
      nameStart += 2;
    }
    let nameLength = flags & FLAG_NAME_LENGTH;
    // The length field saturates at 0xfff: a longer name is found by its NUL.
    if (nameLength === FLAG_NAME_LENGTH) {
      const nul = data.indexOf(0, nameStart + FLAG_NAME_LENGTH);
      if (nul === -1 || nul >= end) return undefined;
      nameLength = nul - nameStart;
    }
    const nameEnd = nameStart + nameLength;
    if (nameEnd >= end || data[nameEnd] !== 0) return undefined;
    // 1 to 8 NULs pad the entry to a multiple of 8 bytes.
    offset = start + Math.floor((nameEnd - start + 8) / 8) * 8;
    if (offset > end) return undefined;
    if (lengths !== undefined && !lengths.has(nameLength)) continue;
    const path = data.toString('utf8', nameStart, nameEnd);
    if (wanted !== undefined && !wanted.has(path)) continue;
    if (flags & FLAG_STAGE) {
      conflicted.add(path);
      continue;
    }
    entries.set(path, {
      ctimeSec: data.readUInt32BE(start),
      ctimeNsec: data.readUInt32BE(start + 4),
      mtimeSec: data.readUInt32BE(start + 8),
      mtimeNsec: data.readUInt32BE(start + 12),
      dev: data.readUInt32BE(start + 16),
      ino: data.readUInt32BE(start + 20),
      mode: data.readUInt32BE(start + 24),
      uid: data.readUInt32BE(start + 28),
      gid: data.readUInt32BE(start + 32),
      size: data.readUInt32BE(start + 36),
      oid: data.toString('hex', start + STAT_BYTES, start + STAT_BYTES + OID_BYTES),
      special: (flags & FLAG_ASSUME_VALID) !== 0 || (extended & EXTENDED_SPECIAL) !== 0,
    });
  }
  // Extensions: an upper-case signature is optional (cache tree, untracked cache, fsmonitor, ...); a lower-case
  // one (link: split index, sdir: sparse index) changes what the entries mean.
  while (offset < end) {
    if (offset + 8 > end) return undefined;
    const first = data[offset]!;
    if (first < 0x41 || first > 0x5a) return undefined;
    offset += 8 + data.readUInt32BE(offset + 4);
  }
  return offset === end ? { entries, conflicted } : undefined;
}
