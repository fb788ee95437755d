/**
 * The default Store: one SQLite file per user (better-sqlite3), WAL mode, a busy timeout so concurrent cwt
 * processes queue rather than fail, every change in a BEGIN IMMEDIATE transaction. The file is created 0600
 * inside a 0700 directory; SQLite gives its -wal and -shm files the database file's mode.
 */
import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, openSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../fs/atomic.js';
import { sleepQuietly } from '../util/sleep.js';
import { SQLITE_MIGRATIONS } from './migrations.js';
import { createPruneCounts, guardActivity, META_KEYS, parseJson, SESSION_COLUMNS, taskEventData, toClaim, toClaudeSession, toCommit, toEvent, toHandoff, toKv, toLease, toLock, toSession, toSqlValue, toTask, type Row } from './rows.js';
import type {
  HookCallRecord,
  AcquireResult,
  HandoffAcceptResult,
  HandoffFilter,
  HandoffInput,
  HandoffRecord,
  KvRecord,
  KvScopeSummary,
  KvWrite,
  KvWriteResult,
  StaleTaskPredicate,
  TaskClaim,
  TaskClaimResult,
  TaskFilter,
  TaskInput,
  TaskRecord,
  TaskUpdate,
  TaskUpdateResult,
  ThrottleDecision,
  ClaimDecider,
  ClaimFilter,
  ClaimOutcome,
  ClaimRecord,
  ClaudeSessionRecord,
  ClaimRequest,
  ClaimState,
  CommitRecord,
  PruneCounts,
  PruneRequest,
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
  SessionUpdateOptions,
  SessionRecord,
  StaleLockPredicate,
  Store,
} from './store.js';
import { CHANGE_POLL_MS } from './store.js';

export const SQLITE_FILE_NAME = 'state.db';

const BUSY_TIMEOUT_MS = 10_000;
/** claimHookCall's own retries while another connection writes: 40 of 0.1 ms before the busy timeout's waits. */
const CLAIM_RETRIES = 40;
const CLAIM_RETRY_MS = 0.1;
/** What claimHookCall's retries wait on (Atomics.wait: a sleep of a fraction of a millisecond, nobody notifies). */
const CLAIM_WAIT = new Int32Array(new SharedArrayBuffer(4));

/**
 * The compiled addon's path, handed to better-sqlite3 so it skips the `bindings` package's search of a
 * dozen candidate paths (~13 ms of every cwt start, measured). Found the way Node finds a package: the
 * nearest node_modules up from this file. Undefined: let better-sqlite3 search.
 */
