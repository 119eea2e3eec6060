package dev.provisioning.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.provisioning.core.model.Event;
import dev.provisioning.core.model.Json;
import dev.provisioning.core.port.Store;
import dev.provisioning.server.api.ViewsTest;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The REST API end to end: real HTTP on loopback, real SQLite file, real nu processes. */
class ApiTest {
    @TempDir
    static Path tmp;
    static TestDaemon d;

    @BeforeAll
    static void start() {
        String libs = TestDaemon.ROOT.resolve("nulib") + ":" + Path.of("src/test/resources/testlib").toAbsolutePath();
        d = new TestDaemon(tmp.resolve("data"), Map.of("nushell.provisioning_lib", libs, "executor.max_concurrent_tasks", "4",
                "executor.task_nice", "5"));
    }

    @AfterAll
    static void stop() {
        if (d != null) d.close();
    }

    static JsonNode awaitTaskState(String taskId, String... states) {
        JsonNode[] last = new JsonNode[1];
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
            last[0] = TestDaemon.json(d.get("/tasks/" + taskId));
            for (String s : states) if (s.equals(last[0].path("state").asText())) return true;
            return false;
        });
        return last[0];
    }

    static String batch(String tasksJson) {
        HttpResponse<String> r = d.post("/workflows/batch/submit", "{\"workflow\":{\"name\":\"t\"},\"task\":" + tasksJson + "}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        return TestDaemon.json(r).get("workflow_id").asText();
    }

    static int workflowCount() {
        return TestDaemon.json(d.get("/workflows?limit=1000")).get("workflows").size();
    }

    /**
     * executor.task_nice = 5 (this daemon's config) reaches a real nu task: it runs 5 nicer than the daemon. The task
     * reads its value once its pid is recorded (the spawn has returned) and the test has
     * put a file in its run dir.
     */
    @Test
    void aTaskRunsTaskNiceNicerThanTheDaemon() throws Exception {
        String id = batch("[{\"id\":\"n\",\"module\":\"test/tasks.nu\",\"function\":\"nice\"}]");
        String taskId = TestDaemon.json(d.get("/workflows/" + id)).get("tasks").get(0).get("id").asText();
        JsonNode[] attempt = new JsonNode[1];
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            JsonNode as = TestDaemon.json(d.get("/tasks/" + taskId + "/attempts")).get("attempts");
            attempt[0] = as.isEmpty() ? null : as.get(0);
            return attempt[0] != null && attempt[0].path("pid").isNumber();
        });
        java.nio.file.Files.createFile(Path.of(attempt[0].get("run_dir").asText()).resolve("go"));
        JsonNode t = awaitTaskState(taskId, "Completed", "Failed");
        assertThat(t.path("state").asText()).as(t.toString()).isEqualTo("Completed");
        String stat = java.nio.file.Files.readString(Path.of("/proc/thread-self/stat"));
        int own = Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ")[16]);
        assertThat(t.path("result").path("nice").asInt()).isEqualTo(Math.min(19, own + 5));
    }

    @Test
    void healthAndVersionOnBothPrefixes() {
        for (String p : new String[] {"", "/api/v1"}) {
            HttpResponse<String> h = d.get(p + "/health");
            assertThat(h.statusCode()).isEqualTo(200);
            assertThat(TestDaemon.json(h).get("status").asText()).isEqualTo("healthy");
            assertThat(TestDaemon.json(d.get(p + "/version")).get("api_version").asText()).isEqualTo("v1");
        }
    }

    @Test
    void serverCreateRunsTheLocalProviderAndCompletes() throws Exception {
        HttpResponse<String> r = d.post("/workflows/servers/create", "{\"infra\":\"wuji\",\"params\":{}}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        JsonNode body = TestDaemon.json(r);
        assertThat(body.get("status").asText()).isEqualTo("queued");
        String id = body.get("workflow_id").asText();

        JsonNode task = awaitTaskState(id, "Completed", "Failed");
        assertThat(task.get("state").asText()).as(task.toString()).isEqualTo("Completed");
        assertThat(task.get("exit_code").asInt()).isZero();
        assertThat(task.get("result").isObject()).isTrue();
        assertThat(task.get("progress").asInt()).isBetween(0, 100);

        Path state = d.dataDir.resolve("local-provider/wuji/servers/wuji.json");
        assertThat(state).exists();
        assertThat(Files.readString(state)).contains("wuji");

        JsonNode wf = TestDaemon.json(d.get("/workflows/" + id));
        assertThat(wf.get("state").asText()).isEqualTo("Completed");
        assertThat(wf.get("tasks").get(0).get("id").asText()).isEqualTo(id);

        // the attempt's run dir holds the files the design names
        JsonNode attempts = TestDaemon.json(d.get("/tasks/" + id + "/attempts")).get("attempts");
        assertThat(attempts).hasSize(1);
        // a short attempt's pid is written with its end, in the completion's transaction
        assertThat(attempts.get(0).get("pid").asLong()).isPositive();
        Path runDir = Path.of(attempts.get(0).get("run_dir").asText());
        for (String f : new String[] {"stdout.log", "stderr.log", "result.json", "exit"}) assertThat(runDir.resolve(f)).exists();
        HttpResponse<String> log = d.get("/tasks/" + id + "/logs?stream=stdout");
        assertThat(log.statusCode()).isEqualTo(200);
        assertThat(log.body()).contains("PROGRESS: 100");
        assertThat(d.get("/tasks/" + id + "/logs?stream=../../etc/passwd").statusCode()).isEqualTo(400);

        // events: submitted, task Ready->Running->Completed, workflow Pending->Running->Completed
        JsonNode events = TestDaemon.json(d.get("/workflows/" + id + "/events")).get("events");
        assertThat(events.findValuesAsText("type")).contains("workflow.submitted", "task.state", "workflow.state");
    }

    @Test
    void secondCreateWithSameSpecIsANoOp() {
        String body = "{\"infra\":\"idem\",\"params\":{\"name\":\"web-1\",\"plan\":\"small\"}}";
        String a = TestDaemon.json(d.post("/workflows/servers/create", body)).get("workflow_id").asText();
        assertThat(awaitTaskState(a, "Completed", "Failed").get("state").asText()).isEqualTo("Completed");
        String b = TestDaemon.json(d.post("/api/v1/workflows/servers/create", body)).get("workflow_id").asText();
        JsonNode second = awaitTaskState(b, "Completed", "Failed");
        assertThat(second.get("state").asText()).as(second.toString()).isEqualTo("Completed");
        assertThat(second.get("result").get("changed").asBoolean()).isFalse();
        assertThat(d.dataDir.resolve("local-provider/idem/servers/web-1.json")).exists();
    }

    @Test
    void hostileArgumentsReachNushellAsPlainData() {
        String hostile = "'; rm -rf / #$(touch /tmp/prov-pwned-1)`touch /tmp/prov-pwned-2`\"; ^touch /tmp/prov-pwned-3";
        String id = batch("[{\"id\":\"e\",\"module\":\"test/tasks.nu\",\"function\":\"echo\",\"args\":{\"x\":"
                + com.fasterxml.jackson.databind.node.TextNode.valueOf(hostile) + "}}]");
        String taskId = TestDaemon.json(d.get("/workflows/" + id)).get("tasks").get(0).get("id").asText();
        JsonNode t = awaitTaskState(taskId, "Completed", "Failed");
        assertThat(t.get("state").asText()).as(t.toString()).isEqualTo("Completed");
        assertThat(t.get("result").get("req").get("x").asText()).isEqualTo(hostile);
        assertThat(t.get("result").get("task_id").asText()).isEqualTo(taskId);
        assertThat(Path.of("/tmp/prov-pwned-1")).doesNotExist();
        assertThat(Path.of("/tmp/prov-pwned-2")).doesNotExist();
        assertThat(Path.of("/tmp/prov-pwned-3")).doesNotExist();
    }

    @Test
    void dependentGetsResultsOfItsDependencyAsInputs() {
        String id = batch("[{\"id\":\"a\",\"module\":\"test/tasks.nu\",\"function\":\"echo\",\"args\":{\"v\":1}},"
                + "{\"id\":\"b\",\"module\":\"test/tasks.nu\",\"function\":\"echo\",\"depends_on\":[\"a\"]}]");
        await().atMost(Duration.ofSeconds(60)).until(() -> TestDaemon.json(d.get("/workflows/" + id)).get("state").asText().equals("Completed"));
        JsonNode tasks = TestDaemon.json(d.get("/workflows/" + id)).get("tasks");
        JsonNode b = tasks.get(0).get("key").asText().equals("b") ? tasks.get(0) : tasks.get(1);
        assertThat(b.get("result").get("inputs").get("a").get("req").get("v").asInt()).isEqualTo(1);
    }

    @Test
    void failingTaskIsFailedWithExitCodeAndStderrTail() {
        String id = batch("[{\"id\":\"f\",\"module\":\"test/tasks.nu\",\"function\":\"fail\",\"args\":{\"reason\":\"disk full\"}},"
                + "{\"id\":\"after\",\"module\":\"test/tasks.nu\",\"function\":\"echo\",\"depends_on\":[\"f\"]}]");
        await().atMost(Duration.ofSeconds(60)).until(() -> TestDaemon.json(d.get("/workflows/" + id)).get("state").asText().equals("Failed"));
        JsonNode tasks = TestDaemon.json(d.get("/workflows/" + id)).get("tasks");
        JsonNode f = tasks.get(0).get("key").asText().equals("f") ? tasks.get(0) : tasks.get(1);
        JsonNode after = f == tasks.get(0) ? tasks.get(1) : tasks.get(0);
        assertThat(f.get("state").asText()).isEqualTo("Failed");
        assertThat(f.get("exit_code").asInt()).isNotZero();
        assertThat(f.get("stderr_tail").asText()).contains("boom: disk full");
        assertThat(f.get("error").asText()).contains("exited with code 1: boom: disk full");
        assertThat(after.get("state").asText()).isEqualTo("Skipped");
    }

    @Test
    void retriesUntilSuccessWithinMaxAttempts() {
        String id = batch("[{\"id\":\"fl\",\"module\":\"test/tasks.nu\",\"function\":\"flaky\",\"args\":{\"succeed_on\":2},\"max_attempts\":3}]");
        String taskId = TestDaemon.json(d.get("/workflows/" + id)).get("tasks").get(0).get("id").asText();
        JsonNode t = awaitTaskState(taskId, "Completed", "Failed");
        assertThat(t.get("state").asText()).as(t.toString()).isEqualTo("Completed");
        assertThat(t.get("attempt").asInt()).isEqualTo(2);
        assertThat(t.get("result").get("attempt").asInt()).isEqualTo(2);
        assertThat(TestDaemon.json(d.get("/tasks/" + taskId + "/attempts")).get("attempts")).hasSize(2);
    }

    @Test
    void timeoutKillsTheTaskAndFailsIt() {
        String id = batch("[{\"id\":\"s\",\"module\":\"test/tasks.nu\",\"function\":\"slow\",\"args\":{\"seconds\":120},\"timeout\":\"1s\"}]");
        String taskId = TestDaemon.json(d.get("/workflows/" + id)).get("tasks").get(0).get("id").asText();
        JsonNode t = awaitTaskState(taskId, "Completed", "Failed");
        assertThat(t.get("state").asText()).isEqualTo("Failed");
        assertThat(t.get("error").asText()).contains("timed out");
        JsonNode attempt = TestDaemon.json(d.get("/tasks/" + taskId + "/attempts")).get("attempts").get(0);
        long pid = attempt.get("pid").asLong();
        assertThat(pid).isPositive();
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    }

    @Test
    void progressCanBeReportedOverHttpWhileRunning() {
        String id = batch("[{\"id\":\"s\",\"module\":\"test/tasks.nu\",\"function\":\"slow\",\"args\":{\"seconds\":30},\"timeout\":\"40s\"}]");
        String taskId = TestDaemon.json(d.get("/workflows/" + id)).get("tasks").get(0).get("id").asText();
        awaitTaskState(taskId, "Running");
        // let the task's own stdout PROGRESS line land first, so it cannot overwrite ours
        await().atMost(Duration.ofSeconds(30)).until(() -> TestDaemon.json(d.get("/tasks/" + taskId)).get("progress").asInt() == 10);
        HttpResponse<String> r = d.post("/tasks/" + taskId + "/progress", "{\"percent\":42,\"message\":\"half way\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode t = TestDaemon.json(d.get("/tasks/" + taskId));
        assertThat(t.get("progress").asInt()).isEqualTo(42);
        assertThat(t.get("progress_message").asText()).isEqualTo("half way");
        HttpResponse<String> bad = d.post("/tasks/" + taskId + "/progress", "{\"percent\":142}");
        assertThat(bad.statusCode()).isEqualTo(400);
    }

    @Test
    void stdoutProgressLinesAreParsed() {
        String id = batch("[{\"id\":\"s\",\"module\":\"test/tasks.nu\",\"function\":\"slow\",\"args\":{\"seconds\":30},\"timeout\":\"40s\"}]");
        String taskId = TestDaemon.json(d.get("/workflows/" + id)).get("tasks").get(0).get("id").asText();
        await().atMost(Duration.ofSeconds(30)).until(() -> TestDaemon.json(d.get("/tasks/" + taskId)).get("progress").asInt() == 10);
        assertThat(TestDaemon.json(d.get("/tasks/" + taskId)).get("progress_message").asText()).isEqualTo("sleeping");
    }

    @Test
    void listTasksFiltersByStatusAndPages() {
        String id = batch("[{\"id\":\"a\",\"command\":[\"true\"]},{\"id\":\"b\",\"command\":[\"true\"]},{\"id\":\"c\",\"command\":[\"true\"]}]");
        await().atMost(Duration.ofSeconds(30)).until(() -> TestDaemon.json(d.get("/workflows/" + id)).get("state").asText().equals("Completed"));
        JsonNode page = TestDaemon.json(d.get("/tasks?status=Completed&limit=2&offset=0"));
        assertThat(page.get("tasks")).hasSize(2);
        page.get("tasks").forEach(t -> assertThat(t.get("state").asText()).isEqualTo("Completed"));
        assertThat(TestDaemon.json(d.get("/api/v1/tasks?workflow_id=" + id)).get("tasks")).hasSize(3);
        HttpResponse<String> bad = d.get("/tasks?status=Nope");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(TestDaemon.json(bad).get("error").get("code").asText()).isEqualTo("E_INVALID_VALUE");
        assertThat(d.get("/tasks?limit=abc").statusCode()).isEqualTo(400);
    }

    // ---- bad input: a clear 4xx with a stable code, and nothing stored ----

    static void assertRejected(HttpResponse<String> r, int status, String code, String mentions) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("application/json");
        JsonNode err = TestDaemon.json(r).get("error");
        assertThat(err.get("code").asText()).isEqualTo(code);
        assertThat(err.toString()).contains(mentions);
    }

    @Test
    void badInputIsRejectedAndNothingIsStored() {
        int before = workflowCount();
        assertRejected(d.post("/workflows/servers/create", "{\"infra\": \"wuji\", "), 400, "E_MALFORMED_JSON", "line");
        assertRejected(d.post("/workflows/servers/create", "[1,2]"), 400, "E_MALFORMED_JSON", "object");
        assertRejected(d.post("/workflows/servers/create", "{\"infra\":\"wuji\",\"parms\":{}}"), 400, "E_UNKNOWN_FIELD", "parms");
        assertRejected(d.post("/workflows/servers/create", "{\"params\":{}}"), 400, "E_MISSING_FIELD", "infra");
        assertRejected(d.post("/workflows/servers/create", "{\"infra\":\"'; rm -rf /\"}"), 400, "E_INVALID_VALUE", "infra");
        assertRejected(d.post("/workflows/servers/create", "{\"infra\":\"a\",\"priority\":\"urgent\"}"), 400, "E_INVALID_VALUE", "priority");
        assertRejected(d.post("/workflows/batch/submit",
                        "{\"task\":[{\"id\":\"x\",\"module\":\"../../etc/passwd\",\"function\":\"f\"}]}"),
                400, "E_INVALID_WORKFLOW", "../../etc/passwd");
        assertRejected(d.post("/workflows/batch/submit",
                        "{\"task\":[{\"id\":\"x\",\"module\":\"servers/create.nu\",\"function\":\"create-server'; rm -rf /\"}]}"),
                400, "E_INVALID_WORKFLOW", "not a plain identifier");
        assertRejected(d.post("/workflows/batch/submit",
                        "{\"task\":[{\"id\":\"x\",\"module\":\"servers/create.nu\",\"function\":\"$(touch /tmp/x)\"}]}"),
                400, "E_INVALID_WORKFLOW", "function");
        assertRejected(d.post("/workflows/batch/submit",
                        "{\"task\":[{\"id\":\"x\",\"module\":\"servers/create.nu\",\"function\":\"`id`\"}]}"),
                400, "E_INVALID_WORKFLOW", "function");
        assertRejected(d.post("/workflows/batch/submit",
                        "{\"task\":[{\"id\":\"a\",\"command\":[\"true\"],\"depends_on\":[\"b\"]},{\"id\":\"b\",\"command\":[\"true\"],\"depends_on\":[\"a\"]}]}"),
                400, "E_INVALID_WORKFLOW", "cycle");
        String big = "{\"infra\":\"x\",\"params\":{\"blob\":\"" + "a".repeat(2 * 1024 * 1024) + "\"}}";
        assertRejected(d.post("/workflows/servers/create", big), 413, "E_PAYLOAD_TOO_LARGE", "max_body_bytes");
        assertRejected(d.post("/workflows/servers/create", "{\"infra\":\"wuji\"}", null), 401, "E_UNAUTHORIZED", "Bearer");
        assertRejected(d.post("/workflows/servers/create", "{\"infra\":\"wuji\"}", "wrong-token-wrong-token"), 401, "E_UNAUTHORIZED", "wrong");
        assertThat(workflowCount()).isEqualTo(before);
    }

    @Test
    void batchAcceptsTomlAndYamlByContentType() {
        String toml = "[workflow]\nname = \"toml-wf\"\n\n[[task]]\nid = \"a\"\ncommand = [\"true\"]\n\n"
                + "[[task]]\nid = \"b\"\ncommand = [\"true\"]\ndepends_on = [\"a\"]\n";
        HttpResponse<String> r = d.send(HttpRequest.newBuilder(URI.create(d.url("/workflows/batch/submit")))
                .header("Content-Type", "application/toml").header("Authorization", "Bearer " + d.daemon.token())
                .POST(HttpRequest.BodyPublishers.ofString(toml)).build());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        String id = TestDaemon.json(r).get("workflow_id").asText();
        await().atMost(Duration.ofSeconds(30)).until(() -> TestDaemon.json(d.get("/workflows/" + id)).get("state").asText().equals("Completed"));
        assertThat(TestDaemon.json(d.get("/workflows/" + id)).get("name").asText()).isEqualTo("toml-wf");

        String yaml = "workflow:\n  name: yaml-wf\ntask:\n  - id: a\n    command: [\"true\"]\n";
        HttpResponse<String> y = d.send(HttpRequest.newBuilder(URI.create(d.url("/workflows/batch/submit")))
                .header("Content-Type", "application/yaml").header("Authorization", "Bearer " + d.daemon.token())
                .POST(HttpRequest.BodyPublishers.ofString(yaml)).build());
        assertThat(y.statusCode()).as(y.body()).isEqualTo(202);

        HttpResponse<String> bad = d.send(HttpRequest.newBuilder(URI.create(d.url("/workflows/batch/submit")))
                .header("Content-Type", "application/toml").header("Authorization", "Bearer " + d.daemon.token())
                .POST(HttpRequest.BodyPublishers.ofString("[workflow]\nname = \n")).build());
        assertRejected(bad, 400, "E_INVALID_WORKFLOW", "request body:2");
        HttpResponse<String> xml = d.send(HttpRequest.newBuilder(URI.create(d.url("/workflows/batch/submit")))
                .header("Content-Type", "application/xml").header("Authorization", "Bearer " + d.daemon.token())
                .POST(HttpRequest.BodyPublishers.ofString("<a/>")).build());
        assertRejected(xml, 415, "E_UNSUPPORTED_MEDIA_TYPE", "Content-Type");
    }

    @Test
    void eventsStreamOverSseLiveAndReplayFromLastEventId() {
        String id = batch("[{\"id\":\"s\",\"module\":\"test/tasks.nu\",\"function\":\"slow\",\"args\":{\"seconds\":1},\"timeout\":\"30s\"},"
                + "{\"id\":\"e\",\"module\":\"test/tasks.nu\",\"function\":\"echo\",\"depends_on\":[\"s\"]}]");
        // subscribe right away: the stream follows the workflow live and ends when it is terminal
        List<String> lines = d.send(HttpRequest.newBuilder(URI.create(d.url("/workflows/" + id + "/events")))
                .header("Accept", "text/event-stream").timeout(Duration.ofSeconds(60)).GET().build(),
                HttpResponse.BodyHandlers.ofLines()).body().toList();
        List<String> names = lines.stream().filter(l -> l.startsWith("event:")).map(l -> l.substring(6).trim()).toList();
        List<Long> ids = lines.stream().filter(l -> l.startsWith("id:")).map(l -> Long.parseLong(l.substring(3).trim())).toList();
        assertThat(names).contains("workflow.submitted", "task.progress", "task.state").endsWith("workflow.state");
        assertThat(ids).isSorted().doesNotHaveDuplicates();
        assertThat(lines.stream().filter(l -> l.startsWith("data:")).reduce("", String::concat)).contains("\"to\":\"Completed\"");

        long resumeFrom = ids.get(ids.size() / 2);
        List<Long> replay = d.send(HttpRequest.newBuilder(URI.create(d.url("/workflows/" + id + "/events")))
                .header("Accept", "text/event-stream").header("Last-Event-ID", Long.toString(resumeFrom)).GET().build(),
                HttpResponse.BodyHandlers.ofLines()).body()
                .filter(l -> l.startsWith("id:")).map(l -> Long.parseLong(l.substring(3).trim())).toList();
        assertThat(replay).isEqualTo(ids.subList(ids.size() / 2 + 1, ids.size()));
    }

    /**
     * The stream's and the page's event JSON, written from the data's stored text, is the text the tree-based view
     * gave: object data, null data, null task id, and data full of escapes and non-ASCII.
     */
    @Test
    void eventJsonOverSseAndPagesIsTheTextOfTheTreeView() {
        String id = batch("[{\"id\":\"e\",\"module\":\"test/tasks.nu\",\"function\":\"echo\"}]");
        await().atMost(Duration.ofSeconds(60)).until(() -> TestDaemon.json(d.get("/workflows/" + id)).get("state").asText().equals("Completed"));
        String taskId = TestDaemon.json(d.get("/workflows/" + id)).get("tasks").get(0).get("id").asText();
        Store store = d.daemon.store();
        store.appendEvent(id, taskId, "task.progress", Json.MAPPER.createObjectNode().put("percent", 50)
                .put("message", ViewsTest.AWKWARD).put(ViewsTest.AWKWARD, "\u00e9\uD83D\uDE00"));
        store.appendEvent(id, null, "task.progress", Json.MAPPER.valueToTree(List.of(ViewsTest.AWKWARD, 1.5, -0.0)));
        store.appendEvent(id, taskId, "task.progress", Json.MAPPER.nullNode());
        List<Event> events = store.events(id, 0, 10_000);
        assertThat(events).anyMatch(e -> e.taskId() == null).anyMatch(e -> e.dataJson() == null)
                .anyMatch(e -> e.dataJson() != null && e.dataJson().startsWith("{\"attempt\""))
                .anyMatch(e -> e.dataJson() != null && e.dataJson().contains("\\n"));

        List<String> data = d.send(HttpRequest.newBuilder(URI.create(d.url("/workflows/" + id + "/events")))
                        .header("Accept", "text/event-stream").timeout(Duration.ofSeconds(60)).GET().build(),
                HttpResponse.BodyHandlers.ofLines()).body().filter(l -> l.startsWith("data:")).map(l -> l.substring(5)).toList();
        assertThat(data).isEqualTo(events.stream().map(ViewsTest::treeEvent).toList());
        HttpResponse<String> page = d.get("/workflows/" + id + "/events?limit=10000");
        assertThat(page.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(page.body()).isEqualTo(ViewsTest.treePage(events));
    }

    @Test
    void everyWriteRouteNeedsTheFullToken() throws Exception {
        String readToken = Files.readString(d.dataDir.resolve("token.read")).trim();
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(d.dataDir.resolve("token.read"))))
                .isEqualTo("rw-------");
        String id = TestDaemon.json(d.post("/workflows/servers/create", "{\"infra\":\"tok\"}")).get("workflow_id").asText();
        int before = workflowCount();
        for (String prefix : new String[] {"", "/api/v1"})
            for (String route : new String[] {"/workflows/servers/create", "/workflows/taskserv/create", "/workflows/cluster/create",
                    "/workflows/batch/submit", "/workflows/batch/validate", "/workflows/" + id + "/cancel", "/workflows/" + id + "/resume",
                    "/workflows/" + id + "/rollback", "/tasks/" + id + "/progress"}) {
                assertRejected(d.post(prefix + route, "{\"infra\":\"tok\"}", null), 401, "E_UNAUTHORIZED", "Bearer");
                assertRejected(d.post(prefix + route, "{\"infra\":\"tok\"}", "not-the-token-at-all"), 401, "E_UNAUTHORIZED", "wrong");
                assertRejected(d.post(prefix + route, "{\"infra\":\"tok\"}", readToken), 403, "E_FORBIDDEN", "read-only");
            }
        assertThat(workflowCount()).isEqualTo(before);
        // viewers can read
        assertThat(d.send(HttpRequest.newBuilder(URI.create(d.url("/workflows/" + id))).header("Authorization", "Bearer " + readToken)
                .GET().build()).statusCode()).isEqualTo(200);
    }

    @Test
    void unknownIdsAre404() {
        assertRejected(d.get("/tasks/nope"), 404, "E_NOT_FOUND", "nope");
        assertRejected(d.get("/workflows/nope"), 404, "E_NOT_FOUND", "nope");
    }

    @Test
    void aSecondDaemonOnTheSameDataDirRefusesAndNamesThePid() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new TestDaemon(d.dataDir, Map.of()))
                .isInstanceOf(dev.provisioning.core.error.ProvisioningException.class)
                .hasMessageContaining("already running").hasMessageContaining("pid " + ProcessHandle.current().pid());
        assertThat(d.get("/health").statusCode()).as("the first daemon is unharmed").isEqualTo(200);
    }

    @Test
    void tokenFileIsPrivate() throws Exception {
        Path token = d.dataDir.resolve("token");
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(token))).isEqualTo("rw-------");
        assertThat(Files.readString(token).trim()).isEqualTo(d.daemon.token());
    }

    @Test
    void metricsArePrometheusText() {
        HttpResponse<String> r = d.send(HttpRequest.newBuilder(URI.create(d.url("/metrics"))).GET().build());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("provisioning_attempts_started");
    }
}
