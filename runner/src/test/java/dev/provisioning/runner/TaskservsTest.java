package dev.provisioning.runner;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.provisioning.core.port.Runner.AttemptExit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The task services, servers/show.nu and the provider contract, run as real nu tasks on the local provider. */
class TaskservsTest {
    static final String SERVERS = "local-provider/wuji/servers/";

    @TempDir
    Path dataDir;
    @TempDir
    Path extraLib;
    NulibRun nu;

    @BeforeEach
    void setUp() throws IOException {
        nu = new NulibRun(dataDir, extraLib);
        nu.ok("servers/create.nu", "create-server", "{\"infra\":\"wuji\",\"params\":{\"name\":\"cp-1\",\"plan\":\"small\"}}");
        nu.ok("servers/create.nu", "create-server", "{\"infra\":\"wuji\",\"params\":{\"name\":\"node-2\"}}");
    }

    @AfterEach
    void tearDown() {
        nu.close();
    }

    static String install(String server, String taskserv, String configJson) {
        return "{\"infra\":\"wuji\",\"params\":{\"server\":\"" + server + "\",\"taskserv\":\"" + taskserv + "\""
                + (configJson == null ? "" : ",\"config\":" + configJson) + "}}";
    }

    String file(String server, String taskserv, String name) throws IOException {
        return Files.readString(dataDir.resolve(SERVERS + server + "/taskservs/" + taskserv + "/" + name));
    }

    @Test
    void eachTaskservRendersItsFilesFromItsDefaultsMergedWithTheConfig() throws IOException {
        AttemptExit k = nu.ok("taskservs/create.nu", "create-taskserv", install("cp-1", "kubernetes", "{\"version\":\"1.30\",\"max_pods\":50}"));
        JsonNode r = k.result();
        assertThat(r.get("changed").asBoolean()).isTrue();
        assertThat(r.get("config").get("version").asText()).isEqualTo("1.30");
        assertThat(r.get("config").get("pod_subnet").asText()).isEqualTo("10.244.0.0/16"); // a default
        assertThat(r.get("files")).extracting(JsonNode::asText).containsExactlyInAnyOrder(
                dataDir.resolve(SERVERS + "cp-1/taskservs/kubernetes/kubeadm-config.yaml").toString(),
                dataDir.resolve(SERVERS + "cp-1/taskservs/kubernetes/kubelet-config.yaml").toString());
        assertThat(file("cp-1", "kubernetes", "kubeadm-config.yaml"))
                .contains("kind: InitConfiguration", "kind: ClusterConfiguration", "kubernetesVersion: v1.30", "podSubnet: 10.244.0.0/16");
        assertThat(file("cp-1", "kubernetes", "kubelet-config.yaml")).contains("kind: KubeletConfiguration", "maxPods: 50", "cgroupDriver: systemd");
        // a server whose name does not say control plane joins as a worker
        nu.ok("taskservs/create.nu", "create-taskserv", install("node-2", "kubernetes", null));
        assertThat(file("node-2", "kubernetes", "kubeadm-config.yaml")).contains("kind: JoinConfiguration").doesNotContain("InitConfiguration");

        nu.ok("taskservs/create.nu", "create-taskserv", install("cp-1", "containerd", "{\"registry_mirrors\":{\"docker.io\":[\"https://mirror.local\"]}}"));
        assertThat(file("cp-1", "containerd", "config.toml")).contains("version = 2", "SystemdCgroup = true",
                "[plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors.\"docker.io\"]", "endpoint = [\"https://mirror.local\"]");

        nu.ok("taskservs/create.nu", "create-taskserv", install("cp-1", "cilium", "{\"hubble\":false}"));
        assertThat(file("cp-1", "cilium", "values.yaml")).contains("k8sServicePort: 6443", "mode: kubernetes").containsPattern("hubble:\\n  enabled: false");

        nu.ok("taskservs/create.nu", "create-taskserv", install("cp-1", "postgres",
                "{\"port\":5433,\"settings\":{\"work_mem\":\"4MB\",\"ssl\":true},\"hba\":[{\"type\":\"host\",\"database\":\"app\",\"user\":\"app\",\"address\":\"10.0.0.0/8\",\"method\":\"scram-sha-256\"}]}"));
        assertThat(file("cp-1", "postgres", "postgresql.conf")).contains("port = 5433", "work_mem = '4MB'", "ssl = on", "listen_addresses = 'localhost'");
        assertThat(file("cp-1", "postgres", "pg_hba.conf")).contains("host\tapp\tapp\t10.0.0.0/8\tscram-sha-256").doesNotContain("peer");

        // the effective config is kept as <taskserv>.toml next to the files
        assertThat(Files.readString(dataDir.resolve(SERVERS + "cp-1/taskservs/postgres.toml"))).contains("port = 5433", "version = \"16\"");
    }

