package dev.provisioning.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.provisioning.core.error.ErrorCode;
import dev.provisioning.core.error.ProvisioningException;
import dev.provisioning.core.model.Action;
import dev.provisioning.core.model.Attempt;
import dev.provisioning.core.model.AttemptOutcome;
import dev.provisioning.core.model.DependencyKind;
import dev.provisioning.core.model.Event;
import dev.provisioning.core.model.IllegalTransitionException;
import dev.provisioning.core.model.Json;
import dev.provisioning.core.model.NewTask;
import dev.provisioning.core.model.NewTask.Dependency;
import dev.provisioning.core.model.NewWorkflow;
import dev.provisioning.core.model.Priority;
import dev.provisioning.core.model.Task;
import dev.provisioning.core.model.TaskState;
import dev.provisioning.core.model.Workflow;
import dev.provisioning.core.model.WorkflowState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The whole {@link dev.provisioning.core.port.Store} contract, run against each real database. */
abstract class StoreContractTest {
    static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");

    protected MutableClock clock;
    protected JdbcStore store;

    /** Prepares an empty database for one test. */
    protected abstract void freshDatabase() throws Exception;

    /** Opens a store on the current test's database (may be called again to reopen). */
    protected abstract JdbcStore openStore(MutableClock clock);

    @BeforeEach
    void setUpStore() throws Exception {
        clock = new MutableClock(T0);
        freshDatabase();
        store = openStore(clock);
    }

    @AfterEach
    void closeStore() {
        if (store != null) store.close();
    }

    // ------------------------------------------------------------------------------------------ helpers

    static NewTask task(String id, Dependency... deps) {
        return task(id, null, deps);
    }

    static NewTask task(String id, Priority priority, Dependency... deps) {
        return new NewTask(id, id.substring(id.indexOf('.') + 1),
                new Action.Command(List.of("echo", id)), List.of(deps), priority, 60_000, 3, "idem-" + id, null);
    }

    static Dependency hard(String id) { return new Dependency(id, DependencyKind.hard); }

    static Dependency soft(String id) { return new Dependency(id, DependencyKind.soft); }

    static NewWorkflow workflow(String id, NewTask... tasks) {
        return new NewWorkflow(id, "wf " + id, "batch", Priority.normal, NewWorkflow.OnFailure.FAIL,
                Json.read("{\"file\":\"" + id + ".toml\"}"), List.of(tasks));
    }

    TaskState state(String taskId) { return store.task(taskId).orElseThrow().state(); }

    WorkflowState wfState(String wfId) { return store.workflow(wfId).orElseThrow().state(); }

    List<Event> events(String wfId) { return store.events(wfId, 0, 10_000); }

    Attempt claim(String taskId) { return store.claim(taskId, "node-1", "/runs/" + taskId).orElseThrow(); }

    boolean complete(Attempt a, TaskState next) {
        return store.completeAttempt(new AttemptOutcome(a.taskId(), a.attemptNo(), next,
                next == TaskState.Completed ? 0 : 1, null, next == TaskState.Completed ? null : "boom", "tail", null));
    }

    void runToEnd(String taskId, TaskState next) {
        assertThat(complete(claim(taskId), next)).isTrue();
    }

    static List<String> ids(List<Task> tasks) { return tasks.stream().map(Task::id).toList(); }

    static List<String> stateChanges(List<Event> events) {
        return events.stream()
                .filter(e -> e.type().equals("task.state") || e.type().equals("workflow.state"))
                .map(e -> (e.taskId() == null ? "wf" : e.taskId()) + ":" + e.from() + "->" + e.to())
                .toList();
    }

    // ------------------------------------------------------------------------------------------ insert / read

