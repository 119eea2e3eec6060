package dev.provisioning.core.scheduler;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The pure scheduling decision: a snapshot of the ready queue and of what runs goes in, the list of tasks to
 * start comes out. No I/O, no clock, no threads; tests feed a snapshot and assert on the plan.
 *
 * <p>Order: highest <em>effective</em> priority first, then submission order ({@code seq}). The effective
 * priority is the priority's weight plus one for every {@code agingInterval} the task has waited Ready, so low
 * work is never starved forever. A task is skipped (it stays Ready) when its workflow is at its
 * {@code parallel_limit} or one of its pools is full; at most {@code maxConcurrent - running} tasks start.
 */
public final class Planner {
    private Planner() {}

    /** A Ready task as the planner sees it. */
    public record Candidate(String taskId, String workflowId, int priorityWeight, long seq, Instant readySince,
                            List<String> pools) {
        public Candidate {
            pools = pools == null ? List.of() : List.copyOf(pools);
        }

        public Candidate(String taskId, String workflowId, int priorityWeight, long seq) {
            this(taskId, workflowId, priorityWeight, seq, null, List.of());
        }
    }

    /**
     * What runs now and the limits. {@code workflowLimits} maps a workflow to its parallel_limit (absent or 0 =
     * none); {@code poolLimits} maps a pool to its capacity. {@code agingInterval} null disables aging.
     */
    public record Snapshot(List<Candidate> ready, int running, int maxConcurrent,
                           Map<String, Integer> runningPerWorkflow, Map<String, Integer> workflowLimits,
                           Map<String, Integer> runningPerPool, Map<String, Integer> poolLimits,
                           Instant now, Duration agingInterval) {
        public Snapshot(List<Candidate> ready, int running, int maxConcurrent) {
            this(ready, running, maxConcurrent, Map.of(), Map.of(), Map.of(), Map.of(), null, null);
        }
    }

    public static List<String> plan(Snapshot s) {
        int free = s.maxConcurrent() - s.running();
        if (free <= 0 || s.ready().isEmpty()) return List.of();
        List<Candidate> sorted = new ArrayList<>(s.ready());
        sorted.sort(Comparator.comparingLong((Candidate c) -> -effectivePriority(c, s)).thenComparingLong(Candidate::seq));
        Map<String, Integer> perWorkflow = new HashMap<>(s.runningPerWorkflow());
        Map<String, Integer> perPool = new HashMap<>(s.runningPerPool());
        List<String> out = new ArrayList<>(Math.min(free, sorted.size()));
        for (Candidate c : sorted) {
            if (out.size() == free) break;
            int limit = s.workflowLimits().getOrDefault(c.workflowId(), 0);
            if (limit > 0 && perWorkflow.getOrDefault(c.workflowId(), 0) >= limit) continue;
            boolean poolFull = false;
            for (String p : c.pools()) {
                Integer cap = s.poolLimits().get(p);
                if (cap != null && perPool.getOrDefault(p, 0) >= cap) poolFull = true;
            }
            if (poolFull) continue;
            out.add(c.taskId());
            perWorkflow.merge(c.workflowId(), 1, Integer::sum);
            for (String p : c.pools()) perPool.merge(p, 1, Integer::sum);
        }
        return out;
    }

    /** The priority's weight plus one per aging interval waited. */
    static long effectivePriority(Candidate c, Snapshot s) {
        long p = c.priorityWeight();
        if (s.agingInterval() == null || s.now() == null || c.readySince() == null || s.agingInterval().isZero()) return p;
        long waited = Duration.between(c.readySince(), s.now()).toMillis();
        return waited <= 0 ? p : p + waited / s.agingInterval().toMillis();
    }
}
