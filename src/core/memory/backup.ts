/**
 * Backups of canonical memory, taken before a merge writes its first file, so `cwt merge-memory --undo` can put
 * canonical back byte for byte. Layout, inside the memory state dir (0700, files 0600):
 *
 *   backups/<UTC timestamp>-<source>/manifest.json   what was there (sha256 and mode per file), what the merge
 *                                                      left (`after`, set when the merge completes), the source's
 *                                                      state before, the conflict files it wrote, `undone`
 *   backups/<...>/canonical/<file>                     every canonical file as it was
 *   backups/<...>/base/<file>                          the source's base files the merge replaced
 *   backups/<...>/conflict-files/<n>                   resolved conflict files the merge removed
 *
 * A backup whose manifest is missing or has no `after` belongs to a merge that never committed: discarded.
 * Only the files the merge is about to replace are fsynced (the others are still in canonical, untouched); an
 * undo checks every backup file against its sha256 before using it.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ensurePrivateDir, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, writeFileAtomic } from '../fs/atomic.js';
import { writeDurably } from './journal.js';
import type { ConflictRecord } from './plan.js';
import { sha256 } from '../coordination/sharedfile.js';

/** Completed backups kept per canonical memory directory; older ones are pruned after a merge. */
export const BACKUPS_KEPT = 20;

export interface BackupManifest {
  version: 1;
  createdAt: number;
  canonical: string;
  source: {
    kind: 'session' | 'dir';
    label: string;
    dir: string;
    session: string | null;
    baseDir: string;
    /** True when the merge created the base directory (an undo removes it again). */
    baseDirCreated: boolean;
    stateFile: string | null;
  };
  /** Canonical before the merge. */
  files: Record<string, { sha: string; mode: number }>;
  /** Canonical after the merge (file -> sha256); null while the merge has not completed. */
  after: Record<string, string> | null;
  /** The source's base files the merge replaced: their sha256 before, or null when they did not exist. */
  baseBefore: Record<string, string | null>;
  /** The session's merge state before (session sources). */
  sessionBefore: { memoryMergedAt: number | null; memoryConflicts: ConflictRecord[] } | null;
  /** The rescued directory's state file before (directory sources); null when there was none. */
  stateBefore: string | null;
  /** Conflict files the merge wrote: path -> sha256. */
  conflictFiles: Record<string, string>;
  /** Conflict files the merge removed (resolved): path -> the name of their copy under conflict-files/. */
  removedConflictFiles: Record<string, string>;
  undone: boolean;
}

export interface Backup {
  dir: string;
  manifest: BackupManifest;
}

export function getBackupsDir(stateDir: string): string {
  return join(stateDir, 'backups');
}

export function getManifestPath(backupDir: string): string {
  return join(backupDir, 'manifest.json');
}

export function getBackupFile(backupDir: string, part: 'canonical' | 'base' | 'conflict-files', file: string): string {
  return join(backupDir, part, file);
}

export function readManifest(backupDir: string): BackupManifest | undefined {
  try {
    return JSON.parse(readFileSync(getManifestPath(backupDir), 'utf8')) as BackupManifest;
  } catch {
    return undefined;
  }
}

export function renderManifest(manifest: BackupManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

export interface BackupInput {
  stateDir: string;
  /** Canonical as read under the lock. */
  canonical: ReadonlyMap<string, { data: Buffer; mode: number }>;
  /** Files the merge will replace or remove: their copies are fsynced. */
  atRisk: ReadonlySet<string>;
  /** Old contents of the base files the merge replaces (null: absent). */
  baseBefore: ReadonlyMap<string, Buffer | null>;
  /** Resolved conflict files the merge removes, by path. */
  removedConflictFiles: ReadonlyMap<string, Buffer>;
  manifest: Omit<BackupManifest, 'version' | 'files' | 'after' | 'baseBefore' | 'conflictFiles' | 'removedConflictFiles' | 'undone'>;
  /** Names the backup directory after its source. */
  tag: string;
}

/** Copies canonical (and the base files about to change) into a new backup; its manifest has no `after` yet. */
export function createBackup(input: BackupInput): Backup {
  const root = ensurePrivateDir(getBackupsDir(input.stateDir));
  const stamp = new Date(input.manifest.createdAt).toISOString().replace(/[:.]/g, '-');
  let dir = join(root, `${stamp}-${input.tag}`);
  for (let n = 2; existsSync(dir); n++) dir = join(root, `${stamp}-${input.tag}-${n}`);
  ensurePrivateDir(dir);
  const files: BackupManifest['files'] = {};
  for (const [file, entry] of input.canonical) {
    const path = getBackupFile(dir, 'canonical', file);
    if (input.atRisk.has(file)) writeDurably(path, entry.data);
    else {
      mkdirSync(dirname(path), { recursive: true, mode: PRIVATE_DIR_MODE });
      writeFileSync(path, entry.data, { mode: PRIVATE_FILE_MODE });
    }
    files[file] = { sha: sha256(entry.data), mode: entry.mode };
  }
  const baseBefore: BackupManifest['baseBefore'] = {};
  for (const [file, data] of input.baseBefore) {
    baseBefore[file] = data === null ? null : sha256(data);
    if (data !== null) writeDurably(getBackupFile(dir, 'base', file), data);
  }
  const removedConflictFiles: BackupManifest['removedConflictFiles'] = {};
  for (const [path, data] of input.removedConflictFiles) {
    const name = String(Object.keys(removedConflictFiles).length);
    writeDurably(getBackupFile(dir, 'conflict-files', name), data);
    removedConflictFiles[path] = name;
  }
  const manifest: BackupManifest = { version: 1, ...input.manifest, files, after: null, baseBefore, conflictFiles: {}, removedConflictFiles, undone: false };
  writeFileAtomic(getManifestPath(dir), renderManifest(manifest), { mode: PRIVATE_FILE_MODE });
  return { dir, manifest };
}

/** Completed backups (the merge committed), newest first. */
export function listBackups(stateDir: string): Backup[] {
  const root = getBackupsDir(stateDir);
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .sort()
    .reverse()
    .map((name) => ({ dir: join(root, name), manifest: readManifest(join(root, name)) }))
    .filter((backup): backup is Backup => backup.manifest !== undefined && backup.manifest.after !== null);
}

/**
 * The sessions named by a completed backup that was not undone, under every memory state dir in `stateRoot`
 * (getMemoryStateRoot): `cwt merge-memory --undo` puts such a session's merge state back, so its row must stay.
 */
export function listSessionsNeededByUndo(stateRoot: string): Set<string> {
  const sessions = new Set<string>();
  if (!existsSync(stateRoot)) return sessions;
  for (const name of readdirSync(stateRoot)) {
    for (const backup of listBackups(join(stateRoot, name))) {
      if (!backup.manifest.undone && backup.manifest.source.session !== null) sessions.add(backup.manifest.source.session);
    }
  }
  return sessions;
}

/** Removes the backups of merges that never committed (run under the lock, after journal recovery). */
export function discardIncompleteBackups(stateDir: string): void {
  const root = getBackupsDir(stateDir);
  if (!existsSync(root)) return;
  for (const name of readdirSync(root)) {
    const manifest = readManifest(join(root, name));
    if (manifest === undefined || manifest.after === null) rmSync(join(root, name), { recursive: true, force: true });
  }
}

/** Keeps the newest `keep` completed backups. */
export function pruneBackups(stateDir: string, keep = BACKUPS_KEPT): void {
  for (const backup of listBackups(stateDir).slice(keep)) rmSync(backup.dir, { recursive: true, force: true });
}
