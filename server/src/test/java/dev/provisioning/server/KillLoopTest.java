package dev.provisioning.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioning.core.model.Json;
import dev.provisioning.core.model.TaskState;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kill loop: a 300-task random DAG runs while the daemon (a separate JVM) is killed with SIGKILL ten times at
 * random moments and restarted on the same data dir. Nothing may be lost, nothing may run twice.
 */
@Tag("killloop")
class KillLoopTest {
    static final int TASKS = 300;
    static final int KILLS = 10;

    @TempDir
    Path tmp;
    Process daemon;
    final HttpClient http = HttpClient.newHttpClient();
    String endpoint;
    String token;

    @AfterEach
    void stopDaemon() throws Exception {
        if (daemon != null && daemon.isAlive()) {
            daemon.destroy();
            if (!daemon.waitFor(20, TimeUnit.SECONDS)) daemon.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void killNineTimesTenLosesNothingAndRunsNothingTwice() throws Exception {
        Path data = tmp.resolve("data");
        Path ledger = tmp.resolve("ledger.txt");
        Path cfg = tmp.resolve("daemon.toml");
        Files.writeString(cfg, "[nushell]\nbinary = \"" + TestDaemon.nu() + "\"\nprovisioning_lib = \""
                + Path.of("src/test/resources/testlib").toAbsolutePath() + ":" + TestDaemon.ROOT.resolve("nulib") + "\"\n"
                + "[executor]\nmax_concurrent_tasks = 8\nkill_grace_seconds = 2\n");
        Random rnd = new Random(42);

        // a seeded random DAG: each task depends on up to 3 of the 40 tasks before it
        ObjectNode doc = Json.MAPPER.createObjectNode();
        doc.putObject("workflow").put("name", "kill-loop").putObject("retry").put("max_attempts", 3)
                .put("backoff", "fixed").put("initial_delay", "100ms").put("jitter", 0);
        ArrayNode tasks = doc.putArray("task");
        for (int i = 0; i < TASKS; i++) {
            ObjectNode t = tasks.addObject().put("id", "t" + i).put("module", "test/tasks.nu").put("function", "ledger");
            t.putObject("args").put("key", "t" + i).put("file", ledger.toString()).put("ms", rnd.nextInt(201));
            Set<Integer> deps = new HashSet<>();
            for (int k = 0; k < 3 && i > 0; k++) deps.add(Math.max(0, i - 1 - rnd.nextInt(Math.min(i, 40))));
            ArrayNode d = t.putArray("depends_on");
            deps.forEach(x -> d.add("t" + x));
        }

        startDaemon(data, cfg);
        HttpResponse<String> r = post("/workflows/batch/submit", Json.write(doc));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        String wf = Json.read(r.body()).get("workflow_id").asText();

        Map<String, Integer> attemptsAtKill = new HashMap<>(); // completed before some kill -> attempts then
        Set<String> runningAtKill = new HashSet<>();
        for (int kill = 0; kill < KILLS; kill++) {
            int target = completed(wf).size() + rnd.nextInt(30); // a random moment, measured in progress
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                    .until(() -> completed(wf).size() >= Math.min(target, TASKS) || workflowState(wf).equals("Completed"));
            JsonNode snapshot = get("/workflows/" + wf);
            snapshot.get("tasks").forEach(t -> {
                if (t.get("state").asText().equals("Completed")) attemptsAtKill.putIfAbsent(t.get("key").asText(), t.get("attempt").asInt());
                if (t.get("state").asText().equals("Running")) runningAtKill.add(t.get("key").asText());
            });
            daemon.destroyForcibly(); // SIGKILL
            assertThat(daemon.waitFor(20, TimeUnit.SECONDS)).isTrue();
            startDaemon(data, cfg);
        }
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100))
                .until(() -> List.of("Completed", "Failed", "Cancelled").contains(workflowState(wf)));
        JsonNode finalWf = get("/workflows/" + wf);
        assertThat(finalWf.get("state").asText()).as(finalWf.get("errors").toString()).isEqualTo("Completed");

        // ledger lines per task == attempts per task; completed-before-a-kill tasks never ran again
        Map<String, Integer> ledgerLines = new HashMap<>();
        for (String line : Files.readAllLines(ledger)) if (!line.isBlank()) ledgerLines.merge(line.split(" ")[0], 1, Integer::sum);
        Map<String, String> idByKey = new HashMap<>();
        int reattachedWithOneAttempt = 0;
        for (JsonNode t : finalWf.get("tasks")) {
            String key = t.get("key").asText();
            idByKey.put(key, t.get("id").asText());
            JsonNode attemptRows = get("/tasks/" + t.get("id").asText() + "/attempts").get("attempts");
            int attempts = attemptRows.size();
            assertThat(attempts).as("attempt rows of %s", key).isEqualTo(t.get("attempt").asInt());
            assertThat(ledgerLines.getOrDefault(key, 0)).as("runs of %s: attempts %s; daemon log tail:%n%s", key, attemptRows, logTail())
                    .isEqualTo(attempts);
            if (attemptsAtKill.containsKey(key)) assertThat(t.get("attempt").asInt()).as("%s re-ran after a kill", key).isEqualTo(attemptsAtKill.get(key));
            if (runningAtKill.contains(key) && attempts == 1) reattachedWithOneAttempt++;
        }
        assertThat(runningAtKill).as("some kills hit running tasks").isNotEmpty();
        assertThat(reattachedWithOneAttempt).as("tasks running at a kill were reattached, not rerun").isPositive();

        // the event log: every task Completed exactly once, and no illegal transition
        Map<String, Integer> completedEvents = new HashMap<>();
        long after = 0;
        while (true) {
            JsonNode page = get("/workflows/" + wf + "/events?after=" + after + "&limit=5000").get("events");
            if (page.isEmpty()) break;
            for (JsonNode e : page) {
                after = e.get("id").asLong();
                if (!e.get("type").asText().equals("task.state") || e.get("from").isNull()) continue;
                TaskState from = TaskState.valueOf(e.get("from").asText()), to = TaskState.valueOf(e.get("to").asText());
                assertThat(from.canMoveTo(to)).as("event %s: %s -> %s", e.get("id"), from, to).isTrue();
                if (to == TaskState.Completed) completedEvents.merge(e.get("task_id").asText(), 1, Integer::sum);
            }
        }
        assertThat(completedEvents).hasSize(TASKS);
        assertThat(completedEvents.values()).containsOnly(1);

        // no process left over: every attempt's process group is gone once the daemon has stopped
        List<Long> pids = new ArrayList<>();
        for (String id : idByKey.values())
            get("/tasks/" + id + "/attempts").get("attempts").forEach(a -> { if (!a.get("pid").isNull()) pids.add(a.get("pid").asLong()); });
        daemon.destroy();
        assertThat(daemon.waitFor(20, TimeUnit.SECONDS)).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> pids.stream().noneMatch(p -> ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false)));
        assertThat(ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(tmp.toString())).toList()).isEmpty();
    }

    private void startDaemon(Path data, Path cfg) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        daemon = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "dev.provisioning.server.Main",
                "--port", "0", "--data-dir", data.toString(), "--config", cfg.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(tmp.resolve("daemon.log").toFile())).start();
        Path info = data.resolve("daemon.json");
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
            if (!daemon.isAlive()) throw new IllegalStateException("daemon exited: " + Files.readString(tmp.resolve("daemon.log")));
            if (!Files.exists(info)) return false;
            JsonNode j = Json.read(Files.readString(info));
            if (j.get("pid").asLong() != daemon.pid()) return false;
            endpoint = j.get("endpoint").asText();
            return true;
        });
        token = Files.readString(data.resolve("token")).trim();
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(tmp.resolve("daemon.log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return e.toString();
        }
    }

    private Set<String> completed(String wf) {
        Set<String> out = new HashSet<>();
        get("/workflows/" + wf).get("tasks").forEach(t -> { if (t.get("state").asText().equals("Completed")) out.add(t.get("key").asText()); });
        return out;
    }

    private String workflowState(String wf) {
        return get("/workflows/" + wf).get("state").asText();
    }

    private JsonNode get(String path) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(endpoint + path)).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) throw new IllegalStateException(path + ": " + r.statusCode() + " " + r.body());
            return Json.read(r.body());
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(endpoint + path)).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
