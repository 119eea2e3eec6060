package dev.provisioning.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Idle connections and write floods are bounded (server.read_timeout_seconds, server.write_rate_per_second). */
class LimitsTest {
    @TempDir
    static Path tmp;
    static TestDaemon d;

    @BeforeAll
    static void start() {
        d = new TestDaemon(tmp.resolve("data"), Map.of("server.read_timeout_seconds", "2", "server.write_rate_per_second", "5",
                "server.sse_keepalive_seconds", "1", "nushell.provisioning_lib", Path.of("src/test/resources/testlib").toAbsolutePath().toString()));
    }

    @AfterAll
    static void stop() {
        if (d != null) d.close();
    }

    @Test
    void anIdleConnectionIsClosed() throws Exception {
        try (Socket s = new Socket("127.0.0.1", d.daemon.port())) {
            s.setSoTimeout((int) Duration.ofSeconds(15).toMillis()); // bounds the test, far above the 2 s limit
            // connects and never sends a request
            long t0 = System.nanoTime();
            InputStream in = s.getInputStream();
            while (in.read() != -1) {
                // drain whatever the server says before it closes
            }
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
        }
        assertThat(d.get("/health").statusCode()).isEqualTo(200);
    }

    @Test
    void aQuietEventStreamGetsKeepalivesAndOutlivesTheIdleTimeout() {
        HttpResponse<String> r = d.post("/workflows/batch/submit",
                "{\"task\":[{\"id\":\"s\",\"module\":\"test/tasks.nu\",\"function\":\"slow\",\"args\":{\"seconds\":4}}]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        String id = TestDaemon.json(r).get("workflow_id").asText();
        // the stream ends with the workflow (about 4 s, longer than the 2 s idle timeout); in between, keepalives
        java.util.List<String> lines = d.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(d.url("/workflows/" + id + "/events")))
                        .header("Accept", "text/event-stream").timeout(Duration.ofSeconds(60)).GET().build(),
                HttpResponse.BodyHandlers.ofLines()).body().toList();
        assertThat(lines).contains("event:keepalive");
        assertThat(lines).anyMatch(l -> l.contains("\"to\":\"Completed\""));
    }

    @Test
    void aWriteFloodGets429WhileReadsStayOpen() {
        int limited = 0;
        for (int i = 0; i < 40; i++) {
            HttpResponse<String> r = d.post("/tasks/nope/progress", "{\"percent\":1}");
            if (r.statusCode() == 429) {
                limited++;
                assertThat(r.body()).contains("E_RATE_LIMITED").contains("write_rate_per_second");
                assertThat(r.headers().firstValue("Retry-After")).hasValue("1");
            } else {
                assertThat(r.statusCode()).isEqualTo(404);
            }
        }
        assertThat(limited).as("a burst of 40 against 5/s (burst 10)").isGreaterThanOrEqualTo(20);
        for (int i = 0; i < 40; i++) assertThat(d.get("/health").statusCode()).isEqualTo(200);
    }
}
