-- The queues are partial indexes: each holds only the rows in its state, so a state change touches the queues that
-- the task enters or leaves and no others. Before, every state change (and every updated_at change, which progress
-- writes too) moved the row in four (state, ...) indexes; a task's claim and completion now touch four entries, not
-- ten (docs/decisions.md D32). The queries name the state as a literal, which is what lets both databases use them.
-- One full (state, seq) index serves the other reads by state (running tasks, listings). Each queue index still
-- starts with state: a query's `state = '...'` then matches both, and the planner picks the queue index for the order
-- it already has (a queue index without it looked, to SQLite without statistics, like a scan of every row).
-- Keep in step with ../postgresql/V5__partial_queue_indexes.sql: the two files are the same.

DROP INDEX tasks_ready_queue;
DROP INDEX tasks_ready_by_age;
DROP INDEX tasks_retry_due;
DROP INDEX tasks_rollback_queue;

CREATE INDEX tasks_by_state       ON tasks (state, seq);
CREATE INDEX tasks_ready_queue    ON tasks (state, priority DESC, seq) WHERE state = 'Ready';
CREATE INDEX tasks_ready_by_age   ON tasks (state, updated_at, seq)    WHERE state = 'Ready';
CREATE INDEX tasks_retry_due      ON tasks (state, next_attempt_at)    WHERE state = 'RetryWait';
CREATE INDEX tasks_rollback_queue ON tasks (state, rollback_running, seq) WHERE state = 'RollingBack';
