package dev.provisioning.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user's bad input, sent to a real daemon over loopback HTTP as the CLI sends a file: each error names what is
 * wrong and where (file, line, key, task), with a stable code, and neither validate nor submit stores anything.
 */
class BadInputTest {
    @TempDir
    static Path tmp;
    static TestDaemon d;

    @BeforeAll
    static void start() {
        d = new TestDaemon(tmp.resolve("data"), Map.of());
    }

    @AfterAll
    static void stop() {
        if (d != null) d.close();
    }

    /** POSTs {@code body} as the file {@code source} to validate, then to submit; both must answer the same 400. */
    static JsonNode rejected(String source, String contentType, byte[] body, String code) {
        return rejected(source, "", contentType, body, code);
    }

    /** As {@link #rejected(String, String, byte[], String)}, with more of the query ({@code &name=value...}). */
    static JsonNode rejected(String source, String query, String contentType, byte[] body, String code) {
        int before = TestDaemon.json(d.get("/workflows?limit=1000")).get("workflows").size();
        JsonNode first = null;
        for (String route : List.of("/workflows/batch/validate", "/workflows/batch/submit")) {
            HttpResponse<String> r = d.send(HttpRequest.newBuilder(URI.create(d.url(route + "?source=" + source + query)))
                    .header("Content-Type", contentType).header("Authorization", "Bearer " + d.daemon.token())
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
            JsonNode err = TestDaemon.json(r).get("error");
            assertThat(err.get("code").asText()).as(r.body()).isEqualTo(code);
            assertThat(err.toString()).doesNotContain("Exception").doesNotContain("null");
            if (first == null) first = err;
        }
        assertThat(TestDaemon.json(d.get("/workflows?limit=1000")).get("workflows").size()).isEqualTo(before);
        return first;
    }

    static List<String> details(JsonNode err) {
        List<String> out = new ArrayList<>();
        err.path("details").forEach(n -> out.add(n.asText()));
        return out;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aValueOfTheWrongTypeOrAMissingModuleOrFunctionIsNamed() {
        String toml = """
                [workflow]
                name = 5

                [[task]]
                id = "no-function"
                module = "servers/create.nu"

                [[task]]
                id = "no-module"
                function = "create-server"

                [[task]]
                id = "zero"
                command = ["true"]
                timeout = "0s"
                """;
        List<String> errs = details(rejected("wrong.toml", "application/toml", utf8(toml), "E_INVALID_WORKFLOW"));
        assertThat(errs).satisfiesExactly(
                e -> assertThat(e).contains("wrong.toml").contains("workflow.name: must be a string, got 5"),
                e -> assertThat(e).startsWith("wrong.toml:5: task 'no-function': function: missing"),
                e -> assertThat(e).startsWith("wrong.toml:9: task 'no-module': module: missing"),
                e -> assertThat(e).startsWith("wrong.toml:13: task 'zero': timeout: bad duration '0s' (must be longer than zero"));
    }

    @Test
    void aKeyGivenTwiceOrABinaryFileIsRejectedWithItsLine() {
        String yaml = "workflow:\n  name: first\ntask:\n  - id: a\n    command: [\"true\"]\nworkflow:\n  name: second\n";
        assertThat(rejected("twice.yaml", "application/yaml", utf8(yaml), "E_INVALID_WORKFLOW").get("message").asText())
                .isEqualTo("twice.yaml:6: not valid YAML: Duplicate field 'workflow'");
        String json = "{\"task\": [{\"id\": \"a\", \"command\": [\"true\"],\n  \"command\": [\"rm\", \"-rf\", \"/tmp/x\"]}]}";
        assertThat(rejected("twice.json", "application/json", utf8(json), "E_MALFORMED_JSON").get("message").asText())
                .isEqualTo("twice.json:2: not valid JSON: Duplicate field 'command'");
        byte[] binary = {'[', 'w', 'o', 'r', 'k', 'f', 'l', 'o', 'w', ']', '\n', (byte) 0xc3, 0x28, 0x00};
        assertThat(rejected("image.toml", "application/toml", binary, "E_INVALID_WORKFLOW").get("message").asText())
                .isEqualTo("image.toml:2: not valid TOML: byte 0xC3 at offset 11 is not UTF-8 text (a binary file, or another encoding?)");
    }

    @Test
    void aRouteThatDoesNotExistIsNamedWithItsMethodAndPath() {
        record Req(String method, String path, String named) {}
        for (Req q : List.of(new Req("GET", "/nope", "GET /nope"), new Req("GET", "/api/v1/workflow", "GET /api/v1/workflow"),
                new Req("POST", "/workflows/x/frobnicate", "POST /workflows/x/frobnicate"),
                new Req("POST", "/workflows/a%2Fb/resume", "POST /workflows/a/b/resume"))) {
            HttpResponse<String> r = d.send(HttpRequest.newBuilder(URI.create(d.url(q.path())))
                    .header("Authorization", "Bearer " + d.daemon.token())
                    .method(q.method(), HttpRequest.BodyPublishers.noBody()).build());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(404);
            JsonNode err = TestDaemon.json(r).get("error");
            assertThat(err.get("code").asText()).isEqualTo("E_NOT_FOUND");
            assertThat(err.get("message").asText()).isEqualTo("no route " + q.named() + "; see the REST API in README.md "
                    + "(every route is also under /api/v1)");
            assertThat(err.get("where").asText()).isEqualTo(q.named());
        }
    }

    @Test
    void aKnownPathAskedWithAnotherMethodIs405NamingTheMethodsItHas() {
        record Req(String method, String path, String allow) {}
        for (Req q : List.of(new Req("DELETE", "/workflows", "GET"), new Req("GET", "/workflows/w-1/cancel", "POST"),
                new Req("GET", "/api/v1/workflows/batch/submit", "POST"), new Req("PUT", "/health", "GET"),
                new Req("DELETE", "/api/v1/tasks/t-1", "GET"))) {
            HttpResponse<String> r = d.send(HttpRequest.newBuilder(URI.create(d.url(q.path())))
                    .header("Authorization", "Bearer " + d.daemon.token())
                    .method(q.method(), HttpRequest.BodyPublishers.noBody()).build());
            assertThat(r.statusCode()).as(q + " " + r.body()).isEqualTo(405);
            assertThat(r.headers().firstValue("Allow")).contains(q.allow());
            JsonNode err = TestDaemon.json(r).get("error");
            assertThat(err.get("code").asText()).isEqualTo("E_METHOD_NOT_ALLOWED");
            assertThat(err.get("message").asText()).isEqualTo(q.method() + " is not allowed on " + q.path() + "; it allows " + q.allow());
            assertThat(err.get("where").asText()).isEqualTo(q.method() + " " + q.path());
        }
    }

    @Test
    void aWorkflowKeyOrATaskWithoutAnIdIsNamedWithItsLine() {
        String toml = "[workflow]\nname = \"lines\"\ntimeout = \"30x\"\nretries = 3\n\n[[task]]\nid = \"\"\ncommand = [\"true\"]\n";
        assertThat(details(rejected("lines.toml", "application/toml", utf8(toml), "E_INVALID_WORKFLOW"))).containsExactlyInAnyOrder(
                "lines.toml:4: workflow: unknown key 'retries'",
                "lines.toml:3: workflow.timeout: bad duration '30x' (use e.g. 30s, 5m, 1h; at most 365d)",
                "lines.toml:6: task[0]: id: must match [A-Za-z0-9][A-Za-z0-9_.-]{0,127}, got ''");
    }

    @Test
    void aPriorityInTheQueryReachesTheTasksAndKeepsTheLinesOfTheDocument() {
        String bad = "[workflow]\nname = \"p\"\n\n[[task]]\nid = \"a\"\ncommand = [\"true\"]\ndepends_on = [\"nope\"]\n";
        assertThat(details(rejected("prio.toml", "&priority=high", "application/toml", utf8(bad), "E_INVALID_WORKFLOW")))
                .containsExactly("prio.toml:5: task 'a': depends_on: unknown task 'nope'");
        assertThat(rejected("prio.toml", "&priority=urgent", "application/toml", utf8(bad), "E_INVALID_VALUE").toString())
                .contains("query.priority", "'urgent'");

        // no [workflow] table: the priority makes one; a task without its own priority takes it, one with keeps its own
        String ok = "[[task]]\nid = \"p1\"\ncommand = [\"true\"]\n\n[[task]]\nid = \"p2\"\ncommand = [\"true\"]\npriority = \"low\"\n";
        HttpResponse<String> r = d.send(HttpRequest.newBuilder(URI.create(d.url("/workflows/batch/submit?priority=CRITICAL")))
                .header("Content-Type", "application/toml").header("Authorization", "Bearer " + d.daemon.token())
                .POST(HttpRequest.BodyPublishers.ofByteArray(utf8(ok))).build());
        assertThat(r.statusCode()).as(r.body()).isBetween(200, 202);
        JsonNode wf = TestDaemon.json(d.get("/workflows/" + TestDaemon.json(r).get("workflow_id").asText()));
        assertThat(wf.get("priority").asText()).isEqualTo("critical");
        List<String> priorities = new ArrayList<>();
        wf.get("tasks").forEach(t -> priorities.add(t.get("key").asText() + "=" + t.get("priority").asText()));
        assertThat(priorities).containsExactly("p1=critical", "p2=low");
    }
}
