package dev.provisioning.runner;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.provisioning.core.model.Json;
import dev.provisioning.core.port.Runner.AttemptExit;
import dev.provisioning.runner.TestSupport.Recorder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the real nulib (local provider) through the runner, with the state under a temporary data dir. */
class NulibTest {
    @TempDir
    Path dataDir;
    NulibRun nu;

    @BeforeEach
    void setUp() {
        nu = new NulibRun(dataDir);
    }

    @AfterEach
    void tearDown() {
        nu.close();
    }

    private AttemptExit run(String module, String function, String reqJson, Recorder rec) {
        return nu.run(module, function, reqJson, rec);
    }

    private AttemptExit run(String module, String function, String reqJson) {
        return nu.run(module, function, reqJson);
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

    @Test
    void anAttemptRetriedUnderTheSameIdempotencyKeyReturnsTheFirstResultWithoutRedoingTheWork() throws IOException {
        String req = "{\"infra\":\"wuji\",\"params\":{\"name\":\"db-1\"}}";
        AttemptExit first = nu.run("servers/create.nu", "create-server", req, "wf-1/db", new Recorder());
        assertThat(first.succeeded()).as("%s", first.stderrTail()).isTrue();
        Path file = dataDir.resolve("local-provider/wuji/servers/db-1.json");
        Files.delete(file); // an attempt that ran again would create it again
        Recorder rec = new Recorder();
        AttemptExit retry = nu.run("servers/create.nu", "create-server", req, "wf-1/db", rec);
        assertThat(retry.result()).isEqualTo(first.result());
        assertThat(retry.result().get("changed").asBoolean()).isTrue();
        assertThat(file).doesNotExist();
        assertThat(rec.progress.getLast().message()).contains("already done by an earlier attempt");
        assertThat(dataDir.resolve("idempotency")).isDirectory();

        // the rollback of that task ("<key>/rollback") drops the entry: the forward task would run again
        AttemptExit undo = nu.run("servers/delete.nu", "delete-server", req, "wf-1/db/rollback", new Recorder());
        assertThat(undo.succeeded()).as("%s", undo.stderrTail()).isTrue();
        AttemptExit again = nu.run("servers/create.nu", "create-server", req, "wf-1/db", new Recorder());
        assertThat(again.result().get("id")).isNotEqualTo(first.result().get("id"));
        assertThat(file).exists();

        // the same key with another request is not a retry: it runs (and fails on the conflict)
        AttemptExit other = nu.run("servers/create.nu", "create-server",
                "{\"infra\":\"wuji\",\"params\":{\"name\":\"db-1\",\"plan\":\"big\"}}", "wf-1/db", new Recorder());
        assertThat(other.succeeded()).isFalse();
        assertThat(other.stderrTail()).contains("already exists with a different spec");
    }
}
