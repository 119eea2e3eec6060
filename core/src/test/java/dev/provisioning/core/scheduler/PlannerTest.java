package dev.provisioning.core.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.provisioning.core.model.Priority;
import dev.provisioning.core.scheduler.Planner.Candidate;
import dev.provisioning.core.scheduler.Planner.Snapshot;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlannerTest {

    private static Candidate c(String id, Priority p, long seq) {
        return new Candidate(id, "wf-" + (seq % 3), p.weight(), seq);
    }

    @Test
    void priorityWeightsAreOrdered() {
        assertThat(Priority.critical.weight()).isGreaterThan(Priority.high.weight());
        assertThat(Priority.high.weight()).isGreaterThan(Priority.normal.weight());
        assertThat(Priority.normal.weight()).isGreaterThan(Priority.low.weight());
        for (Priority p : Priority.values()) assertThat(Priority.fromWeight(p.weight())).isEqualTo(p);
    }

    @Test
    void highestPriorityFirst() {
        List<Candidate> ready = List.of(
                c("low", Priority.low, 1), c("normal", Priority.normal, 2),
                c("critical", Priority.critical, 3), c("high", Priority.high, 4));
        assertThat(Planner.plan(new Snapshot(ready, 0, 10))).containsExactly("critical", "high", "normal", "low");
    }

    @Test
    void fifoBySeqWithinAPriority() {
        List<Candidate> ready = List.of(
                c("n9", Priority.normal, 9), c("n2", Priority.normal, 2), c("n5", Priority.normal, 5),
                c("n1", Priority.normal, 1));
        assertThat(Planner.plan(new Snapshot(ready, 0, 10))).containsExactly("n1", "n2", "n5", "n9");
    }

    @Test
    void priorityThenSeqAcrossWorkflows() {
        List<Candidate> ready = List.of(
                new Candidate("l1", "w1", Priority.low.weight(), 1),
                new Candidate("h7", "w2", Priority.high.weight(), 7),
                new Candidate("n3", "w1", Priority.normal.weight(), 3),
                new Candidate("h4", "w3", Priority.high.weight(), 4),
                new Candidate("c10", "w2", Priority.critical.weight(), 10),
                new Candidate("n2", "w3", Priority.normal.weight(), 2));
        assertThat(Planner.plan(new Snapshot(ready, 0, 100))).containsExactly("c10", "h4", "h7", "n2", "n3", "l1");
    }

    @Test
    void picksAtMostMaxConcurrentMinusRunning() {
        List<Candidate> ready = List.of(
                c("a", Priority.normal, 1), c("b", Priority.normal, 2), c("c", Priority.high, 3),
                c("d", Priority.low, 4), c("e", Priority.normal, 5));
        assertThat(Planner.plan(new Snapshot(ready, 3, 5))).containsExactly("c", "a");
        assertThat(Planner.plan(new Snapshot(ready, 0, 1))).containsExactly("c");
        assertThat(Planner.plan(new Snapshot(ready, 4, 5))).containsExactly("c");
    }

    @Test
    void takesTheWholeQueueWhenThereIsRoom() {
        List<Candidate> ready = List.of(c("a", Priority.low, 2), c("b", Priority.low, 1));
        assertThat(Planner.plan(new Snapshot(ready, 1, 10))).containsExactly("b", "a");
    }

    @Test
    void nothingWhenFull() {
        List<Candidate> ready = List.of(c("a", Priority.critical, 1));
        assertThat(Planner.plan(new Snapshot(ready, 5, 5))).isEmpty();
        assertThat(Planner.plan(new Snapshot(ready, 7, 5))).isEmpty(); // over the limit after a config change
        assertThat(Planner.plan(new Snapshot(ready, 0, 0))).isEmpty();
    }

    @Test
    void nothingWhenTheQueueIsEmpty() {
        assertThat(Planner.plan(new Snapshot(List.of(), 0, 10))).isEmpty();
    }

    @Test
    void doesNotReorderTheCallersList() {
        List<Candidate> ready = new ArrayList<>(List.of(c("late", Priority.normal, 9), c("early", Priority.normal, 1)));
        List<Candidate> before = List.copyOf(ready);
        assertThat(Planner.plan(new Snapshot(ready, 0, 10))).containsExactly("early", "late");
        assertThat(ready).isEqualTo(before);
        // an unmodifiable snapshot works too
        assertThat(Planner.plan(new Snapshot(List.copyOf(before), 0, 10))).containsExactly("early", "late");
    }
}
