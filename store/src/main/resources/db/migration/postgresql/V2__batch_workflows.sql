-- Batch-workflow features: retry policy, resource pools, checkpoints, resume, saga rollback, parallel_limit.
-- Keep in step with ../sqlite/V2__batch_workflows.sql: only the boolean column's type differs.

ALTER TABLE workflows ADD COLUMN parallel_limit INTEGER NOT NULL DEFAULT 0;   -- 0 = no per-workflow cap

ALTER TABLE tasks ADD COLUMN retry_json       TEXT;                         -- RetrySpec.toJson(); NULL = max_attempts only
ALTER TABLE tasks ADD COLUMN pools_json       TEXT;                         -- JSON array of pool names; NULL = none
ALTER TABLE tasks ADD COLUMN checkpoint_json  TEXT;                         -- last CHECKPOINT: of any attempt
ALTER TABLE tasks ADD COLUMN attempt_base     INTEGER NOT NULL DEFAULT 0;   -- attempt number at the last resume
ALTER TABLE tasks ADD COLUMN rollback_running BOOLEAN NOT NULL DEFAULT FALSE; -- a rollback attempt holds the task

CREATE INDEX tasks_rollback_queue ON tasks (state, rollback_running, seq);

ALTER TABLE attempts ADD COLUMN kind TEXT NOT NULL DEFAULT 'run' CHECK (kind IN ('run', 'rollback'));
