package dev.provisioning.cli.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.provisioning.cli.CliException;
import dev.provisioning.cli.ExitCode;
import dev.provisioning.core.model.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A task's logs: {@code GET /tasks/{id}/logs?stream=stdout|stderr&attempt=N&offset=B}, which answers the log's raw
 * bytes from offset B (at most a MiB a time), with the log's size ({@code X-Log-Size}), where the next read starts
 * ({@code X-Next-Offset}) and whether the attempt had ended ({@code X-Log-Complete}). A daemon older than the offset
 * API ignores {@code offset} and answers the last MiB as text, without those headers.
 */
public final class LogsClient {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(3)).build();

    private final OrchestratorClient client;
    private final String token;
    private final Duration timeout;

    public LogsClient(OrchestratorClient client, String token, Duration timeout) {
        this.client = client;
        this.token = token;
        this.timeout = timeout;
    }

    /**
     * Bytes {@code [offset, next)} of a log, read when it was {@code size} bytes long. {@code complete}: the attempt
     * had ended before the read, so the log grows no more. {@code size} is -1 (and {@code next} meaningless) when
     * the daemon serves no offsets.
     */
    public record Chunk(byte[] bytes, long size, long next, boolean complete) {
        public boolean atEnd() { return next >= size; }

        boolean byOffset() { return size >= 0; }
    }

    /**
     * The next bytes of the log {@code stream} ({@code stdout} or {@code stderr}) of attempt {@code attempt} of the
     * task, from {@code offset}; empty when the daemon knows no such attempt (404).
     */
    public Optional<Chunk> read(String taskId, String stream, int attempt, long offset) {
        Optional<Chunk> c = get(taskId, stream, attempt, offset);
        if (c.isPresent() && !c.get().byOffset())
            throw new CliException(ExitCode.FAILED, "E_INCOMPATIBLE", "the orchestrator at " + client.baseUrl()
                    + " does not serve logs by offset (it is older than this CLI); upgrade it, or drop -f", "--follow");
        return c;
    }

    /**
     * The whole log {@code stream} of attempt {@code attempt} as it is now (up to its size at the first read);
     * empty when the daemon knows no such attempt (404). An older daemon gives its last MiB.
     */
    public Optional<String> log(String taskId, String stream, int attempt) {
        Optional<Chunk> first = get(taskId, stream, attempt, 0);
        if (first.isEmpty()) return Optional.empty();
        Chunk c = first.get();
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.writeBytes(c.bytes());
        long until = c.size();
        while (c.byOffset() && c.next() < until && c.bytes().length > 0) {
            c = get(taskId, stream, attempt, c.next()).orElseThrow(() -> new CliException(ExitCode.NOT_FOUND, "E_NOT_FOUND",
                    "attempt " + attempt + " of task " + taskId + " went away while its log was read", "TASK"));
            all.writeBytes(c.bytes());
        }
        return Optional.of(all.toString(StandardCharsets.UTF_8));
    }

    private Optional<Chunk> get(String taskId, String stream, int attempt, long offset) {
        String path = "/tasks/" + encode(taskId) + "/logs?stream=" + stream + "&attempt=" + attempt + "&offset=" + offset;
        HttpRequest.Builder b;
        try {
            b = HttpRequest.newBuilder(URI.create(client.baseUrl() + path)).timeout(timeout).GET();
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCode.USAGE, "E_INVALID_VALUE", "bad orchestrator endpoint '" + client.baseUrl() + "'",
                    "orchestrator.endpoint");
        }
        if (token != null && !token.isBlank()) b.header("Authorization", "Bearer " + token);
        HttpResponse<byte[]> resp;
        try {
            resp = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UnreachableException(client.baseUrl(), e instanceof java.net.ConnectException ? "connection refused"
                    : e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnreachableException(client.baseUrl(), "interrupted");
        }
        if (resp.statusCode() == 404) return Optional.empty();
        if (resp.statusCode() >= 400) throw error(resp, path);
        byte[] body = resp.body() == null ? new byte[0] : resp.body();
        OptionalLong size = header(resp, "X-Log-Size");
        OptionalLong next = header(resp, "X-Next-Offset");
        if (size.isEmpty() || next.isEmpty()) return Optional.of(new Chunk(body, -1, body.length, true));
        boolean complete = resp.headers().firstValue("X-Log-Complete").map(Boolean::parseBoolean).orElse(false);
        return Optional.of(new Chunk(body, size.getAsLong(), next.getAsLong(), complete));
    }

    /** The daemon's JSON error (code, message, where), else the HTTP status. */
    private ApiException error(HttpResponse<byte[]> resp, String path) {
        try {
            JsonNode e = Json.read(new String(resp.body(), StandardCharsets.UTF_8)).path("error");
            if (e.hasNonNull("code"))
                return new ApiException(resp.statusCode(), e.get("code").asText(), e.path("message").asText(),
                        e.hasNonNull("where") ? e.get("where").asText() : null);
        } catch (RuntimeException notJson) {
            // fall through
        }
        return new ApiException(resp.statusCode(), "E_HTTP_" + resp.statusCode(),
                "GET " + path + " answered HTTP " + resp.statusCode(), client.baseUrl() + path);
    }

    private static OptionalLong header(HttpResponse<?> resp, String name) {
        try {
            return resp.headers().firstValue(name).map(v -> OptionalLong.of(Long.parseLong(v.trim()))).orElse(OptionalLong.empty());
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
