-- Ready tasks by how long they have waited: what priority aging lifts (Store.longestWaiting).
CREATE INDEX tasks_ready_by_age ON tasks (state, updated_at, seq);
