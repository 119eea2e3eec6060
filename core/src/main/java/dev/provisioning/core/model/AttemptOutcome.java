package dev.provisioning.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * How an attempt ended, as decided by the scheduler: {@code next} is Completed, Failed, RetryWait or Cancelled.
 * {@code nextAttemptAt} is set only for RetryWait. {@code pid} is the attempt's process (group), recorded with the
 * end unless {@code Store.attemptStarted} recorded it already; null when unknown.
 */
public record AttemptOutcome(
        String taskId,
        int attemptNo,
        TaskState next,
        Integer exitCode,
        JsonNode result,
        String error,
        String stderrTail,
        Instant nextAttemptAt,
        Long pid) {

    public AttemptOutcome(String taskId, int attemptNo, TaskState next, Integer exitCode, JsonNode result, String error,
                          String stderrTail, Instant nextAttemptAt) {
        this(taskId, attemptNo, next, exitCode, result, error, stderrTail, nextAttemptAt, null);
    }

    public AttemptOutcome withPid(Long pid) {
        return new AttemptOutcome(taskId, attemptNo, next, exitCode, result, error, stderrTail, nextAttemptAt, pid);
    }
}
