package dev.provisioning.core.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.provisioning.core.scheduler.Planner.Candidate;
import dev.provisioning.core.scheduler.Planner.Snapshot;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PlannerLimitsTest {
    static final Instant NOW = Instant.parse("2026-01-01T00:10:00Z");

    static Candidate c(String id, String wf, int weight, long seq, Duration waited, String... pools) {
        return new Candidate(id, wf, weight, seq, NOW.minus(waited), List.of(pools));
    }

    @Test
    void parallelLimitCountsWhatAlreadyRunsAndWhatThisPlanStarts() {
        List<Candidate> ready = List.of(c("a1", "A", 1, 1, Duration.ZERO), c("a2", "A", 1, 2, Duration.ZERO),
                c("a3", "A", 1, 3, Duration.ZERO), c("b1", "B", 1, 4, Duration.ZERO));
        Snapshot s = new Snapshot(ready, 1, 10, Map.of("A", 1), Map.of("A", 2), Map.of(), Map.of(), NOW, null);
        assertThat(Planner.plan(s)).containsExactly("a1", "b1");
    }

    @Test
    void poolsCapAcrossWorkflowsAndATaskNeedsEveryPoolItNames() {
        List<Candidate> ready = List.of(c("x", "A", 3, 1, Duration.ZERO, "cloud", "dns"), c("y", "B", 2, 2, Duration.ZERO, "cloud"),
                c("z", "C", 1, 3, Duration.ZERO, "dns"), c("free", "D", 0, 4, Duration.ZERO));
        Snapshot s = new Snapshot(ready, 0, 10, Map.of(), Map.of(), Map.of("cloud", 1), Map.of("cloud", 2, "dns", 1), NOW, null);
        // cloud has 1 of 2 slots in use: x takes the last; y must wait; dns is then full for z
        assertThat(Planner.plan(s)).containsExactly("x", "free");
    }

    @Test
    void agingLetsLongWaitingLowPriorityWorkOvertake() {
        List<Candidate> ready = List.of(c("critical-new", "A", 3, 2, Duration.ZERO), c("low-old", "B", 0, 1, Duration.ofMinutes(5)));
        Snapshot aged = new Snapshot(ready, 0, 1, Map.of(), Map.of(), Map.of(), Map.of(), NOW, Duration.ofMinutes(1));
        assertThat(Planner.plan(aged)).containsExactly("low-old");
        Snapshot notAged = new Snapshot(ready, 0, 1, Map.of(), Map.of(), Map.of(), Map.of(), NOW, null);
        assertThat(Planner.plan(notAged)).containsExactly("critical-new");
        Snapshot slowAging = new Snapshot(ready, 0, 1, Map.of(), Map.of(), Map.of(), Map.of(), NOW, Duration.ofMinutes(2));
        assertThat(Planner.plan(slowAging)).as("5 min at 2 min per level: low(0)+2 < critical(3)").containsExactly("critical-new");
    }
}
