/**
 * The default Store: one SQLite file per user (better-sqlite3), WAL mode, a busy timeout so concurrent cwt
 * processes queue rather than fail, every change in a BEGIN IMMEDIATE transaction. The file is created 0600
 * inside a 0700 directory; SQLite gives its -wal and -shm files the database file's mode.
 */
import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, openSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../atomic.js';
import { SQLITE_MIGRATIONS } from './migrations.js';
import { SESSION_COLUMNS, toClaim, toCommit, toEvent, toLease, toLock, toSession, toSqlValue, type Row } from './rows.js';
import type {
  AcquireResult,
  ClaimDecider,
  ClaimFilter,
  ClaimOutcome,
  ClaimRecord,
  ClaimRequest,
  ClaimState,
  CommitRecord,
  ReadRecord,
  RecordCommitOptions,
  EventFilter,
  EventInput,
  EventRecord,
  LeaseDecider,
  LeaseFilter,
  LeaseHolding,
  LeaseOutcome,
  LeaseRecord,
  LeaseRequest,
  LockRecord,
  LockRequest,
  SessionFilter,
  SessionPatch,
  SessionRecord,
  StaleLockPredicate,
  Store,
} from './store.js';

export const SQLITE_FILE_NAME = 'state.db';
const BUSY_TIMEOUT_MS = 10_000;

/**
 * The compiled addon's path, handed to better-sqlite3 so it skips the `bindings` package's search of a
 * dozen candidate paths (~13 ms of every cwt start, measured). Found the way Node finds a package: the
 * nearest node_modules up from this file. Undefined: let better-sqlite3 search.
 */
