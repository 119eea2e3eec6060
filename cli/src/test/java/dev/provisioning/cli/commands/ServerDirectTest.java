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

/** {@code server create --direct} and {@code server list} against the real nulib and the real nu, in a temp data dir. */
class ServerDirectTest {
    @TempDir
    Path tmp;
    Path cfg;
    Path data;

    @BeforeEach
    void setUp() throws Exception {
        cfg = TestSupport.config(tmp, "", "");
        data = tmp.resolve("data");
    }

    static void assumeNulib() {
        Path servers = TestSupport.root().resolve("nulib/servers");
        assumeTrue(Files.isRegularFile(servers.resolve("create.nu")) && Files.isRegularFile(servers.resolve("list.nu")),
                "nulib/servers/create.nu and list.nu are not written yet");
    }

    Run cli(String... args) {
        List<String> a = new ArrayList<>(List.of(args));
        a.addAll(List.of("--config", cfg.toString(), "--data-dir", data.toString()));
        return run(a.toArray(String[]::new));
    }

    static List<String> names(JsonNode list) {
        List<String> out = new ArrayList<>();
        list.forEach(s -> out.add(s.path("name").asText()));
        return out;
    }

    @Test
    void createDirectThenList() {
        assumeNulib();
        Run c = cli("server", "create", "web-1", "--direct", "--infra", "prod", "--param", "cores=2");
        assertThat(c.code()).as(c.toString()).isZero();
        assertThat(c.out()).contains("web-1");

        Run json = cli("server", "list", "--json");
        assertThat(json.code()).as(json.toString()).isZero();
        JsonNode list = Json.read(json.out());
        assertThat(list.isArray()).isTrue();
        assertThat(names(list)).contains("web-1");

        Run table = cli("server", "list");
        assertThat(table.code()).as(table.toString()).isZero();
        assertThat(table.out()).contains("NAME").contains("web-1");

        Run prod = cli("server", "list", "--infra", "prod", "--json");
        assertThat(names(Json.read(prod.out()))).as(prod.toString()).contains("web-1");
        Run other = cli("server", "list", "--infra", "other", "--json");
        assertThat(other.code()).as(other.toString()).isZero();
        assertThat(names(Json.read(other.out()))).doesNotContain("web-1");
    }

    @Test
    void createDirectJsonIsTheFunctionsResult() {
        assumeNulib();
        Run c = cli("server", "create", "db-1", "--direct", "--json");
        assertThat(c.code()).as(c.toString()).isZero();
        JsonNode r = Json.read(c.out());
        assertThat(r.toString()).contains("db-1");
    }

    @Test
    void anEmptyDataDirListsNoServers() {
        assumeNulib();
        Run r = cli("server", "list", "--json");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(Json.read(r.out()).isEmpty()).isTrue();
    }

    @Test
    void autoModeFallsBackToDirectWhenTheDaemonIsUnreachable() {
        assumeNulib();
        // server.create is force_orchestrated; the daemon (port 1) is down, auto_start is off, fallback_to_direct is on
        Run c = cli("server", "create", "web-2");
        assertThat(c.code()).as(c.toString()).isZero();
        assertThat(c.err()).contains("note: orchestrator not reachable at http://127.0.0.1:1 (connection refused); running directly");
        assertThat(names(Json.read(cli("server", "list", "--json").out()))).contains("web-2");
    }

    @Test
    void withoutFallbackAnUnreachableDaemonIsExit3() throws Exception {
        cfg = TestSupport.config(tmp, "", "[execution]\nfallback_to_direct = false\n");
        Run c = cli("server", "create", "web-3");
        assertThat(c.code()).as(c.toString()).isEqualTo(ExitCode.UNREACHABLE);
        assertThat(c.err()).startsWith("error[E_UNREACHABLE]");
    }

    @Test
    void defaultModeDirectStillHonoursForceOrchestrated() throws Exception {
        // force lists win over default_mode: with fallback off, server.create needs the daemon
        cfg = TestSupport.config(tmp, "", "[execution]\ndefault_mode = \"direct\"\nfallback_to_direct = false\n");
        assertThat(cli("server", "create", "web-4").code()).isEqualTo(ExitCode.UNREACHABLE);
        // unless the list says otherwise
        cfg = TestSupport.config(tmp, "", "[execution]\nforce_orchestrated = []\nfallback_to_direct = false\n"
                + "default_mode = \"orchestrated\"\n");
        assertThat(cli("server", "create", "web-4").code()).isEqualTo(ExitCode.UNREACHABLE);
    }

    @Test
    void aMissingNulibModuleIsReported() throws Exception {
        Path emptyLib = Files.createDirectories(tmp.resolve("empty-lib"));
        cfg = TestSupport.config(tmp, "provisioning_lib = \"" + emptyLib + "\"", "");
        Run r = cli("server", "list");
        assertThat(r.code()).as(r.toString()).isEqualTo(ExitCode.FAILED);
        assertThat(r.err()).startsWith("error[E_MODULE_NOT_FOUND]: module 'servers/list.nu' not found");
    }
}
