package dev.provisioning.store;

import static dev.provisioning.store.StoreContractTest.hard;
import static dev.provisioning.store.StoreContractTest.task;
import static dev.provisioning.store.StoreContractTest.workflow;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.provisioning.core.error.ErrorCode;
import dev.provisioning.core.error.ProvisioningException;
import dev.provisioning.core.model.Attempt;
import dev.provisioning.core.model.AttemptOutcome;
import dev.provisioning.core.model.Event;
import dev.provisioning.core.model.TaskState;
import dev.provisioning.core.model.WorkflowState;
import dev.provisioning.core.port.Store;
import dev.provisioning.store.fault.FaultInjectingDataSource;
import dev.provisioning.store.fault.FaultInjectingDataSource.Kind;
import dev.provisioning.store.fault.FaultInjectingDataSource.Transaction;
import dev.provisioning.store.fault.RetryingStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Faults in the store's transaction layer, against each real database: every fault kind on every important write.
 * Each case arms one fault, drives a two-task workflow (a retried once, then b) and a cancelled one through the
 * {@link RetryingStore}, and checks the store ends exactly as without the fault: every state change recorded once,
 * each as one legal event, attempt numbers as expected.
 */
@Timeout(120)
abstract class StoreFaultTest {
    static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
    static final RetryingStore.Policy FAST = new RetryingStore.Policy(5, Duration.ofMillis(5), Duration.ofMillis(50));

    MutableClock clock;
    FaultInjectingDataSource faults;
    JdbcStore jdbc;
    Store store;

    /** A store on a fresh database whose transactions go through {@code faults}. */
    protected abstract JdbcStore open(MutableClock clock, java.util.function.UnaryOperator<javax.sql.DataSource> wrap) throws Exception;

    @BeforeEach
    void setUp() throws Exception {
        clock = new MutableClock(T0);
        jdbc = open(clock, ds -> faults = new FaultInjectingDataSource(ds));
        store = new RetryingStore(jdbc, FAST);
    }

    @AfterEach
    void tearDown() {
        if (jdbc != null) jdbc.close();
    }

    enum Write {
        INSERT_WORKFLOW(FaultInjectingDataSource.INSERT_WORKFLOW),
        CLAIM(FaultInjectingDataSource.CLAIM),
        ATTEMPT_STARTED(FaultInjectingDataSource.ATTEMPT_STARTED),
        COMPLETE_ATTEMPT(FaultInjectingDataSource.COMPLETE_ATTEMPT),
        PROMOTE_DUE_RETRIES(FaultInjectingDataSource.PROMOTE_DUE_RETRIES),
        CANCEL_WORKFLOW(FaultInjectingDataSource.CANCEL_WORKFLOW);

        final Predicate<Transaction> match;

        Write(Predicate<Transaction> match) {
            this.match = match;
        }
    }

    @Test
    void everyFaultOnEveryWriteIsRecordedExactlyOnce() {
        int cases = 0;
        for (Kind kind : Kind.values()) {
            for (Write write : Write.values()) {
                String p = kind.name().toLowerCase() + "-" + write.name().toLowerCase() + "-";
                int before = faults.injected();
                faults.inject(kind, write.match, 1, Duration.ofMillis(150));
                runScenario(p);
                assertThat(faults.injected()).as("fault %s on %s fired", kind, write).isEqualTo(before + 1);
                cases++;
            }
        }
        assertThat(cases).isEqualTo(24);
        assertThat(faults.injected()).isEqualTo(24);
    }

