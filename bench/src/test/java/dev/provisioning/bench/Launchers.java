package dev.provisioning.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Runs the real launchers, {@code bin/provisioning} and {@code bin/provisioning-orchestrator}, as processes, in an
 * environment of their own: no {@code PROVISIONING_*} variables from the caller (except the Nushell binary),
 * {@code XDG_CONFIG_HOME} and {@code XDG_DATA_HOME} in a temp dir (so no user config is read and nothing lands in
 * {@code ~/.local/share}), and {@code --data-dir} and {@code --config} on every CLI command.
 */
final class Launchers {
    /** Every CLI command must end within this; the process tree is killed otherwise. */
    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(90);

    final Path root;
    final Path dataDir;
    final Path config;
    final Path work;

    record Result(int code, String out, String err, List<String> args) {
        List<String> outLines() { return out.lines().toList(); }

        @Override
        public String toString() {
            return "provisioning " + String.join(" ", args) + "\nexit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    /**
     * @param work    a temp dir: the data dir, the config file and the captured output go there
     * @param config  extra TOML for the config file (server, orchestrator, execution tables)
     */
    Launchers(Path work, String config) throws IOException {
        this.root = root();
        this.work = work;
        this.dataDir = work.resolve("data");
        this.config = work.resolve("config.toml");
        Files.createDirectories(work.resolve("xdg-config"));
        Files.createDirectories(work.resolve("xdg-data"));
        Files.writeString(this.config, config);
    }

    /** The repository root: {@code -Dprovisioning.root}, set by failsafe. */
    static Path root() {
        String r = System.getProperty("provisioning.root");
        Path p = Path.of(r == null || r.isBlank() ? ".." : r).toAbsolutePath().normalize();
        assertThat(p.resolve("bin/provisioning")).as("provisioning.root %s holds bin/provisioning", p).isExecutable();
        return p;
    }

    ProcessBuilder builder(List<String> cmd) {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile());
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("PROVISIONING_") && !k.equals("PROVISIONING_NUSHELL_BINARY"));
        env.put("XDG_CONFIG_HOME", work.resolve("xdg-config").toString());
        env.put("XDG_DATA_HOME", work.resolve("xdg-data").toString());
        if (!env.containsKey("JAVA_HOME")) env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("NO_COLOR", "1");
        return pb;
    }

    /** {@code bin/provisioning ARGS --data-dir D --config C}, waited for (bounded). */
    Result cli(String... args) {
        List<String> a = new ArrayList<>(List.of(args));
        a.addAll(List.of("--data-dir", dataDir.toString(), "--config", config.toString()));
        List<String> cmd = new ArrayList<>();
        cmd.add(root.resolve("bin/provisioning").toString());
        cmd.addAll(a);
        return run(cmd, a, COMMAND_TIMEOUT);
    }

    /** A CLI command running in the background: {@link #finish} waits for it (bounded). */
    record Running(Process process, Path out, Path err, List<String> args) {
        String outSoFar() { return read(out); }

