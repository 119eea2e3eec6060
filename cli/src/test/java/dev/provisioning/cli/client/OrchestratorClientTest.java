package dev.provisioning.cli.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.provisioning.cli.ExitCode;
import dev.provisioning.core.model.Json;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The client's HTTP and JSON handling against a local HTTP server that answers with the documented REST
 * shapes (the daemon contract). The real daemon is exercised by the integration suite.
 */
class OrchestratorClientTest {
    static final String WORKFLOW = """
            {"id":"w1","name":"server create web-1","kind":"server.create","state":"Failed","priority":"normal",
             "on_failure":"fail","created_at":"2025-01-02T03:04:05.123Z","updated_at":"2025-01-02T03:04:06Z",
             "finished_at":null,"task_counts":{"Failed":1},"a_field_from_the_future":{"x":1},
             "tasks":[{"id":"t1","workflow_id":"w1","key":"create","state":"Failed","priority":"normal","attempt":2,
               "max_attempts":2,"progress":40,"progress_message":"creating server","result":null,"exit_code":1,
               "error":"exit 1","stderr_tail":"boom\\n","depends_on":[{"task_id":"t0","kind":"hard"}],
               "action":{"kind":"nu","module":"servers/create.nu","function":"create-server","args":{}},
               "created_at":"2025-01-02T03:04:05Z","started_at":null,"finished_at":null,"next_attempt_at":null}]}
            """;

    HttpServer server;
    String base;
    final Map<String, String> seen = new ConcurrentHashMap<>();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getRawPath();
        String query = ex.getRequestURI().getRawQuery();
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        seen.put("auth", String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
        seen.put("request", ex.getRequestMethod() + " " + path + (query == null ? "" : "?" + query));
        seen.put("body", body);
        seen.put("content-type", String.valueOf(ex.getRequestHeaders().getFirst("Content-Type")));
        switch (ex.getRequestMethod() + " " + path) {
            case "GET /health" -> reply(ex, 200, "{\"status\":\"healthy\",\"version\":\"0.1.0\",\"storage\":\"sqlite\",\"running_tasks\":2,\"uptime_seconds\":7}");
            case "GET /version" -> reply(ex, 200, "{\"version\":\"0.1.0\",\"api_version\":\"v1\"}");
            case "POST /workflows/servers/create" -> reply(ex, 202, "{\"workflow_id\":\"w1\",\"status\":\"queued\"}");
            case "GET /workflows" -> {
                ObjectNode summary = (ObjectNode) Json.read(WORKFLOW);
                summary.remove("tasks");
                reply(ex, 200, "{\"workflows\":[" + summary + "],\"limit\":5,\"offset\":0}");
            }
            case "GET /workflows/w1" -> reply(ex, 200, WORKFLOW);
            case "GET /tasks/t1" -> reply(ex, 200, Json.read(WORKFLOW).get("tasks").get(0).toString());
            case "GET /broken" -> reply(ex, 500, "<html>oops</html>");
            default -> reply(ex, 404, "{\"error\":{\"code\":\"E_NOT_FOUND\",\"message\":\"no workflow 'nope'\",\"where\":\"id\"}}");
        }
    }

    private static void reply(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
        ex.close();
    }

    OrchestratorClient client(String token) {
        return new OrchestratorClient(base + "/", token, Duration.ofSeconds(5));
    }

    @Test
    void healthAndVersion() {
        Api.Health h = client("tok").health();
        assertThat(h).isEqualTo(new Api.Health("healthy", "0.1.0", "sqlite", 2, 7L));
        assertThat(h.healthy()).isTrue();
        assertThat(seen.get("auth")).isEqualTo("Bearer tok");
        assertThat(client(null).isHealthy()).isTrue();
        assertThat(seen.get("auth")).isEqualTo("null");
        assertThat(client(null).version()).isEqualTo(new Api.Version("0.1.0", "v1"));
    }