    /** Workflow {p}w: a then b (a fails once, is retried); workflow {p}c: c and its dependent d, cancelled. */
    private void runScenario(String p) {
        String w = p + "w", a = p + "a", b = p + "b";
        store.insertWorkflow(workflow(w, task(a), task(b, hard(a))));

        Attempt a1 = store.claim(a, "node-1", "/runs/" + a).orElseThrow();
        assertThat(a1.attemptNo()).isEqualTo(1);
        store.attemptStarted(a, 1, 4201);
        assertThat(store.completeAttempt(new AttemptOutcome(a, 1, TaskState.RetryWait, 1, null, "boom", "tail", T0))).isTrue();
        assertThat(store.promoteDueRetries(T0)).isBetween(0, 1); // an ambiguous promotion commits, its retry finds nothing due
        assertThat(store.task(a).orElseThrow().state()).isEqualTo(TaskState.Ready);
        // the scheduler's claim, which also returns the row as claimed: read back the same way after a fault
        Store.Claim c2 = store.claimTask(a, "node-1", "/runs/" + a).orElseThrow();
        Attempt a2 = c2.attempt();
        assertThat(a2.attemptNo()).isEqualTo(2);
        assertThat(c2.task().state()).isEqualTo(TaskState.Running);
        assertThat(c2.task().attempt()).isEqualTo(2);
        assertThat(c2.task().action()).isEqualTo(store.task(a).orElseThrow().action());
        store.attemptStarted(a, 2, 4202);
        assertThat(store.completeAttempt(new AttemptOutcome(a, 2, TaskState.Completed, 0, null, null, null, null))).isTrue();
        Attempt b1 = store.claim(b, "node-1", "/runs/" + b).orElseThrow();
        store.attemptStarted(b, b1.attemptNo(), 4203);
        assertThat(store.completeAttempt(new AttemptOutcome(b, 1, TaskState.Completed, 0, null, null, null, null))).isTrue();
        // a duplicate completion (a retry after the fact) is fenced
        assertThat(store.completeAttempt(new AttemptOutcome(b, 1, TaskState.Completed, 0, null, null, null, null))).isFalse();

        assertThat(store.workflow(w).orElseThrow().state()).isEqualTo(WorkflowState.Completed);
        assertThat(transitions(w, a)).containsExactly("null>Ready", "Ready>Running", "Running>RetryWait", "RetryWait>Ready",
                "Ready>Running", "Running>Completed");
        assertThat(transitions(w, b)).containsExactly("null>Pending", "Pending>Ready", "Ready>Running", "Running>Completed");
        assertThat(store.attempts(a)).extracting(Attempt::pid).containsExactly(4201L, 4202L);
        assertThat(store.attempts(b)).extracting(Attempt::pid).containsExactly(4203L);
        assertThat(store.events(w, 0, 1000).stream().filter(e -> e.type().equals("workflow.submitted"))).hasSize(1);

        String cw = p + "c", c = p + "c1", d = p + "d1";
        store.insertWorkflow(workflow(cw, task(c), task(d, hard(c))));
        assertThat(store.cancelWorkflow(cw)).isEmpty();
        assertThat(store.task(c).orElseThrow().state()).isEqualTo(TaskState.Cancelled);
        assertThat(store.task(d).orElseThrow().state()).isEqualTo(TaskState.Cancelled);
        assertThat(store.workflow(cw).orElseThrow().state()).isEqualTo(WorkflowState.Cancelled);
        assertThat(store.events(cw, 0, 1000).stream().filter(e -> e.type().equals("workflow.cancel"))).hasSize(1);
        assertThat(transitions(cw, c)).containsExactly("null>Ready", "Ready>Cancelled");
        assertThat(transitions(cw, d)).containsExactly("null>Pending", "Pending>Cancelled");
        assertLegal(w);
        assertLegal(cw);
    }

