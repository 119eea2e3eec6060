package dev.provisioning.core.dag;

import static org.assertj.core.api.Assertions.assertThat;

import dev.provisioning.core.dag.Promotion.Change;
import dev.provisioning.core.dag.WorkflowPolicy.TaskView;
import dev.provisioning.core.model.DependencyKind;
import dev.provisioning.core.model.NewTask.Dependency;
import dev.provisioning.core.model.NewWorkflow.OnFailure;
import dev.provisioning.core.model.TaskState;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WorkflowPolicyTest {
    static Map<String, List<Dependency>> chain() {
        // net <- server <- app ; other (independent)
        return Map.of("server", List.of(new Dependency("net", DependencyKind.hard)),
                "app", List.of(new Dependency("server", DependencyKind.hard)));
    }

    static Map<String, TaskView> views(Object... kv) {
        Map<String, TaskView> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 3) m.put((String) kv[i], new TaskView((TaskState) kv[i + 1], (Boolean) kv[i + 2]));
        return m;
    }

    @Test
    void continueOnlyPromotesAndSkipsDependents() {
        List<Change> ch = WorkflowPolicy.apply(OnFailure.CONTINUE, views("net", TaskState.Failed, false, "server", TaskState.Pending, false,
                "app", TaskState.Pending, false, "other", TaskState.Ready, false), chain(), false);
        assertThat(ch).containsExactlyInAnyOrder(new Change("server", TaskState.Pending, TaskState.Skipped),
                new Change("app", TaskState.Pending, TaskState.Skipped));
    }

    @Test
    void failSkipsEverythingNotStartedButLeavesRunningWork() {
        List<Change> ch = WorkflowPolicy.apply(OnFailure.FAIL, views("net", TaskState.Failed, false, "other", TaskState.Ready, false,
                "retrying", TaskState.RetryWait, false, "busy", TaskState.Running, false), Map.of(), false);
        assertThat(ch).containsExactlyInAnyOrder(new Change("other", TaskState.Ready, TaskState.Skipped),
                new Change("retrying", TaskState.RetryWait, TaskState.Skipped));
    }

    @Test
    void rollbackWaitsForRunningWorkThenUndoesCompletedTasks() {
        Map<String, TaskView> running = views("net", TaskState.Completed, true, "server", TaskState.Failed, true, "busy", TaskState.Running, true);
        assertThat(WorkflowPolicy.apply(OnFailure.ROLLBACK, running, Map.of(), false)).isEmpty();

        Map<String, TaskView> settled = views("net", TaskState.Completed, true, "dns", TaskState.Completed, false, "server", TaskState.Failed, true);
        assertThat(WorkflowPolicy.apply(OnFailure.ROLLBACK, settled, Map.of(), false)).containsExactlyInAnyOrder(
                new Change("net", TaskState.Completed, TaskState.RollingBack),
                new Change("dns", TaskState.Completed, TaskState.RollingBack),
                new Change("dns", TaskState.RollingBack, TaskState.RolledBack));
    }

    @Test
    void requestedRollbackOfACompletedWorkflow() {
        List<Change> ch = WorkflowPolicy.apply(OnFailure.FAIL, views("net", TaskState.Completed, true, "server", TaskState.Completed, true), chain(), true);
        assertThat(ch).extracting(Change::to).containsOnly(TaskState.RollingBack);
    }

    @Test
    void rollbackRunsInReverseDependencyOrder() {
        Map<String, TaskState> states = Map.of("net", TaskState.RollingBack, "server", TaskState.RollingBack, "app", TaskState.RolledBack);
        assertThat(WorkflowPolicy.rollbackReady("server", states, chain())).isTrue();
        assertThat(WorkflowPolicy.rollbackReady("net", states, chain())).as("server still to undo").isFalse();
        Map<String, TaskState> later = Map.of("net", TaskState.RollingBack, "server", TaskState.RollbackFailed, "app", TaskState.RolledBack);
        assertThat(WorkflowPolicy.rollbackReady("net", later, chain())).isTrue();
        assertThat(WorkflowPolicy.rollbackReady("app", later, chain())).as("not RollingBack").isFalse();
    }
}
