package dev.provisioning.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shipped examples, run on the local provider through the real daemon. */
class ExamplesTest {
    @TempDir
    static Path tmp;
    static TestDaemon d;

    @BeforeAll
    static void start() {
        String libs = TestDaemon.ROOT.resolve("nulib") + ":" + Path.of("src/test/resources/testlib").toAbsolutePath();
        d = new TestDaemon(tmp.resolve("data"), Map.of("nushell.provisioning_lib", libs));
    }

    @AfterAll
    static void stop() {
        if (d != null) d.close();
    }

    static String submit(String toml) {
        HttpResponse<String> r = d.send(HttpRequest.newBuilder(URI.create(d.url("/workflows/batch/submit")))
                .header("Content-Type", "application/toml").header("Authorization", "Bearer " + d.daemon.token())
                .POST(HttpRequest.BodyPublishers.ofString(toml)).build());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        return TestDaemon.json(r).get("workflow_id").asText();
    }

    static JsonNode awaitState(String id, String... states) {
        JsonNode[] last = new JsonNode[1];
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100)).until(() -> {
            last[0] = TestDaemon.json(d.get("/workflows/" + id));
            return List.of(states).contains(last[0].get("state").asText());
        });
        return last[0];
    }

    static Instant t(JsonNode task, String field) {
        return Instant.parse(task.get(field).asText());
    }

    @Test
    void multiCloudRunsServersInParallelAndDependentsAfterTheirDependencies() throws Exception {
        JsonNode wf = awaitState(submit(Files.readString(TestDaemon.ROOT.resolve("examples/multi-cloud-deployment.toml"))), "Completed", "Failed", "RolledBack");
        assertThat(wf.get("state").asText()).as(wf.toString()).isEqualTo("Completed");
        Map<String, JsonNode> byId = new HashMap<>();
        wf.get("tasks").forEach(x -> byId.put(x.get("id").asText(), x));
        List<JsonNode> servers = byId.values().stream().filter(x -> x.get("key").asText().startsWith("server-")).toList();
        assertThat(servers).hasSize(5);
        // parallel: some two servers' run intervals overlap
        boolean overlap = servers.stream().anyMatch(a -> servers.stream().anyMatch(b -> a != b
                && t(a, "started_at").isBefore(t(b, "finished_at")) && t(b, "started_at").isBefore(t(a, "finished_at"))));
        assertThat(overlap).as("servers run in parallel").isTrue();
        // every task starts only after each of its dependencies finished
        for (JsonNode task : byId.values())
            for (JsonNode dep : task.get("depends_on"))
                assertThat(t(task, "started_at")).isAfterOrEqualTo(t(byId.get(dep.get("task_id").asText()), "finished_at"));
        assertThat(tmp.resolve("data/local-provider/multi-cloud/servers/eu-1/taskservs/apps.toml")).exists();
    }

    @Test
    void aFailingClusterWithOnFailureRollbackLeavesTheProviderStateAsItWas() throws Exception {
        Path state = tmp.resolve("data/local-provider/cluster-local");
        List<String> before = listing(state);
        String toml = Files.readString(TestDaemon.ROOT.resolve("examples/cluster-local.toml"))
                + "\n[[task]]\nid = \"smoke-test\"\nmodule = \"test/tasks.nu\"\nfunction = \"fail\"\nargs = { reason = \"smoke test failed\" }\n"
                + "depends_on = [\"apps\"]\nmax_attempts = 1\n";
        JsonNode wf = awaitState(submit(toml), "RolledBack", "Failed", "Completed");
        assertThat(wf.get("state").asText()).as(wf.toString()).isEqualTo("RolledBack");
        assertThat(listing(state)).isEqualTo(before);
        JsonNode servers = TestDaemon.json(d.get("/workflows/" + wf.get("id").asText())).get("tasks");
        servers.forEach(x -> assertThat(x.get("state").asText()).isIn("RolledBack", "Failed"));
    }

    /** Every regular file under dir (relative paths), sorted; empty dirs are not state. */
    static List<String> listing(Path dir) throws Exception {
        if (!Files.exists(dir)) return List.of();
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }
}