    @Test
    void insertedWorkflowReadsBackWithTasksDepsAndEvents() {
        NewTask b = task("w1.b", hard("w1.a"));
        NewTask c = new NewTask("w1.c", "c", new Action.Nu("servers/create.nu", "create-server",
                Json.read("{\"name\":\"wuji\",\"n\":3}")), List.of(soft("w1.a"), hard("w1.b")), Priority.high,
                5_000, 2, "key-c", new Action.Script("servers/delete.nu", List.of("wuji")));
        store.insertWorkflow(workflow("w1", task("w1.a"), b, c));

        Workflow wf = store.workflow("w1").orElseThrow();
        assertThat(wf.state()).isEqualTo(WorkflowState.Pending);
        assertThat(wf.name()).isEqualTo("wf w1");
        assertThat(wf.kind()).isEqualTo("batch");
        assertThat(wf.priority()).isEqualTo(Priority.normal);
        assertThat(wf.onFailure()).isEqualTo(NewWorkflow.OnFailure.FAIL);
        assertThat(wf.request()).isEqualTo(Json.read("{\"file\":\"w1.toml\"}"));
        assertThat(wf.createdAt()).isEqualTo(T0);
        assertThat(wf.updatedAt()).isEqualTo(T0);
        assertThat(wf.finishedAt()).isNull();

        List<Task> tasks = store.tasks(null, "w1", 100, 0);
        assertThat(ids(tasks)).containsExactly("w1.a", "w1.b", "w1.c");
        assertThat(tasks).extracting(Task::state).containsExactly(TaskState.Ready, TaskState.Pending, TaskState.Pending);
        assertThat(tasks.get(0).seq()).isLessThan(tasks.get(1).seq());
        assertThat(tasks.get(1).seq()).isLessThan(tasks.get(2).seq());
        assertThat(tasks.get(0).dependsOn()).isEmpty();
        assertThat(tasks.get(1).dependsOn()).containsExactly(hard("w1.a"));

        Task tc = store.task("w1.c").orElseThrow();
        assertThat(tc).isEqualTo(tasks.get(2));
        assertThat(tc.workflowId()).isEqualTo("w1");
        assertThat(tc.key()).isEqualTo("c");
        assertThat(tc.action()).isEqualTo(c.action());
        assertThat(tc.dependsOn()).containsExactly(soft("w1.a"), hard("w1.b"));
        assertThat(tc.priority()).isEqualTo(Priority.high);
        assertThat(tc.attempt()).isZero();
        assertThat(tc.maxAttempts()).isEqualTo(2);
        assertThat(tc.timeoutMs()).isEqualTo(5_000);
        assertThat(tc.idempotencyKey()).isEqualTo("key-c");
        assertThat(tc.progress()).isZero();
        assertThat(tc.result()).isNull();
        assertThat(tc.exitCode()).isNull();
        assertThat(tc.nextAttemptAt()).isNull();
        assertThat(tc.createdAt()).isEqualTo(T0);
        assertThat(tc.startedAt()).isNull();
        assertThat(tc.finishedAt()).isNull();
        // a task without priority takes the workflow's
        assertThat(store.task("w1.a").orElseThrow().priority()).isEqualTo(Priority.normal);

        List<Event> ev = events("w1");
        assertThat(ev).extracting(Event::type)
                .containsExactly("workflow.submitted", "task.state", "task.state", "task.state");
        assertThat(ev.getFirst().to()).isEqualTo("Pending");
        assertThat(ev.getFirst().data().get("tasks").asInt()).isEqualTo(3);
        assertThat(ev.getFirst().at()).isEqualTo(T0);
        assertThat(ev.subList(1, 4)).extracting(Event::taskId, Event::from, Event::to).containsExactly(
                org.assertj.core.groups.Tuple.tuple("w1.a", null, "Ready"),
                org.assertj.core.groups.Tuple.tuple("w1.b", null, "Pending"),
                org.assertj.core.groups.Tuple.tuple("w1.c", null, "Pending"));
        assertThat(ev).extracting(Event::id).isSorted().doesNotHaveDuplicates();

        assertThat(store.task("nope")).isEmpty();
        assertThat(store.workflow("nope")).isEmpty();
        assertThat(store.tasks(TaskState.Pending, null, 100, 0)).extracting(Task::id).containsExactly("w1.b", "w1.c");
        assertThat(store.tasks(TaskState.Ready, "w1", 100, 0)).extracting(Task::id).containsExactly("w1.a");
        assertThat(store.tasks(null, null, 2, 1)).extracting(Task::id).containsExactly("w1.b", "w1.c");
    }

    @Test
    void workflowsListNewestFirstAndFilterByState() {
        store.insertWorkflow(workflow("wa", task("wa.x")));
        store.insertWorkflow(workflow("wb", task("wb.x")));
        store.insertWorkflow(workflow("wc", task("wc.x")));
        runToEnd("wb.x", TaskState.Completed);
        assertThat(store.workflows(null, 10, 0)).extracting(Workflow::id).containsExactly("wc", "wb", "wa");
        assertThat(store.workflows(null, 1, 1)).extracting(Workflow::id).containsExactly("wb");
        assertThat(store.workflows(WorkflowState.Pending, 10, 0)).extracting(Workflow::id).containsExactly("wc", "wa");
        assertThat(store.workflows(WorkflowState.Completed, 10, 0)).extracting(Workflow::id).containsExactly("wb");
    }

    @Test
    void emptyWorkflowIsStoredCompleted() {
        store.insertWorkflow(workflow("empty"));
        Workflow wf = store.workflow("empty").orElseThrow();
        assertThat(wf.state()).isEqualTo(WorkflowState.Completed);
        assertThat(wf.finishedAt()).isEqualTo(T0);
        assertThat(events("empty")).extracting(Event::type).containsExactly("workflow.submitted", "workflow.state");
    }

