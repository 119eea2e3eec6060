package dev.provisioning.cli.commands;

import static dev.provisioning.cli.TestSupport.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.provisioning.cli.ExitCode;
import dev.provisioning.cli.TestSupport;
import dev.provisioning.cli.TestSupport.Run;
import dev.provisioning.core.model.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * server delete|show, taskserv create|list|delete and cluster create|delete in direct mode: the real nulib in the
 * real nu, a temp data dir, and the daemon unreachable (so the default force_orchestrated operations fall back).
 */
class OperationsDirectTest {
    @TempDir
    Path tmp;
    Path cfg;
    Path data;

    @BeforeEach
    void setUp() throws Exception {
        cfg = TestSupport.config(tmp, "", "");
        data = tmp.resolve("data");
    }

    static void assumeNulib(String... modules) {
        for (String m : modules)
            assumeTrue(Files.isRegularFile(TestSupport.root().resolve("nulib").resolve(m)), "nulib/" + m + " is not written yet");
    }

    Run cli(String... args) {
        List<String> a = new ArrayList<>(List.of(args));
        a.addAll(List.of("--config", cfg.toString(), "--data-dir", data.toString()));
        return run(a.toArray(String[]::new));
    }

    Run ok(String... args) {
        Run r = cli(args);
        assertThat(r.code()).as(String.join(" ", args) + "\n" + r).isZero();
        return r;
    }

    @Test
    void serverShowAndDelete() {
        assumeNulib("servers/show.nu", "servers/delete.nu");
        ok("server", "create", "web-1", "--infra", "prod", "--param", "plan=small", "--direct");
        JsonNode shown = Json.read(ok("server", "show", "web-1", "--infra", "prod", "--output", "json").out());
        assertThat(shown.path("name").asText()).isEqualTo("web-1");
        assertThat(shown.path("spec").path("plan").asText()).isEqualTo("small");
        assertThat(ok("server", "show", "web-1", "--infra", "prod").out()).containsPattern("name +web-1");
        assertThat(ok("server", "show", "web-1", "--infra", "prod", "--output", "yaml").out()).contains("name: web-1", "plan: small");

        Run missing = cli("server", "show", "web-2", "--infra", "prod");
        assertThat(missing.code()).as(missing.toString()).isEqualTo(ExitCode.NOT_FOUND);
        assertThat(missing.err()).contains("error[E_NOT_FOUND]: ", "web-2");

        // server.delete is force_orchestrated: with the daemon down it falls back, with a note
        Run del = ok("server", "delete", "web-1", "--infra", "prod");
        assertThat(del.err()).contains("note: orchestrator not reachable at http://127.0.0.1:1 (connection refused); running directly");
        assertThat(cli("server", "show", "web-1", "--infra", "prod").code()).isEqualTo(ExitCode.NOT_FOUND);
        assertThat(Json.read(ok("server", "list", "--json").out()).isEmpty()).isTrue();
    }

    @Test
    void taskservCreateListDelete() {
        assumeNulib("taskservs/create.nu", "taskservs/list.nu", "taskservs/delete.nu");
        ok("server", "create", "cp-1", "--infra", "lab", "--direct");
        Run created = ok("taskserv", "create", "kubernetes", "--server", "cp-1", "--infra", "lab", "--param", "version=1.31",
                "--direct", "--output", "json");
        JsonNode t = Json.read(created.out());
        assertThat(t.path("taskserv").asText()).isEqualTo("kubernetes");
        assertThat(Files.isRegularFile(Path.of(t.path("path").asText()))).as(t.toString()).isTrue();

        JsonNode list = Json.read(ok("taskserv", "list", "--infra", "lab", "--output", "json").out());
        assertThat(list).hasSize(1);
        assertThat(list.get(0).path("server").asText()).isEqualTo("cp-1");
        assertThat(ok("taskserv", "list").out()).startsWith("INFRA").contains("kubernetes");
        assertThat(ok("taskserv", "list", "--server", "other").err()).contains("no task services on server other");

        ok("taskserv", "delete", "kubernetes", "--server", "cp-1", "--infra", "lab", "--direct");
        assertThat(Json.read(ok("taskserv", "list", "--output", "json").out()).isEmpty()).isTrue();
    }

    @Test
    void taskservOnAMissingServerFails() {
        assumeNulib("taskservs/create.nu");
        Run r = cli("taskserv", "create", "containerd", "--server", "ghost", "--direct");
        assertThat(r.code()).as(r.toString()).isEqualTo(ExitCode.FAILED);
        assertThat(r.err()).contains("error[E_TASK_FAILED]: taskservs/create.nu create-taskserv failed", "ghost");
    }

    @Test
    void clusterCreateAndDeleteDirect() {
        assumeNulib("clusters/create.nu", "clusters/delete.nu");
        ok("cluster", "create", "demo", "--server", "demo-cp-1,demo-worker-1", "--taskserv", "containerd", "--direct");
        JsonNode servers = Json.read(ok("server", "list", "--infra", "demo", "--json").out());
        assertThat(ServerDirectTest.names(servers)).containsExactlyInAnyOrder("demo-cp-1", "demo-worker-1");
        assertThat(Json.read(ok("taskserv", "list", "--infra", "demo", "--json").out())).hasSize(2);

        ok("cluster", "delete", "demo", "--server", "demo-cp-1,demo-worker-1", "--taskserv", "containerd", "--direct");
        assertThat(Json.read(ok("server", "list", "--infra", "demo", "--json").out()).isEmpty()).isTrue();
    }
}
