package dev.provisioning.core.model;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * States of a task. Every allowed change is listed in {@link #ALLOWED}; anything else throws
 * {@link IllegalTransitionException}.
 *
 * <pre>
 *                 deps done                claim              exit 0
 *   Pending ─────────────────► Ready ───────────────► Running ─────────► Completed ──► RollingBack ──► RolledBack
 *     │  ▲                      │ ▲                     │  │                                  └────► RollbackFailed
 *     │  │ resume               │ │ next_attempt_at     │  │ exit≠0, attempts left
 *     │  │                      │ └──────────────── RetryWait ◄┘
 *     │  │                      │                       │ exit≠0, no attempts left / timeout
 *     │  └──── Failed ◄─────────┼───────────────────────┘ (also RetryWait ─► Failed)
 *     │  └──── Cancelled ◄──────┴── (cancel: from Pending, Ready, Running, RetryWait)
 *     └──────► Skipped  (a hard dependency failed, was cancelled or skipped; or on_failure stopped the
 *                         workflow: Pending, Ready and RetryWait tasks are skipped)
 * </pre>
 */
public enum TaskState {
    Pending, Ready, Running, RetryWait, Completed, Failed, Cancelled, Skipped, RollingBack, RolledBack, RollbackFailed;

    private static final Map<TaskState, Set<TaskState>> ALLOWED = Map.ofEntries(
            Map.entry(Pending, EnumSet.of(Ready, Skipped, Cancelled)),
            Map.entry(Ready, EnumSet.of(Running, Skipped, Cancelled)),
            Map.entry(Running, EnumSet.of(Completed, Failed, RetryWait, Cancelled)),
            Map.entry(RetryWait, EnumSet.of(Ready, Failed, Cancelled, Skipped)),
            Map.entry(Completed, EnumSet.of(RollingBack)),
            Map.entry(Failed, EnumSet.of(Pending)),
            Map.entry(Cancelled, EnumSet.of(Pending)),
            Map.entry(Skipped, EnumSet.of(Pending)),
            Map.entry(RollingBack, EnumSet.of(RolledBack, RollbackFailed)),
            Map.entry(RolledBack, EnumSet.noneOf(TaskState.class)),
            Map.entry(RollbackFailed, EnumSet.of(RollingBack)));

    public boolean canMoveTo(TaskState next) {
        return ALLOWED.get(this).contains(next);
    }

    /** Throws unless {@code this -> next} is allowed. */
    public void checkMove(String taskId, TaskState next) {
        if (!canMoveTo(next)) throw new IllegalTransitionException("task", taskId, this, next);
    }

    /** A state in which the task will not run again without a resume or rollback. */
    public boolean isTerminal() {
        return this == Completed || this == Failed || this == Cancelled || this == Skipped
                || this == RolledBack || this == RollbackFailed;
    }

    /** The set of states that may move to {@code next}, for conditional SQL updates. */
    public static Set<TaskState> sourcesOf(TaskState next) {
        EnumSet<TaskState> s = EnumSet.noneOf(TaskState.class);
        for (TaskState t : values()) if (t.canMoveTo(next)) s.add(t);
        return s;
    }
}
