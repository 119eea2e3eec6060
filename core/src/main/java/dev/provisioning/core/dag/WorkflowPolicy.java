package dev.provisioning.core.dag;

import dev.provisioning.core.dag.Promotion.Change;
import dev.provisioning.core.model.NewTask.Dependency;
import dev.provisioning.core.model.NewWorkflow.OnFailure;
import dev.provisioning.core.model.TaskState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Pure: everything that follows, inside one transaction, from a change to a workflow's tasks. The store loads
 * the workflow's task states and dependencies, calls {@link #apply}, and writes each returned change (with its
 * event) in the same transaction.
 *
 * <ol>
 *   <li>Promotion ({@link Promotion}): Pending tasks become Ready or Skipped.</li>
 *   <li>{@code on_failure = fail | rollback}: once a task has Failed, nothing new starts: Pending, Ready and
 *       RetryWait tasks are Skipped; Running ones finish.</li>
 *   <li>Rollback ({@code on_failure = rollback} after a failure, or on request): once nothing runs, every
 *       Completed task moves to RollingBack; one without a rollback action moves straight on to RolledBack.
 *       The scheduler then runs the rollback actions in reverse dependency order ({@link #rollbackReady}).</li>
 * </ol>
 * {@code continue} only promotes: whatever does not depend on the failure runs on.
 */
public final class WorkflowPolicy {
    private WorkflowPolicy() {}

    private static final Set<TaskState> NOT_STARTED = Set.of(TaskState.Pending, TaskState.Ready, TaskState.RetryWait);

    /** One task as the policy sees it. */
    public record TaskView(TaskState state, boolean hasRollback) {}

    public static List<Change> apply(OnFailure onFailure, Map<String, TaskView> tasks, Map<String, List<Dependency>> deps,
                                     boolean rollbackRequested) {
        Map<String, TaskState> cur = new java.util.LinkedHashMap<>();
        tasks.forEach((id, t) -> cur.put(id, t.state()));
        List<Change> changes = new ArrayList<>(Promotion.compute(cur, deps));
        changes.forEach(c -> cur.put(c.taskId(), c.to()));

        boolean failed = cur.containsValue(TaskState.Failed);
        boolean halting = failed && onFailure != OnFailure.CONTINUE;
        if (halting || rollbackRequested) {
            for (Map.Entry<String, TaskState> e : cur.entrySet()) {
                if (NOT_STARTED.contains(e.getValue())) {
                    changes.add(new Change(e.getKey(), e.getValue(), TaskState.Skipped));
                    e.setValue(TaskState.Skipped);
                }
            }
        }
        boolean rollback = rollbackRequested || (failed && onFailure == OnFailure.ROLLBACK);
        if (rollback && !cur.containsValue(TaskState.Running)) {
            for (Map.Entry<String, TaskState> e : cur.entrySet()) {
                if (e.getValue() != TaskState.Completed) continue;
                changes.add(new Change(e.getKey(), TaskState.Completed, TaskState.RollingBack));
                if (tasks.get(e.getKey()).hasRollback()) {
                    e.setValue(TaskState.RollingBack);
                } else {
                    changes.add(new Change(e.getKey(), TaskState.RollingBack, TaskState.RolledBack));
                    e.setValue(TaskState.RolledBack);
                }
            }
        }
        return changes;
    }

    /**
     * Whether a RollingBack task may run its rollback now: every task that depends on it has been undone already
     * (none of them is Completed or RollingBack), so undo runs in reverse dependency order.
     */
    public static boolean rollbackReady(String taskId, Map<String, TaskState> states, Map<String, List<Dependency>> deps) {
        if (states.get(taskId) != TaskState.RollingBack) return false;
        for (Map.Entry<String, List<Dependency>> e : deps.entrySet()) {
            boolean dependent = e.getValue().stream().anyMatch(d -> d.taskId().equals(taskId));
            if (!dependent) continue;
            TaskState s = states.get(e.getKey());
            if (s == TaskState.Completed || s == TaskState.RollingBack) return false;
        }
        return true;
    }
}
