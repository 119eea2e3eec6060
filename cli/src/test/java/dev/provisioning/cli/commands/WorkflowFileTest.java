package dev.provisioning.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.provisioning.cli.CliException;
import dev.provisioning.cli.ExitCode;
import dev.provisioning.cli.client.ApiException;
import dev.provisioning.core.model.Json;
import dev.provisioning.core.model.Priority;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Workflow file types, KCL/Nickel export through their binaries, --priority, and the daemon's errors told per file. */
class WorkflowFileTest {
    static final Duration T = Duration.ofSeconds(20);
    static final String TOML = "[workflow]\nname = \"w\"\n\n[[task]]\nid = \"a\"\ncommand = [\"true\"]\n";

    @TempDir
    Path tmp;

    @ParameterizedTest
    @CsvSource({"deploy.toml,TOML,application/toml", "deploy.json,JSON,application/json", "deploy.yaml,YAML,application/yaml",
            "deploy.yml,YAML,application/yaml", "DEPLOY.TOML,TOML,application/toml", "x.k,KCL,application/json",
            "x.ncl,NICKEL,application/json", "dir/a.b.json,JSON,application/json"})
    void theFormatComesFromTheExtension(String name, WorkflowFile.Format format, String contentType) {
        assertThat(WorkflowFile.detect(Path.of(name))).isEqualTo(format);
        assertThat(format.contentType).isEqualTo(contentType);
    }

    @Test
    void unknownExtensionsAreNotGuessed() {
        for (String n : List.of("deploy", "deploy.txt", "deploy.toml.bak", "deploy.js", "k", "ncl"))
            assertThat(WorkflowFile.detect(Path.of(n))).as(n).isNull();
    }

    @Test
    void tomlJsonAndYamlAreSentAsTheyAre() throws Exception {
        for (String[] c : new String[][] {{"a.toml", TOML, "application/toml"}, {"a.json", "{\"task\":[]}", "application/json"},
                {"a.yml", "task: []\n", "application/yaml"}}) {
            Path f = tmp.resolve(c[0]);
            Files.writeString(f, c[1]);
            WorkflowFile.Document d = WorkflowFile.load(f, null, "", T);
            assertThat(new String(d.body(), StandardCharsets.UTF_8)).isEqualTo(c[1]);
            assertThat(d.contentType()).isEqualTo(c[2]);
            assertThat(d.source()).isEqualTo(f.toString());
        }
    }