    @Test
    void installIsIdempotentAndANewConfigRewritesTheFiles() throws IOException {
        String req = install("cp-1", "postgres", "{\"max_connections\":200}");
        assertThat(nu.ok("taskservs/create.nu", "create-taskserv", req).result().get("changed").asBoolean()).isTrue();
        Path conf = dataDir.resolve(SERVERS + "cp-1/taskservs/postgres/postgresql.conf");
        var before = Files.getLastModifiedTime(conf);
        assertThat(nu.ok("taskservs/create.nu", "create-taskserv", req).result().get("changed").asBoolean()).isFalse();
        assertThat(Files.getLastModifiedTime(conf)).isEqualTo(before);
        assertThat(nu.ok("taskservs/create.nu", "create-taskserv", install("cp-1", "postgres", "{\"max_connections\":300}"))
                .result().get("changed").asBoolean()).isTrue();
        assertThat(Files.readString(conf)).contains("max_connections = 300");
    }

    @Test
    void listShowAndRemove() throws IOException {
        nu.ok("taskservs/create.nu", "create-taskserv", install("cp-1", "containerd", null));
        nu.ok("taskservs/create.nu", "create-taskserv", install("cp-1", "kubernetes", null));
        nu.ok("taskservs/create.nu", "create-taskserv", install("node-2", "containerd", null));

        JsonNode all = nu.ok("taskservs/list.nu", "list-taskservs", "{}").result();
        List<String> seen = new ArrayList<>();
        all.forEach(t -> seen.add(t.get("infra").asText() + "/" + t.get("server").asText() + "/" + t.get("taskserv").asText()));
        assertThat(seen).containsExactly("wuji/cp-1/containerd", "wuji/cp-1/kubernetes", "wuji/node-2/containerd");
        JsonNode first = all.get(0);
        assertThat(first.get("provider").asText()).isEqualTo("local");
        assertThat(first.get("path").asText()).isEqualTo(dataDir.resolve(SERVERS + "cp-1/taskservs/containerd.toml").toString());
        assertThat(first.get("files")).hasSize(1);
        assertThat(nu.ok("taskservs/list.nu", "list-taskservs", "{\"infra\":\"wuji\",\"params\":{\"server\":\"node-2\"}}").result()).hasSize(1);
        assertThat(nu.ok("taskservs/list.nu", "list-taskservs", "{\"infra\":\"other\"}").result()).isEmpty();

        JsonNode shown = nu.ok("servers/show.nu", "show-server", "{\"infra\":\"wuji\",\"params\":{\"name\":\"cp-1\"}}").result();
        assertThat(shown.get("name").asText()).isEqualTo("cp-1");
        assertThat(shown.get("spec").get("plan").asText()).isEqualTo("small");
        AttemptExit missing = nu.run("servers/show.nu", "show-server", "{\"infra\":\"wuji\",\"params\":{\"name\":\"ghost\"}}");
        assertThat(missing.succeeded()).isFalse();
        assertThat(NulibRun.err(missing)).contains("server 'ghost' does not exist in infra 'wuji'", "its servers are cp-1, node-2");

        String del = "{\"infra\":\"wuji\",\"params\":{\"server\":\"cp-1\",\"taskserv\":\"kubernetes\"}}";
        assertThat(nu.ok("taskservs/delete.nu", "delete-taskserv", del).result().get("changed").asBoolean()).isTrue();
        assertThat(dataDir.resolve(SERVERS + "cp-1/taskservs/kubernetes")).doesNotExist();
        assertThat(dataDir.resolve(SERVERS + "cp-1/taskservs/kubernetes.toml")).doesNotExist();
        assertThat(nu.ok("taskservs/delete.nu", "delete-taskserv", del).result().get("changed").asBoolean()).isFalse();
        assertThat(nu.ok("taskservs/list.nu", "list-taskservs", "{\"infra\":\"wuji\",\"params\":{\"server\":\"cp-1\"}}").result()).hasSize(1);
    }

