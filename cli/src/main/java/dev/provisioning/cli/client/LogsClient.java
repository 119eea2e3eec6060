package dev.provisioning.cli.client;

import dev.provisioning.cli.CliException;
import dev.provisioning.cli.ExitCode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * A task's logs: {@code GET /tasks/{id}/logs?stream=stdout|stderr&attempt=N}, which answers the last MiB of that
 * attempt's log as {@code text/plain}. The daemon offers no offset: a follower fetches the text again and prints what is new.
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
     * The log {@code stream} ({@code stdout} or {@code stderr}) of attempt {@code attempt} of the task; empty when
     * the daemon knows no such attempt (404).
     */
    public Optional<String> log(String taskId, String stream, int attempt) {
        String path = "/tasks/" + encode(taskId) + "/logs?stream=" + stream + "&attempt=" + attempt;
        HttpRequest.Builder b;
        try {
            b = HttpRequest.newBuilder(URI.create(client.baseUrl() + path)).timeout(timeout).GET();
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCode.USAGE, "E_INVALID_VALUE", "bad orchestrator endpoint '" + client.baseUrl() + "'",
                    "orchestrator.endpoint");
        }
        if (token != null && !token.isBlank()) b.header("Authorization", "Bearer " + token);
        HttpResponse<String> resp;
        try {
            resp = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UnreachableException(client.baseUrl(), e instanceof java.net.ConnectException ? "connection refused"
                    : e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnreachableException(client.baseUrl(), "interrupted");
        }
        if (resp.statusCode() == 404) return Optional.empty();
        if (resp.statusCode() >= 400)
            throw new ApiException(resp.statusCode(), "E_HTTP_" + resp.statusCode(),
                    "GET " + path + " answered HTTP " + resp.statusCode(), client.baseUrl() + path);
        return Optional.of(resp.body() == null ? "" : resp.body());
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
