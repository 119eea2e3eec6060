package dev.provisioning.core.port;

import dev.provisioning.core.model.Attempt;
import dev.provisioning.core.model.AttemptOutcome;
import dev.provisioning.core.model.Event;
import dev.provisioning.core.model.NewWorkflow;
import dev.provisioning.core.model.QueuedTask;
import dev.provisioning.core.model.Task;
import dev.provisioning.core.model.TaskState;
import dev.provisioning.core.model.Workflow;
import dev.provisioning.core.model.WorkflowState;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The durable truth. Every method that changes state runs in one transaction together with the events that
 * record the change, and checks each change against the transition tables of {@link TaskState} and
 * {@link WorkflowState}. Implementations: the JDBC store (SQLite, PostgreSQL).
 */
public interface Store extends AutoCloseable {

    /**
     * Inserts the workflow, its tasks, their dependencies and a {@code workflow.submitted} event in one
     * transaction. Tasks without dependencies start Ready, the others Pending.
     */
    void insertWorkflow(NewWorkflow wf);

    Optional<Workflow> workflow(String id);

    /** Newest first. {@code state} may be null for all. */
    List<Workflow> workflows(WorkflowState state, int limit, int offset);

    Optional<Task> task(String id);

    /**
     * The results of the given tasks (JSON null for a task without one), keyed by task key, in the order of
     * {@code taskIds}; ids that do not exist are left out. What a task's dependencies hand it as its inputs.
     */
    default Map<String, JsonNode> resultsByKey(List<String> taskIds) {
        Map<String, JsonNode> out = new java.util.LinkedHashMap<>();
        for (String id : taskIds)
            task(id).ifPresent(t -> out.put(t.key(), t.result() == null ? com.fasterxml.jackson.databind.node.NullNode.getInstance() : t.result()));
        return out;
    }

    /** Oldest first (submission order). {@code state} and {@code workflowId} may be null. */
    List<Task> tasks(TaskState state, String workflowId, int limit, int offset);

    /** All attempts of a task, oldest first. */
    List<Attempt> attempts(String taskId);

    /**
     * Ready tasks, highest priority first, then submission order: what a scheduling round plans with, without
     * their definitions and results ({@link #task} has those).
     */
    List<QueuedTask> readyQueue(int limit);

    /**
     * Ready tasks that have waited longest (Ready since, then submission order): the ones priority aging lifts,
     * which a long {@link #readyQueue} of higher priorities would otherwise keep out of every round's view.
     */
    List<QueuedTask> longestWaiting(int limit);

    /** {@link #runningTasks} without the definitions and results: what limits count. */
    default List<QueuedTask> runningQueue() {
        return runningTasks().stream().map(QueuedTask::of).toList();
    }

    /**
     * Claims a Ready task for {@code owner}: a conditional update Ready → Running that increments the attempt
     * number, inserts the attempt row and the events, and moves the workflow to Running if it was Pending.
     * Returns the new attempt, or empty when the task was not Ready (someone else holds it).
     * Throws if more than one row changed.
     */
    Optional<Attempt> claim(String taskId, String owner, String runDir);

    /** A claimed task: its row as claimed (Running, with the new attempt number) and the new attempt. */
    record Claim(Task task, Attempt attempt) {}

    /**
     * {@link #claim}, also returning the task's row as claimed, so that starting a task costs one transaction.
     * Stores read the row inside the claim's transaction; this default reads it after.
     */
    default Optional<Claim> claimTask(String taskId, String owner, String runDir) {
        return claim(taskId, owner, runDir).flatMap(a -> task(taskId).map(t -> new Claim(t, a)));
    }

    /** Records the OS pid of a started attempt. Fenced on the attempt number. */
    void attemptStarted(String taskId, int attemptNo, long pid);

    /** Stores progress and appends a {@code task.progress} event. Ignored (returns false) if the attempt is stale. */
    boolean recordProgress(String taskId, int attemptNo, int percent, String message);

    /**
     * Ends an attempt: moves the task to {@code outcome.next()}, stores exit code, result, error and stderr
     * tail, promotes or skips dependents, and re-derives the workflow state, all in one transaction.
     * Fenced: returns false (and changes nothing) if the task is no longer Running with that attempt number.
     */
    boolean completeAttempt(AttemptOutcome outcome);

    /** Stores the last {@code CHECKPOINT:} of a running attempt (fenced); the next attempt receives it. */
    boolean saveCheckpoint(String taskId, int attemptNo, JsonNode checkpoint);

