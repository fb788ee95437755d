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
  // 13: one round trip per tool-call decision (issue 17): cwt_tool_call does in one transaction what the hook
  // handlers otherwise ask of the store statement by statement (hooks/onetrip.ts): find the session, record the
  // call for its decider, heartbeat with the activity, decide and record the claim (claimPath's rules, under the
  // same advisory lock), and read what the merge-conflict warning needs. Parameters only, no dynamic SQL. It
  // writes nothing when it answers 'unknown' (no session by these clues), 'stale' (the caller planned with an
  // out-of-date session row: here is the current one) or 'probe' (a holder's liveness needs a pid probe on the
  // caller's machine); the caller then plans again or takes the statement-by-statement path. Worktree paths are
  // compared as stored (git's normalised top levels), as path.relative would compare them.
  `
  CREATE FUNCTION cwt_tool_call(request jsonb) RETURNS json LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
  DECLARE
    v_now bigint := (request ->> 'now')::bigint;
    v_host text := request ->> 'host';
    v_claim jsonb := NULLIF(request -> 'claim', 'null');
    v_expect jsonb := NULLIF(request -> 'expect', 'null');
    v_channel text := (request ->> 'schema') || '_events';
    v_me sessions%ROWTYPE;
    v_existing claims%ROWTYPE;
    v_has_existing boolean := false;
    v_holder sessions%ROWTYPE;
    v_has_holder boolean := false;
    v_denied_at bigint;
    v_has_denial boolean := false;
    v_rel text;
    v_abs text;
    v_mode text;
    v_probe text;
    v_rival boolean := false;
    v_alive boolean;
    v_allow boolean := true;
    v_takeover boolean := false;
    v_record_denial boolean := false;
    v_stored text;
    v_event bigint;
    v_prefix text;
    v_siblings json;
    v_claims json;
    v_holders json;
  BEGIN
    -- The session: the one the supervisor serves, else as findCurrentSession finds it (sessions.ts).
    IF request ->> 'session_id' IS NOT NULL THEN
      SELECT * INTO v_me FROM sessions WHERE id = request ->> 'session_id' AND state <> 'ended';
    ELSE
      IF request ->> 'cwt_session' IS NOT NULL THEN
        SELECT * INTO v_me FROM sessions WHERE id = request ->> 'cwt_session' AND state <> 'ended';
      END IF;
      IF v_me.id IS NULL AND request ->> 'claude_id' IS NOT NULL THEN
        SELECT s.* INTO v_me FROM claude_sessions c JOIN sessions s ON s.id = c.session
        WHERE c.claude_id = request ->> 'claude_id' AND s.state <> 'ended';
      END IF;
      IF v_me.id IS NULL AND request ->> 'cwd' IS NOT NULL THEN
        -- findSessionByPath: a cwt session of this host whose worktree holds cwd, the deepest first.
        SELECT * INTO v_me FROM sessions s
        WHERE s.state <> 'ended' AND s.kind = 'cwt' AND s.host = v_host
          AND (request ->> 'cwd' = s.worktree
               OR (starts_with(request ->> 'cwd', CASE WHEN s.worktree = '/' THEN '/' ELSE s.worktree || '/' END)
                   AND NOT starts_with(substr(request ->> 'cwd', length(CASE WHEN s.worktree = '/' THEN '/' ELSE s.worktree || '/' END) + 1), '..')))
        ORDER BY length(s.worktree) DESC, s.started_at, s.id LIMIT 1;
      END IF;
    END IF;
    IF v_me.id IS NULL THEN
      RETURN json_build_object('outcome', 'unknown');
    END IF;
    -- The caller planned (config, protected paths, the claim's checkout) from these columns of the session.
    IF v_expect IS NULL
       OR v_expect ->> 'id' IS DISTINCT FROM v_me.id
       OR v_expect ->> 'repo' IS DISTINCT FROM v_me.repo
       OR v_expect ->> 'repo_id' IS DISTINCT FROM v_me.repo_id
       OR v_expect ->> 'main_worktree' IS DISTINCT FROM v_me.main_worktree
       OR v_expect ->> 'worktree' IS DISTINCT FROM v_me.worktree
       OR v_expect ->> 'memory_dir' IS DISTINCT FROM v_me.memory_dir
       OR v_expect ->> 'kind' IS DISTINCT FROM v_me.kind THEN
      RETURN json_build_object('outcome', 'stale', 'session', row_to_json(v_me));
    END IF;

    -- The claim's state, under claimPath's advisory lock (the same key: JSON of schema, 'claim', checkout, path).
    IF v_claim IS NOT NULL THEN
      v_rel := v_claim ->> 'rel_path';
      v_abs := v_claim ->> 'abs_path';
      v_mode := v_claim ->> 'mode';
      PERFORM pg_advisory_xact_lock(hashtextextended(
        '[' || to_json(request ->> 'schema')::text || ',"claim",' || to_json(v_me.worktree)::text || ',' || to_json(v_rel)::text || ']', 0));
      SELECT * INTO v_existing FROM claims WHERE checkout = v_me.worktree AND rel_path = v_rel;
      v_has_existing := FOUND;
      IF v_has_existing THEN
        SELECT * INTO v_holder FROM sessions WHERE id = v_existing.session;
        v_has_holder := FOUND;
      END IF;
      SELECT at INTO v_denied_at FROM claim_denials WHERE checkout = v_me.worktree AND rel_path = v_rel AND session = v_me.id;
      v_has_denial := FOUND;
      -- getRivalClaim: another session's claim younger than the claim TTL, its holder not ended and live.
      IF v_has_existing AND v_existing.session <> v_me.id AND v_now - v_existing.at < (v_claim ->> 'claim_ttl_ms')::bigint
         AND v_has_holder AND v_holder.state <> 'ended' THEN
        -- isHolderAlive: its process alive on this host, or a heartbeat younger than the session TTL.
        v_alive := v_now - v_holder.heartbeat_at < (v_claim ->> 'session_ttl_ms')::bigint;
        IF NOT v_alive AND v_holder.pid IS NOT NULL AND v_holder.host = v_host THEN
          v_probe := request -> 'pids' ->> v_holder.pid::text;
          IF v_probe IS NULL THEN
            RETURN json_build_object('outcome', 'probe', 'pid', v_holder.pid);
          END IF;
          v_alive := v_probe = 'true';
        END IF;
        v_rival := v_alive;
      END IF;
      -- decideClaim.
      IF v_rival THEN
        IF v_mode = 'warn' THEN
          v_takeover := true;
        ELSIF v_mode = 'deny' THEN
          v_allow := false;
        ELSIF v_has_denial AND v_now - v_denied_at <= (v_claim ->> 'retry_ms')::bigint THEN
          v_takeover := true;
        ELSE
          v_allow := false;
          v_record_denial := true;
        END IF;
      END IF;
    END IF;

    -- One decider per call: the first to record it (Store.claimHookCall).
    IF request ->> 'key' IS NOT NULL THEN
      INSERT INTO hook_calls (key, by, at) VALUES (request ->> 'key', request ->> 'by', v_now) ON CONFLICT (key) DO NOTHING;
      IF NOT FOUND THEN
        RETURN json_build_object('outcome', 'taken');
      END IF;
    END IF;

    -- The heartbeat, and the activity of a tool call (working) when the row read says it changes; checked again
    -- under the row lock, logged once (updateSession with onActivityChange).
    IF v_me.activity IS DISTINCT FROM 'working' THEN
      SELECT activity INTO v_stored FROM sessions WHERE id = v_me.id FOR UPDATE;
      IF v_stored IS DISTINCT FROM 'working' THEN
        UPDATE sessions SET heartbeat_at = v_now, activity = 'working', activity_at = v_now, activity_reason = NULL WHERE id = v_me.id;
        INSERT INTO events (at, kind, session, repo, data) VALUES (v_now, 'session.working', v_me.id, v_me.repo, '{}') RETURNING id INTO v_event;
        PERFORM pg_notify(v_channel, v_event::text);
      ELSE
        UPDATE sessions SET heartbeat_at = v_now WHERE id = v_me.id;
      END IF;
    ELSE
      UPDATE sessions SET heartbeat_at = v_now WHERE id = v_me.id;
    END IF;

    IF v_claim IS NULL THEN
      RETURN json_build_object('outcome', 'decided', 'session', row_to_json(v_me));
    END IF;

    -- The verdict, recorded as claimPath records it.
    IF v_allow THEN
      INSERT INTO claims (checkout, rel_path, repo, abs_path, session, claude_id, at)
      VALUES (v_me.worktree, v_rel, v_claim ->> 'repo', v_abs, v_me.id, v_claim ->> 'claude_id', v_now)
      ON CONFLICT (checkout, rel_path) DO UPDATE SET repo = excluded.repo, abs_path = excluded.abs_path,
        session = excluded.session, claude_id = excluded.claude_id, at = excluded.at;
      IF v_has_denial THEN
        DELETE FROM claim_denials WHERE checkout = v_me.worktree AND rel_path = v_rel AND session = v_me.id;
      END IF;
      IF v_takeover THEN
        INSERT INTO events (at, kind, session, repo, data) VALUES (v_now, 'claim.takeover', v_me.id, v_claim ->> 'repo',
          json_build_object('path', v_abs, 'previous', json_build_object('checkout', v_existing.checkout, 'relPath', v_existing.rel_path,
            'repo', v_existing.repo, 'absPath', v_existing.abs_path, 'session', v_existing.session, 'claudeId', v_existing.claude_id, 'at', v_existing.at))::text)
        RETURNING id INTO v_event;
        PERFORM pg_notify(v_channel, v_event::text);
      ELSIF NOT v_has_existing OR v_existing.session <> v_me.id THEN
        INSERT INTO events (at, kind, session, repo, data) VALUES (v_now, 'claim', v_me.id, v_claim ->> 'repo', json_build_object('path', v_abs)::text)
        RETURNING id INTO v_event;
        PERFORM pg_notify(v_channel, v_event::text);
      END IF;
    ELSE
      IF v_record_denial THEN
        INSERT INTO claim_denials (checkout, rel_path, session, at) VALUES (v_me.worktree, v_rel, v_me.id, v_now)
        ON CONFLICT (checkout, rel_path, session) DO UPDATE SET at = excluded.at;
      END IF;
      INSERT INTO events (at, kind, session, repo, data) VALUES (v_now, 'claim.deny', v_me.id, v_claim ->> 'repo',
        json_build_object('path', v_abs, 'holder', CASE WHEN v_has_existing THEN v_existing.session END)::text)
      RETURNING id INTO v_event;
      PERFORM pg_notify(v_channel, v_event::text);
    END IF;

    -- What the merge-conflict warning reads after an allowed claim (findSiblingRisks): the repository's open
    -- sessions, the path's claims wherever the repository is cloned, and the sessions holding those claims that
    -- are not among the first (row_to_json: text, cheaper than jsonb for rows only passed on).
    IF v_allow THEN
      SELECT COALESCE(json_agg(row_to_json(s) ORDER BY s.started_at, s.id), '[]') INTO v_siblings
      FROM sessions s WHERE s.repo = v_me.repo AND s.state <> 'ended';
      SELECT COALESCE(json_agg(row_to_json(c) ORDER BY c.at DESC, c.rel_path), '[]') INTO v_claims
      FROM claims c WHERE c.repo = v_claim ->> 'repo' AND c.rel_path = v_rel;
      SELECT COALESCE(json_agg(row_to_json(s)), '[]') INTO v_holders
      FROM sessions s WHERE s.id IN (SELECT c.session FROM claims c WHERE c.repo = v_claim ->> 'repo' AND c.rel_path = v_rel)
        AND NOT (s.repo = v_me.repo AND s.state <> 'ended');
    END IF;
    RETURN json_build_object('outcome', 'decided', 'session', row_to_json(v_me),
      'claim', json_build_object('allow', v_allow, 'takeover', v_takeover, 'record_denial', v_record_denial,
        'existing', CASE WHEN v_has_existing THEN row_to_json(v_existing) END,
        'holder', CASE WHEN v_has_holder THEN row_to_json(v_holder) END,
        'denied_at', v_denied_at),
      'siblings', v_siblings, 'claims', v_claims, 'holders', v_holders);
  END $fn$;
  `,
];
