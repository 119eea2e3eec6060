package dev.provisioning.cli.direct;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioning.cli.CliException;
import dev.provisioning.cli.ExitCode;
import dev.provisioning.cli.TestSupport;
import dev.provisioning.core.model.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DirectRunner against the real nu, with a small module library written here. */
class DirectRunnerTest {
    @TempDir
    Path tmp;
    Path lib;
    Path data;
    final List<DirectRunner.Progress> progress = Collections.synchronizedList(new ArrayList<>());
    final List<String> output = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void library() throws Exception {
        lib = Files.createDirectories(tmp.resolve("lib"));
        data = tmp.resolve("data");
        Files.createDirectories(lib.resolve("demo"));
        Files.writeString(lib.resolve("demo/echo.nu"), """
                # echoes its request back, with what it saw in the environment
                export def echo-req [req: record] {
                  print "PROGRESS: 10 starting"
                  print "a plain line"
                  print "CHECKPOINT: {\\"step\\": 1}"
                  print "PROGRESS: 100 done"
                  { req: $req, data_dir: $env.PROVISIONING_DATA_DIR, extra: ($env.EXTRA_VAR? | default "unset") }
                }
                export def nothing [req: record] { null }
                export def fail [req: record] {
                  print -e "about to fail"
                  error make { msg: $"cannot create ($req.name)" }
                }
                export def slow [req: record] { sleep 10sec }
                def hidden [req: record] { 1 }
                """);
    }

    DirectRunner runner(Duration timeout) {
        return new DirectRunner(TestSupport.nu(), List.of(lib), Map.of("EXTRA_VAR", "from-config"), data, timeout);
    }

    JsonNode run(String module, String function, JsonNode params) {
        return runner(Duration.ofSeconds(30)).run(module, function, params, progress::add, output::add);
    }

    @Test
    void passesParamsAsJsonAndReturnsTheResult() {
        // values that would break generated code if they were ever spliced into it
        ObjectNode params = Json.MAPPER.createObjectNode().put("name", "x'; rm -rf / ; '\")").put("n", 3);
        params.putArray("tags").add("a b").add("$env.HOME");
        JsonNode r = run("demo/echo.nu", "echo-req", params);
        assertThat(r.get("req")).isEqualTo(params);
        assertThat(r.get("data_dir").asText()).isEqualTo(data.toString());
        assertThat(r.get("extra").asText()).isEqualTo("from-config");
        assertThat(Files.isDirectory(data)).isTrue();
        assertThat(progress).containsExactly(new DirectRunner.Progress(10, "starting"), new DirectRunner.Progress(100, "done"));
        assertThat(output).containsExactly("a plain line");
    }

    @Test
    void nuEndsWithoutRenderingTheLastValue() throws Exception {
        // Left to end on its own, nu -c renders the script's last value; with no terminal it asks `tput` for the
        // size, 4 processes per run (D39). A `tput` on PATH records any call.
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path calls = tmp.resolve("tput-calls");
        Path tput = Files.writeString(bin.resolve("tput"), "#!/bin/sh\necho \"$@\" >> '" + calls + "'\n");
        tput.toFile().setExecutable(true);
        DirectRunner r = new DirectRunner(TestSupport.nu(), List.of(lib), Map.of("PATH", bin + ":" + System.getenv("PATH")),
                data, Duration.ofSeconds(30));
        assertThat(r.run("demo/echo.nu", "nothing", Json.MAPPER.createObjectNode(), progress::add, output::add).isNull()).isTrue();
        assertThat(calls).doesNotExist();
    }

    @Test
    void aNullResultIsNull() {
        JsonNode r = run("demo/echo.nu", "nothing", Json.MAPPER.createObjectNode());
        assertThat(r == null || r.isNull()).isTrue();
    }

