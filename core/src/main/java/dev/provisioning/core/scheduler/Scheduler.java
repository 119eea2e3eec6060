package dev.provisioning.core.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioning.core.error.ProvisioningException;
import dev.provisioning.core.model.Attempt;
import dev.provisioning.core.model.AttemptOutcome;
import dev.provisioning.core.model.Json;
import dev.provisioning.core.model.NewTask;
import dev.provisioning.core.model.Task;
import dev.provisioning.core.model.TaskState;
import dev.provisioning.core.port.Metrics;
import dev.provisioning.core.port.Runner;
import dev.provisioning.core.port.Store;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduling loop: the effects around the pure {@link Planner}. It wakes on {@link #wake()} (called on
 * submit and on every attempt's end) and when the next durable retry timer is due; there is no polling delay.
 * Each round: promote due retries, snapshot the ready queue, plan, claim each planned task in the store
 * (a conditional update), and start it on the {@link Runner}. The loop never dies: an error is logged and the
 * loop goes on.
 */
public final class Scheduler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Scheduler.class);
    private static final Duration IDLE_WAIT = Duration.ofSeconds(5);

    /** Sealed settings. */
    public record Settings(String owner, int maxConcurrent, Path runsDir, Outcomes.RetryPolicy retryPolicy) {}

    private final Store store;
    private final Runner runner;
    private final Clock clock;
    private final Settings settings;
    private final Metrics metrics;
    private final Map<String, Runner.RunHandle> running = new ConcurrentHashMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition signal = lock.newCondition();
    private boolean woken;
    private volatile boolean closed;
    private Thread thread;

    public Scheduler(Store store, Runner runner, Clock clock, Settings settings, Metrics metrics) {
        this.store = store;
        this.runner = runner;
        this.clock = clock;
        this.settings = settings;
        this.metrics = metrics;
    }

    /** Reattaches the attempts the store shows Running, then starts the loop. */
    public synchronized void start() {
        if (thread != null) return;
        recover();
        thread = Thread.ofPlatform().name("scheduler").daemon(true).start(this::runUntilShutdown);
    }

    /** Asks for a scheduling round as soon as possible. Cheap; safe from any thread. */
    public void wake() {
        lock.lock();
        try {
            woken = true;
            signal.signal();
        } finally {
            lock.unlock();
        }
    }

    public int runningCount() {
        return running.size();
    }

    /** Cancels a running attempt of this daemon; returns false if the task does not run here. */
    public boolean cancelRunning(String taskId) {
        Runner.RunHandle h = running.get(taskId);
        if (h == null) return false;
        h.cancel();
        return true;
    }

    private void runUntilShutdown() {
        while (!closed) {
            try {
                round();
                awaitWork();
            } catch (InterruptedException e) {
                if (closed) return;
            } catch (Throwable t) {
                metrics.schedulerError();
                log.error("scheduler round failed; continuing", t);
                try {
                    awaitFor(Duration.ofMillis(200));
                } catch (InterruptedException e) {
                    if (closed) return;
                }
            }
        }
    }

    /** One scheduling round. Package-private for tests. */
    void round() {
        store.promoteDueRetries(clock.instant());
        int free = settings.maxConcurrent() - running.size();
        if (free <= 0) return;
        List<Task> ready = store.readyTasks(Math.max(free * 4, 64));
        List<Planner.Candidate> candidates = new ArrayList<>(ready.size());
        for (Task t : ready) candidates.add(new Planner.Candidate(t.id(), t.workflowId(), t.priority().weight(), t.seq()));
        Map<String, Task> byId = new java.util.HashMap<>();
        ready.forEach(t -> byId.put(t.id(), t));
        for (String id : Planner.plan(new Planner.Snapshot(candidates, running.size(), settings.maxConcurrent()))) {
            if (closed) return;
            startTask(byId.get(id));
        }
    }

    private void startTask(Task task) {
        Path runDir = settings.runsDir().resolve(task.workflowId()).resolve(task.id());
        Optional<Attempt> claimed = store.claim(task.id(), settings.owner(), runDir.toString());
        if (claimed.isEmpty()) return; // someone else holds it
        Attempt attempt = claimed.get();
        Path attemptDir = runDir.resolve(Integer.toString(attempt.attemptNo()));
        Instant startedAt = clock.instant();
        Runner.AttemptSpec spec = new Runner.AttemptSpec(task.workflowId(), task.id(), attempt.attemptNo(), task.action(),
                task.idempotencyKey(), inputsOf(task), null, Duration.ofMillis(task.timeoutMs()), attemptDir);
        // Reserve the slot before starting, so a fast exit cannot race the bookkeeping.
        running.put(task.id(), PLACEHOLDER);
        try {
            Runner.RunHandle handle = runner.start(spec, new Listener(task, attempt.attemptNo(), startedAt));
            if (running.replace(task.id(), PLACEHOLDER, handle)) store.attemptStarted(task.id(), attempt.attemptNo(), handle.pid());
            metrics.attemptStarted();
        } catch (RuntimeException e) {
            running.remove(task.id());
            String msg = e instanceof ProvisioningException pe ? pe.code().code() + ": " + pe.getMessage() : "could not start: " + e;
            log.warn("task {} attempt {} did not start: {}", task.id(), attempt.attemptNo(), msg);
            store.completeAttempt(new AttemptOutcome(task.id(), attempt.attemptNo(), TaskState.Failed, null, null, msg, null, null));
            metrics.attemptEnded(TaskState.Failed, 0);
        }
    }

    /**
     * After a restart: every attempt the store shows Running is handed to {@link Runner#reattach}, which records
     * its exit, follows it while it lives, or reports it lost (then the task's retry policy decides).
     */
    private void recover() {
        for (Task task : store.runningTasks()) {
            try {
                Attempt attempt = store.attempts(task.id()).stream().filter(a -> a.attemptNo() == task.attempt()).findFirst().orElse(null);
                if (attempt == null || attempt.runDir() == null) {
                    store.completeAttempt(new AttemptOutcome(task.id(), task.attempt(), TaskState.Failed, null, null,
                            "attempt lost: no run dir recorded", null, null));
                    continue;
                }
                Path attemptDir = Path.of(attempt.runDir()).resolve(Integer.toString(attempt.attemptNo()));
                Runner.AttemptSpec spec = new Runner.AttemptSpec(task.workflowId(), task.id(), attempt.attemptNo(), task.action(),
                        task.idempotencyKey(), inputsOf(task), null, Duration.ofMillis(task.timeoutMs()), attemptDir);
                running.put(task.id(), PLACEHOLDER);
                Runner.RunHandle h = runner.reattach(spec, new Listener(task, attempt.attemptNo(),
                        attempt.startedAt() == null ? clock.instant() : attempt.startedAt()));
                running.replace(task.id(), PLACEHOLDER, h);
                log.info("recovered task {} attempt {}", task.id(), attempt.attemptNo());
            } catch (RuntimeException e) {
                running.remove(task.id());
                log.error("could not recover task {}", task.id(), e);
            }
        }
    }

    /** Results of the task's dependencies, keyed by their task key. */
    private JsonNode inputsOf(Task task) {
        ObjectNode inputs = Json.MAPPER.createObjectNode();
        for (NewTask.Dependency d : task.dependsOn()) {
            store.task(d.taskId()).ifPresent(dep -> inputs.set(dep.key(), dep.result() == null ? Json.MAPPER.nullNode() : dep.result()));
        }
        return inputs;
    }

    private final class Listener implements Runner.AttemptListener {
        private final Task task;
        private final int attemptNo;
        private final Instant startedAt;

        Listener(Task task, int attemptNo, Instant startedAt) {
            this.task = task;
            this.attemptNo = attemptNo;
            this.startedAt = startedAt;
        }

        @Override
        public void progress(int percent, String message) {
            try {
                store.recordProgress(task.id(), attemptNo, percent, message);
            } catch (RuntimeException e) {
                log.warn("progress of task {} not recorded", task.id(), e);
            }
        }

        @Override
        public void exited(Runner.AttemptExit exit) {
            try {
                AttemptOutcome outcome = Outcomes.decide(task, attemptNo, exit, clock.instant(), settings.retryPolicy());
                if (!store.completeAttempt(outcome))
                    log.warn("task {} attempt {} ended but is no longer ours; outcome dropped", task.id(), attemptNo);
                metrics.attemptEnded(outcome.next(), Duration.between(startedAt, clock.instant()).toMillis());
            } catch (RuntimeException e) {
                log.error("could not record the end of task {} attempt {}", task.id(), attemptNo, e);
            } finally {
                running.remove(task.id());
                wake();
            }
        }
    }

    private void awaitWork() throws InterruptedException {
        Duration wait = IDLE_WAIT;
        Optional<Instant> next = store.nextRetryAt();
        if (next.isPresent()) {
            Duration until = Duration.between(clock.instant(), next.get());
            if (until.compareTo(wait) < 0) wait = until.isNegative() ? Duration.ZERO : until;
        }
        awaitFor(wait);
    }

    private void awaitFor(Duration d) throws InterruptedException {
        lock.lock();
        try {
            long nanos = d.toNanos();
            while (!woken && !closed && nanos > 0) nanos = signal.awaitNanos(nanos);
            woken = false;
        } finally {
            lock.unlock();
        }
    }

    /** Stops the loop. Running attempts are left running: they outlive the daemon by design. */
    @Override
    public void close() {
        closed = true;
        wake();
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static final Runner.RunHandle PLACEHOLDER = new Runner.RunHandle() {
        public long pid() { return -1; }

        public void cancel() {}
    };
}
