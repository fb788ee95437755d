/**
 * The shared Store: PostgreSQL, for coordination across machines (`CWT_STORE=postgres://…`). Same tables
 * and semantics as the SQLite store, in a schema of their own (`cwt`, or `?schema=` in the URL).
 *
 * Atomic decisions (lock acquisition, file claims) run in one READ COMMITTED transaction that first takes a
 * transaction-scoped advisory lock on the decided key (the lock name; the checkout and path). Row locks
 * cannot do this job: the interesting case is a row that does not exist yet (a free lock, an unclaimed
 * file), and `SELECT … FOR UPDATE` locks nothing there, so two deciders would both see "free". SERIALIZABLE
 * would catch that, but only by failing one side for a retry loop. The advisory lock queues the second
 * decider until the first commits, after which its statements see the committed row; primary keys stay as
 * the backstop. Fencing tokens come from an upsert on `lock_tokens`, which row-locks the counter.
 *
 * Every event is announced with NOTIFY on `<schema>_events` (payload: its id) when its transaction commits,
 * so followers (`cwt log -f`) need no polling.
 */
import postgres from 'postgres';
import { EnvironmentError } from '../util/errors.js';
export { DEFAULT_POSTGRES_SCHEMA, parsePostgresUrl, type PostgresTarget } from './postgresurl.js';
import { MESSAGES } from '../../texts/messages.js';
import { POSTGRES_MIGRATIONS } from './postgresmigrations.js';
import { describeError, parsePostgresUrl, SCHEMA_NAME } from './postgresurl.js';
import { createPruneCounts, guardActivity, META_KEYS, parseJson, SESSION_COLUMNS, taskEventData, toClaim, toClaudeSession, toCommit, toEvent, toHandoff, toKv, toLease, toLock, toSession, toSqlValue, toTask, type Row } from './rows.js';
import type {
  HookCallRecord,
  AcquireResult,
  ClaimDecider,
  ClaimFilter,
  ClaimOutcome,
  ClaimRecord,
  ClaudeSessionRecord,
  ClaimRequest,
  ClaimState,
  CommitRecord,
  EventFilter,
  EventInput,
  EventRecord,
  HandoffAcceptResult,
  HandoffFilter,
  HandoffInput,
  HandoffRecord,
  KvRecord,
  KvScopeSummary,
  KvWrite,
  KvWriteResult,
  LeaseDecider,
  LeaseFilter,
  LeaseHolding,
  LeaseOutcome,
  LeaseRecord,
  LeaseRequest,
  LockRecord,
  LockRequest,
  PruneCounts,
  PruneRequest,
  ReadRecord,
  RecordCommitOptions,
  SessionFilter,
  SessionPatch,
  SessionUpdateOptions,
  SessionRecord,
  StaleLockPredicate,
  StaleTaskPredicate,
  Store,
  TaskClaim,
  TaskClaimResult,
  TaskFilter,
  TaskInput,
  TaskRecord,
  TaskUpdate,
  TaskUpdateResult,
  ThrottleDecision,
  ToolCallAnswer,
  ToolCallRequest,
} from './store.js';

type Sql = postgres.Sql<Record<string, never>>;
type Tx = postgres.TransactionSql<Record<string, never>>;
type Query = Sql | Tx;

/** What `cwt log -f` waits on: the newest event id announced, and the followers to wake. */
interface EventListener {
  latest: number;
  waiters: Set<() => void>;
}

export interface PostgresStoreOptions {
  /** Give up connecting after this long (the hook path keeps it short). */
  connectTimeoutMs?: number;
  /** The server cancels any statement running longer. */
  statementTimeoutMs?: number;
  /** Called with each statement as it is sent (BEGIN and COMMIT included): how tests count round trips. */
  onQuery?: (text: string) => void;
}

/**
 * Takes the transaction-scoped advisory lock of a decided key: a 64-bit hash of the schema and the key's
 * parts (JSON, so parts never run into each other). Scoped by schema, so stores sharing a database never
 * queue on each other; a hash collision only makes two keys queue, never breaks a decision.
 */
const advisoryLock = (tx: Tx, schema: string, ...parts: string[]) =>
  tx`SELECT pg_advisory_xact_lock(hashtextextended(${JSON.stringify([schema, ...parts])}, 0))`;

export class PostgresStore implements Store {
  readonly kind = 'postgres';
  readonly location: string;
  private readonly sql: Sql;
  private readonly schema: string;
  private ready: Promise<void> | undefined;
  private listener: Promise<EventListener> | undefined;

  constructor(value: string, options: PostgresStoreOptions = {}) {
    const target = parsePostgresUrl(value);
    this.location = target.redacted;
    this.schema = target.schema;
    this.sql = postgres(target.url, {
      // One connection per process: a cwt process makes one call at a time, and the supervisor's hook server
      // queues on it; a transaction takes the connection for itself.
      max: 1,
      connect_timeout: (options.connectTimeoutMs ?? 10_000) / 1000,
      idle_timeout: 60,
      fetch_types: false,
      onnotice: () => {},
      ...(options.onQuery ? { debug: (_connection: number, text: string) => options.onQuery!(text) } : {}),
      types: { bigint: { to: 20, from: [20], serialize: (value: number) => String(value), parse: (value: string) => Number(value) } },
      connection: {
        application_name: 'cwt',
        search_path: this.schema,
        statement_timeout: options.statementTimeoutMs ?? 30_000,
      },
    }) as unknown as Sql;
  }

  /** Connects and migrates once, on first use. */
  private migrated(): Promise<void> {
    this.ready ??= this.migrate().catch((error: unknown) => {
      this.ready = undefined;
      throw new EnvironmentError(MESSAGES.storeUnreachable(this.location, describeError(error)), { hint: MESSAGES.storeUnreachableHint, cause: error });
    });
    return this.ready;
  }

