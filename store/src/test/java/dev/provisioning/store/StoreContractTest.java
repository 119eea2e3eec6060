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
import dev.provisioning.core.model.NewWorkflow.OnFailure;
import dev.provisioning.core.model.Priority;
import dev.provisioning.core.model.QueuedTask;
import dev.provisioning.core.model.RetrySpec;
import dev.provisioning.core.model.Task;
import dev.provisioning.core.model.TaskState;
import dev.provisioning.core.model.Workflow;
import dev.provisioning.core.model.WorkflowState;
import dev.provisioning.core.port.Store;
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

    /** Whether {@link #openStore} promises to be the database's only writer (no test then writes through a second one). */
    protected boolean onlyWriter() {
        return false;
    }

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

    @Test
    void tasksReadByTheStoreThatInsertedThemEqualWhatAFreshStoreReads() {
        // the inserting store keeps the definitions it wrote; another reads and parses the rows
        NewTask nu = new NewTask("d.nu", "nu", new Action.Nu("servers/create.nu", "create-server",
                Json.read("{\"name\":\"web-1\",\"size\":{\"cpu\":2,\"tags\":[\"a\",null,1.5]},\"x\":null}")),
                List.of(), Priority.high, 30_000, new RetrySpec(5, RetrySpec.Backoff.linear, java.time.Duration.ofMillis(250),
                java.time.Duration.ofSeconds(7), 0.3), "idem-nu", new Action.Nu("servers/delete.nu", "delete-server",
                Json.read("{\"name\":\"web-1\"}")), List.of("provider:local", "dc:eu"));
        NewTask script = new NewTask("d.script", "script", new Action.Script("scripts/setup.nu", List.of("--flag", "a b", "")),
                List.of(hard("d.nu")), null, 0, RetrySpec.DEFAULT, "idem-script", null, List.of());
        NewTask command = new NewTask("d.cmd", "cmd", new Action.Command(List.of("sh", "-c", "echo 'x' \"$1\"", "--")),
                List.of(soft("d.nu"), new Dependency("d.script", null)), Priority.low, 1_000, RETRY_3, "idem-cmd",
                new Action.Command(List.of("undo")), List.of("provider:local"));
        store.insertWorkflow(workflow("d", nu, script, command));
        JdbcStore fresh = openStore(clock);
        try {
            for (String id : List.of("d.nu", "d.script", "d.cmd"))
                assertThat(store.task(id).orElseThrow()).as(id).isEqualTo(fresh.task(id).orElseThrow());
            Attempt a = claim("d.nu"); // a claim reads the row through the same path
            assertThat(store.claimTask("d.nu", "node-1", "/runs/x")).isEmpty();
            assertThat(store.task("d.nu").orElseThrow()).isEqualTo(fresh.task("d.nu").orElseThrow());
            assertThat(a.attemptNo()).isEqualTo(1);
        } finally {
            fresh.close();
        }
    }

    @Test
    void theEndRecordsTheAttemptsPidUnlessItsStartDid() {
        store.insertWorkflow(workflow("p", task("p.a"), task("p.b")));
        Attempt a = claim("p.a");
        assertThat(store.completeAttempt(new AttemptOutcome("p.a", a.attemptNo(), TaskState.Completed, 0, null, null, "", null)
                .withPid(4242L))).isTrue();
        assertThat(store.attempts("p.a").getFirst().pid()).isEqualTo(4242L);
        Attempt b = claim("p.b");
        store.attemptStarted("p.b", b.attemptNo(), 777);
        assertThat(store.completeAttempt(new AttemptOutcome("p.b", b.attemptNo(), TaskState.Completed, 0, null, null, "", null)
                .withPid(888L))).isTrue();
        assertThat(store.attempts("p.b").getFirst().pid()).isEqualTo(777L);
    }

    @Test
    void aJoinBecomesReadyAtItsLastDependencysEndWhateverTheOrder() {
        // d joins a, b (hard) and c (soft); c fails, which with on_failure = continue does not stop d
        store.insertWorkflow(workflow("j", OnFailure.CONTINUE, task("j.a"), task("j.b"), task("j.c"),
                task("j.d", hard("j.b"), soft("j.c"), hard("j.a"))));
        Attempt b = claim("j.b");
        assertThat(complete(claim("j.a"), TaskState.Completed)).isTrue();
        assertThat(store.task("j.d").orElseThrow().state()).isEqualTo(TaskState.Pending);
        assertThat(complete(claim("j.c"), TaskState.Failed)).isTrue();
        assertThat(store.task("j.d").orElseThrow().state()).isEqualTo(TaskState.Pending); // b still runs
        assertThat(complete(b, TaskState.Completed)).isTrue();
        assertThat(store.task("j.d").orElseThrow().state()).isEqualTo(TaskState.Ready);
        assertThat(complete(claim("j.d"), TaskState.Completed)).isTrue();
        assertThat(store.workflow("j").orElseThrow().state()).isEqualTo(WorkflowState.Failed);
    }

    @Test
    void eventsReadByTheStoreThatWroteThemEqualWhatAFreshStoreReads() {
        // the writing store answers from the events it committed (where it is the only writer); another reads the table
        store.insertWorkflow(workflow("e1", task("e1.a"), task("e1.b", hard("e1.a"))));
        store.insertWorkflow(workflow("e2", task("e2.a"), task("e2.b")));
        Attempt a = claim("e1.a");
        Attempt other = claim("e2.a");
        assertThat(store.recordProgress("e1.a", a.attemptNo(), 40, "half way")).isTrue();
        assertThat(store.saveCheckpoint("e1.a", a.attemptNo(), Json.read("{\"step\":2,\"f\":1.5,\"n\":null,\"l\":[1,\"x\"]}"))).isTrue();
        clock.advance(Duration.ofNanos(1_234_567_891)); // event times are kept to the millisecond
        assertThat(store.completeAttempt(new AttemptOutcome("e1.a", a.attemptNo(), TaskState.Completed, 0,
                Json.read("{\"ip\":\"10.0.0.1\"}"), null, null, null))).isTrue();
        assertThat(store.cancelWorkflow("e2")).containsExactly(other.taskId());
        JdbcStore fresh = openStore(clock);
        try {
            for (String wf : List.of("e1", "e2", "none")) {
                List<Long> cursors = new ArrayList<>(List.of(0L, Long.MAX_VALUE));
                fresh.events(wf, 0, 10_000).forEach(e -> cursors.add(e.id()));
                for (long after : cursors)
                    for (int limit : List.of(1, 2, 10_000))
                        assertThat(store.events(wf, after, limit)).as("%s after %d, limit %d", wf, after, limit)
                                .isEqualTo(fresh.events(wf, after, limit));
            }
            assertThat(events("e1")).extracting(Event::type).contains("task.progress", "task.checkpoint", "workflow.state");
        } finally {
            fresh.close();
        }
    }

    // ------------------------------------------------------------------------------------------ leases (D37)

    @Test
    void aLeaseIsRenewedByItsOwnerAndTakenOverOnlyOnceItRanOut() {
        store.withLeases(Duration.ofSeconds(30));
        store.insertWorkflow(workflow("l", task("l.a"), task("l.b"), task("l.c")));
        Attempt a = store.claim("l.a", "node-1", "/runs/l.a").orElseThrow(); // both leases last until T0 + 30 s
        Attempt b = store.claim("l.b", "node-2", "/runs/l.b").orElseThrow();
        clock.advance(Duration.ofSeconds(20));
        assertThat(store.expiredLeases(clock.instant())).isEmpty();
        assertThat(store.renewLeases("node-1")).containsExactly("l.a"); // until T0 + 50 s; node-2 renews nothing
        clock.advance(Duration.ofSeconds(15));
        Instant now = clock.instant();
        List<Task> expired = store.expiredLeases(now);
        assertThat(ids(expired)).containsExactly("l.b");
        assertThat(expired.getFirst().attempt()).isEqualTo(b.attemptNo());

        // a's lease holds: a take-over is fenced and changes nothing
        assertThat(store.takeOverAttempt(lost(a, now), now)).isFalse();
        assertThat(state("l.a")).isEqualTo(TaskState.Running);
        // b's ran out: taken over once, and the task waits for its retry
        long eventsBefore = events("l").size();
        assertThat(store.takeOverAttempt(lost(b, now), now)).isTrue();
        assertThat(store.takeOverAttempt(lost(b, now), now)).isFalse();
        assertThat(events("l")).hasSize((int) eventsBefore + 1);
        assertThat(state("l.b")).isEqualTo(TaskState.RetryWait);
        assertThat(store.attempts("l.b").getFirst().error()).isEqualTo("attempt lost: node-2 stopped renewing its lease");
        assertThat(store.expiredLeases(now)).isEmpty();
        // its old owner learns that it lost the attempt: its renewal leaves it out, and its end is fenced
        assertThat(store.renewLeases("node-2")).isEmpty();
        assertThat(complete(b, TaskState.Completed)).isFalse();
        assertThat(state("l.b")).isEqualTo(TaskState.RetryWait);
        // the end of an attempt clears its lease: never taken over afterwards
        assertThat(complete(a, TaskState.Completed)).isTrue();
        clock.advance(Duration.ofHours(1));
        assertThat(store.expiredLeases(clock.instant())).isEmpty();
    }

    @Test
    void aRunningRollbackHoldsALeaseToo() {
        store.withLeases(Duration.ofSeconds(30));
        store.insertWorkflow(workflow("w1", OnFailure.ROLLBACK, undoable("w1.a"), task("w1.f")));
        runToEnd("w1.a", TaskState.Completed);
        runToEnd("w1.f", TaskState.Failed);
        Attempt r = store.claimRollback("w1.a", "node-2", "/runs/w1/a").orElseThrow(); // held for 30 s
        clock.advance(Duration.ofSeconds(20));
        assertThat(store.renewLeases("node-2")).containsExactly("w1.a"); // for 30 s from now
        clock.advance(Duration.ofSeconds(11));
        Instant now = clock.instant();
        assertThat(store.takeOverRollback("w1.a", r.attemptNo(), "rollback attempt lost", now)).isFalse();
        clock.advance(Duration.ofSeconds(20));
        now = clock.instant();
        assertThat(ids(store.expiredLeases(now))).containsExactly("w1.a");
        assertThat(store.takeOverRollback("w1.a", r.attemptNo(), "rollback attempt lost", now)).isTrue();
        assertThat(store.takeOverRollback("w1.a", r.attemptNo(), "rollback attempt lost", now)).isFalse();
        Task a = store.task("w1.a").orElseThrow();
        assertThat(a.state()).isEqualTo(TaskState.RollbackFailed);
        assertThat(a.error()).isEqualTo("rollback attempt lost");
        assertThat(a.rollbackRunning()).isFalse();
        assertThat(wfState("w1")).isEqualTo(WorkflowState.Failed);
        assertThat(store.renewLeases("node-2")).isEmpty();
        assertThat(store.completeRollback("w1.a", r.attemptNo(), true, 0, null, null)).isFalse();
    }

    @Test
    void withoutLeasesAClaimHoldsNoneAndIsNeverTakenOver() {
        store.insertWorkflow(workflow("n", task("n.a")));
        Attempt a = claim("n.a");
        clock.advance(Duration.ofDays(1));
        Instant now = clock.instant();
        assertThat(store.renewLeases("node-1")).isEmpty();
        assertThat(store.expiredLeases(now)).isEmpty();
        assertThat(store.takeOverAttempt(lost(a, now), now)).isFalse();
        assertThat(state("n.a")).isEqualTo(TaskState.Running);
        assertThat(complete(a, TaskState.Completed)).isTrue();
    }

    @Test
    void aCancelMarksTheRunningTasksForTheDaemonThatRunsThemAndAClaimClearsTheMark() {
        store.insertWorkflow(workflow("k", task("k.a"), task("k.b"), task("k.c"), task("k.d", hard("k.a"))));
        Attempt a = store.claim("k.a", "node-1", "/runs/k.a").orElseThrow();
        Attempt b = store.claim("k.b", "node-2", "/runs/k.b").orElseThrow();
        assertThat(store.cancelRequested("node-1")).isEmpty();
        assertThat(store.cancelWorkflow("k")).containsExactlyInAnyOrder("k.a", "k.b");
        assertThat(store.cancelRequested("node-1")).containsExactly("k.a");
        assertThat(store.cancelRequested("node-2")).containsExactly("k.b");
        assertThat(state("k.c")).isEqualTo(TaskState.Cancelled);
        // the attempts end Cancelled; the workflow is then Cancelled, and a resume runs them again, unmarked
        for (Attempt x : List.of(a, b))
            assertThat(store.completeAttempt(new AttemptOutcome(x.taskId(), x.attemptNo(), TaskState.Cancelled, 143, null,
                    "cancelled", null, null))).isTrue();
        assertThat(store.cancelRequested("node-1")).isEmpty();
        assertThat(wfState("k")).isEqualTo(WorkflowState.Cancelled);
        store.resumeWorkflow("k");
        store.claim("k.a", "node-1", "/runs/k.a").orElseThrow();
        assertThat(store.cancelRequested("node-1")).isEmpty();
    }

    /** The outcome another daemon records for an attempt it takes over: lost, to be retried a second later. */
    static AttemptOutcome lost(Attempt a, Instant now) {
        return new AttemptOutcome(a.taskId(), a.attemptNo(), TaskState.RetryWait, -1, null,
                "attempt lost: " + a.owner() + " stopped renewing its lease", null, now.plusSeconds(1));
    }

    // ------------------------------------------------------------------------------------------ helpers

    static NewTask task(String id, Dependency... deps) {
        return task(id, null, deps);
    }

    static NewTask task(String id, Priority priority, Dependency... deps) {
        return new NewTask(id, id.substring(id.indexOf('.') + 1),
                new Action.Command(List.of("echo", id)), List.of(deps), priority, 60_000, RETRY_3, "idem-" + id, null,
                List.of());
    }

    static final RetrySpec RETRY_3 = RetrySpec.DEFAULT.withMaxAttempts(3);

    /** A task with a rollback action ({@code undo <id>}). */
    static NewTask undoable(String id, Dependency... deps) {
        NewTask t = task(id, deps);
        return new NewTask(t.id(), t.key(), t.action(), t.dependsOn(), t.priority(), t.timeoutMs(), t.retry(),
                t.idempotencyKey(), new Action.Command(List.of("undo", id)), t.pools());
    }

    static Dependency hard(String id) { return new Dependency(id, DependencyKind.hard); }

    static Dependency soft(String id) { return new Dependency(id, DependencyKind.soft); }

    static NewWorkflow workflow(String id, NewTask... tasks) {
        return workflow(id, OnFailure.FAIL, tasks);
    }

    static NewWorkflow workflow(String id, OnFailure onFailure, NewTask... tasks) {
        return new NewWorkflow(id, "wf " + id, "batch", Priority.normal, onFailure, 0,
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

    static List<String> queued(List<QueuedTask> tasks) { return tasks.stream().map(QueuedTask::id).toList(); }

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
        RetrySpec retry = new RetrySpec(2, RetrySpec.Backoff.linear, Duration.ofMillis(1500), Duration.ofSeconds(30), 0.1);
        NewTask c = new NewTask("w1.c", "c", new Action.Nu("servers/create.nu", "create-server",
                Json.read("{\"name\":\"wuji\",\"n\":3}")), List.of(soft("w1.a"), hard("w1.b")), Priority.high,
                5_000, retry, "key-c", new Action.Script("servers/delete.nu", List.of("wuji")),
                List.of("provider:upcloud", "dns"));
        NewWorkflow submitted = workflow("w1", task("w1.a"), b, c);
        store.insertWorkflow(new NewWorkflow(submitted.id(), submitted.name(), submitted.kind(), submitted.priority(),
                submitted.onFailure(), 4, submitted.request(), submitted.tasks()));

        Workflow wf = store.workflow("w1").orElseThrow();
        assertThat(wf.parallelLimit()).isEqualTo(4);
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
        assertThat(tc.retry()).isEqualTo(retry);
        assertThat(tc.rollback()).isEqualTo(new Action.Script("servers/delete.nu", List.of("wuji")));
        assertThat(tc.pools()).containsExactly("provider:upcloud", "dns");
        assertThat(tc.checkpoint()).isNull();
        assertThat(tc.attemptBase()).isZero();
        assertThat(tc.attemptsUsed()).isZero();
        assertThat(tc.rollbackRunning()).isFalse();
        Task ta = store.task("w1.a").orElseThrow();
        assertThat(ta.retry()).isEqualTo(RETRY_3);
        assertThat(ta.rollback()).isNull();
        assertThat(ta.pools()).isEmpty();
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
    void claimTaskReturnsTheRowAsClaimedInOneTransaction() {
        store.insertWorkflow(workflow("w1", task("w1.a"), task("w1.b", hard("w1.a"))));
        clock.advance(Duration.ofSeconds(5));
        dev.provisioning.core.port.Store.Claim c = store.claimTask("w1.a", "node-1", "/runs/w1/a").orElseThrow();
        assertThat(c.attempt().attemptNo()).isEqualTo(1);
        assertThat(c.attempt().dir()).isEqualTo(java.nio.file.Path.of("/runs/w1/a.1"));
        assertThat(c.task()).usingRecursiveComparison().isEqualTo(store.task("w1.a").orElseThrow());
        assertThat(c.task().state()).isEqualTo(TaskState.Running);
        assertThat(c.task().attempt()).isEqualTo(1);
        assertThat(store.claimTask("w1.a", "node-2", "/elsewhere")).isEmpty();
        assertThat(store.claimTask("w1.b", "node-1", "/runs/w1/b")).as("b is not Ready").isEmpty();
    }

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
        assertThat(store.readyQueue(10)).isEmpty();
        assertThat(store.runningTasks()).isEmpty();
    }

    @Test
    void theEndHookRunsAfterTheCommitThatEndsAWorkflowAndOnlyThen() {
        store.insertWorkflow(workflow("e1", task("e1.a"), task("e1.b", hard("e1.a"))));
        store.insertWorkflow(workflow("e2", task("e2.a")));
        List<String> seen = new ArrayList<>();
        JdbcStore other = openStore(clock);
        try {
            // what another connection sees when the hook runs: the end has committed
            store.onWorkflowEnd(() -> seen.add(other.workflow("e1").orElseThrow().state() + "/"
                    + other.workflow("e2").orElseThrow().state()));
            runToEnd("e1.a", TaskState.Completed);
            Attempt b = claim("e1.b");
            assertThat(seen).isEmpty();
            complete(b, TaskState.Completed);
            assertThat(seen).containsExactly("Completed/Pending");
            // a failure ends a workflow too; in one transaction, the hook runs once, after its commit
            store.inOneTransaction(() -> {
                runToEnd("e2.a", TaskState.Failed);
                assertThat(seen).hasSize(1);
                return null;
            });
            assertThat(seen).containsExactly("Completed/Pending", "Completed/Failed");
        } finally {
            store.onWorkflowEnd(null);
            other.close();
        }
    }

    @Test
    void oneTransactionCommitsAnEndAndTheClaimsItAllowsTogetherAndItsReadsSeeItsOwnChanges() {
        store.insertWorkflow(workflow("o", task("o.a"), task("o.b", hard("o.a")), task("o.c", hard("o.a"))));
        Attempt a = claim("o.a");
        int before = events("o").size();
        JdbcStore other = openStore(clock); // opened first: on SQLite, a migration check would wait for the write lock
        try {
            List<String> seenInside = new ArrayList<>();
            List<Store.Claim> claims = store.inOneTransaction(() -> {
                assertThat(complete(a, TaskState.Completed)).isTrue();
                // the promotion is visible to reads in the transaction, not yet to anyone else
                store.readyQueue(10).forEach(q -> seenInside.add(q.id()));
                assertThat(other.task("o.a").orElseThrow().state()).isEqualTo(TaskState.Running);
                assertThat(other.readyQueue(10)).isEmpty();
                List<Store.Claim> out = new ArrayList<>();
                for (String id : seenInside) out.add(store.claimTask(id, "node-1", "/runs/" + id).orElseThrow());
                assertThat(store.resultsByKey(List.of("o.a"))).containsKey("a");
                return out;
            });
            assertThat(seenInside).containsExactly("o.b", "o.c");
            assertThat(claims).extracting(c -> c.task().id()).containsExactly("o.b", "o.c");
            assertThat(claims).allSatisfy(c -> assertThat(c.task().dependsOn()).extracting(Dependency::taskId).containsExactly("o.a"));
            for (JdbcStore s : List.of(store, other)) {
                assertThat(s.task("o.a").orElseThrow().state()).isEqualTo(TaskState.Completed);
                assertThat(s.task("o.b").orElseThrow().state()).isEqualTo(TaskState.Running);
                assertThat(s.task("o.c").orElseThrow().state()).isEqualTo(TaskState.Running);
            }
            List<Event> ev = events("o");
            assertThat(stateChanges(ev.subList(before, ev.size()))).containsExactly("o.a:Running->Completed",
                    "o.b:Pending->Ready", "o.c:Pending->Ready", "o.b:Ready->Running", "o.c:Ready->Running");
            assertThat(stateChanges(other.events("o", 0, 10_000))).isEqualTo(stateChanges(ev));
            for (int i = before + 1; i < ev.size(); i++) assertThat(ev.get(i).id()).isEqualTo(ev.get(i - 1).id() + 1);
        } finally {
            other.close();
        }
    }

    @Test
    void oneTransactionCommitsNothingWhenACallInItFailsEvenIfTheBodyCaughtIt() {
        store.insertWorkflow(workflow("f", task("f.a"), task("f.b")));
        Attempt a = claim("f.a");
        List<Event> before = events("f");
        assertThatThrownBy(() -> store.inOneTransaction(() -> {
            assertThat(complete(a, TaskState.Completed)).isTrue();
            store.claimTask("f.b", "node-1", "/runs/f.b").orElseThrow();
            try { // Running cannot move to Pending: the store refuses it
                store.completeAttempt(new AttemptOutcome("f.b", 1, TaskState.Pending, 0, null, null, "", null));
            } catch (IllegalTransitionException expected) {
                // caught here, but the transaction is spoilt
            }
            assertThatThrownBy(() -> store.task("f.a")).isInstanceOf(ProvisioningException.class)
                    .hasMessageContaining("an earlier call in this transaction failed");
            return null;
        })).isInstanceOf(ProvisioningException.class).hasMessageContaining("none of it is committed")
                .satisfies(e -> assertThat(((ProvisioningException) e).code()).isEqualTo(ErrorCode.STORE_FAILURE));
        assertThat(state("f.a")).isEqualTo(TaskState.Running);
        assertThat(state("f.b")).isEqualTo(TaskState.Ready);
        assertThat(store.attempts("f.b")).isEmpty();
        assertThat(events("f")).isEqualTo(before);

        // a body that throws, with a nested one inside: nothing of either is committed; the exception is the body's
        assertThatThrownBy(() -> store.inOneTransaction(() -> {
            store.inOneTransaction(() -> store.claimTask("f.b", "node-1", "/runs/f.b"));
            assertThat(complete(a, TaskState.Completed)).isTrue();
            throw new IllegalStateException("the body gave up");
        })).isInstanceOf(IllegalStateException.class).hasMessage("the body gave up");
        assertThat(state("f.a")).isEqualTo(TaskState.Running);
        assertThat(state("f.b")).isEqualTo(TaskState.Ready);
        assertThat(events("f")).isEqualTo(before);

        // and the store goes on as before
        assertThat(store.inOneTransaction(() -> complete(a, TaskState.Completed))).isTrue();
        assertThat(state("f.a")).isEqualTo(TaskState.Completed);
    }

    @Test
    void resultsByKeyGivesDependencyResultsInTheOrderAskedWithNullForNoneAndSkipsUnknownIds() {
        store.insertWorkflow(workflow("w1", task("w1.a"), task("w1.b"), task("w1.c", hard("w1.b"), hard("w1.a"))));
        Attempt a = claim("w1.a");
        assertThat(store.completeAttempt(new AttemptOutcome("w1.a", a.attemptNo(), TaskState.Completed, 0,
                Json.read("{\"ip\":\"10.0.0.1\"}"), null, "", null))).isTrue();
        runToEnd("w1.b", TaskState.Completed);

        Map<String, JsonNode> inputs = store.resultsByKey(List.of("w1.b", "ghost", "w1.a"));
        assertThat(inputs.keySet()).containsExactly(store.task("w1.b").orElseThrow().key(), store.task("w1.a").orElseThrow().key());
        assertThat(inputs.get(store.task("w1.a").orElseThrow().key())).isEqualTo(Json.read("{\"ip\":\"10.0.0.1\"}"));
        assertThat(inputs.get(store.task("w1.b").orElseThrow().key()).isNull()).isTrue();
        assertThat(store.resultsByKey(List.of())).isEmpty();
    }

    @Test
    void failedHardDependencySkipsDependentsTransitivelyAndWorkflowFails() {
        // continue: only the failure's hard dependents are skipped (on_failure=fail would skip d and e too)
        store.insertWorkflow(workflow("w1", OnFailure.CONTINUE, task("w1.a"), task("w1.b", hard("w1.a")),
                task("w1.c", hard("w1.b")), task("w1.d", soft("w1.c")), task("w1.e")));
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
        store.insertWorkflow(workflow("w1", OnFailure.CONTINUE, task("w1.a"), task("w1.cleanup", soft("w1.a"))));
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
        assertThat(queued(store.readyQueue(100)))
                .containsExactly("w1.crit", "w2.crit", "w1.high", "w1.n1", "w2.n2", "w1.low");
        assertThat(queued(store.readyQueue(2))).containsExactly("w1.crit", "w2.crit");
        runToEnd("w1.n1", TaskState.Completed);
        // w1.later was submitted (seq) before w2.n2, even though it became Ready later
        assertThat(queued(store.readyQueue(100)))
                .containsExactly("w1.crit", "w2.crit", "w1.high", "w1.later", "w2.n2", "w1.low");
        assertThat(store.task(store.readyQueue(100).get(3).id()).orElseThrow().dependsOn()).containsExactly(hard("w1.n1"));
        // the light queue the scheduler plans with says the same as the full rows (pools read before any full row)
        NewTask t = task("w3.pooled");
        store.insertWorkflow(workflow("w3", new NewTask(t.id(), t.key(), t.action(), t.dependsOn(), Priority.low, t.timeoutMs(),
                t.retry(), t.idempotencyKey(), null, List.of("provider:upcloud", "dns"))));
        assertThat(store.readyQueue(100).getLast()).extracting(QueuedTask::id, QueuedTask::pools)
                .containsExactly("w3.pooled", List.of("provider:upcloud", "dns"));
        assertThat(store.readyQueue(100)).isEqualTo(store.readyQueue(100).stream()
                .map(q -> QueuedTask.of(store.task(q.id()).orElseThrow())).toList());
        assertThat(store.readyQueue(2)).extracting(QueuedTask::id).containsExactly("w1.crit", "w2.crit");
        claim("w1.crit");
        assertThat(store.runningQueue()).isEqualTo(store.runningTasks().stream().map(QueuedTask::of).toList())
                .extracting(QueuedTask::priorityWeight).containsExactly(Priority.critical.weight());
    }

    @Test
    void longestWaitingIsOrderedByReadySinceThenSubmission() {
        store.insertWorkflow(workflow("w1", task("w1.low", Priority.low), task("w1.n1"), task("w1.later", hard("w1.n1"))));
        clock.advance(Duration.ofSeconds(5));
        store.insertWorkflow(workflow("w2", task("w2.crit", Priority.critical), task("w2.n2")));
        clock.advance(Duration.ofSeconds(5));
        runToEnd("w1.n1", TaskState.Completed); // w1.later becomes Ready now, the last of all
        assertThat(queued(store.readyQueue(100))).containsExactly("w2.crit", "w1.later", "w2.n2", "w1.low");
        assertThat(queued(store.longestWaiting(100))).containsExactly("w1.low", "w2.crit", "w2.n2", "w1.later");
        assertThat(queued(store.longestWaiting(1))).containsExactly("w1.low");
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
        assertThat(store.readyQueue(10)).isEmpty();

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
        assertThat(queued(store.readyQueue(10))).containsExactly("w1.a", "w1.b");
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

    // ------------------------------------------------------------------------------------------ checkpoints

    @Test
    void checkpointIsFencedAndSurvivesARetry() {
        store.insertWorkflow(workflow("w1", task("w1.a")));
        assertThat(store.saveCheckpoint("w1.a", 1, json("{\"step\":0}"))).isFalse(); // not running yet
        Attempt a1 = claim("w1.a");
        clock.advance(Duration.ofSeconds(1));
        assertThat(store.saveCheckpoint("w1.a", a1.attemptNo(), json("{\"step\":1}"))).isTrue();
        Task t = store.task("w1.a").orElseThrow();
        assertThat(t.checkpoint()).isEqualTo(json("{\"step\":1}"));
        assertThat(t.updatedAt()).isEqualTo(T0.plusSeconds(1));
        Event e = events("w1").getLast();
        assertThat(e.type()).isEqualTo("task.checkpoint");
        assertThat(e.taskId()).isEqualTo("w1.a");
        assertThat(e.data()).isEqualTo(json("{\"step\":1}"));
        int count = events("w1").size();
        assertThat(store.saveCheckpoint("w1.a", a1.attemptNo() + 1, json("{\"step\":9}"))).isFalse(); // stale
        assertThat(store.saveCheckpoint("ghost", 1, json("{}"))).isFalse();
        assertThat(events("w1")).hasSize(count);

        assertThat(store.completeAttempt(new AttemptOutcome("w1.a", a1.attemptNo(), TaskState.RetryWait, 1, null,
                "exit 1", null, clock.instant()))).isTrue();
        assertThat(store.saveCheckpoint("w1.a", a1.attemptNo(), json("{\"step\":9}"))).isFalse(); // attempt ended
        store.promoteDueRetries(clock.instant());
        Attempt a2 = claim("w1.a");
        Task retried = store.task("w1.a").orElseThrow();
        assertThat(retried.attempt()).isEqualTo(2);
        assertThat(retried.checkpoint()).isEqualTo(json("{\"step\":1}")); // the claim keeps it for the new attempt
        assertThat(store.saveCheckpoint("w1.a", a1.attemptNo(), json("{\"step\":9}"))).isFalse();
        assertThat(store.saveCheckpoint("w1.a", a2.attemptNo(), json("{\"step\":2,\"ids\":[1,2]}"))).isTrue();
        assertThat(complete(a2, TaskState.Completed)).isTrue();
        assertThat(store.task("w1.a").orElseThrow().checkpoint()).isEqualTo(json("{\"step\":2,\"ids\":[1,2]}"));
    }

    // ------------------------------------------------------------------------------------------ cancel

    @Test
    void cancelEndsNotStartedTasksAndReturnsTheRunningOnes() {
        store.insertWorkflow(workflow("w1", task("w1.a"), task("w1.b", hard("w1.a")), task("w1.c"), task("w1.d"),
                task("w1.e")));
        Attempt a = claim("w1.a");
        Attempt d = claim("w1.d");
        assertThat(store.completeAttempt(new AttemptOutcome("w1.d", d.attemptNo(), TaskState.RetryWait, 1, null,
                "exit 1", null, T0.plusSeconds(60)))).isTrue();
        runToEnd("w1.e", TaskState.Completed);
        clock.advance(Duration.ofSeconds(2));

        assertThat(store.cancelWorkflow("w1")).containsExactly("w1.a");
        assertThat(state("w1.a")).isEqualTo(TaskState.Running);
        assertThat(state("w1.b")).isEqualTo(TaskState.Cancelled);
        assertThat(state("w1.c")).isEqualTo(TaskState.Cancelled);
        assertThat(state("w1.d")).isEqualTo(TaskState.Cancelled);
        assertThat(state("w1.e")).isEqualTo(TaskState.Completed);
        Task td = store.task("w1.d").orElseThrow();
        assertThat(td.nextAttemptAt()).isNull();
        assertThat(td.finishedAt()).isEqualTo(T0.plusSeconds(2));
        assertThat(store.readyQueue(10)).isEmpty();
        assertThat(store.nextRetryAt()).isEmpty();
        assertThat(wfState("w1")).isEqualTo(WorkflowState.Running); // until a has ended
        List<Event> ev = events("w1");
        assertThat(stateChanges(ev)).contains("w1.b:Pending->Cancelled", "w1.c:Ready->Cancelled",
                "w1.d:RetryWait->Cancelled");
        Event cancel = ev.stream().filter(x -> x.type().equals("workflow.cancel")).findFirst().orElseThrow();
        assertThat(cancel.data().get("running")).isEqualTo(json("[\"w1.a\"]"));
        assertThat(cancel.data().get("cancelled")).isEqualTo(json("[\"w1.b\",\"w1.c\",\"w1.d\"]"));

        // the caller cancels a on the runner; its attempt ends Cancelled and the workflow with it
        assertThat(complete(a, TaskState.Cancelled)).isTrue();
        Workflow wf = store.workflow("w1").orElseThrow();
        assertThat(wf.state()).isEqualTo(WorkflowState.Cancelled);
        assertThat(wf.finishedAt()).isEqualTo(T0.plusSeconds(2));

        assertThatThrownBy(() -> store.cancelWorkflow("w1"))
                .isInstanceOfSatisfying(ProvisioningException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT);
                    assertThat(e.getMessage()).contains("Cancelled");
                });
        assertThatThrownBy(() -> store.cancelWorkflow("ghost"))
                .isInstanceOfSatisfying(ProvisioningException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
    }

    @Test
    void cancellingAWorkflowThatNeverStartedCancelsItAtOnce() {
        store.insertWorkflow(workflow("w1", task("w1.a"), task("w1.b", hard("w1.a"))));
        assertThat(store.cancelWorkflow("w1")).isEmpty();
        assertThat(store.tasks(null, "w1", 10, 0)).extracting(Task::state).containsOnly(TaskState.Cancelled);
        assertThat(wfState("w1")).isEqualTo(WorkflowState.Cancelled);
        assertThat(stateChanges(events("w1"))).endsWith("wf:Pending->Cancelled");
        store.insertWorkflow(workflow("w2", task("w2.a")));
        runToEnd("w2.a", TaskState.Completed);
        assertThatThrownBy(() -> store.cancelWorkflow("w2"))
                .isInstanceOfSatisfying(ProvisioningException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT));
    }

    // ------------------------------------------------------------------------------------------ resume

    @Test
    void resumeGivesAFreshRetryBudgetKeepsCompletedResultsAndPromotes() {
        store.insertWorkflow(workflow("w1", task("w1.a"), task("w1.b", hard("w1.a")), task("w1.c"),
                task("w1.d", hard("w1.c")), task("w1.e", hard("w1.b"))));
        Attempt c = claim("w1.c");
        assertThat(store.completeAttempt(new AttemptOutcome("w1.c", c.attemptNo(), TaskState.Completed, 0,
                json("{\"ip\":\"10.0.0.3\"}"), null, null, null))).isTrue();
        // a uses its whole budget: 3 attempts; d is Ready and is skipped by on_failure=fail
        for (int i = 1; i <= 2; i++) {
            Attempt ai = claim("w1.a");
            assertThat(store.completeAttempt(new AttemptOutcome("w1.a", ai.attemptNo(), TaskState.RetryWait, 1, null,
                    "exit 1", "err", clock.instant()))).isTrue();
            store.promoteDueRetries(clock.instant());
        }
        Attempt a3 = claim("w1.a");
        assertThat(store.saveCheckpoint("w1.a", a3.attemptNo(), json("{\"step\":5}"))).isTrue();
        assertThat(complete(a3, TaskState.Failed)).isTrue();
        assertThat(state("w1.b")).isEqualTo(TaskState.Skipped);
        assertThat(state("w1.d")).isEqualTo(TaskState.Skipped);
        assertThat(state("w1.e")).isEqualTo(TaskState.Skipped);
        assertThat(wfState("w1")).isEqualTo(WorkflowState.Failed);
        Task failed = store.task("w1.a").orElseThrow();
        assertThat(failed.attempt()).isEqualTo(3);
        assertThat(failed.attemptsUsed()).isEqualTo(3);

        clock.advance(Duration.ofMinutes(1));
        int before = events("w1").size();
        store.resumeWorkflow("w1");

        Workflow wf = store.workflow("w1").orElseThrow();
        assertThat(wf.state()).isEqualTo(WorkflowState.Running);
        assertThat(wf.finishedAt()).isNull();
        Task a = store.task("w1.a").orElseThrow();
        assertThat(a.state()).isEqualTo(TaskState.Ready);
        assertThat(a.attempt()).isEqualTo(3);
        assertThat(a.attemptBase()).isEqualTo(3);
        assertThat(a.attemptsUsed()).isZero();
        assertThat(a.error()).isNull();
        assertThat(a.exitCode()).isNull();
        assertThat(a.result()).isNull();
        assertThat(a.stderrTail()).isNull();
        assertThat(a.finishedAt()).isNull();
        assertThat(a.nextAttemptAt()).isNull();
        assertThat(a.checkpoint()).isEqualTo(json("{\"step\":5}")); // the next attempt carries on from it
        Task tc = store.task("w1.c").orElseThrow();
        assertThat(tc.state()).isEqualTo(TaskState.Completed);
        assertThat(tc.result()).isEqualTo(json("{\"ip\":\"10.0.0.3\"}"));
        assertThat(state("w1.d")).isEqualTo(TaskState.Ready); // its dependency c is Completed
        assertThat(state("w1.b")).isEqualTo(TaskState.Pending);
        assertThat(state("w1.e")).isEqualTo(TaskState.Pending);
        List<Event> resumed = events("w1").subList(before, events("w1").size());
        assertThat(resumed).allMatch(e -> e.at().equals(T0.plusSeconds(60)));
        assertThat(stateChanges(resumed)).containsExactlyInAnyOrder("w1.a:Failed->Pending", "w1.b:Skipped->Pending",
                "w1.d:Skipped->Pending", "w1.e:Skipped->Pending", "wf:Failed->Running", "w1.a:Pending->Ready",
                "w1.d:Pending->Ready");
        assertThat(stateChanges(resumed).indexOf("w1.a:Failed->Pending"))
                .isLessThan(stateChanges(resumed).indexOf("w1.a:Pending->Ready"));
        assertThat(queued(store.readyQueue(10))).containsExactly("w1.a", "w1.d");

        Attempt a4 = claim("w1.a");
        assertThat(a4.attemptNo()).isEqualTo(4); // attempt numbers never repeat
        assertThat(store.task("w1.a").orElseThrow().attemptsUsed()).isEqualTo(1);
        assertThat(complete(a4, TaskState.Completed)).isTrue();
        runToEnd("w1.d", TaskState.Completed);
        runToEnd("w1.b", TaskState.Completed);
        runToEnd("w1.e", TaskState.Completed);
        assertThat(wfState("w1")).isEqualTo(WorkflowState.Completed);
        assertThat(store.attempts("w1.a")).extracting(Attempt::attemptNo).containsExactly(1, 2, 3, 4);
    }

    @Test
    void resumeOfACancelledWorkflowRunsTheCancelledTasksAgain() {
        store.insertWorkflow(workflow("w1", task("w1.a"), task("w1.b", hard("w1.a"))));
        runToEnd("w1.a", TaskState.Completed);
        store.cancelWorkflow("w1");
        assertThat(wfState("w1")).isEqualTo(WorkflowState.Cancelled);
        store.resumeWorkflow("w1");
        assertThat(wfState("w1")).isEqualTo(WorkflowState.Running);
        assertThat(state("w1.b")).isEqualTo(TaskState.Ready);
        assertThat(stateChanges(events("w1"))).endsWith("w1.b:Cancelled->Pending", "wf:Cancelled->Running",
                "w1.b:Pending->Ready");
        runToEnd("w1.b", TaskState.Completed);
        assertThat(wfState("w1")).isEqualTo(WorkflowState.Completed);
    }

    @Test
    void resumeConflictsUnlessFailedOrCancelled() {
        store.insertWorkflow(workflow("w1", task("w1.a"), task("w1.b")));
        assertResumeConflict("w1", "Pending");
        Attempt a = claim("w1.a");
        assertResumeConflict("w1", "Running");
        complete(a, TaskState.Completed);
        runToEnd("w1.b", TaskState.Completed);
        assertResumeConflict("w1", "Completed");
        assertThatThrownBy(() -> store.resumeWorkflow("ghost"))
                .isInstanceOfSatisfying(ProvisioningException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
    }

    void assertResumeConflict(String wfId, String stateName) {
        List<Event> before = events(wfId);
        assertThatThrownBy(() -> store.resumeWorkflow(wfId))
                .isInstanceOfSatisfying(ProvisioningException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT);
                    assertThat(e.getMessage()).contains(stateName);
                });
        assertThat(events(wfId)).isEqualTo(before);
    }

    // ------------------------------------------------------------------------------------------ on_failure

    @Test
    void onFailureFailSkipsWhatHasNotStartedAndFailsOnceTheRunningOnesEnd() {
        store.insertWorkflow(workflow("w1", OnFailure.FAIL, task("w1.a"), task("w1.b"), task("w1.c"),
                task("w1.d", hard("w1.b")), task("w1.r"), task("w1.s", soft("w1.a"))));
        Attempt a = claim("w1.a");
        Attempt b = claim("w1.b");
        Attempt r = claim("w1.r");
        assertThat(store.completeAttempt(new AttemptOutcome("w1.r", r.attemptNo(), TaskState.RetryWait, 1, null,
                "exit 1", null, T0.plusSeconds(30)))).isTrue();

        assertThat(complete(a, TaskState.Failed)).isTrue();
        assertThat(state("w1.b")).isEqualTo(TaskState.Running); // running tasks finish
        assertThat(state("w1.c")).isEqualTo(TaskState.Skipped);  // Ready
        assertThat(state("w1.d")).isEqualTo(TaskState.Skipped);  // Pending on a running task
        assertThat(state("w1.r")).isEqualTo(TaskState.Skipped);  // RetryWait
        assertThat(state("w1.s")).isEqualTo(TaskState.Skipped);  // soft dependent of the failure: nothing new starts
        assertThat(store.task("w1.r").orElseThrow().nextAttemptAt()).isNull();
        assertThat(stateChanges(events("w1"))).contains("w1.c:Ready->Skipped", "w1.d:Pending->Skipped",
                "w1.r:RetryWait->Skipped");
        assertThat(store.readyQueue(10)).isEmpty();
        assertThat(store.nextRetryAt()).isEmpty();
        assertThat(wfState("w1")).isEqualTo(WorkflowState.Running);

        assertThat(complete(b, TaskState.Completed)).isTrue();
        assertThat(state("w1.d")).isEqualTo(TaskState.Skipped);
        assertThat(state("w1.b")).isEqualTo(TaskState.Completed); // fail does not roll back
        assertThat(wfState("w1")).isEqualTo(WorkflowState.Failed);
    }

    @Test
    void onFailureContinueRunsTheIndependentBranches() {
        store.insertWorkflow(workflow("w1", OnFailure.CONTINUE, task("w1.a"), task("w1.b", hard("w1.a")),
                task("w1.c"), task("w1.d", hard("w1.c"))));
        runToEnd("w1.a", TaskState.Failed);
        assertThat(state("w1.b")).isEqualTo(TaskState.Skipped);
        assertThat(state("w1.c")).isEqualTo(TaskState.Ready);
        runToEnd("w1.c", TaskState.Completed);
        assertThat(state("w1.d")).isEqualTo(TaskState.Ready);
        runToEnd("w1.d", TaskState.Completed);
        assertThat(wfState("w1")).isEqualTo(WorkflowState.Failed);
    }

    // ------------------------------------------------------------------------------------------ rollback

    @Test
    void onFailureRollbackUndoesCompletedTasksOnceNothingRuns() {
        store.insertWorkflow(workflow("w1", OnFailure.ROLLBACK, undoable("w1.a"), task("w1.b"),
                undoable("w1.c", hard("w1.a")), task("w1.f"), task("w1.s"), task("w1.p", hard("w1.s"))));
        runToEnd("w1.a", TaskState.Completed);
        runToEnd("w1.b", TaskState.Completed);
        runToEnd("w1.c", TaskState.Completed);
        Attempt f = claim("w1.f");
        Attempt s = claim("w1.s");
        assertThat(complete(f, TaskState.Failed)).isTrue();
        assertThat(state("w1.p")).isEqualTo(TaskState.Skipped);
        // s still runs: nothing is undone yet
        assertThat(store.tasks(null, "w1", 10, 0)).extracting(Task::state).containsExactly(TaskState.Completed,
                TaskState.Completed, TaskState.Completed, TaskState.Failed, TaskState.Running, TaskState.Skipped);
        assertThat(store.rollbackCandidates(10)).isEmpty();

        // the last running task's completion starts the rollback, in the same transaction
        clock.advance(Duration.ofSeconds(7));
        int before = events("w1").size();
        assertThat(complete(s, TaskState.Completed)).isTrue();
        List<Event> tx = events("w1").subList(before, events("w1").size());
        assertThat(tx).allMatch(e -> e.at().equals(T0.plusSeconds(7)));
        assertThat(stateChanges(tx)).containsExactlyInAnyOrder("w1.s:Running->Completed",
                "w1.a:Completed->RollingBack", "w1.b:Completed->RollingBack", "w1.b:RollingBack->RolledBack",
                "w1.c:Completed->RollingBack", "w1.s:Completed->RollingBack", "w1.s:RollingBack->RolledBack");
        assertThat(stateChanges(tx).indexOf("w1.b:Completed->RollingBack"))
                .isLessThan(stateChanges(tx).indexOf("w1.b:RollingBack->RolledBack"));
        assertThat(state("w1.a")).isEqualTo(TaskState.RollingBack);
        assertThat(state("w1.b")).isEqualTo(TaskState.RolledBack); // no rollback action
        assertThat(state("w1.c")).isEqualTo(TaskState.RollingBack);
        assertThat(state("w1.s")).isEqualTo(TaskState.RolledBack);
        assertThat(store.task("w1.b").orElseThrow().finishedAt()).isEqualTo(T0.plusSeconds(7));
        assertThat(wfState("w1")).isEqualTo(WorkflowState.Running);

        // the scheduler picks the candidates (reverse dependency order is its business) and claims them
        assertThat(ids(store.rollbackCandidates(10))).containsExactly("w1.a", "w1.c");
        assertThat(store.rollbackCandidates(10).get(1).rollback()).isEqualTo(new Action.Command(List.of("undo", "w1.c")));
        clock.advance(Duration.ofSeconds(1));
        Attempt rc = store.claimRollback("w1.c", "node-1", "/runs/w1/c").orElseThrow();
        assertThat(rc.attemptNo()).isEqualTo(2);
        assertThat(rc.state()).isEqualTo(TaskState.RollingBack);
        assertThat(rc.owner()).isEqualTo("node-1");
        assertThat(rc.startedAt()).isEqualTo(T0.plusSeconds(8));
        assertThat(store.claimRollback("w1.c", "node-2", "/elsewhere")).isEmpty();
        assertThat(store.claimRollback("w1.b", "node-2", "/elsewhere")).isEmpty(); // RolledBack
        assertThat(ids(store.rollbackCandidates(10))).containsExactly("w1.a");
        Task c = store.task("w1.c").orElseThrow();
        assertThat(c.rollbackRunning()).isTrue();
        assertThat(c.attempt()).isEqualTo(2);
        assertThat(c.state()).isEqualTo(TaskState.RollingBack);
        store.attemptStarted("w1.c", 2, 777);
        assertThat(store.attempts("w1.c")).extracting(Attempt::attemptNo, Attempt::state, Attempt::pid).containsExactly(
                org.assertj.core.groups.Tuple.tuple(1, TaskState.Completed, null),
                org.assertj.core.groups.Tuple.tuple(2, TaskState.RollingBack, 777L));
        assertThat(events("w1").getLast().type()).isEqualTo("task.rollback");

        assertThat(store.completeRollback("w1.c", 1, true, 0, null, null)).isFalse(); // stale
        assertThat(store.completeRollback("ghost", 1, true, 0, null, null)).isFalse();
        assertThat(store.completeRollback("w1.a", 1, true, 0, null, null)).isFalse(); // a's rollback is not running
        clock.advance(Duration.ofSeconds(1));
        assertThat(store.completeRollback("w1.c", 2, true, 0, null, "undone")).isTrue();
        assertThat(store.completeRollback("w1.c", 2, true, 0, null, null)).isFalse(); // once
        Task undone = store.task("w1.c").orElseThrow();
        assertThat(undone.state()).isEqualTo(TaskState.RolledBack);
        assertThat(undone.rollbackRunning()).isFalse();
        assertThat(undone.finishedAt()).isEqualTo(T0.plusSeconds(9));
        assertThat(undone.error()).isNull();
        Attempt ended = store.attempts("w1.c").get(1);
        assertThat(ended.state()).isEqualTo(TaskState.RolledBack);
        assertThat(ended.exitCode()).isZero();
        assertThat(ended.stderrTail()).isEqualTo("undone");
        assertThat(ended.finishedAt()).isEqualTo(T0.plusSeconds(9));
        assertThat(wfState("w1")).isEqualTo(WorkflowState.Running);

        Attempt ra = store.claimRollback("w1.a", "node-1", "/runs/w1/a").orElseThrow();
        assertThat(store.completeRollback("w1.a", ra.attemptNo(), true, 0, null, null)).isTrue();
        Workflow wf = store.workflow("w1").orElseThrow();
        assertThat(wf.state()).isEqualTo(WorkflowState.RolledBack);
        assertThat(wf.finishedAt()).isEqualTo(T0.plusSeconds(9));
        assertThat(stateChanges(events("w1"))).endsWith("w1.a:RollingBack->RolledBack", "wf:Running->RolledBack");
        assertThat(store.rollbackCandidates(10)).isEmpty();

        assertThatThrownBy(() -> store.rollbackWorkflow("w1"))
                .isInstanceOfSatisfying(ProvisioningException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT));
        assertResumeConflict("w1", "RolledBack");
    }

    @Test
    void aFailedRollbackFailsTheWorkflowAndCanBeRetried() {
        store.insertWorkflow(workflow("w1", OnFailure.ROLLBACK, undoable("w1.a"), task("w1.f")));
        runToEnd("w1.a", TaskState.Completed);
        runToEnd("w1.f", TaskState.Failed);
        assertThat(state("w1.a")).isEqualTo(TaskState.RollingBack);
        assertThat(wfState("w1")).isEqualTo(WorkflowState.Running);

        Attempt r = store.claimRollback("w1.a", "node-1", "/runs/w1/a").orElseThrow();
        assertThat(store.completeRollback("w1.a", r.attemptNo(), false, 3, "rollback exited 3", "no such server"))
                .isTrue();
        Task a = store.task("w1.a").orElseThrow();
        assertThat(a.state()).isEqualTo(TaskState.RollbackFailed);
        assertThat(a.error()).isEqualTo("rollback exited 3");
        assertThat(a.exitCode()).isEqualTo(3);
        assertThat(a.stderrTail()).isEqualTo("no such server");
        assertThat(a.rollbackRunning()).isFalse();
        assertThat(store.attempts("w1.a").getLast().error()).isEqualTo("rollback exited 3");
        assertThat(store.attempts("w1.a").getLast().state()).isEqualTo(TaskState.RollbackFailed);
        assertThat(wfState("w1")).isEqualTo(WorkflowState.Failed);
        assertThat(stateChanges(events("w1"))).endsWith("w1.a:RollingBack->RollbackFailed", "wf:Running->Failed");
        assertThat(store.rollbackCandidates(10)).isEmpty();
        // what was (partly) undone cannot be resumed
        assertThatThrownBy(() -> store.resumeWorkflow("w1"))
                .isInstanceOfSatisfying(ProvisioningException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT);
                    assertThat(e.getMessage()).contains("rolled back");
                });

        // a rollback request retries the failed rollback action
        store.rollbackWorkflow("w1");
        assertThat(state("w1.a")).isEqualTo(TaskState.RollingBack);
        assertThat(store.task("w1.a").orElseThrow().error()).isNull();
        assertThat(wfState("w1")).isEqualTo(WorkflowState.Running);
        Attempt again = store.claimRollback("w1.a", "node-1", "/runs/w1/a").orElseThrow();
        assertThat(again.attemptNo()).isEqualTo(r.attemptNo() + 1);
        assertThat(store.completeRollback("w1.a", again.attemptNo(), true, 0, null, null)).isTrue();
        assertThat(wfState("w1")).isEqualTo(WorkflowState.RolledBack);
    }

    @Test
    void manualRollbackOfACompletedWorkflow() {
        store.insertWorkflow(workflow("w1", undoable("w1.a"), task("w1.b", hard("w1.a"))));
        assertThatThrownBy(() -> store.rollbackWorkflow("w1")) // Pending
                .isInstanceOfSatisfying(ProvisioningException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT);
                    assertThat(e.getMessage()).contains("Pending");
                });
        Attempt a = claim("w1.a");
        assertThatThrownBy(() -> store.rollbackWorkflow("w1")) // Running
                .isInstanceOfSatisfying(ProvisioningException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT);
                    assertThat(e.getMessage()).contains("Running");
                });
        complete(a, TaskState.Completed);
        runToEnd("w1.b", TaskState.Completed);
        assertThat(wfState("w1")).isEqualTo(WorkflowState.Completed);

        store.rollbackWorkflow("w1");
        assertThat(state("w1.a")).isEqualTo(TaskState.RollingBack);
        assertThat(state("w1.b")).isEqualTo(TaskState.RolledBack);
        Workflow wf = store.workflow("w1").orElseThrow();
        assertThat(wf.state()).isEqualTo(WorkflowState.Running);
        assertThat(wf.finishedAt()).isNull();
        assertThat(stateChanges(events("w1"))).endsWith("wf:Completed->Running");
        assertThat(events("w1")).extracting(Event::type).contains("workflow.rollback");
        assertThatThrownBy(() -> store.rollbackWorkflow("w1")) // in progress: the workflow is Running
                .isInstanceOfSatisfying(ProvisioningException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT));

        Attempt r = store.claimRollback("w1.a", "node-1", "/r").orElseThrow();
        assertThat(store.completeRollback("w1.a", r.attemptNo(), true, 0, null, null)).isTrue();
        assertThat(wfState("w1")).isEqualTo(WorkflowState.RolledBack);
        assertThat(store.task("w1.a").orElseThrow().result()).isNull(); // the run's result is kept (here: none)
    }

    @Test
    void rollbackWithNothingToRunEndsRolledBackAtOnce() {
        store.insertWorkflow(workflow("w1", task("w1.a"), task("w1.b", hard("w1.a"))));
        runToEnd("w1.a", TaskState.Completed);
        runToEnd("w1.b", TaskState.Completed);
        store.rollbackWorkflow("w1");
        assertThat(store.tasks(null, "w1", 10, 0)).extracting(Task::state).containsOnly(TaskState.RolledBack);
        assertThat(wfState("w1")).isEqualTo(WorkflowState.RolledBack);
        assertThat(stateChanges(events("w1"))).endsWith("wf:Completed->RolledBack");
        assertThat(store.rollbackCandidates(10)).isEmpty();

        // a cancelled workflow can be rolled back too
        store.insertWorkflow(workflow("w2", undoable("w2.a"), task("w2.b", hard("w2.a"))));
        runToEnd("w2.a", TaskState.Completed);
        store.cancelWorkflow("w2");
        assertThat(wfState("w2")).isEqualTo(WorkflowState.Cancelled);
        store.rollbackWorkflow("w2");
        assertThat(state("w2.a")).isEqualTo(TaskState.RollingBack);
        assertThat(state("w2.b")).isEqualTo(TaskState.Cancelled);
        Attempt r = store.claimRollback("w2.a", "n", "/r").orElseThrow();
        assertThat(store.completeRollback("w2.a", r.attemptNo(), true, 0, null, null)).isTrue();
        assertThat(wfState("w2")).isEqualTo(WorkflowState.RolledBack);

        assertThatThrownBy(() -> store.rollbackWorkflow("ghost"))
                .isInstanceOfSatisfying(ProvisioningException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
        assertThatThrownBy(() -> store.claimRollback("ghost", "n", "/r"))
                .isInstanceOfSatisfying(ProvisioningException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
    }

    @Test
    void concurrentRollbackClaimsClaimEachTaskOnce() throws Exception {
        int n = 30;
        NewTask[] tasks = new NewTask[n + 1];
        for (int i = 0; i < n; i++) tasks[i] = undoable("w1.t" + i);
        tasks[n] = task("w1.fail");
        store.insertWorkflow(workflow("w1", OnFailure.ROLLBACK, tasks));
        for (int i = 0; i < n; i++) runToEnd("w1.t" + i, TaskState.Completed);
        runToEnd("w1.fail", TaskState.Failed);
        assertThat(store.rollbackCandidates(1000)).hasSize(n);

        org.junit.jupiter.api.Assumptions.assumeFalse(onlyWriter(), "a second writer");
        try (JdbcStore other = openStore(clock)) {
            List<JdbcStore> stores = List.of(store, other);
            Map<String, List<String>> winners = new ConcurrentHashMap<>();
            ExecutorService pool = Executors.newFixedThreadPool(4);
            CountDownLatch start = new CountDownLatch(1);
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    JdbcStore s = stores.get(t % 2);
                    String owner = "node-" + t;
                    long seed = 7 + t;
                    futures.add(pool.submit(() -> {
                        List<String> order = new ArrayList<>();
                        for (int i = 0; i < n; i++) order.add("w1.t" + i);
                        Collections.shuffle(order, new Random(seed));
                        start.await();
                        for (String id : order)
                            s.claimRollback(id, owner, "/r").ifPresent(a -> {
                                winners.computeIfAbsent(a.taskId(), k -> new CopyOnWriteArrayList<>()).add(owner);
                                s.completeRollback(a.taskId(), a.attemptNo(), true, 0, null, null);
                            });
                        return null;
                    }));
                }
                start.countDown();
                for (Future<?> f : futures) f.get(60, TimeUnit.SECONDS);
            } finally {
                pool.shutdownNow();
            }
            assertThat(winners).hasSize(n);
            assertThat(winners.values()).allSatisfy(owners -> assertThat(owners).hasSize(1));
        }
        assertThat(wfState("w1")).isEqualTo(WorkflowState.RolledBack);
        assertThat(stateChanges(events("w1")).stream().filter(x -> x.equals("wf:Running->RolledBack"))).hasSize(1);
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
        assertThat(store.readyQueue(10)).isEmpty();
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
        org.junit.jupiter.api.Assumptions.assumeFalse(onlyWriter(), "a second writer");
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

    // ------------------------------------------------------------------------------------------ incremental settle

    /**
     * A plain success takes {@code settleCompleted} (dependents and per-state counts only). On random DAGs (soft and
     * hard edges, submission order unlike dependency order, every on_failure) run in a random valid order with
     * failures, retries, cancels, resumes and rollbacks mixed in, every completion must give exactly what the full
     * {@link dev.provisioning.core.dag.WorkflowPolicy#apply} + {@link dev.provisioning.core.model.WorkflowStates#derive}
     * on the whole workflow gives: the same task changes in the same order, the same events, the same workflow state.
     * Also checks the invariant that the incremental path relies on: after every transaction no Pending task can
     * be promoted.
     */
    @Test
    void incrementalSettleEqualsTheFullPolicyPassOnRandomDags() {
        int completions = 0;
        for (long seed = 1; seed <= 20; seed++) completions += runRandomDag(seed);
        assertThat(completions).isGreaterThan(150);
    }

    private int runRandomDag(long seed) {
        Random rnd = new Random(seed);
        String wfId = "r" + seed;
        int n = 5 + rnd.nextInt(36);
        // ids in a dependency (topological) order; edges go to earlier ids only
        List<NewTask> topo = new ArrayList<>();
        Map<String, List<Dependency>> deps = new java.util.HashMap<>();
        Map<String, dev.provisioning.core.dag.WorkflowPolicy.TaskView> hasRollback = new java.util.HashMap<>();
        for (int i = 0; i < n; i++) {
            String id = wfId + ".t" + i;
            List<Dependency> ds = new ArrayList<>();
            int k = i == 0 ? 0 : rnd.nextInt(Math.min(i, 4) + 1);
            List<Integer> pool = new ArrayList<>();
            for (int j = 0; j < i; j++) pool.add(j);
            Collections.shuffle(pool, rnd);
            for (int j = 0; j < k; j++) {
                String d = wfId + ".t" + pool.get(j);
                ds.add(rnd.nextInt(4) == 0 ? soft(d) : hard(d));
            }
            NewTask t = rnd.nextInt(3) == 0 ? undoable(id, ds.toArray(Dependency[]::new)) : task(id, ds.toArray(Dependency[]::new));
            topo.add(t);
            deps.put(id, List.copyOf(ds));
        }
        List<NewTask> submitted = new ArrayList<>(topo);
        Collections.shuffle(submitted, rnd); // seq order differs from dependency order
        OnFailure onFailure = OnFailure.values()[rnd.nextInt(OnFailure.values().length)];
        store.insertWorkflow(workflow(wfId, onFailure, submitted.toArray(NewTask[]::new)));
        Map<String, Boolean> undo = new java.util.HashMap<>();
        for (NewTask t : submitted) undo.put(t.id(), t.rollback() != null);

        long lastEvent = events(wfId).getLast().id();
        int completions = 0, resumes = 0, rollbacks = 0;
        for (int step = 0; step < 1000; step++) {
            List<Task> tasks = store.tasks(null, wfId, 10_000, 0);
            Map<String, TaskState> before = new java.util.LinkedHashMap<>();
            tasks.forEach(t -> before.put(t.id(), t.state()));
            assertThat(dev.provisioning.core.dag.Promotion.compute(before, deps))
                    .as("seed %d step %d: nothing left to promote", seed, step).isEmpty();
            WorkflowState wfBefore = wfState(wfId);
            List<Task> running = tasks.stream().filter(t -> t.state() == TaskState.Running).toList();
            List<Task> ready = tasks.stream().filter(t -> t.state() == TaskState.Ready).toList();
            List<Task> waiting = tasks.stream().filter(t -> t.state() == TaskState.RetryWait).toList();
            List<Task> undoing = tasks.stream().filter(t -> t.state() == TaskState.RollingBack).toList();
            int r = rnd.nextInt(100);
            if (!running.isEmpty() && (r < 55 || ready.isEmpty())) {
                Task t = running.get(rnd.nextInt(running.size()));
                int o = rnd.nextInt(100);
                TaskState next = o < 75 ? TaskState.Completed : o < 85 ? TaskState.RetryWait : o < 95 ? TaskState.Failed
                        : TaskState.Cancelled;
                Instant nextAt = next == TaskState.RetryWait ? clock.instant().plusSeconds(1) : null;
                assertThat(store.completeAttempt(new AttemptOutcome(t.id(), t.attempt(), next,
                        next == TaskState.Completed ? 0 : 1, null, next == TaskState.Completed ? null : "boom", "",
                        nextAt))).isTrue();
                completions++;
                // the full pass on the whole workflow, from the states before this transaction
                Map<String, dev.provisioning.core.dag.WorkflowPolicy.TaskView> views = new java.util.LinkedHashMap<>();
                before.forEach((id, st) -> views.put(id, new dev.provisioning.core.dag.WorkflowPolicy.TaskView(
                        id.equals(t.id()) ? next : st, undo.get(id))));
                List<dev.provisioning.core.dag.Promotion.Change> changes =
                        dev.provisioning.core.dag.WorkflowPolicy.apply(onFailure, views, deps, false);
                Map<String, TaskState> expected = new java.util.LinkedHashMap<>(before);
                expected.put(t.id(), next);
                List<String> expectedEvents = new ArrayList<>();
                expectedEvents.add(t.id() + ":Running->" + next);
                for (var ch : changes) {
                    expectedEvents.add(ch.taskId() + ":" + ch.from() + "->" + ch.to());
                    expected.put(ch.taskId(), ch.to());
                }
                WorkflowState derived = dev.provisioning.core.model.WorkflowStates.derive(expected.values());
                WorkflowState wfExpected = derived == wfBefore || derived == WorkflowState.Pending
                        || !wfBefore.canMoveTo(derived) ? wfBefore : derived;
                if (wfExpected != wfBefore) expectedEvents.add("wf:" + wfBefore + "->" + wfExpected);

                List<Event> ev = store.events(wfId, lastEvent, 10_000);
                assertThat(stateChanges(ev)).as("seed %d step %d: %s -> %s", seed, step, t.id(), next)
                        .containsExactlyElementsOf(expectedEvents);
                Map<String, TaskState> after = new java.util.LinkedHashMap<>();
                store.tasks(null, wfId, 10_000, 0).forEach(x -> after.put(x.id(), x.state()));
                assertThat(after).as("seed %d step %d", seed, step).containsExactlyEntriesOf(expected);
                assertThat(wfState(wfId)).as("seed %d step %d", seed, step).isEqualTo(wfExpected);
            } else if (!ready.isEmpty() && r < 85) {
                claim(ready.get(rnd.nextInt(ready.size())).id());
            } else if (!waiting.isEmpty() && r < 90) {
                clock.advance(Duration.ofSeconds(2));
                assertThat(store.promoteDueRetries(clock.instant())).isPositive();
            } else if (!undoing.isEmpty()) {
                Task t = undoing.get(rnd.nextInt(undoing.size()));
                Attempt a = store.claimRollback(t.id(), "node-1", "/runs/rb").orElseThrow();
                boolean ok = rnd.nextInt(5) > 0;
                assertThat(store.completeRollback(t.id(), a.attemptNo(), ok, ok ? 0 : 1, ok ? null : "undo failed", ""))
                        .isTrue();
            } else if (!wfBefore.isTerminal() && r >= 97) {
                store.cancelWorkflow(wfId);
            } else if (running.isEmpty() && ready.isEmpty() && waiting.isEmpty()) {
                // nothing runs: the workflow has ended; resume or roll it back now and then, else stop
                boolean rolledBack = before.values().stream().anyMatch(st -> st == TaskState.RollingBack
                        || st == TaskState.RolledBack || st == TaskState.RollbackFailed);
                if ((wfBefore == WorkflowState.Failed || wfBefore == WorkflowState.Cancelled) && !rolledBack && resumes < 2
                        && rnd.nextBoolean()) {
                    store.resumeWorkflow(wfId);
                    resumes++;
                } else if ((wfBefore == WorkflowState.Completed || wfBefore == WorkflowState.Failed
                        || wfBefore == WorkflowState.Cancelled) && rollbacks < 1 && rnd.nextInt(3) == 0) {
                    store.rollbackWorkflow(wfId);
                    rollbacks++;
                } else {
                    assertThat(wfBefore.isTerminal()).as("seed %d: workflow ends %s", seed, wfBefore).isTrue();
                    break;
                }
            }
            lastEvent = events(wfId).getLast().id();
        }
        return completions;
    }

    /** The incremental and the full path, side by side on the same random workflow: identical event logs. */
    @Test
    void incrementalAndFullSettleWriteTheSameEvents() {
        List<List<String>> logs = new ArrayList<>();
        for (boolean incremental : new boolean[] {true, false}) {
            store.incrementalSettle = incremental;
            String wfId = incremental ? "inc" : "full";
            Random rnd = new Random(7);
            List<NewTask> ts = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                List<Dependency> ds = new ArrayList<>();
                for (int j = 0; j < i; j++)
                    if (rnd.nextInt(Math.max(1, i / 2)) == 0) ds.add(rnd.nextInt(4) == 0 ? soft(wfId + ".t" + j) : hard(wfId + ".t" + j));
                ts.add(task(wfId + ".t" + i, ds.toArray(Dependency[]::new)));
            }
            Collections.shuffle(ts, rnd);
            store.insertWorkflow(workflow(wfId, OnFailure.CONTINUE, ts.toArray(NewTask[]::new)));
            // claim every Ready task in submission order, complete them in reverse; three tasks fail
            for (int round = 0; round < 100; round++) {
                List<Task> ready = store.tasks(TaskState.Ready, wfId, 10_000, 0);
                if (ready.isEmpty()) break;
                List<Attempt> as = new ArrayList<>();
                ready.forEach(t -> as.add(claim(t.id())));
                Collections.reverse(as);
                for (Attempt a : as) complete(a, a.taskId().endsWith(".t41") || a.taskId().endsWith(".t47") || a.taskId().endsWith(".t55")
                        ? TaskState.Failed : TaskState.Completed);
            }
            logs.add(events(wfId).stream()
                    .map(e -> e.type() + " " + (e.taskId() == null ? "" : e.taskId().substring(wfId.length())) + " "
                            + e.from() + "->" + e.to())
                    .toList());
            assertThat(wfState(wfId).isTerminal()).isTrue();
        }
        store.incrementalSettle = true;
        assertThat(logs.get(0)).hasSizeGreaterThan(150).containsExactlyElementsOf(logs.get(1));
    }

    /** workflow(id) parses request_json once per process and hands out copies: each read gets its own tree. */
    @Test
    void eachWorkflowReadGetsItsOwnRequestTree() {
        store.insertWorkflow(workflow("w1", task("w1.a")));
        store.insertWorkflow(new NewWorkflow("w2", "no request", "batch", Priority.normal, OnFailure.FAIL, 0, null,
                List.of(task("w2.a"))));
        JsonNode submitted = Json.read("{\"file\":\"w1.toml\"}");
        Workflow first = store.workflow("w1").orElseThrow();
        assertThat(first.request()).isEqualTo(submitted);
        ((com.fasterxml.jackson.databind.node.ObjectNode) first.request()).put("file", "changed by a caller");
        Workflow second = store.workflow("w1").orElseThrow();
        assertThat(second.request()).isEqualTo(submitted).isNotSameAs(first.request());
        assertThat(store.workflows(null, 10, 0)).extracting(Workflow::id, Workflow::request)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("w2", null),
                        org.assertj.core.groups.Tuple.tuple("w1", submitted));
        assertThat(store.workflow("w2").orElseThrow().request()).isNull();
        runToEnd("w1.a", TaskState.Completed); // state changes read back fresh, the request is the same
        assertThat(store.workflow("w1").orElseThrow()).extracting(Workflow::state, Workflow::request)
                .containsExactly(WorkflowState.Completed, submitted);
    }
}
