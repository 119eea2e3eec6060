package dev.provisioning.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.provisioning.core.model.Json;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * nulib/orchestrator/client.nu in a real {@code nu} against a real daemon (started through its launcher), plus the
 * original design's literal calls on http://localhost:9090 when that port is free. The daemon runs with
 * {@code require_token = false} on loopback, so those calls work as written, without a token.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NuClientEndToEndTest {
    static final String FIXTURE = """
            # A task that talks back to the daemon with the nulib client.
            use orchestrator/client.nu

            export def report-self [req: record] {
                client report-progress 42 "own attempt"
                let by_id = (client report-progress $env.PROVISIONING_TASK_ID 55 "by id")
                client save-checkpoint {step: 2}
                let me = (client task-info)
                {progress: $me.progress, message: $me.progress_message, by_id: $by_id}
            }
            """;

    Path work;
    Launchers l;
    Process daemon;
    boolean on9090;
    String url;
    String nu;

    @BeforeAll
    void startDaemon(@TempDir Path dir) throws Exception {
        work = dir;
        Path fixtures = work.resolve("fixtures");
        Files.createDirectories(fixtures.resolve("e2e"));
        Files.writeString(fixtures.resolve("e2e/client-task.nu"), FIXTURE);
        on9090 = portFree(9090);
        String root = Launchers.root().toString();
        l = new Launchers(work, """
                [server]
                port = %d
                require_token = false             # loopback only: writes need no token
                [nushell]
                provisioning_lib = "%s/nulib:%s"
                [orchestrator]
                endpoint = "http://127.0.0.1:1"
                auto_start = false
                """.formatted(on9090 ? 9090 : 0, root, fixtures));
        daemon = l.startDaemonAndWait();
        Path info = l.dataDir.resolve("daemon.json");
        url = Json.read(Files.readString(info)).get("endpoint").asText();
        nu = System.getenv().getOrDefault("PROVISIONING_NUSHELL_BINARY", l.root.resolve("tools/node_modules/@nushell/linux-x64/bin/nu").toString());
    }

    @AfterAll
    void stopDaemon() {
        l.stopDaemonAndCheck(daemon);
    }

    static boolean portFree(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    record Nu(int code, String out, String err) {}

    /** {@code nu --no-config-file -c CODE} in nulib/, talking to the daemon; data only through {@code env}. */
    Nu nu(String code, Map<String, String> env) throws Exception {
        ProcessBuilder pb = l.builder(List.of(nu, "--no-config-file", "-c", code)).directory(l.root.resolve("nulib").toFile());
        pb.environment().put("PROVISIONING_ORCHESTRATOR_URL", url);
        pb.environment().put("PROVISIONING_DATA_DIR", l.dataDir.toString());
        pb.environment().putAll(env);
        Path out = Files.createTempFile(work, "nu", ".out"), err = Files.createTempFile(work, "nu", ".err");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            Launchers.kill(p.toHandle());
            throw new AssertionError("nu did not end in 120 s: " + code + "\n" + Launchers.read(err));
        }
        return new Nu(p.exitValue(), Launchers.read(out), Launchers.read(err));
    }

    JsonNode json(String code, Map<String, String> env) throws Exception {
        Nu r = nu(code, env);
        assertThat(r.code()).as("%s\n--- stdout\n%s--- stderr\n%s", code, r.out(), r.err()).isZero();
        String[] lines = r.out().strip().split("\n");
        return Json.read(lines[lines.length - 1]); // the last line; PROGRESS lines may come first
    }

    List<String> state(String infra) throws IOException {
        Path dir = l.dataDir.resolve("local-provider/" + infra);
        if (!Files.exists(dir)) return List.of();
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }

    @Test
    void availableAndHealthy() throws Exception {
        JsonNode r = json("use orchestrator/client.nu *; {available: (orchestrator-available), status: (http get $\"(orchestrator-url)/health\" | get status), ensured: (ensure-orchestrator)} | to json -r", Map.of());
        assertThat(r.get("available").asBoolean()).isTrue();
        assertThat(r.get("status").asText()).isEqualTo("healthy");
        assertThat(r.get("ensured").get("started").asBoolean()).isFalse();
        // the old path keeps working
        assertThat(json("use lib/orchestrator/client.nu; client orchestrator-available | to json", Map.of()).asBoolean()).isTrue();
    }

    @Test
    void theOriginalDesignsCallsWorkAsWrittenOnLocalhost9090() throws Exception {
        Assumptions.assumeTrue(on9090, "port 9090 was busy when the daemon started, so the literal http://localhost:9090 calls"
                + " cannot reach it; the same calls through the client's URL are tested in the other tests");
        assertThat(nu("http get http://localhost:9090/health | get status", Map.of()).out().strip()).isEqualTo("healthy");
        // Nushell 0.115 sends a record body only with a content type ("Accepted types: [binary, string]" otherwise),
        // so the design's call needs --content-type application/json; the daemon needs nothing more (no token).
        Nu literal = nu("http post http://localhost:9090/workflows/servers/create {infra: \"wuji\", params: {}}", Map.of());
        assertThat(literal.err()).contains("Accepted types: [binary, string]");
        JsonNode wf = json("""
                let r = (http post --content-type application/json http://localhost:9090/workflows/servers/create {infra: "wuji", params: {name: "orig-1", plan: "small"}})
                use orchestrator/client.nu *
                wait-workflow $r.workflow_id --timeout 90sec | to json -r
                """, Map.of());
        assertThat(wf.get("state").asText()).as(wf.toString()).isEqualTo("Completed");
        assertThat(l.dataDir.resolve("local-provider/wuji/servers/orig-1.json")).exists();
    }

    @Test
    void aClusterWorkflowFromNulibRunsOnTheDaemonAndItsDeleteWorkflowUndoesIt() throws Exception {
        Map<String, String> env = Map.of("REQ", "{\"infra\":\"e2e-cluster\",\"params\":{\"name\":\"kube\",\"taskservs\":[\"postgres\",\"cilium\",\"kubernetes\",\"containerd\"]}}");
        JsonNode wf = json("""
                use clusters/create.nu [cluster-workflow]
                use orchestrator/client.nu *
                let s = (submit-workflow (cluster-workflow ($env.REQ | from json)) --cluster)
                wait-workflow $s.workflow_id --timeout 120sec | to json -r
                """, env);
        assertThat(wf.get("state").asText()).as(wf.toString()).isEqualTo("Completed");
        assertThat(wf.get("kind").asText()).isEqualTo("cluster");
        List<String> keys = new ArrayList<>();
        wf.get("tasks").forEach(t -> {
            keys.add(t.get("key").asText());
            assertThat(t.get("state").asText()).as(t.toString()).isEqualTo("Completed");
        });
        assertThat(keys).containsExactlyInAnyOrder("server-kube-cp-1", "server-kube-worker-1", "containerd-kube-cp-1",
                "containerd-kube-worker-1", "kubernetes-kube-cp-1", "kubernetes-kube-worker-1", "cilium-kube-cp-1", "postgres-kube-cp-1");
        assertThat(state("e2e-cluster")).contains("servers/kube-cp-1/taskservs/kubernetes/kubeadm-config.yaml",
                "servers/kube-worker-1/taskservs/containerd/config.toml", "servers/kube-cp-1/taskservs/cilium/values.yaml",
                "servers/kube-cp-1/taskservs/postgres/pg_hba.conf");
        // the installed taskservs, as nulib lists them
        JsonNode listed = json("use taskservs/list.nu *; list-taskservs {infra: \"e2e-cluster\"} | get taskserv | to json -r", Map.of());
        assertThat(listed).hasSize(6);

        JsonNode del = json("""
                use clusters/delete.nu [cluster-delete-workflow]
                use orchestrator/client.nu *
                let s = (submit-workflow (cluster-delete-workflow ($env.REQ | from json)))
                wait-workflow $s.workflow_id --timeout 120sec | to json -r
                """, env);
        assertThat(del.get("state").asText()).as(del.toString()).isEqualTo("Completed");
        assertThat(state("e2e-cluster")).isEmpty();
    }

    @Test
    void aTaskReportsProgressByItselfAndByTaskIdAndSavesACheckpoint() throws Exception {
        JsonNode wf = json("""
                use orchestrator/client.nu *
                let s = (submit-workflow {workflow: {name: "report"}, task: [{id: "me", module: "e2e/client-task.nu", function: "report-self", args: {}}]})
                wait-workflow $s.workflow_id --timeout 90sec | to json -r
                """, Map.of());
        assertThat(wf.get("state").asText()).as(wf.toString()).isEqualTo("Completed");
        JsonNode task = wf.get("tasks").get(0);
        String id = task.get("id").asText();
        JsonNode t = json("use orchestrator/client.nu *; task-info $env.T | to json -r", Map.of("T", id));
        JsonNode result = t.get("result");
        assertThat(result.get("progress").asInt()).as(t.toString()).isEqualTo(55);
        assertThat(result.get("message").asText()).isEqualTo("by id");
        assertThat(t.get("checkpoint")).isEqualTo(Json.read("{\"step\":2}"));
        // outside a task there is no current task: the message says so
        Nu outside = nu("use orchestrator/client.nu *; report-progress 10", Map.of());
        assertThat(outside.code()).isNotZero();
        assertThat(outside.err()).contains("PROVISIONING_TASK_ID is not set");
        // a task that is not running: the daemon's answer is in the error
        Nu done = nu("use orchestrator/client.nu *; report-progress $env.T 10", Map.of("T", id));
        assertThat(done.err()).contains("answered 409", "not Running");
    }

    @Test
    void ensureOrchestratorStartsTheDaemonWhenAutoStartIsOn() throws Exception {
        Path data = work.resolve("auto-data");
        Path config = work.resolve("auto.toml");
        Files.writeString(config, "[orchestrator]\nauto_start = true\n");
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Map<String, String> env = new HashMap<>(Map.of("PROVISIONING_ORCHESTRATOR_URL", "http://127.0.0.1:" + port,
                "PROVISIONING_DATA_DIR", data.toString(), "PROVISIONING_CONFIG", config.toString()));
        try {
            env.put("PROVISIONING_AUTO_START", "false");
            Nu off = nu("use orchestrator/client.nu *; ensure-orchestrator", env);
            assertThat(off.code()).isNotZero();
            assertThat(off.err()).contains("is not running and auto-start is off");

            env.put("PROVISIONING_AUTO_START", "true");
            JsonNode on = json("use orchestrator/client.nu *; {ensured: (ensure-orchestrator --timeout 90sec), available: (orchestrator-available)} | to json -r", env);
            assertThat(on.get("ensured").get("started").asBoolean()).as(on.toString()).isTrue();
            assertThat(on.get("available").asBoolean()).isTrue();
            assertThat(Files.readString(data.resolve("daemon.json"))).contains(":" + port);
            // a token-protected daemon: the client reads <data dir>/token for writes
            JsonNode sub = json("use orchestrator/client.nu *; submit-operation servers/create {infra: \"auto\", params: {name: \"a-1\"}} | to json -r", env);
            assertThat(sub.get("status").asText()).isEqualTo("queued");
        } finally {
            Launchers.Result stop = l.run(List.of(l.root.resolve("bin/provisioning").toString(), "orchestrator", "stop", "--data-dir", data.toString(),
                    "--config", config.toString()), List.of("orchestrator", "stop"), Launchers.COMMAND_TIMEOUT);
            assertThat(stop.code()).as(stop.toString()).isZero();
            assertThat(Launchers.processesMentioning(data.toString())).isEmpty();
        }
    }
}
