package dev.provisioning.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.provisioning.core.model.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The real daemon, launched with {@code bin/provisioning-orchestrator --port 0 --data-dir DIR --config FILE}, and
 * the few calls the benchmark makes: submit a batch workflow, follow its SSE stream to the end, read it back.
 */
final class OrchestratorProcess implements AutoCloseable {
    final Path dataDir;
    final String endpoint;
    final String token;
    private final Process process;
    private final Path log;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private OrchestratorProcess(Path dataDir, Process process, Path log, String endpoint, String token) {
        this.dataDir = dataDir;
        this.process = process;
        this.log = log;
        this.endpoint = endpoint;
        this.token = token;
    }

    /** Starts the daemon and waits (up to 120 s) until it has written {@code daemon.json}. */
    static OrchestratorProcess start(Path root, Path dir, String configToml) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path data = dir.resolve("data");
        Path config = dir.resolve("config.toml");
        Files.writeString(config, configToml);
        Path log = dir.resolve("daemon.log");
        Process p = new ProcessBuilder(root.resolve("bin/provisioning-orchestrator").toString(),
                "--port", "0", "--data-dir", data.toString(), "--config", config.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Path info = data.resolve("daemon.json");
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (!Files.exists(info)) {
            if (!p.isAlive()) throw new IllegalStateException("daemon exited: " + Files.readString(log));
            if (System.nanoTime() > deadline) {
                p.destroy();
                throw new IllegalStateException("daemon did not start in 120 s; see " + log);
            }
            Thread.sleep(20);
        }
        Thread.sleep(50); // daemon.json is written atomically? be lenient with a partial read
        String endpoint = Json.read(Files.readString(info)).get("endpoint").asText();
        String token = Files.readString(data.resolve("token")).trim();
        return new OrchestratorProcess(data, p, log, endpoint, token);
    }

    /** Submits a batch workflow (JSON) and returns its id. */
    String submit(JsonNode doc) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(endpoint + "/workflows/batch/submit"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(doc))).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) throw new IllegalStateException("submit failed (" + r.statusCode() + "): " + r.body());
        return Json.read(r.body()).get("workflow_id").asText();
    }

    /**
     * Follows {@code GET /workflows/{id}/events} (SSE) until the daemon ends it (the workflow is terminal), and
     * returns each event's data as received. It parses nothing while the stream runs: the benchmark times the
     * stream, and the JSON parsing of a follower is not the orchestrator's cost ({@link #parse} does it after).
     */
    List<String> followEvents(String id) throws IOException, InterruptedException {
        HttpResponse<Stream<String>> r = http.send(HttpRequest.newBuilder(URI.create(endpoint + "/workflows/" + id + "/events"))
                .header("Accept", "text/event-stream").GET().build(), HttpResponse.BodyHandlers.ofLines());
        if (r.statusCode() != 200) throw new IllegalStateException("events: HTTP " + r.statusCode());
        List<String> data = new ArrayList<>();
        try (Stream<String> lines = r.body()) {
            lines.forEach(l -> {
                if (l.startsWith("data:")) data.add(l);
            });
        }
        return data;
    }

    /** The events {@link #followEvents} returned, as JSON. */
    static List<JsonNode> parse(List<String> data) {
        List<JsonNode> events = new ArrayList<>(data.size());
        for (String l : data) events.add(Json.read(l.substring(5).trim()));
        return events;
    }

    /** Polls {@code GET /workflows/{id}} every {@code everyMs} until the workflow is terminal; returns it. */
    JsonNode poll(String id, long everyMs) throws IOException, InterruptedException {
        while (true) {
            JsonNode w = workflow(id);
            String s = w.path("state").asText();
            if (!s.equals("Pending") && !s.equals("Running")) return w;
            Thread.sleep(everyMs);
        }
    }

    JsonNode workflow(String id) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(endpoint + "/workflows/" + id)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) throw new IllegalStateException("GET workflow: HTTP " + r.statusCode() + ": " + r.body());
        return Json.read(r.body());
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
    }

    Path log() { return log; }

    /** The daemon JVM's pid (the launcher script execs java). */
    long pid() { return process.pid(); }
}
