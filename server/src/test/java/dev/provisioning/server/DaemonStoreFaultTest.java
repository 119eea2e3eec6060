package dev.provisioning.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioning.core.model.Json;
import dev.provisioning.core.model.TaskState;
import dev.provisioning.store.fault.FaultInjectingDataSource;
import dev.provisioning.store.fault.FaultInjectingDataSource.Kind;
import dev.provisioning.store.fault.FaultInjectingDataSource.Transaction;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Faults in the store's transaction layer under a real daemon running real {@code nu} tasks. For each fault kind, one
 * daemon runs one workflow per important write with that write's next commit failed, timed out, made ambiguous or
 * refused for a full disk; a last workflow is cancelled through a faulty commit. Each run must end as it would without
 * the fault: every task Completed once, attempts as the retry policy says (a fails once on purpose), the ledger of real
 * runs equal to the attempts, and an event log of legal transitions with none recorded twice.
 */
@Timeout(300)
class DaemonStoreFaultTest {
    @TempDir
    Path tmp;
    TestDaemon d;
    FaultInjectingDataSource faults;
    int runs;

    @AfterEach
    void stop() {
        if (d != null) d.close();
    }

    private void start() {
        String libs = TestDaemon.ROOT.resolve("nulib") + ":" + Path.of("src/test/resources/testlib").toAbsolutePath();
        d = new TestDaemon(tmp.resolve("data"), Map.of("nushell.provisioning_lib", libs, "executor.max_concurrent_tasks", "4"),
                null, ds -> faults = new FaultInjectingDataSource(ds));
    }

    static final Map<String, Predicate<Transaction>> WRITES = new java.util.LinkedHashMap<>();
    static {
        WRITES.put("insertWorkflow", FaultInjectingDataSource.INSERT_WORKFLOW);
        WRITES.put("claim", FaultInjectingDataSource.CLAIM);
        WRITES.put("attemptStarted", FaultInjectingDataSource.ATTEMPT_STARTED);
        WRITES.put("completeAttempt", FaultInjectingDataSource.COMPLETE_ATTEMPT);
        WRITES.put("promoteDueRetries", FaultInjectingDataSource.PROMOTE_DUE_RETRIES);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void eachFaultOnEachWriteOfARealRunChangesNothingTwice(Kind kind) throws Exception {
        start();
        for (var w : WRITES.entrySet()) {
            var rule = faults.inject(kind, w.getValue(), 1, Duration.ofMillis(500));
            // an attempt's pid is written on its own only once it has run a while (else with its end)
            String wf = runChain(kind + "-" + w.getKey(), w.getKey().equals("attemptStarted") ? 1_500 : 0);
            assertThat(rule.fired()).as("%s on %s fired", kind, w.getKey()).isEqualTo(1);
            assertRanExactlyOnce(wf);
        }
        // cancel, through a faulty commit, a workflow whose first task sleeps
        ObjectNode doc = workflow(kind + "-cancel");
        ArrayNode tasks = doc.putArray("task");
        tasks.addObject().put("id", "s").put("module", "test/tasks.nu").put("function", "slow").putObject("args").put("seconds", 60);
        tasks.addObject().put("id", "t").put("module", "test/tasks.nu").put("function", "echo").putArray("depends_on").add("s");
        String wf = submit(doc);
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> taskStates(wf).get("s").equals("Running"));
        var rule = faults.inject(kind, FaultInjectingDataSource.CANCEL_WORKFLOW, 1, Duration.ofMillis(500));
        HttpResponse<String> r = d.post("/workflows/" + wf + "/cancel", "{}");
        assertThat(r.statusCode()).as(r.body()).isBetween(200, 202);
        assertThat(rule.fired()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> state(wf).equals("Cancelled"));
        List<JsonNode> events = events(wf);
        assertThat(events.stream().filter(e -> e.get("type").asText().equals("workflow.cancel"))).hasSize(1);
        assertThat(transitions(events, "s")).containsExactly("null>Ready", "Ready>Running", "Running>Cancelled");
        assertThat(transitions(events, "t")).containsExactly("null>Pending", "Pending>Cancelled");
        assertThat(faults.injected(kind)).isEqualTo(WRITES.size() + 1);
    }

