package dev.provisioning.core.model;

import static dev.provisioning.core.model.TaskState.Cancelled;
import static dev.provisioning.core.model.TaskState.Completed;
import static dev.provisioning.core.model.TaskState.Failed;
import static dev.provisioning.core.model.TaskState.Pending;
import static dev.provisioning.core.model.TaskState.Ready;
import static dev.provisioning.core.model.TaskState.RetryWait;
import static dev.provisioning.core.model.TaskState.RollbackFailed;
import static dev.provisioning.core.model.TaskState.RolledBack;
import static dev.provisioning.core.model.TaskState.RollingBack;
import static dev.provisioning.core.model.TaskState.Running;
import static dev.provisioning.core.model.TaskState.Skipped;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WorkflowStatesTest {

    private static WorkflowState derive(TaskState... states) {
        return WorkflowStates.derive(List.of(states));
    }

    @Test
    void emptyWorkflowIsCompleted() {
        assertThat(WorkflowStates.derive(List.of())).isEqualTo(WorkflowState.Completed);
        assertThat(WorkflowStates.derive(Set.of())).isEqualTo(WorkflowState.Completed);
    }

    @Test
    void pendingWhileNoTaskHasStarted() {
        assertThat(derive(Pending)).isEqualTo(WorkflowState.Pending);
        assertThat(derive(Pending, Pending, Pending)).isEqualTo(WorkflowState.Pending);
        assertThat(derive(Ready, Pending)).isEqualTo(WorkflowState.Pending);
        assertThat(derive(Ready, Ready)).isEqualTo(WorkflowState.Pending);
    }

    @Test
    void runningWhileAnyTaskIsNotTerminalAndSomethingStarted() {
        assertThat(derive(Running)).isEqualTo(WorkflowState.Running);
        assertThat(derive(Running, Pending)).isEqualTo(WorkflowState.Running);
        assertThat(derive(Completed, Pending)).isEqualTo(WorkflowState.Running);
        assertThat(derive(Completed, Ready)).isEqualTo(WorkflowState.Running);
        assertThat(derive(RetryWait, Completed)).isEqualTo(WorkflowState.Running);
        assertThat(derive(RetryWait)).isEqualTo(WorkflowState.Running);
        // on_failure = continue: a failed task does not end the workflow while others still have work
        assertThat(derive(Failed, Running)).isEqualTo(WorkflowState.Running);
        assertThat(derive(Cancelled, Running)).isEqualTo(WorkflowState.Running);
        // a rollback in progress
        assertThat(derive(RollingBack, Failed)).isEqualTo(WorkflowState.Running);
        assertThat(derive(RolledBack, RollingBack)).isEqualTo(WorkflowState.Running);
    }

    @Test
    void completedWhenEveryTaskCompleted() {
        assertThat(derive(Completed)).isEqualTo(WorkflowState.Completed);
        assertThat(derive(Completed, Completed, Completed)).isEqualTo(WorkflowState.Completed);
    }

    @Test
    void failedWhenAnyTaskFailedWasSkippedOrItsRollbackFailed() {
        assertThat(derive(Failed)).isEqualTo(WorkflowState.Failed);
        assertThat(derive(Completed, Failed)).isEqualTo(WorkflowState.Failed);
        assertThat(derive(Completed, Failed, Skipped, Skipped)).isEqualTo(WorkflowState.Failed);
        assertThat(derive(Completed, Skipped)).isEqualTo(WorkflowState.Failed);
        assertThat(derive(Skipped)).isEqualTo(WorkflowState.Failed);
        assertThat(derive(RolledBack, RollbackFailed, Failed)).isEqualTo(WorkflowState.Failed);
        assertThat(derive(RollbackFailed)).isEqualTo(WorkflowState.Failed);
    }

    @Test
    void cancelledWhenAnyTaskWasCancelledEvenIfOthersFailed() {
        assertThat(derive(Cancelled)).isEqualTo(WorkflowState.Cancelled);
        assertThat(derive(Completed, Cancelled)).isEqualTo(WorkflowState.Cancelled);
        assertThat(derive(Cancelled, Failed, Skipped)).isEqualTo(WorkflowState.Cancelled);
    }

    @Test
    void rolledBackWhenEveryCompletedTaskWasRolledBack() {
        assertThat(derive(RolledBack)).isEqualTo(WorkflowState.RolledBack);
        assertThat(derive(RolledBack, RolledBack)).isEqualTo(WorkflowState.RolledBack);
        // the task that failed and the ones it skipped stay as they are; the completed work was undone
        assertThat(derive(RolledBack, Failed, Skipped)).isEqualTo(WorkflowState.RolledBack);
    }

    @Test
    void derivedStatesAreReachableThroughTheWorkflowTable() {
        // The store moves a workflow from its current state to the derived one; the usual life cycle is legal.
        assertThat(WorkflowState.Pending.canMoveTo(derive(Running, Pending))).isTrue();
        assertThat(WorkflowState.Running.canMoveTo(derive(Completed, Completed))).isTrue();
        assertThat(WorkflowState.Running.canMoveTo(derive(Completed, Failed, Skipped))).isTrue();
        assertThat(WorkflowState.Running.canMoveTo(derive(Cancelled, Completed))).isTrue();
        assertThat(WorkflowState.Failed.canMoveTo(derive(RollingBack, Failed))).isTrue();
        assertThat(WorkflowState.Running.canMoveTo(derive(RolledBack, Failed))).isTrue();
    }
    @Test
    void cancelledWorkflowWhoseCompletedTasksWereRolledBackIsRolledBack() {
        assertThat(derive(RolledBack, Cancelled)).isEqualTo(WorkflowState.RolledBack);
        assertThat(derive(RolledBack, Cancelled, Skipped)).isEqualTo(WorkflowState.RolledBack);
    }
}