    @Test
    void anUnknownTypeOrAMissingFileIsBadInput() {
        assertThatThrownBy(() -> WorkflowFile.load(tmp.resolve("deploy.txt"), null, "", T))
                .isInstanceOfSatisfying(CliException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE);
                    assertThat(e.code()).isEqualTo("E_UNSUPPORTED_FORMAT");
                    assertThat(e.getMessage()).contains("deploy.txt", ".toml, .json, .yaml");
                });
        assertThatThrownBy(() -> WorkflowFile.load(tmp.resolve("nope.toml"), null, "", T))
                .isInstanceOfSatisfying(CliException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE);
                    assertThat(e.getMessage()).endsWith("nope.toml does not exist");
                });
    }

    @Test
    void kclAndNickelWithoutTheirBinaryNameTheFileAndTheCommand() throws Exception {
        Path k = Files.writeString(tmp.resolve("deploy.k"), "x = 1\n");
        assertThatThrownBy(() -> WorkflowFile.load(k, null, tmp.resolve("empty-bin").toString(), T))
                .isInstanceOfSatisfying(CliException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE);
                    assertThat(e.code()).isEqualTo("E_UNSUPPORTED_FORMAT");
                    assertThat(e.getMessage()).startsWith(k + " is a KCL file")
                            .contains("'kcl run " + k + " --format json'", "no 'kcl' on PATH");
                });
        Path n = Files.writeString(tmp.resolve("deploy.ncl"), "{}\n");
        assertThatThrownBy(() -> WorkflowFile.load(n, null, null, T))
                .isInstanceOfSatisfying(CliException.class, e -> assertThat(e.getMessage())
                        .startsWith(n + " is a Nickel file").contains("'nickel export --format json " + n + "'"));
    }

    /** A fake exporter on a private PATH: records its argv and prints a JSON document. */
    Path fakeBinary(String name, String script) throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path f = bin.resolve(name);
        Files.writeString(f, "#!/bin/sh\n" + script);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
        return bin;
    }

    @Test
    void kclAndNickelAreExportedByTheirBinaryWithoutAShell() throws Exception {
        Path argv = tmp.resolve("argv");
        Path bin = fakeBinary("kcl", "printf '%s\\n' \"$@\" > '" + argv + "'\necho '{\"task\":[{\"id\":\"from-kcl\"}]}'\n");
        fakeBinary("nickel", "printf '%s\\n' \"$@\" > '" + argv + "'\necho '{\"task\":[{\"id\":\"from-nickel\"}]}'\n");
        Path k = Files.writeString(tmp.resolve("my deploy;$(x).k"), "x = 1\n");
        WorkflowFile.Document d = WorkflowFile.load(k, null, "/nonexistent:" + bin, T);
        assertThat(d.contentType()).isEqualTo("application/json");
        assertThat(Json.read(new String(d.body(), StandardCharsets.UTF_8)).at("/task/0/id").asText()).isEqualTo("from-kcl");
        assertThat(Files.readAllLines(argv)).containsExactly("run", k.toAbsolutePath().toString(), "--format", "json");
        assertThat(d.source()).isEqualTo(k + " (exported by kcl)");

        Path n = Files.writeString(tmp.resolve("deploy.ncl"), "{}\n");
        d = WorkflowFile.load(n, null, bin.toString(), T);
        assertThat(Json.read(new String(d.body(), StandardCharsets.UTF_8)).at("/task/0/id").asText()).isEqualTo("from-nickel");
        assertThat(Files.readAllLines(argv)).containsExactly("export", "--format", "json", n.toAbsolutePath().toString());
    }

    @Test
    void aFailingExportIsReportedWithItsStderr() throws Exception {
        Path bin = fakeBinary("kcl", "echo 'error: bad thing at line 3' >&2\nexit 4\n");
        Path k = Files.writeString(tmp.resolve("deploy.k"), "x = \n");
        assertThatThrownBy(() -> WorkflowFile.load(k, null, bin.toString(), T))
                .isInstanceOfSatisfying(CliException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE);
                    assertThat(e.code()).isEqualTo("E_EXPORT_FAILED");
                    assertThat(e.getMessage()).contains("kcl run " + k + " --format json", "exited with status 4");
                    assertThat(e.detail()).isEqualTo("error: bad thing at line 3");
                });
    }

    @Test
    void aHangingExportIsKilledAfterTheTimeout() throws Exception {
        Path bin = fakeBinary("nickel", "exec sleep 30\n");
        Path n = Files.writeString(tmp.resolve("deploy.ncl"), "{}\n");
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> WorkflowFile.load(n, null, bin.toString(), Duration.ofMillis(300)))
                .isInstanceOfSatisfying(CliException.class, e -> assertThat(e.getMessage()).contains("did not finish within"));
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void withPriorityTheFileIsStillSentAsItIs() throws Exception {
        Path f = Files.writeString(tmp.resolve("a.toml"), TOML);
        WorkflowFile.Document d = WorkflowFile.load(f, Priority.critical, "", T);
        assertThat(d.body()).isEqualTo(Files.readAllBytes(f));
        assertThat(d.contentType()).isEqualTo("application/toml");
        assertThat(d.priority()).isEqualTo(Priority.critical);
        assertThat(d.sourceParam()).as("its lines are the file's").isEqualTo(f.toString());
        assertThat(WorkflowFile.load(f, null, "", T).priority()).isNull();
    }

    @Test
    void onlyAFileSentAsItIsIsNamedToTheDaemon() throws Exception {
        Path f = Files.writeString(tmp.resolve("a.toml"), TOML);
        assertThat(WorkflowFile.load(f, null, "", T).sourceParam()).isEqualTo(f.toString());
        Path bin = fakeBinary("kcl", "echo '{\"task\":[{\"id\":\"from-kcl\"}]}'\n");
        Path k = Files.writeString(tmp.resolve("deploy.k"), "x = 1\n");
        WorkflowFile.Document d = WorkflowFile.load(k, null, bin.toString(), T);
        assertThat(d.asIs()).isFalse();
        assertThat(d.sourceParam()).isNull();
        // the daemon's line numbers are lines of the exported JSON: not shown as lines of the .k file
        CliException c = WorkflowFile.explain(new ApiException(400, "E_INVALID_WORKFLOW", "x", "request body",
                List.of("request body:3: task 'a': timeout: bad duration", "request body: dependency cycle: a -> a")), d, "");
        assertThat(c.getMessage()).isEqualTo(d.source() + ": 2 errors in the workflow");
        assertThat(c.detail()).isEqualTo(d.source() + ": task 'a': timeout: bad duration\n" + d.source() + ": dependency cycle: a -> a");
    }

    @Test
    void theDaemonsErrorsNameTheFileAndListEveryDetail() {
        WorkflowFile.Document doc = new WorkflowFile.Document(new byte[0], "application/toml", "deploy.toml");
        ApiException e = new ApiException(400, "E_INVALID_WORKFLOW",
                "2 error(s) in workflow request body: request body: task 'a': x (and more, see details)", "request body",
                List.of("request body: task 'a': depends_on: unknown task 'missing'", "request body: dependency cycle: b -> c -> b"));
        CliException c = WorkflowFile.explain(e, doc);
        assertThat(c.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(c.code()).isEqualTo("E_INVALID_WORKFLOW");
        assertThat(c.getMessage()).isEqualTo("deploy.toml: 2 errors in the workflow; nothing was submitted");
        assertThat(c.where()).isNull();
        assertThat(c.detail()).isEqualTo("deploy.toml: task 'a': depends_on: unknown task 'missing'\ndeploy.toml: dependency cycle: b -> c -> b");

        c = WorkflowFile.explain(new ApiException(400, "E_INVALID_WORKFLOW", "request body:3: not valid TOML: oops", "request body:3"), doc);
        assertThat(c.getMessage()).isEqualTo("deploy.toml:3: not valid TOML: oops");
        assertThat(c.where()).isNull();
        assertThat(c.detail()).isNull();

        c = WorkflowFile.explain(new ApiException(413, "E_PAYLOAD_TOO_LARGE", "body over 1048576 bytes", "body"), doc);
        assertThat(c.getMessage()).isEqualTo("body over 1048576 bytes");
        assertThat(c.where()).isEqualTo("body");
    }
}
