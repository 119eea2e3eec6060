package dev.provisioning.store;

import static dev.provisioning.store.Rows.TASK_COLS;
import static dev.provisioning.store.Rows.stateIs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioning.core.model.Attempt;
import dev.provisioning.core.model.AttemptOutcome;
import dev.provisioning.core.model.Json;
import dev.provisioning.core.model.Task;
import dev.provisioning.core.model.TaskState;
import dev.provisioning.core.model.WorkflowState;
import dev.provisioning.core.port.Store.Claim;
import dev.provisioning.store.Settle.TaskInWorkflow;
import dev.provisioning.store.Settle.WfRow;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write transactions of {@link JdbcStore} on attempts: claims of run and rollback attempts, their pid, progress
 * and checkpoints, their ends (fenced on the attempt number, and on the lease for a take-over), and the promotion of
 * due retries. What each one does is documented on {@link JdbcStore}'s method of the same name.
 */
record Attempts(Transactions txs, Rows rows, Settle settle, Leases leases) {
    private static final Logger log = LoggerFactory.getLogger(JdbcStore.class);

    Optional<Attempt> claim(String taskId, String owner, String runDir) {
        return txs.write("claim task " + taskId, tx -> claim(tx, taskId, owner, runDir).map(Claim::attempt));
    }

    Optional<Claim> claimTask(String taskId, String owner, String runDir) {
        return txs.write("claim task " + taskId, tx -> {
            Optional<Claim> claimed = claim(tx, taskId, owner, runDir);
            if (claimed.isEmpty()) return claimed;
            return Optional.of(new Claim(rows.withDeps(tx.c, List.of(claimed.get().task())).getFirst(), claimed.get().attempt()));
        });
    }

    /** Claims a Ready task: the task's row as the claim left it (without its dependencies), and the new attempt. */
    private Optional<Claim> claim(Tx tx, String taskId, String owner, String runDir) throws SQLException {
        Connection c = tx.c;
        TaskInWorkflow row = settle.lockTaskWorkflow(tx, taskId).orElseThrow(() -> StoreErrors.notFound("task", taskId));
        if (row.state() != TaskState.Ready) return Optional.empty(); // early exit; the UPDATE decides
        WorkflowState wfState = row.wf().state();
        TaskState.Ready.checkMove(taskId, TaskState.Running);
        // RETURNING: the new attempt number and the row for the runner, without reading the row again
        List<Task> updated = Sql.query(c, "UPDATE tasks SET state = ?, attempt = attempt + 1, owner = ?, started_at = ?, "
                        + "finished_at = NULL, next_attempt_at = NULL, lease_until = ?, cancel_requested = FALSE, "
                        + "progress = 0, progress_message = NULL, updated_at = ? WHERE id = ? AND state = ? RETURNING " + TASK_COLS,
                rows::mapTask, TaskState.Running, owner, tx.now, leases.leaseUntil(tx), tx.now, taskId, TaskState.Ready);
        if (updated.isEmpty()) return Optional.empty();
        if (updated.size() > 1) throw new IllegalStateException("claim of task " + taskId + " changed " + updated.size() + " rows");
        Task task = updated.getFirst();
        int attemptNo = task.attempt();
        Sql.update(c, "INSERT INTO attempts (task_id, attempt_no, state, owner, run_dir, started_at) "
                + "VALUES (?, ?, ?, ?, ?, ?)", taskId, attemptNo, TaskState.Running, owner, runDir, tx.now);
        tx.event(row.workflowId(), taskId, "task.state", TaskState.Ready, TaskState.Running,
                Json.MAPPER.createObjectNode().put("attempt", attemptNo).put("owner", owner));
        if (wfState == WorkflowState.Pending)
            settle.moveWorkflow(tx, row.workflowId(), WorkflowState.Pending, WorkflowState.Running);
        return Optional.of(new Claim(task, new Attempt(taskId, attemptNo, TaskState.Running, owner, null, runDir, null,
                null, null, tx.now, null)));
    }

