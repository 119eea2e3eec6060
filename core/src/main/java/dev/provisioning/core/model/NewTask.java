package dev.provisioning.core.model;

import java.util.List;

/**
 * A task as submitted, before it is stored. {@code id} is globally unique; {@code key} is its id within the
 * workflow. {@code dependsOn} names other tasks of the same workflow by global id. {@code rollback} (may be
 * null) undoes the task in a saga rollback; {@code pools} name the resource pools it holds a slot of while it runs.
 */
public record NewTask(
        String id,
        String key,
        Action action,
        List<Dependency> dependsOn,
        Priority priority,
        long timeoutMs,
        RetrySpec retry,
        String idempotencyKey,
        Action rollback,
        List<String> pools) {

    public NewTask {
        dependsOn = List.copyOf(dependsOn);
        pools = pools == null ? List.of() : List.copyOf(pools);
        if (retry == null) retry = RetrySpec.DEFAULT;
    }

    public int maxAttempts() { return retry.maxAttempts(); }

    public record Dependency(String taskId, DependencyKind kind) {}
}