    @Test
    void errorsNameWhatIsWrongAndWhere() {
        AttemptExit unknown = nu.run("taskservs/create.nu", "create-taskserv", install("cp-1", "nginx", null));
        assertThat(unknown.succeeded()).isFalse();
        assertThat(NulibRun.err(unknown)).contains("unknown taskserv 'nginx'", "wuji/cp-1", "known taskservs: containerd, kubernetes, cilium, postgres, apps");
        AttemptExit noServer = nu.run("taskservs/create.nu", "create-taskserv", install("ghost", "postgres", null));
        assertThat(NulibRun.err(noServer)).contains("server 'ghost' does not exist in infra 'wuji'");
        AttemptExit badHba = nu.run("taskservs/create.nu", "create-taskserv", install("cp-1", "postgres", "{\"hba\":[{\"type\":\"host\",\"database\":\"all\"}]}"));
        assertThat(NulibRun.err(badHba)).contains("taskserv postgres on wuji/cp-1", "config.hba[0]");
        AttemptExit badRole = nu.run("taskservs/create.nu", "create-taskserv", install("cp-1", "kubernetes", "{\"role\":\"boss\"}"));
        assertThat(NulibRun.err(badRole)).contains("taskserv kubernetes on wuji/cp-1", "config.role", "boss");
        AttemptExit traversal = nu.run("taskservs/create.nu", "create-taskserv", install("../etc", "postgres", null));
        assertThat(NulibRun.err(traversal)).contains("invalid server name '../etc'");
        AttemptExit provider = nu.run("servers/show.nu", "show-server", "{\"infra\":\"wuji\",\"params\":{\"provider\":\"aws\"}}");
        assertThat(NulibRun.err(provider)).contains("unknown provider 'aws'", "available providers are local");
    }

    /** A provider added as one module in a lib dir is found and called, without touching nulib. */
    @Test
    void aProviderIsOneModuleInALibDir() throws IOException {
        Path module = extraLib.resolve("providers/fake/provider.nu");
        Files.createDirectories(module.getParent());
        Files.writeString(module, """
                # A provider that keeps its servers in one JSON file of the data dir.
                def store [] { $env.PROVISIONING_DATA_DIR | path join "fake-servers.json" }
                def servers [] { if (store | path exists) { open --raw (store) | from json } else { [] } }
                export def create-server [infra: string, name: string, spec: record] {
                    print "PROGRESS: 50 fake: creating"
                    let s = {name: $name, infra: $infra, provider: "fake", status: "running", spec: $spec}
                    servers | append $s | to json | save --force (store)
                    $s | insert changed true
                }
                export def delete-server [infra: string, name: string] { {name: $name, infra: $infra, changed: false} }
                export def list-servers [infra?: string] { servers | where {|s| $infra == null or $s.infra == $infra } }
                export def show-server [infra: string, name: string] { servers | where name == $name | get 0? }
                export def install-taskserv [infra: string, server: string, taskserv: string, config: record, files: list] {
                    {path: $"fake://($server)/($taskserv)", files: ($files | get path), changed: true}
                }
                export def remove-taskserv [infra: string, server: string, taskserv: string] { {path: "", changed: false} }
                export def list-taskservs [infra?: string, server?: string] { [] }
                """);
        var rec = new TestSupport.Recorder();
        AttemptExit c = nu.run("servers/create.nu", "create-server", "{\"infra\":\"lab\",\"params\":{\"name\":\"x-1\",\"provider\":\"fake\",\"plan\":\"p\"}}", rec);
        assertThat(c.succeeded()).as("%s", c.stderrTail()).isTrue();
        assertThat(c.result().get("provider").asText()).isEqualTo("fake");
        assertThat(c.result().get("spec").get("plan").asText()).isEqualTo("p");
        assertThat(rec.progress).extracting(TestSupport.Recorder.Progress::message).contains("fake: creating");
        assertThat(nu.ok("servers/list.nu", "list-servers", "{\"params\":{\"provider\":\"fake\"}}").result()).hasSize(1);
        JsonNode ts = nu.ok("taskservs/create.nu", "create-taskserv",
                "{\"infra\":\"lab\",\"params\":{\"server\":\"x-1\",\"taskserv\":\"cilium\",\"provider\":\"fake\"}}").result();
        assertThat(ts.get("path").asText()).isEqualTo("fake://x-1/cilium");
        assertThat(ts.get("files").get(0).asText()).isEqualTo("values.yaml");
        AttemptExit unknown = nu.run("servers/show.nu", "show-server", "{\"infra\":\"wuji\",\"params\":{\"provider\":\"aws\"}}");
        assertThat(NulibRun.err(unknown)).contains("available providers are fake, local");
    }
}
