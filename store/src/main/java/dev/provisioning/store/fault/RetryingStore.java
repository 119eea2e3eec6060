package dev.provisioning.store.fault;

import com.fasterxml.jackson.databind.JsonNode;
import dev.provisioning.core.error.ErrorCode;
import dev.provisioning.core.error.ProvisioningException;
import dev.provisioning.core.model.Attempt;
import dev.provisioning.core.model.AttemptOutcome;
import dev.provisioning.core.model.Event;
import dev.provisioning.core.model.NewWorkflow;
import dev.provisioning.core.model.Task;
import dev.provisioning.core.model.TaskState;
import dev.provisioning.core.model.Workflow;
import dev.provisioning.core.model.WorkflowState;
import dev.provisioning.core.port.Store;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the store's writes survive a failed, timed-out or ambiguous commit. When a write fails with
 * {@link ErrorCode#STORE_FAILURE} the caller cannot know whether it committed (the commit may have reached the disk
 * before the error), so this store <b>reads back</b> the rows the write would have changed to learn the true
 * outcome: if the change is there, the write succeeded and its result is rebuilt from the rows; if not, the write is
 * retried, after a growing pause. Retrying is safe because every write is either fenced (a claim only moves a Ready
 * task, a completion only a Running task with that attempt number) or idempotent, and the read-back keeps a retry
 * from recording a change twice: after an ambiguous commit a completion reports {@code true}, not the {@code false}
 * that its fenced retry would give.
 *
 * <p>What each write reads back:
 * <ul>
 *   <li>{@code insertWorkflow}: the workflow row (ids are unique, so a row with that id is this insert);</li>
 *   <li>{@code claim} / {@code claimRollback}: the task's current attempt row: open, with this owner and run dir, means
 *       the claim committed (it is returned); the task still Ready (or RollingBack without a running rollback) means
 *       retry; anything else means someone else has it (empty);</li>
 *   <li>{@code completeAttempt} / {@code completeRollback}: the attempt row: ended with the outcome's state means
 *       done ({@code true}); ended otherwise, or the task moved on, means fenced ({@code false}); still open means
 *       retry;</li>
 *   <li>{@code cancelWorkflow}: no Pending, Ready or RetryWait task left means done (it returns the Running tasks);
 *       {@code resumeWorkflow} / {@code rollbackWorkflow}: the workflow no longer Failed/Cancelled (resp. Running or
 *       RolledBack) means done;</li>
 *   <li>{@code attemptStarted} and {@code promoteDueRetries} are idempotent and simply retried.</li>
 * </ul>
 * Progress, checkpoints and free-form events are best effort and not retried (a retry after an ambiguous commit
 * would append the event twice). Reads are passed through. After {@link Policy#tries} failed tries the last error
 * is thrown; callers that must not lose a write (the scheduler's completions) retry on their own. Inside
 * {@link #inOneTransaction} nothing is retried or read back.
 */
public final class RetryingStore implements Store {
    private static final Logger log = LoggerFactory.getLogger(RetryingStore.class);

    /** How often and how patiently a write is tried: {@code tries} in all, pauses doubling from {@code firstPause}. */
    public record Policy(int tries, Duration firstPause, Duration maxPause) {
        public static final Policy DEFAULT = new Policy(6, Duration.ofMillis(50), Duration.ofSeconds(2));

        public Policy {
            if (tries < 1) throw new IllegalArgumentException("tries must be at least 1");
        }

        Duration pause(int failures) {
            long ms = firstPause.toMillis() << Math.min(failures - 1, 20);
            return Duration.ofMillis(Math.min(ms, maxPause.toMillis()));
        }
    }

    private static final Set<TaskState> CANCELLABLE = EnumSet.of(TaskState.Pending, TaskState.Ready, TaskState.RetryWait);

    private final Store d;
    private final Policy policy;

    public RetryingStore(Store delegate, Policy policy) {
        this.d = Objects.requireNonNull(delegate, "delegate");
        this.policy = Objects.requireNonNull(policy, "policy");
    }

    public RetryingStore(Store delegate) {
        this(delegate, Policy.DEFAULT);
    }

    /** Whether an error may be transient: the store (disk, connection, commit) failed, not the request. */
    public static boolean isStoreFailure(Throwable e) {
        return e instanceof ProvisioningException pe && pe.code() == ErrorCode.STORE_FAILURE;
    }

    /**
     * Runs {@code op}; after a store failure asks {@code readBack} what the store holds: non-null is the committed
     * result, null means "not applied, try again".
     */
    private <T> T write(String what, Supplier<T> op, Supplier<T> readBack) {
        if (inOne.get() != null) return op.get(); // a failure there fails the whole transaction: its caller reads back
        ProvisioningException first = null;
        int failures = 0;
        boolean runOp = true;
        while (true) {
            try {
                if (runOp) {
                    T result = op.get();
                    if (first != null) log.info("{}: succeeded after {} store failure(s)", what, failures);
                    return result;
                }
                T truth = readBack.get();
                if (truth != null) {
                    log.info("{}: the store failed ({}) but the change had committed; read back", what, first.getMessage());
                    return truth;
                }
                runOp = true; // not applied: try again
                continue;
            } catch (ProvisioningException e) {
                if (!isStoreFailure(e)) {
                    if (first != null && !runOp) throw first; // the read-back itself was refused: report the write's error
                    throw e;
                }
                if (first == null) first = e;
                failures++;
                if (failures >= policy.tries()) {
                    log.warn("{}: giving up after {} store failures: {}", what, failures, e.getMessage());
                    throw e;
                }
                log.warn("{}: store failure {} of {} ({}); reading back", what, failures, policy.tries(), e.getMessage());
            }
            runOp = false; // every failure is followed by a read-back, after a pause
            sleep(policy.pause(failures));
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProvisioningException(ErrorCode.STORE_FAILURE, "interrupted while retrying a store write", null);
        }
    }

    /** The attempt row {@code no} of a task, if any. */
    private Optional<Attempt> attempt(String taskId, int no) {
        return d.attempts(taskId).stream().filter(a -> a.attemptNo() == no).findFirst();
    }

    // ------------------------------------------------------------------------------------------------ writes

    @Override
    public void insertWorkflow(NewWorkflow wf) {
        write("insert workflow " + wf.id(), () -> { d.insertWorkflow(wf); return Boolean.TRUE; },
                () -> d.workflow(wf.id()).isPresent() ? Boolean.TRUE : null);
    }

    @Override
    public Optional<Attempt> claim(String taskId, String owner, String runDir) {
        return write("claim task " + taskId, () -> d.claim(taskId, owner, runDir),
                () -> claimedBack(taskId, owner, runDir).map(c -> c.map(Claim::attempt)).orElse(null));
    }

    @Override
    public Optional<Claim> claimTask(String taskId, String owner, String runDir) {
        return write("claim task " + taskId, () -> d.claimTask(taskId, owner, runDir),
                () -> claimedBack(taskId, owner, runDir).orElse(null));
    }

    /**
     * The read-back of a claim: empty if it did not commit (the task is still Ready), else its outcome: our claim
     * (Running, an open attempt of ours with this run dir), or empty (someone else's).
     */
    private Optional<Optional<Claim>> claimedBack(String taskId, String owner, String runDir) {
        Task t = d.task(taskId).orElse(null);
        if (t == null || t.state() == TaskState.Ready) return Optional.empty();
        if (t.state() != TaskState.Running) return Optional.of(Optional.empty());
        return Optional.of(attempt(taskId, t.attempt()).filter(a -> a.finishedAt() == null && Objects.equals(a.owner(), owner)
                && Objects.equals(a.runDir(), runDir)).map(a -> new Claim(t, a)));
    }

    @Override
    public void attemptStarted(String taskId, int attemptNo, long pid) {
        write("record pid of task " + taskId, () -> { d.attemptStarted(taskId, attemptNo, pid); return Boolean.TRUE; }, () -> null);
    }

    @Override
    public boolean recordProgress(String taskId, int attemptNo, int percent, String message) {
        return d.recordProgress(taskId, attemptNo, percent, message);
    }

    @Override
    public boolean completeAttempt(AttemptOutcome outcome) {
        return write("complete attempt " + outcome.attemptNo() + " of task " + outcome.taskId(), () -> d.completeAttempt(outcome),
                () -> ended(outcome.taskId(), outcome.attemptNo(), outcome.next(),
                        t -> t.state() == TaskState.Running && t.attempt() == outcome.attemptNo()));
    }

    /**
     * Whether attempt {@code no} ended: TRUE with {@code as}, FALSE otherwise (fenced), null if it is still open and
     * the task is still {@code open} (retry).
     */
    private Boolean ended(String taskId, int no, TaskState as, java.util.function.Predicate<Task> open) {
        Optional<Attempt> a = attempt(taskId, no);
        if (a.isPresent() && a.get().finishedAt() != null) return a.get().state() == as;
        Task t = d.task(taskId).orElse(null);
        return t != null && open.test(t) ? null : Boolean.FALSE;
    }

    @Override
    public boolean saveCheckpoint(String taskId, int attemptNo, JsonNode checkpoint) {
        return d.saveCheckpoint(taskId, attemptNo, checkpoint);
    }

    @Override
    public List<String> cancelWorkflow(String workflowId) {
        return write("cancel workflow " + workflowId, () -> d.cancelWorkflow(workflowId), () -> {
            List<Task> tasks = d.tasks(null, workflowId, 100_000, 0);
            if (tasks.stream().anyMatch(t -> CANCELLABLE.contains(t.state()))) return null;
            return tasks.stream().filter(t -> t.state() == TaskState.Running).map(Task::id).toList();
        });
    }

    @Override
    public void resumeWorkflow(String workflowId) {
        write("resume workflow " + workflowId, () -> { d.resumeWorkflow(workflowId); return Boolean.TRUE; }, () -> {
            WorkflowState s = d.workflow(workflowId).map(Workflow::state).orElse(null);
            return s == WorkflowState.Failed || s == WorkflowState.Cancelled ? null : Boolean.TRUE;
        });
    }

    @Override
    public void rollbackWorkflow(String workflowId) {
        write("roll back workflow " + workflowId, () -> { d.rollbackWorkflow(workflowId); return Boolean.TRUE; }, () -> {
            WorkflowState s = d.workflow(workflowId).map(Workflow::state).orElse(null);
            return s == WorkflowState.Running || s == WorkflowState.RolledBack ? Boolean.TRUE : null;
        });
    }

    @Override
    public Optional<Attempt> claimRollback(String taskId, String owner, String runDir) {
        return write("claim rollback of task " + taskId, () -> d.claimRollback(taskId, owner, runDir), () -> {
            Task t = d.task(taskId).orElse(null);
            if (t == null || t.state() == TaskState.RollingBack && !t.rollbackRunning()) return null;
            if (t.state() != TaskState.RollingBack) return Optional.empty();
            return attempt(taskId, t.attempt()).filter(a -> a.finishedAt() == null && Objects.equals(a.owner(), owner)
                    && Objects.equals(a.runDir(), runDir));
        });
    }

    @Override
    public boolean completeRollback(String taskId, int attemptNo, boolean ok, Integer exitCode, String error, String stderrTail) {
        return write("complete rollback " + attemptNo + " of task " + taskId,
                () -> d.completeRollback(taskId, attemptNo, ok, exitCode, error, stderrTail),
                () -> ended(taskId, attemptNo, ok ? TaskState.RolledBack : TaskState.RollbackFailed,
                        t -> t.state() == TaskState.RollingBack && t.rollbackRunning() && t.attempt() == attemptNo));
    }

    /** Renewing again is harmless (it only extends the leases again): retried without a read-back. */
    @Override
    public List<String> renewLeases(String owner) {
        return write("renew the leases of " + owner, () -> d.renewLeases(owner), () -> null);
    }

    @Override
    public List<String> cancelRequested(String owner) {
        return d.cancelRequested(owner);
    }

    @Override
    public List<Task> expiredLeases(Instant now) {
        return d.expiredLeases(now);
    }

    @Override
    public boolean takeOverAttempt(AttemptOutcome outcome, Instant now) {
        return write("take over attempt " + outcome.attemptNo() + " of task " + outcome.taskId(), () -> d.takeOverAttempt(outcome, now),
                () -> ended(outcome.taskId(), outcome.attemptNo(), outcome.next(),
                        t -> t.state() == TaskState.Running && t.attempt() == outcome.attemptNo()));
    }

    @Override
    public boolean takeOverRollback(String taskId, int attemptNo, String error, Instant now) {
        return write("take over rollback " + attemptNo + " of task " + taskId, () -> d.takeOverRollback(taskId, attemptNo, error, now),
                () -> ended(taskId, attemptNo, TaskState.RollbackFailed,
                        t -> t.state() == TaskState.RollingBack && t.rollbackRunning() && t.attempt() == attemptNo));
    }

    @Override
    public int promoteDueRetries(Instant now) {
        return write("promote due retries", () -> d.promoteDueRetries(now), () -> null);
    }

    @Override
    public long appendEvent(String workflowId, String taskId, String type, JsonNode data) {
        return d.appendEvent(workflowId, taskId, type, data);
    }

    /** Set while {@link #inOneTransaction} runs on this thread. */
    private final ThreadLocal<Boolean> inOne = new ThreadLocal<>();

    /**
     * {@inheritDoc}
     * <p>Not retried, and the writes in it are neither retried nor read back: one failed statement fails the whole
     * transaction, and only its caller knows what to read back.
     */
    @Override
    public <T> T inOneTransaction(Supplier<T> body) {
        if (inOne.get() != null) return body.get();
        inOne.set(Boolean.TRUE);
        try {
            return d.inOneTransaction(body);
        } finally {
            inOne.remove();
        }
    }

    // ------------------------------------------------------------------------------------------------ reads

    @Override public Optional<Workflow> workflow(String id) { return d.workflow(id); }
    @Override public List<Workflow> workflows(WorkflowState state, int limit, int offset) { return d.workflows(state, limit, offset); }
    @Override public Optional<Task> task(String id) { return d.task(id); }
    @Override public java.util.Map<String, com.fasterxml.jackson.databind.JsonNode> resultsByKey(List<String> taskIds) { return d.resultsByKey(taskIds); }
    @Override public List<Task> tasks(TaskState state, String workflowId, int limit, int offset) { return d.tasks(state, workflowId, limit, offset); }
    @Override public List<Attempt> attempts(String taskId) { return d.attempts(taskId); }
    @Override public List<dev.provisioning.core.model.QueuedTask> readyQueue(int limit) { return d.readyQueue(limit); }
    @Override public List<dev.provisioning.core.model.QueuedTask> longestWaiting(int limit) { return d.longestWaiting(limit); }
    @Override public List<dev.provisioning.core.model.QueuedTask> runningQueue() { return d.runningQueue(); }
    @Override public List<Task> rollbackCandidates(int limit) { return d.rollbackCandidates(limit); }
    @Override public Optional<Instant> nextRetryAt() { return d.nextRetryAt(); }
    @Override public List<Task> runningTasks() { return d.runningTasks(); }
    @Override public List<Event> events(String workflowId, long afterId, int limit) { return d.events(workflowId, afterId, limit); }

    @Override
    public void close() {
        d.close();
    }
}