  private async migrate(): Promise<void> {
    const current = await this.readVersion();
    if (current >= POSTGRES_MIGRATIONS.length) return;
    await this.sql.begin(async (tx) => {
      // Migrations of one schema queue on this lock; the version is re-read once it is held.
      await advisoryLock(tx, this.schema, 'migrate');
      await tx.unsafe(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`);
      await tx.unsafe('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
      const rows = await tx<{ version: number }[]>`SELECT version FROM schema_version`;
      const version = rows[0]?.version ?? 0;
      for (let index = version; index < POSTGRES_MIGRATIONS.length; index++) await tx.unsafe(POSTGRES_MIGRATIONS[index]!);
      if (rows.length === 0) await tx`INSERT INTO schema_version (version) VALUES (${POSTGRES_MIGRATIONS.length})`;
      else await tx`UPDATE schema_version SET version = ${POSTGRES_MIGRATIONS.length}`;
    });
  }

  private async readVersion(): Promise<number> {
    try {
      const rows = await this.sql<{ version: number }[]>`SELECT version FROM schema_version`;
      return rows[0]?.version ?? 0;
    } catch (error) {
      // 42P01 undefined_table: a new schema.
      if ((error as { code?: string }).code === '42P01') return 0;
      throw error;
    }
  }

  async getSchemaVersion(): Promise<number> {
    await this.migrated();
    return this.readVersion();
  }

  /** Runs `body` in one transaction, after the schema is in place. */
  private async transaction<T>(body: (tx: Tx) => Promise<T>): Promise<T> {
    await this.migrated();
    return (await this.sql.begin(body)) as T;
  }

  private async query(): Promise<Sql> {
    await this.migrated();
    return this.sql;
  }

  private async appendEventIn(q: Query, event: EventInput, at = Date.now()): Promise<void> {
    await q`
      WITH added AS (
        INSERT INTO events (at, kind, session, repo, data)
        VALUES (${at}, ${event.kind}, ${event.session ?? null}, ${event.repo ?? null}, ${JSON.stringify(event.data ?? {})})
        RETURNING id)
      SELECT pg_notify(${`${this.schema}_events`}, id::text) FROM added`;
  }

  async insertSession(session: SessionRecord, event?: EventInput): Promise<void> {
    const row: Record<string, unknown> = { id: session.id };
    for (const [key, column] of Object.entries(SESSION_COLUMNS)) row[column] = toSqlValue(session[key as keyof SessionRecord]);
    await this.transaction(async (tx) => {
      await tx`INSERT INTO sessions ${tx(row as Record<string, postgres.ParameterOrJSON<never>>)}`;
      if (event) await this.appendEventIn(tx, event);
    });
  }

  async getSession(id: string): Promise<SessionRecord | undefined> {
    const sql = await this.query();
    const rows = await sql<Row[]>`SELECT * FROM sessions WHERE id = ${id}`;
    return rows[0] ? toSession(rows[0]) : undefined;
  }

  async listSessions(filter: SessionFilter = {}): Promise<SessionRecord[]> {
    const sql = await this.query();
    const rows = await sql<Row[]>`
      SELECT * FROM sessions
      WHERE true ${filter.repo !== undefined ? sql`AND repo = ${filter.repo}` : sql``}
        ${filter.repoKey !== undefined ? sql`AND COALESCE(repo_id, repo) = ${filter.repoKey}` : sql``}
        ${filter.includeEnded ? sql`` : sql`AND state != 'ended'`}
      ORDER BY started_at, id`;
    return rows.map(toSession);
  }

  async updateSession(id: string, patch: SessionPatch, event?: EventInput, options: SessionUpdateOptions = {}): Promise<boolean> {
    return this.transaction(async (tx) => {
      let effective = patch;
      let logged = event;
      if (options.onActivityChange) {
        // FOR UPDATE: a racing call of the same session waits here, then reads what this one wrote.
        const [stored] = await tx<Row[]>`SELECT activity FROM sessions WHERE id = ${id} FOR UPDATE`;
        const guarded = guardActivity(patch, stored?.activity);
        effective = guarded.patch;
        if (!guarded.changed) logged = undefined;
      }
      const keys = Object.keys(effective).filter((key) => key in SESSION_COLUMNS && key !== 'repo') as (keyof SessionPatch)[];
      let changed: boolean;
      if (keys.length > 0) {
        const row: Record<string, unknown> = {};
        for (const key of keys) row[SESSION_COLUMNS[key]] = toSqlValue(effective[key]);
        changed = (await tx`UPDATE sessions SET ${tx(row as Record<string, postgres.ParameterOrJSON<never>>)} WHERE id = ${id}`).count > 0;
      } else {
        changed = (await tx`SELECT 1 FROM sessions WHERE id = ${id}`).count > 0;
      }
      if (changed && logged) await this.appendEventIn(tx, logged);
      return changed;
    });
  }

  async deleteSession(id: string, event?: EventInput): Promise<boolean> {
    return this.transaction(async (tx) => {
      const changed = (await tx`DELETE FROM sessions WHERE id = ${id}`).count > 0;
      if (changed && event) await this.appendEventIn(tx, event);
      return changed;
    });
  }

  async appendEvent(event: EventInput): Promise<void> {
    await this.appendEventIn(await this.query(), event);
  }

  async listEvents(filter: EventFilter = {}): Promise<EventRecord[]> {
    const sql = await this.query();
    const rows = await sql<Row[]>`
      SELECT * FROM events
      WHERE true ${filter.session !== undefined ? sql`AND session = ${filter.session}` : sql``}
        ${filter.sinceId !== undefined ? sql`AND id > ${filter.sinceId}` : sql``}
        ${filter.sinceAt !== undefined ? sql`AND at >= ${filter.sinceAt}` : sql``}
        ${filter.kinds !== undefined ? (filter.kinds.length === 0 ? sql`AND false` : sql`AND kind IN ${sql(filter.kinds as string[])}`) : sql``}
        ${filter.kindPrefix !== undefined ? sql`AND left(kind, length(${filter.kindPrefix})) = ${filter.kindPrefix}` : sql``}
      ORDER BY id ${filter.newest ? sql`DESC` : sql``}
      ${filter.limit !== undefined ? sql`LIMIT ${Math.max(0, Math.floor(filter.limit))}` : sql``}`;
    const events = rows.map(toEvent);
    return filter.newest ? events.reverse() : events;
  }

  async acquireLock(request: LockRequest, isStale: StaleLockPredicate): Promise<AcquireResult> {
    return this.transaction(async (tx): Promise<AcquireResult> => {
      await advisoryLock(tx, this.schema, 'lock', request.name);
      const rows = await tx<Row[]>`SELECT * FROM locks WHERE name = ${request.name}`;
      const current = rows[0] ? toLock(rows[0]) : undefined;
      if (current && !isStale(current, request.now)) return { acquired: false, current };
      const [tokenRow] = await tx<{ last_token: number }[]>`
        INSERT INTO lock_tokens (name, last_token) VALUES (${request.name}, 1)
        ON CONFLICT (name) DO UPDATE SET last_token = lock_tokens.last_token + 1
        RETURNING last_token`;
      const lock: LockRecord = {
        name: request.name,
        holder: request.holder,
        session: request.session,
        token: tokenRow!.last_token,
        pid: request.pid,
        host: request.host,
        acquiredAt: request.now,
        heartbeatAt: request.now,
        ttlMs: request.ttlMs,
        note: request.note,
      };
      await tx`
        INSERT INTO locks (name, holder, session, token, pid, host, acquired_at, heartbeat_at, ttl_ms, note)
        VALUES (${lock.name}, ${lock.holder}, ${lock.session}, ${lock.token}, ${lock.pid}, ${lock.host}, ${lock.acquiredAt},
                ${lock.heartbeatAt}, ${lock.ttlMs}, ${lock.note})
        ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, session = excluded.session, token = excluded.token,
          pid = excluded.pid, host = excluded.host, acquired_at = excluded.acquired_at, heartbeat_at = excluded.heartbeat_at,
          ttl_ms = excluded.ttl_ms, note = excluded.note`;
      await this.appendEventIn(
        tx,
        {
          kind: current ? 'lock.takeover' : 'lock.acquire',
          session: request.session,
          data: { name: lock.name, token: lock.token, holder: lock.holder, ...(current ? { previous: current } : {}) },
        },
        request.now,
      );
      return { acquired: true, lock, takenOver: current ?? null };
    });
  }

  async heartbeatLock(name: string, token: number, now: number): Promise<boolean> {
    const sql = await this.query();
    return (await sql`UPDATE locks SET heartbeat_at = ${now} WHERE name = ${name} AND token = ${token}`).count > 0;
  }

  async releaseLock(name: string, token: number): Promise<boolean> {
    return this.transaction(async (tx) => {
      const rows = await tx<Row[]>`DELETE FROM locks WHERE name = ${name} AND token = ${token} RETURNING session`;
      if (rows[0]) await this.appendEventIn(tx, { kind: 'lock.release', session: rows[0].session as string | null, data: { name, token } });
      return rows.length > 0;
    });
  }

  async forceReleaseLock(name: string): Promise<LockRecord | undefined> {
    return this.transaction(async (tx) => {
      const rows = await tx<Row[]>`DELETE FROM locks WHERE name = ${name} RETURNING *`;
      if (!rows[0]) return undefined;
      const lock = toLock(rows[0]);
      await this.appendEventIn(tx, { kind: 'lock.force-release', session: lock.session, data: { name, previous: lock } });
      return lock;
    });
  }

  async getLock(name: string): Promise<LockRecord | undefined> {
    const sql = await this.query();
    const rows = await sql<Row[]>`SELECT * FROM locks WHERE name = ${name}`;
    return rows[0] ? toLock(rows[0]) : undefined;
  }

  async listLocks(): Promise<LockRecord[]> {
    const sql = await this.query();
    return (await sql<Row[]>`SELECT * FROM locks ORDER BY name`).map(toLock);
  }

  async releaseSessionLocks(session: string): Promise<LockRecord[]> {
    return this.transaction(async (tx) => {
      const locks = (await tx<Row[]>`DELETE FROM locks WHERE session = ${session} RETURNING *`).map(toLock);
      for (const lock of locks) {
        await this.appendEventIn(tx, { kind: 'lock.release', session, data: { name: lock.name, token: lock.token, reason: 'session' } });
      }
      return locks;
    });
  }

  async releaseLockOfSession(name: string, session: string): Promise<boolean> {
    return this.transaction(async (tx) => {
      const rows = await tx<Row[]>`DELETE FROM locks WHERE name = ${name} AND session = ${session} RETURNING token`;
      if (rows[0]) await this.appendEventIn(tx, { kind: 'lock.release', session, data: { name, token: rows[0].token } });
      return rows.length > 0;
    });
  }

  async linkClaudeSession(claudeId: string, session: string, now: number): Promise<void> {
    await this.transaction(async (tx) => {
      // A Claude session that ended (SessionEnd) and is resumed later may be linked afresh.
      const { count } = await tx`
        INSERT INTO claude_sessions (claude_id, session, started_at) VALUES (${claudeId}, ${session}, ${now})
        ON CONFLICT (claude_id) DO UPDATE SET session = excluded.session, active_at = excluded.started_at, ended_at = NULL,
          started_at = CASE WHEN claude_sessions.session = excluded.session THEN claude_sessions.started_at ELSE excluded.started_at END
        WHERE claude_sessions.ended_at IS NOT NULL`;
      if (count > 0) await this.appendEventIn(tx, { kind: 'claude.link', session, data: { claudeSession: claudeId } }, now);
    });
  }

  async getSessionOfClaude(claudeId: string): Promise<string | undefined> {
    const sql = await this.query();
    const rows = await sql<Row[]>`SELECT session FROM claude_sessions WHERE claude_id = ${claudeId}`;
    return rows[0]?.session as string | undefined;
  }

  async endClaudeSession(claudeId: string, now: number): Promise<void> {
    await this.transaction(async (tx) => {
      const [row] = await tx<Row[]>`UPDATE claude_sessions SET ended_at = ${now} WHERE claude_id = ${claudeId} AND ended_at IS NULL RETURNING session`;
      if (row) await this.appendEventIn(tx, { kind: 'claude.end', session: row.session as string, data: { claudeSession: claudeId } }, now);
    });
  }

  async noteClaudeSession(claudeId: string, session: string, details: { firstPrompt?: string; transcript?: string }, now: number): Promise<void> {
    await this.transaction(async (tx) => {
      const { count } = await tx`INSERT INTO claude_sessions (claude_id, session, started_at) VALUES (${claudeId}, ${session}, ${now}) ON CONFLICT (claude_id) DO NOTHING`;
      if (count > 0) await this.appendEventIn(tx, { kind: 'claude.link', session, data: { claudeSession: claudeId } }, now);
      await tx`
        UPDATE claude_sessions SET active_at = ${now}, first_prompt = COALESCE(first_prompt, ${details.firstPrompt ?? null}), transcript = COALESCE(${details.transcript ?? null}, transcript)
        WHERE claude_id = ${claudeId} AND session = ${session}`;
    });
  }

  async listClaudeSessions(session: string): Promise<ClaudeSessionRecord[]> {
    const sql = await this.query();
    const rows = await sql<Row[]>`SELECT * FROM claude_sessions WHERE session = ${session} ORDER BY started_at, claude_id`;
    return rows.map(toClaudeSession);
  }

  async moveClaudeSession(claudeId: string, from: string, to: string, now: number): Promise<boolean> {
    return this.transaction(async (tx) => {
      const { count } = await tx`UPDATE claude_sessions SET session = ${to}, ended_at = NULL, active_at = ${now} WHERE claude_id = ${claudeId} AND session = ${from}`;
      if (count > 0) await this.appendEventIn(tx, { kind: 'claude.move', session: to, data: { claudeSession: claudeId, from } }, now);
      return count > 0;
    });
  }

  async claimPath(request: ClaimRequest, decide: ClaimDecider): Promise<ClaimOutcome> {
    const { checkout, relPath, session, now } = request;
    return this.transaction(async (tx): Promise<ClaimOutcome> => {
      await advisoryLock(tx, this.schema, 'claim', checkout, relPath);
      const [claimRow] = await tx<Row[]>`SELECT * FROM claims WHERE checkout = ${checkout} AND rel_path = ${relPath}`;
      const existing = claimRow ? toClaim(claimRow) : undefined;
      const [holderRow] = existing ? await tx<Row[]>`SELECT * FROM sessions WHERE id = ${existing.session}` : [];
      const [denialRow] = await tx<Row[]>`
        SELECT at FROM claim_denials WHERE checkout = ${checkout} AND rel_path = ${relPath} AND session = ${session}`;
      const state: ClaimState = { existing, holder: holderRow ? toSession(holderRow) : undefined, deniedAt: (denialRow?.at as number | undefined) ?? null };
      const verdict = decide(state);
      const eventBase = { session, repo: request.repo };
      if (verdict.allow) {
        await tx`
          INSERT INTO claims (checkout, rel_path, repo, abs_path, session, claude_id, at)
          VALUES (${checkout}, ${relPath}, ${request.repo}, ${request.absPath}, ${session}, ${request.claudeId}, ${now})
          ON CONFLICT (checkout, rel_path) DO UPDATE SET repo = excluded.repo, abs_path = excluded.abs_path,
            session = excluded.session, claude_id = excluded.claude_id, at = excluded.at`;
        if (denialRow) await tx`DELETE FROM claim_denials WHERE checkout = ${checkout} AND rel_path = ${relPath} AND session = ${session}`;
        if (verdict.takeover) {
          await this.appendEventIn(tx, { kind: 'claim.takeover', ...eventBase, data: { path: request.absPath, previous: existing } }, now);
        } else if (!existing || existing.session !== session) {
          await this.appendEventIn(tx, { kind: 'claim', ...eventBase, data: { path: request.absPath } }, now);
        }
      } else {
        if (verdict.recordDenial) {
          await tx`
            INSERT INTO claim_denials (checkout, rel_path, session, at) VALUES (${checkout}, ${relPath}, ${session}, ${now})
            ON CONFLICT (checkout, rel_path, session) DO UPDATE SET at = excluded.at`;
        }
        await this.appendEventIn(tx, { kind: 'claim.deny', ...eventBase, data: { path: request.absPath, holder: existing?.session ?? null } }, now);
      }
      return { verdict, state };
    });
  }

  async listClaims(filter: ClaimFilter = {}): Promise<ClaimRecord[]> {
    const sql = await this.query();
    const rows = await sql<Row[]>`
      SELECT * FROM claims
      WHERE true ${filter.repo !== undefined ? sql`AND repo = ${filter.repo}` : sql``}
        ${filter.checkout !== undefined ? sql`AND checkout = ${filter.checkout}` : sql``}
        ${filter.relPath !== undefined ? sql`AND rel_path = ${filter.relPath}` : sql``}
        ${filter.session !== undefined ? sql`AND session = ${filter.session}` : sql``}
      ORDER BY at DESC, rel_path`;
    return rows.map(toClaim);
  }

  async releaseClaims(session: string, options: { claudeId?: string; absPaths?: readonly string[] } = {}): Promise<ClaimRecord[]> {
    return this.transaction(async (tx) => {
      let rows: Row[];
      if (options.absPaths !== undefined) {
        rows = options.absPaths.length === 0 ? [] : await tx<Row[]>`DELETE FROM claims WHERE session = ${session} AND abs_path IN ${tx(options.absPaths as string[])} RETURNING *`;
      } else if (options.claudeId !== undefined) {
        rows = await tx<Row[]>`DELETE FROM claims WHERE session = ${session} AND claude_id = ${options.claudeId} RETURNING *`;
      } else {
        rows = await tx<Row[]>`DELETE FROM claims WHERE session = ${session} RETURNING *`;
        await tx`DELETE FROM claim_denials WHERE session = ${session}`;
        await tx`DELETE FROM reads WHERE session = ${session}`;
      }
      const released = rows.map(toClaim);
      if (released.length > 0) await this.appendEventIn(tx, { kind: 'claim.release', session, data: { paths: released.map((claim) => claim.absPath) } });
      return released;
    });
  }

  async acquireLease(request: LeaseRequest, decide: LeaseDecider): Promise<LeaseOutcome> {
    return this.transaction(async (tx): Promise<LeaseOutcome> => {
      // The decider sees every holding of the resource: the whole resource is the decided key.
      await advisoryLock(tx, this.schema, 'lease', request.resource);
      const rows = await tx<Row[]>`SELECT * FROM leases WHERE resource = ${request.resource} ORDER BY value`;
      const ids = [...new Set(rows.map((row) => row.session as string))];
      const holders = ids.length === 0 ? [] : await tx<Row[]>`SELECT * FROM sessions WHERE id IN ${tx(ids)}`;
      const byId = new Map(holders.map((row) => [row.id as string, toSession(row)]));
      const holdings: LeaseHolding[] = rows.map((row) => ({ lease: toLease(row), holder: byId.get(row.session as string) }));
      const choice = decide(holdings);
      if (!choice) return { acquired: false };
      const { now } = request;
      if (choice.reclaim) {
        await tx`DELETE FROM leases WHERE resource = ${choice.reclaim.resource} AND value = ${choice.reclaim.value}`;
        await this.appendEventIn(tx, { kind: 'lease.reclaim', session: request.session, repo: request.repo, data: { previous: choice.reclaim } }, now);
      }
      // One value per variable per session: a re-acquisition replaces the session's earlier value.
      await tx`DELETE FROM leases WHERE session = ${request.session} AND name = ${request.name} AND NOT (resource = ${request.resource} AND value = ${choice.value})`;
      const lease: LeaseRecord = { resource: request.resource, name: request.name, kind: request.kind, value: choice.value, session: request.session, repo: request.repo, at: now };
      await tx`
        INSERT INTO leases (resource, name, kind, value, session, repo, at)
        VALUES (${lease.resource}, ${lease.name}, ${lease.kind}, ${lease.value}, ${lease.session}, ${lease.repo}, ${lease.at})
        ON CONFLICT (resource, value) DO UPDATE SET name = excluded.name, kind = excluded.kind, session = excluded.session,
          repo = excluded.repo, at = excluded.at`;
      await this.appendEventIn(tx, { kind: 'lease.acquire', session: request.session, repo: request.repo, data: { name: lease.name, kind: lease.kind, value: lease.value } }, now);
      return { acquired: true, lease, reclaimed: choice.reclaim ?? null };
    });
  }

  async listLeases(filter: LeaseFilter = {}): Promise<LeaseRecord[]> {
    const sql = await this.query();
    const rows = await sql<Row[]>`
      SELECT * FROM leases
      WHERE true ${filter.session !== undefined ? sql`AND session = ${filter.session}` : sql``}
        ${filter.repo !== undefined ? sql`AND repo = ${filter.repo}` : sql``}
      ORDER BY session, name`;
    return rows.map(toLease);
  }

  async releaseLease(resource: string, value: string, session: string, reason: string): Promise<boolean> {
    return this.transaction(async (tx) => {
      const [row] = await tx<Row[]>`DELETE FROM leases WHERE resource = ${resource} AND value = ${value} AND session = ${session} RETURNING *`;
      if (row) await this.appendEventIn(tx, { kind: 'lease.release', session, repo: row.repo as string, data: { leases: [{ name: row.name, value }], reason } });
      return row !== undefined;
    });
  }

  async releaseLeases(session: string, reason: string): Promise<LeaseRecord[]> {
    return this.transaction(async (tx) => {
      const released = (await tx<Row[]>`DELETE FROM leases WHERE session = ${session} RETURNING *`).map(toLease);
      if (released.length > 0) {
        await this.appendEventIn(tx, {
          kind: 'lease.release',
          session,
          repo: released[0]!.repo,
          data: { leases: released.map((lease) => ({ name: lease.name, value: lease.value })), reason },
        });
      }
      return released;
    });
  }

  async recordCommit(commit: CommitRecord, options: RecordCommitOptions): Promise<ClaimRecord[]> {
    return this.transaction(async (tx) => {
      // An amend or a re-run of the hook for the same commit keeps the first record.
      await tx`
        INSERT INTO commits (repo, sha, session, branch, at) VALUES (${commit.repo}, ${commit.sha}, ${commit.session}, ${commit.branch}, ${commit.at})
        ON CONFLICT (repo, sha) DO NOTHING`;
      if (commit.session === null) {
        if (options.event) await this.appendEventIn(tx, options.event, commit.at);
        return [];
      }
      if (options.advanceTip) await tx`UPDATE sessions SET known_tip = ${commit.sha} WHERE id = ${commit.session}`;
      const paths = options.releasePaths ?? [];
      const released = paths.length === 0 ? [] : (await tx<Row[]>`DELETE FROM claims WHERE session = ${commit.session} AND abs_path IN ${tx(paths as string[])} RETURNING *`).map(toClaim);
      if (released.length > 0) {
        await this.appendEventIn(tx, { kind: 'claim.release', session: commit.session, data: { paths: released.map((claim) => claim.absPath), reason: 'commit' } }, commit.at);
      }
      if (options.event) await this.appendEventIn(tx, options.event, commit.at);
      return released;
    });
  }

  async listCommits(repo: string, shas: readonly string[]): Promise<CommitRecord[]> {
    if (shas.length === 0) return [];
    const sql = await this.query();
    const rows = await sql<Row[]>`SELECT * FROM commits WHERE repo = ${repo} AND sha IN ${sql(shas as string[])}`;
    const bySha = new Map(rows.map((row) => [row.sha as string, toCommit(row)]));
    // In the order asked, like the SQLite store.
    return shas.flatMap((sha) => bySha.get(sha) ?? []);
  }

  async recordRead(read: ReadRecord): Promise<void> {
    const sql = await this.query();
    await sql`
      INSERT INTO reads (session, path, sha256, at) VALUES (${read.session}, ${read.path}, ${read.sha256}, ${read.at})
      ON CONFLICT (session, path) DO UPDATE SET sha256 = excluded.sha256, at = excluded.at`;
  }

  async getRead(session: string, path: string): Promise<ReadRecord | undefined> {
    const sql = await this.query();
    const [row] = await sql<Row[]>`SELECT * FROM reads WHERE session = ${session} AND path = ${path}`;
    return row ? { session: row.session as string, path: row.path as string, sha256: row.sha256 as string, at: row.at as number } : undefined;
  }

  async getData(scope: string, key: string): Promise<KvRecord | undefined> {
    const sql = await this.query();
    const [row] = await sql<Row[]>`SELECT * FROM kv WHERE scope = ${scope} AND key = ${key} AND value IS NOT NULL`;
    return row ? toKv(row) : undefined;
  }

  async listData(scope: string): Promise<KvRecord[]> {
    const sql = await this.query();
    return (await sql<Row[]>`SELECT * FROM kv WHERE scope = ${scope} AND value IS NOT NULL ORDER BY key`).map(toKv);
  }

  async listScopes(): Promise<KvScopeSummary[]> {
    const sql = await this.query();
    const rows = await sql<Row[]>`
      SELECT scope, COUNT(*) AS keys, MAX(updated_at) AS updated_at FROM kv WHERE value IS NOT NULL GROUP BY scope ORDER BY scope`;
    return rows.map((row) => ({ scope: row.scope as string, keys: row.keys as number, updatedAt: row.updated_at as number }));
  }

  /** Writes (value) or deletes (null) one key if `expectVersion` allows; the one place kv rows change. */
  private async writeKv(tx: Tx, scope: string, key: string, value: string | null, options: { expectVersion?: number; session: string | null; now: number }): Promise<KvWriteResult> {
    // A key that was never written has no row to lock: the advisory lock serialises its first writers.
    await advisoryLock(tx, this.schema, 'kv', scope, key);
    const [row] = await tx<Row[]>`SELECT * FROM kv WHERE scope = ${scope} AND key = ${key}`;
    const current = row && row.value !== null ? toKv(row) : undefined;
    const currentVersion = current?.version ?? 0;
    if (options.expectVersion !== undefined && options.expectVersion !== currentVersion) return { ok: false, current };
    if (value === null && !current) return { ok: false, current: undefined };
    // Versions continue past a delete (the tombstone keeps the last one), and past a pruned tombstone (the floor).
    const [floor] = row ? [] : await tx<Row[]>`SELECT value FROM meta WHERE key = ${META_KEYS.kvVersionFloor}`;
    const version = ((row?.version as number | undefined) ?? (floor?.value as number | undefined) ?? 0) + 1;
    await tx`
      INSERT INTO kv (scope, key, value, version, session, updated_at) VALUES (${scope}, ${key}, ${value}, ${version}, ${options.session}, ${options.now})
      ON CONFLICT (scope, key) DO UPDATE SET value = excluded.value, version = excluded.version, session = excluded.session, updated_at = excluded.updated_at`;
    const record: KvRecord = { scope, key, value: parseJson(value), version, session: options.session, updatedAt: options.now };
    await this.appendEventIn(
      tx,
      { kind: value === null ? 'kv.delete' : 'kv.set', session: options.session, data: { scope, key, version, ...(options.expectVersion !== undefined ? { expected: options.expectVersion } : {}) } },
      options.now,
    );
    return { ok: true, record: value === null ? current! : record };
  }

  async setData(write: KvWrite): Promise<KvWriteResult> {
    const text = JSON.stringify(write.value ?? null);
    return this.transaction((tx) => this.writeKv(tx, write.scope, write.key, text, write));
  }

  async deleteData(scope: string, key: string, options: { expectVersion?: number; session: string | null; now: number }): Promise<KvWriteResult> {
    return this.transaction((tx) => this.writeKv(tx, scope, key, null, options));
  }

  async deleteScope(scope: string, options: { session: string | null; now: number }): Promise<number> {
    return this.transaction(async (tx) => {
      const { count } = await tx`
        UPDATE kv SET value = NULL, version = version + 1, session = ${options.session}, updated_at = ${options.now}
        WHERE scope = ${scope} AND value IS NOT NULL`;
      if (count > 0) await this.appendEventIn(tx, { kind: 'kv.delete-scope', session: options.session, data: { scope, keys: count } }, options.now);
      return count;
    });
  }

  async addTask(input: TaskInput): Promise<TaskRecord> {
    return this.transaction(async (tx) => {
      const [row] = await tx<Row[]>`
        INSERT INTO tasks (queue, title, data, state, created_by, created_at)
        VALUES (${input.queue}, ${input.title}, ${JSON.stringify(input.data ?? null)}, 'pending', ${input.createdBy}, ${input.now}) RETURNING *`;
      const task = toTask(row!);
      await this.appendEventIn(tx, { kind: 'task.add', session: input.session, data: taskEventData(task) }, input.now);
      return task;
    });
  }

  /** Puts the stale claimed tasks among `rows` (locked by the caller) back to pending, with an event each. */
  private async requeue(tx: Tx, rows: Row[], isStale: StaleTaskPredicate, now: number): Promise<TaskRecord[]> {
    const requeued: TaskRecord[] = [];
    for (const row of rows) {
      const task = toTask(row);
      const [ownerRow] = task.ownerSession === null ? [] : await tx<Row[]>`SELECT * FROM sessions WHERE id = ${task.ownerSession}`;
      if (!isStale(task, ownerRow ? toSession(ownerRow) : undefined, now)) continue;
      const [updated] = await tx<Row[]>`
        UPDATE tasks SET state = 'pending', owner = NULL, owner_session = NULL, heartbeat_at = NULL WHERE id = ${task.id} AND state = 'claimed' RETURNING *`;
      await this.appendEventIn(tx, { kind: 'task.requeue', session: task.ownerSession, data: taskEventData(task, { lastHeartbeat: task.heartbeatAt }) }, now);
      requeued.push(toTask(updated!));
    }
    return requeued;
  }

  async claimTask(claim: TaskClaim, isStale: StaleTaskPredicate): Promise<TaskClaimResult> {
    return this.transaction(async (tx): Promise<TaskClaimResult> => {
      // SKIP LOCKED: claimers never queue behind one another; each takes rows nobody else holds right now.
      const claimed = await tx<Row[]>`SELECT * FROM tasks WHERE queue = ${claim.queue} AND state = 'claimed' ORDER BY id FOR UPDATE SKIP LOCKED`;
      const requeued = await this.requeue(tx, claimed, isStale, claim.now);
      const [row] =
        claim.id === undefined
          ? await tx<Row[]>`SELECT * FROM tasks WHERE queue = ${claim.queue} AND state = 'pending' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED`
          : await tx<Row[]>`SELECT * FROM tasks WHERE id = ${claim.id} FOR UPDATE`;
      if (!row || row.state !== 'pending') return { task: undefined, requeued, ...(row ? { current: toTask(row) } : {}) };
      const [updated] = await tx<Row[]>`
        UPDATE tasks SET state = 'claimed', owner = ${claim.owner}, owner_session = ${claim.ownerSession}, heartbeat_at = ${claim.now},
          ttl_ms = ${claim.ttlMs}, attempts = attempts + 1, claimed_at = ${claim.now}, phase = NULL, percent = NULL, message = NULL, progress_at = NULL
        WHERE id = ${row.id as number} AND state = 'pending' RETURNING *`;
      const task = toTask(updated!);
      await this.appendEventIn(tx, { kind: 'task.claim', session: claim.ownerSession, data: taskEventData(task, { attempt: task.attempts }) }, claim.now);
      return { task, requeued };
    });
  }

  async updateTask(update: TaskUpdate): Promise<TaskUpdateResult> {
    return this.transaction(async (tx): Promise<TaskUpdateResult> => {
      const [row] = await tx<Row[]>`SELECT * FROM tasks WHERE id = ${update.id} FOR UPDATE`;
      const current = row ? toTask(row) : undefined;
      if (!current || current.state !== 'claimed' || (!update.force && current.owner !== update.owner)) return { ok: false, current };
      const { change, now } = update;
      let columns: Record<string, unknown>;
      if (change.kind === 'done') columns = { state: 'done', result: JSON.stringify(change.result ?? null), done_at: now, heartbeat_at: now };
      else if (change.kind === 'release') columns = { state: 'pending', owner: null, owner_session: null, heartbeat_at: null };
      else {
        // Each field given replaces the last one; fields left out keep theirs.
        columns = { progress_at: now, heartbeat_at: now };
        if (change.phase !== undefined) columns.phase = change.phase;
        if (change.percent !== undefined) columns.percent = change.percent;
        if (change.message !== undefined) columns.message = change.message;
      }
      const [updated] = await tx<Row[]>`UPDATE tasks SET ${tx(columns as Record<string, postgres.ParameterOrJSON<never>>)} WHERE id = ${update.id} RETURNING *`;
      const task = toTask(updated!);
      const kind = change.kind === 'done' ? 'task.done' : change.kind === 'release' ? 'task.release' : 'task.progress';
      const extra = change.kind === 'progress' ? { progress: task.progress } : update.force && current.owner !== update.owner ? { forcedBy: update.owner } : {};
      await this.appendEventIn(tx, { kind, session: update.session, data: taskEventData(current, extra) }, now);
      return { ok: true, task };
    });
  }

  async getTask(id: number): Promise<TaskRecord | undefined> {
    const sql = await this.query();
    const [row] = await sql<Row[]>`SELECT * FROM tasks WHERE id = ${id}`;
    return row ? toTask(row) : undefined;
  }

  async listTasks(filter: TaskFilter = {}): Promise<TaskRecord[]> {
    const sql = await this.query();
    const rows = await sql<Row[]>`
      SELECT * FROM tasks
      WHERE true ${filter.queue !== undefined ? sql`AND queue = ${filter.queue}` : sql``}
        ${filter.state !== undefined ? sql`AND state = ${filter.state}` : sql``}
        ${filter.ownerSession !== undefined ? sql`AND owner_session = ${filter.ownerSession}` : sql``}
      ORDER BY id`;
    return rows.map(toTask);
  }

  async requeueStaleTasks(isStale: StaleTaskPredicate, now: number): Promise<TaskRecord[]> {
    return this.transaction(async (tx) => this.requeue(tx, await tx<Row[]>`SELECT * FROM tasks WHERE state = 'claimed' ORDER BY id FOR UPDATE SKIP LOCKED`, isStale, now));
  }

  async createHandoff(input: HandoffInput): Promise<HandoffRecord> {
    return this.transaction(async (tx) => {
      const [row] = await tx<Row[]>`
        INSERT INTO handoffs (repo, from_session, to_session, summary, next_steps, files, branch, state, created_at)
        VALUES (${input.repo}, ${input.fromSession}, ${input.toSession}, ${input.summary}, ${JSON.stringify(input.nextSteps)},
                ${JSON.stringify(input.files)}, ${input.branch}, 'open', ${input.now})
        RETURNING *`;
      const handoff = toHandoff(row!);
      await this.appendEventIn(
        tx,
        { kind: 'handoff.create', session: input.fromSession, repo: input.repo, data: { id: handoff.id, to: handoff.toSession, summary: handoff.summary, branch: handoff.branch } },
        input.now,
      );
      return handoff;
    });
  }

  async acceptHandoff(id: number, acceptor: { name: string; session: string | null }, now: number): Promise<HandoffAcceptResult> {
    return this.transaction(async (tx): Promise<HandoffAcceptResult> => {
      // One UPDATE decides: of several acceptors, the first to lock the open row wins; the others see it accepted.
      const [row] = await tx<Row[]>`
        UPDATE handoffs SET state = 'accepted', accepted_by = ${acceptor.name}, accepted_at = ${now}
        WHERE id = ${id} AND state = 'open' AND (to_session IS NULL OR to_session = ${acceptor.name}) RETURNING *`;
      if (!row) {
        const [current] = await tx<Row[]>`SELECT * FROM handoffs WHERE id = ${id}`;
        return { ok: false, current: current ? toHandoff(current) : undefined };
      }
      const handoff = toHandoff(row);
      await this.appendEventIn(
        tx,
        { kind: 'handoff.accept', session: acceptor.session, repo: handoff.repo, data: { id, by: acceptor.name, from: handoff.fromSession, summary: handoff.summary } },
        now,
      );
      return { ok: true, handoff };
    });
  }

  async getHandoff(id: number): Promise<HandoffRecord | undefined> {
    const sql = await this.query();
    const [row] = await sql<Row[]>`SELECT * FROM handoffs WHERE id = ${id}`;
    return row ? toHandoff(row) : undefined;
  }

  async listHandoffs(filter: HandoffFilter = {}): Promise<HandoffRecord[]> {
    const sql = await this.query();
    const rows = await sql<Row[]>`
      SELECT * FROM handoffs
      WHERE true ${filter.repo !== undefined ? sql`AND repo = ${filter.repo}` : sql``}
        ${filter.state !== undefined ? sql`AND state = ${filter.state}` : sql``}
      ORDER BY id`;
    return rows.map(toHandoff);
  }

  async getLatestEventId(): Promise<number> {
    const sql = await this.query();
    const [row] = await sql<Row[]>`SELECT MAX(id) AS id FROM events`;
    return (row?.id as number | null) ?? 0;
  }

  async waitForEvents(afterId: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const listener = await this.listen();
    if (listener.latest > afterId || signal?.aborted) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        listener.waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      listener.waiters.add(done);
      signal?.addEventListener('abort', done);
    });
  }

  /** LISTENs (on a connection of its own) for this schema's events once; remembers the newest id announced. */
  private listen(): Promise<EventListener> {
    this.listener ??= (async () => {
      await this.migrated();
      const listener: EventListener = { latest: 0, waiters: new Set() };
      await this.sql.listen(`${this.schema}_events`, (payload) => {
        listener.latest = Math.max(listener.latest, Number(payload) || 0);
        for (const wake of [...listener.waiters]) wake();
      });
      return listener;
    })();
    return this.listener;
  }

  async getChangeMark(): Promise<string> {
    return String(await this.getLatestEventId());
  }

  async waitForChange(mark: string, timeoutMs: number, signal?: AbortSignal): Promise<string> {
    // LISTEN first, then read: an event committed in between is then either read or announced.
    await this.listen();
    const current = await this.getChangeMark();
    if (current !== mark) return current;
    await this.waitForEvents(Number(mark) || 0, timeoutMs, signal);
    return this.getChangeMark();
  }

  async getNotifyCursor(): Promise<number | null> {
    const sql = await this.query();
    const [row] = await sql<Row[]>`SELECT last_id FROM notify_cursor WHERE id = 1`;
    return (row?.last_id as number | undefined) ?? null;
  }

  async setNotifyCursor(from: number | null, to: number): Promise<boolean> {
    const sql = await this.query();
    const result =
      from === null
        ? await sql`INSERT INTO notify_cursor (id, last_id) VALUES (1, ${to}) ON CONFLICT (id) DO NOTHING`
        : await sql`UPDATE notify_cursor SET last_id = ${to} WHERE id = 1 AND last_id = ${from}`;
    return result.count > 0;
  }

  async throttleNotification(key: string, now: number, windowMs: number): Promise<ThrottleDecision> {
    return this.transaction(async (tx): Promise<ThrottleDecision> => {
      await advisoryLock(tx, this.schema, 'throttle', key);
      const [row] = await tx<Row[]>`SELECT sent_at, suppressed FROM notify_throttle WHERE key = ${key}`;
      const suppressed = (row?.suppressed as number | undefined) ?? 0;
      if (row && now - (row.sent_at as number) < windowMs) {
        await tx`UPDATE notify_throttle SET suppressed = suppressed + 1 WHERE key = ${key}`;
        return { send: false, suppressed: suppressed + 1 };
      }
      await tx`
        INSERT INTO notify_throttle (key, sent_at, suppressed) VALUES (${key}, ${now}, 0)
        ON CONFLICT (key) DO UPDATE SET sent_at = excluded.sent_at, suppressed = 0`;
      return { send: true, suppressed };
    });
  }

  async pruneExpired(request: PruneRequest): Promise<PruneCounts> {
    return this.transaction(async (tx): Promise<PruneCounts> => {
      const keep = JSON.stringify(request.keepSessions);
      const gone = JSON.stringify(request.sessions);
      const counts = createPruneCounts();
      // A bounded pass takes at most `limit` rows of each kind (by physical row: ctid).
      const limit = request.limit === undefined ? undefined : Math.max(0, Math.floor(request.limit));
      const prune = async (kind: keyof PruneCounts, table: string, where: postgres.PendingQuery<postgres.Row[]>) => {
        const selected = tx`SELECT ctid FROM ${tx(table)} WHERE ${where} ${limit === undefined ? tx`` : tx`LIMIT ${limit}`}`;
        if (request.dryRun) counts[kind] = (await tx<Row[]>`SELECT COUNT(*) AS n FROM (${selected}) AS expired`)[0]!.n as number;
        else counts[kind] = (limit === undefined ? await tx`DELETE FROM ${tx(table)} WHERE ${where}` : await tx`DELETE FROM ${tx(table)} WHERE ctid IN (${selected})`).count;
      };
      // A JSON list as text: typed jsonb, the driver would encode the string once more.
      const listed = (json: string) => tx`(SELECT jsonb_array_elements_text(${json}::text::jsonb))`;
      await prune('sessions', 'sessions', tx`state = 'ended' AND id IN ${listed(gone)}`);
      // Links of removed sessions, and of sessions gone earlier (gc's drop-session), which would keep a Claude tab from being adopted again.
      await prune('claudeSessions', 'claude_sessions', tx`session NOT IN (SELECT id FROM sessions WHERE NOT (state = 'ended' AND id IN ${listed(gone)}))`);
      if (request.eventsBefore !== null) {
        // For this transaction only: the event log's guard lets retention's deletes through (migration 8).
        await tx`SELECT set_config('cwt.retention', 'on', true)`;
        await prune('events', 'events', tx`at < ${request.eventsBefore}`);
      }
      if (request.kvTombstonesBefore !== null) {
        if (!request.dryRun) {
          await tx`
            INSERT INTO meta (key, value)
            SELECT ${META_KEYS.kvVersionFloor}, MAX(version) FROM kv WHERE value IS NULL AND updated_at < ${request.kvTombstonesBefore} HAVING MAX(version) IS NOT NULL
            ON CONFLICT (key) DO UPDATE SET value = GREATEST(meta.value, excluded.value)`;
        }
        await prune('kvTombstones', 'kv', tx`value IS NULL AND updated_at < ${request.kvTombstonesBefore}`);
      }
      if (request.claimDenialsBefore !== null) await prune('claimDenials', 'claim_denials', tx`at < ${request.claimDenialsBefore}`);
      if (request.readsBefore !== null) await prune('reads', 'reads', tx`at < ${request.readsBefore} AND session NOT IN ${listed(keep)}`);
      if (request.commitsBefore !== null) {
        await prune('commits', 'commits', tx`at < ${request.commitsBefore} AND (session IS NULL OR session NOT IN ${listed(keep)})`);
      }
      return counts;
    });
  }

  async reclaimSpace(): Promise<boolean> {
    // autovacuum reclaims dead rows in the background; VACUUM FULL would lock every table against the hooks.
    return false;
  }

  async getStoreSize(): Promise<number> {
    const sql = await this.query();
    const [row] = await sql<Row[]>`
      SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) AS bytes
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ${this.schema} AND c.relkind = 'r'`;
    return Number(row!.bytes);
  }

  async claimPeriodicRun(name: string, now: number, intervalMs: number): Promise<boolean> {
    const sql = await this.query();
    // One upsert decides: the row is written only when due (or when the clock went back past it).
    const { count } = await sql`
      INSERT INTO meta (key, value) VALUES (${META_KEYS.periodicRun(name)}, ${now})
      ON CONFLICT (key) DO UPDATE SET value = excluded.value
      WHERE meta.value <= ${now - intervalMs} OR meta.value > ${now}`;
    return count > 0;
  }

  async claimHookCall(call: HookCallRecord): Promise<boolean> {
    const sql = await this.query();
    const { count } = await sql`INSERT INTO hook_calls (key, by, at) VALUES (${call.key}, ${call.by}, ${call.at}) ON CONFLICT (key) DO NOTHING`;
    return count > 0;
  }

  async listHookCalls(): Promise<HookCallRecord[]> {
    const sql = await this.query();
    const rows = await sql<Row[]>`SELECT key, by, at FROM hook_calls ORDER BY at, key`;
    return rows.map((row) => ({ key: row.key as string, by: row.by as string, at: Number(row.at) }));
  }

  async pruneHookCalls(before: number): Promise<number> {
    const sql = await this.query();
    const { count } = await sql`DELETE FROM hook_calls WHERE at < ${before}`;
    return count;
  }

  async decideToolCall(request: ToolCallRequest): Promise<ToolCallAnswer> {
    const sql = await this.query();
    const { expect: planned, claim } = request;
    // The function's request: column names for the session, snake case throughout; undefined clues drop out.
    const body = {
      schema: this.schema,
      now: request.now,
      host: request.host,
      key: request.hookCall?.key ?? null,
      by: request.hookCall?.by ?? null,
      session_id: request.sessionId,
      cwt_session: request.cwtSession,
      claude_id: request.claudeId,
      cwd: request.cwd,
      expect: planned && {
        id: planned.id,
        repo: planned.repo,
        repo_id: planned.repoId ?? null,
        main_worktree: planned.mainWorktree,
        worktree: planned.worktree,
        memory_dir: planned.memoryDir,
        kind: planned.kind,
      },
      claim: claim && {
        rel_path: claim.relPath,
        abs_path: claim.absPath,
        repo: claim.repo,
        claude_id: claim.claudeId,
        mode: claim.mode,
        claim_ttl_ms: claim.claimTtlMs,
        session_ttl_ms: claim.sessionTtlMs,
        retry_ms: claim.retryMs,
      },
      pids: request.pids,
    };
    // As text both ways: a typed jsonb parameter would be encoded once more by the driver.
    let row: { answer: string } | undefined;
    try {
      [row] = await sql<{ answer: string }[]>`SELECT cwt_tool_call(${JSON.stringify(body)}::text::jsonb)::text AS answer`;
    } catch (error) {
      // 42883 undefined_function: someone with access to the schema dropped it; the statements still work.
      if ((error as { code?: string }).code === '42883') return { outcome: 'unavailable' };
      throw error;
    }
    const answer = JSON.parse(row!.answer) as Row;
    switch (answer.outcome) {
      case 'unknown':
      case 'taken':
        return { outcome: answer.outcome };
      case 'probe':
        return { outcome: 'probe', pid: answer.pid as number };
      case 'stale':
        return { outcome: 'stale', session: toSession(answer.session as Row) };
    }
    const session = toSession(answer.session as Row);
    const decided = answer.claim as Row | undefined;
    if (!decided) return { outcome: 'decided', session };
    const existing = decided.existing as Row | null;
    const holder = decided.holder as Row | null;
    const state: ClaimState = { existing: existing ? toClaim(existing) : undefined, holder: holder ? toSession(holder) : undefined, deniedAt: (decided.denied_at as number | null) ?? null };
    const verdict = decided.allow === true ? { allow: true as const, takeover: decided.takeover === true } : { allow: false as const, recordDenial: decided.record_denial === true };
    const reads = decided.allow === true
      ? {
          sessions: (answer.siblings as Row[]).map(toSession),
          claims: (answer.claims as Row[]).map(toClaim),
          holders: (answer.holders as Row[]).map(toSession),
        }
      : undefined;
    return { outcome: 'decided', session, claim: { verdict, state }, ...(reads ? { reads } : {}) };
  }

  async close(): Promise<void> {
    await this.sql.end({ timeout: 1 });
  }
}
