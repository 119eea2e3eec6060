package dev.provisioning.runner;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.provisioning.core.model.Action;
import dev.provisioning.core.model.Json;
import dev.provisioning.core.port.Runner.AttemptExit;
import dev.provisioning.core.port.Runner.AttemptSpec;
import dev.provisioning.runner.TestSupport.Recorder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the real nulib (local provider) through the runner, with the state under a temporary data dir. */
class NulibTest {
    @TempDir
    Path dataDir;
    ProcessRunner runner;
    int attempt;

    @BeforeEach
    void setUp() {
        runner = new ProcessRunner(new RunnerSettings(TestSupport.nu(), List.of(TestSupport.nulib()), Map.of(),
                Duration.ofSeconds(1), "http://127.0.0.1:9", "t", dataDir));
    }

    @AfterEach
    void tearDown() {
        runner.close();
    }

    private AttemptExit run(String module, String function, String reqJson, Recorder rec) {
        attempt++;
        Path runDir = dataDir.resolve("runs/wf/" + function + "/" + attempt);
        runner.start(new AttemptSpec("wf", function, attempt, new Action.Nu(module, function, Json.read(reqJson)),
                "k", null, null, Duration.ofSeconds(30), runDir), rec);
        return rec.await();
    }

    private AttemptExit run(String module, String function, String reqJson) {
        return run(module, function, reqJson, new Recorder());
    }

    @Test
    void createServerTwiceIsANoOpTheSecondTime() throws IOException {
        Recorder rec = new Recorder();
        AttemptExit first = run("servers/create.nu", "create-server",
                "{\"infra\":\"wuji\",\"params\":{\"plan\":\"small\"}}", rec);
        assertThat(first.succeeded()).as("%s", first.stderrTail()).isTrue();
        JsonNode server = first.result();
        assertThat(server.get("changed").asBoolean()).isTrue();
        assertThat(server.get("name").asText()).isEqualTo("wuji");
        assertThat(server.get("provider").asText()).isEqualTo("local");
        assertThat(server.get("status").asText()).isEqualTo("running");
        assertThat(server.get("spec")).isEqualTo(Json.read("{\"plan\":\"small\"}"));
        assertThat(rec.progress).isNotEmpty();
        assertThat(rec.progress.getLast().percent()).isEqualTo(100);

        Path file = dataDir.resolve("local-provider/wuji/servers/wuji.json");
        assertThat(file).exists();
        String before = Files.readString(file);

        AttemptExit second = run("servers/create.nu", "create-server", "{\"infra\":\"wuji\",\"params\":{\"plan\":\"small\"}}");
        assertThat(second.succeeded()).as("%s", second.stderrTail()).isTrue();
        assertThat(second.result().get("changed").asBoolean()).isFalse();
        assertThat(second.result().get("id")).isEqualTo(server.get("id"));
        assertThat(Files.readString(file)).isEqualTo(before);

        AttemptExit conflict = run("servers/create.nu", "create-server", "{\"infra\":\"wuji\",\"params\":{\"plan\":\"big\"}}");
        assertThat(conflict.succeeded()).isFalse();
        assertThat(conflict.stderrTail()).contains("already exists with a different spec");
    }

    @Test
    void serversAndTaskservsLifecycle() throws IOException {
        assertThat(run("servers/create.nu", "create-server", "{\"infra\":\"wuji\",\"params\":{\"name\":\"web-1\"}}")
                .succeeded()).isTrue();
        AttemptExit unknown = run("servers/create.nu", "create-server", "{\"infra\":\"wuji\",\"params\":{\"provider\":\"aws\"}}");
        assertThat(unknown.succeeded()).isFalse();
        assertThat(unknown.stderrTail()).contains("unknown provider 'aws'");

        String ts = "{\"infra\":\"wuji\",\"params\":{\"server\":\"web-1\",\"taskserv\":\"kubernetes\","
                + "\"config\":{\"version\":\"1.31\",\"cni\":{\"name\":\"cilium\"}}}}";
        AttemptExit t1 = run("taskservs/create.nu", "create-taskserv", ts);
        assertThat(t1.succeeded()).as("%s", t1.stderrTail()).isTrue();
        assertThat(t1.result().get("changed").asBoolean()).isTrue();
        Path toml = dataDir.resolve("local-provider/wuji/servers/web-1/taskservs/kubernetes.toml");
        assertThat(Files.readString(toml)).contains("version = \"1.31\"").contains("[cni]");
        assertThat(run("taskservs/create.nu", "create-taskserv", ts).result().get("changed").asBoolean()).isFalse();

        AttemptExit noServer = run("taskservs/create.nu", "create-taskserv",
                "{\"infra\":\"wuji\",\"params\":{\"server\":\"ghost\",\"taskserv\":\"kubernetes\"}}");
        assertThat(noServer.succeeded()).isFalse();
        assertThat(noServer.stderrTail()).contains("server 'ghost' does not exist");

        AttemptExit list = run("servers/list.nu", "list-servers", "{}");
        assertThat(list.result().isArray()).isTrue();
        assertThat(list.result()).extracting(n -> n.get("name").asText()).containsExactly("web-1");

        AttemptExit del = run("servers/delete.nu", "delete-server", "{\"infra\":\"wuji\",\"params\":{\"name\":\"web-1\"}}");
        assertThat(del.result().get("changed").asBoolean()).isTrue();
        assertThat(toml).doesNotExist();
        assertThat(run("servers/delete.nu", "delete-server", "{\"infra\":\"wuji\",\"params\":{\"name\":\"web-1\"}}")
                .result().get("changed").asBoolean()).isFalse();
        assertThat(run("servers/list.nu", "list-servers", "{\"infra\":\"wuji\"}").result()).isEmpty();
    }
}
