package dev.provisioning.runner;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.provisioning.core.port.Runner.AttemptExit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** clusters/create.nu and delete.nu: the workflow documents, and the direct runs in one nu process. */
class ClustersTest {
    static final String DEMO = "{\"infra\":\"wuji\",\"params\":{\"name\":\"demo\",\"plan\":\"small\"}}";

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

    List<String> state() throws IOException {
        Path dir = dataDir.resolve("local-provider/wuji");
        if (!Files.exists(dir)) return List.of();
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }

    @Test
    void theWorkflowDocumentOrdersServersThenContainerdKubernetesCiliumWithRollbacks() {
        JsonNode doc = nu.ok("clusters/create.nu", "cluster-workflow",
                "{\"infra\":\"wuji\",\"params\":{\"name\":\"demo\",\"taskservs\":[\"postgres\",\"cilium\",\"kubernetes\",\"containerd\"]}}").result();
        assertThat(doc.get("workflow").get("on_failure").asText()).isEqualTo("rollback");
        Map<String, JsonNode> tasks = new HashMap<>();
        List<String> ids = new ArrayList<>();
        doc.get("task").forEach(t -> {
            tasks.put(t.get("id").asText(), t);
            ids.add(t.get("id").asText());
        });
        assertThat(ids).containsExactly("server-demo-cp-1", "server-demo-worker-1", "containerd-demo-cp-1", "containerd-demo-worker-1",
                "kubernetes-demo-cp-1", "kubernetes-demo-worker-1", "cilium-demo-cp-1", "postgres-demo-cp-1");
        assertThat(deps(tasks.get("kubernetes-demo-worker-1"))).containsExactly("server-demo-worker-1", "containerd-demo-worker-1");
        assertThat(deps(tasks.get("cilium-demo-cp-1"))).containsExactly("server-demo-cp-1", "kubernetes-demo-cp-1", "kubernetes-demo-worker-1");
        assertThat(deps(tasks.get("postgres-demo-cp-1"))).containsExactly("server-demo-cp-1");
        JsonNode k = tasks.get("kubernetes-demo-worker-1");
        assertThat(k.get("module").asText()).isEqualTo("taskservs/create.nu");
        assertThat(k.get("function").asText()).isEqualTo("create-taskserv");
        assertThat(k.get("args").get("params").get("config").get("role").asText()).isEqualTo("worker");
        assertThat(k.get("args").get("params").get("config").get("control_plane_endpoint").asText()).isEqualTo("demo-cp-1:6443");
        assertThat(k.get("rollback").get("function").asText()).isEqualTo("delete-taskserv");
        assertThat(tasks.get("server-demo-cp-1").get("rollback").get("args").get("params").get("name").asText()).isEqualTo("demo-cp-1");
        for (JsonNode t : tasks.values()) assertThat(t.has("rollback")).as(t.toString()).isTrue();

        JsonNode del = nu.ok("clusters/delete.nu", "cluster-delete-workflow", DEMO).result();
        Map<String, JsonNode> d = new HashMap<>();
        del.get("task").forEach(t -> d.put(t.get("id").asText(), t));
        assertThat(deps(d.get("delete-server-demo-cp-1"))).contains("delete-kubernetes-demo-cp-1", "delete-containerd-demo-cp-1", "delete-cilium-demo-cp-1");
        assertThat(deps(d.get("delete-containerd-demo-worker-1"))).containsExactly("delete-kubernetes-demo-worker-1");
        assertThat(deps(d.get("delete-cilium-demo-cp-1"))).isEmpty();
    }

    static List<String> deps(JsonNode task) {
        List<String> out = new ArrayList<>();
        task.get("depends_on").forEach(x -> out.add(x.asText()));
        return out;
    }

