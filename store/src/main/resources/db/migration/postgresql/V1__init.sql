-- provisioning store, PostgreSQL. Instants are epoch milliseconds (BIGINT), JSON is TEXT.
-- Keep in step with ../sqlite/V1__init.sql: only id generation differs.

CREATE TABLE workflows (
    id           TEXT    NOT NULL PRIMARY KEY,
    seq          BIGINT  NOT NULL UNIQUE,           -- submission order, monotonic
    name         TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    state        TEXT    NOT NULL,
    priority     INTEGER NOT NULL,
    on_failure   TEXT    NOT NULL,
    request_json TEXT,
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL,
    finished_at  BIGINT
);
CREATE INDEX workflows_by_state ON workflows (state, seq);

CREATE TABLE tasks (
    id               TEXT    NOT NULL PRIMARY KEY,
    workflow_id      TEXT    NOT NULL REFERENCES workflows (id),
    task_key         TEXT    NOT NULL,
    action_json      TEXT    NOT NULL,
    rollback_json    TEXT,
    state            TEXT    NOT NULL,
    priority         INTEGER NOT NULL,
    attempt          INTEGER NOT NULL DEFAULT 0,    -- number of the latest attempt, 0 before the first claim
    max_attempts     INTEGER NOT NULL,
    timeout_ms       BIGINT  NOT NULL,
    idempotency_key  TEXT,
    next_attempt_at  BIGINT,
    progress         INTEGER NOT NULL DEFAULT 0,
    progress_message TEXT,
    result_json      TEXT,
    exit_code        INTEGER,
    error            TEXT,
    stderr_tail      TEXT,
    seq              BIGINT  NOT NULL UNIQUE,       -- global submission order, monotonic
    created_at       BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL,
    started_at       BIGINT,
    finished_at      BIGINT,
    owner            TEXT,
    lease_until      BIGINT,                        -- reserved for multi-node leases
    UNIQUE (workflow_id, task_key)
);
CREATE INDEX tasks_ready_queue ON tasks (state, priority DESC, seq);
CREATE INDEX tasks_by_workflow ON tasks (workflow_id, seq);
CREATE INDEX tasks_retry_due   ON tasks (state, next_attempt_at);

CREATE TABLE task_deps (
    task_id    TEXT    NOT NULL REFERENCES tasks (id),
    depends_on TEXT    NOT NULL REFERENCES tasks (id),
    kind       TEXT    NOT NULL CHECK (kind IN ('hard', 'soft')),
    pos        INTEGER NOT NULL,                    -- order as submitted
    PRIMARY KEY (task_id, depends_on)
);
CREATE INDEX task_deps_by_dependency ON task_deps (depends_on);

CREATE TABLE attempts (
    task_id     TEXT    NOT NULL REFERENCES tasks (id),
    attempt_no  INTEGER NOT NULL,
    state       TEXT    NOT NULL,
    owner       TEXT,
    pid         BIGINT,
    run_dir     TEXT,
    exit_code   INTEGER,
    error       TEXT,
    stderr_tail TEXT,
    started_at  BIGINT  NOT NULL,
    finished_at BIGINT,
    PRIMARY KEY (task_id, attempt_no)
);

-- Append-only: the store never updates or deletes a row.
CREATE TABLE events (
    id          BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workflow_id TEXT    NOT NULL REFERENCES workflows (id),
    task_id     TEXT,
    type        TEXT    NOT NULL,
    from_state  TEXT,
    to_state    TEXT,
    data_json   TEXT,
    at          BIGINT  NOT NULL
);
CREATE INDEX events_by_workflow ON events (workflow_id, id);

CREATE SEQUENCE workflows_seq AS BIGINT;
CREATE SEQUENCE tasks_seq AS BIGINT;
