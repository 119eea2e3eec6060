package dev.provisioning.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /tasks/{id}/logs?stream=…&offset=N[&limit=B][&attempt=K]}: raw bytes from an offset, with the log's
 * size and the next offset in headers, over real HTTP on loopback against a real daemon running real {@code nu}
 * tasks that write output (a fixture module written to a temp lib dir).
 */
class TaskLogsOffsetTest {
    static final String FIXTURE = """
            # Output writers for the log-offset tests.

            # Prints req.n numbered lines on stdout, one every req.ms milliseconds; every 5th also on stderr.
            export def ticks [req: record] {
                for i in 1..($req.n) {
                    print $"tick ($i) of ($req.n)"
                    if $i mod 5 == 0 { print -e $"err ($i)" }
                    sleep ($req.ms * 1ms)
                }
                { printed: $req.n }
            }

            # Prints req.n lines of about 60 bytes each, some with multi-byte characters, in one write.
            export def big [req: record] {
                print (1..($req.n) | each {|i| $"line ($i) héllo wörld ✓ padding-padding-padding-padding" } | str join "\\n")
                { printed: $req.n }
            }

            # Prints its attempt number, then fails on the first attempt.
            export def retried [req: record] {
                let n = ($env.PROVISIONING_ATTEMPT | into int)
                print $"try ($n)"
                if $n < 2 { error make { msg: $"failing attempt ($n)" } }
                { attempt: $n }
            }
            """;

    @TempDir
    static Path tmp;
    static TestDaemon d;

    @BeforeAll
    static void start() throws Exception {
        Path lib = tmp.resolve("lib");
        Files.createDirectories(lib.resolve("logs"));
        Files.writeString(lib.resolve("logs/out.nu"), FIXTURE);
        d = new TestDaemon(tmp.resolve("data"), Map.of("nushell.provisioning_lib", TestDaemon.ROOT.resolve("nulib") + ":" + lib,
                "executor.max_concurrent_tasks", "4"));
    }

    @AfterAll
    static void stop() {
        if (d != null) d.close();
    }

    /** Submits one task of logs/out.nu and answers its task id. */
    static String submit(String function, String argsToml, String retry) {
        String toml = "[workflow]\nname = \"logs-" + function + "\"\n" + (retry == null ? "" : "retry = " + retry + "\n")
                + "\n[[task]]\nid = \"t\"\nmodule = \"logs/out.nu\"\nfunction = \"" + function + "\"\nargs = " + argsToml + "\n";
        HttpRequest req = HttpRequest.newBuilder(URI.create(d.url("/workflows/batch/submit")))
                .header("Content-Type", "application/toml").header("Authorization", "Bearer " + d.daemon.token())
                .POST(HttpRequest.BodyPublishers.ofString(toml)).build();
        HttpResponse<String> r = d.send(req);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        String wf = TestDaemon.json(r).get("workflow_id").asText();
        return TestDaemon.json(d.get("/workflows/" + wf)).get("tasks").get(0).get("id").asText();
    }