    /**
     * One transaction (the scheduler's end-and-claims) is tried once, its writes are not retried or read back inside
     * it, and a fault leaves all of it or none of it; the caller then records the end on its own, which a committed
     * one survives (fenced, and its attempt row shows it ended so).
     */
    @Test
    void oneTransactionIsTriedOnceAndAFaultLeavesAllOfItOrNoneOfIt() {
        for (Kind kind : Kind.values()) {
            String p = kind.name().toLowerCase() + "-one-", w = p + "w", a = p + "a", b = p + "b";
            store.insertWorkflow(workflow(w, task(a), task(b, hard(a))));
            Attempt a1 = store.claim(a, "node-1", "/runs/" + a).orElseThrow();
            AttemptOutcome done = new AttemptOutcome(a, a1.attemptNo(), TaskState.Completed, 0, null, null, null, null);
            int events = store.events(w, 0, 1000).size();
            var rule = faults.inject(kind, FaultInjectingDataSource.COMPLETE_ATTEMPT.and(FaultInjectingDataSource.CLAIM), 1,
                    Duration.ofMillis(150));
            int[] runs = {0};
            assertThatThrownBy(() -> store.inOneTransaction(() -> {
                runs[0]++;
                assertThat(store.completeAttempt(done)).isTrue();
                return store.claimTask(b, "node-1", "/runs/" + b);
            })).as(kind.name()).isInstanceOf(ProvisioningException.class)
                    .satisfies(e -> assertThat(((ProvisioningException) e).code()).isEqualTo(ErrorCode.STORE_FAILURE));
            assertThat(rule.fired()).as(kind.name()).isEqualTo(1);
            assertThat(runs[0]).as("%s: tried once", kind).isEqualTo(1);
            boolean committed = kind == Kind.AMBIGUOUS;
            assertThat(store.task(a).orElseThrow().state()).as(kind.name()).isEqualTo(committed ? TaskState.Completed : TaskState.Running);
            assertThat(store.task(b).orElseThrow().state()).as(kind.name()).isEqualTo(committed ? TaskState.Running : TaskState.Pending);
            assertThat(store.events(w, 0, 1000)).as(kind.name()).hasSize(events + (committed ? 3 : 0));
            // the caller's fallback: the end on its own; after the ambiguous commit it is fenced, and the row shows it done
            assertThat(store.completeAttempt(done)).as(kind.name()).isEqualTo(!committed);
            assertThat(store.attempts(a)).extracting(Attempt::state).containsExactly(TaskState.Completed);
            assertThat(transitions(w, a)).as(kind.name()).containsExactly("null>Ready", "Ready>Running", "Running>Completed");
            assertLegal(w);
        }
    }