    void attemptStarted(String taskId, int attemptNo, long pid) {
        txs.write("record pid of task " + taskId, tx -> {
            int n = Sql.update(tx.c, "UPDATE attempts SET pid = ? WHERE task_id = ? AND attempt_no = ? AND state IN (?, ?)",
                    pid, taskId, attemptNo, TaskState.Running, TaskState.RollingBack);
            if (n == 0) log.debug("attemptStarted ignored: task {} attempt {} is not running", taskId, attemptNo);
            return null;
        });
    }

    boolean recordProgress(String taskId, int attemptNo, int percent, String message) {
        int p = Math.max(0, Math.min(100, percent));
        return txs.write("record progress of task " + taskId, tx -> {
            Optional<String> wfId = Sql.one(tx.c, "SELECT workflow_id FROM tasks WHERE id = ? AND state = ? AND attempt = ?",
                    rs -> rs.getString(1), taskId, TaskState.Running, attemptNo);
            if (wfId.isEmpty()) return false;
            int n = Sql.update(tx.c, "UPDATE tasks SET progress = ?, progress_message = ?, updated_at = ? "
                    + "WHERE id = ? AND state = ? AND attempt = ?", p, message, tx.now, taskId, TaskState.Running, attemptNo);
            if (n == 0) return false;
            tx.event(wfId.get(), taskId, "task.progress", null, null,
                    Json.MAPPER.createObjectNode().put("percent", p).put("message", message));
            return true;
        });
    }

    /**
     * Ends a run attempt ({@link JdbcStore#completeAttempt}); with {@code leaseOutBefore}, only if its lease ran out
     * before that instant ({@link JdbcStore#takeOverAttempt}). {@code incrementalSettle}: whether a plain success takes
     * {@link Settle#settleCompleted} ({@link JdbcStore#incrementalSettle}).
     */
    boolean completeAttempt(AttemptOutcome outcome, Instant leaseOutBefore, boolean incrementalSettle) {
        TaskState next = Objects.requireNonNull(outcome.next(), "outcome.next");
        if (next == TaskState.RetryWait && outcome.nextAttemptAt() == null)
            throw new IllegalArgumentException("RetryWait needs nextAttemptAt (task " + outcome.taskId() + ")");
        String taskId = outcome.taskId();
        return txs.write("complete attempt " + outcome.attemptNo() + " of task " + taskId, tx -> {
            Connection c = tx.c;
            Optional<TaskInWorkflow> row = settle.lockTaskWorkflow(tx, taskId);
            if (row.isEmpty()) return false;
            String workflowId = row.get().workflowId();
            WfRow wf = row.get().wf();
            TaskState.Running.checkMove(taskId, next);
            Instant nextAt = next == TaskState.RetryWait ? outcome.nextAttemptAt() : null;
            int n = Sql.update(c, "UPDATE tasks SET state = ?, exit_code = ?, result_json = ?, error = ?, "
                            + "stderr_tail = ?, finished_at = ?, next_attempt_at = ?, lease_until = NULL, updated_at = ? "
                            + "WHERE id = ? AND state = ? AND attempt = ?" + (leaseOutBefore == null ? "" : Leases.LEASE_OUT),
                    Leases.withLeaseFence(leaseOutBefore, next, outcome.exitCode(), outcome.result() == null ? null : Json.write(outcome.result()),
                    outcome.error(), outcome.stderrTail(), next.isTerminal() ? tx.now : null, nextAt, tx.now,
                    taskId, TaskState.Running, outcome.attemptNo()));
            if (n == 0) return false; // fenced: someone else ended or re-claimed this task
            if (n > 1) throw new IllegalStateException("completion of task " + taskId + " changed " + n + " rows");
            Sql.update(c, "UPDATE attempts SET state = ?, exit_code = ?, error = ?, stderr_tail = ?, finished_at = ?, "
                            + "pid = COALESCE(pid, ?) WHERE task_id = ? AND attempt_no = ?",
                    next, outcome.exitCode(), outcome.error(), outcome.stderrTail(), tx.now, outcome.pid(), taskId,
                    outcome.attemptNo());
            ObjectNode data = Json.MAPPER.createObjectNode().put("attempt", outcome.attemptNo());
            if (outcome.exitCode() != null) data.put("exitCode", outcome.exitCode());
            if (outcome.error() != null) data.put("error", outcome.error());
            if (nextAt != null) data.put("nextAttemptAt", nextAt.toString());
            tx.event(workflowId, taskId, "task.state", TaskState.Running, next, data);
            if (next == TaskState.Completed && incrementalSettle) settle.settleCompleted(tx, workflowId, wf, taskId);
            else settle.settle(tx, workflowId, wf, false);
            return true;
        });
    }

