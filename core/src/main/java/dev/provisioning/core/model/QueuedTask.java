package dev.provisioning.core.model;

import java.time.Instant;
import java.util.List;

/**
 * What scheduling needs of a Ready or Running task, without its definition or results: which workflow, its priority
 * weight and submission order, since when it has been in its state (for aging), and its pools.
 */
public record QueuedTask(String id, String workflowId, int priorityWeight, long seq, Instant updatedAt, List<String> pools) {
    public QueuedTask {
        pools = pools == null ? List.of() : List.copyOf(pools);
    }

    public static QueuedTask of(Task t) {
        return new QueuedTask(t.id(), t.workflowId(), t.priority().weight(), t.seq(), t.updatedAt(), t.pools());
    }
}