    @Test
    void aFailingFunctionIsAnErrorWithNushellsMessage() {
        assertThatThrownBy(() -> run("demo/echo.nu", "fail", Json.MAPPER.createObjectNode().put("name", "web-1")))
                .isInstanceOfSatisfying(CliException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(ExitCode.FAILED);
                    assertThat(e.code()).isEqualTo("E_TASK_FAILED");
                    assertThat(e.getMessage()).isEqualTo("demo/echo.nu fail failed (nu exit 1): cannot create web-1");
                    assertThat(e.where()).isEqualTo("demo/echo.nu fail");
                });
        assertThat(output).contains("about to fail");
    }

    @Test
    void onlyExportedFunctionsOfModulesInsideTheLibRun() throws Exception {
        Files.writeString(tmp.resolve("outside.nu"), "export def f [req: record] { 1 }\n");
        assertThatThrownBy(() -> run("../outside.nu", "f", Json.MAPPER.createObjectNode()))
                .isInstanceOfSatisfying(CliException.class, e -> assertThat(e.code()).isEqualTo("E_MODULE_OUTSIDE_LIB"));
        assertThatThrownBy(() -> run("demo/missing.nu", "f", Json.MAPPER.createObjectNode()))
                .isInstanceOfSatisfying(CliException.class, e -> assertThat(e.code()).isEqualTo("E_MODULE_NOT_FOUND"));
        assertThatThrownBy(() -> run("demo/echo.nu", "hidden", Json.MAPPER.createObjectNode()))
                .isInstanceOfSatisfying(CliException.class, e -> assertThat(e.code()).isEqualTo("E_INVALID_FUNCTION"));
        assertThatThrownBy(() -> run("demo/echo.nu", "echo-req; rm -rf /", Json.MAPPER.createObjectNode()))
                .isInstanceOfSatisfying(CliException.class, e -> assertThat(e.code()).isEqualTo("E_INVALID_FUNCTION"));
    }

    @Test
    void aRunPastItsTimeoutIsKilled() {
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> runner(Duration.ofSeconds(1)).run("demo/echo.nu", "slow", Json.MAPPER.createObjectNode(),
                progress::add, output::add))
                .isInstanceOfSatisfying(CliException.class, e -> assertThat(e.code()).isEqualTo("E_TIMEOUT"));
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(8));
    }

    @Test
    void aMissingNuBinaryIsReported() {
        DirectRunner r = new DirectRunner(tmp.resolve("no-nu").toString(), List.of(lib), Map.of(), data, Duration.ofSeconds(5));
        assertThatThrownBy(() -> r.run("demo/echo.nu", "nothing", Json.MAPPER.createObjectNode(), p -> { }, l -> { }))
                .isInstanceOfSatisfying(CliException.class, e -> {
                    assertThat(e.code()).isEqualTo("E_NU_NOT_FOUND");
                    assertThat(e.where()).isEqualTo("nushell.binary");
                });
    }

    @Test
    void theWrapperHoldsOnlyThePathAndTheFunctionName() {
        assertThat(DirectRunner.wrapper(Path.of("/opt/p/nulib/servers/create.nu"), "create-server")).isEqualTo("""
                use '/opt/p/nulib/servers/create.nu' *
                let r = (create-server ($env.PROVISIONING_PARAMS | from json))
                $r | to json -r | save -f $env.PROVISIONING_RESULT_FILE
                exit 0
                """);
        assertThatThrownBy(() -> DirectRunner.wrapper(Path.of("/tmp/it's.nu"), "f")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DirectRunner.wrapper(Path.of("/tmp/a.nu"), "f x")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void summaryPicksNushellsErrorLine() {
        assertThat(DirectRunner.summary(List.of("Error: nu::shell::error", "", "  x boom", "   ,-[x.nu:1:1]"))).isEqualTo("boom");
        assertThat(DirectRunner.summary(List.of("Error: nu::shell::error", "", "  x local: server 'web-1' already exists with a",
                "  | different spec;", "  | delete it first.", "  |", "   ,-[x.nu:47:20]", " 46 |  }"))).isEqualTo(
                "local: server 'web-1' already exists with a different spec; delete it first.");
        assertThat(DirectRunner.summary(List.of("first", "last", ""))).isEqualTo("last");
        assertThat(DirectRunner.summary(List.of())).isEqualTo("no error output");
    }
}
