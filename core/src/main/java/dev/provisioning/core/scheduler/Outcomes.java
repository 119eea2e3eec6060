package dev.provisioning.core.scheduler;

import dev.provisioning.core.model.AttemptOutcome;
import dev.provisioning.core.model.NuErrors;
import dev.provisioning.core.model.Task;
import dev.provisioning.core.model.TaskState;
import dev.provisioning.core.port.Runner.AttemptExit;
import dev.provisioning.core.spec.Durations;
import java.time.Duration;
import java.time.Instant;
import java.util.function.DoubleSupplier;

/**
 * Pure: turns how an attempt's process ended into the task's next state. Success → Completed. Cancel →
 * Cancelled. Otherwise RetryWait while the task's {@link dev.provisioning.core.model.RetrySpec} allows another
 * attempt (its backoff and jitter set {@code next_attempt_at}), else Failed.
 */
public final class Outcomes {
    private Outcomes() {}

    /**
     * {@code random} supplies uniform numbers in [0,1) for the retry jitter. Attempts count from the last resume
     * ({@link Task#attemptBase()}), so a resumed task gets its whole retry budget again.
     */
    public static AttemptOutcome decide(Task task, int attemptNo, AttemptExit exit, Instant now, DoubleSupplier random) {
        if (exit.succeeded())
            return new AttemptOutcome(task.id(), attemptNo, TaskState.Completed, exit.exitCode(), exit.result(),
                    null, exit.stderrTail(), null);
        String error = describe(task, exit);
        if (exit.cancelled())
            return new AttemptOutcome(task.id(), attemptNo, TaskState.Cancelled, exit.exitCode(), null, error,
                    exit.stderrTail(), null);
        int used = attemptNo - task.attemptBase();
        if (used < task.maxAttempts())
            return new AttemptOutcome(task.id(), attemptNo, TaskState.RetryWait, exit.exitCode(), null, error,
                    exit.stderrTail(), now.plus(task.retry().delayAfter(used, random.getAsDouble())));
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