    boolean saveCheckpoint(String taskId, int attemptNo, JsonNode checkpoint) {
        return txs.write("save checkpoint of task " + taskId, tx -> {
            Optional<String> wfId = Sql.one(tx.c, "SELECT workflow_id FROM tasks WHERE id = ? AND state = ? AND attempt = ?",
                    rs -> rs.getString(1), taskId, TaskState.Running, attemptNo);
            if (wfId.isEmpty()) return false;
            int n = Sql.update(tx.c, "UPDATE tasks SET checkpoint_json = ?, updated_at = ? WHERE id = ? AND state = ? "
                            + "AND attempt = ?", checkpoint == null || checkpoint.isNull() ? null : Json.write(checkpoint), tx.now, taskId,
                    TaskState.Running, attemptNo);
            if (n == 0) return false;
            tx.event(wfId.get(), taskId, "task.checkpoint", null, null, checkpoint);
            return true;
        });
    }

    Optional<Attempt> claimRollback(String taskId, String owner, String runDir) {
        return txs.write("claim rollback of task " + taskId, tx -> {
            Connection c = tx.c;
            record Row(String workflowId, TaskState state, boolean rollbackRunning) {}
            Row row = Sql.one(c, "SELECT workflow_id, state, rollback_running FROM tasks WHERE id = ?",
                            rs -> new Row(rs.getString(1), TaskState.valueOf(rs.getString(2)), rs.getBoolean(3)), taskId)
                    .orElseThrow(() -> StoreErrors.notFound("task", taskId));
            if (row.state() != TaskState.RollingBack || row.rollbackRunning()) return Optional.empty();
            settle.lockWorkflow(tx, row.workflowId());
            int n = Sql.update(c, "UPDATE tasks SET rollback_running = TRUE, attempt = attempt + 1, owner = ?, "
                            + "lease_until = ?, updated_at = ? WHERE id = ? AND state = ? AND rollback_running = FALSE",
                    owner, leases.leaseUntil(tx), tx.now, taskId, TaskState.RollingBack);
            if (n == 0) return Optional.empty();
            if (n > 1) throw new IllegalStateException("rollback claim of task " + taskId + " changed " + n + " rows");
            int attemptNo = Sql.one(c, "SELECT attempt FROM tasks WHERE id = ?", rs -> rs.getInt(1), taskId).orElseThrow();
            Sql.update(c, "INSERT INTO attempts (task_id, attempt_no, state, owner, run_dir, started_at, kind) "
                            + "VALUES (?, ?, ?, ?, ?, ?, 'rollback')",
                    taskId, attemptNo, TaskState.RollingBack, owner, runDir, tx.now);
            tx.event(row.workflowId(), taskId, "task.rollback", null, null,
                    Json.MAPPER.createObjectNode().put("attempt", attemptNo).put("owner", owner));
            return Optional.of(new Attempt(taskId, attemptNo, TaskState.RollingBack, owner, null, runDir, null, null,
                    null, tx.now, null));
        });
    }

