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
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The issue-4 command tree through the real picocli command line: help, usage errors, output formats, env, version, completion. */
class CommandTreeTest {
    @TempDir
    Path tmp;

    Run cli(Path cfg, String... args) {
        List<String> a = new ArrayList<>(List.of(args));
        a.addAll(List.of("--config", cfg.toString(), "--data-dir", tmp.resolve("data").toString()));
        return run(a.toArray(String[]::new));
    }

    @ParameterizedTest
    @ValueSource(strings = {"server delete", "server show", "taskserv", "taskserv create", "taskserv delete", "taskserv list",
            "cluster", "cluster create", "cluster delete", "batch stats", "env", "version", "completion", "help"})
    void everyNewCommandHasHelpWithExamplesAndExitCodes(String command) {
        Run r = run((command + " --help").split(" "));
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).startsWith("Usage: provisioning " + command)
                .contains("Examples:", "Exit codes:", " 2   usage error or bad input", " 3   the orchestrator daemon is unreachable");
    }

    @Test
    void operationsShowTheModeAndOutputFlags() {
        for (String cmd : new String[] {"server create", "server delete", "taskserv create", "taskserv delete", "cluster create",
                "cluster delete"})
            assertThat(run((cmd + " --help").split(" ")).out()).as(cmd)
                    .contains("--orchestrated", "--direct", "--wait", "--priority=PRIORITY", "--output=FORMAT", "--debug");
        assertThat(run("server", "create", "--help").out()).contains("--infra=INFRA", "--provider=PROVIDER", "--param=KEY=VALUE");
        assertThat(run("server", "list", "--help").out()).contains("--orchestrated", "--direct").doesNotContain("--wait");
    }

    @Test
    void helpCommandPrintsTheHelpOfTheNamedCommand() {
        Run r = run("help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).startsWith("Usage: provisioning [").contains("server", "taskserv", "cluster", "workflow", "batch",
                "orchestrator", "env", "version", "completion", "help");
        r = run("help", "server", "create");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).startsWith("Usage: provisioning server create").contains("create-server", "Examples:");
        r = run("help", "server", "craete");
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).isEqualTo("error[E_USAGE]: unknown command 'craete'; did you mean 'create'? (see 'provisioning server --help')\n");
    }

    @Test
    void unknownCommandsAndFlagsAreOneLineWithASuggestion() {
        Run r = run("server", "lsit");
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).isEqualTo("error[E_USAGE]: unknown command 'lsit'; did you mean 'list'? (see 'provisioning server --help')\n");
        r = run("taskserv", "create", "kubernetes", "--sever", "cp-1");
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).startsWith("error[E_USAGE]: Unknown option: '--sever'").contains("did you mean '--server'?")
                .hasLineCount(1);
        r = run("server", "list", "--output", "xml");
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("--output", "xml").hasLineCount(1);
    }

    @Test
    void badInputIsOneLineWithoutAStackTraceUnlessDebug() throws Exception {
        Path cfg = TestSupport.config(tmp, "", "");
        Run r = cli(cfg, "server", "create", "web-1", "--param", "tags=[1,", "--direct");
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).hasLineCount(1).contains("(--param tags)").doesNotContain("at dev.");
        r = cli(cfg, "taskserv", "create", "kubernetes", "--direct");
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).isEqualTo("error[E_INVALID_VALUE]: give --server SERVER or --infra INFRA (--server)\n");
        r = cli(cfg, "batch", "submit", tmp.resolve("nope.toml").toString());
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("nope.toml does not exist").hasLineCount(1);
        r = cli(cfg, "cluster", "create", "c1", "--server", "ok,bad name", "--direct");
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("--server 'bad name' must be").hasLineCount(1);
        // --debug is -v/--verbose: usage errors then carry the stack trace
        r = cli(cfg, "--debug", "server", "list", "--output", "xml");
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("\tat picocli.");
    }

    @Test
    void anUnreachableDaemonWithoutFallbackIsExit3ForEveryOperation() throws Exception {
        Path cfg = TestSupport.config(tmp, "", "[execution]\nfallback_to_direct = false\n");
        for (String[] cmd : new String[][] {{"server", "delete", "web-1"}, {"taskserv", "create", "k", "--server", "s"},
                {"cluster", "create", "c1"}, {"server", "list", "--orchestrated"}, {"taskserv", "list", "--orchestrated"},
                {"server", "show", "web-1", "--orchestrated"}, {"batch", "stats"}, {"workflow", "list"}}) {
            Run r = cli(cfg, cmd);
            assertThat(r.code()).as(String.join(" ", cmd) + "\n" + r).isEqualTo(ExitCode.UNREACHABLE);
            assertThat(r.err()).as(String.join(" ", cmd)).startsWith("error[E_UNREACHABLE]: orchestrator not reachable at http://127.0.0.1:1")
                    .hasLineCount(1);
        }
    }

    @Test
    void envNamesTheSourceOfEachValue() throws Exception {
        Path cfg = TestSupport.config(tmp, "", "[executor]\nmax_attempts = 3\n[storage]\npostgres_password = \"s3cret\"\n");
        Run r = cli(cfg, "env");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).startsWith("KEY").containsPattern("executor.max_attempts +3 +" + java.util.regex.Pattern.quote(cfg.toString()))
                .containsPattern("server.port +9090 +config.defaults.toml \\(shipped defaults\\)")
                .containsPattern("storage.data_dir +" + java.util.regex.Pattern.quote(tmp.resolve("data").toString()) + " +flags")
                .contains("********").doesNotContain("s3cret")
                .contains("layers, each overriding the one before:", cfg + "  (--config)");
        JsonNode j = Json.read(cli(cfg, "env", "--output", "json").out());
        assertThat(j.at("/values/executor.max_attempts/value").asText()).isEqualTo("3");
        assertThat(j.at("/values/executor.max_attempts/source").asText()).isEqualTo(cfg.toString());
        assertThat(j.at("/values/orchestrator.endpoint/value").asText()).isEqualTo("http://127.0.0.1:1");
        String yaml = cli(cfg, "env", "--output", "yaml").out();
        assertThat(yaml).contains("values:", "  executor.max_attempts:", "    source: " + cfg);
    }

    @Test
    void envReportsAnInvalidConfig() throws Exception {
        Path bad = Files.writeString(tmp.resolve("bad.toml"), "[execution]\ndefault_mode = \"sometimes\"\n");
        Run r = run("env", "--config", bad.toString());
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).startsWith("error[E_CONFIG_INVALID]: config error in " + bad + ": execution.default_mode");
    }

    @Test
    void versionWithoutADaemon() throws Exception {
        Path cfg = TestSupport.config(tmp, "", "");
        Run r = cli(cfg, "version");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).containsPattern("cli +\\S+ \\(api v1\\)").contains("daemon      not running at http://127.0.0.1:1",
                "compatible  unknown (no daemon)");
        JsonNode j = Json.read(cli(cfg, "version", "--json").out());
        assertThat(j.path("daemon").path("running").asBoolean()).isFalse();
        assertThat(j.path("compatible").isNull()).isTrue();
    }

    @Test
    void completionScripts() throws Exception {
        Run bash = run("completion", "bash");
        assertThat(bash.code()).isZero();
        assertThat(bash.out()).contains("complete -F _complete_provisioning", "taskserv", "cluster");
        Run zsh = run("completion", "zsh");
        assertThat(zsh.out()).startsWith("#compdef provisioning\n").contains("bashcompinit", "_complete_provisioning");
        Run fish = run("completion", "fish");
        assertThat(fish.code()).isZero();
        assertThat(fish.out()).contains("complete -c provisioning -f\n",
                "complete -c provisioning -n '__fish_use_subcommand' -a server -d 'Create, delete, list and show servers (nulib/servers/*.nu)'",
                "complete -c provisioning -n '__fish_seen_subcommand_from server; and not __fish_seen_subcommand_from create delete list show' -a show",
                "-n '__fish_seen_subcommand_from server; and __fish_seen_subcommand_from create' -l wait",
                "-s o -l output -r -a 'table json yaml'");
        assertThat(run("completion", "tcsh").code()).isEqualTo(ExitCode.USAGE);
        // the fish script is valid fish syntax wherever fish is installed
        String fishBin = System.getenv().getOrDefault("FISH", "/usr/bin/fish");
        if (Files.isExecutable(Path.of(fishBin))) {
            Path f = Files.writeString(tmp.resolve("p.fish"), fish.out());
            Process p = new ProcessBuilder(fishBin, "--no-execute", f.toString()).redirectErrorStream(true).start();
            assertThat(p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes())).isZero();
        }
        // the bash script loads in bash
        Path b = Files.writeString(tmp.resolve("p.bash"), bash.out());
        Process p = new ProcessBuilder("bash", "-c", "source " + b + " && complete -p provisioning").redirectErrorStream(true).start();
        assertThat(p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(new String(p.getInputStream().readAllBytes())).contains("provisioning");
    }
}
