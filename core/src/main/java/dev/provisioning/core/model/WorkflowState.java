package dev.provisioning.core.model;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * States of a workflow, as named by the original design. Derived from its tasks' states by
 * {@link WorkflowStates#derive}; every change is checked against {@link #ALLOWED}.
 *
 * <pre>
 *   Pending ──► Running ──► Completed ──────────────┐
 *      │           │ └────► Failed ──► (resume) Running
 *      │           └──────► Cancelled ─► (resume) Running
 *      └──► Cancelled              Failed|Completed|Cancelled ──► RolledBack
 * </pre>
 */
public enum WorkflowState {
    Pending, Running, Completed, Failed, Cancelled, RolledBack;

    private static final Map<WorkflowState, Set<WorkflowState>> ALLOWED = Map.of(
            Pending, EnumSet.of(Running, Completed, Failed, Cancelled),
            Running, EnumSet.of(Completed, Failed, Cancelled, RolledBack),
            Completed, EnumSet.of(RolledBack, Running),
            Failed, EnumSet.of(Running, RolledBack),
            Cancelled, EnumSet.of(Running, RolledBack),
            RolledBack, EnumSet.noneOf(WorkflowState.class));

    public boolean canMoveTo(WorkflowState next) {
        return ALLOWED.get(this).contains(next);
    }

    public void checkMove(String workflowId, WorkflowState next) {
        if (!canMoveTo(next)) throw new IllegalTransitionException("workflow", workflowId, this, next);
    }

    public boolean isTerminal() {
        return this != Pending && this != Running;
    }
}
