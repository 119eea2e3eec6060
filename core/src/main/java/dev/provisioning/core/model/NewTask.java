package dev.provisioning.core.model;

import java.util.List;

/**
 * A task as submitted, before it is stored. {@code id} is globally unique; {@code key} is its id within the
 * workflow. {@code dependsOn} names other tasks of the same workflow by global id.
 */
public record NewTask(
        String id,
        String key,
        Action action,
        List<Dependency> dependsOn,
        Priority priority,
        long timeoutMs,
        int maxAttempts,
        String idempotencyKey,
        Action rollback) {

    public NewTask {
        dependsOn = List.copyOf(dependsOn);
        if (maxAttempts < 1) throw new IllegalArgumentException("maxAttempts must be >= 1");
    }

    public record Dependency(String taskId, DependencyKind kind) {}
}
