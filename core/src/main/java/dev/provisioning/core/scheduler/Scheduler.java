package dev.provisioning.core.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioning.core.dag.WorkflowPolicy;
import dev.provisioning.core.error.ProvisioningException;
import dev.provisioning.core.model.Attempt;
import dev.provisioning.core.model.AttemptOutcome;
import dev.provisioning.core.model.Json;
import dev.provisioning.core.model.NewTask;
import dev.provisioning.core.model.QueuedTask;
import dev.provisioning.core.model.Task;
import dev.provisioning.core.model.TaskState;
import dev.provisioning.core.model.Workflow;
import dev.provisioning.core.port.Metrics;
import dev.provisioning.core.port.Runner;
import dev.provisioning.core.port.Store;
import dev.provisioning.core.spec.Durations;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduling loop: the effects around the pure {@link Planner} and {@link WorkflowPolicy}. It wakes on
 * {@link #wake()} (called on submit, control requests and every attempt's end) and when the next durable retry
 * timer is due; there is no polling delay. Each round: promote due retries, start ready rollbacks (reverse
 * dependency order), then in one store transaction record the attempts that ended since the last round, snapshot
 * the ready queue and what runs, plan, and claim each planned task (a conditional update); once that has
 * committed, start the claimed attempts on the {@link Runner}. The loop never dies: an error is logged and the
 * loop goes on.
 */
public final class Scheduler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Scheduler.class);
    private static final Duration IDLE_WAIT = Duration.ofSeconds(5);

    /**
     * Sealed settings. {@code pools} maps a pool name to its capacity; {@code agingInterval} is how long a Ready
     * task waits to gain one priority level (null: no aging). {@code lease} is set when several daemons share the
     * store (D37): this daemon renews its attempts' leases (every third of it, 2 s at most), stops the ones whose
     * workflow another daemon cancelled (D38), takes over others' attempts whose lease ran out, and at start recovers
     * only the attempts that {@code owner} holds. Null: the only daemon.
     */
    public record Settings(String owner, int maxConcurrent, Path runsDir, Map<String, Integer> pools, Duration agingInterval,
                           Duration lease) {
        public Settings {
            pools = Map.copyOf(pools);
            if (lease != null && (lease.isNegative() || lease.isZero())) throw new IllegalArgumentException("lease must be positive: " + lease);
        }
    }

    private record Running(String workflowId, List<String> pools, Runner.RunHandle handle) {}

    /**
     * How long a run attempt goes before its pid is written on its own. A shorter one's pid is written with its end,
     * in the completion's transaction: one write transaction per attempt less.
     */
    static final Duration PID_DELAY = Duration.ofSeconds(1);

    private record PendingPid(int attemptNo, long pid, Instant due) {}

    /** Run attempts of this daemon whose pid is not written yet, by task id. */
    private final Map<String, PendingPid> pendingPids = new ConcurrentHashMap<>();

    private final Store store;
    private final Runner runner;
    private final Clock clock;
    private final Settings settings;
    private final Metrics metrics;
    private final Map<String, Running> running = new ConcurrentHashMap<>();
    /** parallel_limit never changes after submit: read once per workflow (bounded). */
    private final Map<String, Integer> parallelLimits = java.util.Collections.synchronizedMap(
            new java.util.LinkedHashMap<>(256, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Integer> e) {
                    return size() > 10_000;
                }
            });
    /**
     * Progress and checkpoint writes (and rollback ends) run here, in order, so the runner's thread never waits on
     * the store. A run's end goes to {@link #exits}, behind its attempt's writes still queued here.
     */
    private final java.util.concurrent.ExecutorService callbacks = java.util.concurrent.Executors.newSingleThreadExecutor(
            r -> Thread.ofPlatform().name("scheduler-callbacks").daemon(true).unstarted(r));
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition signal = lock.newCondition();
    private boolean woken;
    private volatile boolean closed;
    private volatile boolean draining;
    /** Set when a round failed (the store, usually): the next round first looks for claims that committed unseen. */
    private boolean failedRound;
    /**
     * Whether the next round looks for rollbacks to start. Set by what can make one startable (a rollback or resume
     * request, an attempt that did not complete, a rollback's end, a failed round, an idle wake-up, which also covers
     * other nodes), and kept while a look finds RollingBack tasks; so rounds of a workflow that is not rolling back
     * cost no rollback query.
     */
    private volatile boolean rollbackCheck = true;
    /** The next durable retry timer as read by the last round (any change of it by this daemon also wakes the loop). */
    private Optional<Instant> nextRetry = Optional.empty();
    /**
     * Whether a retry timer may exist that {@link #nextRetry} does not show: set at start, by an attempt that ends in
     * RetryWait, by a failed round and by an idle wake-up (which also covers timers other nodes set). While it is
     * clear and no timer is known, a round does not read the timers.
     */
    private volatile boolean retryCheck = true;
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

    /**
     * Stops starting attempts (runs and rollbacks); running ones finish and are recorded. Used before a stop that
     * should leave nothing running. Submissions are still accepted and wait, durably, for the next daemon.
     */
    public void drain() {
        draining = true;
        wake();
    }

    public boolean draining() {
        return draining;
    }

    /**
     * Cancels a workflow: not-started tasks end Cancelled in the store at once; running attempts of this daemon
     * get TERM (then KILL) on their process group and end Cancelled when they exit.
     */
    public void cancelWorkflow(String workflowId) {
        rollbackCheck = true;
        for (String taskId : store.cancelWorkflow(workflowId)) {
            Running r = running.get(taskId);
            if (r != null) r.handle().cancel();
        }
        wake();
    }

    public void resumeWorkflow(String workflowId) {
        rollbackCheck = true;
        store.resumeWorkflow(workflowId);
        wake();
    }

    public void rollbackWorkflow(String workflowId) {
        rollbackCheck = true;
        store.rollbackWorkflow(workflowId);
        wake();
    }

    private void runUntilShutdown() {
        int failures = 0;
        while (!closed) {
            try {
                if (failedRound) adoptOrphans();
                failedRound = false;
                round();
                failures = 0;
                awaitWork();
            } catch (InterruptedException e) {
                if (closed) return;
            } catch (Throwable t) {
                metrics.schedulerError();
                failedRound = true;
                rollbackCheck = true;
                retryCheck = true;
                failures++;
                if (failures == 1) log.error("scheduler round failed; retrying", t);
                else log.warn("scheduler round failed again ({} in a row): {}", failures, t.toString());
                try {
                    awaitFor(Duration.ofMillis(Math.min(200L << Math.min(failures - 1, 5), 5_000L)));
                } catch (InterruptedException e) {
                    if (closed) return;
                }
            }
        }
    }

    /**
     * One scheduling round. The attempts that ended since the last round are recorded in the same write transaction
     * that claims the tasks their slots (and their dependents) can take now: one commit where there were two, and
     * the ready queue is read in it too (D36). The claimed attempts start once it has committed.
     */
    void round() {
        Instant now = clock.instant();
        if (settings.lease() != null && !now.isBefore(nextLeaseWork)) leaseWork(now);
        if (!pendingPids.isEmpty()) recordDuePids(now);
        if (retryCheck || nextRetry.isPresent()) {
            retryCheck = false;
            nextRetry = store.nextRetryAt(); // a read; the write below only when a timer is due
        }
        if (nextRetry.isPresent() && !nextRetry.get().isAfter(now)) {
            store.promoteDueRetries(now);
            nextRetry = store.nextRetryAt();
        }
        if (draining) {
            List<Ended> ends = drainEnded();
            if (!ends.isEmpty()) recordEnded(ends, () -> List.of());
            return;
        }
        if (rollbackCheck) {
            rollbackCheck = false;
            if (startRollbacks()) rollbackCheck = true;
        }
        // Taken here, after the steps that may throw: from now on a failure still records them (recordEnded).
        List<Ended> ends = drainEnded();
        int busy = running.size();
        for (Ended e : ends) if (running.containsKey(e.task().id())) busy--; // their slots are free once they are recorded
        int free = settings.maxConcurrent() - busy;
        int runningNow = busy;
        List<Start> starts;
        if (!ends.isEmpty() && !widePlan) {
            starts = recordEnded(ends, () -> free > 0 ? claim(plan(now, free, runningNow, FIRST_WINDOW_ONLY)) : List.of());
        } else {
            if (!ends.isEmpty()) recordEnded(ends, () -> List.of());
            widePlan = false;
            if (free <= 0) return;
            List<Planned> plan = plan(now, free, runningNow, MAX_WINDOW);
            if (plan.isEmpty()) return;
            starts = store.inOneTransaction(() -> claim(plan)); // the claims check each task is still Ready
        }
        for (Start st : starts) {
            if (closed) return; // claimed, not started: the next start runs them as the same attempts (D11)
            launch(st.task(), st.attempt().attemptNo(), st.spec(), new ForwardListener(st.task(), st.attempt().attemptNo(), clock.instant()), false);
        }
    }

    /** A task the planner picked, with its workflow. */
    private record Planned(String id, String workflowId) {}

    /** A claimed attempt, ready to start. */
    private record Start(Task task, Attempt attempt, Runner.AttemptSpec spec) {}

    /** {@link #plan}'s window limit inside a write transaction: the first window, no bigger one. */
    private static final int FIRST_WINDOW_ONLY = 0;

    /** Set when a plan inside the write transaction needed a bigger window: the next round plans outside it. */
    private boolean widePlan;

    /**
     * What to start now: reads the head of the ready queue and plans. When limits (parallel_limit, pools) leave
     * slots unused and the queue is longer than what was read, reads a bigger window (up to {@code maxWindow}), so
     * a limited workflow cannot starve the others. The first window is small: each row read costs a table lookup,
     * and without limits the head is the plan. Inside the round's write transaction only the first window is read,
     * which keeps the write lock short; if a bigger one is needed, the next round (outside it) reads it.
     */
    private List<Planned> plan(Instant now, int free, int runningNow, int maxWindow) {
        int window = Math.max(free * 2, 4);
        while (true) {
            List<QueuedTask> ready = store.readyQueue(window);
            if (ready.isEmpty()) return List.of();
            boolean more = ready.size() == window; // the queue may be longer than what was read
            // The window holds the highest priorities; with aging, the tasks that waited longest may outrank them
            // and must be seen too, or a queue longer than the window would starve them for good.
            if (more && settings.agingInterval() != null && !settings.agingInterval().isZero())
                ready = withLongestWaiting(ready, window, now);
            List<String> plan = Planner.plan(snapshot(ready, now, runningNow));
            if (plan.size() < free && more && window < MAX_WINDOW) {
                if (window >= maxWindow) {
                    widePlan = true; // the next round reads the bigger window, outside the transaction
                    wake();
                } else {
                    window = Math.min(window * 8, maxWindow);
                    continue;
                }
            }
            Map<String, String> workflowOf = new HashMap<>();
            for (QueuedTask t : ready) workflowOf.put(t.id(), t.workflowId());
            List<Planned> out = new ArrayList<>(plan.size());
            for (String id : plan) out.add(new Planned(id, workflowOf.get(id)));
            return out;
        }
    }

    /** Claims the planned tasks (each claim checks the task is still Ready and reads its whole row) and their inputs. */
    private List<Start> claim(List<Planned> plan) {
        List<Start> out = new ArrayList<>(plan.size());
        for (Planned p : plan) {
            Path runDir = settings.runsDir().resolve(p.workflowId()).resolve(p.id());
            Optional<Store.Claim> claimed = store.claimTask(p.id(), settings.owner(), runDir.toString());
            if (claimed.isEmpty()) continue; // someone else holds it
            Task task = claimed.get().task();
            Attempt attempt = claimed.get().attempt();
            out.add(new Start(task, attempt, new Runner.AttemptSpec(task.workflowId(), task.id(), attempt.attemptNo(), task.action(),
                    task.idempotencyKey(), inputsOf(task), task.checkpoint(), Duration.ofMillis(task.timeoutMs()), attempt.dir())));
        }
        return out;
    }

    /**
     * Records the ends in one transaction with what {@code then} claims. If that fails, nothing of it committed (or,
     * after an ambiguous commit, all of it did): each end is then recorded on its own, which a committed one
     * survives (fenced, then read back), and the error is thrown, so the next round looks for claims that committed
     * unseen ({@link #adoptOrphans}).
     */
    private List<Start> recordEnded(List<Ended> ends, java.util.function.Supplier<List<Start>> then) {
        record Result(boolean[] recorded, List<Start> starts) {}
        Result r;
        try {
            r = store.inOneTransaction(() -> {
                boolean[] recorded = new boolean[ends.size()];
                for (int i = 0; i < ends.size(); i++) recorded[i] = store.completeAttempt(ends.get(i).outcome());
                return new Result(recorded, then.get());
            });
        } catch (RuntimeException e) {
            log.warn("recording {} attempt end(s) with the round's claims failed; recording each on its own: {}", ends.size(), e.toString());
            for (Ended end : ends) recordAlone(end);
            throw e;
        }
        for (int i = 0; i < ends.size(); i++) afterRecorded(ends.get(i), r.recorded()[i]);
        return r.starts();
    }

    /** Records one end in a transaction of its own, retrying until the store takes it (or the scheduler closes). */
    private void recordAlone(Ended end) {
        AttemptOutcome o = end.outcome();
        try {
            boolean recorded = persist("the end of task " + o.taskId() + " attempt " + o.attemptNo(), () -> store.completeAttempt(o));
            if (!recorded) // fenced: ended by a commit that failed unseen, or the task is no longer this attempt's
                recorded = store.attempts(o.taskId()).stream().anyMatch(a -> a.attemptNo() == o.attemptNo()
                        && a.finishedAt() != null && a.state() == o.next());
            afterRecorded(end, recorded);
        } catch (RuntimeException e) {
            log.error("could not record the end of task {} attempt {} (the next start records it from its run dir)",
                    o.taskId(), o.attemptNo(), e);
            afterRecorded(end, null);
        }
    }

    /** Bookkeeping once an end is recorded ({@code recorded}: TRUE), fenced (FALSE) or given up on (null). */
    private void afterRecorded(Ended end, Boolean recorded) {
        AttemptOutcome o = end.outcome();
        if (Boolean.FALSE.equals(recorded))
            log.warn("task {} attempt {} ended but is no longer ours; outcome dropped", o.taskId(), o.attemptNo());
        metrics.attemptEnded(o.next(), end.millis());
        if (o.next() != TaskState.Completed) rollbackCheck = true; // on_failure = rollback
        if (o.next() == TaskState.RetryWait) retryCheck = true;
        running.remove(o.taskId());
        legacyOwned.remove(o.taskId());
        if (o.next() != TaskState.Completed) wake(); // a round that already passed its rollback and retry steps
    }

    /** An attempt that ended, and its outcome, decided when a round takes it (a retry's delay counts from then). */
    private record Ended(Task task, AttemptOutcome outcome, long millis) {}

    /** An attempt's end as the runner reported it, waiting for the next round. */
    private record Exit(Task task, int attemptNo, Runner.AttemptExit exit, Instant startedAt, long pid) {}

    private final java.util.concurrent.ConcurrentLinkedQueue<Exit> exits = new java.util.concurrent.ConcurrentLinkedQueue<>();

    private List<Ended> drainEnded() {
        List<Ended> out = new ArrayList<>();
        for (Exit x; (x = exits.poll()) != null; ) {
            try {
                Instant now = clock.instant();
                AttemptOutcome outcome = Outcomes.decide(x.task(), x.attemptNo(), x.exit(), now, () -> ThreadLocalRandom.current().nextDouble())
                        .withPid(x.pid() > 0 ? x.pid() : null); // kept if the pid was written already
                out.add(new Ended(x.task(), outcome, Duration.between(x.startedAt(), now).toMillis()));
            } catch (RuntimeException e) {
                log.error("could not record the end of task {} attempt {}", x.task().id(), x.attemptNo(), e);
                running.remove(x.task().id());
            }
        }
        return out;
    }

    /** Hands an end to the next round; after close, records it at once (nothing ended may be left unrecorded). */
    private void enqueueExit(Exit x) {
        exits.add(x);
        if (closed) for (Ended e : drainEnded()) recordAlone(e);
        else wake();
    }

    private static final int MAX_WINDOW = 100_000;

    /**
     * No task has been Ready since before this instant: the oldest Ready-since the last {@code longestWaiting} read
     * saw, or the time of a read that found none. A task becomes Ready at its move's time, so this only grows.
     */
    private Instant oldestReadySince = Instant.MIN;

    private List<QueuedTask> withLongestWaiting(List<QueuedTask> ready, int window, Instant now) {
        // Until the oldest Ready task has waited one aging interval, no task is lifted and the head of the queue is
        // the planner's order: the read is skipped (most rounds, on a queue that moves).
        if (oldestReadySince != Instant.MIN && now.isBefore(oldestReadySince.plus(settings.agingInterval()))) return ready;
        List<QueuedTask> longest = store.longestWaiting(window);
        oldestReadySince = longest.isEmpty() || longest.getFirst().updatedAt() == null ? now : longest.getFirst().updatedAt();
        Map<String, QueuedTask> all = new java.util.LinkedHashMap<>();
        for (QueuedTask t : ready) all.put(t.id(), t);
        for (QueuedTask t : longest) all.putIfAbsent(t.id(), t);
        return all.size() == ready.size() ? ready : List.copyOf(all.values());
    }

    /** What the planner needs: the ready candidates, what runs per workflow and pool, and the limits. */
    private Planner.Snapshot snapshot(List<QueuedTask> ready, Instant now, int runningNow) {
        Map<String, Integer> workflowLimits = new HashMap<>();
        List<Planner.Candidate> candidates = new ArrayList<>(ready.size());
        boolean limited = false; // does any candidate's workflow have a parallel_limit, or the candidate pools?
        for (QueuedTask t : ready) {
            candidates.add(new Planner.Candidate(t.id(), t.workflowId(), t.priorityWeight(), t.seq(), t.updatedAt(), t.pools()));
            int limit = workflowLimits.computeIfAbsent(t.workflowId(),
                    id -> parallelLimits.computeIfAbsent(id, w -> store.workflow(w).map(Workflow::parallelLimit).orElse(0)));
            limited |= limit > 0 || !t.pools().isEmpty();
        }
        // What runs per workflow and pool matters only to those limits; without any, the read is skipped.
        Map<String, Integer> perWorkflow = new HashMap<>();
        Map<String, Integer> perPool = new HashMap<>();
        if (limited)
            for (QueuedTask t : store.runningQueue()) {
                perWorkflow.merge(t.workflowId(), 1, Integer::sum);
                for (String p : t.pools()) perPool.merge(p, 1, Integer::sum);
            }
        return new Planner.Snapshot(candidates, runningNow, settings.maxConcurrent(), perWorkflow,
                workflowLimits, perPool, settings.pools(), now, settings.agingInterval());
    }

    /**
     * Runs the rollback actions of RollingBack tasks whose dependents have all been undone.
     *
     * @return whether there were RollingBack tasks not yet running their rollback
     */
    private boolean startRollbacks() {
        List<Task> candidates = store.rollbackCandidates(64);
        if (candidates.isEmpty()) return false;
        Map<String, List<Task>> byWorkflow = new HashMap<>();
        for (Task c : candidates) {
            if (running.size() >= settings.maxConcurrent() || closed) return true;
            List<Task> all = byWorkflow.computeIfAbsent(c.workflowId(), id -> store.tasks(null, id, 100_000, 0));
            Map<String, TaskState> states = new HashMap<>();
            Map<String, List<NewTask.Dependency>> deps = new HashMap<>();
            for (Task t : all) {
                states.put(t.id(), t.state());
                deps.put(t.id(), t.dependsOn());
            }
            if (!WorkflowPolicy.rollbackReady(c.id(), states, deps)) continue;
            Path runDir = settings.runsDir().resolve(c.workflowId()).resolve(c.id());
            Optional<Attempt> claimed = store.claimRollback(c.id(), settings.owner(), runDir.toString());
            if (claimed.isEmpty()) continue;
            int no = claimed.get().attemptNo();
            launch(c, no, rollbackSpec(c, no, claimed.get().dir()), new RollbackListener(c, no), true);
        }
        return true;
    }

    private void launch(Task task, int attemptNo, Runner.AttemptSpec spec, Runner.AttemptListener listener, boolean rollback) {
        reserve(task);
        Runner.RunHandle handle;
        try {
            handle = runner.start(spec, listener);
        } catch (RuntimeException e) {
            running.remove(task.id());
            String msg = e instanceof ProvisioningException pe ? pe.code().code() + ": " + pe.getMessage() : "could not start: " + e;
            log.warn("task {} attempt {} did not start: {}", task.id(), attemptNo, msg);
            if (rollback) store.completeRollback(task.id(), attemptNo, false, null, msg, null);
            else store.completeAttempt(new AttemptOutcome(task.id(), attemptNo, TaskState.Failed, null, null, msg, null, null));
            metrics.attemptEnded(TaskState.Failed, 0);
            return;
        }
        attach(task.id(), handle);
        metrics.attemptStarted();
        if (rollback) recordPid(task.id(), attemptNo, handle.pid());
        else pendingPids.put(task.id(), new PendingPid(attemptNo, handle.pid(), clock.instant().plus(PID_DELAY)));
    }

    private void recordPid(String taskId, int attemptNo, long pid) {
        try {
            store.attemptStarted(taskId, attemptNo, pid);
        } catch (RuntimeException e) {
            // The process runs; only the attempt row's pid is missing (recovery reads the run dir, not this).
            log.warn("task {} attempt {} started (pid {}) but its pid was not recorded: {}", taskId, attemptNo, pid, e.toString());
        }
    }

    /** Recovered attempts that this daemon started under an older owner name: leases do not cover them (D37). */
    private final java.util.Set<String> legacyOwned = ConcurrentHashMap.newKeySet();

    /**
     * How often {@link #leaseWork} runs: every third of the lease, and at least every 2 s, which bounds how long a
     * cancel that another daemon took waits before this one stops the task (D38).
     */
    private Duration leaseWorkEvery() {
        Duration third = settings.lease().dividedBy(3);
        return third.compareTo(LEASE_WORK_MAX) < 0 ? third : LEASE_WORK_MAX;
    }

    private static final Duration LEASE_WORK_MAX = Duration.ofSeconds(2);

    /** When {@link #leaseWork} runs next. */
    private Instant nextLeaseWork = Instant.MIN;

    /**
     * Renews the leases of this daemon's attempts, stops the ones it no longer holds, and takes over the attempts of
     * daemons that stopped renewing theirs (D37).
     */
    private void leaseWork(Instant now) {
        java.util.Set<String> held = new java.util.HashSet<>(store.renewLeases(settings.owner()));
        nextLeaseWork = now.plus(leaseWorkEvery()); // after a failed renewal, the next round tries again
        for (String id : store.cancelRequested(settings.owner())) { // cancels that another daemon took (D38)
            Running r = running.get(id);
            if (r == null || r.handle() == PLACEHOLDER) continue;
            log.debug("task {}: its workflow was cancelled; stopping its process group", id);
            r.handle().cancel(); // again at the next renewal if it still runs: harmless
        }
        for (Map.Entry<String, Running> e : running.entrySet()) {
            // Every attempt in the map was claimed (or recovered) by an earlier round, so its claim has committed.
            if (held.contains(e.getKey()) || e.getValue().handle() == PLACEHOLDER || legacyOwned.contains(e.getKey())) continue;
            log.warn("task {}: this daemon's lease on its attempt ran out and another daemon took the attempt over; "
                    + "stopping its process group here (its end is not recorded)", e.getKey());
            e.getValue().handle().cancel();
        }
        for (Task t : store.expiredLeases(now)) {
            if (running.containsKey(t.id()) || closed) continue; // ours: renewed above, or its end is on its way
            takeOver(t, now);
        }
    }

    /** Ends another daemon's attempt whose lease ran out, as lost: a run is then retried under its policy. */
    private void takeOver(Task t, Instant now) {
        try {
            String owner = store.attempts(t.id()).stream().filter(a -> a.attemptNo() == t.attempt()).findFirst()
                    .map(Attempt::owner).orElse("?");
            String error = "attempt lost: daemon " + owner + " stopped renewing its lease (" + Durations.format(settings.lease())
                    + "); taken over by " + settings.owner();
            boolean rollback = t.state() == TaskState.RollingBack;
            boolean done;
            if (rollback) {
                done = store.takeOverRollback(t.id(), t.attempt(), "rollback " + error, now);
            } else {
                AttemptOutcome o = Outcomes.decide(t, t.attempt(), new Runner.AttemptExit(-1, false, false, null, null, error), now,
                        () -> ThreadLocalRandom.current().nextDouble());
                done = store.takeOverAttempt(o, now);
                if (done && o.next() == TaskState.RetryWait) retryCheck = true;
            }
            if (done) {
                rollbackCheck = true; // on_failure = rollback, or the next rollback step
                log.warn("task {} attempt {}: {}", t.id(), t.attempt(), error);
            }
        } catch (RuntimeException e) {
            log.warn("could not take over task {} attempt {}: {}", t.id(), t.attempt(), e.toString());
        }
    }

    /** Writes the pids of the attempts that have run {@link #PID_DELAY} (the others' are written with their end). */
    private void recordDuePids(Instant now) {
        for (Map.Entry<String, PendingPid> e : pendingPids.entrySet()) {
            PendingPid p = e.getValue();
            if (p.due().isAfter(now) || !pendingPids.remove(e.getKey(), p)) continue;
            recordPid(e.getKey(), p.attemptNo(), p.pid());
        }
    }

    /**
     * After a store failure a claim may have committed although the scheduler saw an error: its task is Running in
     * the store, under this owner, with no process. Such an attempt is picked up as at start (D11): run as the same
     * attempt when it never started. Only called after a failed round, so it costs nothing otherwise.
     */
    private void adoptOrphans() {
        for (Task t : store.runningTasks()) {
            if (running.containsKey(t.id()) || closed) continue;
            // Re-read after looking at the map: an attempt that just ended left the map only after its completion committed.
            Task now = store.task(t.id()).orElse(null);
            if (now == null || now.state() != TaskState.Running || now.attempt() != t.attempt() || running.containsKey(t.id())) continue;
            boolean ours = store.attempts(t.id()).stream()
                    .anyMatch(a -> a.attemptNo() == now.attempt() && settings.owner().equals(a.owner()) && a.finishedAt() == null);
            if (!ours) continue;
            log.warn("task {} attempt {} is Running in the store with no process here (a claim committed through a store "
                    + "failure); recovering it", now.id(), now.attempt());
            recoverAttempt(now, false, new java.util.HashSet<>()); // its dir matters only to a start's stray check
        }
    }

    /**
     * Writes what must not be lost (an attempt's end) until the store takes it, pausing longer after each store
     * failure. Gives up only when the scheduler closes: the attempt stays Running in the store and the next start
     * records it from the run dir's exit file.
     */
    private <T> T persist(String what, java.util.function.Supplier<T> write) {
        for (int failures = 1; ; failures++) {
            try {
                return write.get();
            } catch (ProvisioningException e) {
                if (e.code() != dev.provisioning.core.error.ErrorCode.STORE_FAILURE || closed) throw e;
                metrics.schedulerError();
                log.warn("{} not recorded yet (store failure {}); retrying: {}", what, failures, e.getMessage());
                try {
                    Thread.sleep(Math.min(100L << Math.min(failures, 6), 5_000L));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /**
     * After a restart: every attempt the store shows Running is handed to {@link Runner#reattach}, which records
     * its exit, follows it while it lives, or reports it lost (then the task's retry policy decides).
     */
    private void recover() {
        java.util.Set<Path> ours = new java.util.HashSet<>();
        for (Task task : store.runningTasks()) recoverAttempt(task, false, ours);
        for (Task task : store.tasks(TaskState.RollingBack, null, 100_000, 0))
            if (task.rollbackRunning()) recoverAttempt(task, true, ours);
        // What else runs in this daemon's run dirs is no longer its to run: attempts another daemon took over while
        // this one was down (D37), or an ended attempt's leftovers that a daemon that died could not stop (D16).
        List<Long> stopped = runner.stopStrays(settings.runsDir(), ours);
        if (!stopped.isEmpty()) log.warn("stopped {} process group(s) of attempts this daemon no longer runs: {}", stopped.size(), stopped);
    }

    /** Takes the task's slot before its process starts, so a fast exit cannot race the bookkeeping. */
    private void reserve(Task task) {
        running.put(task.id(), new Running(task.workflowId(), task.pools(), PLACEHOLDER));
    }

    /** Records the handle of a started attempt, unless it already ended (and gave its slot back). */
    private void attach(String taskId, Runner.RunHandle handle) {
        running.computeIfPresent(taskId, (k, r) -> r.handle() == PLACEHOLDER ? new Running(r.workflowId(), r.pools(), handle) : r);
    }

    /**
     * Picks up one attempt (a run, or a rollback) that the store shows in progress. Adds its dir to {@code ours}
     * when it is this daemon's, even if it cannot be recovered (its process is then left alone).
     */
    private void recoverAttempt(Task task, boolean rollback, java.util.Set<Path> ours) {
        try {
            Attempt attempt = store.attempts(task.id()).stream().filter(a -> a.attemptNo() == task.attempt()).findFirst().orElse(null);
            if (attempt == null || attempt.runDir() == null) {
                String lost = "attempt lost: no run dir recorded";
                if (rollback) store.completeRollback(task.id(), task.attempt(), false, null, "rollback " + lost, null);
                else store.completeAttempt(new AttemptOutcome(task.id(), task.attempt(), TaskState.Failed, null, null, lost, null, null));
                return;
            }
            if (settings.lease() != null && !settings.owner().equals(attempt.owner())) {
                if (!startedHereUnderAnOldName(attempt)) {
                    // Another daemon's: it renews the lease while it runs the attempt, or the lease runs out and a
                    // daemon takes the attempt over (D37).
                    log.debug("task {} attempt {} runs on daemon {}; not recovering it here", task.id(), attempt.attemptNo(), attempt.owner());
                    return;
                }
                legacyOwned.add(task.id());
            }
            int no = attempt.attemptNo();
            Path attemptDir = attempt.dir();
            ours.add(attemptDir);
            Runner.AttemptSpec spec = rollback ? rollbackSpec(task, no, attemptDir)
                    : new Runner.AttemptSpec(task.workflowId(), task.id(), no, task.action(), task.idempotencyKey(), inputsOf(task),
                            task.checkpoint(), Duration.ofMillis(task.timeoutMs()), attemptDir);
            Runner.AttemptListener listener = rollback ? new RollbackListener(task, no)
                    : new ForwardListener(task, no, attempt.startedAt() == null ? clock.instant() : attempt.startedAt());
            if (runner.neverStarted(attemptDir)) {
                // The daemon died between the claim and the spawn: nothing ran, so run this same attempt now.
                log.info("task {} attempt {} was claimed but never started; starting it now", task.id(), no);
                launch(task, no, spec, listener, rollback);
                return;
            }
            reserve(task);
            attach(task.id(), runner.reattach(spec, listener));
            log.info("recovered {} of task {} attempt {}", rollback ? "the rollback" : "the run", task.id(), no);
        } catch (RuntimeException e) {
            running.remove(task.id());
            log.error("could not recover task {}", task.id(), e);
        }
    }

    /**
     * Whether this daemon started {@code a} in an earlier life under another owner name (before D37 it was
     * {@code host:pid}): the same host, and a run dir in this daemon's runs dir. Only one daemon at a time uses a
     * data dir (its lock), so such an attempt can only be this daemon's.
     */
    private boolean startedHereUnderAnOldName(Attempt a) {
        String owner = a.owner() == null ? "" : a.owner();
        int colon = owner.indexOf(':');
        return colon > 0 && settings.owner().startsWith(owner.substring(0, colon + 1)) && a.runDir() != null
                && a.dir().toAbsolutePath().normalize().startsWith(settings.runsDir().toAbsolutePath().normalize());
    }

    /** The rollback action of a task, given its own result as input. */
    private static Runner.AttemptSpec rollbackSpec(Task task, int attemptNo, Path attemptDir) {
        ObjectNode inputs = Json.MAPPER.createObjectNode();
        inputs.set(task.key(), task.result() == null ? Json.MAPPER.nullNode() : task.result());
        return new Runner.AttemptSpec(task.workflowId(), task.id(), attemptNo, task.rollback(), task.idempotencyKey() + "/rollback",
                inputs, null, Duration.ofMillis(task.timeoutMs()), attemptDir);
    }

    /** Results of the task's dependencies, keyed by their task key. */
    private JsonNode inputsOf(Task task) {
        ObjectNode inputs = Json.MAPPER.createObjectNode();
        if (task.dependsOn().isEmpty()) return inputs;
        store.resultsByKey(task.dependsOn().stream().map(NewTask.Dependency::taskId).toList()).forEach(inputs::set);
        return inputs;
    }

    private final class ForwardListener implements Runner.AttemptListener {
        private final Task task;
        private final int attemptNo;
        private final Instant startedAt;

        ForwardListener(Task task, int attemptNo, Instant startedAt) {
            this.task = task;
            this.attemptNo = attemptNo;
            this.startedAt = startedAt;
        }

        /** Progress and checkpoint writes queued on the callbacks thread and not yet done. */
        private final java.util.concurrent.atomic.AtomicInteger queued = new java.util.concurrent.atomic.AtomicInteger();

        @Override
        public void progress(int percent, String message) {
            queue(() -> {
                try {
                    store.recordProgress(task.id(), attemptNo, percent, message);
                } catch (RuntimeException e) {
                    log.warn("progress of task {} not recorded", task.id(), e);
                }
            });
        }

        @Override
        public void checkpoint(JsonNode checkpoint) {
            queue(() -> {
                try {
                    store.saveCheckpoint(task.id(), attemptNo, checkpoint);
                } catch (RuntimeException e) {
                    log.warn("checkpoint of task {} not recorded", task.id(), e);
                }
            });
        }

        private void queue(Runnable write) {
            queued.incrementAndGet();
            callback(() -> {
                try {
                    write.run();
                } finally {
                    queued.decrementAndGet();
                }
            });
        }

        /**
         * Hands the end to the next round, which decides its outcome. The runner calls this attempt's listener methods in
         * order from one thread: with no progress or checkpoint write still queued, the end goes to the round
         * directly; else behind them, so the last checkpoint is saved before the attempt ends.
         */
        @Override
        public void exited(Runner.AttemptExit exit) {
            pendingPids.remove(task.id()); // written with the end
            Running r = running.get(task.id());
            Exit x = new Exit(task, attemptNo, exit, startedAt, r == null ? -1 : r.handle().pid());
            if (queued.get() == 0) enqueueExit(x);
            else callback(() -> enqueueExit(x));
        }
    }

    private final class RollbackListener implements Runner.AttemptListener {
        private final Task task;
        private final int attemptNo;

        RollbackListener(Task task, int attemptNo) {
            this.task = task;
            this.attemptNo = attemptNo;
        }

        @Override
        public void progress(int percent, String message) {}

        @Override
        public void exited(Runner.AttemptExit exit) {
            callback(() -> recordExit(exit));
        }

        private void recordExit(Runner.AttemptExit exit) {
            try {
                String error = exit.succeeded() ? null : "rollback " + Outcomes.describe(task, exit);
                persist("the end of the rollback of task " + task.id(),
                        () -> store.completeRollback(task.id(), attemptNo, exit.succeeded(), exit.exitCode(), error, exit.stderrTail()));
            } catch (RuntimeException e) {
                log.error("could not record the end of the rollback of task {}", task.id(), e);
            } finally {
                rollbackCheck = true; // the tasks it depends on may be next
                running.remove(task.id());
                legacyOwned.remove(task.id());
                wake();
            }
        }
    }

    /** Runs an attempt callback on the callbacks thread; after close, inline (the outcome must still be recorded). */
    private void callback(Runnable r) {
        try {
            callbacks.execute(r);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            r.run();
        }
    }

    private void awaitWork() throws InterruptedException {
        Duration wait = IDLE_WAIT;
        Instant now = clock.instant();
        Optional<Instant> next = nextRetry;
        if (settings.lease() != null && (next.isEmpty() || nextLeaseWork.isBefore(next.get()))) next = Optional.of(nextLeaseWork);
        for (PendingPid p : pendingPids.values())
            if (next.isEmpty() || p.due().isBefore(next.get())) next = Optional.of(p.due());
        if (next.isPresent()) {
            Duration until = Duration.between(now, next.get());
            if (until.compareTo(wait) < 0) wait = until.isNegative() ? Duration.ZERO : until;
        }
        awaitFor(wait);
    }

    private void awaitFor(Duration d) throws InterruptedException {
        lock.lock();
        try {
            long nanos = d.toNanos();
            while (!woken && !closed && nanos > 0) nanos = signal.awaitNanos(nanos);
            if (!woken) { // idle: look for what other nodes may have started
                rollbackCheck = true;
                retryCheck = true;
            }
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
        try {
            if (t != null) t.join(TimeUnit.SECONDS.toMillis(5));
            callbacks.shutdown(); // finish recording what already ended, then stop
            callbacks.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Ended e : drainEnded()) recordAlone(e); // ends the last round did not take (later ones are recorded at once)
    }

    private static final Runner.RunHandle PLACEHOLDER = new Runner.RunHandle() {
        public long pid() { return -1; }

        public void cancel() {}
    };
}