    @Test
    void createClusterRunsEveryStepHereIsIdempotentAndDeleteClusterUndoesIt() throws IOException {
        TestSupport.Recorder rec = new TestSupport.Recorder();
        AttemptExit created = nu.run("clusters/create.nu", "create-cluster", DEMO, rec);
        assertThat(created.succeeded()).as("%s", created.stderrTail()).isTrue();
        assertThat(created.result().get("changed").asBoolean()).isTrue();
        assertThat(created.result().get("steps")).hasSize(7);
        assertThat(state()).containsExactly(
                "servers/demo-cp-1.json",
                "servers/demo-cp-1/taskservs/cilium.toml",
                "servers/demo-cp-1/taskservs/cilium/values.yaml",
                "servers/demo-cp-1/taskservs/containerd.toml",
                "servers/demo-cp-1/taskservs/containerd/config.toml",
                "servers/demo-cp-1/taskservs/kubernetes.toml",
                "servers/demo-cp-1/taskservs/kubernetes/kubeadm-config.yaml",
                "servers/demo-cp-1/taskservs/kubernetes/kubelet-config.yaml",
                "servers/demo-worker-1.json",
                "servers/demo-worker-1/taskservs/containerd.toml",
                "servers/demo-worker-1/taskservs/containerd/config.toml",
                "servers/demo-worker-1/taskservs/kubernetes.toml",
                "servers/demo-worker-1/taskservs/kubernetes/kubeadm-config.yaml",
                "servers/demo-worker-1/taskservs/kubernetes/kubelet-config.yaml");
        Path servers = dataDir.resolve("local-provider/wuji/servers");
        assertThat(Files.readString(servers.resolve("demo-worker-1/taskservs/kubernetes/kubeadm-config.yaml")))
                .contains("kind: JoinConfiguration", "apiServerEndpoint: demo-cp-1:6443");
        assertThat(Files.readString(servers.resolve("demo-cp-1.json"))).contains("\"plan\": \"small\"", "\"role\": \"control-plane\"");
        // progress only goes up, from 0 to 100, across all steps
        List<Integer> pct = rec.progress.stream().map(TestSupport.Recorder.Progress::percent).toList();
        assertThat(pct).isSorted();
        assertThat(pct.getLast()).isEqualTo(100);

        AttemptExit again = nu.ok("clusters/create.nu", "create-cluster", DEMO);
        assertThat(again.result().get("changed").asBoolean()).isFalse();

        AttemptExit deleted = nu.ok("clusters/delete.nu", "delete-cluster", DEMO);
        assertThat(deleted.result().get("changed").asBoolean()).isTrue();
        assertThat(state()).isEmpty();
        assertThat(nu.ok("clusters/delete.nu", "delete-cluster", DEMO).result().get("changed").asBoolean()).isFalse();
    }

    @Test
    void aFailedStepUndoesTheStepsBeforeItAndNamesTheStep() throws IOException {
        // a server of another spec under one of the cluster's names makes its create step fail
        nu.ok("servers/create.nu", "create-server", "{\"infra\":\"wuji\",\"params\":{\"name\":\"demo-worker-1\",\"plan\":\"big\"}}");
        List<String> before = state();
        AttemptExit failed = nu.run("clusters/create.nu", "create-cluster", DEMO);
        assertThat(failed.succeeded()).isFalse();
        assertThat(NulibRun.err(failed)).contains("create-cluster wuji/demo: step server-demo-worker-1 failed, 1 earlier steps undone",
                "already exists with a different spec");
        assertThat(state()).isEqualTo(before);
    }

    @Test
    void badRequestsAreRejectedWithWhatAndWhere() {
        AttemptExit ts = nu.run("clusters/create.nu", "cluster-workflow", "{\"infra\":\"wuji\",\"params\":{\"name\":\"demo\",\"taskservs\":[\"nginx\"]}}");
        assertThat(NulibRun.err(ts)).contains("cluster 'demo' in infra 'wuji'", "unknown taskserv 'nginx'", "known taskservs: containerd");
        AttemptExit dup = nu.run("clusters/create.nu", "create-cluster", "{\"infra\":\"wuji\",\"params\":{\"name\":\"demo\",\"servers\":[\"a\",\"a\"]}}");
        assertThat(NulibRun.err(dup)).contains("names a server twice");
        AttemptExit bad = nu.run("clusters/create.nu", "create-cluster", "{\"infra\":\"wuji\",\"params\":{\"name\":\"demo\",\"servers\":[\"../x\"]}}");
        assertThat(NulibRun.err(bad)).contains("invalid server", "name '../");
    }
}
