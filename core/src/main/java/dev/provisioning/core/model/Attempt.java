package dev.provisioning.core.model;

import java.time.Instant;

/** One try of a task. {@code state} is Running until the attempt ends, then the task state it produced. */
public record Attempt(
        String taskId,
        int attemptNo,
        TaskState state,
        String owner,
        Long pid,
        String runDir,
        Integer exitCode,
        String error,
        String stderrTail,
        Instant startedAt,
        Instant finishedAt) {}
