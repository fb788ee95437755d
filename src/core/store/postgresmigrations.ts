/**
 * PostgreSQL schema migrations. Migration N here creates what SQLite migration N creates, column for column
 * (times as BIGINT milliseconds, booleans as 0/1 INTEGER, JSON as TEXT), so both stores share their row
 * mappers and a schema version means the same thing in both. Append only: a shipped migration is never
 * edited. The version lives in `schema_version` of the store's schema.
 */
export const POSTGRES_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE sessions (
    id             TEXT PRIMARY KEY,
    repo           TEXT NOT NULL,
    main_worktree  TEXT NOT NULL,
    worktree       TEXT NOT NULL,
    branch         TEXT NOT NULL,
    created_branch INTEGER NOT NULL,
    base_commit    TEXT NOT NULL,
    agent          TEXT NOT NULL,
    pid            INTEGER,
    host           TEXT NOT NULL,
    started_at     BIGINT NOT NULL,
    heartbeat_at   BIGINT NOT NULL,
    state          TEXT NOT NULL CHECK (state IN ('live', 'stale', 'ended')),
    ended_at       BIGINT,
    agent_exit     INTEGER,
    memory_dir     TEXT NOT NULL,
    memory_base    TEXT NOT NULL
  );
  CREATE INDEX sessions_repo ON sessions (repo, state);

  CREATE TABLE events (
    id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at      BIGINT NOT NULL,
    kind    TEXT NOT NULL,
    session TEXT,
    repo    TEXT,
    data    TEXT NOT NULL
  );
  CREATE INDEX events_session ON events (session, id);
  CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'the event log is append-only'; END $$;
  CREATE TRIGGER events_append_only_row BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_append_only();
  CREATE TRIGGER events_append_only_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_append_only();

  CREATE TABLE locks (
    name         TEXT PRIMARY KEY,
    holder       TEXT NOT NULL,
    session      TEXT,
    token        BIGINT NOT NULL,
    pid          INTEGER NOT NULL,
    host         TEXT NOT NULL,
    acquired_at  BIGINT NOT NULL,
    heartbeat_at BIGINT NOT NULL,
    ttl_ms       BIGINT NOT NULL,
    note         TEXT
  );

  -- The last fencing token issued per lock name; survives release so tokens never repeat.
  CREATE TABLE lock_tokens (
    name       TEXT PRIMARY KEY,
    last_token BIGINT NOT NULL
  );
  `,
  `
  ALTER TABLE sessions ADD COLUMN memory_merged_at BIGINT;
  ALTER TABLE sessions ADD COLUMN memory_conflicts TEXT;
  `,
  `
  ALTER TABLE sessions ADD COLUMN kind TEXT NOT NULL DEFAULT 'cwt' CHECK (kind IN ('cwt', 'adopted'));

  CREATE TABLE claude_sessions (
    claude_id  TEXT PRIMARY KEY,
    session    TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    ended_at   BIGINT
  );
  CREATE INDEX claude_sessions_session ON claude_sessions (session);

  CREATE TABLE claims (
    checkout  TEXT NOT NULL,
    rel_path  TEXT NOT NULL,
    repo      TEXT NOT NULL,
    abs_path  TEXT NOT NULL,
    session   TEXT NOT NULL,
    claude_id TEXT,
    at        BIGINT NOT NULL,
    PRIMARY KEY (checkout, rel_path)
  );
  CREATE INDEX claims_repo_path ON claims (repo, rel_path);
  CREATE INDEX claims_session ON claims (session);

  CREATE TABLE claim_denials (
    checkout TEXT NOT NULL,
    rel_path TEXT NOT NULL,
    session  TEXT NOT NULL,
    at       BIGINT NOT NULL,
    PRIMARY KEY (checkout, rel_path, session)
  );

  CREATE TABLE reads (
    session TEXT NOT NULL,
    path    TEXT NOT NULL,
    sha256  TEXT NOT NULL,
    at      BIGINT NOT NULL,
    PRIMARY KEY (session, path)
  );
  `,
  `
  CREATE TABLE leases (
    resource TEXT NOT NULL,
    name     TEXT NOT NULL,
    kind     TEXT NOT NULL CHECK (kind IN ('port', 'name')),
    value    TEXT NOT NULL,
    session  TEXT NOT NULL,
    repo     TEXT NOT NULL,
    at       BIGINT NOT NULL,
    PRIMARY KEY (resource, value),
    UNIQUE (session, name)
  );
  `,
  `
  ALTER TABLE sessions ADD COLUMN known_tip TEXT;

  CREATE TABLE commits (
    repo    TEXT NOT NULL,
    sha     TEXT NOT NULL,
    session TEXT,
    branch  TEXT NOT NULL,
    at      BIGINT NOT NULL,
    PRIMARY KEY (repo, sha)
  );
  CREATE INDEX commits_session ON commits (session);
  `,
  `
  CREATE TABLE kv (
    scope      TEXT NOT NULL,
    key        TEXT NOT NULL,
    value      TEXT,
    version    BIGINT NOT NULL,
    session    TEXT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (scope, key)
  );

  CREATE TABLE tasks (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    queue         TEXT NOT NULL,
    title         TEXT NOT NULL,
    data          TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('pending', 'claimed', 'done')),
    owner         TEXT,
    owner_session TEXT,
    created_by    TEXT,
    heartbeat_at  BIGINT,
    ttl_ms        BIGINT NOT NULL DEFAULT 0,
    attempts      INTEGER NOT NULL DEFAULT 0,
    phase         TEXT,
    percent       INTEGER,
    message       TEXT,
    progress_at   BIGINT,
    result        TEXT,
    created_at    BIGINT NOT NULL,
    claimed_at    BIGINT,
    done_at       BIGINT
  );
  CREATE INDEX tasks_queue_state ON tasks (queue, state, id);
  CREATE INDEX tasks_owner_session ON tasks (owner_session, state);

  CREATE TABLE handoffs (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    repo         TEXT,
    from_session TEXT,
    to_session   TEXT,
    accepted_by  TEXT,
    summary      TEXT NOT NULL,
    next_steps   TEXT NOT NULL,
    files        TEXT NOT NULL,
    branch       TEXT,
    state        TEXT NOT NULL CHECK (state IN ('open', 'accepted')),
    created_at   BIGINT NOT NULL,
    accepted_at  BIGINT
  );
  CREATE INDEX handoffs_repo_state ON handoffs (repo, state);

  CREATE TABLE notify_cursor (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    last_id BIGINT NOT NULL
  );
  CREATE TABLE notify_throttle (
    key        TEXT PRIMARY KEY,
    sent_at    BIGINT NOT NULL,
    suppressed INTEGER NOT NULL
  );
  `,
  `
  ALTER TABLE sessions ADD COLUMN repo_id TEXT;
  `,
  // 8: retention. The event log's guard lets through the retention pass's deletes, which set cwt.retention
  // for their transaction only (set_config(…, true)); UPDATE and TRUNCATE stay refused. Space comes back
  // through autovacuum.
  `
  CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value BIGINT NOT NULL
  );

  CREATE OR REPLACE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' AND current_setting('cwt.retention', true) = 'on' THEN RETURN OLD; END IF;
      RAISE EXCEPTION 'the event log is append-only';
    END $$;
  `,
  // 9: the session's activity from the hooks (see the SQLite migration).
  `
  ALTER TABLE sessions ADD COLUMN activity TEXT;
  ALTER TABLE sessions ADD COLUMN activity_at BIGINT;
  `,
  // 10: why a waiting session waits (see the SQLite migration).
  `
  ALTER TABLE sessions ADD COLUMN activity_reason TEXT;
  `,
  // 11: conversations (see the SQLite migration).
  `
  ALTER TABLE claude_sessions ADD COLUMN active_at BIGINT;
  ALTER TABLE claude_sessions ADD COLUMN first_prompt TEXT;
  ALTER TABLE claude_sessions ADD COLUMN transcript TEXT;
  `,
  // 12: one hook call, one decider (see the SQLite migration).
  `
  CREATE TABLE hook_calls (
    key TEXT PRIMARY KEY,
    by  TEXT NOT NULL,
    at  BIGINT NOT NULL
  );
  CREATE INDEX hook_calls_at ON hook_calls (at);
  `,
];
