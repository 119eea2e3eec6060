package dev.provisioning.store;

import static dev.provisioning.store.Rows.stateIs;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioning.core.model.Json;
import dev.provisioning.core.model.TaskState;
import dev.provisioning.core.model.WorkflowState;
import dev.provisioning.store.Settle.TaskRow;
import dev.provisioning.store.Settle.WfRow;
import java.util.ArrayList;
import java.util.List;

/**
 * The control operations of {@link JdbcStore}, each one write transaction on a locked workflow that ends with the
 * policy pass: cancel, resume and roll back a workflow. What each one does is documented on {@link JdbcStore}'s method
 * of the same name.
 */
record Control(Transactions txs, Settle settle) {
    List<String> cancelWorkflow(String workflowId) {
        return txs.write("cancel workflow " + workflowId, tx -> {
            WfRow wf = settle.lockWorkflow(tx, workflowId);
            if (wf.state().isTerminal())
                throw StoreErrors.conflict(workflowId, "workflow " + workflowId + " is already " + wf.state() + "; only a Pending "
                        + "or Running workflow can be cancelled");
            List<String> running = new ArrayList<>();
            List<String> cancelled = new ArrayList<>();
            for (TaskRow t : Settle.taskRows(tx, workflowId)) {
                switch (t.state()) {
                    case Pending, Ready, RetryWait -> {
                        settle.moveTask(tx, workflowId, t.id(), t.state(), TaskState.Cancelled);
                        cancelled.add(t.id());
                    }
                    case Running -> running.add(t.id());
                    default -> { }
                }
            }
            // The daemons that run them stop them: this one at once, the others when they next renew their leases
            if (!running.isEmpty())
                Sql.update(tx.c, "UPDATE tasks SET cancel_requested = TRUE WHERE workflow_id = ? AND "
                        + stateIs(TaskState.Running), workflowId);
            ObjectNode data = Json.MAPPER.createObjectNode();
            cancelled.forEach(data.putArray("cancelled")::add);
            running.forEach(data.putArray("running")::add);
            tx.event(workflowId, null, "workflow.cancel", null, null, data);
            settle.settle(tx, workflowId, wf, false);
            return running;
        });
    }

    void resumeWorkflow(String workflowId) {
        txs.write("resume workflow " + workflowId, tx -> {
            WfRow wf = settle.lockWorkflow(tx, workflowId);
            if (wf.state() != WorkflowState.Failed && wf.state() != WorkflowState.Cancelled)
                throw StoreErrors.conflict(workflowId, "workflow " + workflowId + " is " + wf.state()
                        + "; only a Failed or Cancelled workflow can be resumed");
            List<TaskRow> rows = Settle.taskRows(tx, workflowId);
            for (TaskRow t : rows)
                if (t.state() == TaskState.RollingBack || t.state() == TaskState.RolledBack
                        || t.state() == TaskState.RollbackFailed)
                    throw StoreErrors.conflict(workflowId, "workflow " + workflowId + " has been rolled back (task " + t.id()
                            + " is " + t.state() + "); a rolled-back workflow cannot be resumed, submit it again");
            for (TaskRow t : rows) {
                if (t.state() != TaskState.Failed && t.state() != TaskState.Cancelled && t.state() != TaskState.Skipped)
                    continue;
                t.state().checkMove(t.id(), TaskState.Pending);
                int n = Sql.update(tx.c, "UPDATE tasks SET state = ?, attempt_base = attempt, error = NULL, "
                                + "exit_code = NULL, result_json = NULL, stderr_tail = NULL, next_attempt_at = NULL, "
                                + "finished_at = NULL, progress = 0, progress_message = NULL, lease_until = NULL, "
                                + "updated_at = ? WHERE id = ? AND state = ?",
                        TaskState.Pending, tx.now, t.id(), t.state());
                if (n != 1) throw new IllegalStateException("task " + t.id() + " was not " + t.state() + " (" + n + " rows)");
                tx.event(workflowId, t.id(), "task.state", t.state(), TaskState.Pending,
                        Json.MAPPER.createObjectNode().put("attemptBase", t.attempt()));
            }
            settle.moveWorkflow(tx, workflowId, wf.state(), WorkflowState.Running);
            settle.settle(tx, workflowId, new WfRow(WorkflowState.Running, wf.onFailure()), false);
            return null;
        });
    }

    void rollbackWorkflow(String workflowId) {
        txs.write("roll back workflow " + workflowId, tx -> {
            WfRow wf = settle.lockWorkflow(tx, workflowId);
            if (wf.state() != WorkflowState.Completed && wf.state() != WorkflowState.Failed
                    && wf.state() != WorkflowState.Cancelled)
                throw StoreErrors.conflict(workflowId, "workflow " + workflowId + " is " + wf.state()
                        + "; only a Completed, Failed or Cancelled workflow can be rolled back");
            List<TaskRow> rows = Settle.taskRows(tx, workflowId);
            for (TaskRow t : rows)
                if (t.state() == TaskState.Running || t.rollbackRunning())
                    throw StoreErrors.conflict(workflowId, "workflow " + workflowId + " still runs task " + t.id()
                            + "; wait for it to end, then roll back");
            List<String> retried = new ArrayList<>();
            for (TaskRow t : rows) {
                if (t.state() != TaskState.RollbackFailed) continue;
                TaskState.RollbackFailed.checkMove(t.id(), TaskState.RollingBack);
                int n = Sql.update(tx.c, "UPDATE tasks SET state = ?, error = NULL, exit_code = NULL, stderr_tail = NULL, "
                                + "finished_at = NULL, updated_at = ? WHERE id = ? AND state = ?",
                        TaskState.RollingBack, tx.now, t.id(), TaskState.RollbackFailed);
                if (n != 1) throw new IllegalStateException("task " + t.id() + " was not RollbackFailed (" + n + " rows)");
                tx.event(workflowId, t.id(), "task.state", TaskState.RollbackFailed, TaskState.RollingBack, null);
                retried.add(t.id());
            }
            ObjectNode data = Json.MAPPER.createObjectNode();
            retried.forEach(data.putArray("retried")::add);
            tx.event(workflowId, null, "workflow.rollback", null, null, data);
            settle.settle(tx, workflowId, wf, true);
            return null;
        });
    }
}
