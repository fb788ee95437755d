/**
 * SQLite schema migrations, applied in order; PRAGMA user_version records how many ran. Append only: a
 * shipped migration is never edited.
 */
export const SQLITE_MIGRATIONS: readonly string[] = [
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
    started_at     INTEGER NOT NULL,
    heartbeat_at   INTEGER NOT NULL,
    state          TEXT NOT NULL CHECK (state IN ('live', 'stale', 'ended')),
    ended_at       INTEGER,
    agent_exit     INTEGER,
    memory_dir     TEXT NOT NULL,
    memory_base    TEXT NOT NULL
  ) STRICT;
  CREATE INDEX sessions_repo ON sessions (repo, state);

  CREATE TABLE events (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      INTEGER NOT NULL,
    kind    TEXT NOT NULL,
    session TEXT,
    repo    TEXT,
    data    TEXT NOT NULL
  ) STRICT;
  CREATE INDEX events_session ON events (session, id);
  CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
  CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;

  CREATE TABLE locks (
    name         TEXT PRIMARY KEY,
    holder       TEXT NOT NULL,
    session      TEXT,
    token        INTEGER NOT NULL,
    pid          INTEGER NOT NULL,
    host         TEXT NOT NULL,
    acquired_at  INTEGER NOT NULL,
    heartbeat_at INTEGER NOT NULL,
    ttl_ms       INTEGER NOT NULL,
    note         TEXT
  ) STRICT;

  -- The last fencing token issued per lock name; survives release so tokens never repeat.
  CREATE TABLE lock_tokens (
    name       TEXT PRIMARY KEY,
    last_token INTEGER NOT NULL
  ) STRICT;
  `,
  // 2: memory merge state per session (cwt merge-memory): when its memory was last merged into canonical, and
  // the conflicts waiting for the user (JSON array of ConflictRecord; NULL = none).
  `
  ALTER TABLE sessions ADD COLUMN memory_merged_at INTEGER;
  ALTER TABLE sessions ADD COLUMN memory_conflicts TEXT;
  `,
  // 3: Claude Code hooks: adopted tabs, Claude session ids, file claims, deny-once denials, harness-file reads.
  `
  -- Sessions that cwt did not start: plain claude tabs adopted by the hooks, keyed by Claude's session id.
  ALTER TABLE sessions ADD COLUMN kind TEXT NOT NULL DEFAULT 'cwt' CHECK (kind IN ('cwt', 'adopted'));

  -- Which Claude Code session ids belong to which cwt session (/clear starts a new id in the same tab).
  CREATE TABLE claude_sessions (
    claude_id  TEXT PRIMARY KEY,
    session    TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at   INTEGER
  ) STRICT;
  CREATE INDEX claude_sessions_session ON claude_sessions (session);

  -- One claim per file per checkout: the session that last edited it there. Other checkouts of the same
  -- repository (repo = common git dir) hold their own rows for the same relative path.
  CREATE TABLE claims (
    checkout  TEXT NOT NULL,
    rel_path  TEXT NOT NULL,
    repo      TEXT NOT NULL,
    abs_path  TEXT NOT NULL,
    session   TEXT NOT NULL,
    claude_id TEXT,
    at        INTEGER NOT NULL,
    PRIMARY KEY (checkout, rel_path)
  ) STRICT;
  CREATE INDEX claims_repo_path ON claims (repo, rel_path);
  CREATE INDEX claims_session ON claims (session);

  -- A deny-once denial: the same session retrying the same path soon after is let through.
  CREATE TABLE claim_denials (
    checkout TEXT NOT NULL,
    rel_path TEXT NOT NULL,
    session  TEXT NOT NULL,
    at       INTEGER NOT NULL,
    PRIMARY KEY (checkout, rel_path, session)
  ) STRICT;

  -- What a session last read of a protected harness file, to refuse a write based on a stale read.
  CREATE TABLE reads (
    session TEXT NOT NULL,
    path    TEXT NOT NULL,
    sha256  TEXT NOT NULL,
    at      INTEGER NOT NULL,
    PRIMARY KEY (session, path)
  ) STRICT;
  `,
  // 4: resource leases (issue 8): a value (a port, a compose project name…) a session holds for its agent. One
  // holder per (resource, value): ports share the resource 'port' whatever variable they are exported as, since
  // a port is machine-wide; a name lease's resource is its variable. A session holds one value per variable.
  `
  CREATE TABLE leases (
    resource TEXT NOT NULL,
    name     TEXT NOT NULL,
    kind     TEXT NOT NULL CHECK (kind IN ('port', 'name')),
    value    TEXT NOT NULL,
    session  TEXT NOT NULL,
    repo     TEXT NOT NULL,
    at       INTEGER NOT NULL,
    PRIMARY KEY (resource, value),
    UNIQUE (session, name)
  ) STRICT;
  `,
  // 5: git integration: the branch tip each session has seen (pre-commit blocks on commits it did not make
  // since), and the commits sessions made, recorded by the post-commit hook.
  `
  ALTER TABLE sessions ADD COLUMN known_tip TEXT;

  -- One row per commit seen by cwt's post-commit hook; session is NULL when no session made it.
  CREATE TABLE commits (
    repo    TEXT NOT NULL,
    sha     TEXT NOT NULL,
    session TEXT,
    branch  TEXT NOT NULL,
    at      INTEGER NOT NULL,
    PRIMARY KEY (repo, sha)
  ) STRICT;
  CREATE INDEX commits_session ON commits (session);
  `,
  // 6: the coordination surface (cwt kv / task / handoff, the MCP server) and the webhook sender's bookkeeping.
  `
  -- Scoped shared state. A deleted key stays as a tombstone (value NULL) so its version keeps growing and a
  -- compare-and-set against an old version can never succeed after a delete and re-create.
  CREATE TABLE kv (
    scope      TEXT NOT NULL,
    key        TEXT NOT NULL,
    value      TEXT,
    version    INTEGER NOT NULL,
    session    TEXT,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
  ) STRICT;

  CREATE TABLE tasks (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    queue         TEXT NOT NULL,
    title         TEXT NOT NULL,
    data          TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('pending', 'claimed', 'done')),
    owner         TEXT,
    owner_session TEXT,
    created_by    TEXT,
    heartbeat_at  INTEGER,
    ttl_ms        INTEGER NOT NULL DEFAULT 0,
    attempts      INTEGER NOT NULL DEFAULT 0,
    phase         TEXT,
    percent       INTEGER,
    message       TEXT,
    progress_at   INTEGER,
    result        TEXT,
    created_at    INTEGER NOT NULL,
    claimed_at    INTEGER,
    done_at       INTEGER
  ) STRICT;
  CREATE INDEX tasks_queue_state ON tasks (queue, state, id);
  CREATE INDEX tasks_owner_session ON tasks (owner_session, state);

  CREATE TABLE handoffs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    repo         TEXT,
    from_session TEXT,
    to_session   TEXT,
    accepted_by  TEXT,
    summary      TEXT NOT NULL,
    next_steps   TEXT NOT NULL,
    files        TEXT NOT NULL,
    branch       TEXT,
    state        TEXT NOT NULL CHECK (state IN ('open', 'accepted')),
    created_at   INTEGER NOT NULL,
    accepted_at  INTEGER
  ) STRICT;
  CREATE INDEX handoffs_repo_state ON handoffs (repo, state);

  -- The webhook sender reads the event log itself (the events are its outbox, written in the same transaction
  -- as the change they describe); it keeps only its cursor and, per throttle key, when it last sent.
  CREATE TABLE notify_cursor (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    last_id INTEGER NOT NULL
  ) STRICT;
  CREATE TABLE notify_throttle (
    key        TEXT PRIMARY KEY,
    sent_at    INTEGER NOT NULL,
    suppressed INTEGER NOT NULL
  ) STRICT;
  `,
  // 7: the repository's identity across machines (its normalised origin URL, else the common dir): claims are
  // keyed by it, so sessions on two machines (two common dirs) of one repository see each other's claims.
  `
  ALTER TABLE sessions ADD COLUMN repo_id TEXT;
  `,
  // 8: retention (retention/policy.ts: cwt gc and a daily pass remove old events, ended sessions, kv tombstones, claim
  // denials, reads and commits). Files created from now on use incremental auto-vacuum (set in migrate(), as it
  // must precede the first table); older ones are converted by cwt gc with a one-time VACUUM (reclaimSpace).
  `
  -- Small values of the store's own: when a periodic job last ran, the kv version floor, the pruning guard.
  CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value INTEGER NOT NULL
  ) STRICT;

  -- The event log stays append-only, except for the retention pass, which marks its transaction with a meta
  -- row ('retention.pruning') that it removes again before committing.
  DROP TRIGGER events_append_only_delete;
  CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
    WHEN NOT EXISTS (SELECT 1 FROM meta WHERE key = 'retention.pruning')
    BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
  `,
  // 9: what the session is doing, from Claude Code's hooks (sessions/activity.ts): working, waiting for the user,
  // idle; written with the hook's heartbeat, NULL when unknown (another agent, or the Claude session ended).
  `
  ALTER TABLE sessions ADD COLUMN activity TEXT;
  ALTER TABLE sessions ADD COLUMN activity_at INTEGER;
  `,
  // 10: why a waiting session waits, from its Notification's notification_type (sessions/activity.ts):
  // 'permission' or 'input'; NULL for the other activities, or when the payload does not say.
  `
  ALTER TABLE sessions ADD COLUMN activity_reason TEXT;
  `,
  // 11: conversations (cwt attach, cwt new --fork): when a hook last saw each Claude session, the first line of
  // its first prompt, and where Claude Code keeps its transcript. started_at stays the conversation's start.
  `
  ALTER TABLE claude_sessions ADD COLUMN active_at INTEGER;
  ALTER TABLE claude_sessions ADD COLUMN first_prompt TEXT;
  ALTER TABLE claude_sessions ADD COLUMN transcript TEXT;
  `,
  // 12: one hook call, one decider (issue 17): the per-user fast path and the command hook fallback may both
  // receive one tool call; the first to record (Claude session, tool_use_id, event) decides, the other stands aside.
  `
  CREATE TABLE hook_calls (
    key TEXT PRIMARY KEY,
    by  TEXT NOT NULL,
    at  INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX hook_calls_at ON hook_calls (at);
  `,
  // 13: nothing for SQLite. PostgreSQL's migration 13 adds cwt_tool_call, one round trip per tool-call decision;
  // SQLite answers in-process and keeps the statement-by-statement path. Here so that a schema version means the
  // same thing in both stores.
  `
  SELECT 1;
  `,
];