    static JsonNode awaitEnd(String taskId) {
        JsonNode[] t = new JsonNode[1];
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
            t[0] = TestDaemon.json(d.get("/tasks/" + taskId));
            return List.of("Completed", "Failed", "Cancelled").contains(t[0].path("state").asText());
        });
        return t[0];
    }

    static HttpResponse<byte[]> bytes(String path) {
        return d.send(HttpRequest.newBuilder(URI.create(d.url(path))).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    static long header(HttpResponse<?> r, String name) {
        return Long.parseLong(r.headers().firstValue(name).orElseThrow(() -> new AssertionError("no " + name + " in " + r.headers())));
    }

    static Path logFile(String taskId, int attempt, String stream) {
        JsonNode attempts = TestDaemon.json(d.get("/tasks/" + taskId + "/attempts")).get("attempts");
        for (JsonNode a : attempts)
            if (a.get("attempt").asInt() == attempt) return Path.of(a.get("run_dir").asText()).resolve(stream + ".log");
        throw new AssertionError("no attempt " + attempt + " in " + attempts);
    }

    static void assertError(HttpResponse<String> r, int status, String code, String where) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode e = TestDaemon.json(r).get("error");
        assertThat(e.get("code").asText()).as(r.body()).isEqualTo(code);
        if (where != null) assertThat(e.get("where").asText()).as(r.body()).isEqualTo(where);
    }

    /** A follower that reads from its offset while the task writes: every line once, in order, none lost. */
    @Test
    void aGrowingLogIsFollowedByOffsetWithNothingLostOrRepeated() throws Exception {
        String id = submit("ticks", "{ n = 40, ms = 60 }", null);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        long outAt = 0, errAt = 0;
        int nonEmptyReads = 0;
        boolean complete = false;
        await("the first attempt").atMost(Duration.ofSeconds(60))
                .until(() -> bytes("/tasks/" + id + "/logs?stream=stdout&offset=0").statusCode() != 404);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!complete) {
            assertThat(System.nanoTime()).as("the task ends within 60 s").isLessThan(deadline);
            // the same way a client does: once a read says the attempt ended, read to the size it gave, then stop
            HttpResponse<byte[]> e = bytes("/tasks/" + id + "/logs?stream=stderr&offset=" + errAt);
            HttpResponse<byte[]> o = bytes("/tasks/" + id + "/logs?stream=stdout&offset=" + outAt);
            assertThat(o.statusCode()).isEqualTo(200);
            assertThat(o.headers().firstValue("Content-Type")).hasValue("application/octet-stream");
            assertThat(header(o, "X-Next-Offset")).isEqualTo(outAt + o.body().length);
            assertThat(header(o, "X-Log-Size")).isGreaterThanOrEqualTo(header(o, "X-Next-Offset"));
            assertThat(header(o, "X-Attempt")).isEqualTo(1);
            out.write(o.body());
            err.write(e.body());
            if (o.body().length > 0) nonEmptyReads++;
            outAt = header(o, "X-Next-Offset");
            errAt = header(e, "X-Next-Offset");
            complete = Boolean.parseBoolean(o.headers().firstValue("X-Log-Complete").orElseThrow())
                    && outAt == header(o, "X-Log-Size")
                    && Boolean.parseBoolean(e.headers().firstValue("X-Log-Complete").orElseThrow())
                    && errAt == header(e, "X-Log-Size");
            Thread.sleep(40); // a follower's poll interval: the reads interleave with the task's writes
        }
        assertThat(awaitEnd(id).get("state").asText()).isEqualTo("Completed");
        List<String> expected = IntStream.rangeClosed(1, 40).mapToObj(i -> "tick " + i + " of 40").toList();
        assertThat(out.toString(StandardCharsets.UTF_8).lines().toList()).containsExactlyElementsOf(expected);
        assertThat(err.toString(StandardCharsets.UTF_8).lines().toList())
                .containsExactly("err 5", "err 10", "err 15", "err 20", "err 25", "err 30", "err 35", "err 40");
        assertThat(nonEmptyReads).as("the log was read while it grew").isGreaterThan(3);
        assertThat(out.toByteArray()).isEqualTo(Files.readAllBytes(logFile(id, 1, "stdout")));
        // at the end: an empty read at the size, still with the headers
        HttpResponse<byte[]> end = bytes("/api/v1/tasks/" + id + "/logs?stream=stdout&offset=" + outAt);
        assertThat(end.statusCode()).isEqualTo(200);
        assertThat(end.body()).isEmpty();
        assertThat(header(end, "X-Next-Offset")).isEqualTo(outAt);
        assertThat(end.headers().firstValue("X-Log-Complete")).hasValue("true");
    }

    /** More than a MiB: chunks of at most a MiB (or the limit), raw bytes, split anywhere, whole when joined. */
    @Test
    void aLogOfMoreThanAMiBComesInBoundedChunksAndTheOldAnswerStays() throws Exception {
        String id = submit("big", "{ n = 40000 }", null);
        assertThat(awaitEnd(id).get("state").asText()).isEqualTo("Completed");
        byte[] file = Files.readAllBytes(logFile(id, 1, "stdout"));
        assertThat(file.length).isGreaterThan(2 << 20);

        ByteArrayOutputStream all = new ByteArrayOutputStream();
        List<Integer> sizes = new ArrayList<>();
        long at = 0;
        while (true) {
            HttpResponse<byte[]> r = bytes("/tasks/" + id + "/logs?stream=stdout&offset=" + at);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(header(r, "X-Log-Size")).isEqualTo(file.length);
            if (r.body().length == 0) break;
            sizes.add(r.body().length);
            all.write(r.body());
            at = header(r, "X-Next-Offset");
        }
        assertThat(sizes).hasSize(3).allMatch(s -> s <= 1 << 20);
        assertThat(sizes.get(0)).isEqualTo(1 << 20);
        assertThat(all.toByteArray()).isEqualTo(file);

        // a small limit cuts inside a multi-byte character: the bytes are still exact
        int e = new String(file, StandardCharsets.UTF_8).indexOf('é');
        HttpResponse<byte[]> cut = bytes("/tasks/" + id + "/logs?stream=stdout&offset=" + e + "&limit=1");
        assertThat(cut.body()).containsExactly(file[e]);
        assertThat(header(cut, "X-Next-Offset")).isEqualTo(e + 1);
        HttpResponse<byte[]> rest = bytes("/tasks/" + id + "/logs?stream=stdout&offset=" + (e + 1) + "&limit=10");
        assertThat(rest.body()).hasSize(10).isEqualTo(java.util.Arrays.copyOfRange(file, e + 1, e + 11));

        // without offset: the last MiB as text, as before
        HttpResponse<String> old = d.get("/tasks/" + id + "/logs?stream=stdout");
        assertThat(old.statusCode()).isEqualTo(200);
        assertThat(old.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
        assertThat(old.headers().firstValue("X-Next-Offset")).isEmpty();
        assertThat(old.body()).endsWith(new String(file, StandardCharsets.UTF_8).substring(new String(file, StandardCharsets.UTF_8).length() - 1000));
        assertThat(old.body().getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(1 << 20);
    }

    /** Each attempt has its own log; attempt=K picks one, and the headers say which was read. */
    @Test
    void everyAttemptHasItsOwnLog() {
        String id = submit("retried", "{}", "{ max_attempts = 2, backoff = \"fixed\", initial_delay = \"100ms\" }");
        assertThat(awaitEnd(id).get("state").asText()).isEqualTo("Completed");
        HttpResponse<String> first = d.get("/tasks/" + id + "/logs?stream=stdout&offset=0&attempt=1");
        assertThat(first.body()).isEqualTo("try 1\n");
        assertThat(first.headers().firstValue("X-Attempt")).hasValue("1");
        assertThat(first.headers().firstValue("X-Log-Complete")).hasValue("true");
        assertThat(d.get("/tasks/" + id + "/logs?stream=stderr&offset=0&attempt=1").body()).contains("failing attempt 1");
        HttpResponse<String> current = d.get("/tasks/" + id + "/logs?stream=stdout&offset=0");
        assertThat(current.body()).isEqualTo("try 2\n");
        assertThat(current.headers().firstValue("X-Attempt")).hasValue("2");
        assertThat(d.get("/tasks/" + id + "/logs?stream=stdout&offset=4&attempt=2").body()).isEqualTo("2\n");
    }

    /** Bad input: a JSON error with a stable code, through the ErrorMapper; nothing outside the two logs is read. */
    @Test
    void badOffsetsStreamsAndAttemptsAreStableErrors() {
        String id = submit("ticks", "{ n = 2, ms = 1 }", null);
        awaitEnd(id);
        String p = "/tasks/" + id + "/logs?";
        assertError(d.get(p + "stream=stdout&offset=-1"), 400, "E_INVALID_VALUE", "query.offset");
        assertError(d.get(p + "stream=stdout&offset=abc"), 400, "E_INVALID_VALUE", "query.offset");
        assertError(d.get(p + "stream=stdout&offset=1.5"), 400, "E_INVALID_VALUE", "query.offset");
        assertError(d.get(p + "stream=stdout&offset=99999999999999999999"), 400, "E_INVALID_VALUE", "query.offset");
        long size = header(bytes(p + "stream=stdout&offset=0"), "X-Log-Size");
        assertThat(size).isPositive();
        assertThat(bytes(p + "stream=stdout&offset=" + size).body()).isEmpty();
        HttpResponse<String> beyond = d.get(p + "stream=stdout&offset=" + (size + 1));
        assertError(beyond, 400, "E_INVALID_VALUE", "query.offset");
        assertThat(TestDaemon.json(beyond).get("error").get("message").asText()).contains("beyond the log's size of " + size);
        assertError(d.get(p + "stream=stdout&offset=0&limit=0"), 400, "E_INVALID_VALUE", "query.limit");
        assertError(d.get(p + "stream=stdout&offset=0&limit=" + ((1 << 20) + 1)), 400, "E_INVALID_VALUE", "query.limit");
        assertError(d.get(p + "stream=stdout&limit=10"), 400, "E_INVALID_VALUE", "query.limit");
        for (String s : List.of("stdin", "result", "pid", "..%2F..%2F..%2Fetc%2Fpasswd", "stdout.log", "%2Fetc%2Fpasswd", "STDOUT"))
            assertError(d.get(p + "stream=" + s + "&offset=0"), 400, "E_INVALID_VALUE", "query.stream");
        assertError(d.get(p + "stream=stdout&offset=0&attempt=7"), 404, "E_NOT_FOUND", null);
        assertError(d.get(p + "stream=stdout&offset=0&attempt=zero"), 400, "E_INVALID_VALUE", "query.attempt");
        assertError(d.get("/tasks/no-such-task/logs?stream=stdout&offset=0"), 404, "E_NOT_FOUND", "no-such-task");
        assertError(d.get("/api/v1/tasks/no-such-task/logs?stream=stdout&offset=0"), 404, "E_NOT_FOUND", "no-such-task");
    }
}
