package dev.provisioning.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.provisioning.core.model.Attempt;
import dev.provisioning.core.model.AttemptOutcome;
import dev.provisioning.core.model.Event;
import dev.provisioning.core.model.NewWorkflow;
import dev.provisioning.core.model.Task;
import dev.provisioning.core.model.TaskState;
import dev.provisioning.core.model.Workflow;
import dev.provisioning.core.model.WorkflowState;
import dev.provisioning.core.port.Store;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Delegates to the real store and bumps a {@link ChangeSignal} after each committed change, so streams wake at once. */
final class NotifyingStore implements Store {
    private final Store d;
    private final ChangeSignal signal;

    NotifyingStore(Store delegate, ChangeSignal signal) {
        this.d = delegate;
        this.signal = signal;
    }

    private <T> T bump(T result) {
        bump();
        return result;
    }

    /** Set while {@link #inOneTransaction} runs on this thread: TRUE once a change in it should bump the signal. */
    private final ThreadLocal<Boolean> inOne = new ThreadLocal<>();

    /** Bumps the signal now, or (in one transaction) once it has ended: a stream woken before the commit would miss it. */
    private void bump() {
        if (inOne.get() != null) inOne.set(Boolean.TRUE);
        else signal.bump();
    }

    @Override
    public <T> T inOneTransaction(java.util.function.Supplier<T> body) {
        if (inOne.get() != null) return body.get();
        inOne.set(Boolean.FALSE);
        try {
            return d.inOneTransaction(body);
        } finally {
            boolean changed = inOne.get();
            inOne.remove();
            if (changed) signal.bump(); // also after a failure: the commit may have happened unseen
        }
    }

    @Override public void insertWorkflow(NewWorkflow wf) { d.insertWorkflow(wf); bump(); }
    @Override public Optional<Workflow> workflow(String id) { return d.workflow(id); }
    @Override public List<Workflow> workflows(WorkflowState state, int limit, int offset) { return d.workflows(state, limit, offset); }
    @Override public Optional<Task> task(String id) { return d.task(id); }
    @Override public java.util.Map<String, com.fasterxml.jackson.databind.JsonNode> resultsByKey(List<String> taskIds) { return d.resultsByKey(taskIds); }
    @Override public List<Task> tasks(TaskState state, String workflowId, int limit, int offset) { return d.tasks(state, workflowId, limit, offset); }
    @Override public List<Attempt> attempts(String taskId) { return d.attempts(taskId); }
    @Override public List<dev.provisioning.core.model.QueuedTask> readyQueue(int limit) { return d.readyQueue(limit); }
    @Override public List<dev.provisioning.core.model.QueuedTask> longestWaiting(int limit) { return d.longestWaiting(limit); }
    @Override public List<dev.provisioning.core.model.QueuedTask> runningQueue() { return d.runningQueue(); }
    @Override public Optional<Attempt> claim(String taskId, String owner, String runDir) { return bump(d.claim(taskId, owner, runDir)); }
    @Override public Optional<Claim> claimTask(String taskId, String owner, String runDir) { return bump(d.claimTask(taskId, owner, runDir)); }
    @Override public void attemptStarted(String taskId, int attemptNo, long pid) { d.attemptStarted(taskId, attemptNo, pid); }
    @Override public boolean recordProgress(String taskId, int attemptNo, int percent, String message) { return bump(d.recordProgress(taskId, attemptNo, percent, message)); }
    @Override public boolean completeAttempt(AttemptOutcome outcome) { return bump(d.completeAttempt(outcome)); }
    @Override public boolean saveCheckpoint(String taskId, int attemptNo, JsonNode checkpoint) { return bump(d.saveCheckpoint(taskId, attemptNo, checkpoint)); }
    @Override public List<String> cancelWorkflow(String workflowId) { return bump(d.cancelWorkflow(workflowId)); }
    @Override public void resumeWorkflow(String workflowId) { d.resumeWorkflow(workflowId); bump(); }
    @Override public void rollbackWorkflow(String workflowId) { d.rollbackWorkflow(workflowId); bump(); }
    @Override public List<Task> rollbackCandidates(int limit) { return d.rollbackCandidates(limit); }
    @Override public Optional<Attempt> claimRollback(String taskId, String owner, String runDir) { return bump(d.claimRollback(taskId, owner, runDir)); }
    @Override public boolean completeRollback(String taskId, int attemptNo, boolean ok, Integer exitCode, String error, String stderrTail) {
        return bump(d.completeRollback(taskId, attemptNo, ok, exitCode, error, stderrTail));
    }
    @Override public int promoteDueRetries(Instant now) {
        int n = d.promoteDueRetries(now);
        if (n > 0) bump();
        return n;
    }
    @Override public Optional<Instant> nextRetryAt() { return d.nextRetryAt(); }
    @Override public List<Task> runningTasks() { return d.runningTasks(); }
    @Override public List<String> renewLeases(String owner) { return d.renewLeases(owner); }
    @Override public List<String> cancelRequested(String owner) { return d.cancelRequested(owner); }
    @Override public List<Task> expiredLeases(Instant now) { return d.expiredLeases(now); }
    @Override public boolean takeOverAttempt(AttemptOutcome outcome, Instant now) { return bump(d.takeOverAttempt(outcome, now)); }
    @Override public boolean takeOverRollback(String taskId, int attemptNo, String error, Instant now) {
        return bump(d.takeOverRollback(taskId, attemptNo, error, now));
    }
    @Override public List<Event> events(String workflowId, long afterId, int limit) { return d.events(workflowId, afterId, limit); }
    @Override public long appendEvent(String workflowId, String taskId, String type, JsonNode data) { return bump(d.appendEvent(workflowId, taskId, type, data)); }
    @Override public void close() { d.close(); }
}
