-- Events keep their ids without AUTOINCREMENT (docs/decisions.md D40). The table is append-only (no row is ever
-- deleted or updated), so SQLite's own choice, the largest id plus one, already never reuses an id, and a rolled-back
-- insert takes none. AUTOINCREMENT added the sqlite_sequence row to every write transaction that appended an event:
-- one more page in the write-ahead log per transaction, for a guarantee the table already had. SQLite cannot drop
-- AUTOINCREMENT in place, so the table is rebuilt with the same columns, rows and ids.
CREATE TABLE events_v7 (
    id          INTEGER NOT NULL PRIMARY KEY,
    workflow_id TEXT    NOT NULL REFERENCES workflows (id),
    task_id     TEXT,
    type        TEXT    NOT NULL,
    from_state  TEXT,
    to_state    TEXT,
    data_json   TEXT,
    at          BIGINT  NOT NULL
);
INSERT INTO events_v7 (id, workflow_id, task_id, type, from_state, to_state, data_json, at)
    SELECT id, workflow_id, task_id, type, from_state, to_state, data_json, at FROM events ORDER BY id;
DROP TABLE events;
ALTER TABLE events_v7 RENAME TO events;
CREATE INDEX events_by_workflow ON events (workflow_id, id);
DELETE FROM sqlite_sequence WHERE name = 'events';