    @Test
    void dataSurvivesReopening() {
        store.insertWorkflow(workflow("w1", task("w1.a"), task("w1.b", hard("w1.a"))));
        Attempt a = claim("w1.a");
        store.close();
        store = openStore(clock); // migrations run again: a no-op
        assertThat(state("w1.a")).isEqualTo(TaskState.Running);
        assertThat(store.runningTasks()).extracting(Task::id).containsExactly("w1.a");
        assertThat(complete(a, TaskState.Completed)).isTrue();
        assertThat(state("w1.b")).isEqualTo(TaskState.Ready);
    }

    // ------------------------------------------------------------------------------------------ validation

    @Test
    void danglingDependencyInsertsNothing() {
        assertThatThrownBy(() -> store.insertWorkflow(workflow("w1", task("w1.a"), task("w1.b", hard("w1.zzz")))))
                .isInstanceOfSatisfying(ProvisioningException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_WORKFLOW);
                    assertThat(e.where()).isEqualTo("w1.b");
                    assertThat(e.getMessage()).contains("w1.b").contains("w1.zzz");
                });
        assertThat(store.workflow("w1")).isEmpty();
        assertThat(store.task("w1.a")).isEmpty();
        assertThat(events("w1")).isEmpty();
    }

    @Test
    void dependencyOnAnotherWorkflowsTaskIsRejected() {
        store.insertWorkflow(workflow("w1", task("w1.a")));
        assertThatThrownBy(() -> store.insertWorkflow(workflow("w2", task("w2.a", hard("w1.a")))))
                .isInstanceOfSatisfying(ProvisioningException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_WORKFLOW);
                    assertThat(e.where()).isEqualTo("w2.a");
                });
        assertThat(store.workflow("w2")).isEmpty();
    }

    @Test
    void cycleIsRejected() {
        assertThatThrownBy(() -> store.insertWorkflow(workflow("w1",
                task("w1.a", hard("w1.c")), task("w1.b", hard("w1.a")), task("w1.c", soft("w1.b")), task("w1.d"))))
                .isInstanceOfSatisfying(ProvisioningException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_WORKFLOW));
        assertThat(store.workflow("w1")).isEmpty();
    }

    @Test
    void duplicateIdsConflictAndLeaveNothingHalfWritten() {
        store.insertWorkflow(workflow("w1", task("w1.a")));
        assertThatThrownBy(() -> store.insertWorkflow(workflow("w1", task("w1.other"))))
                .isInstanceOfSatisfying(ProvisioningException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT));
        // the second task's id is taken by w1: the database rejects it after w2 and w2.ok were written
        assertThatThrownBy(() -> store.insertWorkflow(workflow("w2", task("w2.ok"), task("w1.a"))))
                .isInstanceOfSatisfying(ProvisioningException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT));
        assertThat(store.workflow("w2")).isEmpty();
        assertThat(store.task("w2.ok")).isEmpty();
        assertThat(events("w2")).isEmpty();
        assertThat(store.task("w1.other")).isEmpty();
        assertThat(store.task("w1.a").orElseThrow().workflowId()).isEqualTo("w1");
        assertThat(events("w1")).hasSize(2);
    }

    // ------------------------------------------------------------------------------------------ claim

    @Test
    void claimTwiceSecondReturnsEmpty() {
        store.insertWorkflow(workflow("w1", task("w1.a"), task("w1.b", hard("w1.a"))));
        clock.advance(Duration.ofSeconds(5));
        Optional<Attempt> first = store.claim("w1.a", "node-1", "/runs/w1/a/1");
        assertThat(first).hasValueSatisfying(a -> {
            assertThat(a.taskId()).isEqualTo("w1.a");
            assertThat(a.attemptNo()).isEqualTo(1);
            assertThat(a.state()).isEqualTo(TaskState.Running);
            assertThat(a.owner()).isEqualTo("node-1");
            assertThat(a.runDir()).isEqualTo("/runs/w1/a/1");
            assertThat(a.startedAt()).isEqualTo(T0.plusSeconds(5));
        });
        assertThat(store.claim("w1.a", "node-2", "/elsewhere")).isEmpty();
        assertThat(store.claim("w1.b", "node-2", "/elsewhere")).isEmpty(); // Pending, not Ready

        Task a = store.task("w1.a").orElseThrow();
        assertThat(a.state()).isEqualTo(TaskState.Running);
        assertThat(a.attempt()).isEqualTo(1);
        assertThat(a.startedAt()).isEqualTo(T0.plusSeconds(5));
        assertThat(store.attempts("w1.a")).containsExactly(first.get());
        Workflow wf = store.workflow("w1").orElseThrow();
        assertThat(wf.state()).isEqualTo(WorkflowState.Running);
        assertThat(wf.updatedAt()).isEqualTo(T0.plusSeconds(5));
        assertThat(stateChanges(events("w1"))).containsExactly(
                "w1.a:null->Ready", "w1.b:null->Pending", "w1.a:Ready->Running", "wf:Pending->Running");
        assertThat(store.runningTasks()).extracting(Task::id).containsExactly("w1.a");
    }

    @Test
    void claimOfUnknownTaskIsNotFound() {
        assertThatThrownBy(() -> store.claim("ghost", "n", "/r"))
                .isInstanceOfSatisfying(ProvisioningException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
    }

    @Test
    void attemptNumbersIncreaseAcrossRetries() {
        store.insertWorkflow(workflow("w1", task("w1.a")));
        Attempt a1 = claim("w1.a");
        assertThat(a1.attemptNo()).isEqualTo(1);
        store.attemptStarted("w1.a", 1, 4242);
        clock.advance(Duration.ofSeconds(1));
        assertThat(store.completeAttempt(new AttemptOutcome("w1.a", 1, TaskState.RetryWait, 2, null, "exit 2",
                "oops", clock.instant().plusSeconds(10)))).isTrue();
        clock.advance(Duration.ofSeconds(10));
        assertThat(store.promoteDueRetries(clock.instant())).isEqualTo(1);
        Attempt a2 = claim("w1.a");
        assertThat(a2.attemptNo()).isEqualTo(2);
        assertThat(store.task("w1.a").orElseThrow().attempt()).isEqualTo(2);

        List<Attempt> attempts = store.attempts("w1.a");
        assertThat(attempts).extracting(Attempt::attemptNo).containsExactly(1, 2);
        Attempt first = attempts.getFirst();
        assertThat(first.state()).isEqualTo(TaskState.RetryWait);
        assertThat(first.pid()).isEqualTo(4242L);
        assertThat(first.exitCode()).isEqualTo(2);
        assertThat(first.error()).isEqualTo("exit 2");
        assertThat(first.stderrTail()).isEqualTo("oops");
        assertThat(first.startedAt()).isEqualTo(T0);
        assertThat(first.finishedAt()).isEqualTo(T0.plusSeconds(1));
        assertThat(attempts.get(1).state()).isEqualTo(TaskState.Running);
        assertThat(attempts.get(1).pid()).isNull();

        store.attemptStarted("w1.a", 1, 9999); // stale: ignored
        assertThat(store.attempts("w1.a").getFirst().pid()).isEqualTo(4242L);
    }

    // ------------------------------------------------------------------------------------------ completion

    @Test
    void completionPromotesDependentAndWorkflowCompletes() {
        store.insertWorkflow(workflow("w1", task("w1.a"), task("w1.b", hard("w1.a")), task("w1.c", hard("w1.a"), hard("w1.b"))));
        Attempt a = claim("w1.a");
        clock.advance(Duration.ofSeconds(3));
        assertThat(store.completeAttempt(new AttemptOutcome("w1.a", a.attemptNo(), TaskState.Completed, 0,
                Json.read("{\"ip\":\"10.0.0.1\"}"), null, "", null))).isTrue();

        Task ta = store.task("w1.a").orElseThrow();
        assertThat(ta.state()).isEqualTo(TaskState.Completed);
        assertThat(ta.result()).isEqualTo(Json.read("{\"ip\":\"10.0.0.1\"}"));
        assertThat(ta.exitCode()).isZero();
        assertThat(ta.finishedAt()).isEqualTo(T0.plusSeconds(3));
        assertThat(state("w1.b")).isEqualTo(TaskState.Ready);
        assertThat(state("w1.c")).isEqualTo(TaskState.Pending);
        assertThat(store.attempts("w1.a").getFirst().state()).isEqualTo(TaskState.Completed);
        // the completion and the promotion are in the same transaction: consecutive events, same instant
        List<Event> ev = events("w1");
        assertThat(stateChanges(ev).subList(3, 6)).containsExactly(
                "w1.a:Ready->Running", "wf:Pending->Running", "w1.a:Running->Completed");
        assertThat(stateChanges(ev).get(6)).isEqualTo("w1.b:Pending->Ready");
        assertThat(ev.get(ev.size() - 1).at()).isEqualTo(ev.get(ev.size() - 2).at());
        assertThat(wfState("w1")).isEqualTo(WorkflowState.Running);

        runToEnd("w1.b", TaskState.Completed);
        assertThat(state("w1.c")).isEqualTo(TaskState.Ready);
        clock.advance(Duration.ofSeconds(1));
        runToEnd("w1.c", TaskState.Completed);
        Workflow wf = store.workflow("w1").orElseThrow();
        assertThat(wf.state()).isEqualTo(WorkflowState.Completed);
        assertThat(wf.finishedAt()).isEqualTo(T0.plusSeconds(4));
        assertThat(stateChanges(events("w1")).getLast()).isEqualTo("wf:Running->Completed");
        assertThat(store.readyTasks(10)).isEmpty();
        assertThat(store.runningTasks()).isEmpty();
    }

    @Test
    void failedHardDependencySkipsDependentsTransitivelyAndWorkflowFails() {
        store.insertWorkflow(workflow("w1", task("w1.a"), task("w1.b", hard("w1.a")), task("w1.c", hard("w1.b")),
                task("w1.d", soft("w1.c")), task("w1.e")));
        runToEnd("w1.a", TaskState.Failed);
        assertThat(state("w1.a")).isEqualTo(TaskState.Failed);
        assertThat(store.task("w1.a").orElseThrow().error()).isEqualTo("boom");
        assertThat(state("w1.b")).isEqualTo(TaskState.Skipped);
        assertThat(state("w1.c")).isEqualTo(TaskState.Skipped);
        assertThat(state("w1.d")).isEqualTo(TaskState.Ready); // soft: runs once c ended, whatever the outcome
        assertThat(store.task("w1.b").orElseThrow().finishedAt()).isEqualTo(T0);
        assertThat(stateChanges(events("w1"))).contains("w1.b:Pending->Skipped", "w1.c:Pending->Skipped",
                "w1.d:Pending->Ready");
        assertThat(wfState("w1")).isEqualTo(WorkflowState.Running);

        runToEnd("w1.d", TaskState.Completed);
        runToEnd("w1.e", TaskState.Completed);
        Workflow wf = store.workflow("w1").orElseThrow();
        assertThat(wf.state()).isEqualTo(WorkflowState.Failed);
        assertThat(wf.finishedAt()).isNotNull();
    }

    @Test
    void softDependencyBecomesReadyAfterItsDependencyFails() {
        store.insertWorkflow(workflow("w1", task("w1.a"), task("w1.cleanup", soft("w1.a"))));
        assertThat(state("w1.cleanup")).isEqualTo(TaskState.Pending);
        runToEnd("w1.a", TaskState.Failed);
        assertThat(state("w1.cleanup")).isEqualTo(TaskState.Ready);
        runToEnd("w1.cleanup", TaskState.Completed);
        assertThat(wfState("w1")).isEqualTo(WorkflowState.Failed);
    }

    @Test
    void cancelledTaskSkipsDependentsAndCancelsWorkflow() {
        store.insertWorkflow(workflow("w1", task("w1.a"), task("w1.b", hard("w1.a"))));
        runToEnd("w1.a", TaskState.Cancelled);
        assertThat(state("w1.b")).isEqualTo(TaskState.Skipped);
        assertThat(wfState("w1")).isEqualTo(WorkflowState.Cancelled);
    }

    @Test
    void staleCompletionIsFencedAndChangesNothing() {
        store.insertWorkflow(workflow("w1", task("w1.a"), task("w1.b", hard("w1.a"))));
        Attempt a = claim("w1.a");
        int eventCount = events("w1").size();
        Task before = store.task("w1.a").orElseThrow();
        clock.advance(Duration.ofSeconds(1));

        assertThat(store.completeAttempt(new AttemptOutcome("w1.a", a.attemptNo() + 1, TaskState.Completed, 0,
                null, null, null, null))).isFalse();
        assertThat(store.completeAttempt(new AttemptOutcome("w1.a", 0, TaskState.Failed, 1,
                null, "x", null, null))).isFalse();
        assertThat(store.task("w1.a").orElseThrow()).isEqualTo(before);
        assertThat(store.attempts("w1.a")).containsExactly(a);
        assertThat(state("w1.b")).isEqualTo(TaskState.Pending);
        assertThat(events("w1")).hasSize(eventCount);

        // after the real completion, a second completion of the same attempt is fenced too
        assertThat(complete(a, TaskState.Completed)).isTrue();
        assertThat(complete(a, TaskState.Failed)).isFalse();
        assertThat(state("w1.a")).isEqualTo(TaskState.Completed);
        // unknown task: nothing to complete
        assertThat(store.completeAttempt(new AttemptOutcome("ghost", 1, TaskState.Completed, 0, null, null, null, null)))
                .isFalse();
    }

    @Test
    void staleAttemptOfARetriedTaskIsFenced() {
        store.insertWorkflow(workflow("w1", task("w1.a")));
        Attempt a1 = claim("w1.a");
        assertThat(store.completeAttempt(new AttemptOutcome("w1.a", 1, TaskState.RetryWait, 1, null, "x", null,
                clock.instant()))).isTrue();
        store.promoteDueRetries(clock.instant());
        Attempt a2 = claim("w1.a");
        assertThat(complete(a1, TaskState.Completed)).isFalse();
        assertThat(state("w1.a")).isEqualTo(TaskState.Running);
        assertThat(complete(a2, TaskState.Completed)).isTrue();
    }

    @Test
    void illegalTransitionThrowsAndLeavesNoTrace() {
        store.insertWorkflow(workflow("w1", task("w1.a"), task("w1.b", hard("w1.a"))));
        Attempt a = claim("w1.a");
        List<Event> before = events("w1");
        Task taskBefore = store.task("w1.a").orElseThrow();
        Workflow wfBefore = store.workflow("w1").orElseThrow();
        clock.advance(Duration.ofSeconds(1));

        for (TaskState illegal : List.of(TaskState.Skipped, TaskState.Ready, TaskState.Pending, TaskState.RolledBack)) {
            assertThatThrownBy(() -> store.completeAttempt(new AttemptOutcome("w1.a", a.attemptNo(), illegal, 0,
                    null, null, null, null)))
                    .isInstanceOfSatisfying(IllegalTransitionException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.ILLEGAL_TRANSITION));
        }
        assertThat(store.task("w1.a").orElseThrow()).isEqualTo(taskBefore);
        assertThat(store.workflow("w1").orElseThrow()).isEqualTo(wfBefore);
        assertThat(store.attempts("w1.a")).containsExactly(a);
        assertThat(events("w1")).isEqualTo(before);
        assertThat(complete(a, TaskState.Completed)).isTrue(); // and the store still works
    }

    // ------------------------------------------------------------------------------------------ queue, retries

    @Test
    void readyQueueIsOrderedByPriorityThenSubmission() {
        store.insertWorkflow(workflow("w1", task("w1.low", Priority.low), task("w1.n1"), task("w1.crit", Priority.critical),
                task("w1.high", Priority.high), task("w1.later", hard("w1.n1"))));
        store.insertWorkflow(workflow("w2", task("w2.n2"), task("w2.crit", Priority.critical)));
        assertThat(ids(store.readyTasks(100)))
                .containsExactly("w1.crit", "w2.crit", "w1.high", "w1.n1", "w2.n2", "w1.low");
        assertThat(ids(store.readyTasks(2))).containsExactly("w1.crit", "w2.crit");
        runToEnd("w1.n1", TaskState.Completed);
        // w1.later was submitted (seq) before w2.n2, even though it became Ready later
        assertThat(ids(store.readyTasks(100)))
                .containsExactly("w1.crit", "w2.crit", "w1.high", "w1.later", "w2.n2", "w1.low");
        assertThat(store.readyTasks(100).get(3).dependsOn()).containsExactly(hard("w1.n1"));
    }

    @Test
    void retryWaitIsPromotedWhenDue() {
        store.insertWorkflow(workflow("w1", task("w1.a"), task("w1.b")));
        assertThat(store.nextRetryAt()).isEmpty();
        assertThat(store.promoteDueRetries(clock.instant())).isZero();
        Attempt a = claim("w1.a");
        Attempt b = claim("w1.b");
        Instant dueA = T0.plusSeconds(30);
        Instant dueB = T0.plusSeconds(10);
        assertThat(store.completeAttempt(new AttemptOutcome("w1.a", a.attemptNo(), TaskState.RetryWait, 1, null,
                "exit 1", "err", dueA))).isTrue();
        assertThat(store.completeAttempt(new AttemptOutcome("w1.b", b.attemptNo(), TaskState.RetryWait, 1, null,
                "exit 1", "err", dueB))).isTrue();

        Task ta = store.task("w1.a").orElseThrow();
        assertThat(ta.state()).isEqualTo(TaskState.RetryWait);
        assertThat(ta.nextAttemptAt()).isEqualTo(dueA);
        assertThat(ta.finishedAt()).isNull();
        assertThat(ta.error()).isEqualTo("exit 1");
        assertThat(store.nextRetryAt()).contains(dueB);
        assertThat(wfState("w1")).isEqualTo(WorkflowState.Running);
        assertThat(store.readyTasks(10)).isEmpty();

        clock.advance(Duration.ofSeconds(9));
        assertThat(store.promoteDueRetries(clock.instant())).isZero();
        clock.advance(Duration.ofSeconds(1));
        assertThat(store.promoteDueRetries(clock.instant())).isEqualTo(1);
        assertThat(state("w1.b")).isEqualTo(TaskState.Ready);
        assertThat(store.task("w1.b").orElseThrow().nextAttemptAt()).isNull();
        assertThat(store.nextRetryAt()).contains(dueA);
        assertThat(stateChanges(events("w1"))).contains("w1.b:RetryWait->Ready").doesNotContain("w1.a:RetryWait->Ready");

        clock.advance(Duration.ofMinutes(1));
        assertThat(store.promoteDueRetries(clock.instant())).isEqualTo(1);
        assertThat(store.nextRetryAt()).isEmpty();
        assertThat(ids(store.readyTasks(10))).containsExactly("w1.a", "w1.b");
        assertThat(wfState("w1")).isEqualTo(WorkflowState.Running); // never goes back to Pending
        runToEnd("w1.a", TaskState.Completed);
        runToEnd("w1.b", TaskState.Completed);
        assertThat(wfState("w1")).isEqualTo(WorkflowState.Completed);
    }

    @Test
    void retryWaitNeedsNextAttemptAt() {
        store.insertWorkflow(workflow("w1", task("w1.a")));
        Attempt a = claim("w1.a");
        assertThatThrownBy(() -> store.completeAttempt(new AttemptOutcome("w1.a", a.attemptNo(), TaskState.RetryWait,
                1, null, null, null, null))).isInstanceOf(IllegalArgumentException.class);
        assertThat(state("w1.a")).isEqualTo(TaskState.Running);
    }

    // ------------------------------------------------------------------------------------------ progress, events

    @Test
    void progressIsStoredWithAnEventAndIgnoredForAStaleAttempt() {
        store.insertWorkflow(workflow("w1", task("w1.a")));
        assertThat(store.recordProgress("w1.a", 1, 10, "not running yet")).isFalse();
        Attempt a = claim("w1.a");
        clock.advance(Duration.ofSeconds(2));
        assertThat(store.recordProgress("w1.a", a.attemptNo(), 40, "creating server")).isTrue();
        Task t = store.task("w1.a").orElseThrow();
        assertThat(t.progress()).isEqualTo(40);
        assertThat(t.progressMessage()).isEqualTo("creating server");
        assertThat(t.updatedAt()).isEqualTo(T0.plusSeconds(2));
        Event e = events("w1").getLast();
        assertThat(e.type()).isEqualTo("task.progress");
        assertThat(e.taskId()).isEqualTo("w1.a");
        assertThat(e.data()).isEqualTo(Json.read("{\"percent\":40,\"message\":\"creating server\"}"));
        assertThat(e.at()).isEqualTo(T0.plusSeconds(2));

        int count = events("w1").size();
        assertThat(store.recordProgress("w1.a", a.attemptNo() + 1, 90, "stale")).isFalse();
        assertThat(store.recordProgress("w1.a", a.attemptNo(), 150, "clamped")).isTrue();
        assertThat(store.task("w1.a").orElseThrow().progress()).isEqualTo(100);
        complete(a, TaskState.Completed);
        assertThat(store.recordProgress("w1.a", a.attemptNo(), 100, "after the end")).isFalse();
        assertThat(store.task("w1.a").orElseThrow().progressMessage()).isEqualTo("clamped");
        assertThat(events("w1")).hasSize(count + 3); // progress, task Completed, workflow Completed
    }

    @Test
    void eventsPageByAfterId() {
        store.insertWorkflow(workflow("w1", task("w1.a")));
        store.insertWorkflow(workflow("w2", task("w2.a")));
        for (int i = 0; i < 5; i++) store.appendEvent("w1", null, "log.notice", Json.read("{\"i\":" + i + "}"));
        List<Event> all = events("w1");
        assertThat(all).hasSize(7).allMatch(e -> e.workflowId().equals("w1"));
        assertThat(all).extracting(Event::id).isSorted().doesNotHaveDuplicates();

        List<Event> paged = new ArrayList<>();
        long after = 0;
        while (true) {
            List<Event> page = store.events("w1", after, 3);
            if (page.isEmpty()) break;
            assertThat(page.size()).isLessThanOrEqualTo(3);
            paged.addAll(page);
            after = page.getLast().id();
        }
        assertThat(paged).isEqualTo(all);
        assertThat(store.events("w1", all.get(4).id(), 100)).isEqualTo(all.subList(5, 7));
        assertThat(store.events("w1", all.getLast().id(), 100)).isEmpty();

        long id = store.appendEvent("w1", "w1.a", "task.log", null);
        assertThat(id).isGreaterThan(all.getLast().id());
        Event last = events("w1").getLast();
        assertThat(last.id()).isEqualTo(id);
        assertThat(last.taskId()).isEqualTo("w1.a");
        assertThat(last.data()).isNull();
        assertThatThrownBy(() -> store.appendEvent("ghost", null, "x", null))
                .isInstanceOfSatisfying(ProvisioningException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
    }

    // ------------------------------------------------------------------------------------------ concurrency

    @Test
    void concurrentClaimsClaimEachTaskExactlyOnce() throws Exception {
        int threads = 8, n = 200;
        NewTask[] tasks = new NewTask[n];
        for (int i = 0; i < n; i++) tasks[i] = task("w1.t" + i);
        store.insertWorkflow(workflow("w1", tasks));
        List<String> taskIds = Arrays.stream(tasks).map(NewTask::id).toList();

        Map<String, List<String>> winners = new ConcurrentHashMap<>();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                String owner = "node-" + t;
                long seed = t;
                futures.add(pool.submit(() -> {
                    List<String> order = new ArrayList<>(taskIds);
                    Collections.shuffle(order, new Random(seed));
                    try {
                        start.await();
                        for (String id : order)
                            store.claim(id, owner, "/runs/" + id).ifPresent(a ->
                                    winners.computeIfAbsent(a.taskId(), k -> new CopyOnWriteArrayList<>()).add(owner));
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) f.get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        assertThat(errors).isEmpty();
        assertThat(winners).hasSize(n);
        assertThat(winners.values()).allSatisfy(owners -> assertThat(owners).hasSize(1));
        assertThat(store.runningTasks()).hasSize(n).allSatisfy(t -> assertThat(t.attempt()).isEqualTo(1));
        for (String id : taskIds) assertThat(store.attempts(id)).hasSize(1);
        List<String> changes = stateChanges(events("w1"));
        assertThat(changes.stream().filter(s -> s.endsWith("Ready->Running"))).hasSize(n);
        assertThat(changes.stream().filter(s -> s.equals("wf:Pending->Running"))).hasSize(1);
        assertThat(store.readyTasks(10)).isEmpty();
    }

    /** Two daemons (two stores, two pools) on one database: still each task exactly once. */
    @Test
    void twoStoresOnOneDatabaseClaimEachTaskExactlyOnce() throws Exception {
        int n = 100;
        NewTask[] tasks = new NewTask[n];
        for (int i = 0; i < n; i++) tasks[i] = task("w1.t" + i);
        store.insertWorkflow(workflow("w1", tasks));
        List<String> taskIds = Arrays.stream(tasks).map(NewTask::id).toList();
        Map<String, List<String>> winners = new ConcurrentHashMap<>();
        try (JdbcStore other = openStore(clock)) {
            List<JdbcStore> stores = List.of(store, other);
            ExecutorService pool = Executors.newFixedThreadPool(4);
            CountDownLatch start = new CountDownLatch(1);
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    JdbcStore s = stores.get(t % 2);
                    String owner = "node-" + t;
                    long seed = 100 + t;
                    futures.add(pool.submit(() -> {
                        List<String> order = new ArrayList<>(taskIds);
                        Collections.shuffle(order, new Random(seed));
                        start.await();
                        for (String id : order)
                            s.claim(id, owner, "/r").ifPresent(a ->
                                    winners.computeIfAbsent(a.taskId(), k -> new CopyOnWriteArrayList<>()).add(owner));
                        return null;
                    }));
                }
                start.countDown();
                for (Future<?> f : futures) f.get(60, TimeUnit.SECONDS);
            } finally {
                pool.shutdownNow();
            }
        }
        assertThat(winners).hasSize(n);
        assertThat(winners.values()).allSatisfy(owners -> assertThat(owners).hasSize(1));
        assertThat(store.runningTasks()).hasSize(n);
        List<Event> ev = events("w1");
        assertThat(ev).extracting(Event::id).isSorted().doesNotHaveDuplicates();
        assertThat(stateChanges(ev).stream().filter(x -> x.equals("wf:Pending->Running"))).hasSize(1);
    }

    @Test
    void concurrentCompletionsOfSiblingsPromoteTheJoinAndFinishTheWorkflow() throws Exception {
        int n = 40;
        List<NewTask> tasks = new ArrayList<>();
        List<Dependency> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            tasks.add(task("w1.s" + i));
            all.add(hard("w1.s" + i));
        }
        tasks.add(task("w1.join", all.toArray(Dependency[]::new)));
        store.insertWorkflow(workflow("w1", tasks.toArray(NewTask[]::new)));
        List<Attempt> attempts = new ArrayList<>();
        for (int i = 0; i < n; i++) attempts.add(claim("w1.s" + i));

        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<Boolean>> futures = new ArrayList<>();
            for (Attempt a : attempts)
                futures.add(pool.submit(() -> {
                    start.await();
                    return complete(a, TaskState.Completed);
                }));
            start.countDown();
            for (Future<Boolean> f : futures) assertThat(f.get(60, TimeUnit.SECONDS)).isTrue();
        } finally {
            pool.shutdownNow();
        }
        assertThat(state("w1.join")).isEqualTo(TaskState.Ready);
        assertThat(stateChanges(events("w1")).stream().filter(s -> s.equals("w1.join:Pending->Ready"))).hasSize(1);
        runToEnd("w1.join", TaskState.Completed);
        assertThat(wfState("w1")).isEqualTo(WorkflowState.Completed);
    }

    static JsonNode json(String s) { return Json.read(s); }
}