    /**
     * The worst case of an ambiguous commit: the database then becomes unreachable for longer than the store's own
     * retries, so nobody can read back what happened. An ambiguous claim leaves a task Running with no process (the
     * scheduler adopts it after the failed round and runs it as the same attempt); an ambiguous completion is retried
     * by the scheduler until the read-back can see it.
     */
    @Test
    void anAmbiguousCommitFollowedByAnOutageIsSettledOnceTheStoreIsBack() throws Exception {
        start();
        faults.inject(Kind.AMBIGUOUS, FaultInjectingDataSource.CLAIM, 1).thenOutage(Duration.ofSeconds(4));
        String wf = runChain("outage-claim", 0);
        assertRanExactlyOnce(wf);
        faults.inject(Kind.AMBIGUOUS, FaultInjectingDataSource.COMPLETE_ATTEMPT, 1).thenOutage(Duration.ofSeconds(4));
        wf = runChain("outage-complete", 0);
        assertRanExactlyOnce(wf);
        assertThat(faults.injected(Kind.AMBIGUOUS)).isEqualTo(2);
        assertThat(d.get("/health").statusCode()).isEqualTo(200);
    }

    /**
     * An attempt's end is recorded behind its progress and checkpoint writes. The progress write's commit is made
     * slow (500 ms, holding SQLite's write lock), so the checkpoint waits behind it on the callbacks thread; an end
     * that went to the round at once would win the write lock first, and the checkpoint, fenced, would be lost.
     */
    @Test
    void anAttemptsEndIsRecordedAfterItsCheckpointBehindASlowProgressWrite() {
        start();
        var slow = faults.slowCommit(t -> t.bound("task.progress"), 1, Duration.ofMillis(500));
        ObjectNode doc = workflow("slow-progress");
        doc.putArray("task").addObject().put("id", "cp").put("module", "test/tasks.nu").put("function", "progress-then-checkpoint");
        String wf = submit(doc);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                .until(() -> List.of("Completed", "Failed").contains(state(wf)));
        assertThat(slow.fired()).isEqualTo(1);
        JsonNode t = TestDaemon.json(d.get("/workflows/" + wf)).get("tasks").get(0);
        assertThat(t.get("state").asText()).as(t.toString()).isEqualTo("Completed");
        assertThat(t.get("attempt").asInt()).isEqualTo(2);
        assertThat(t.get("result").get("resumed_from").get("step").asInt()).as(t.toString()).isEqualTo(3);
        assertThat(transitions(events(wf), "cp")).containsExactly("null>Ready", "Ready>Running", "Running>RetryWait",
                "RetryWait>Ready", "Ready>Running", "Running>Completed");
    }

    private ObjectNode workflow(String name) {
        ObjectNode doc = Json.MAPPER.createObjectNode();
        doc.putObject("workflow").put("name", name).putObject("retry").put("max_attempts", 3)
                .put("backoff", "fixed").put("initial_delay", "100ms").put("jitter", 0);
        return doc;
    }

    /** a (fails on its first attempt, then succeeds) → b, both appending to a ledger; waits for the end. */
    private String runChain(String name, int sleepMs) throws Exception {
        Path ledger = tmp.resolve("ledger-" + (++runs) + ".txt");
        ObjectNode doc = workflow(name);
        ArrayNode tasks = doc.putArray("task");
        ObjectNode a = tasks.addObject().put("id", "a").put("module", "test/faults.nu").put("function", "ledger-flaky");
        a.putObject("args").put("key", "a").put("file", ledger.toString()).put("succeed_on", 2).put("sleep_ms", sleepMs);
        ObjectNode b = tasks.addObject().put("id", "b").put("module", "test/faults.nu").put("function", "ledger-flaky");
        b.putObject("args").put("key", "b").put("file", ledger.toString());
        b.putArray("depends_on").add("a");
        String wf = submit(doc);
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                .until(() -> List.of("Completed", "Failed", "Cancelled").contains(state(wf)));
        ledgers.put(wf, ledger);
        return wf;
    }

    private final Map<String, Path> ledgers = new HashMap<>();

