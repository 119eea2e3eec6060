package dev.provisioning.core.port;

import dev.provisioning.core.model.TaskState;

/** Scheduler metrics. {@link #NOOP} costs nothing; the server binds a Micrometer implementation. */
public interface Metrics {
    Metrics NOOP = new Metrics() {};

    default void submitted(int tasks) {}

    default void attemptStarted() {}

    default void attemptEnded(TaskState outcome, long millis) {}

    default void schedulerError() {}
}
