package dev.provisioning.core.model;

import java.util.Collection;

/** Pure derivation of a workflow's state from its tasks' states. */
public final class WorkflowStates {
    private WorkflowStates() {}

    /**
     * Pending while no task has started; Running while any task is not terminal; once all are terminal:
     * RolledBack if some task was rolled back and none is left Completed or RollbackFailed, else Cancelled if any
     * was cancelled, Failed if any failed, was skipped or its rollback failed, else Completed.
     */
    public static WorkflowState derive(Collection<TaskState> tasks) {
        if (tasks.isEmpty()) return WorkflowState.Completed;
        boolean started = false, allTerminal = true, cancelled = false, failed = false, rolledBack = false;
        for (TaskState t : tasks) {
            if (t != TaskState.Pending && t != TaskState.Ready) started = true;
            if (!t.isTerminal()) allTerminal = false;
            switch (t) {
                case Cancelled -> cancelled = true;
                case Failed, Skipped, RollbackFailed -> failed = true;
                case RolledBack -> rolledBack = true;
                default -> { }
            }
        }
        if (!allTerminal) return started ? WorkflowState.Running : WorkflowState.Pending;
        if (rolledBack && tasks.stream().noneMatch(t -> t == TaskState.Completed || t == TaskState.RollbackFailed))
            return WorkflowState.RolledBack;
        if (cancelled) return WorkflowState.Cancelled;
        if (failed) return WorkflowState.Failed;
        return WorkflowState.Completed;
    }
}
