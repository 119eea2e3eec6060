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
import java.util.Locale;

/**
 * End-to-end throughput: N one-task workflows submitted over HTTP to the real daemon (launched with
 * {@code bin/provisioning-orchestrator}) and run to completion, against a baseline measured in the same run:
 * N sequential {@code nu --no-config-file -c} spawns of the same task code (the daemon's wrapper for
 * {@code bench/e2e.nu noop}). Prints both and their ratio.
 *
 * <pre>bench/run-e2e [N]</pre>
 */
public final class EndToEndBench {
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        Path root = Path.of(System.getProperty("provisioning.root", ".")).toAbsolutePath().normalize();
        String nu = System.getenv().getOrDefault("PROVISIONING_NUSHELL_BINARY", "nu");
        Path work = Files.createTempDirectory("prov-bench");
        Path module = root.resolve("bench/nulib/bench/e2e.nu").toRealPath();
        String code = DagFiles.wrapper(module, "noop"); // the wrapper the daemon generates for this task

        // warm the page cache for nu and the JVM's process spawning
        spawn(nu, code, work.resolve("warm.json"), 0);
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) spawn(nu, code, work.resolve("baseline.json"), i);
        long baselineNs = System.nanoTime() - t0;

        Path data = work.resolve("data");
        Path config = work.resolve("bench.toml");
        Files.writeString(config, "[nushell]\nprovisioning_lib = \"" + root.resolve("nulib") + ":" + root.resolve("bench/nulib") + "\"\n");
        Process daemon = new ProcessBuilder(root.resolve("bin/provisioning-orchestrator").toString(),
                "--port", "0", "--data-dir", data.toString(), "--config", config.toString())
                .redirectErrorStream(true).redirectOutput(work.resolve("daemon.log").toFile()).start();
        try {
            Path info = data.resolve("daemon.json");
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (!Files.exists(info)) {
                if (!daemon.isAlive()) throw new IllegalStateException("daemon exited: " + Files.readString(work.resolve("daemon.log")));
                if (System.nanoTime() > deadline) throw new IllegalStateException("daemon did not start in 120 s");
                Thread.sleep(20);
            }
            String endpoint = Json.read(Files.readString(info)).get("endpoint").asText();
            String token = Files.readString(data.resolve("token")).trim();
            HttpClient http = HttpClient.newHttpClient();

            long t1 = System.nanoTime();
            List<String> ids = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                String body = "{\"workflow\":{\"name\":\"bench-" + i + "\"},\"task\":[{\"id\":\"t\",\"module\":\"bench/e2e.nu\","
                        + "\"function\":\"noop\",\"args\":{\"n\":" + i + "}}]}";
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(endpoint + "/workflows/batch/submit"))
                        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 202) throw new IllegalStateException("submit failed: " + r.body());
                ids.add(Json.read(r.body()).get("workflow_id").asText());
            }
            long submittedNs = System.nanoTime() - t1;
            int done = 0;
            while (done < n) {
                JsonNode page = Json.read(http.send(HttpRequest.newBuilder(URI.create(endpoint + "/tasks?status=Completed&limit=1000")).build(),
                        HttpResponse.BodyHandlers.ofString()).body());
                done = page.get("tasks").size();
                JsonNode failed = Json.read(http.send(HttpRequest.newBuilder(URI.create(endpoint + "/tasks?status=Failed&limit=1")).build(),
                        HttpResponse.BodyHandlers.ofString()).body());
                if (failed.get("tasks").size() > 0) throw new IllegalStateException("a task failed: " + failed);
                if (done < n) Thread.sleep(10);
            }
            long e2eNs = System.nanoTime() - t1;
            System.out.printf(Locale.ROOT, "tasks: %d (max_concurrent_tasks from config defaults)%n", n);
            System.out.printf(Locale.ROOT, "baseline  %d sequential `nu --no-config-file -c` spawns: %8.0f ms (%.1f ms each)%n",
                    n, baselineNs / 1e6, baselineNs / 1e6 / n);
            System.out.printf(Locale.ROOT, "daemon    %d workflows over HTTP, submitted in %.0f ms, all Completed: %8.0f ms (%.1f ms each)%n",
                    n, submittedNs / 1e6, e2eNs / 1e6, e2eNs / 1e6 / n);
            System.out.printf(Locale.ROOT, "ratio daemon/baseline: %.2f%n", (double) e2eNs / baselineNs);
        } finally {
            daemon.destroy();
            daemon.waitFor();
            if (System.getenv("PROVISIONING_BENCH_KEEP") == null) DagBench.deleteTree(work);
        }
    }

    private static void spawn(String nu, String code, Path result, int i) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(nu, "--no-config-file", "-c", code).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("PROVISIONING_PARAMS", "{\"n\":" + i + "}");
        pb.environment().put("PROVISIONING_RESULT_FILE", result.toString());
        pb.environment().put("PROVISIONING_RUN_DIR", result.getParent().toString());
        int rc = pb.start().waitFor();
        if (rc != 0) throw new IllegalStateException("baseline nu exited " + rc);
    }
}
