package dev.provisioning.runner;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.provisioning.core.model.Action;
import dev.provisioning.core.model.Json;
import dev.provisioning.core.port.Runner.AttemptExit;
import dev.provisioning.core.port.Runner.AttemptSpec;
import dev.provisioning.runner.TestSupport.Recorder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** nulib/lib/orchestrator/client.nu against a fake daemon that records what it receives. */
class OrchestratorClientTest {
    record Seen(String method, String path, String auth, String contentType, String body) {}

    @TempDir
    Path dataDir;
    HttpServer server;
    ProcessRunner runner;
    final List<Seen> seen = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            seen.add(new Seen(ex.getRequestMethod(), ex.getRequestURI().getRawPath(),
                    ex.getRequestHeaders().getFirst("Authorization"), ex.getRequestHeaders().getFirst("Content-Type"), body));
            String path = ex.getRequestURI().getPath();
            byte[] out = (path.equals("/health") ? "{\"status\":\"healthy\",\"version\":\"test\"}"
                    : path.endsWith("/progress") ? "{\"accepted\":true}" : "{\"id\":\"t-1\",\"state\":\"Running\"}")
                    .getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, out.length);
            ex.getResponseBody().write(out);
            ex.close();
        });
        server.start();
        String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/";
        runner = new ProcessRunner(new RunnerSettings(TestSupport.nu(), List.of(TestSupport.testLib(), TestSupport.nulib()),
                Map.of(), Duration.ofSeconds(1), url, "secret-token", dataDir));
    }

    @AfterEach
    void tearDown() {
        runner.close();
        server.stop(0);
    }

    private AttemptExit run(String task, String function, String args) {
        Recorder rec = new Recorder();
        runner.start(new AttemptSpec("wf", task, 2, new Action.Nu("fixtures/client-calls.nu", function, Json.read(args)),
                "k", null, null, Duration.ofSeconds(30), dataDir.resolve("runs/wf/" + task + "/" + function)), rec);
        AttemptExit exit = rec.await();
        assertThat(exit.succeeded()).as("%s", exit.stderrTail()).isTrue();
        return exit;
    }

    @Test
    void reportProgressPostsToTheTaskWithTheBearerToken() {
        AttemptExit exit = run("t-1", "report", "{\"percent\":140,\"message\":\"disks attached\"}");
        assertThat(exit.result()).isEqualTo(Json.read("{\"accepted\":true}"));
        assertThat(seen).hasSize(1);
        Seen s = seen.getFirst();
        assertThat(s.method()).isEqualTo("POST");
        assertThat(s.path()).isEqualTo("/tasks/t-1/progress");
        assertThat(s.auth()).isEqualTo("Bearer secret-token");
        assertThat(s.contentType()).startsWith("application/json");
        JsonNode body = Json.read(s.body());
        assertThat(body).isEqualTo(Json.read("{\"percent\":100,\"message\":\"disks attached\",\"attempt\":2}"));
    }

    @Test
    void healthAndTaskInfo() {
        AttemptExit health = run("t-2", "health", "{}");
        assertThat(health.result()).isEqualTo(
                Json.read("{\"health\":{\"status\":\"healthy\",\"version\":\"test\"},\"available\":true}"));
        AttemptExit info = run("t-3", "info", "{}");
        assertThat(info.result().get("state").asText()).isEqualTo("Running");
        assertThat(seen.getLast().path()).isEqualTo("/tasks/t-3");
        assertThat(seen.getLast().auth()).isEqualTo("Bearer secret-token");
    }
}
