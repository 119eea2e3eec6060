package dev.provisioning.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Batch-workflow behaviour through the real daemon: failure policies, rollback, cancel, resume, checkpoints, limits. */
class WorkflowFeaturesTest {
    @TempDir
    static Path tmp;
    static TestDaemon d;

    @BeforeAll
    static void start() throws Exception {
        Path cfg = tmp.resolve("pools.toml");
        Files.writeString(cfg, "[pools]\n\"provider:test\" = 1\n");
        String libs = Path.of("src/test/resources/testlib").toAbsolutePath() + ":" + TestDaemon.ROOT.resolve("nulib");
        d = new TestDaemon(tmp.resolve("data"), Map.of("nushell.provisioning_lib", libs, "executor.max_concurrent_tasks", "8"), cfg);
    }

    @AfterAll
    static void stop() {
        if (d != null) d.close();
    }

    static String submitToml(String toml) {
        HttpResponse<String> r = d.send(HttpRequest.newBuilder(URI.create(d.url("/workflows/batch/submit")))
                .header("Content-Type", "application/toml").header("Authorization", "Bearer " + d.daemon.token())
                .POST(HttpRequest.BodyPublishers.ofString(toml)).build());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        return TestDaemon.json(r).get("workflow_id").asText();
    }

    static JsonNode awaitWorkflow(String id, String... states) {
        JsonNode[] last = new JsonNode[1];
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
            last[0] = TestDaemon.json(d.get("/workflows/" + id));
            for (String s : states) if (s.equals(last[0].get("state").asText())) return true;
            return false;
        });
        return last[0];
    }

    static Map<String, JsonNode> tasksByKey(JsonNode wf) {
        Map<String, JsonNode> m = new HashMap<>();
        wf.get("tasks").forEach(t -> m.put(t.get("key").asText(), t));
        return m;
    }

    static String q(Object s) {
        return TextNode.valueOf(s.toString()).toString();
    }

    static String note(String id, String name, Path file, String extra) {
        return "[[task]]\nid = \"" + id + "\"\nmodule = \"test/tasks.nu\"\nfunction = \"note\"\n"
                + "args = { name = " + q(name) + ", file = " + q(file) + " }\n" + extra + "\n";
    }

    @Test
    void onFailureRollbackUndoesCompletedTasksInReverseDependencyOrder() throws Exception {
        Path log = tmp.resolve("rollback-order.log");
        String rb = "rollback = { module = \"test/tasks.nu\", function = \"note\", args = { name = \"undo-%s\", file = " + q(log) + " } }\n";
        String toml = "[workflow]\nname = \"saga\"\non_failure = \"rollback\"\n\n"
                + note("net", "net", log, rb.formatted("net"))
                + note("server", "server", log, "depends_on = [\"net\"]\n" + rb.formatted("server"))
                + note("dns", "dns", log, "depends_on = [\"server\"]\n")  // no rollback action
                + "[[task]]\nid = \"k8s\"\nmodule = \"test/tasks.nu\"\nfunction = \"fail\"\nargs = { reason = \"install failed\" }\ndepends_on = [\"dns\"]\n";
        String id = submitToml(toml);
        JsonNode wf = awaitWorkflow(id, "RolledBack", "Failed");
        assertThat(wf.get("state").asText()).as(wf.toString()).isEqualTo("RolledBack");
        Map<String, JsonNode> t = tasksByKey(wf);
        assertThat(t.get("net").get("state").asText()).isEqualTo("RolledBack");
        assertThat(t.get("server").get("state").asText()).isEqualTo("RolledBack");
        assertThat(t.get("dns").get("state").asText()).isEqualTo("RolledBack");
        assertThat(t.get("k8s").get("state").asText()).isEqualTo("Failed");
        assertThat(Files.readAllLines(log)).containsExactly("net", "server", "dns", "undo-server", "undo-net");
    }

    @Test
    void aFailedRollbackLeavesTheWorkflowFailedWithTheError() {
        String toml = "[workflow]\nname = \"bad-saga\"\non_failure = \"rollback\"\n\n"
                + "[[task]]\nid = \"a\"\ncommand = [\"true\"]\nrollback = { module = \"test/tasks.nu\", function = \"fail\", args = { reason = \"cannot undo\" } }\n\n"
                + "[[task]]\nid = \"b\"\ncommand = [\"false\"]\ndepends_on = [\"a\"]\n";
        JsonNode wf = awaitWorkflow(submitToml(toml), "Failed", "RolledBack");
        assertThat(wf.get("state").asText()).isEqualTo("Failed");
        JsonNode a = tasksByKey(wf).get("a");
        assertThat(a.get("state").asText()).isEqualTo("RollbackFailed");
        assertThat(a.get("error").asText()).contains("cannot undo");
        assertThat(wf.get("errors").findValuesAsText("state")).contains("RollbackFailed", "Failed");
        assertThat(wf.get("errors").toString()).contains("cannot undo");
    }

    @Test
    void onFailureFailStopsNewWorkButContinueRunsIndependentBranches() {
        // 'bad' fails only once 'slow-branch' has started: its attempt dir appears next to bad's own in the workflow's
        // runs dir (both are roots of the same round; a bare 'false' can fail before the round claims the second one,
        // and then slow-branch is rightly never started). Nothing else of this workflow runs before either ends.
        String body = "[[task]]\nid = \"bad\"\ncommand = [\"sh\", \"-c\", "
                + "\"until [ $(ls .. | wc -l) -ge 2 ]; do sleep 0.05; done; exit 1\"]\n\n"
                + "[[task]]\nid = \"after-bad\"\ncommand = [\"true\"]\ndepends_on = [\"bad\"]\n\n"
                + "[[task]]\nid = \"slow-branch\"\nmodule = \"test/tasks.nu\"\nfunction = \"slow\"\nargs = { seconds = 2 }\n\n"
                + "[[task]]\nid = \"after-slow\"\ncommand = [\"true\"]\ndepends_on = [\"slow-branch\"]\n";
        JsonNode failWf = awaitWorkflow(submitToml("[workflow]\nname = \"f\"\non_failure = \"fail\"\n\n" + body), "Failed");
        Map<String, JsonNode> f = tasksByKey(failWf);
        assertThat(f.get("slow-branch").get("state").asText()).as("running work finishes").isEqualTo("Completed");
        assertThat(f.get("after-slow").get("state").asText()).as("nothing new starts").isEqualTo("Skipped");
        assertThat(f.get("after-bad").get("state").asText()).isEqualTo("Skipped");

        JsonNode contWf = awaitWorkflow(submitToml("[workflow]\nname = \"c\"\non_failure = \"continue\"\n\n" + body), "Failed");
        Map<String, JsonNode> c = tasksByKey(contWf);
        assertThat(c.get("after-slow").get("state").asText()).isEqualTo("Completed");
        assertThat(c.get("after-bad").get("state").asText()).isEqualTo("Skipped");
    }

    @Test
    void cancelKillsRunningProcessGroupsAndResumeKeepsCompletedWork() throws Exception {
        Path marker = tmp.resolve("resume-marker");
        String toml = "[workflow]\nname = \"cancel-resume\"\n\n"
                + "[[task]]\nid = \"first\"\ncommand = [\"true\"]\n\n"
                + "[[task]]\nid = \"long\"\nmodule = \"test/tasks.nu\"\nfunction = \"slow\"\nargs = { seconds = 120 }\ndepends_on = [\"first\"]\n\n"
                + "[[task]]\nid = \"gate\"\nmodule = \"test/tasks.nu\"\nfunction = \"needs-file\"\nargs = { file = " + q(marker) + " }\ndepends_on = [\"first\"]\n";
        String id = submitToml(toml);
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            JsonNode l = tasksByKey(TestDaemon.json(d.get("/workflows/" + id))).get("long");
            return l.get("state").asText().equals("Running") && !TestDaemon.json(d.get("/tasks/" + l.get("id").asText() + "/attempts"))
                    .get("attempts").get(0).get("pid").isNull();
        });
        String longId = tasksByKey(TestDaemon.json(d.get("/workflows/" + id))).get("long").get("id").asText();
        long pid = TestDaemon.json(d.get("/tasks/" + longId + "/attempts")).get("attempts").get(0).get("pid").asLong();

        HttpResponse<String> c = d.post("/workflows/" + id + "/cancel", "");
        assertThat(c.statusCode()).as(c.body()).isEqualTo(202);
        JsonNode wf = awaitWorkflow(id, "Cancelled", "Failed");
        assertThat(wf.get("state").asText()).isEqualTo("Cancelled");
        Map<String, JsonNode> t = tasksByKey(wf);
        assertThat(t.get("long").get("state").asText()).isEqualTo("Cancelled");
        assertThat(t.get("first").get("state").asText()).isEqualTo("Completed");
        await().atMost(Duration.ofSeconds(15)).until(() -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
        assertThat(d.post("/workflows/" + id + "/cancel", "").statusCode()).as("already terminal").isEqualTo(409);

        Files.writeString(marker, "ok");
        // resume: only the cancelled/failed work runs again; give "long" a short run this time is not possible,
        // so cancel it again after checking that "first" was not re-run
        assertThat(d.post("/workflows/" + id + "/resume", "").statusCode()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(30)).until(() -> tasksByKey(TestDaemon.json(d.get("/workflows/" + id))).get("gate").get("state").asText().equals("Completed"));
        JsonNode after = TestDaemon.json(d.get("/workflows/" + id));
        assertThat(tasksByKey(after).get("first").get("attempt").asInt()).as("completed work is kept").isEqualTo(1);
        assertThat(d.post("/workflows/" + id + "/cancel", "").statusCode()).isEqualTo(202);
        awaitWorkflow(id, "Cancelled");
    }

    @Test
    void drainLetsRunningWorkFinishAndStartsNothingNew() throws Exception {
        // its own daemon: draining is for good
        try (TestDaemon own = new TestDaemon(tmp.resolve("drain-data"), Map.of("nushell.provisioning_lib",
                Path.of("src/test/resources/testlib").toAbsolutePath() + ":" + TestDaemon.ROOT.resolve("nulib")))) {
            HttpResponse<String> r = own.post("/workflows/batch/submit", "{\"task\":[{\"id\":\"s\",\"module\":\"test/tasks.nu\","
                    + "\"function\":\"slow\",\"args\":{\"seconds\":1}},{\"id\":\"next\",\"command\":[\"true\"],\"depends_on\":[\"s\"]}]}");
            String wf = TestDaemon.json(r).get("workflow_id").asText();
            await().atMost(Duration.ofSeconds(30)).until(() -> TestDaemon.json(own.get("/health")).get("running_tasks").asInt() == 1);
            assertThat(own.post("/admin/drain", "").statusCode()).isEqualTo(202);
            assertThat(TestDaemon.json(own.get("/health")).get("draining").asBoolean()).isTrue();
            await().atMost(Duration.ofSeconds(30)).until(() -> TestDaemon.json(own.get("/health")).get("running_tasks").asInt() == 0);
            Map<String, JsonNode> t = tasksByKey(TestDaemon.json(own.get("/workflows/" + wf)));
            assertThat(t.get("s").get("state").asText()).as("running work finished").isEqualTo("Completed");
            assertThat(t.get("next").get("state").asText()).as("nothing new started").isEqualTo("Ready");
        }
    }

    @Test
    void checkpointReachesTheNextAttemptAndTheIdempotencyKeyIsStable() {
        String toml = "[[task]]\nid = \"cp\"\nmodule = \"test/tasks.nu\"\nfunction = \"checkpointer\"\n"
                + "retry = { max_attempts = 2, backoff = \"fixed\", initial_delay = \"100ms\", jitter = false }\n";
        JsonNode wf = awaitWorkflow(submitToml(toml), "Completed", "Failed");
        JsonNode t = tasksByKey(wf).get("cp");
        assertThat(t.get("state").asText()).as(t.toString()).isEqualTo("Completed");
        assertThat(t.get("result").get("resumed_from").get("step").asInt()).isEqualTo(2);
        assertThat(t.get("result").get("attempt").asInt()).isEqualTo(2);
        assertThat(t.get("result").get("key").asText()).isEqualTo(t.get("idempotency_key").asText()).endsWith("/cp");
    }

    @Test
    void aTaskThatFailsTwiceThenSucceedsCompletesWithThreeAttemptsAndDurableBackoff() {
        String toml = "[workflow]\nname = \"flaky\"\nretry = { max_attempts = 3, backoff = \"exponential\", initial_delay = \"200ms\", jitter = 0.1 }\n\n"
                + "[[task]]\nid = \"f\"\nmodule = \"test/tasks.nu\"\nfunction = \"flaky\"\nargs = { succeed_on = 3 }\n";
        JsonNode wf = awaitWorkflow(submitToml(toml), "Completed", "Failed");
        JsonNode f = tasksByKey(wf).get("f");
        assertThat(f.get("state").asText()).as(f.toString()).isEqualTo("Completed");
        assertThat(f.get("attempt").asInt()).isEqualTo(3);
        JsonNode attempts = TestDaemon.json(d.get("/tasks/" + f.get("id").asText() + "/attempts")).get("attempts");
        assertThat(attempts).hasSize(3);
        assertThat(attempts.get(0).get("state").asText()).isEqualTo("RetryWait");
        assertThat(attempts.get(2).get("state").asText()).isEqualTo("Completed");
        // the second attempt waited the backoff (200 ms ± 10%) after the first ended: the timer was durable, not a sleep
        java.time.Instant firstEnd = java.time.Instant.parse(attempts.get(0).get("finished_at").asText());
        java.time.Instant secondStart = java.time.Instant.parse(attempts.get(1).get("started_at").asText());
        assertThat(java.time.Duration.between(firstEnd, secondStart)).isGreaterThanOrEqualTo(java.time.Duration.ofMillis(180))
                // and the loop slept until that timer, not until its 5 s idle wake-up
                .isLessThan(java.time.Duration.ofMillis(2_500));
        assertThat(tasksByKey(wf).get("f").get("retry").get("backoff").asText()).isEqualTo("exponential");
    }

    @Test
    void aLimitedWorkflowWithALongQueueDoesNotStarveOthers() {
        StringBuilder toml = new StringBuilder("[workflow]\nname = \"long-limited\"\nparallel_limit = 1\n\n");
        for (int i = 0; i < 150; i++) toml.append("[[task]]\nid = \"s").append(i).append("\"\ncommand = [\"sleep\", \"1\"]\n\n");
        String limited = submitToml(toml.toString());
        String other = submitToml("[[task]]\nid = \"quick\"\ncommand = [\"true\"]\n");
        // 150 queued tasks of a workflow that may run one at a time take 150 s; the other workflow's task runs at once
        JsonNode wf = awaitWorkflow(other, "Completed");
        assertThat(wf.get("state").asText()).isEqualTo("Completed");
        assertThat(TestDaemon.json(d.get("/workflows/" + limited)).get("state").asText()).isEqualTo("Running");
        assertThat(d.post("/workflows/" + limited + "/cancel", "").statusCode()).isEqualTo(202);
        awaitWorkflow(limited, "Cancelled");
    }

    @Test
    void aTaskMadeReadyByAnEndBehindALongLimitedQueueStartsAtOnce() {
        // The round that records a's end plans inside its transaction with the head of the ready queue only: 150 tasks
        // of a workflow that may run one at a time, which is busy. It must still find b, behind them, by reading a
        // bigger window in the next round, not at the next round that happens anyway: the limited workflow's next
        // end (each task runs 5 s) or the 5 s idle wake-up. (The first limited task's pid is written 1 s after its
        // start, in a round of its own; a is submitted after that.)
        StringBuilder toml = new StringBuilder("[workflow]\nname = \"long-limited\"\nparallel_limit = 1\n\n");
        for (int i = 0; i < 150; i++) toml.append("[[task]]\nid = \"s").append(i).append("\"\ncommand = [\"sleep\", \"5\"]\n\n");
        String limited = submitToml(toml.toString());
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
            JsonNode s0 = tasksByKey(TestDaemon.json(d.get("/workflows/" + limited))).get("s0");
            return s0.get("state").asText().equals("Running") && !TestDaemon.json(d.get("/tasks/" + s0.get("id").asText()
                    + "/attempts")).get("attempts").get(0).get("pid").isNull();
        });
        String other = submitToml("[[task]]\nid = \"a\"\ncommand = [\"sleep\", \"0.2\"]\n\n"
                + "[[task]]\nid = \"b\"\ncommand = [\"true\"]\ndepends_on = [\"a\"]\n");
        JsonNode wf = awaitWorkflow(other, "Completed", "Failed");
        assertThat(wf.get("state").asText()).isEqualTo("Completed");
        java.time.Instant aEnd = java.time.Instant.parse(tasksByKey(wf).get("a").get("finished_at").asText());
        java.time.Instant bStart = java.time.Instant.parse(tasksByKey(wf).get("b").get("started_at").asText());
        assertThat(java.time.Duration.between(aEnd, bStart)).isLessThan(java.time.Duration.ofMillis(1_500));
        assertThat(d.post("/workflows/" + limited + "/cancel", "").statusCode()).isEqualTo(202);
        awaitWorkflow(limited, "Cancelled");
    }

    @Test
    void parallelLimitAndPoolsCapConcurrency() {
        StringBuilder toml = new StringBuilder("[workflow]\nname = \"limited\"\nparallel_limit = 2\n\n");
        for (int i = 0; i < 4; i++)
            toml.append("[[task]]\nid = \"w").append(i).append("\"\nmodule = \"test/tasks.nu\"\nfunction = \"slow\"\nargs = { seconds = 1 }\n\n");
        String limited = submitToml(toml.toString());
        String pooled1 = submitToml("[[task]]\nid = \"p\"\nmodule = \"test/tasks.nu\"\nfunction = \"slow\"\nargs = { seconds = 1 }\npools = [\"provider:test\"]\n");
        String pooled2 = submitToml("[[task]]\nid = \"p\"\nmodule = \"test/tasks.nu\"\nfunction = \"slow\"\nargs = { seconds = 1 }\npools = [\"provider:test\"]\n");
        assertThat(maxOverlap(awaitWorkflow(limited, "Completed").get("tasks"))).isEqualTo(2);
        List<JsonNode> pooled = new ArrayList<>();
        awaitWorkflow(pooled1, "Completed").get("tasks").forEach(pooled::add);
        awaitWorkflow(pooled2, "Completed").get("tasks").forEach(pooled::add);
        assertThat(maxOverlap(Json.array(pooled))).isEqualTo(1);

        HttpResponse<String> bad = d.send(HttpRequest.newBuilder(URI.create(d.url("/workflows/batch/submit")))
                .header("Content-Type", "application/toml").header("Authorization", "Bearer " + d.daemon.token())
                .POST(HttpRequest.BodyPublishers.ofString("[[task]]\nid = \"p\"\ncommand = [\"true\"]\npools = [\"nope\"]\n")).build());
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("unknown pool 'nope'").contains("request body:2");
    }

    /** Most attempts running at the same instant, from started_at/finished_at. */
    static int maxOverlap(JsonNode tasks) {
        List<long[]> iv = new ArrayList<>();
        tasks.forEach(t -> iv.add(new long[] {Instant.parse(t.get("started_at").asText()).toEpochMilli(),
                Instant.parse(t.get("finished_at").asText()).toEpochMilli()}));
        iv.sort(Comparator.comparingLong(a -> a[0]));
        int best = 0;
        for (long[] a : iv) {
            int n = 0;
            for (long[] b : iv) if (b[0] <= a[0] && a[0] < b[1]) n++;
            best = Math.max(best, n);
        }
        return best;
    }

    @Test
    void forEachFansOutAndDependentsWaitForEveryCopy() {
        String toml = "[[task]]\nid = \"srv\"\nmodule = \"test/tasks.nu\"\nfunction = \"echo\"\nfor_each = [\"a\", \"b\", \"c\"]\n\n"
                + "[[task]]\nid = \"join\"\nmodule = \"test/tasks.nu\"\nfunction = \"echo\"\ndepends_on = [\"srv\"]\n";
        JsonNode wf = awaitWorkflow(submitToml(toml), "Completed");
        Map<String, JsonNode> t = tasksByKey(wf);
        assertThat(t).containsKeys("srv-a", "srv-b", "srv-c", "join");
        assertThat(t.get("srv-b").get("result").get("req").get("item").asText()).isEqualTo("b");
        JsonNode inputs = t.get("join").get("result").get("inputs");
        assertThat(inputs.has("srv-a") && inputs.has("srv-b") && inputs.has("srv-c")).isTrue();
    }

    @Test
    void validateAnswersThePlanAndAllErrorsWithLines() throws Exception {
        HttpResponse<String> ok = d.send(HttpRequest.newBuilder(URI.create(d.url("/workflows/batch/validate")))
                .header("Content-Type", "application/toml").header("Authorization", "Bearer " + d.daemon.token())
                .POST(HttpRequest.BodyPublishers.ofFile(TestDaemon.ROOT.resolve("examples/cluster-local.toml"))).build());
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        JsonNode levels = TestDaemon.json(ok).get("levels");
        assertThat(levels).hasSize(3);
        assertThat(levels.get(0)).hasSize(3);
        assertThat(levels.get(2).get(0).asText()).isEqualTo("apps");

        String broken = "[[task]]\nid = \"a\"\ncommand = [\"true\"]\ndepends_on = [\"b\"]\n\n"
                + "[[task]]\nid = \"b\"\ncommand = [\"true\"]\ndepends_on = [\"a\"]\ntimeout = \"soon\"\n\n"
                + "[[task]]\nid = \"c\"\nmodule = \"../../etc/passwd\"\nfunction = \"x\"\ndepends_on = [\"ghost\"]\n";
        HttpResponse<String> bad = d.send(HttpRequest.newBuilder(URI.create(d.url("/workflows/batch/validate?source=broken.toml")))
                .header("Content-Type", "application/toml").header("Authorization", "Bearer " + d.daemon.token())
                .POST(HttpRequest.BodyPublishers.ofString(broken)).build());
        assertThat(bad.statusCode()).isEqualTo(400);
        List<String> details = new ArrayList<>();
        TestDaemon.json(bad).get("error").get("details").forEach(n -> details.add(n.asText()));
        assertThat(details).anyMatch(s -> s.startsWith("broken.toml:7: task 'b': timeout"))
                .anyMatch(s -> s.startsWith("broken.toml:13: task 'c': module path") && s.contains("../../etc/passwd"))
                .anyMatch(s -> s.contains("unknown task 'ghost'"))
                .anyMatch(s -> s.contains("cycle") && (s.contains("a -> b -> a") || s.contains("b -> a -> b")));
    }

    /** Tiny helper so the pooled tasks of two workflows can be fed to maxOverlap. */
    static final class Json {
        static JsonNode array(List<JsonNode> items) {
            var arr = dev.provisioning.core.model.Json.MAPPER.createArrayNode();
            items.forEach(arr::add);
            return arr;
        }
    }
}
