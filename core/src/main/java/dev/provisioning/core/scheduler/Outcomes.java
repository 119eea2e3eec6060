package dev.provisioning.core.scheduler;

import dev.provisioning.core.model.AttemptOutcome;
import dev.provisioning.core.model.NuErrors;
import dev.provisioning.core.model.Task;
import dev.provisioning.core.model.TaskState;
import dev.provisioning.core.port.Runner.AttemptExit;
import dev.provisioning.core.spec.Durations;
import java.time.Duration;
import java.time.Instant;

/**
 * Pure: turns how an attempt's process ended into the task's next state. Success → Completed. Cancel →
 * Cancelled. Otherwise RetryWait while attempts remain (exponential backoff from {@code initialDelay}, capped
 * at {@code maxDelay}), else Failed.
 */
public final class Outcomes {
    private Outcomes() {}

    public record RetryPolicy(Duration initialDelay, Duration maxDelay) {
        public static final RetryPolicy DEFAULT = new RetryPolicy(Duration.ofSeconds(1), Duration.ofMinutes(5));

        Duration delayFor(int attemptNo) {
            long ms = initialDelay.toMillis();
            for (int i = 1; i < attemptNo && ms < maxDelay.toMillis(); i++) ms *= 2;
            return Duration.ofMillis(Math.min(ms, maxDelay.toMillis()));
        }
    }

    public static AttemptOutcome decide(Task task, int attemptNo, AttemptExit exit, Instant now, RetryPolicy policy) {
        if (exit.succeeded())
            return new AttemptOutcome(task.id(), attemptNo, TaskState.Completed, exit.exitCode(), exit.result(),
                    null, exit.stderrTail(), null);
        String error = describe(task, exit);
        if (exit.cancelled())
            return new AttemptOutcome(task.id(), attemptNo, TaskState.Cancelled, exit.exitCode(), null, error,
                    exit.stderrTail(), null);
        if (attemptNo < task.maxAttempts())
            return new AttemptOutcome(task.id(), attemptNo, TaskState.RetryWait, exit.exitCode(), null, error,
                    exit.stderrTail(), now.plus(policy.delayFor(attemptNo)));
        return new AttemptOutcome(task.id(), attemptNo, TaskState.Failed, exit.exitCode(), null, error,
                exit.stderrTail(), null);
    }

    static String describe(Task task, AttemptExit exit) {
        if (exit.error() != null) return exit.error();
        if (exit.cancelled()) return "cancelled";
        if (exit.timedOut()) return "timed out after " + Durations.format(Duration.ofMillis(task.timeoutMs())) + "; process group killed";
        String summary = NuErrors.summary(exit.stderrTail());
        return "exited with code " + exit.exitCode() + (summary == null ? "" : ": " + summary);
    }
}
