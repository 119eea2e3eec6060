package dev.provisioning.server;

import dev.provisioning.core.model.TaskState;
import dev.provisioning.core.port.Metrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** {@link Metrics} on Micrometer; meters are created once, so each call is a counter increment. */
final class MicrometerMetrics implements Metrics {
    private final Counter submitted;
    private final Counter started;
    private final Counter errors;
    private final Map<TaskState, Timer> ended = new EnumMap<>(TaskState.class);

    MicrometerMetrics(MeterRegistry r) {
        submitted = Counter.builder("provisioning_tasks_submitted").register(r);
        started = Counter.builder("provisioning_attempts_started").register(r);
        errors = Counter.builder("provisioning_scheduler_errors").register(r);
        for (TaskState s : TaskState.values())
            ended.put(s, Timer.builder("provisioning_attempt_duration").tag("outcome", s.name()).register(r));
    }

    @Override
    public void submitted(int tasks) { submitted.increment(tasks); }

    @Override
    public void attemptStarted() { started.increment(); }

    @Override
    public void attemptEnded(TaskState outcome, long millis) { ended.get(outcome).record(millis, TimeUnit.MILLISECONDS); }

    @Override
    public void schedulerError() { errors.increment(); }
}
