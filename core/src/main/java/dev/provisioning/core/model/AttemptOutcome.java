package dev.provisioning.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * How an attempt ended, as decided by the scheduler: {@code next} is Completed, Failed, RetryWait or Cancelled.
 * {@code nextAttemptAt} is set only for RetryWait.
 */
public record AttemptOutcome(
        String taskId,
        int attemptNo,
        TaskState next,
        Integer exitCode,
        JsonNode result,
        String error,
        String stderrTail,
        Instant nextAttemptAt) {}