        Result finish(Duration timeout) throws InterruptedException {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                kill(process.toHandle());
                throw new AssertionError("provisioning " + String.join(" ", args) + " did not end within "
                        + timeout.toSeconds() + " s; killed\n--- stdout\n" + read(out) + "--- stderr\n" + read(err));
            }
            return new Result(process.exitValue(), read(out), read(err), args);
        }
    }

    /** Like {@link #cli}, without waiting. */
    Running cliAsync(String... args) throws IOException {
        List<String> a = new ArrayList<>(List.of(args));
        a.addAll(List.of("--data-dir", dataDir.toString(), "--config", config.toString()));
        List<String> cmd = new ArrayList<>();
        cmd.add(root.resolve("bin/provisioning").toString());
        cmd.addAll(a);
        int n = next();
        Path out = work.resolve("cli-" + n + ".out");
        Path err = work.resolve("cli-" + n + ".err");
        Process p = builder(cmd).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        return new Running(p, out, err, a);
    }

    private int seq;

    private synchronized int next() { return ++seq; }

    Result run(List<String> cmd, List<String> shownArgs, Duration timeout) {
        int n = next();
        Path out = work.resolve("cli-" + n + ".out");
        Path err = work.resolve("cli-" + n + ".err");
        Process p;
        try {
            p = builder(cmd).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        } catch (IOException e) {
            throw new AssertionError("cannot start " + cmd, e);
        }
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                kill(p.toHandle());
                throw new AssertionError("provisioning " + String.join(" ", shownArgs) + " did not end within "
                        + timeout.toSeconds() + " s; killed\n--- stdout\n" + read(out) + "--- stderr\n" + read(err));
            }
        } catch (InterruptedException e) {
            kill(p.toHandle());
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
        return new Result(p.exitValue(), read(out), read(err), shownArgs);
    }

    /**
     * A workflow file with four errors at once: an unknown dependency and a bad duration (task a, line 5), an unknown
     * module (task b, line 12) and a cycle b -> c -> b.
     */
    static String brokenWorkflow(String name) {
        return """
                [workflow]
                name = "%s"

                [[task]]
                id = "a"
                module = "servers/create.nu"
                function = "create-server"
                depends_on = ["missing"]
                timeout = "5 parsecs"

                [[task]]
                id = "b"
                module = "nope/nope.nu"
                function = "nope"
                depends_on = ["c"]

                [[task]]
                id = "c"
                command = ["true"]
                depends_on = ["b"]
                """.formatted(name);
    }

    /**
     * The config of a daemon node on a shared PostgreSQL ({@code jdbcUrl}, user postgres): any port, two slots, no
     * auto-start; {@code storageExtra} goes into its {@code [storage]} table.
     */
    static String postgresNodeConfig(String jdbcUrl, String storageExtra) {
        return """
                [server]
                port = 0
                [storage]
                backend = "postgres"
                postgres_url = "%s"
                postgres_user = "postgres"
                %s
                [executor]
                max_concurrent_tasks = 2
                [orchestrator]
                auto_start = false
                """.formatted(jdbcUrl, storageExtra);
    }

    /** {@code bin/provisioning-orchestrator ARGS} in the foreground, as a child of this JVM; output to a log file. */
    Process startDaemon(String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(root.resolve("bin/provisioning-orchestrator").toString());
        cmd.addAll(List.of(args));
        Files.createDirectories(dataDir);
        return builder(cmd).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(work.resolve("daemon.log").toFile())).start();
    }

    /**
     * {@link #startDaemon} with this launcher's data dir and config (plus {@code extra} args), then waits until the
     * daemon has written its {@code daemon.json} (so it listens); fails fast, with its log, if it exits first.
     */
    Process startDaemonAndWait(String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of("--data-dir", dataDir.toString(), "--config", config.toString()));
        args.addAll(List.of(extra));
        Process daemon = startDaemon(args.toArray(String[]::new));
        Path info = dataDir.resolve("daemon.json");
        Awaitility.await("daemon.json of the daemon").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100))
                .failFast("the daemon exited; log:\n" + daemonLog(), () -> !daemon.isAlive())
                .until(() -> Files.exists(info) && dev.provisioning.core.model.Json.read(Files.readString(info)).path("pid").asLong() == daemon.pid());
        return daemon;
    }

    /** Stops {@code daemon} (TERM, KILL after 30 s) and asserts it, its children and every process using the data dir are gone. */
    void stopDaemonAndCheck(Process daemon) {
        if (daemon == null) return;
        assertThat(stop(daemon.toHandle(), Duration.ofSeconds(30))).as("the daemon and its children are gone; log:\n%s", daemonLog()).isTrue();
        assertThat(processesMentioning(dataDir.toString())).isEmpty();
    }

    String daemonLog() {
        return read(work.resolve("daemon.log"));
    }

    /** TERM to the process and its descendants, KILL after {@code grace}; true when all of them are gone. */
    static boolean stop(ProcessHandle h, Duration grace) {
        List<ProcessHandle> all = new ArrayList<>(h.descendants().toList());
        all.add(0, h);
        h.destroy();
        if (!gone(List.of(h), grace)) h.destroyForcibly();
        all.forEach(p -> {
            if (p.isAlive()) p.destroyForcibly();
        });
        return gone(all, Duration.ofSeconds(10));
    }

    /** Waits up to {@code atMost} for all of {@code ps} to end; true when they did. */
    static boolean gone(List<ProcessHandle> ps, Duration atMost) {
        try {
            Awaitility.await().atMost(atMost).pollInterval(Duration.ofMillis(50))
                    .until(() -> ps.stream().noneMatch(ProcessHandle::isAlive));
            return true;
        } catch (ConditionTimeoutException e) {
            return false;
        }
    }

    static void kill(ProcessHandle h) {
        h.descendants().forEach(ProcessHandle::destroyForcibly);
        h.destroyForcibly();
    }

    /** The live processes whose command line mentions {@code text} (e.g. a data dir), other than this JVM. */
    static List<ProcessHandle> processesMentioning(String text) {
        long self = ProcessHandle.current().pid();
        try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
            return all.filter(p -> p.pid() != self && p.isAlive())
                    .filter(p -> p.info().commandLine().map(c -> c.contains(text)).orElse(false))
                    .toList();
        }
    }

    static String describe(List<ProcessHandle> ps) {
        StringBuilder sb = new StringBuilder();
        ps.forEach(p -> sb.append(p.pid()).append(' ').append(p.info().commandLine().orElse("?")).append('\n'));
        return sb.toString();
    }

    static String read(Path f) {
        try {
            return Files.exists(f) ? Files.readString(f, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }
}
