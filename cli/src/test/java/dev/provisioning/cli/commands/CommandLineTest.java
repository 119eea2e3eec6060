package dev.provisioning.cli.commands;

import static dev.provisioning.cli.TestSupport.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.provisioning.cli.ExitCode;
import dev.provisioning.cli.TestSupport;
import dev.provisioning.cli.TestSupport.Run;
import dev.provisioning.core.model.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Parsing, help and usage errors of every command, through the real picocli command line. */
class CommandLineTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"", "orchestrator", "orchestrator start", "orchestrator stop", "orchestrator status", "server",
            "server create", "server list", "workflow", "workflow submit", "workflow validate", "workflow list",
            "workflow status", "workflow cancel", "workflow resume", "workflow rollback", "batch", "batch submit",
            "batch validate", "batch list", "batch status", "batch cancel", "batch resume", "batch rollback"})
    void everyCommandHasHelpWithExamplesAndExitCodes(String command) {
        String[] args = (command + " --help").strip().split(" ");
        Run r = run(args);
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).startsWith("Usage: provisioning" + (command.isEmpty() ? "" : " " + command))
                .contains("Examples:", "Exit codes:", " 3   the orchestrator daemon is unreachable", " 4   not found",
                        " 5   the workflow's state does not allow it (409 E_CONFLICT)");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void leafHelpShowsTheGlobalOptionsToo() {
        assertThat(run("server", "list", "--help").out()).contains("--json", "--data-dir=DIR", "--config=FILE", "--endpoint=URL");
    }

    @Test
    void groupsWithoutASubcommandAreUsageErrors() {
        for (String group : new String[] {"orchestrator", "server", "workflow", "batch"}) {
            Run r = run(group);
            assertThat(r.code()).as(r.toString()).isEqualTo(ExitCode.USAGE);
            assertThat(r.err()).startsWith("error[E_USAGE]: Missing required subcommand")
                    .contains("see 'provisioning " + group + " --help'");
        }
    }

    @Test
    void unknownCommandsAndOptionsAreUsageErrors() {
        Run r = run("srever", "list");
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).isEqualTo("error[E_USAGE]: unknown command 'srever'; did you mean 'server'? (see 'provisioning --help')\n");
        r = run("workflow", "list", "--bogus");
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("Unknown option: '--bogus'");
        r = run("workflow", "list", "--limit", "many");
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("'many' is not an int");
    }

    @Test
    void serverCreateUsageErrors() {
        Run r = run("server", "create");
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("Missing required parameter: 'NAME'");

        r = run("server", "create", "web-1", "--direct", "--orchestrated");
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("mutually exclusive");

        r = run("server", "create", "web 1; rm -rf /", "--direct");
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).startsWith("error[E_INVALID_VALUE]: NAME 'web 1; rm -rf /' must be").endsWith("(NAME)\n");

        r = run("server", "create", "web-1", "--infra", "../etc", "--direct");
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("(--infra)");

        r = run("server", "create", "web-1", "--param", "bad key=1", "--direct");
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("--param key 'bad key' must be an identifier");

        r = run("server", "create", "web-1", "--param", "name=other", "--direct");
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("--param name is set by the command itself");

        r = run("server", "create", "web-1", "--param", "tags=[1,", "--direct");
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("not valid JSON", "(--param tags)");

        r = run("server", "create", "web-1", "--priority", "urgent");
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("--priority", "urgent");
    }

    @Test
    void workflowUsageErrors() {
        Run r = run("workflow", "list", "--status", "Exploded");
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("unknown workflow state 'Exploded'", "Completed", "(--status)");
        r = run("workflow", "list", "--limit", "0");
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("--limit must be between 1 and 1000");
        r = run("workflow", "status");
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("Missing required parameter: 'ID'");
        r = run("workflow", "status", "a", "b");
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        r = run("workflow", "submit");
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("Missing required parameter: 'FILE'");
        r = run("batch", "submit", "x.toml", "--priority", "urgent");
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("--priority", "urgent");
        r = run("workflow", "validate");
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("Missing required parameter: 'FILE'");
        for (String action : new String[] {"cancel", "resume", "rollback"}) {
            r = run("workflow", action);
            assertThat(r.code()).as(r.toString()).isEqualTo(ExitCode.USAGE);
            assertThat(r.err()).contains("Missing required parameter: 'ID'");
            r = run("batch", action, "a", "b");
            assertThat(r.code()).as(r.toString()).isEqualTo(ExitCode.USAGE);
            r = run("workflow", action, "a", "--wiat");
            assertThat(r.code()).as(r.toString()).isEqualTo(ExitCode.USAGE);
            assertThat(r.err()).contains("Unknown option: '--wiat'");
            r = run("workflow", action, " ");
            assertThat(r.code()).as(r.toString()).isEqualTo(ExitCode.USAGE);
            assertThat(r.err()).contains("the workflow ID must not be empty");
        }
    }

    @Test
    void controlHelpSaysWhatEachActionDoesAndItsExitCodes() {
        assertThat(run("workflow", "cancel", "--help").out()).contains("--wait", "TERM", "Exits 0 when the daemon accepted it",
                "\nCancelled), 1 when with --wait", "5 when its state does not allow it:\n(it has ended already).");
        assertThat(run("workflow", "resume", "--help").out()).contains("Failed or Cancelled", "\nCompleted), 1 when");
        assertThat(run("batch", "rollback", "--help").out()).contains("reverse dependency order", "\nRolledBack), 1 when");
        assertThat(run("workflow", "validate", "--help").out()).contains("print its plan", "2 when it is not: every error is listed on\nstderr");
    }

    @Test
    void submitChecksTheFileBeforeContactingTheDaemon() throws Exception {
        Path cfg = TestSupport.config(tmp, "", "");
        Run r = run("workflow", "submit", tmp.resolve("deploy.txt").toString(), "--config", cfg.toString());
        assertThat(r.code()).as(r.toString()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).startsWith("error[E_UNSUPPORTED_FORMAT]: cannot tell the format of workflow file");
        r = run("batch", "submit", tmp.resolve("missing.yaml").toString(), "--config", cfg.toString());
        assertThat(r.code()).as(r.toString()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("missing.yaml does not exist");
        Path ok = Files.writeString(tmp.resolve("ok.toml"), "[[task]]\nid = \"a\"\ncommand = [\"true\"]\n");
        r = run("workflow", "submit", ok.toString(), "--config", cfg.toString(), "--data-dir", tmp.toString());
        assertThat(r.code()).as(r.toString()).isEqualTo(ExitCode.UNREACHABLE);
    }

    @Test
    void badConfigIsAUsageErrorNamingFileAndKey() throws Exception {
        Run r = run("--config", tmp.resolve("missing.toml").toString(), "server", "list");
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).startsWith("error[E_CONFIG_INVALID]: config error in ").contains("missing.toml", "does not exist");

        Path bad = tmp.resolve("bad.toml");
        Files.writeString(bad, "[orchestrator]\nendpoit = \"http://x\"\n");
        r = run("server", "list", "--config", bad.toString());
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("orchestrator.endpoit", "unknown key");
    }

    @Test
    void globalOptionsWorkBeforeAndAfterTheSubcommand() throws Exception {
        Path cfg = TestSupport.config(tmp, "", "");
        Path dd = tmp.resolve("data");
        for (String[] args : new String[][] {
                {"--json", "--data-dir", dd.toString(), "--config", cfg.toString(), "orchestrator", "status"},
                {"orchestrator", "--json", "--data-dir", dd.toString(), "status", "--config", cfg.toString()},
                {"orchestrator", "status", "--config", cfg.toString(), "--data-dir", dd.toString(), "--json"}}) {
            Run r = run(args);
            assertThat(r.code()).as(r.toString()).isEqualTo(ExitCode.UNREACHABLE);
            JsonNode n = Json.read(r.out());
            assertThat(n.get("running").asBoolean()).isFalse();
            assertThat(n.get("healthy").asBoolean()).isFalse();
            assertThat(n.get("data_dir").asText()).isEqualTo(dd.toString());
            assertThat(n.get("endpoint").asText()).isEqualTo("http://127.0.0.1:1");
            assertThat(n.get("health").isNull()).isTrue();
        }
    }

    @Test
    void endpointFlagOverridesTheConfig() throws Exception {
        Path cfg = TestSupport.config(tmp, "", "");
        Run r = run("orchestrator", "status", "--config", cfg.toString(), "--data-dir", tmp.toString(),
                "--endpoint", "http://127.0.0.1:2");
        assertThat(r.code()).isEqualTo(ExitCode.UNREACHABLE);
        assertThat(r.out()).contains("orchestrator  not running", "endpoint      http://127.0.0.1:2", "health        no answer");
    }

    @Test
    void commandsNeedingTheDaemonExit3WhenItIsUnreachable() throws Exception {
        Path cfg = TestSupport.config(tmp, "", "");
        String[] common = {"--config", cfg.toString(), "--data-dir", tmp.toString()};
        Path ok = Files.writeString(tmp.resolve("ok.toml"), "[[task]]\nid = \"a\"\ncommand = [\"true\"]\n");
        for (String[] cmd : new String[][] {{"workflow", "list"}, {"workflow", "status", "abc"},
                {"server", "create", "web-1", "--orchestrated"}, {"workflow", "validate", ok.toString()},
                {"workflow", "cancel", "abc"}, {"batch", "resume", "abc", "--wait"}, {"batch", "rollback", "abc"}}) {
            Run r = run(concat(cmd, common));
            assertThat(r.code()).as(r.toString()).isEqualTo(ExitCode.UNREACHABLE);
            assertThat(r.err()).startsWith("error[E_UNREACHABLE]: orchestrator not reachable at http://127.0.0.1:1 (connection refused)")
                    .endsWith("(http://127.0.0.1:1)\n");
            assertThat(r.out()).isEmpty();
        }
    }

    @Test
    void stopWithNothingRunningIsANoOp() throws Exception {
        Path cfg = TestSupport.config(tmp, "", "");
        Run r = run("orchestrator", "stop", "--config", cfg.toString(), "--data-dir", tmp.toString());
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).startsWith("orchestrator is not running");
    }

    @Test
    void versionIsPrinted() {
        Run r = run("--version");
        assertThat(r.code()).isZero();
        assertThat(r.out()).startsWith("provisioning ");
    }

    static String[] concat(String[] a, String[] b) {
        String[] out = new String[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
