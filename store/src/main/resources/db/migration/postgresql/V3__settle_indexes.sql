-- Incremental settle: a completion counts its workflow's tasks by state (SELECT state, COUNT(*) ... GROUP BY state).
-- This index covers that query. (task_deps (depends_on), for the completed task's dependents, is in V1.)
-- Keep in step with ../sqlite/V3__settle_indexes.sql: the two files are the same.

CREATE INDEX tasks_by_workflow_state ON tasks (workflow_id, state);
