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
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Hostile HTTP bodies against every write route of the real daemon: generated JSON, TOML and raw bytes. Every
 * answer is a 2xx or a 4xx JSON error with a stable code — never a 5xx, never a hang — and the daemon stays healthy.
 */
class HttpFuzzTest {
    static TestDaemon d;
    static Path tmp;
    static final AtomicInteger SENT = new AtomicInteger();
    static final List<String> ROUTES = List.of("/workflows/servers/create", "/workflows/taskserv/create", "/workflows/batch/submit",
            "/workflows/batch/validate", "/workflows/cluster/create", "/tasks/nope/progress", "/workflows/nope/cancel",
            "/api/v1/workflows/batch/submit");

    @BeforeContainer
    static void start() throws Exception {
        tmp = Files.createTempDirectory("httpfuzz");
        d = new TestDaemon(tmp.resolve("data"), Map.of("executor.max_concurrent_tasks", "2", "server.max_body_bytes", "65536", "server.write_rate_per_second", "0"));
    }

    @AfterContainer
    static void stop() {
        if (d == null) return;
        // let anything a valid generated body started finish, so no process outlives the test
        await().atMost(Duration.ofSeconds(120)).until(() -> TestDaemon.json(d.get("/tasks?status=Running")).get("tasks").isEmpty()
                && TestDaemon.json(d.get("/tasks?status=Ready")).get("tasks").isEmpty());
        assertThat(d.get("/health").statusCode()).isEqualTo(200);
        d.close();
        System.out.println("HttpFuzzTest: " + SENT.get() + " generated requests, no 5xx");
        try (var files = java.nio.file.Files.walk(tmp)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) java.nio.file.Files.deleteIfExists(p);
        } catch (java.io.IOException e) {
            System.out.println("HttpFuzzTest: could not remove " + tmp + ": " + e);
        }
    }

    static void send(String route, String contentType, byte[] body) {
        HttpResponse<String> r = d.send(HttpRequest.newBuilder(URI.create(d.url(route))).timeout(Duration.ofSeconds(30))
                .header("Content-Type", contentType).header("Authorization", "Bearer " + d.daemon.token())
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
        SENT.incrementAndGet();
        assertThat(r.statusCode()).as("%s %s -> %s", route, new String(body, java.nio.charset.StandardCharsets.UTF_8), r.body()).isLessThan(500);
        if (r.statusCode() >= 400) {
            JsonNode err = TestDaemon.json(r).get("error");
            assertThat(err.get("code").asText()).startsWith("E_");
            assertThat(err.get("message").asText()).isNotBlank();
        }
    }

    @Provide
    Arbitrary<String> value() {
        return Arbitraries.oneOf(
                Arbitraries.of("../../etc/passwd", "'; rm -rf /", "$(touch /tmp/prov-fuzz)", "`id`", "a\nb", "wuji", "servers/create.nu",
                        "create-server", "-1", "1e400", "true", "null", "x".repeat(2000), "\u202e", "é", "%00"),
                Arbitraries.strings().ofMaxLength(30));
    }

    @Provide
    Arbitrary<String> json() {
        Arbitrary<String> v = value().map(s -> TextNode.valueOf(s).toString());
        Arbitrary<String> scalar = Arbitraries.oneOf(v, Arbitraries.of("1", "-5", "3.5", "true", "null", "[]", "{}", "99999999999999999999"));
        Arbitrary<String> field = Arbitraries.of("infra", "params", "priority", "task", "workflow", "id", "module", "function", "args",
                "command", "depends_on", "percent", "message", "attempt", "for_each", "retry", "pools", "bogus");
        Arbitrary<String> pair = net.jqwik.api.Combinators.combine(field, scalar).as((k, s) -> "\"" + k + "\":" + s);
        Arbitrary<String> flat = pair.list().ofMaxSize(6).map(ps -> "{" + String.join(",", ps) + "}");
        return Arbitraries.oneOf(flat, flat.map(f -> "{\"task\":[" + f + "]}"), flat.map(f -> "{\"infra\":\"fz\",\"params\":" + f + "}"),
                flat.map(f -> f.substring(0, Math.max(1, f.length() / 2))), value());
    }

    @Property(tries = 400)
    void jsonBodies(@ForAll("json") String body, @ForAll("routes") String route) {
        send(route, "application/json", body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Property(tries = 200)
    void rawBytesAsTomlYamlAndJson(@ForAll byte[] body, @ForAll("routes") String route, @ForAll("types") String type) {
        send(route, type, body);
    }

    @Provide
    Arbitrary<String> routes() {
        return Arbitraries.of(ROUTES);
    }

    @Provide
    Arbitrary<String> types() {
        return Arbitraries.of("application/json", "application/toml", "application/yaml", "text/plain", "");
    }
}
