package dev.provisioning.core.dag;

import static dev.provisioning.core.model.TaskState.Cancelled;
import static dev.provisioning.core.model.TaskState.Completed;
import static dev.provisioning.core.model.TaskState.Failed;
import static dev.provisioning.core.model.TaskState.Pending;
import static dev.provisioning.core.model.TaskState.Ready;
import static dev.provisioning.core.model.TaskState.RetryWait;
import static dev.provisioning.core.model.TaskState.Running;
import static dev.provisioning.core.model.TaskState.Skipped;
import static org.assertj.core.api.Assertions.assertThat;

import dev.provisioning.core.dag.Promotion.Change;
import dev.provisioning.core.model.DependencyKind;
import dev.provisioning.core.model.NewTask.Dependency;
import dev.provisioning.core.model.TaskState;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class PromotionTest {

    private static Dependency hard(String id) { return new Dependency(id, DependencyKind.hard); }

    private static Dependency soft(String id) { return new Dependency(id, DependencyKind.soft); }

    private static Change change(String id, TaskState to) { return new Change(id, Pending, to); }

    private static List<Change> compute(Map<String, TaskState> states, Map<String, List<Dependency>> deps) {
        List<Change> changes = Promotion.compute(states, deps);
        // Whatever the case, every change starts from Pending and is a legal move.
        assertThat(changes).allSatisfy(c -> {
            assertThat(c.from()).isEqualTo(Pending);
            assertThat(states.get(c.taskId())).isEqualTo(Pending);
            assertThat(c.from().canMoveTo(c.to())).isTrue();
        });
        assertThat(changes.stream().map(Change::taskId)).doesNotHaveDuplicates();
        return changes;
    }

    @Test
    void taskWithoutDependenciesBecomesReady() {
        assertThat(compute(Map.of("a", Pending), Map.of())).containsExactly(change("a", Ready));
    }

    @ParameterizedTest
    @EnumSource(value = TaskState.class, names = {"Pending", "Ready", "Running", "RetryWait"})
    void hardDependencyNotYetEndedKeepsTheTaskWaiting(TaskState dep) {
        assertThat(compute(Map.of("a", dep, "b", Pending), Map.of("b", List.of(hard("a")))))
                .doesNotContain(change("b", Ready), change("b", Skipped))
                .allSatisfy(c -> assertThat(c.taskId()).isEqualTo("a")); // only a itself may be promoted
    }

    @Test
    void hardDependencyIsReadyOnlyWhenCompleted() {
        assertThat(compute(Map.of("a", Completed, "b", Pending), Map.of("b", List.of(hard("a")))))
                .containsExactly(change("b", Ready));
    }

    @ParameterizedTest
    @EnumSource(value = TaskState.class, names = {"Failed", "Cancelled", "Skipped", "RollingBack", "RolledBack", "RollbackFailed"})
    void hardDependencyThatCanNoLongerCompleteSkipsTheTask(TaskState dep) {
        assertThat(compute(Map.of("a", dep, "b", Pending), Map.of("b", List.of(hard("a")))))
                .containsExactly(change("b", Skipped));
    }

    @Test
    void failedHardDependencySkipsDependentsTransitively() {
        // a -> b -> c -> d (each depends on the previous one)
        Map<String, TaskState> states = new LinkedHashMap<>();
        states.put("d", Pending);
        states.put("c", Pending);
        states.put("b", Pending);
        states.put("a", Failed);
        Map<String, List<Dependency>> deps = Map.of("b", List.of(hard("a")), "c", List.of(hard("b")), "d", List.of(hard("c")));
        assertThat(compute(states, deps))
                .containsExactlyInAnyOrder(change("b", Skipped), change("c", Skipped), change("d", Skipped));
    }

    @Test
    void chainOfThreeWithAFailedHead() {
        Map<String, TaskState> states = Map.of("a", Failed, "b", Pending, "c", Pending);
        Map<String, List<Dependency>> deps = Map.of("b", List.of(hard("a")), "c", List.of(hard("b")));
        assertThat(compute(states, deps)).containsExactlyInAnyOrder(change("b", Skipped), change("c", Skipped));
    }

    @Test
    void completedHeadPromotesOnlyTheNextLinkOfAChain() {
        Map<String, TaskState> states = Map.of("a", Completed, "b", Pending, "c", Pending);
        Map<String, List<Dependency>> deps = Map.of("b", List.of(hard("a")), "c", List.of(hard("b")));
        // b becomes Ready, not Completed: c must keep waiting.
        assertThat(compute(states, deps)).containsExactly(change("b", Ready));
    }

    @ParameterizedTest
    @EnumSource(value = TaskState.class, names = {"Completed", "Failed", "Cancelled", "Skipped", "RolledBack", "RollbackFailed"})
    void softDependencyBecomesReadyOnceTheDependencyEndedWhateverTheOutcome(TaskState dep) {
        assertThat(compute(Map.of("a", dep, "b", Pending), Map.of("b", List.of(soft("a")))))
                .containsExactly(change("b", Ready));
    }

    @ParameterizedTest
    @EnumSource(value = TaskState.class, names = {"Ready", "Running", "RetryWait", "RollingBack"})
    void softDependencyStillRunningKeepsTheTaskWaiting(TaskState dep) {
        assertThat(compute(Map.of("a", dep, "b", Pending), Map.of("b", List.of(soft("a"))))).isEmpty();
    }

    @Test
    void softDependencyOnASkippedChainBecomesReady() {
        // a failed -> b (hard) skipped -> cleanup (soft on b) runs anyway
        Map<String, TaskState> states = Map.of("a", Failed, "b", Pending, "cleanup", Pending);
        Map<String, List<Dependency>> deps = Map.of("b", List.of(hard("a")), "cleanup", List.of(soft("b")));
        assertThat(compute(states, deps)).containsExactlyInAnyOrder(change("b", Skipped), change("cleanup", Ready));
    }

    @Test
    void diamond() {
        //      a
        //     / \
        //    b   c
        //     \ /
        //      d
        Map<String, List<Dependency>> deps = Map.of(
                "b", List.of(hard("a")), "c", List.of(hard("a")), "d", List.of(hard("b"), hard("c")));

        assertThat(compute(Map.of("a", Pending, "b", Pending, "c", Pending, "d", Pending), deps))
                .containsExactly(change("a", Ready));
        assertThat(compute(Map.of("a", Completed, "b", Pending, "c", Pending, "d", Pending), deps))
                .containsExactlyInAnyOrder(change("b", Ready), change("c", Ready));
        assertThat(compute(Map.of("a", Completed, "b", Completed, "c", Running, "d", Pending), deps)).isEmpty();
        assertThat(compute(Map.of("a", Completed, "b", Completed, "c", Completed, "d", Pending), deps))
                .containsExactly(change("d", Ready));
        // one branch failed: d can never run, even though the other branch is still running
        assertThat(compute(Map.of("a", Completed, "b", Running, "c", Failed, "d", Pending), deps))
                .containsExactly(change("d", Skipped));
        // the head failed: everything below is skipped
        assertThat(compute(Map.of("a", Failed, "b", Pending, "c", Pending, "d", Pending), deps))
                .containsExactlyInAnyOrder(change("b", Skipped), change("c", Skipped), change("d", Skipped));
    }

    @Test
    void mixedHardAndSoftDependencies() {
        Map<String, List<Dependency>> deps = Map.of("d", List.of(hard("b"), soft("c")));
        assertThat(compute(Map.of("b", Completed, "c", Failed, "d", Pending), deps)).containsExactly(change("d", Ready));
        assertThat(compute(Map.of("b", Completed, "c", Running, "d", Pending), deps)).isEmpty();
        assertThat(compute(Map.of("b", Failed, "c", Running, "d", Pending), deps)).containsExactly(change("d", Skipped));
    }

    @Test
    void dependenciesOutsideTheMapCountAsCompleted() {
        // e.g. a task of an earlier, already-completed batch that is not part of this snapshot
        assertThat(compute(Map.of("b", Pending), Map.of("b", List.of(hard("elsewhere")))))
                .containsExactly(change("b", Ready));
        assertThat(compute(Map.of("b", Pending), Map.of("b", List.of(soft("elsewhere"), hard("also-elsewhere")))))
                .containsExactly(change("b", Ready));
        assertThat(compute(Map.of("a", Running, "b", Pending), Map.of("b", List.of(hard("elsewhere"), hard("a")))))
                .isEmpty();
    }

    @Test
    void nothingChangesWhenNothingIsDue() {
        assertThat(compute(Map.of(), Map.of())).isEmpty();
        assertThat(compute(Map.of("a", Running, "b", Ready, "c", Completed, "d", Failed), Map.of())).isEmpty();
        assertThat(compute(Map.of("a", Running, "b", Pending, "c", Pending),
                Map.of("b", List.of(hard("a")), "c", List.of(hard("b"), soft("a"))))).isEmpty();
        assertThat(compute(Map.of("a", RetryWait, "b", Pending), Map.of("b", List.of(hard("a"))))).isEmpty();
    }

    @Test
    void onlyPendingTasksAreTouched() {
        // b is already Ready (claimed soon) and c already Running: a later failure of a does not move them.
        Map<String, TaskState> states = Map.of("a", Failed, "b", Ready, "c", Running, "x", Cancelled);
        Map<String, List<Dependency>> deps = Map.of("b", List.of(hard("a")), "c", List.of(hard("a")), "x", List.of(hard("a")));
        assertThat(compute(states, deps)).isEmpty();
    }

    @Test
    void inputMapsAreNotModified() {
        Map<String, TaskState> states = new LinkedHashMap<>(Map.of("a", Completed, "b", Pending));
        List<Change> changes = compute(states, Map.of("b", List.of(hard("a"))));
        assertThat(changes).containsExactly(change("b", Ready));
        assertThat(states).containsEntry("b", Pending);
    }
}
