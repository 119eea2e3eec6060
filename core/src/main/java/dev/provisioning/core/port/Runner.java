package dev.provisioning.core.port;

import com.fasterxml.jackson.databind.JsonNode;
import dev.provisioning.core.model.Action;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Starts attempts as OS processes, each in its own process group, and reports back through an
 * {@link AttemptListener}. Implementation: the runner module's {@code ProcessRunner}.
 */
public interface Runner extends AutoCloseable {

    /** Starts the attempt. Throws {@code ProvisioningException} if the action is invalid or the process cannot start. */
    RunHandle start(AttemptSpec spec, AttemptListener listener);

    /**
     * Picks up an attempt that a previous daemon started, from its run dir: reports its recorded exit, follows it
     * if its process is still alive (same pid and start time), or reports it lost (exit code -1, error starting
     * with {@code "attempt lost"}).
     */
    RunHandle reattach(AttemptSpec spec, AttemptListener listener);

    /**
     * Whether the attempt in {@code attemptDir} never started its task, as far as its run dir can tell: no
     * {@code pid} file (the launcher writes one before it starts the task), no {@code exit} file, and no live
     * process working in that dir. A daemon killed between its claim and the spawn leaves such an attempt; it can
     * run again under the same number.
     */
    boolean neverStarted(Path attemptDir);

    /**
     * Stops the processes of attempts that are no longer this daemon's to run: every process group whose leader
     * works in a run dir under {@code runsDir} other than the dirs in {@code keep} gets TERM, then KILL after the
     * grace period. For a start after a restart, once every attempt still to follow has been reattached
     * ({@code keep}): what is left is an attempt another daemon took over meanwhile, or an ended attempt's leftovers.
     * Returns the process groups it signalled.
     */
    java.util.List<Long> stopStrays(Path runsDir, java.util.Set<Path> keep);

    @Override
    void close();

    /** Everything one attempt needs. {@code timeout} of zero means none. */
    record AttemptSpec(
            String workflowId,
            String taskId,
            int attemptNo,
            Action action,
            String idempotencyKey,
            JsonNode inputs,
            JsonNode checkpoint,
            Duration timeout,
            Path runDir) {}

    /** How an attempt's process ended. {@code result} is the parsed result.json, or null. */
    record AttemptExit(int exitCode, boolean timedOut, boolean cancelled, JsonNode result, String stderrTail,
                       String error) {
        public boolean succeeded() { return exitCode == 0 && !timedOut && !cancelled && error == null; }
    }

    /** Callbacks from a running attempt. Called from runner threads; must not block for long. */
    interface AttemptListener {
        void progress(int percent, String message);

        default void checkpoint(JsonNode checkpoint) {}

        /** Called exactly once. */
        void exited(AttemptExit exit);
    }

    interface RunHandle {
        long pid();

        /** Signals the process group: TERM, then KILL after the grace period. */
        void cancel();
    }
}
