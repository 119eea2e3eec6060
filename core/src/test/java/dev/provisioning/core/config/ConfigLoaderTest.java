package dev.provisioning.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.provisioning.core.error.ErrorCode;
import dev.provisioning.core.error.ProvisioningException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConfigLoaderTest {

    @TempDir Path dir;

    /** Install root and data dir under the temp dir, so nothing reads the real /etc, ~/.config or $HOME. */
    private Map<String, String> baseEnv() {
        Map<String, String> env = new HashMap<>();
        env.put("XDG_DATA_HOME", dir.resolve("xdg-data").toString());
        env.put("PATH", "/usr/bin:/bin");
        env.put("HOME", dir.resolve("home").toString());
        return env;
    }

    private Path installRoot() { return dir.resolve("install"); }

    private Config load(List<Path> optional, List<Path> required, Map<String, String> env, Map<String, String> flags) {
        return ConfigLoader.load(new ConfigLoader.Sources(optional, required, env, flags, installRoot()));
    }

    private Config loadFile(String toml) throws IOException {
        return load(List.of(), List.of(write("config.toml", toml)), baseEnv(), Map.of());
    }

    private Path write(String name, String text) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, text);
        return f;
    }

    private static ProvisioningException configError(ThrowingCallable c) {
        ProvisioningException e = catchThrowableOfType(ProvisioningException.class, c);
        assertThat(e).as("expected a ProvisioningException").isNotNull();
        assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID);
        assertThat(e.getMessage()).startsWith("config error in ");
        return e;
    }

    private ProvisioningException fileError(String toml) throws IOException {
        Path f = write("bad.toml", toml);
        ProvisioningException e = configError(() -> load(List.of(f), List.of(), baseEnv(), Map.of()));
        assertThat(e.getMessage()).contains(f.toString());
        assertThat(e.where()).startsWith(f.toString());
        return e;
    }

    // ------------------------------------------------------------------------------------------------ defaults

    @Test
    void shippedDefaultsLoadIntoASealedConfig() {
        Config c = load(List.of(), List.of(), baseEnv(), Map.of());

        assertThat(c.server()).isEqualTo(new Config.Server("127.0.0.1", 9090, true, 1_048_576, 33_554_432, 30, 1000, 200, 15));
        assertThat(c.storage().backend()).isEqualTo("sqlite");
        assertThat(c.storage().dataDir()).isEqualTo(dir.resolve("xdg-data").resolve("provisioning"));
        assertThat(c.storage().postgresUrl()).isEmpty();
        assertThat(c.executor()).isEqualTo(new Config.Executor(10, 3600, 10, 1, 60, 0));
        assertThat(c.nushell().binary()).isEqualTo("nu");
        assertThat(c.nushell().libDirs()).containsExactly(installRoot().resolve("nulib"));
        assertThat(c.nushell().envVars()).isEmpty();
        assertThat(c.orchestrator()).isEqualTo(new Config.Orchestrator("http://127.0.0.1:9090", true, 60));
        assertThat(c.execution().defaultMode()).isEqualTo("auto");
        assertThat(c.execution().fallbackToDirect()).isTrue();
        assertThat(c.execution().forceOrchestrated())
                .containsExactly("server.create", "server.delete", "taskserv.create", "taskserv.delete", "cluster.create", "cluster.delete", "batch.*", "workflow.*");
        assertThat(c.execution().forceDirect()).containsExactly("*.list", "*.show", "help", "version", "env");
    }

    @Test
    void configIsImmutable() {
        Config c = load(List.of(), List.of(), baseEnv(), Map.of("nushell.env_vars", "{ A = \"1\" }"));
        assertThat(c.nushell().envVars()).isUnmodifiable();
        assertThat(c.nushell().libDirs()).isUnmodifiable();
        assertThat(c.execution().forceDirect()).isUnmodifiable();
        assertThat(c.execution().forceOrchestrated()).isUnmodifiable();
    }

    @Test
    void dataDirFallsBackToHomeWithoutXdgDataHome() {
        assertThat(ConfigLoader.defaultDataDir(Map.of()))
                .isEqualTo(Path.of(System.getProperty("user.home"), ".local", "share", "provisioning"));
        assertThat(ConfigLoader.defaultDataDir(Map.of("XDG_DATA_HOME", " ")))
                .isEqualTo(Path.of(System.getProperty("user.home"), ".local", "share", "provisioning"));
        assertThat(ConfigLoader.defaultDataDir(Map.of("XDG_DATA_HOME", "/srv/data")))
                .isEqualTo(Path.of("/srv/data/provisioning"));
    }

    @Test
    void emptyProvisioningLibResolvesToInstallRootNulib() throws IOException {
        assertThat(loadFile("[nushell]\nprovisioning_lib = \"\"\n").nushell().libDirs())
                .containsExactly(installRoot().resolve("nulib"));
    }

    @Test
    void provisioningLibListsSeveralAbsoluteNormalizedDirs() throws IOException {
        Config c = loadFile("[nushell]\nprovisioning_lib = \"/opt/a/../lib1::/opt/lib2/\"\n");
        assertThat(c.nushell().libDirs()).containsExactly(Path.of("/opt/lib1"), Path.of("/opt/lib2"));

        Config rel = loadFile("[nushell]\nprovisioning_lib = \"my/lib\"\n");
        assertThat(rel.nushell().libDirs()).singleElement()
                .satisfies(p -> assertThat(p.isAbsolute()).isTrue())
                .satisfies(p -> assertThat(p.endsWith(Path.of("my/lib"))).isTrue());
    }

    // ------------------------------------------------------------------------------------------------ files

    @Test
    void tomlFileOverridesOnlyTheKeysItSets() throws IOException {
        Config c = loadFile("""
                [server]
                port = 9999
                max_body_bytes = 4096

                [storage]
                data_dir = "%s"

                [executor]
                max_concurrent_tasks = 4
                max_attempts = 3

                [nushell]
                binary = "/usr/local/bin/nu"

                [execution]
                default_mode = "orchestrated"
                force_direct = ["server.list"]
                """.formatted(dir.resolve("data/../state")));
        assertThat(c.server()).isEqualTo(new Config.Server("127.0.0.1", 9999, true, 4096, 33_554_432, 30, 1000, 200, 15));
        assertThat(c.storage().dataDir()).isEqualTo(dir.resolve("state"));
        assertThat(c.executor()).isEqualTo(new Config.Executor(4, 3600, 10, 3, 60, 0));
        assertThat(c.nushell().binary()).isEqualTo("/usr/local/bin/nu");
        assertThat(c.execution().defaultMode()).isEqualTo("orchestrated");
        assertThat(c.execution().forceDirect()).containsExactly("server.list");
        assertThat(c.execution().forceOrchestrated()).contains("server.create"); // untouched default
    }

    @Test
    void laterFilesOverrideEarlierOnesAndMissingOptionalFilesAreSkipped() throws IOException {
        Path etc = write("etc.toml", "[server]\nport = 1111\nhost = \"127.0.0.2\"\n");
        Path user = write("user.toml", "[server]\nport = 2222\n");
        Path missing = dir.resolve("does-not-exist.toml");
        Path extra = write("extra.toml", "[executor]\nkill_grace_seconds = 0\n");
        Config c = load(List.of(etc, missing, user), List.of(extra), baseEnv(), Map.of());
        assertThat(c.server().port()).isEqualTo(2222);
        assertThat(c.server().host()).isEqualTo("127.0.0.2");
        assertThat(c.executor().killGraceSeconds()).isZero();
    }

    @Test
    void requiredFileThatDoesNotExistIsAnError() {
        Path missing = dir.resolve("nope/config.toml");
        ProvisioningException e = configError(() -> load(List.of(), List.of(missing), baseEnv(), Map.of()));
        assertThat(e.getMessage()).contains(missing.toString()).contains("does not exist");
        assertThat(e.where()).isEqualTo(missing.toString());
    }

    @Test
    void aDirectoryIsNotAConfigFile() throws IOException {
        Path d = Files.createDirectory(dir.resolve("conf.d"));
        assertThat(configError(() -> load(List.of(), List.of(d), baseEnv(), Map.of())).getMessage()).contains(d.toString());
        // an optional "file" that is a directory is simply skipped
        assertThat(load(List.of(d), List.of(), baseEnv(), Map.of()).server().port()).isEqualTo(9090);
    }

    @Test
    void unknownSectionNamesFileAndSection() throws IOException {
        ProvisioningException e = fileError("[serverz]\nport = 1\n");
        assertThat(e.getMessage()).contains("serverz").contains("unknown section").contains("server, storage");
    }

    @Test
    void topLevelKeyOutsideAnySectionIsAnUnknownSection() throws IOException {
        assertThat(fileError("port = 9191\n").getMessage()).contains("port").contains("unknown section");
    }

    @Test
    void unknownKeyNamesFileAndKey() throws IOException {
        ProvisioningException e = fileError("[server]\nprot = 9191\n");
        assertThat(e.getMessage()).contains("server.prot").contains("unknown key").contains("port");
        assertThat(e.where()).endsWith("server.prot");
    }

    @Test
    void wrongTypeNamesFileKeyAndBothTypes() throws IOException {
        ProvisioningException e = fileError("[server]\nport = \"9191\"\n");
        assertThat(e.getMessage()).contains("server.port").contains("must be an integer, got a string");
        assertThat(e.where()).endsWith("server.port");

        assertThat(fileError("[server]\nrequire_token = \"yes\"\n").getMessage())
                .contains("server.require_token").contains("must be a boolean");
        assertThat(fileError("[server]\nhost = 127\n").getMessage()).contains("server.host").contains("must be a string");
        assertThat(fileError("[executor]\nmax_attempts = 2.5\n").getMessage())
                .contains("executor.max_attempts").contains("got a number");
        assertThat(fileError("[execution]\nforce_direct = [\"a\", 1]\n").getMessage())
                .contains("execution.force_direct").contains("array of strings");
        assertThat(fileError("[execution]\nforce_direct = \"*.list\"\n").getMessage()).contains("execution.force_direct");
        assertThat(fileError("[nushell]\nenv_vars = \"A=1\"\n").getMessage()).contains("nushell.env_vars").contains("table");
        assertThat(fileError("[nushell]\nenv_vars = { A = \"x\\u0000y\" }\n").getMessage())
                .contains("nushell.env_vars.A").contains("NUL");
    }

    @Test
    void sectionThatIsNotATable() throws IOException {
        assertThat(fileError("server = 5\n").getMessage()).contains("server").contains("must be a table");
    }

    @Test
    void invalidTomlNamesTheFile() throws IOException {
        assertThat(fileError("[server\nport = = 1\n").getMessage()).contains("not valid TOML");
    }

    // ------------------------------------------------------------------------------------------------ env + flags

    @Test
    void environmentVariableOverridesFile() throws IOException {
        Path f = write("c.toml", "[server]\nport = 9999\n");
        Map<String, String> env = baseEnv();
        env.put("PROVISIONING_SERVER_PORT", "9191");
        env.put("PROVISIONING_SERVER_REQUIRE_TOKEN", "false");
        env.put("PROVISIONING_EXECUTOR_MAX_CONCURRENT_TASKS", " 32 ");
        env.put("PROVISIONING_EXECUTION_FORCE_DIRECT", "server.list, taskserv.show,,");
        env.put("PROVISIONING_NUSHELL_ENV_VARS", "{ HTTP_PROXY = \"http://proxy:3128\", NO_PROXY = \"localhost\" }");
        env.put("PROVISIONING_STORAGE_BACKEND", "postgres");
        env.put("PROVISIONING_STORAGE_POSTGRES_URL", "jdbc:postgresql://db:5432/prov");
        Config c = load(List.of(f), List.of(), env, Map.of());
        assertThat(c.server().port()).isEqualTo(9191);
        assertThat(c.server().requireToken()).isFalse();
        assertThat(c.executor().maxConcurrentTasks()).isEqualTo(32);
        assertThat(c.execution().forceDirect()).containsExactly("server.list", "taskserv.show");
        assertThat(c.nushell().envVars()).containsExactlyInAnyOrderEntriesOf(
                Map.of("HTTP_PROXY", "http://proxy:3128", "NO_PROXY", "localhost"));
        assertThat(c.storage().backend()).isEqualTo("postgres");
        assertThat(c.storage().postgresUrl()).isEqualTo("jdbc:postgresql://db:5432/prov");
    }

    @Test
    void provisioningVariablesOfOtherSectionsAreNotConfig() {
        Map<String, String> env = baseEnv();
        env.put("PROVISIONING_DATA_DIR", "/somewhere");   // set by the CLI's direct runner
        env.put("PROVISIONING_WORKFLOW_ID", "wf-1");      // set for every task
        env.put("PROVISIONING_TASK_ID", "t-1");
        env.put("PROVISIONING_PARAMS", "{}");
        env.put("SERVER_PORT", "1");                      // no prefix
        Config c = load(List.of(), List.of(), env, Map.of());
        assertThat(c.server().port()).isEqualTo(9090);
    }

    @Test
    void badEnvironmentValueNamesTheVariable() {
        Map<String, String> env = baseEnv();
        env.put("PROVISIONING_SERVER_PORT", "ninety");
        ProvisioningException e = configError(() -> load(List.of(), List.of(), env, Map.of()));
        assertThat(e.getMessage()).contains("PROVISIONING_SERVER_PORT").contains("server.port").contains("'ninety'");

        Map<String, String> env2 = baseEnv();
        env2.put("PROVISIONING_ORCHESTRATOR_AUTO_START", "yes");
        assertThat(configError(() -> load(List.of(), List.of(), env2, Map.of())).getMessage())
                .contains("PROVISIONING_ORCHESTRATOR_AUTO_START").contains("true or false");

        Map<String, String> env3 = baseEnv();
        env3.put("PROVISIONING_NUSHELL_ENV_VARS", "HTTP_PROXY=x");
        assertThat(configError(() -> load(List.of(), List.of(), env3, Map.of())).getMessage())
                .contains("PROVISIONING_NUSHELL_ENV_VARS").contains("inline table");
    }

    @Test
    void unknownKeyInAKnownSectionFromTheEnvironmentNamesTheVariable() {
        Map<String, String> env = baseEnv();
        env.put("PROVISIONING_SERVER_PROT", "9191");
        ProvisioningException e = configError(() -> load(List.of(), List.of(), env, Map.of()));
        assertThat(e.getMessage()).contains("PROVISIONING_SERVER_PROT").contains("server.prot").contains("unknown key");
    }

    @Test
    void flagsOverrideEnvironmentWhichOverridesFiles() throws IOException {
        Path f = write("c.toml", "[server]\nport = 1111\nhost = \"localhost\"\n[storage]\ndata_dir = \"/from/file\"\n");
        Map<String, String> env = baseEnv();
        env.put("PROVISIONING_SERVER_PORT", "2222");
        env.put("PROVISIONING_STORAGE_DATA_DIR", "/from/env");
        Config c = load(List.of(f), List.of(), env, Map.of("server.port", "3333"));
        assertThat(c.server().port()).isEqualTo(3333);
        assertThat(c.server().host()).isEqualTo("localhost");
        assertThat(c.storage().dataDir()).isEqualTo(Path.of("/from/env"));

        Config noFlag = load(List.of(f), List.of(), env, Map.of());
        assertThat(noFlag.server().port()).isEqualTo(2222);
    }

    @Test
    void badFlagsAreReported() {
        ProvisioningException unknown = configError(() -> load(List.of(), List.of(), baseEnv(), Map.of("server.nope", "1")));
        assertThat(unknown.getMessage()).contains("flags").contains("server.nope").contains("unknown key");

        ProvisioningException noSection = configError(() -> load(List.of(), List.of(), baseEnv(), Map.of("port", "1")));
        assertThat(noSection.getMessage()).contains("flags").contains("port");

        ProvisioningException badValue = configError(() -> load(List.of(), List.of(), baseEnv(), Map.of("server.port", "x")));
        assertThat(badValue.getMessage()).contains("flags").contains("server.port").contains("must be an integer");
    }

    // ------------------------------------------------------------------------------------------------ validation

    @Test
    void nonLoopbackHostWithoutTokenIsRefused() {
        ProvisioningException e = configError(() -> load(List.of(), List.of(), baseEnv(),
                Map.of("server.host", "0.0.0.0", "server.require_token", "false")));
        assertThat(e.getMessage()).contains("0.0.0.0").contains("require_token");
        assertThat(e.where()).endsWith("server.require_token");
    }

    @Test
    void nonLoopbackHostWithoutTokenFromAFileIsRefused() throws IOException {
        Path f = write("c.toml", "[server]\nhost = \"0.0.0.0\"\nrequire_token = false\n");
        ProvisioningException e = configError(() -> load(List.of(f), List.of(), baseEnv(), Map.of()));
        assertThat(e.getMessage()).contains("0.0.0.0").contains("require_token");
    }

    @Test
    void nonLoopbackHostWithTokenAndLoopbackWithoutTokenAreFine() {
        assertThat(load(List.of(), List.of(), baseEnv(), Map.of("server.host", "0.0.0.0")).server().host()).isEqualTo("0.0.0.0");
        for (String host : List.of("127.0.0.1", "127.0.1.1", "localhost", "::1", "[::1]"))
            assertThat(load(List.of(), List.of(), baseEnv(), Map.of("server.host", host, "server.require_token", "false"))
                    .server().requireToken()).as(host).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.0.0.0", "10.0.0.5", "::", "example.com", "192.168.1.1"})
    void isLoopbackRejectsOtherAddresses(String host) {
        assertThat(ConfigLoader.isLoopback(host)).isFalse();
    }

    @Test
    void invalidBackend() {
        ProvisioningException e = configError(() -> load(List.of(), List.of(), baseEnv(), Map.of("storage.backend", "mysql")));
        assertThat(e.getMessage()).contains("storage.backend").contains("'mysql'");
    }

    @Test
    void postgresNeedsAJdbcUrl() {
        ProvisioningException e = configError(() -> load(List.of(), List.of(), baseEnv(), Map.of("storage.backend", "postgres")));
        assertThat(e.getMessage()).contains("storage.postgres_url").contains("jdbc:postgresql:");
        ProvisioningException wrong = configError(() -> load(List.of(), List.of(), baseEnv(),
                Map.of("storage.backend", "postgres", "storage.postgres_url", "postgres://db/x")));
        assertThat(wrong.getMessage()).contains("storage.postgres_url");
    }

    @Test
    void invalidDefaultMode() {
        ProvisioningException e = configError(() -> load(List.of(), List.of(), baseEnv(), Map.of("execution.default_mode", "sometimes")));
        assertThat(e.getMessage()).contains("execution.default_mode").contains("'sometimes'");
    }

    @Test
    void invalidEndpoint() {
        ProvisioningException e = configError(() -> load(List.of(), List.of(), baseEnv(), Map.of("orchestrator.endpoint", "ftp://host:21")));
        assertThat(e.getMessage()).contains("orchestrator.endpoint").contains("http://");
        ProvisioningException blank = configError(() -> load(List.of(), List.of(), baseEnv(), Map.of("orchestrator.endpoint", " ")));
        assertThat(blank.getMessage()).contains("orchestrator.endpoint").contains("must not be empty");
        assertThat(load(List.of(), List.of(), baseEnv(), Map.of("orchestrator.endpoint", "https://prov.example.com"))
                .orchestrator().endpoint()).isEqualTo("https://prov.example.com");
    }

    @Test
    void numericRangesAreChecked() {
        assertThat(configError(() -> load(List.of(), List.of(), baseEnv(), Map.of("server.port", "65536"))).getMessage())
                .contains("server.port").contains("between 0 and 65535");
        assertThat(configError(() -> load(List.of(), List.of(), baseEnv(), Map.of("server.port", "-1"))).getMessage())
                .contains("server.port");
        assertThat(configError(() -> load(List.of(), List.of(), baseEnv(), Map.of("executor.max_concurrent_tasks", "0"))).getMessage())
                .contains("executor.max_concurrent_tasks");
        assertThat(configError(() -> load(List.of(), List.of(), baseEnv(), Map.of("executor.max_attempts", "101"))).getMessage())
                .contains("executor.max_attempts");
        assertThat(configError(() -> load(List.of(), List.of(), baseEnv(), Map.of("server.max_body_bytes", "10"))).getMessage())
                .contains("server.max_body_bytes").contains("at least 1024");
        assertThat(configError(() -> load(List.of(), List.of(), baseEnv(), Map.of("nushell.binary", ""))).getMessage())
                .contains("nushell.binary");
        assertThat(load(List.of(), List.of(), baseEnv(), Map.of("server.port", "0")).server().port()).isZero();
    }

    @Test
    void envVarsTableFromFileBecomesTheTaskEnvironment() throws IOException {
        Config c = loadFile("""
                [nushell]
                env_vars = { HTTP_PROXY = "http://proxy:3128", _private = "1", LANG = "C.UTF-8" }
                """);
        assertThat(c.nushell().envVars()).containsExactlyInAnyOrderEntriesOf(
                Map.of("HTTP_PROXY", "http://proxy:3128", "_private", "1", "LANG", "C.UTF-8"));
    }

    @Test
    void envVarsSectionTableSyntaxWorksToo() throws IOException {
        Config c = loadFile("""
                [nushell.env_vars]
                KUBECONFIG = "/etc/k8s/admin.conf"
                """);
        assertThat(c.nushell().envVars()).containsExactly(Map.entry("KUBECONFIG", "/etc/k8s/admin.conf"));
    }

    @Test
    void envVarsInvalidNamesAndReservedNamesAreRefused() throws IOException {
        ProvisioningException bad = configError(() -> loadFile("[nushell]\nenv_vars = { \"1BAD\" = \"x\" }\n"));
        assertThat(bad.getMessage()).contains("nushell.env_vars.1BAD").contains("not a valid environment variable name");

        ProvisioningException dash = configError(() -> loadFile("[nushell]\nenv_vars = { \"MY-VAR\" = \"x\" }\n"));
        assertThat(dash.getMessage()).contains("nushell.env_vars.MY-VAR");

        ProvisioningException reserved = configError(() -> loadFile("[nushell]\nenv_vars = { PROVISIONING_PARAMS = \"{}\" }\n"));
        assertThat(reserved.getMessage()).contains("nushell.env_vars.PROVISIONING_PARAMS").contains("set by the daemon");

        ProvisioningException nested = configError(() -> loadFile("[nushell]\nenv_vars = { A = { B = \"c\" } }\n"));
        assertThat(nested.getMessage()).contains("nushell.env_vars.A").contains("must be a string");
    }

    // ------------------------------------------------------------------------------------------------ bugs
    @Test
    void taskEnvironmentDoesNotBreakConfigLoading() {
        Map<String, String> env = baseEnv();
        env.put("PROVISIONING_ORCHESTRATOR_URL", "http://127.0.0.1:9090");
        Config c = load(List.of(), List.of(), env, Map.of());
        assertThat(c.orchestrator().endpoint()).isEqualTo("http://127.0.0.1:9090");
    }
    @Test
    void outOfRangeValueNamesTheFileThatSetIt() throws IOException {
        Path f = write("etc-config.toml", "[server]\nport = 70000\n");
        ProvisioningException e = configError(() -> load(List.of(f), List.of(), baseEnv(), Map.of()));
        assertThat(e.getMessage()).contains(f.toString()).contains("server.port");
    }

    @Test
    void taskNiceIsZeroToNineteen() throws IOException {
        Path ok = write("nice-ok.toml", "[executor]\ntask_nice = 19\n");
        assertThat(load(List.of(ok), List.of(), baseEnv(), Map.of()).executor().taskNice()).isEqualTo(19);
        for (String bad : new String[] {"-1", "20"}) {
            Path f = write("nice-" + bad + ".toml", "[executor]\ntask_nice = " + bad + "\n");
            ProvisioningException e = configError(() -> load(List.of(f), List.of(), baseEnv(), Map.of()));
            assertThat(e.getMessage()).contains(f.toString()).contains("executor.task_nice");
        }
    }

    @Test
    void leaseSecondsDefaultsToThirtyAndIsOneToADay() throws IOException {
        assertThat(load(List.of(), List.of(), baseEnv(), Map.of()).storage().leaseSeconds()).isEqualTo(30);
        Path ok = write("lease-ok.toml", "[storage]\nlease_seconds = 2\n");
        assertThat(load(List.of(ok), List.of(), baseEnv(), Map.of()).storage().leaseSeconds()).isEqualTo(2);
        for (String bad : new String[] {"0", "86401"}) {
            Path f = write("lease-" + bad + ".toml", "[storage]\nlease_seconds = " + bad + "\n");
            ProvisioningException e = configError(() -> load(List.of(f), List.of(), baseEnv(), Map.of()));
            assertThat(e.getMessage()).contains(f.toString()).contains("storage.lease_seconds");
        }
    }

    @org.junit.jupiter.api.Test
    void poolsAreFreeFormNamesWithCapacities(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path f = dir.resolve("pools.toml");
        java.nio.file.Files.writeString(f, "[pools]\n\"provider:upcloud\" = 3\nlocal = 1\n");
        Config c = ConfigLoader.load(new ConfigLoader.Sources(java.util.List.of(), java.util.List.of(f), java.util.Map.of(),
                java.util.Map.of(), dir));
        assertThat(c.pools()).containsEntry("provider:upcloud", 3).containsEntry("local", 1);
        java.nio.file.Files.writeString(f, "[pools]\n\"bad name!\" = 3\n");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ConfigLoader.load(new ConfigLoader.Sources(java.util.List.of(),
                        java.util.List.of(f), java.util.Map.of(), java.util.Map.of(), dir)))
                .hasMessageContaining(f.toString()).hasMessageContaining("pools.bad name!");
        java.nio.file.Files.writeString(f, "[pools]\nlocal = 0\n");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ConfigLoader.load(new ConfigLoader.Sources(java.util.List.of(),
                        java.util.List.of(f), java.util.Map.of(), java.util.Map.of(), dir)))
                .hasMessageContaining("pools.local").hasMessageContaining("capacity");
    }

    @Test
    void explainNamesTheLayerOfEveryValue() throws IOException {
        Path etc = write("etc.toml", "[server]\nport = 9191\n[pools]\n\"provider:local\" = 2\n");
        Path user = write("user.toml", "[server]\nport = 9292\n[executor]\nmax_attempts = 3\n");
        Map<String, String> env = baseEnv();
        env.put("PROVISIONING_EXECUTOR_KILL_GRACE_SECONDS", "5");
        ConfigLoader.Explained x = ConfigLoader.explain(new ConfigLoader.Sources(List.of(etc), List.of(user), env,
                Map.of("orchestrator.endpoint", "http://127.0.0.1:7"), installRoot()));
        assertThat(x.sources()).containsEntry("server.port", user.toString())
                .containsEntry("pools.provider:local", etc.toString())
                .containsEntry("executor.max_attempts", user.toString())
                .containsEntry("executor.kill_grace_seconds", "environment PROVISIONING_EXECUTOR_KILL_GRACE_SECONDS")
                .containsEntry("orchestrator.endpoint", "flags")
                .containsEntry("server.host", ConfigLoader.DEFAULTS_SOURCE);
        assertThat(x.values().path("server").path("port").asInt()).isEqualTo(9292);
        assertThat(x.values().path("executor").path("kill_grace_seconds").asInt()).isEqualTo(5);
        assertThat(x.config().server().port()).isEqualTo(9292);
        assertThat(x.sources().keySet()).contains("storage.data_dir", "execution.force_direct", "nushell.env_vars");
    }
}
