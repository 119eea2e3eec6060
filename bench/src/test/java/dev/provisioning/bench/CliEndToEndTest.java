package dev.provisioning.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.provisioning.core.model.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI against the real daemon, both through their launchers: one {@code bin/provisioning-orchestrator
 * --port 0} for the class, and {@code bin/provisioning} processes for every command, all on one temp data dir.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CliEndToEndTest {
    static final String CONFIG = """
            [orchestrator]
            endpoint = "http://127.0.0.1:1"   # never a daemon of someone else's: daemon.json gives the real one
            auto_start = false
            [execution]
            fallback_to_direct = false
            """;
    static final String CLUSTER_KEYS[] = {"server-cp-1", "server-worker-1", "server-worker-2", "kubernetes-cp-1",
            "kubernetes-worker-1", "kubernetes-worker-2", "apps"};

    Path work;
    Launchers l;
    Process daemon;

    @BeforeAll
    void startDaemon(@TempDir Path dir) throws Exception {
        work = dir;
        l = new Launchers(work, CONFIG);
        daemon = l.startDaemonAndWait("--port", "0");
    }

    @AfterAll
    void stopDaemon() {
        l.stopDaemonAndCheck(daemon);
    }

    static void ok(Launchers.Result r) {
        assertThat(r.code()).as(r.toString()).isZero();
    }

    /** The workflow id on the first line of {@code submit --wait}: {@code workflow ID queued: N tasks from FILE}. */
    static String idOf(Launchers.Result r) {
        String first = r.outLines().isEmpty() ? "" : r.outLines().get(0);
        var m = Pattern.compile("^workflow (\\S+) queued: ").matcher(first);
        assertThat(m.find()).as(r.toString()).isTrue();
        return m.group(1);
    }

    @Test
    void theLocalClusterExampleRunsToCompletion() {
        Launchers.Result r = l.cli("workflow", "submit", "examples/cluster-local.toml", "--wait");
        ok(r);
        String id = idOf(r);
        assertThat(r.outLines().get(0)).isEqualTo("workflow " + id + " queued: 7 tasks from examples/cluster-local.toml");
        for (String key : CLUSTER_KEYS) {
            assertThat(r.out()).as(r.toString()).containsPattern("(?m)^  " + key + " +Running +attempt 1");
            assertThat(r.out()).as(r.toString()).containsPattern("(?m)^  " + key + " +\\d+%  \\S");
            assertThat(r.out()).as(r.toString()).containsPattern("(?m)^  " + key + " +Completed +\\(\\d+\\.\\ds\\)$");
        }
        assertThat(r.outLines().get(r.outLines().size() - 1)).as(r.toString())
                .matches("workflow " + id + " Completed: 7 tasks \\(7 Completed\\) in \\d+\\.\\ds");
        // the DAG order: apps starts after every kubernetes task completed
        int appsStarts = r.out().indexOf("  apps ");
        for (String k : List.of("kubernetes-cp-1", "kubernetes-worker-1", "kubernetes-worker-2")) {
            var done = Pattern.compile("(?m)^  " + k + " +Completed").matcher(r.out());
            assertThat(done.find()).isTrue();
            assertThat(done.start()).as(k + " completes before apps starts").isLessThan(appsStarts);
        }

        Path servers = l.dataDir.resolve("local-provider/cluster-local/servers");
        for (String s : List.of("cp-1", "worker-1", "worker-2")) {
            assertThat(servers.resolve(s + ".json")).isRegularFile();
            assertThat(servers.resolve(s + "/taskservs/kubernetes.toml")).isRegularFile();
        }
        assertThat(servers.resolve("cp-1/taskservs/apps.toml")).isRegularFile();

        Launchers.Result status = l.cli("workflow", "status", id);
        ok(status);
        assertThat(status.out()).containsPattern("(?m)^state +Completed$").containsPattern("(?m)^name +cluster-local$");
        for (String key : CLUSTER_KEYS) assertThat(status.out()).containsPattern("(?m)^" + key + " +Completed +1/2 ");

        JsonNode w = Json.read(l.cli("workflow", "status", id, "--json").out());
        assertThat(w.get("state").asText()).isEqualTo("Completed");
        assertThat(w.get("tasks").size()).isEqualTo(7);
        w.get("tasks").forEach(t -> assertThat(t.get("state").asText()).isEqualTo("Completed"));

        Launchers.Result list = l.cli("workflow", "list");
        ok(list);
        assertThat(list.out()).containsPattern("(?m)^" + id + " +cluster-local +batch +Completed +7/7 done");
        JsonNode page = Json.read(l.cli("batch", "list", "--json", "--status", "completed").out());
        List<String> ids = new ArrayList<>();
        page.get("workflows").forEach(x -> ids.add(x.get("id").asText()));
        assertThat(ids).contains(id);
    }

    @Test
    void serverCreateOrchestratedWaitsAndListRunsDirect() {
        Launchers.Result r = l.cli("server", "create", "e2e-web-1", "--orchestrated", "--wait", "--param", "plan=small");
        ok(r);
        assertThat(r.out()).containsPattern("(?m)^workflow \\S+ queued: server.create server e2e-web-1$")
                .containsPattern("(?m)^  \\S+ +Completed +\\(")
                .containsPattern("(?m)^workflow \\S+ Completed: 1 task \\(1 Completed\\)");
        assertThat(l.dataDir.resolve("local-provider/e2e-web-1/servers/e2e-web-1.json")).isRegularFile();

        Launchers.Result list = l.cli("server", "list", "--infra", "e2e-web-1");
        ok(list);
        assertThat(list.out()).contains("NAME").contains("e2e-web-1");
        JsonNode servers = Json.read(l.cli("server", "list", "--infra", "e2e-web-1", "--json").out());
        assertThat(servers.isArray()).isTrue();
        assertThat(servers.get(0).get("name").asText()).isEqualTo("e2e-web-1");
    }

    @Test
    void aFailingWorkflowExits1AndShowsTheTasksError() throws Exception {
        Path f = Files.writeString(work.resolve("fails.toml"), """
                [workflow]
                name = "fails"

                [[task]]
                id = "server-ok"
                module = "servers/create.nu"
                function = "create-server"
                args = { infra = "e2e-fails", params = { name = "ok-1" } }

                [[task]]
                id = "taskserv-on-ghost"
                module = "taskservs/create.nu"
                function = "create-taskserv"
                args = { infra = "e2e-fails", params = { server = "ghost", taskserv = "kubernetes" } }
                """);
        Launchers.Result r = l.cli("workflow", "submit", f.toString(), "--wait");
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        String id = idOf(r);
        assertThat(r.out()).containsPattern("(?m)^  taskserv-on-ghost +Failed .*server 'ghost' does not exist in infra 'e2e-fails'")
                .containsPattern("(?m)^workflow " + id + " Failed: 2 tasks \\(");
        assertThat(r.err()).startsWith("error[E_WORKFLOW_FAILED]: workflow fails ended Failed (" + id + ")")
                .contains("  task taskserv-on-ghost (Failed, attempt 1, exit 1): ", "server 'ghost' does not exist", "  stderr:");

        Launchers.Result status = l.cli("workflow", "status", id);
        ok(status);
        assertThat(status.out()).containsPattern("(?m)^state +Failed$").contains("stderr of taskserv-on-ghost:");
    }

    @Test
    void anInvalidWorkflowFileExits2ListingEveryErrorWithItsTask() throws Exception {
        Path f = Files.writeString(work.resolve("invalid.toml"), Launchers.brokenWorkflow("invalid"));
        int before = Json.read(l.cli("workflow", "list", "--json", "--limit", "1000").out()).get("workflows").size();
        Launchers.Result r = l.cli("batch", "submit", f.toString(), "--wait");
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).startsWith("error[E_INVALID_WORKFLOW]: " + f + ": ").contains("errors in the workflow; nothing was submitted");
        List<String> details = r.err().lines().skip(1).toList();
        assertThat(details).as(r.toString()).hasSizeGreaterThanOrEqualTo(4).allMatch(d -> d.startsWith("  " + f));
        assertThat(details).anyMatch(d -> d.contains("task 'a'") && d.contains("unknown task 'missing'"))
                .anyMatch(d -> d.contains("task 'a'") && d.contains("5 parsecs"))
                .anyMatch(d -> d.contains("task 'b'") && d.contains("nope/nope.nu"))
                .anyMatch(d -> d.contains("cycle") && d.contains("b -> c -> b"));
        int after = Json.read(l.cli("workflow", "list", "--json", "--limit", "1000").out()).get("workflows").size();
        assertThat(after).as("nothing was submitted").isEqualTo(before);
    }

    @Test
    void submitWithoutWaitPrintsTheIdAndTheDaemonRunsItInTheBackground() throws Exception {
        Path f = Files.writeString(work.resolve("background.yaml"), """
                workflow:
                  name: background
                task:
                  - id: server-bg-1
                    module: servers/create.nu
                    function: create-server
                    args: {infra: e2e-bg, params: {name: bg-1}}
                  - id: kubernetes-bg-1
                    module: taskservs/create.nu
                    function: create-taskserv
                    args: {infra: e2e-bg, params: {server: bg-1, taskserv: kubernetes}}
                    depends_on: [server-bg-1]
                """);
        Launchers.Result r = l.cli("batch", "submit", f.toString(), "--priority", "high");
        ok(r);
        assertThat(r.outLines()).hasSize(1);
        String id = r.out().strip();
        assertThat(id).matches("[0-9a-f-]{36}");
        assertThat(r.err()).contains("submitted " + f + " (2 tasks) as workflow " + id);

        JsonNode[] last = new JsonNode[1];
        await("workflow " + id + " completes").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
                .until(() -> {
                    last[0] = Json.read(l.cli("workflow", "status", id, "--json").out());
                    return last[0].get("state").asText().equals("Completed");
                });
        assertThat(last[0].get("priority").asText()).isEqualTo("high");
        assertThat(l.dataDir.resolve("local-provider/e2e-bg/servers/bg-1/taskservs/kubernetes.toml")).isRegularFile();
    }

    @Test
    void aJsonFileWithWaitAndJsonPrintsTheFinalWorkflowOnStdout() throws Exception {
        Path f = Files.writeString(work.resolve("one.json"), """
                {"workflow": {"name": "one"},
                 "task": [{"id": "server-json-1", "module": "servers/create.nu", "function": "create-server",
                           "args": {"infra": "e2e-json", "params": {"name": "json-1"}}}]}
                """);
        Launchers.Result r = l.cli("workflow", "submit", f.toString(), "--wait", "--json");
        ok(r);
        JsonNode w = Json.read(r.out());
        assertThat(w.get("state").asText()).isEqualTo("Completed");
        assertThat(w.get("name").asText()).isEqualTo("one");
        assertThat(w.at("/tasks/0/key").asText()).isEqualTo("server-json-1");
        assertThat(r.err()).contains("server-json-1").containsPattern("(?m)^workflow \\S+ Completed: 1 task");
    }

    @Test
    void aKclFileWithoutKclOnPathIsRefusedNamingTheFile() throws Exception {
        Assumptions.assumeTrue(onPath("kcl") == null, "kcl is installed here");
        Path f = Files.writeString(work.resolve("deploy.k"), "workflow = {name = \"k\"}\n");
        Launchers.Result r = l.cli("workflow", "submit", f.toString());
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).startsWith("error[E_UNSUPPORTED_FORMAT]: " + f + " is a KCL file")
                .contains("kcl run " + f + " --format json");
    }

    static Path onPath(String name) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":"))
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, name))) return Path.of(d, name);
        return null;
    }
}
