package dev.provisioning.core.scheduler;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The pure scheduling decision: a snapshot of the ready queue and of what runs goes in, the list of tasks to
 * start comes out. No I/O, no clock, no threads; tests feed a snapshot and assert on the plan.
 *
 * <p>Order: highest priority first, then submission order ({@code seq}). At most
 * {@code maxConcurrent - running} tasks are picked.
 */
public final class Planner {
    private Planner() {}

    /** A Ready task as the planner sees it. */
    public record Candidate(String taskId, String workflowId, int priorityWeight, long seq) {}

    public record Snapshot(List<Candidate> ready, int running, int maxConcurrent) {}

    public static final Comparator<Candidate> ORDER =
            Comparator.comparingInt(Candidate::priorityWeight).reversed().thenComparingLong(Candidate::seq);

    public static List<String> plan(Snapshot s) {
        int free = s.maxConcurrent() - s.running();
        if (free <= 0 || s.ready().isEmpty()) return List.of();
        List<Candidate> sorted = new ArrayList<>(s.ready());
        sorted.sort(ORDER);
        List<String> out = new ArrayList<>(Math.min(free, sorted.size()));
        for (Candidate c : sorted) {
            if (out.size() == free) break;
            out.add(c.taskId());
        }
        return out;
    }
}