    /**
     * Ends a rollback attempt ({@link JdbcStore#completeRollback}); with {@code leaseOutBefore}, only if its lease ran
     * out before that instant ({@link JdbcStore#takeOverRollback}).
     */
    boolean completeRollback(String taskId, int attemptNo, boolean ok, Integer exitCode, String error,
                             String stderrTail, Instant leaseOutBefore) {
        TaskState next = ok ? TaskState.RolledBack : TaskState.RollbackFailed;
        return txs.write("complete rollback " + attemptNo + " of task " + taskId, tx -> {
            Connection c = tx.c;
            Optional<String> wfId = Sql.one(c, "SELECT workflow_id FROM tasks WHERE id = ?", rs -> rs.getString(1), taskId);
            if (wfId.isEmpty()) return false;
            String workflowId = wfId.get();
            WfRow wf = settle.lockWorkflow(tx, workflowId);
            TaskState.RollingBack.checkMove(taskId, next);
            String fence = " WHERE id = ? AND state = ? AND attempt = ? AND rollback_running = TRUE"
                    + (leaseOutBefore == null ? "" : Leases.LEASE_OUT);
            int n = ok
                    ? Sql.update(c, "UPDATE tasks SET state = ?, rollback_running = FALSE, lease_until = NULL, finished_at = ?, "
                                    + "updated_at = ?" + fence,
                            Leases.withLeaseFence(leaseOutBefore, next, tx.now, tx.now, taskId, TaskState.RollingBack, attemptNo))
                    : Sql.update(c, "UPDATE tasks SET state = ?, rollback_running = FALSE, lease_until = NULL, error = ?, exit_code = ?, "
                                    + "stderr_tail = ?, finished_at = ?, updated_at = ?" + fence,
                            Leases.withLeaseFence(leaseOutBefore, next, error, exitCode, stderrTail, tx.now, tx.now, taskId,
                                    TaskState.RollingBack, attemptNo));
            if (n == 0) return false; // fenced: not this rollback attempt
            if (n > 1) throw new IllegalStateException("rollback completion of task " + taskId + " changed " + n + " rows");
            Sql.update(c, "UPDATE attempts SET state = ?, exit_code = ?, error = ?, stderr_tail = ?, finished_at = ? "
                            + "WHERE task_id = ? AND attempt_no = ?",
                    next, exitCode, error, stderrTail, tx.now, taskId, attemptNo);
            ObjectNode data = Json.MAPPER.createObjectNode().put("attempt", attemptNo);
            if (exitCode != null) data.put("exitCode", exitCode);
            if (error != null) data.put("error", error);
            tx.event(workflowId, taskId, "task.state", TaskState.RollingBack, next, data);
            settle.settle(tx, workflowId, wf, false);
            return true;
        });
    }

    int promoteDueRetries(Instant now) {
        boolean any = txs.read(c -> Sql.one(c, "SELECT id FROM tasks WHERE " + stateIs(TaskState.RetryWait) + " AND next_attempt_at <= ? LIMIT 1",
                rs -> rs.getString(1), now).isPresent());
        if (!any) return 0;
        return txs.write("promote due retries", tx -> {
            record Due(String id, String workflowId) {}
            List<Due> due = Sql.query(tx.c, "SELECT id, workflow_id FROM tasks WHERE " + stateIs(TaskState.RetryWait)
                            + " AND next_attempt_at <= ? ORDER BY next_attempt_at, seq",
                    rs -> new Due(rs.getString(1), rs.getString(2)), now);
            TreeSet<String> workflowIds = new TreeSet<>();
            due.forEach(d -> workflowIds.add(d.workflowId()));
            for (String w : workflowIds) settle.lockWorkflow(tx, w);
            // No policy pass needed: a workflow that on_failure stops has no RetryWait task left (the policy skipped
            // them in the transaction that failed the task), and a due retry only changes RetryWait -> Ready.
            int count = 0;
            for (Due d : due) {
                TaskState.RetryWait.checkMove(d.id(), TaskState.Ready);
                int n = Sql.update(tx.c, "UPDATE tasks SET state = ?, next_attempt_at = NULL, updated_at = ? "
                                + "WHERE id = ? AND state = ? AND next_attempt_at <= ?",
                        TaskState.Ready, tx.now, d.id(), TaskState.RetryWait, now);
                if (n == 1) {
                    count++;
                    tx.event(d.workflowId(), d.id(), "task.state", TaskState.RetryWait, TaskState.Ready, null);
                }
            }
            return count;
        });
    }
}
