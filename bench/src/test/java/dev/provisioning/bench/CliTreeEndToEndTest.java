package dev.provisioning.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.provisioning.core.model.Json;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The issue-4 command tree against the real daemon, each command typed as a person would, through
 * {@code bin/provisioning}: server create|show|list|delete, taskserv create|list|delete, cluster create|delete,
 * batch submit|stats, version, env and help. One {@code bin/provisioning-orchestrator --port 0} for the class;
 * {@code fallback_to_direct = false}, so an orchestrated operation really ran in the daemon.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CliTreeEndToEndTest {
    Launchers l;
    Process daemon;

    @BeforeAll
    void startDaemon(@TempDir Path dir) throws Exception {
        l = new Launchers(dir, CliEndToEndTest.CONFIG);
        daemon = l.startDaemonAndWait("--port", "0");
    }

    @AfterAll
    void stopDaemon() {
        l.stopDaemonAndCheck(daemon);
    }

    Launchers.Result ok(String... args) {
        Launchers.Result r = l.cli(args);
        assertThat(r.code()).as(r.toString()).isZero();
        return r;
    }

    JsonNode json(String... args) {
        return Json.read(ok(args).out());
    }

    static List<String> field(JsonNode list, String name) {
        List<String> out = new ArrayList<>();
        list.forEach(n -> out.add(n.path(name).asText()));
        return out;
    }

    /** The workflow the id names, once it has ended. */
    JsonNode ended(String id) {
        return await("workflow " + id + " ends").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
                .until(() -> json("workflow", "status", id, "--json"),
                        w -> List.of("Completed", "Failed", "Cancelled", "RolledBack").contains(w.path("state").asText()));
    }

    @Test
    void serverLifecycleOrchestrated() {
        // as written in the issue: prints the workflow id, nothing else on stdout
        Launchers.Result created = ok("server", "create", "wuji", "--orchestrated");
        String id = created.out().strip();
        assertThat(id).matches("[0-9a-f-]{36}");
        assertThat(created.err()).contains("submitted server.create server wuji as workflow " + id);
        assertThat(ended(id).path("state").asText()).isEqualTo("Completed");

        // show and list: the same output as direct mode, here once through the daemon
        JsonNode shown = json("server", "show", "wuji", "--orchestrated", "--output", "json");
        assertThat(shown.path("name").asText()).isEqualTo("wuji");
        assertThat(json("server", "show", "wuji", "--json")).isEqualTo(shown);
        assertThat(ok("server", "list").out()).startsWith("ID").contains("wuji");
        assertThat(field(json("server", "list", "--orchestrated", "--json"), "name")).contains("wuji");
        assertThat(ok("server", "list", "--output", "yaml").out()).contains("name: wuji");

        // taskserv.create is force_orchestrated: it runs in the daemon, followed to its end
        Launchers.Result ts = ok("taskserv", "create", "containerd", "--server", "wuji", "--wait");
        assertThat(ts.out()).contains("taskserv.create", "Completed");
        JsonNode list = json("taskserv", "list", "--infra", "wuji", "--orchestrated", "--json");
        assertThat(field(list, "taskserv")).containsExactly("containerd");
        ok("taskserv", "delete", "containerd", "--server", "wuji", "--orchestrated", "--wait");
        assertThat(json("taskserv", "list", "--infra", "wuji", "--json")).isEmpty();

        Launchers.Result del = ok("server", "delete", "wuji", "--wait");
        assertThat(del.out()).contains("server.delete server wuji", "Completed");
        Launchers.Result gone = l.cli("server", "show", "wuji");
        assertThat(gone.code()).as(gone.toString()).isEqualTo(4);
        assertThat(gone.err()).contains("error[E_NOT_FOUND]");
    }

    @Test
    void clusterCreateAndDeleteThroughTheDaemon() {
        Launchers.Result c = ok("cluster", "create", "demo", "--server", "demo-cp-1,demo-worker-1", "--taskserv",
                "containerd,kubernetes", "--wait", "--json");
        JsonNode w = Json.read(c.out());
        assertThat(w.path("state").asText()).isEqualTo("Completed");
        assertThat(w.path("kind").asText()).isEqualTo("cluster");
        assertThat(w.path("tasks").size()).as("2 servers and 2 task services on each").isEqualTo(6);
        assertThat(field(json("server", "list", "--infra", "demo", "--json"), "name"))
                .containsExactlyInAnyOrder("demo-cp-1", "demo-worker-1");
        assertThat(json("taskserv", "list", "--infra", "demo", "--json")).hasSize(4);

        ok("cluster", "delete", "demo", "--server", "demo-cp-1,demo-worker-1", "--taskserv", "containerd,kubernetes", "--wait");
        assertThat(json("server", "list", "--infra", "demo", "--json")).isEmpty();
    }

    @Test
    void batchSubmitThenStats() {
        String id = ok("batch", "submit", "examples/cluster-local.toml").out().strip();
        assertThat(ended(id).path("state").asText()).isEqualTo("Completed");
        JsonNode stats = json("batch", "stats", "--json");
        assertThat(stats.path("workflows").asInt()).isGreaterThanOrEqualTo(1);
        assertThat(stats.path("workflows_by_state").path("Completed").asInt()).isGreaterThanOrEqualTo(1);
        assertThat(stats.path("tasks_by_state").path("Completed").asInt()).isGreaterThanOrEqualTo(7);
        assertThat(ok("batch", "stats").out()).containsPattern("workflows +\\d+: .*Completed").contains("running now");
    }

    @Test
    void versionEnvAndHelp() {
        Launchers.Result v = ok("version");
        assertThat(v.out()).containsPattern("cli +\\S+ \\(api v1\\)").containsPattern("daemon +\\S+ \\(api v1\\) at http://127\\.0\\.0\\.1:\\d+")
                .contains("compatible  yes");
        assertThat(json("version", "--json").path("compatible").asBoolean()).isTrue();

        Launchers.Result env = ok("env");
        assertThat(env.out()).containsPattern("execution.fallback_to_direct +false +" + java.util.regex.Pattern.quote(l.config.toString()))
                .containsPattern("storage.data_dir +" + java.util.regex.Pattern.quote(l.dataDir.toString()) + " +flags");

        assertThat(ok("help").out()).startsWith("Usage: provisioning").contains("taskserv", "cluster", "Exit codes:");
        Launchers.Result typo = l.cli("sever", "list");
        assertThat(typo.code()).isEqualTo(2);
        assertThat(typo.err()).isEqualTo("error[E_USAGE]: unknown command 'sever'; did you mean 'server'? (see 'provisioning --help')\n");
    }
}