    @Test
    void createServerSendsTheDocumentedBody() {
        ObjectNode params = Json.MAPPER.createObjectNode().put("name", "web-1").put("cores", 2);
        Api.Submission s = client("tok").createServer(new Api.CreateRequest("prod", params, null));
        assertThat(s).isEqualTo(new Api.Submission("w1", "queued", List.of()));
        assertThat(seen.get("request")).isEqualTo("POST /workflows/servers/create");
        assertThat(seen.get("content-type")).isEqualTo("application/json");
        assertThat(seen.get("auth")).isEqualTo("Bearer tok");
        assertThat(Json.read(seen.get("body"))).isEqualTo(Json.read("{\"infra\":\"prod\",\"params\":{\"name\":\"web-1\",\"cores\":2}}"));
        client("tok").createServer(new Api.CreateRequest("prod", params, "high"));
        assertThat(Json.read(seen.get("body")).get("priority").asText()).isEqualTo("high");
    }

    @Test
    void workflowsAndTasksParseIgnoringUnknownFields() {
        Api.WorkflowPage page = client(null).listWorkflows("Failed", 5, 0);
        assertThat(seen.get("request")).isEqualTo("GET /workflows?status=Failed&limit=5&offset=0");
        assertThat(page.limit()).isEqualTo(5);
        assertThat(page.workflows()).hasSize(1);
        assertThat(page.workflows().get(0).tasks()).isNull();
        assertThat(page.workflows().get(0).taskCounts()).isEqualTo(Map.of("Failed", 1));

        Api.Workflow w = client(null).workflow("w1");
        assertThat(w.onFailure()).isEqualTo("fail");
        assertThat(w.createdAt()).isEqualTo("2025-01-02T03:04:05.123Z");
        assertThat(w.finishedAt()).isNull();
        Api.Task t = w.tasks().get(0);
        assertThat(t.key()).isEqualTo("create");
        assertThat(t.attempt()).isEqualTo(2);
        assertThat(t.maxAttempts()).isEqualTo(2);
        assertThat(t.progressMessage()).isEqualTo("creating server");
        assertThat(t.stderrTail()).isEqualTo("boom\n");
        assertThat(t.dependsOn()).isEqualTo(List.of(new Api.Dependency("t0", "hard")));
        assertThat(t.action().get("module").asText()).isEqualTo("servers/create.nu");
        assertThat(client(null).task("t1")).isEqualTo(t);

        JsonNode back = OrchestratorClient.MAPPER.valueToTree(w);
        assertThat(back.has("task_counts")).isTrue();
        assertThat(back.get("tasks").get(0).has("stderr_tail")).isTrue();
    }

    @Test
    void httpErrorsCarryTheDaemonsCodeAndMapToExitCodes() {
        assertThatThrownBy(() -> client(null).workflow("nope"))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(404);
                    assertThat(e.code()).isEqualTo("E_NOT_FOUND");
                    assertThat(e.getMessage()).isEqualTo("no workflow 'nope'");
                    assertThat(e.where()).isEqualTo("id");
                    assertThat(e.exitCode()).isEqualTo(ExitCode.NOT_FOUND);
                });
        assertThat(seen.get("request")).isEqualTo("GET /workflows/nope");
        assertThatThrownBy(() -> client(null).send("GET", "/broken", null))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo("E_HTTP_500");
                    assertThat(e.getMessage()).contains("<html>oops</html>");
                    assertThat(e.exitCode()).isEqualTo(ExitCode.FAILED);
                });
        assertThat(ApiException.exitCodeFor(400)).isEqualTo(ExitCode.USAGE);
        assertThat(ApiException.exitCodeFor(401)).isEqualTo(ExitCode.USAGE);
        assertThat(ApiException.exitCodeFor(503)).isEqualTo(ExitCode.UNREACHABLE);
    }

    @Test
    void idsAreEscapedInPaths() {
        assertThatThrownBy(() -> client(null).workflow("../health x")).isInstanceOf(ApiException.class);
        assertThat(seen.get("request")).isEqualTo("GET /workflows/..%2Fhealth%20x");
    }

    @Test
    void noAnswerIsUnreachable() {
        server.stop(0);
        assertThatThrownBy(() -> client(null).health())
                .isInstanceOfSatisfying(UnreachableException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(ExitCode.UNREACHABLE);
                    assertThat(e.summary()).isEqualTo("orchestrator not reachable at " + base + " (connection refused)");
                });
        assertThat(client(null).isHealthy()).isFalse();
    }
}
