package dev.provisioning.core.model;

import java.nio.file.Path;
import java.time.Instant;

/**
 * One try of a task. {@code state} is Running until the attempt ends, then the task state it produced.
 * {@code runDir} is the task's run dir prefix ({@code <data dir>/runs/<workflow>/<task>}); the attempt's own
 * directory is {@link #dir()}.
 */
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
        Instant finishedAt) {

    /** The attempt's own directory, {@code <runDir>.<attemptNo>}: one {@code mkdir} per attempt, no per-task dir. */
    public Path dir() { return dirOf(runDir, attemptNo); }

    /** The directory of attempt {@code attemptNo} of the task whose run dir prefix is {@code runDir}. */
    public static Path dirOf(String runDir, int attemptNo) { return Path.of(runDir + "." + attemptNo); }
}