    /**
     * Cancels a workflow in one transaction: its Pending, Ready and RetryWait tasks become Cancelled. Returns the
     * ids of its Running tasks, which the caller cancels on the runner (their attempts then end Cancelled).
     * Throws {@code E_CONFLICT} if the workflow is already terminal, {@code E_NOT_FOUND} if unknown.
     */
    List<String> cancelWorkflow(String workflowId);

    /**
     * Resumes a Failed or Cancelled workflow: its Failed, Cancelled and Skipped tasks go back to Pending with a
     * fresh retry budget ({@code attempt_base = attempt}); Completed tasks keep their results; then promotion
     * runs and the workflow is Running again. One transaction. {@code E_CONFLICT} for any other state.
     */
    void resumeWorkflow(String workflowId);

    /**
     * Starts a rollback of a Completed, Failed or Cancelled workflow with nothing running
     * ({@link dev.provisioning.core.dag.WorkflowPolicy#apply} with {@code rollbackRequested}). {@code E_CONFLICT}
     * if a task is still running or the workflow is Pending, Running or RolledBack.
     */
    void rollbackWorkflow(String workflowId);

    /** RollingBack tasks whose rollback is not running, oldest first. */
    List<Task> rollbackCandidates(int limit);

    /**
     * Claims the rollback of a RollingBack task: a conditional update that sets {@code rollback_running} and
     * increments the attempt number, and inserts an attempt row. Empty if someone else holds it.
     */
    Optional<Attempt> claimRollback(String taskId, String owner, String runDir);

    /**
     * Ends a rollback attempt (fenced on the attempt number): RollingBack → RolledBack when {@code ok}, else
     * RollbackFailed with the error; then the workflow policy and state are re-derived. One transaction.
     */
    boolean completeRollback(String taskId, int attemptNo, boolean ok, Integer exitCode, String error, String stderrTail);

    /** Moves RetryWait tasks whose {@code next_attempt_at <= now} to Ready; returns how many. */
    int promoteDueRetries(Instant now);

    /** The earliest {@code next_attempt_at} among RetryWait tasks, if any. */
    Optional<Instant> nextRetryAt();

    /** Tasks in state Running, for recovery at start. */
    List<Task> runningTasks();

    // Leases (docs/decisions.md D37): on a store that several daemons share, each claim holds its attempt for the
    // store's lease duration. The daemon that runs it renews the lease; when it stops doing so (it died, or hung),
    // another daemon takes the attempt over and ends it as lost, fenced on the attempt number and the lease.

    /**
     * Extends the lease of every attempt (run or rollback) that {@code owner} holds, in one transaction, and
     * returns the ids of their tasks: a running attempt of this owner that is not among them is no longer its own
     * (another daemon took it over). A store without leases returns an empty list and changes nothing.
     */
    List<String> renewLeases(String owner);

    /**
     * Running tasks of {@code owner} whose workflow was cancelled ({@link #cancelWorkflow} marks them): the daemon
     * that runs them stops their attempts, which then end Cancelled. A claim clears the mark.
     */
    List<String> cancelRequested(String owner);

    /** Running tasks, and RollingBack tasks with a running rollback, whose lease ran out before {@code now}. */
    List<Task> expiredLeases(Instant now);

    /**
     * {@link #completeAttempt}, fenced also on the lease: it changes nothing and returns false unless the attempt's
     * lease ran out before {@code now} (an attempt without a lease is never taken over).
     */
    boolean takeOverAttempt(AttemptOutcome outcome, Instant now);

    /** Ends a running rollback as failed with {@code error}, fenced on the attempt number and on the lease, as {@link #takeOverAttempt}. */
    boolean takeOverRollback(String taskId, int attemptNo, String error, Instant now);

    /** Events of a workflow with id greater than {@code afterId}, oldest first. */
    List<Event> events(String workflowId, long afterId, int limit);

    /** Appends a free-form event (e.g. a log line notice) for a workflow. */
    long appendEvent(String workflowId, String taskId, String type, JsonNode data);

    /**
     * Runs {@code body} as one write transaction: every call that {@code body} makes on this store, on this thread,
     * joins it, and all of it commits together, with the events of every change. Reads join it too and see its
     * changed rows (not its events, which are written at the commit). If {@code body} or any call in it throws,
     * nothing of it is committed, even if {@code body} caught the exception; the exception (or a
     * {@code STORE_FAILURE} naming the first error) is thrown. Inside, a failed write is not retried or read back:
     * after a store failure the caller cannot know whether all of it committed, and must find out the way a single
     * write's caller does. A call made while one is open joins it. {@code body} may run more than once (PostgreSQL
     * aborts a transaction in a deadlock or a serialization failure, and it is run again), so it must keep what it
     * learns in the values it returns, not in state it changes.
     */
    <T> T inOneTransaction(java.util.function.Supplier<T> body);

    @Override
    void close();
}
