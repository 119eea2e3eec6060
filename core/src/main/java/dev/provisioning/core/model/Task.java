package dev.provisioning.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;

/**
 * A stored task, as read back from the store. {@code attemptBase} is the attempt number at the last resume;
 * {@code checkpoint} the last {@code CHECKPOINT:} an attempt printed; {@code rollbackRunning} whether its
 * rollback action is running now.
 */
public record Task(
        String id,
        String workflowId,
        String key,
        Action action,
        TaskState state,
        Priority priority,
        int attempt,
        RetrySpec retry,
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
        Action rollback,
        List<String> pools,
        JsonNode checkpoint,
        int attemptBase,
        boolean rollbackRunning,
        long seq,
        Instant createdAt,
        Instant updatedAt,
        Instant startedAt,
        Instant finishedAt) {

    public Task {
        pools = pools == null ? List.of() : List.copyOf(pools);
        if (retry == null) retry = RetrySpec.DEFAULT;
    }

    public int maxAttempts() { return retry.maxAttempts(); }

    /** Attempts used since the last resume; a resume gives the task its full retry budget again. */
    public int attemptsUsed() { return attempt - attemptBase; }
}