    /** Without the read-back, an ambiguous commit is what it looks like: an error for a change that is durable. */
    @Test
    void theWrapperAloneShowsEachFaultAsTheDatabaseWouldLeaveIt() {
        jdbc.insertWorkflow(workflow("w", task("a"), task("b")));
        faults.inject(Kind.FAIL, FaultInjectingDataSource.CLAIM, 1);
        assertThatThrownBy(() -> jdbc.claim("a", "n", "/r")).isInstanceOf(ProvisioningException.class)
                .satisfies(e -> assertThat(((ProvisioningException) e).code()).isEqualTo(ErrorCode.STORE_FAILURE));
        assertThat(jdbc.task("a").orElseThrow().state()).isEqualTo(TaskState.Ready); // rolled back

        faults.inject(Kind.TIMEOUT, FaultInjectingDataSource.CLAIM, 1, Duration.ofMillis(300));
        long t = System.nanoTime();
        assertThatThrownBy(() -> jdbc.claim("a", "n", "/r")).hasMessageContaining("timed out");
        assertThat(Duration.ofNanos(System.nanoTime() - t)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        assertThat(jdbc.task("a").orElseThrow().state()).isEqualTo(TaskState.Ready);

        faults.inject(Kind.DISK_FULL, FaultInjectingDataSource.touching("b"), 1);
        assertThatThrownBy(() -> jdbc.claim("b", "n", "/r")).hasMessageContaining("SQLITE_FULL");
        assertThat(jdbc.task("b").orElseThrow().state()).isEqualTo(TaskState.Ready);

        faults.inject(Kind.AMBIGUOUS, FaultInjectingDataSource.CLAIM, 1);
        assertThatThrownBy(() -> jdbc.claim("a", "n", "/r")).hasMessageContaining("outcome unknown");
        assertThat(jdbc.task("a").orElseThrow().state()).isEqualTo(TaskState.Running); // it committed
        assertThat(jdbc.claim("a", "n", "/r")).isEmpty(); // and a blind retry would say "someone else has it"

        faults.inject(Kind.AMBIGUOUS, FaultInjectingDataSource.COMPLETE_ATTEMPT, 1);
        AttemptOutcome done = new AttemptOutcome("a", 1, TaskState.Completed, 0, null, null, null, null);
        assertThatThrownBy(() -> jdbc.completeAttempt(done)).isInstanceOf(ProvisioningException.class);
        assertThat(jdbc.completeAttempt(done)).isFalse(); // fenced: the blind retry cannot tell it did the work
        assertThat(faults.injected()).isEqualTo(5);
        // ... which the read-back can
        faults.inject(Kind.AMBIGUOUS, FaultInjectingDataSource.COMPLETE_ATTEMPT, 1);
        Attempt b1 = store.claim("b", "n", "/r").orElseThrow();
        assertThat(store.completeAttempt(new AttemptOutcome("b", b1.attemptNo(), TaskState.Completed, 0, null, null, null, null))).isTrue();
        assertLegal("w");
    }

    /** A follower whose cursor is older than a commit that threw after reaching the disk still reads that commit's events. */
    @Test
    void theEventsOfAnAmbiguousCommitReachAFollowerInOrder() {
        jdbc.insertWorkflow(workflow("w", task("a"), task("b")));
        long cursor = jdbc.events("w", 0, 1000).getLast().id();
        faults.inject(Kind.AMBIGUOUS, FaultInjectingDataSource.CLAIM, 1);
        assertThatThrownBy(() -> jdbc.claim("a", "n", "/r")).hasMessageContaining("outcome unknown");
        assertThat(jdbc.events("w", cursor, 1000)).extracting(e -> e.taskId() + ":" + e.to()).containsExactly("a:Running", "null:Running");
        assertThat(jdbc.claim("b", "n", "/r")).isPresent(); // the next commit follows a gap the writer did not see
        List<Event> after = jdbc.events("w", cursor, 1000);
        assertThat(after).extracting(e -> e.taskId() + ":" + e.to()).containsExactly("a:Running", "null:Running", "b:Running");
        for (int i = 1; i < after.size(); i++) assertThat(after.get(i).id()).isGreaterThan(after.get(i - 1).id());
    }

    @Test
    void anOutageLongerThanThePolicyFailsCleanlyAndChangesNothing() {
        store.insertWorkflow(workflow("w", task("a")));
        faults.inject(Kind.DISK_FULL, FaultInjectingDataSource.ANY_WRITE, 1000);
        assertThatThrownBy(() -> store.claim("a", "n", "/r")).isInstanceOf(ProvisioningException.class)
                .satisfies(e -> assertThat(((ProvisioningException) e).code()).isEqualTo(ErrorCode.STORE_FAILURE))
                .hasMessageContaining("database or disk is full");
        assertThat(faults.injected()).isEqualTo(FAST.tries());
        assertThat(store.task("a").orElseThrow().state()).isEqualTo(TaskState.Ready);
        assertThat(store.attempts("a")).isEmpty();
        faults.clear(); // the disk has room again
        assertThat(store.claim("a", "n", "/r")).isPresent();
        // a shorter outage is ridden out
        faults.inject(Kind.FAIL, FaultInjectingDataSource.ANY_WRITE, FAST.tries() - 1);
        assertThat(store.completeAttempt(new AttemptOutcome("a", 1, TaskState.Completed, 0, null, null, null, null))).isTrue();
        assertThat(transitions("w", "a")).containsExactly("null>Ready", "Ready>Running", "Running>Completed");
    }

    private List<String> transitions(String wf, String taskId) {
        List<String> out = new ArrayList<>();
        for (Event e : store.events(wf, 0, 10_000))
            if (e.type().equals("task.state") && taskId.equals(e.taskId())) out.add(e.from() + ">" + e.to());
        return out;
    }

    private void assertLegal(String wf) {
        Map<String, String> last = new LinkedHashMap<>();
        for (Event e : store.events(wf, 0, 10_000)) {
            if (!e.type().equals("task.state") || e.from() == null) continue;
            assertThat(TaskState.valueOf(e.from()).canMoveTo(TaskState.valueOf(e.to()))).as("%s -> %s", e.from(), e.to()).isTrue();
            String prev = last.put(e.taskId(), e.to());
            if (prev != null) assertThat(prev).as("event %s continues from the task's last state", e.id()).isEqualTo(e.from());
        }
    }
}