    private String submit(ObjectNode doc) {
        String name = doc.get("workflow").get("name").asText();
        HttpResponse<String> r = d.post("/workflows/batch/submit", Json.write(doc));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        // stored exactly once, even when the insert's commit was ambiguous (reads fail while the store is unreachable)
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
            long named = 0;
            for (JsonNode w : TestDaemon.json(d.get("/workflows?limit=1000")).get("workflows"))
                if (w.get("name").asText().equals(name)) named++;
            assertThat(named).as("workflows named %s", name).isEqualTo(1);
        });
        return TestDaemon.json(r).get("workflow_id").asText();
    }

    private void assertRanExactlyOnce(String wf) throws Exception {
        JsonNode w = TestDaemon.json(d.get("/workflows/" + wf));
        assertThat(w.get("state").asText()).as(w.toString()).isEqualTo("Completed");
        Map<String, Integer> ledger = new HashMap<>();
        for (String line : Files.readAllLines(ledgers.get(wf))) if (!line.isBlank()) ledger.merge(line.split(" ")[0], 1, Integer::sum);
        Map<String, Integer> expected = Map.of("a", 2, "b", 1);
        List<JsonNode> events = events(wf);
        for (JsonNode t : w.get("tasks")) {
            String key = t.get("key").asText();
            assertThat(t.get("attempt").asInt()).as("attempts of %s", key).isEqualTo(expected.get(key));
            assertThat(ledger.get(key)).as("real runs of %s", key).isEqualTo(expected.get(key));
            JsonNode rows = TestDaemon.json(d.get("/tasks/" + t.get("id").asText() + "/attempts")).get("attempts");
            assertThat(rows).hasSize(expected.get(key));
            List<String> moves = transitions(events, key);
            assertThat(moves.stream().filter(m -> m.endsWith(">Completed"))).as("%s: %s", key, moves).hasSize(1);
            assertThat(moves).as(key).endsWith("Ready>Running", "Running>Completed");
            if (key.equals("a")) assertThat(moves).as(key).containsExactly("null>Ready", "Ready>Running", "Running>RetryWait",
                    "RetryWait>Ready", "Ready>Running", "Running>Completed");
            else assertThat(moves).as(key).containsExactly("null>Pending", "Pending>Ready", "Ready>Running", "Running>Completed");
        }
    }

    /** Every event of a workflow, checked: each task move is legal and continues from the task's last state. */
    private List<JsonNode> events(String wf) {
        List<JsonNode> out = new ArrayList<>();
        Map<String, String> last = new HashMap<>();
        for (JsonNode e : TestDaemon.json(d.get("/workflows/" + wf + "/events?after=0&limit=5000")).get("events")) {
            out.add(e);
            if (!e.get("type").asText().equals("task.state") || e.get("from").isNull()) {
                if (e.get("type").asText().equals("task.state")) last.put(e.get("task_id").asText(), e.get("to").asText());
                continue;
            }
            TaskState from = TaskState.valueOf(e.get("from").asText()), to = TaskState.valueOf(e.get("to").asText());
            assertThat(from.canMoveTo(to)).as("event %s: %s -> %s", e.get("id"), from, to).isTrue();
            String prev = last.put(e.get("task_id").asText(), to.name());
            assertThat(prev).as("event %s continues from the task's last state", e.get("id")).isEqualTo(from.name());
        }
        return out;
    }

    /** The task moves of the task with this key, as "from>to". */
    private List<String> transitions(List<JsonNode> events, String key) {
        String wf = events.getFirst().get("workflow_id").asText();
        String id = null;
        for (JsonNode t : TestDaemon.json(d.get("/workflows/" + wf)).get("tasks")) if (t.get("key").asText().equals(key)) id = t.get("id").asText();
        List<String> out = new ArrayList<>();
        for (JsonNode e : events)
            if (e.get("type").asText().equals("task.state") && e.get("task_id").asText().equals(id))
                out.add((e.get("from").isNull() ? "null" : e.get("from").asText()) + ">" + e.get("to").asText());
        return out;
    }

    private String state(String wf) {
        return TestDaemon.json(d.get("/workflows/" + wf)).get("state").asText();
    }

    private Map<String, String> taskStates(String wf) {
        Map<String, String> out = new HashMap<>();
        TestDaemon.json(d.get("/workflows/" + wf)).get("tasks").forEach(t -> out.put(t.get("key").asText(), t.get("state").asText()));
        return out;
    }
}