function findNativeBinding(): string | undefined {
  // In the lean CommonJS bundles (dist/*.cjs) __dirname is the bundle's directory, which spares a hook its first
  // URL parse (~0.3 ms); an ES module has no __dirname.
  let dir = typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url));
  for (let hops = 0; hops < 8; hops++) {
    const path = join(dir, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
    if (existsSync(path)) return path;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

let nativeAddon: object | undefined;

/**
 * The addon itself, loaded once per process with process.dlopen and handed to better-sqlite3 as an object
 * (which it accepts, though its types say a path): require's resolution of the .node file (a stat, a realpath
 * through every directory, the module record) took as long again as the load, ~0.4 ms of every hook. A second
 * load of the same file in one process (a require elsewhere) registers it again, as for a worker thread.
 */
function loadNativeBinding(): string | undefined {
  if (nativeAddon !== undefined) return nativeAddon as unknown as string;
  const path = findNativeBinding();
  if (path === undefined) return undefined;
  const module = { exports: {} };
  process.dlopen(module, path);
  nativeAddon = module.exports;
  return nativeAddon as unknown as string;
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
  if (version === 0) {
    // Both are properties of the file, set once while it is new. auto_vacuum must precede the first table; a
    // file from before migration 8 is converted by cwt gc (reclaimSpace). WAL cannot change inside a transaction.
    db.pragma('auto_vacuum = INCREMENTAL');
    db.pragma('journal_mode = WAL');
  }
  if (version < SQLITE_MIGRATIONS.length) run.immediate();
}

/** Prepared statements a connection keeps (SqliteStore.prepare): every fixed one, and room for the built ones. */
const MAX_STATEMENTS = 256;

/** The WAL size (pages) at which a short-lived process's commit checkpoints (SQLite's default is 1,000). */
const SHORT_WAL_PAGES = 100;

export interface SqliteStoreOptions {
  /**
   * Checkpoint at SHORT_WAL_PAGES: for a process that exits without closing (a hook, the lean status and append).
   * Closing the last connection checkpoints; exiting does not, so the WAL grows to the checkpoint threshold, and a
   * process that opens the store with no other connection open reads all of it to rebuild the WAL index:
   * ~1.6 us a page (measured: a 2 MB WAL added 0.8 ms to such an open), up to 1.6 ms of every hook at 1,000
   * pages, against ~1 ms for a checkpoint once every dozen or so commits.
   */
  shortWal?: boolean;
}

export class SqliteStore implements Store {
  readonly kind = 'sqlite';
  readonly location: string;
  private readonly db: Database.Database;
  /** Prepared statements by SQL text, newest last (see prepare). */
  private readonly statements = new Map<string, Database.Statement>();

  constructor(cwtHome: string, options: SqliteStoreOptions = {}) {
    ensurePrivateDir(cwtHome);
    this.location = join(cwtHome, SQLITE_FILE_NAME);
    createPrivateFile(this.location);
    this.db = new Database(this.location, { timeout: BUSY_TIMEOUT_MS, nativeBinding: loadNativeBinding() });
    // NORMAL in WAL mode: consistent after any crash; a power loss may drop the last commits.
    this.db.exec(`PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON${options.shortWal ? `; PRAGMA wal_autocheckpoint = ${SHORT_WAL_PAGES}` : ''}`);
    migrate(this.db);
  }

  /**
   * The connection's statement for `sql`, prepared once: better-sqlite3 compiles SQL anew on every db.prepare,
   * and a long-lived process (cwt serve, cwt mcp, a supervisor) spent more of each tool-call decision preparing
   * its statements than running them (measured). No statement of this store changes its mode (pluck, raw,
   * expand) or is iterated, so a kept one is as good as a new one. SQL built per call (filters, column lists)
   * comes in a few shapes; past MAX_STATEMENTS the oldest goes.
   */
  private prepare(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      if (this.statements.size >= MAX_STATEMENTS) this.statements.delete(this.statements.keys().next().value!);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private appendEventSync(event: EventInput, at = Date.now()): void {
    this
      .prepare('INSERT INTO events (at, kind, session, repo, data) VALUES (?, ?, ?, ?, ?)')
      .run(at, event.kind, event.session ?? null, event.repo ?? null, JSON.stringify(event.data ?? {}));
  }

  async insertSession(session: SessionRecord, event?: EventInput): Promise<void> {
    const columns = ['id', ...Object.values(SESSION_COLUMNS)];
    const values = [session.id, ...Object.keys(SESSION_COLUMNS).map((key) => toSqlValue(session[key as keyof SessionRecord]))];
    this.db
      .transaction(() => {
        this.prepare(`INSERT INTO sessions (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`).run(...values);
        if (event) this.appendEventSync(event);
      })
      .immediate();
  }

  async getSession(id: string): Promise<SessionRecord | undefined> {
    const row = this.prepare('SELECT * FROM sessions WHERE id = ?').get(id) as Row | undefined;
    return row ? toSession(row) : undefined;
  }

  async listSessions(filter: SessionFilter = {}): Promise<SessionRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.repo !== undefined) {
      where.push('repo = ?');
      params.push(filter.repo);
    }
    if (filter.repoKey !== undefined) {
      where.push('COALESCE(repo_id, repo) = ?');
      params.push(filter.repoKey);
    }
    if (!filter.includeEnded) where.push("state != 'ended'");
    const sql = `SELECT * FROM sessions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY started_at, id`;
    return (this.prepare(sql).all(...params) as Row[]).map(toSession);
  }

  async updateSession(id: string, patch: SessionPatch, event?: EventInput, options: SessionUpdateOptions = {}): Promise<boolean> {
    return this.db
      .transaction(() => {
        let effective = patch;
        let logged = event;
        if (options.onActivityChange) {
          const stored = this.prepare('SELECT activity FROM sessions WHERE id = ?').get(id) as Row | undefined;
          const guarded = guardActivity(patch, stored?.activity);
          effective = guarded.patch;
          if (!guarded.changed) logged = undefined;
        }
        const keys = Object.keys(effective).filter((key) => key in SESSION_COLUMNS && key !== 'repo') as (keyof SessionPatch)[];
        let changed = true;
        if (keys.length > 0) {
          const assignments = keys.map((key) => `${SESSION_COLUMNS[key]} = ?`).join(', ');
          const values = keys.map((key) => toSqlValue(effective[key]));
          changed = this.prepare(`UPDATE sessions SET ${assignments} WHERE id = ?`).run(...values, id).changes > 0;
        }
        if (changed && logged) this.appendEventSync(logged);
        return changed;
      })
      .immediate();
  }

  async deleteSession(id: string, event?: EventInput): Promise<boolean> {
    return this.db
      .transaction(() => {
        const changed = this.prepare('DELETE FROM sessions WHERE id = ?').run(id).changes > 0;
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
    if (filter.kinds !== undefined) {
      where.push(`kind IN (${filter.kinds.map(() => '?').join(', ') || 'NULL'})`);
      params.push(...filter.kinds);
    }
    if (filter.kindPrefix !== undefined) {
      // substr, not LIKE: a prefix's % or _ are text.
      where.push('substr(kind, 1, length(?)) = ?');
      params.push(filter.kindPrefix, filter.kindPrefix);
    }
    const limit = filter.limit !== undefined ? `LIMIT ${Math.max(0, Math.floor(filter.limit))}` : '';
    const sql = `SELECT * FROM events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id ${filter.newest ? 'DESC' : ''} ${limit}`;
    const events = (this.prepare(sql).all(...params) as Row[]).map(toEvent);
    return filter.newest ? events.reverse() : events;
  }

  async acquireLock(request: LockRequest, isStale: StaleLockPredicate): Promise<AcquireResult> {
    return this.db
      .transaction((): AcquireResult => {
        const row = this.prepare('SELECT * FROM locks WHERE name = ?').get(request.name) as Row | undefined;
        const current = row ? toLock(row) : undefined;
        if (current && !isStale(current, request.now)) return { acquired: false, current };
        const tokenRow = this
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
        this
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
    return this.prepare('UPDATE locks SET heartbeat_at = ? WHERE name = ? AND token = ?').run(now, name, token).changes > 0;
  }

  async releaseLock(name: string, token: number): Promise<boolean> {
    return this.db
      .transaction(() => {
        const row = this.prepare('DELETE FROM locks WHERE name = ? AND token = ? RETURNING *').get(name, token) as Row | undefined;
        if (row) this.appendEventSync({ kind: 'lock.release', session: row.session as string | null, data: { name, token } });
        return row !== undefined;
      })
      .immediate();
  }

  async forceReleaseLock(name: string): Promise<LockRecord | undefined> {
    return this.db
      .transaction(() => {
        const row = this.prepare('DELETE FROM locks WHERE name = ? RETURNING *').get(name) as Row | undefined;
        if (!row) return undefined;
        const lock = toLock(row);
        this.appendEventSync({ kind: 'lock.force-release', session: lock.session, data: { name, previous: lock } });
        return lock;
      })
      .immediate();
  }

  async getLock(name: string): Promise<LockRecord | undefined> {
    const row = this.prepare('SELECT * FROM locks WHERE name = ?').get(name) as Row | undefined;
    return row ? toLock(row) : undefined;
  }

  async listLocks(): Promise<LockRecord[]> {
    return (this.prepare('SELECT * FROM locks ORDER BY name').all() as Row[]).map(toLock);
  }

  async releaseSessionLocks(session: string): Promise<LockRecord[]> {
    return this.db
      .transaction(() => {
        const rows = (this.prepare('DELETE FROM locks WHERE session = ? RETURNING *').all(session) as Row[]).map(toLock);
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
        const row = this.prepare('DELETE FROM locks WHERE name = ? AND session = ? RETURNING token').get(name, session) as Row | undefined;
        if (row) this.appendEventSync({ kind: 'lock.release', session, data: { name, token: row.token } });
        return row !== undefined;
      })
      .immediate();
  }

  async linkClaudeSession(claudeId: string, session: string, now: number): Promise<void> {
    this.db
      .transaction(() => {
        // A Claude session that ended (SessionEnd) and is resumed later may be linked afresh.
        const linked = this
          .prepare(
            `INSERT INTO claude_sessions (claude_id, session, started_at) VALUES (?, ?, ?)
             ON CONFLICT (claude_id) DO UPDATE SET session = excluded.session, active_at = excluded.started_at, ended_at = NULL,
               started_at = CASE WHEN claude_sessions.session = excluded.session THEN claude_sessions.started_at ELSE excluded.started_at END
             WHERE claude_sessions.ended_at IS NOT NULL`,
          )
          .run(claudeId, session, now).changes > 0;
        if (linked) this.appendEventSync({ kind: 'claude.link', session, data: { claudeSession: claudeId } }, now);
      })
      .immediate();
  }

  async getSessionOfClaude(claudeId: string): Promise<string | undefined> {
    const row = this.prepare('SELECT session FROM claude_sessions WHERE claude_id = ?').get(claudeId) as Row | undefined;
    return row?.session as string | undefined;
  }

  async endClaudeSession(claudeId: string, now: number): Promise<void> {
    this.db
      .transaction(() => {
        const row = this
          .prepare('UPDATE claude_sessions SET ended_at = ? WHERE claude_id = ? AND ended_at IS NULL RETURNING session')
          .get(now, claudeId) as Row | undefined;
        if (row) this.appendEventSync({ kind: 'claude.end', session: row.session as string, data: { claudeSession: claudeId } }, now);
      })
      .immediate();
  }

  async noteClaudeSession(claudeId: string, session: string, details: { firstPrompt?: string; transcript?: string }, now: number): Promise<void> {
    this.db
      .transaction(() => {
        const linked = this
          .prepare('INSERT INTO claude_sessions (claude_id, session, started_at) VALUES (?, ?, ?) ON CONFLICT (claude_id) DO NOTHING')
          .run(claudeId, session, now).changes > 0;
        if (linked) this.appendEventSync({ kind: 'claude.link', session, data: { claudeSession: claudeId } }, now);
        this
          .prepare(
            `UPDATE claude_sessions SET active_at = ?, first_prompt = COALESCE(first_prompt, ?), transcript = COALESCE(?, transcript)
             WHERE claude_id = ? AND session = ?`,
          )
          .run(now, details.firstPrompt ?? null, details.transcript ?? null, claudeId, session);
      })
      .immediate();
  }

  async listClaudeSessions(session: string): Promise<ClaudeSessionRecord[]> {
    const rows = this.prepare('SELECT * FROM claude_sessions WHERE session = ? ORDER BY started_at, claude_id').all(session) as Row[];
    return rows.map(toClaudeSession);
  }

  async moveClaudeSession(claudeId: string, from: string, to: string, now: number): Promise<boolean> {
    return this.db
      .transaction(() => {
        const moved = this.prepare('UPDATE claude_sessions SET session = ?, ended_at = NULL, active_at = ? WHERE claude_id = ? AND session = ?').run(to, now, claudeId, from).changes > 0;
        if (moved) this.appendEventSync({ kind: 'claude.move', session: to, data: { claudeSession: claudeId, from } }, now);
        return moved;
      })
      .immediate();
  }

  async claimPath(request: ClaimRequest, decide: ClaimDecider): Promise<ClaimOutcome> {
    return this.db
      .transaction((): ClaimOutcome => {
        const { checkout, relPath, session, now } = request;
        const claimRow = this.prepare('SELECT * FROM claims WHERE checkout = ? AND rel_path = ?').get(checkout, relPath) as Row | undefined;
        const existing = claimRow ? toClaim(claimRow) : undefined;
        const holderRow = existing ? (this.prepare('SELECT * FROM sessions WHERE id = ?').get(existing.session) as Row | undefined) : undefined;
        const denialRow = this
          .prepare('SELECT at FROM claim_denials WHERE checkout = ? AND rel_path = ? AND session = ?')
          .get(checkout, relPath, session) as Row | undefined;
        const state: ClaimState = { existing, holder: holderRow ? toSession(holderRow) : undefined, deniedAt: (denialRow?.at as number | undefined) ?? null };
        const verdict = decide(state);
        const eventBase = { session, repo: request.repo };
        if (verdict.allow) {
          this
            .prepare(
              `INSERT INTO claims (checkout, rel_path, repo, abs_path, session, claude_id, at) VALUES (?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (checkout, rel_path) DO UPDATE SET repo = excluded.repo, abs_path = excluded.abs_path,
                 session = excluded.session, claude_id = excluded.claude_id, at = excluded.at`,
            )
            .run(checkout, relPath, request.repo, request.absPath, session, request.claudeId, now);
          if (denialRow) this.prepare('DELETE FROM claim_denials WHERE checkout = ? AND rel_path = ? AND session = ?').run(checkout, relPath, session);
          if (verdict.takeover) {
            this.appendEventSync({ kind: 'claim.takeover', ...eventBase, data: { path: request.absPath, previous: existing } }, now);
          } else if (!existing || existing.session !== session) {
            this.appendEventSync({ kind: 'claim', ...eventBase, data: { path: request.absPath } }, now);
          }
        } else {
          if (verdict.recordDenial) {
            this
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
    return (this.prepare(sql).all(...params) as Row[]).map(toClaim);
  }

  async releaseClaims(session: string, options: { claudeId?: string; absPaths?: readonly string[] } = {}): Promise<ClaimRecord[]> {
    return this.db
      .transaction(() => {
        let released: ClaimRecord[];
        if (options.absPaths !== undefined) {
          const statement = this.prepare('DELETE FROM claims WHERE session = ? AND abs_path = ? RETURNING *');
          released = options.absPaths.flatMap((path) => (statement.all(session, path) as Row[]).map(toClaim));
        } else if (options.claudeId !== undefined) {
          released = (this.prepare('DELETE FROM claims WHERE session = ? AND claude_id = ? RETURNING *').all(session, options.claudeId) as Row[]).map(toClaim);
        } else {
          released = (this.prepare('DELETE FROM claims WHERE session = ? RETURNING *').all(session) as Row[]).map(toClaim);
        }
        if (options.absPaths === undefined && options.claudeId === undefined) {
          this.prepare('DELETE FROM claim_denials WHERE session = ?').run(session);
          this.prepare('DELETE FROM reads WHERE session = ?').run(session);
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
        const rows = this.prepare('SELECT * FROM leases WHERE resource = ? ORDER BY value').all(request.resource) as Row[];
        const getSession = this.prepare('SELECT * FROM sessions WHERE id = ?');
        const holdings: LeaseHolding[] = rows.map((row) => {
          const holderRow = getSession.get(row.session) as Row | undefined;
          return { lease: toLease(row), holder: holderRow ? toSession(holderRow) : undefined };
        });
        const choice = decide(holdings);
        if (!choice) return { acquired: false };
        const { now } = request;
        if (choice.reclaim) {
          this.prepare('DELETE FROM leases WHERE resource = ? AND value = ?').run(choice.reclaim.resource, choice.reclaim.value);
          this.appendEventSync({ kind: 'lease.reclaim', session: request.session, repo: request.repo, data: { previous: choice.reclaim } }, now);
        }
        // One value per variable per session: a re-acquisition replaces the session's earlier value.
        this.prepare('DELETE FROM leases WHERE session = ? AND name = ? AND NOT (resource = ? AND value = ?)').run(request.session, request.name, request.resource, choice.value);
        const lease: LeaseRecord = {
          resource: request.resource,
          name: request.name,
          kind: request.kind,
          value: choice.value,
          session: request.session,
          repo: request.repo,
          at: now,
        };
        this
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
    return (this.prepare(sql).all(...params) as Row[]).map(toLease);
  }

  async releaseLease(resource: string, value: string, session: string, reason: string): Promise<boolean> {
    return this.db
      .transaction(() => {
        const row = this.prepare('DELETE FROM leases WHERE resource = ? AND value = ? AND session = ? RETURNING *').get(resource, value, session) as Row | undefined;
        if (row) this.appendEventSync({ kind: 'lease.release', session, repo: row.repo as string, data: { leases: [{ name: row.name, value }], reason } });
        return row !== undefined;
      })
      .immediate();
  }

  async releaseLeases(session: string, reason: string): Promise<LeaseRecord[]> {
    return this.db
      .transaction(() => {
        const released = (this.prepare('DELETE FROM leases WHERE session = ? RETURNING *').all(session) as Row[]).map(toLease);
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
        this
          .prepare('INSERT OR IGNORE INTO commits (repo, sha, session, branch, at) VALUES (?, ?, ?, ?, ?)')
          .run(commit.repo, commit.sha, commit.session, commit.branch, commit.at);
        if (commit.session === null) {
          if (options.event) this.appendEventSync(options.event, commit.at);
          return [];
        }
        if (options.advanceTip) this.prepare('UPDATE sessions SET known_tip = ? WHERE id = ?').run(commit.sha, commit.session);
        const release = this.prepare('DELETE FROM claims WHERE session = ? AND abs_path = ? RETURNING *');
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
    const statement = this.prepare('SELECT * FROM commits WHERE repo = ? AND sha = ?');
    return this.db.transaction(() =>
      shas.flatMap((sha) => {
        const row = statement.get(repo, sha) as Row | undefined;
        return row ? [toCommit(row)] : [];
      }),
    )();
  }

  async recordRead(read: ReadRecord): Promise<void> {
    this.prepare('INSERT OR REPLACE INTO reads (session, path, sha256, at) VALUES (?, ?, ?, ?)').run(read.session, read.path, read.sha256, read.at);
  }

  async getRead(session: string, path: string): Promise<ReadRecord | undefined> {
    const row = this.prepare('SELECT * FROM reads WHERE session = ? AND path = ?').get(session, path) as Row | undefined;
    return row ? { session: row.session as string, path: row.path as string, sha256: row.sha256 as string, at: row.at as number } : undefined;
  }

  async getData(scope: string, key: string): Promise<KvRecord | undefined> {
    const row = this.prepare('SELECT * FROM kv WHERE scope = ? AND key = ? AND value IS NOT NULL').get(scope, key) as Row | undefined;
    return row ? toKv(row) : undefined;
  }

  async listData(scope: string): Promise<KvRecord[]> {
    return (this.prepare('SELECT * FROM kv WHERE scope = ? AND value IS NOT NULL ORDER BY key').all(scope) as Row[]).map(toKv);
  }

  async listScopes(): Promise<KvScopeSummary[]> {
    const rows = this
      .prepare('SELECT scope, COUNT(*) AS keys, MAX(updated_at) AS updated_at FROM kv WHERE value IS NOT NULL GROUP BY scope ORDER BY scope')
      .all() as Row[];
    return rows.map((row) => ({ scope: row.scope as string, keys: row.keys as number, updatedAt: row.updated_at as number }));
  }

  /** Writes (value) or deletes (null) one key if `expectVersion` allows; the one place kv rows change. */
  private writeKvSync(scope: string, key: string, value: string | null, options: { expectVersion?: number; session: string | null; now: number }): KvWriteResult {
    const row = this.prepare('SELECT * FROM kv WHERE scope = ? AND key = ?').get(scope, key) as Row | undefined;
    const current = row && row.value !== null ? toKv(row) : undefined;
    const currentVersion = current?.version ?? 0;
    if (options.expectVersion !== undefined && options.expectVersion !== currentVersion) return { ok: false, current };
    if (value === null && !current) return { ok: false, current: undefined };
    // Versions continue past a delete (the tombstone keeps the last one), and past a pruned tombstone (the floor).
    const version = ((row?.version as number | undefined) ?? this.getMetaSync(META_KEYS.kvVersionFloor) ?? 0) + 1;
    this
      .prepare(
        `INSERT INTO kv (scope, key, value, version, session, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (scope, key) DO UPDATE SET value = excluded.value, version = excluded.version, session = excluded.session, updated_at = excluded.updated_at`,
      )
      .run(scope, key, value, version, options.session, options.now);
    const record: KvRecord = { scope, key, value: parseJson(value), version, session: options.session, updatedAt: options.now };
    this.appendEventSync(
      { kind: value === null ? 'kv.delete' : 'kv.set', session: options.session, data: { scope, key, version, ...(options.expectVersion !== undefined ? { expected: options.expectVersion } : {}) } },
      options.now,
    );
    return { ok: true, record: value === null ? current! : record };
  }

  async setData(write: KvWrite): Promise<KvWriteResult> {
    const text = JSON.stringify(write.value ?? null);
    return this.db.transaction(() => this.writeKvSync(write.scope, write.key, text, write)).immediate();
  }

  async deleteData(scope: string, key: string, options: { expectVersion?: number; session: string | null; now: number }): Promise<KvWriteResult> {
    return this.db.transaction(() => this.writeKvSync(scope, key, null, options)).immediate();
  }

  async deleteScope(scope: string, options: { session: string | null; now: number }): Promise<number> {
    return this.db
      .transaction(() => {
        const count = this
          .prepare('UPDATE kv SET value = NULL, version = version + 1, session = ?, updated_at = ? WHERE scope = ? AND value IS NOT NULL')
          .run(options.session, options.now, scope).changes;
        if (count > 0) this.appendEventSync({ kind: 'kv.delete-scope', session: options.session, data: { scope, keys: count } }, options.now);
        return count;
      })
      .immediate();
  }

  async addTask(input: TaskInput): Promise<TaskRecord> {
    return this.db
      .transaction(() => {
        const row = this
          .prepare(`INSERT INTO tasks (queue, title, data, state, created_by, created_at) VALUES (?, ?, ?, 'pending', ?, ?) RETURNING *`)
          .get(input.queue, input.title, JSON.stringify(input.data ?? null), input.createdBy, input.now) as Row;
        const task = toTask(row);
        this.appendEventSync({ kind: 'task.add', session: input.session, data: taskEventData(task) }, input.now);
        return task;
      })
      .immediate();
  }

  /** Puts the stale claimed tasks among `rows` back to pending, with an event each. */
  private requeueSync(rows: Row[], isStale: StaleTaskPredicate, now: number): TaskRecord[] {
    const requeued: TaskRecord[] = [];
    const getSession = this.prepare('SELECT * FROM sessions WHERE id = ?');
    for (const row of rows) {
      const task = toTask(row);
      const ownerRow = task.ownerSession === null ? undefined : (getSession.get(task.ownerSession) as Row | undefined);
      if (!isStale(task, ownerRow ? toSession(ownerRow) : undefined, now)) continue;
      const updated = toTask(
        this
          .prepare(`UPDATE tasks SET state = 'pending', owner = NULL, owner_session = NULL, heartbeat_at = NULL WHERE id = ? AND state = 'claimed' RETURNING *`)
          .get(task.id) as Row,
      );
      this.appendEventSync(
        { kind: 'task.requeue', session: task.ownerSession, data: taskEventData(task, { lastHeartbeat: task.heartbeatAt }) },
        now,
      );
      requeued.push(updated);
    }
    return requeued;
  }

  async claimTask(claim: TaskClaim, isStale: StaleTaskPredicate): Promise<TaskClaimResult> {
    return this.db
      .transaction((): TaskClaimResult => {
        // PostgreSQL: the same two steps with SELECT … FOR UPDATE SKIP LOCKED.
        const claimed = this.prepare(`SELECT * FROM tasks WHERE queue = ? AND state = 'claimed' ORDER BY id`).all(claim.queue) as Row[];
        const requeued = this.requeueSync(claimed, isStale, claim.now);
        const row = (
          claim.id === undefined
            ? this.prepare(`SELECT * FROM tasks WHERE queue = ? AND state = 'pending' ORDER BY id LIMIT 1`).get(claim.queue)
            : this.prepare('SELECT * FROM tasks WHERE id = ?').get(claim.id)
        ) as Row | undefined;
        if (!row || row.state !== 'pending') return { task: undefined, requeued, ...(row ? { current: toTask(row) } : {}) };
        const task = toTask(
          this
            .prepare(
              `UPDATE tasks SET state = 'claimed', owner = ?, owner_session = ?, heartbeat_at = ?, ttl_ms = ?, attempts = attempts + 1,
                 claimed_at = ?, phase = NULL, percent = NULL, message = NULL, progress_at = NULL
               WHERE id = ? AND state = 'pending' RETURNING *`,
            )
            .get(claim.owner, claim.ownerSession, claim.now, claim.ttlMs, claim.now, row.id) as Row,
        );
        this.appendEventSync({ kind: 'task.claim', session: claim.ownerSession, data: taskEventData(task, { attempt: task.attempts }) }, claim.now);
        return { task, requeued };
      })
      .immediate();
  }

  async updateTask(update: TaskUpdate): Promise<TaskUpdateResult> {
    return this.db
      .transaction((): TaskUpdateResult => {
        const row = this.prepare('SELECT * FROM tasks WHERE id = ?').get(update.id) as Row | undefined;
        const current = row ? toTask(row) : undefined;
        if (!current || current.state !== 'claimed' || (!update.force && current.owner !== update.owner)) {
          // Completing a task again is a no-op success for its owner; anything else is refused with the task as it is.
          return { ok: false, current };
        }
        const { change, now } = update;
        let updated: Row;
        if (change.kind === 'done') {
          updated = this
            .prepare(`UPDATE tasks SET state = 'done', result = ?, done_at = ?, heartbeat_at = ? WHERE id = ? RETURNING *`)
            .get(JSON.stringify(change.result ?? null), now, now, update.id) as Row;
        } else if (change.kind === 'release') {
          updated = this
            .prepare(`UPDATE tasks SET state = 'pending', owner = NULL, owner_session = NULL, heartbeat_at = NULL WHERE id = ? RETURNING *`)
            .get(update.id) as Row;
        } else {
          // Each field given replaces the last one; fields left out keep theirs.
          updated = this
            .prepare(
              `UPDATE tasks SET phase = CASE WHEN ? THEN ? ELSE phase END, percent = CASE WHEN ? THEN ? ELSE percent END,
                 message = CASE WHEN ? THEN ? ELSE message END, progress_at = ?, heartbeat_at = ? WHERE id = ? RETURNING *`,
            )
            .get(
              change.phase !== undefined ? 1 : 0,
              change.phase ?? null,
              change.percent !== undefined ? 1 : 0,
              change.percent ?? null,
              change.message !== undefined ? 1 : 0,
              change.message ?? null,
              now,
              now,
              update.id,
            ) as Row;
        }
        const task = toTask(updated);
        const kind = change.kind === 'done' ? 'task.done' : change.kind === 'release' ? 'task.release' : 'task.progress';
        const extra = change.kind === 'progress' ? { progress: task.progress } : update.force && current.owner !== update.owner ? { forcedBy: update.owner } : {};
        this.appendEventSync({ kind, session: update.session, data: taskEventData(current, extra) }, now);
        return { ok: true, task };
      })
      .immediate();
  }

  async getTask(id: number): Promise<TaskRecord | undefined> {
    const row = this.prepare('SELECT * FROM tasks WHERE id = ?').get(id) as Row | undefined;
    return row ? toTask(row) : undefined;
  }

  async listTasks(filter: TaskFilter = {}): Promise<TaskRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    for (const [key, column] of [['queue', 'queue'], ['state', 'state'], ['ownerSession', 'owner_session']] as const) {
      if (filter[key] === undefined) continue;
      where.push(`${column} = ?`);
      params.push(filter[key]);
    }
    const sql = `SELECT * FROM tasks ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id`;
    return (this.prepare(sql).all(...params) as Row[]).map(toTask);
  }

  async requeueStaleTasks(isStale: StaleTaskPredicate, now: number): Promise<TaskRecord[]> {
    return this.db
      .transaction(() => this.requeueSync(this.prepare(`SELECT * FROM tasks WHERE state = 'claimed' ORDER BY id`).all() as Row[], isStale, now))
      .immediate();
  }

  async createHandoff(input: HandoffInput): Promise<HandoffRecord> {
    return this.db
      .transaction(() => {
        const handoff = toHandoff(
          this
            .prepare(
              `INSERT INTO handoffs (repo, from_session, to_session, summary, next_steps, files, branch, state, created_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?) RETURNING *`,
            )
            .get(input.repo, input.fromSession, input.toSession, input.summary, JSON.stringify(input.nextSteps), JSON.stringify(input.files), input.branch, input.now) as Row,
        );
        this.appendEventSync(
          { kind: 'handoff.create', session: input.fromSession, repo: input.repo, data: { id: handoff.id, to: handoff.toSession, summary: handoff.summary, branch: handoff.branch } },
          input.now,
        );
        return handoff;
      })
      .immediate();
  }

  async acceptHandoff(id: number, acceptor: { name: string; session: string | null }, now: number): Promise<HandoffAcceptResult> {
    return this.db
      .transaction((): HandoffAcceptResult => {
        const row = this
          .prepare(
            `UPDATE handoffs SET state = 'accepted', accepted_by = ?, accepted_at = ?
             WHERE id = ? AND state = 'open' AND (to_session IS NULL OR to_session = ?) RETURNING *`,
          )
          .get(acceptor.name, now, id, acceptor.name) as Row | undefined;
        if (!row) {
          const current = this.prepare('SELECT * FROM handoffs WHERE id = ?').get(id) as Row | undefined;
          return { ok: false, current: current ? toHandoff(current) : undefined };
        }
        const handoff = toHandoff(row);
        this.appendEventSync(
          { kind: 'handoff.accept', session: acceptor.session, repo: handoff.repo, data: { id, by: acceptor.name, from: handoff.fromSession, summary: handoff.summary } },
          now,
        );
        return { ok: true, handoff };
      })
      .immediate();
  }

  async getHandoff(id: number): Promise<HandoffRecord | undefined> {
    const row = this.prepare('SELECT * FROM handoffs WHERE id = ?').get(id) as Row | undefined;
    return row ? toHandoff(row) : undefined;
  }

  async listHandoffs(filter: HandoffFilter = {}): Promise<HandoffRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.repo !== undefined) {
      where.push('repo = ?');
      params.push(filter.repo);
    }
    if (filter.state !== undefined) {
      where.push('state = ?');
      params.push(filter.state);
    }
    const sql = `SELECT * FROM handoffs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id`;
    return (this.prepare(sql).all(...params) as Row[]).map(toHandoff);
  }

  async getLatestEventId(): Promise<number> {
    return ((this.prepare('SELECT MAX(id) AS id FROM events').get() as Row).id as number | null) ?? 0;
  }

  async waitForEvents(_afterId: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    await sleepQuietly(timeoutMs, signal);
  }

  async getChangeMark(): Promise<string> {
    // data_version moves when another connection (another cwt process) commits; this connection's own
    // writes are events or come with one.
    const version = (this.prepare('PRAGMA data_version').get() as Row).data_version as number;
    return `${await this.getLatestEventId()}.${version}`;
  }

  async waitForChange(mark: string, timeoutMs: number, signal?: AbortSignal): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const current = await this.getChangeMark();
      const left = deadline - Date.now();
      if (current !== mark || left <= 0 || signal?.aborted) return current;
      await sleepQuietly(Math.min(CHANGE_POLL_MS, left), signal);
    }
  }

  async getNotifyCursor(): Promise<number | null> {
    const row = this.prepare('SELECT last_id FROM notify_cursor WHERE id = 1').get() as Row | undefined;
    return (row?.last_id as number | undefined) ?? null;
  }

  async setNotifyCursor(from: number | null, to: number): Promise<boolean> {
    const statement =
      from === null
        ? this.prepare('INSERT INTO notify_cursor (id, last_id) VALUES (1, ?) ON CONFLICT (id) DO NOTHING')
        : this.prepare('UPDATE notify_cursor SET last_id = ? WHERE id = 1 AND last_id = ?');
    return (from === null ? statement.run(to) : statement.run(to, from)).changes > 0;
  }

  async throttleNotification(key: string, now: number, windowMs: number): Promise<ThrottleDecision> {
    return this.db
      .transaction((): ThrottleDecision => {
        const row = this.prepare('SELECT sent_at, suppressed FROM notify_throttle WHERE key = ?').get(key) as Row | undefined;
        const suppressed = (row?.suppressed as number | undefined) ?? 0;
        if (row && now - (row.sent_at as number) < windowMs) {
          this.prepare('UPDATE notify_throttle SET suppressed = suppressed + 1 WHERE key = ?').run(key);
          return { send: false, suppressed: suppressed + 1 };
        }
        this
          .prepare('INSERT INTO notify_throttle (key, sent_at, suppressed) VALUES (?, ?, 0) ON CONFLICT (key) DO UPDATE SET sent_at = excluded.sent_at, suppressed = 0')
          .run(key, now);
        return { send: true, suppressed };
      })
      .immediate();
  }

  async getSchemaVersion(): Promise<number> {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  private getMetaSync(key: string): number | undefined {
    return (this.prepare('SELECT value FROM meta WHERE key = ?').get(key) as Row | undefined)?.value as number | undefined;
  }

  async pruneExpired(request: PruneRequest): Promise<PruneCounts> {
    return this.db
      .transaction((): PruneCounts => {
        const keep = JSON.stringify(request.keepSessions);
        const gone = JSON.stringify(request.sessions);
        const counts = createPruneCounts();
        // A bounded pass takes the oldest rows first (rowid order; the events' rowid is their id).
        const limit = request.limit === undefined ? undefined : `ORDER BY rowid LIMIT ${Math.max(0, Math.floor(request.limit))}`;
        const prune = (kind: keyof PruneCounts, table: string, where: string, ...params: unknown[]) => {
          const selected = `SELECT rowid FROM ${table} WHERE ${where} ${limit ?? ''}`;
          if (request.dryRun) counts[kind] = (this.prepare(`SELECT COUNT(*) AS n FROM (${selected})`).get(...params) as Row).n as number;
          else counts[kind] = this.prepare(limit === undefined ? `DELETE FROM ${table} WHERE ${where}` : `DELETE FROM ${table} WHERE rowid IN (${selected})`).run(...params).changes;
        };
        prune('sessions', 'sessions', "state = 'ended' AND id IN (SELECT value FROM json_each(?))", gone);
        // Links of removed sessions, and of sessions gone earlier (gc's drop-session), which would keep a Claude tab from being adopted again.
        prune('claudeSessions', 'claude_sessions', "session NOT IN (SELECT id FROM sessions WHERE NOT (state = 'ended' AND id IN (SELECT value FROM json_each(?))))", gone);
        if (request.eventsBefore !== null) {
          this.prepare('INSERT INTO meta (key, value) VALUES (?, 1)').run(META_KEYS.pruning);
          prune('events', 'events', 'at < ?', request.eventsBefore);
          this.prepare('DELETE FROM meta WHERE key = ?').run(META_KEYS.pruning);
        }
        if (request.kvTombstonesBefore !== null) {
          if (!request.dryRun) {
            this
              .prepare(
                `INSERT INTO meta (key, value) SELECT ?, MAX(version) FROM kv WHERE value IS NULL AND updated_at < ? HAVING MAX(version) IS NOT NULL
                 ON CONFLICT (key) DO UPDATE SET value = MAX(value, excluded.value)`,
              )
              .run(META_KEYS.kvVersionFloor, request.kvTombstonesBefore);
          }
          prune('kvTombstones', 'kv', 'value IS NULL AND updated_at < ?', request.kvTombstonesBefore);
        }
        if (request.claimDenialsBefore !== null) prune('claimDenials', 'claim_denials', 'at < ?', request.claimDenialsBefore);
        if (request.readsBefore !== null) prune('reads', 'reads', 'at < ? AND session NOT IN (SELECT value FROM json_each(?))', request.readsBefore, keep);
        if (request.commitsBefore !== null) {
          prune('commits', 'commits', 'at < ? AND (session IS NULL OR session NOT IN (SELECT value FROM json_each(?)))', request.commitsBefore, keep);
        }
        return counts;
      })
      .immediate();
  }

  async reclaimSpace(options: { full: boolean }): Promise<boolean> {
    // 0 = NONE: a file created before migration 8.
    const convert = options.full && this.db.pragma('auto_vacuum', { simple: true }) === 0;
    if (convert) {
      this.db.pragma('auto_vacuum = INCREMENTAL');
      this.db.exec('VACUUM');
    } else {
      this.db.pragma('incremental_vacuum');
    }
    // The file shrinks when the WAL is checkpointed; gc does it now, a bounded pass leaves it to the next one.
    if (options.full) this.db.pragma('wal_checkpoint(TRUNCATE)');
    return convert;
  }

  async getStoreSize(): Promise<number> {
    const size = (path: string) => (existsSync(path) ? statSync(path).size : 0);
    return size(this.location) + size(`${this.location}-wal`);
  }

  async claimPeriodicRun(name: string, now: number, intervalMs: number): Promise<boolean> {
    const key = META_KEYS.periodicRun(name);
    const isDue = (last: number | undefined) => last === undefined || now - last >= intervalMs || last > now;
    // A read first: the usual answer (not due) takes no write lock.
    if (!isDue(this.getMetaSync(key))) return false;
    return this.db
      .transaction(() => {
        if (!isDue(this.getMetaSync(key))) return false;
        this.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, now);
        return true;
      })
      .immediate();
  }

  async claimHookCall(call: HookCallRecord): Promise<boolean> {
    const insert = this.prepare('INSERT INTO hook_calls (key, by, at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING');
    const claim = () => insert.run(call.key, call.by, call.at).changes === 1;
    // A tool call's two handlers (http and mcp_tool) ask at the same moment; the one that comes second finds the
    // other's write lock held for a fraction of a millisecond, where SQLite's busy handler would sleep 1 ms, then
    // 2, then 5: the call's decision waits for both. So it is asked again every CLAIM_RETRY_MS for a few
    // milliseconds first, and only then waits as every other statement does.
    this.prepare('PRAGMA busy_timeout = 0').run();
    try {
      for (let attempt = 1; attempt <= CLAIM_RETRIES; attempt++) {
        try {
          return claim();
        } catch (error) {
          if ((error as { code?: string }).code !== 'SQLITE_BUSY') throw error;
          Atomics.wait(CLAIM_WAIT, 0, 0, CLAIM_RETRY_MS);
        }
      }
    } finally {
      this.prepare(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`).run();
    }
    return claim();
  }

  async listHookCalls(): Promise<HookCallRecord[]> {
    return (this.prepare('SELECT key, by, at FROM hook_calls ORDER BY at, rowid').all() as Row[]).map((row) => ({ key: row.key as string, by: row.by as string, at: row.at as number }));
  }

  async pruneHookCalls(before: number): Promise<number> {
    return this.prepare('DELETE FROM hook_calls WHERE at < ?').run(before).changes;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
