package dev.provisioning.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;

/** A stored task, as read back from the store. */
public record Task(
        String id,
        String workflowId,
        String key,
        Action action,
        TaskState state,
        Priority priority,
        int attempt,
        int maxAttempts,
        long timeoutMs,
        String idempotencyKey,
        Instant nextAttemptAt,
        int progress,
        String progressMessage,
        JsonNode result,
        Integer exitCode,
        String error,
        String stderrTail,
        List<NewTask.Dependency> dependsOn,
        long seq,
        Instant createdAt,
        Instant updatedAt,
        Instant startedAt,
        Instant finishedAt) {}