function findNativeBinding(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let hops = 0; hops < 8; hops++) {
    const path = join(dir, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
    if (existsSync(path)) return path;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

/** Creates the database file 0600 before SQLite opens it, so it is never world-readable even briefly. */
function createPrivateFile(path: string): void {
  try {
    if ((statSync(path).mode & 0o777) === PRIVATE_FILE_MODE) return;
  } catch {
    closeSync(openSync(path, 'a', PRIVATE_FILE_MODE));
  }
  chmodSync(path, PRIVATE_FILE_MODE);
}

function migrate(db: Database.Database): void {
  const run = db.transaction(() => {
    // Re-read inside the write lock: another process may have migrated while this one waited.
    const version = db.pragma('user_version', { simple: true }) as number;
    for (let index = version; index < SQLITE_MIGRATIONS.length; index++) db.exec(SQLITE_MIGRATIONS[index]!);
    if (version < SQLITE_MIGRATIONS.length) db.pragma(`user_version = ${SQLITE_MIGRATIONS.length}`);
  });
  const version = db.pragma('user_version', { simple: true }) as number;
  // WAL is a property of the file: set once, when the database is new (it cannot change inside a transaction).
  if (version === 0) db.pragma('journal_mode = WAL');
  if (version < SQLITE_MIGRATIONS.length) run.immediate();
}

export class SqliteStore implements Store {
  readonly kind = 'sqlite';
  readonly location: string;
  private readonly db: Database.Database;

  constructor(cwtHome: string) {
    ensurePrivateDir(cwtHome);
    this.location = join(cwtHome, SQLITE_FILE_NAME);
    createPrivateFile(this.location);
    this.db = new Database(this.location, { timeout: BUSY_TIMEOUT_MS, nativeBinding: findNativeBinding() });
    // NORMAL in WAL mode: consistent after any crash; a power loss may drop the last commits.
    this.db.exec('PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON');
    migrate(this.db);
  }

  private appendEventSync(event: EventInput, at = Date.now()): void {
    this.db
      .prepare('INSERT INTO events (at, kind, session, repo, data) VALUES (?, ?, ?, ?, ?)')
      .run(at, event.kind, event.session ?? null, event.repo ?? null, JSON.stringify(event.data ?? {}));
  }

  async insertSession(session: SessionRecord, event?: EventInput): Promise<void> {
    const columns = ['id', ...Object.values(SESSION_COLUMNS)];
    const values = [session.id, ...Object.keys(SESSION_COLUMNS).map((key) => toSqlValue(session[key as keyof SessionRecord]))];
    this.db
      .transaction(() => {
        this.db.prepare(`INSERT INTO sessions (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`).run(...values);
        if (event) this.appendEventSync(event);
      })
      .immediate();
  }

  async getSession(id: string): Promise<SessionRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM sessions WHERE id = ?').get(id) as Row | undefined;
    return row ? toSession(row) : undefined;
  }

  async listSessions(filter: SessionFilter = {}): Promise<SessionRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.repo !== undefined) {
      where.push('repo = ?');
      params.push(filter.repo);
    }
    if (!filter.includeEnded) where.push("state != 'ended'");
    const sql = `SELECT * FROM sessions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY started_at, id`;
    return (this.db.prepare(sql).all(...params) as Row[]).map(toSession);
  }

  async updateSession(id: string, patch: SessionPatch, event?: EventInput): Promise<boolean> {
    const keys = Object.keys(patch).filter((key) => key in SESSION_COLUMNS && key !== 'repo') as (keyof SessionPatch)[];
    return this.db
      .transaction(() => {
        let changed = true;
        if (keys.length > 0) {
          const assignments = keys.map((key) => `${SESSION_COLUMNS[key]} = ?`).join(', ');
          const values = keys.map((key) => toSqlValue(patch[key]));
          changed = this.db.prepare(`UPDATE sessions SET ${assignments} WHERE id = ?`).run(...values, id).changes > 0;
        }
        if (changed && event) this.appendEventSync(event);
        return changed;
      })
      .immediate();
  }

  async deleteSession(id: string, event?: EventInput): Promise<boolean> {
    return this.db
      .transaction(() => {
        const changed = this.db.prepare('DELETE FROM sessions WHERE id = ?').run(id).changes > 0;
        if (changed && event) this.appendEventSync(event);
        return changed;
      })
      .immediate();
  }

  async appendEvent(event: EventInput): Promise<void> {
    this.appendEventSync(event);
  }

  async listEvents(filter: EventFilter = {}): Promise<EventRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.session !== undefined) {
      where.push('session = ?');
      params.push(filter.session);
    }
    if (filter.sinceId !== undefined) {
      where.push('id > ?');
      params.push(filter.sinceId);
    }
    if (filter.sinceAt !== undefined) {
      where.push('at >= ?');
      params.push(filter.sinceAt);
    }
    const limit = filter.limit !== undefined ? `LIMIT ${Math.max(0, Math.floor(filter.limit))}` : '';
    const sql = `SELECT * FROM events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id ${limit}`;
    return (this.db.prepare(sql).all(...params) as Row[]).map(toEvent);
  }

  async acquireLock(request: LockRequest, isStale: StaleLockPredicate): Promise<AcquireResult> {
    return this.db
      .transaction((): AcquireResult => {
        const row = this.db.prepare('SELECT * FROM locks WHERE name = ?').get(request.name) as Row | undefined;
        const current = row ? toLock(row) : undefined;
        if (current && !isStale(current, request.now)) return { acquired: false, current };
        const tokenRow = this.db
          .prepare(
            `INSERT INTO lock_tokens (name, last_token) VALUES (?, 1)
             ON CONFLICT (name) DO UPDATE SET last_token = last_token + 1 RETURNING last_token`,
          )
          .get(request.name) as { last_token: number };
        const lock: LockRecord = {
          name: request.name,
          holder: request.holder,
          session: request.session,
          token: tokenRow.last_token,
          pid: request.pid,
          host: request.host,
          acquiredAt: request.now,
          heartbeatAt: request.now,
          ttlMs: request.ttlMs,
          note: request.note,
        };
        this.db
          .prepare(
            `INSERT OR REPLACE INTO locks (name, holder, session, token, pid, host, acquired_at, heartbeat_at, ttl_ms, note)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(lock.name, lock.holder, lock.session, lock.token, lock.pid, lock.host, lock.acquiredAt, lock.heartbeatAt, lock.ttlMs, lock.note);
        this.appendEventSync(
          {
            kind: current ? 'lock.takeover' : 'lock.acquire',
            session: request.session,
            data: { name: lock.name, token: lock.token, holder: lock.holder, ...(current ? { previous: current } : {}) },
          },
          request.now,
        );
        return { acquired: true, lock, takenOver: current ?? null };
      })
      .immediate();
  }

  async heartbeatLock(name: string, token: number, now: number): Promise<boolean> {
    return this.db.prepare('UPDATE locks SET heartbeat_at = ? WHERE name = ? AND token = ?').run(now, name, token).changes > 0;
  }

  async releaseLock(name: string, token: number): Promise<boolean> {
    return this.db
      .transaction(() => {
        const row = this.db.prepare('DELETE FROM locks WHERE name = ? AND token = ? RETURNING *').get(name, token) as Row | undefined;
        if (row) this.appendEventSync({ kind: 'lock.release', session: row.session as string | null, data: { name, token } });
        return row !== undefined;
      })
      .immediate();
  }

  async forceReleaseLock(name: string): Promise<LockRecord | undefined> {
    return this.db
      .transaction(() => {
        const row = this.db.prepare('DELETE FROM locks WHERE name = ? RETURNING *').get(name) as Row | undefined;
        if (!row) return undefined;
        const lock = toLock(row);
        this.appendEventSync({ kind: 'lock.force-release', session: lock.session, data: { name, previous: lock } });
        return lock;
      })
      .immediate();
  }

  async getLock(name: string): Promise<LockRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM locks WHERE name = ?').get(name) as Row | undefined;
    return row ? toLock(row) : undefined;
  }

  async listLocks(): Promise<LockRecord[]> {
    return (this.db.prepare('SELECT * FROM locks ORDER BY name').all() as Row[]).map(toLock);
  }

  async releaseSessionLocks(session: string): Promise<LockRecord[]> {
    return this.db
      .transaction(() => {
        const rows = (this.db.prepare('DELETE FROM locks WHERE session = ? RETURNING *').all(session) as Row[]).map(toLock);
        for (const lock of rows) {
          this.appendEventSync({ kind: 'lock.release', session, data: { name: lock.name, token: lock.token, reason: 'session' } });
        }
        return rows;
      })
      .immediate();
  }

  async releaseLockOfSession(name: string, session: string): Promise<boolean> {
    return this.db
      .transaction(() => {
        const row = this.db.prepare('DELETE FROM locks WHERE name = ? AND session = ? RETURNING token').get(name, session) as Row | undefined;
        if (row) this.appendEventSync({ kind: 'lock.release', session, data: { name, token: row.token } });
        return row !== undefined;
      })
      .immediate();
  }

  async linkClaudeSession(claudeId: string, session: string, now: number): Promise<void> {
    // A Claude session that ended (SessionEnd) and is resumed later may be linked afresh.
    this.db
      .prepare(
        `INSERT INTO claude_sessions (claude_id, session, started_at) VALUES (?, ?, ?)
         ON CONFLICT (claude_id) DO UPDATE SET session = excluded.session, started_at = excluded.started_at, ended_at = NULL
         WHERE claude_sessions.ended_at IS NOT NULL`,
      )
      .run(claudeId, session, now);
  }

  async getSessionOfClaude(claudeId: string): Promise<string | undefined> {
    const row = this.db.prepare('SELECT session FROM claude_sessions WHERE claude_id = ?').get(claudeId) as Row | undefined;
    return row?.session as string | undefined;
  }

  async endClaudeSession(claudeId: string, now: number): Promise<void> {
    this.db.prepare('UPDATE claude_sessions SET ended_at = ? WHERE claude_id = ?').run(now, claudeId);
  }

  async claimPath(request: ClaimRequest, decide: ClaimDecider): Promise<ClaimOutcome> {
    return this.db
      .transaction((): ClaimOutcome => {
        const { checkout, relPath, session, now } = request;
        const claimRow = this.db.prepare('SELECT * FROM claims WHERE checkout = ? AND rel_path = ?').get(checkout, relPath) as Row | undefined;
        const existing = claimRow ? toClaim(claimRow) : undefined;
        const holderRow = existing ? (this.db.prepare('SELECT * FROM sessions WHERE id = ?').get(existing.session) as Row | undefined) : undefined;
        const denialRow = this.db
          .prepare('SELECT at FROM claim_denials WHERE checkout = ? AND rel_path = ? AND session = ?')
          .get(checkout, relPath, session) as Row | undefined;
        const state: ClaimState = { existing, holder: holderRow ? toSession(holderRow) : undefined, deniedAt: (denialRow?.at as number | undefined) ?? null };
        const verdict = decide(state);
        const eventBase = { session, repo: request.repo };
        if (verdict.allow) {
          this.db
            .prepare(
              `INSERT INTO claims (checkout, rel_path, repo, abs_path, session, claude_id, at) VALUES (?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (checkout, rel_path) DO UPDATE SET repo = excluded.repo, abs_path = excluded.abs_path,
                 session = excluded.session, claude_id = excluded.claude_id, at = excluded.at`,
            )
            .run(checkout, relPath, request.repo, request.absPath, session, request.claudeId, now);
          if (denialRow) this.db.prepare('DELETE FROM claim_denials WHERE checkout = ? AND rel_path = ? AND session = ?').run(checkout, relPath, session);
          if (verdict.takeover) {
            this.appendEventSync({ kind: 'claim.takeover', ...eventBase, data: { path: request.absPath, previous: existing } }, now);
          } else if (!existing || existing.session !== session) {
            this.appendEventSync({ kind: 'claim', ...eventBase, data: { path: request.absPath } }, now);
          }
        } else {
          if (verdict.recordDenial) {
            this.db
              .prepare('INSERT OR REPLACE INTO claim_denials (checkout, rel_path, session, at) VALUES (?, ?, ?, ?)')
              .run(checkout, relPath, session, now);
          }
          this.appendEventSync({ kind: 'claim.deny', ...eventBase, data: { path: request.absPath, holder: existing?.session ?? null } }, now);
        }
        return { verdict, state };
      })
      .immediate();
  }

  async listClaims(filter: ClaimFilter = {}): Promise<ClaimRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    for (const [key, column] of [['repo', 'repo'], ['checkout', 'checkout'], ['relPath', 'rel_path'], ['session', 'session']] as const) {
      if (filter[key] === undefined) continue;
      where.push(`${column} = ?`);
      params.push(filter[key]);
    }
    const sql = `SELECT * FROM claims ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at DESC, rel_path`;
    return (this.db.prepare(sql).all(...params) as Row[]).map(toClaim);
  }

  async releaseClaims(session: string, options: { claudeId?: string; absPaths?: readonly string[] } = {}): Promise<ClaimRecord[]> {
    return this.db
      .transaction(() => {
        let released: ClaimRecord[];
        if (options.absPaths !== undefined) {
          const statement = this.db.prepare('DELETE FROM claims WHERE session = ? AND abs_path = ? RETURNING *');
          released = options.absPaths.flatMap((path) => (statement.all(session, path) as Row[]).map(toClaim));
        } else if (options.claudeId !== undefined) {
          released = (this.db.prepare('DELETE FROM claims WHERE session = ? AND claude_id = ? RETURNING *').all(session, options.claudeId) as Row[]).map(toClaim);
        } else {
          released = (this.db.prepare('DELETE FROM claims WHERE session = ? RETURNING *').all(session) as Row[]).map(toClaim);
        }
        if (options.absPaths === undefined && options.claudeId === undefined) {
          this.db.prepare('DELETE FROM claim_denials WHERE session = ?').run(session);
          this.db.prepare('DELETE FROM reads WHERE session = ?').run(session);
        }
        if (released.length > 0) {
          this.appendEventSync({ kind: 'claim.release', session, data: { paths: released.map((claim) => claim.absPath) } });
        }
        return released;
      })
      .immediate();
  }

  async acquireLease(request: LeaseRequest, decide: LeaseDecider): Promise<LeaseOutcome> {
    return this.db
      .transaction((): LeaseOutcome => {
        const rows = this.db.prepare('SELECT * FROM leases WHERE resource = ? ORDER BY value').all(request.resource) as Row[];
        const getSession = this.db.prepare('SELECT * FROM sessions WHERE id = ?');
        const holdings: LeaseHolding[] = rows.map((row) => {
          const holderRow = getSession.get(row.session) as Row | undefined;
          return { lease: toLease(row), holder: holderRow ? toSession(holderRow) : undefined };
        });
        const choice = decide(holdings);
        if (!choice) return { acquired: false };
        const { now } = request;
        if (choice.reclaim) {
          this.db.prepare('DELETE FROM leases WHERE resource = ? AND value = ?').run(choice.reclaim.resource, choice.reclaim.value);
          this.appendEventSync({ kind: 'lease.reclaim', session: request.session, repo: request.repo, data: { previous: choice.reclaim } }, now);
        }
        // One value per variable per session: a re-acquisition replaces the session's earlier value.
        this.db.prepare('DELETE FROM leases WHERE session = ? AND name = ? AND NOT (resource = ? AND value = ?)').run(request.session, request.name, request.resource, choice.value);
        const lease: LeaseRecord = {
          resource: request.resource,
          name: request.name,
          kind: request.kind,
          value: choice.value,
          session: request.session,
          repo: request.repo,
          at: now,
        };
        this.db
          .prepare(
            `INSERT INTO leases (resource, name, kind, value, session, repo, at) VALUES (?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (resource, value) DO UPDATE SET name = excluded.name, kind = excluded.kind, session = excluded.session,
               repo = excluded.repo, at = excluded.at`,
          )
          .run(lease.resource, lease.name, lease.kind, lease.value, lease.session, lease.repo, lease.at);
        this.appendEventSync({ kind: 'lease.acquire', session: request.session, repo: request.repo, data: { name: lease.name, kind: lease.kind, value: lease.value } }, now);
        return { acquired: true, lease, reclaimed: choice.reclaim ?? null };
      })
      .immediate();
  }

  async listLeases(filter: LeaseFilter = {}): Promise<LeaseRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    for (const key of ['session', 'repo'] as const) {
      if (filter[key] === undefined) continue;
      where.push(`${key} = ?`);
      params.push(filter[key]);
    }
    const sql = `SELECT * FROM leases ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY session, name`;
    return (this.db.prepare(sql).all(...params) as Row[]).map(toLease);
  }

  async releaseLease(resource: string, value: string, session: string, reason: string): Promise<boolean> {
    return this.db
      .transaction(() => {
        const row = this.db.prepare('DELETE FROM leases WHERE resource = ? AND value = ? AND session = ? RETURNING *').get(resource, value, session) as Row | undefined;
        if (row) this.appendEventSync({ kind: 'lease.release', session, repo: row.repo as string, data: { leases: [{ name: row.name, value }], reason } });
        return row !== undefined;
      })
      .immediate();
  }

  async releaseLeases(session: string, reason: string): Promise<LeaseRecord[]> {
    return this.db
      .transaction(() => {
        const released = (this.db.prepare('DELETE FROM leases WHERE session = ? RETURNING *').all(session) as Row[]).map(toLease);
        if (released.length > 0) {
          this.appendEventSync({
            kind: 'lease.release',
            session,
            repo: released[0]!.repo,
            data: { leases: released.map((lease) => ({ name: lease.name, value: lease.value })), reason },
          });
        }
        return released;
      })
      .immediate();
  }

  async recordCommit(commit: CommitRecord, options: RecordCommitOptions): Promise<ClaimRecord[]> {
    return this.db
      .transaction(() => {
        // An amend or a re-run of the hook for the same commit keeps the first record.
        this.db
          .prepare('INSERT OR IGNORE INTO commits (repo, sha, session, branch, at) VALUES (?, ?, ?, ?, ?)')
          .run(commit.repo, commit.sha, commit.session, commit.branch, commit.at);
        if (commit.session === null) {
          if (options.event) this.appendEventSync(options.event, commit.at);
          return [];
        }
        if (options.advanceTip) this.db.prepare('UPDATE sessions SET known_tip = ? WHERE id = ?').run(commit.sha, commit.session);
        const release = this.db.prepare('DELETE FROM claims WHERE session = ? AND abs_path = ? RETURNING *');
        const released = (options.releasePaths ?? []).flatMap((path) => (release.all(commit.session, path) as Row[]).map(toClaim));
        if (released.length > 0) {
          this.appendEventSync({ kind: 'claim.release', session: commit.session, data: { paths: released.map((claim) => claim.absPath), reason: 'commit' } }, commit.at);
        }
        if (options.event) this.appendEventSync(options.event, commit.at);
        return released;
      })
      .immediate();
  }

  async listCommits(repo: string, shas: readonly string[]): Promise<CommitRecord[]> {
    if (shas.length === 0) return [];
    const statement = this.db.prepare('SELECT * FROM commits WHERE repo = ? AND sha = ?');
    return this.db.transaction(() =>
      shas.flatMap((sha) => {
        const row = statement.get(repo, sha) as Row | undefined;
        return row ? [toCommit(row)] : [];
      }),
    )();
  }

  async recordRead(read: ReadRecord): Promise<void> {
    this.db.prepare('INSERT OR REPLACE INTO reads (session, path, sha256, at) VALUES (?, ?, ?, ?)').run(read.session, read.path, read.sha256, read.at);
  }

  async getRead(session: string, path: string): Promise<ReadRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM reads WHERE session = ? AND path = ?').get(session, path) as Row | undefined;
    return row ? { session: row.session as string, path: row.path as string, sha256: row.sha256 as string, at: row.at as number } : undefined;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
