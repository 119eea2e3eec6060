-- A cancel of a workflow marks its Running tasks; the daemon that runs each one stops it (docs/decisions.md D38).
-- Several daemons share a PostgreSQL store, and the daemon that takes the cancel may not be the one that runs the
-- task. A claim clears the mark. Keep in step with the other dialect's V6: the two files are the same.
ALTER TABLE tasks ADD COLUMN cancel_requested BOOLEAN NOT NULL DEFAULT FALSE;
