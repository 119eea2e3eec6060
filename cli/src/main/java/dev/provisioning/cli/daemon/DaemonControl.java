package dev.provisioning.cli.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import dev.provisioning.cli.CliException;
import dev.provisioning.cli.ExitCode;
import dev.provisioning.cli.client.OrchestratorClient;
import dev.provisioning.core.model.Json;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Finds, starts and stops the orchestrator daemon of one data dir. The files it reads and writes there:
 * <ul>
 *   <li>{@code orchestrator.pid}: written by {@link #start}, removed by {@link #stop};</li>
 *   <li>{@code daemon.json}: written by the daemon once it has bound its port ({@code pid}, {@code endpoint}, ...);</li>
 *   <li>{@code token}: the bearer token the daemon generated (mode 0600);</li>
 *   <li>{@code orchestrator.log}: the daemon's stdout and stderr when started from here.</li>
 * </ul>
 * The endpoint is, first to last: an explicit {@code --endpoint}; {@code daemon.json}'s endpoint when its pid is
 * alive; {@code orchestrator.endpoint} from the config.
 */
public final class DaemonControl {
    public static final String PID_FILE = "orchestrator.pid";
    public static final String DAEMON_JSON = "daemon.json";
    public static final String TOKEN_FILE = "token";
    public static final String LOG_FILE = "orchestrator.log";
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(2);

    /** What {@code daemon.json} says. */
    public record DaemonInfo(long pid, String endpoint) {}

    /** What {@link #status} found: pid may be null (not ours, or not running); health null when it did not answer. */
    public record Status(Long pid, String endpoint, JsonNode health) {
        public boolean running() { return pid != null || health != null; }
    }

    /** The outcome of {@link #start}: {@code started} false when one was running already. */
    public record Started(boolean started, Long pid, String endpoint) {}

    private final Path installRoot;
    private final Path dataDir;
    private final String configuredEndpoint;
    private final boolean endpointExplicit;
    private final Path configFile;
    private final Duration requestTimeout;

    /**
     * @param installRoot        where {@code bin/provisioning-orchestrator} lives
     * @param dataDir            the daemon's data dir
     * @param configuredEndpoint {@code orchestrator.endpoint} after all config layers
     * @param endpointExplicit   the endpoint came from {@code --endpoint}: it wins over {@code daemon.json}
     * @param configFile         a {@code --config} file to pass on to a daemon started here, or null
     * @param requestTimeout     per-request HTTP timeout for clients made here
     */
    public DaemonControl(Path installRoot, Path dataDir, String configuredEndpoint, boolean endpointExplicit,
                         Path configFile, Duration requestTimeout) {
        this.installRoot = installRoot;
        this.dataDir = dataDir;
        this.configuredEndpoint = configuredEndpoint;
        this.endpointExplicit = endpointExplicit;
        this.configFile = configFile;
        this.requestTimeout = requestTimeout;
    }

    public Path dataDir() { return dataDir; }

    public Path pidFile() { return dataDir.resolve(PID_FILE); }

    public Path logFile() { return dataDir.resolve(LOG_FILE); }

    /** {@code daemon.json}, if present, parseable and its pid alive. */
    public Optional<DaemonInfo> daemonInfo() {
        Path f = dataDir.resolve(DAEMON_JSON);
        if (!Files.isRegularFile(f)) return Optional.empty();
        try {
            JsonNode n = Json.read(Files.readString(f));
            long pid = n.path("pid").asLong(-1);
            String ep = n.path("endpoint").asText("");
            if (ep.isBlank() && n.hasNonNull("port"))
                ep = "http://" + n.path("host").asText("127.0.0.1") + ":" + n.get("port").asInt();
            if (pid <= 0 || ep.isBlank() || !alive(pid)) return Optional.empty();
            return Optional.of(new DaemonInfo(pid, ep));
        } catch (IOException | UncheckedIOException e) {
            return Optional.empty(); // being written, or garbage: treat as absent
        }
    }

    /** The endpoint to talk to (see the class comment). */
    public String endpoint() {
        if (endpointExplicit) return configuredEndpoint;
        return daemonInfo().map(DaemonInfo::endpoint).orElse(configuredEndpoint);
    }

    /** The bearer token from {@code <data_dir>/token}, or null when there is none (or it is unreadable). */
    public String token() {
        try {
            String t = Files.readString(dataDir.resolve(TOKEN_FILE), StandardCharsets.UTF_8).strip();
            return t.isEmpty() ? null : t;
        } catch (IOException e) {
            return null;
        }
    }

    /** A client for {@link #endpoint()} with {@link #token()}. */
    public OrchestratorClient client() {
        return new OrchestratorClient(endpoint(), token(), requestTimeout);
    }

    /** The pid of the daemon of this data dir: the pid file's if alive, else daemon.json's; null if none. */
    public Long runningPid() {
        Long pid = readPidFile();
        if (pid != null && alive(pid)) return pid;
        return daemonInfo().map(DaemonInfo::pid).orElse(null);
    }

    public Status status() {
        Long pid = runningPid();
        String ep = endpoint();
        JsonNode health = null;
        try {
            health = new OrchestratorClient(ep, token(), HEALTH_TIMEOUT).healthJson();
        } catch (CliException e) {
            // not answering: health stays null
        }
        return new Status(pid, ep, health);
    }

    /**
     * Starts the daemon detached ({@code setsid}, output to {@code orchestrator.log}), writes the pid file, and
     * waits up to {@code wait} until {@code GET /health} answers healthy at the endpoint its {@code daemon.json}
     * names (or the configured one until that appears). For an explicit {@code --endpoint} the daemon is told to
     * listen there ({@code --host}, {@code --port}). Does nothing when a daemon of this data
     * dir is running, or when something healthy already answers at the endpoint.
     */
    public Started start(Duration wait) {
        Long running = runningPid();
        if (running != null) return new Started(false, running, endpoint());
        if (new OrchestratorClient(endpoint(), token(), HEALTH_TIMEOUT).isHealthy()) return new Started(false, null, endpoint());

        Path launcher = installRoot.resolve("bin").resolve("provisioning-orchestrator");
        if (!Files.isExecutable(launcher))
            throw new CliException(ExitCode.FAILED, "E_NOT_INSTALLED",
                    "cannot start the orchestrator: " + launcher + " is missing or not executable", "provisioning.home");
        List<String> cmd = new ArrayList<>();
        setsid().ifPresent(cmd::add);
        cmd.add(launcher.toString());
        cmd.add("--data-dir");
        cmd.add(dataDir.toString());
        if (configFile != null) {
            cmd.add("--config");
            cmd.add(configFile.toAbsolutePath().toString());
        }
        if (endpointExplicit) cmd.addAll(listenFlags(configuredEndpoint));
        Process p;
        try {
            Files.createDirectories(dataDir);
            ProcessBuilder pb = new ProcessBuilder(cmd)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()))
                    .redirectErrorStream(true);
            p = pb.start();
            writePidFile(p.pid());
        } catch (IOException e) {
            throw new CliException(ExitCode.FAILED, "E_START_FAILED", "cannot start " + launcher + ": " + e.getMessage(),
                    dataDir.toString());
        }
        long deadline = System.nanoTime() + wait.toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                deletePidFile();
                throw new CliException(ExitCode.FAILED, "E_START_FAILED",
                        "the orchestrator exited with status " + p.exitValue() + " while starting; its log follows",
                        logFile().toString(), tail(logFile(), 25));
            }
            Optional<DaemonInfo> info = daemonInfo();
            long pid = info.map(DaemonInfo::pid).orElse(p.pid());
            if (pid != p.pid()) writePidFile(pid); // the launcher forked rather than exec'd
            String ep = info.map(DaemonInfo::endpoint).orElse(configuredEndpoint);
            if (new OrchestratorClient(ep, token(), HEALTH_TIMEOUT).isHealthy()) return new Started(true, pid, ep);
            sleep(POLL);
        }
        throw new CliException(ExitCode.UNREACHABLE, "E_START_TIMEOUT",
                "the orchestrator (pid " + p.pid() + ") did not answer GET /health within " + wait.toSeconds()
                        + " s; it is still starting or stuck; see its log", logFile().toString(), tail(logFile(), 15));
    }

    /** Outcome of {@link #stop}. */
    public enum Stopped { NOT_RUNNING, TERMINATED, KILLED }

    /** TERMs the daemon of this data dir, waits up to {@code grace}, then KILLs it; removes the pid file. */
    public Stopped stop(Duration grace) {
        Long pid = runningPid();
        if (pid == null) {
            deletePidFile();
            return Stopped.NOT_RUNNING;
        }
        ProcessHandle h = ProcessHandle.of(pid).orElse(null);
        if (h == null || !h.isAlive()) {
            deletePidFile();
            return Stopped.NOT_RUNNING;
        }
        String cmdline = h.info().commandLine().orElse("");
        if (!cmdline.isEmpty() && !cmdline.contains("provisioning"))
            throw new CliException(ExitCode.FAILED, "E_NOT_OURS",
                    "pid " + pid + " is not an orchestrator (it runs: " + abbreviate(cmdline) + "); remove the stale "
                            + pidFile() + " by hand", pidFile().toString());
        h.destroy();
        Stopped how = Stopped.TERMINATED;
        if (!waitGone(h, grace)) {
            h.destroyForcibly();
            how = Stopped.KILLED;
            if (!waitGone(h, Duration.ofSeconds(10)))
                throw new CliException(ExitCode.FAILED, "E_STOP_FAILED", "pid " + pid + " survived SIGKILL", pidFile().toString());
        }
        deletePidFile();
        deleteDaemonJsonOf(pid);
        return how;
    }

    private static boolean waitGone(ProcessHandle h, Duration d) {
        long deadline = System.nanoTime() + d.toNanos();
        while (h.isAlive() && System.nanoTime() < deadline) sleep(Duration.ofMillis(50));
        return !h.isAlive();
    }

    private Long readPidFile() {
        try {
            String s = Files.readString(pidFile()).strip();
            return s.isEmpty() ? null : Long.parseLong(s);
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }

    private void writePidFile(long pid) {
        Path tmp = dataDir.resolve(PID_FILE + ".tmp");
        try {
            Files.writeString(tmp, pid + "\n");
            Files.move(tmp, pidFile(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new CliException(ExitCode.FAILED, "E_START_FAILED", "cannot write the pid file: " + e.getMessage(),
                    pidFile().toString());
        }
    }

    private void deletePidFile() {
        try {
            Files.deleteIfExists(pidFile());
        } catch (IOException ignored) {
            // nothing to do about it
        }
    }

    /** A daemon killed hard cannot remove its daemon.json; a stale one would only be ignored, but tidy up. */
    private void deleteDaemonJsonOf(long pid) {
        Path f = dataDir.resolve(DAEMON_JSON);
        try {
            if (Files.isRegularFile(f) && Json.read(Files.readString(f)).path("pid").asLong(-1) == pid) Files.deleteIfExists(f);
        } catch (IOException | UncheckedIOException ignored) {
            // leave it; it is ignored once its pid is dead
        }
    }

    /**
     * {@code --host H --port P} for a daemon started for an explicit {@code --endpoint}, so that it listens where
     * the CLI will look. Nothing for an endpoint that is not a plain {@code http://host:port}.
     */
    static List<String> listenFlags(String endpoint) {
        try {
            URI u = URI.create(endpoint);
            if (!"http".equalsIgnoreCase(u.getScheme()) || u.getHost() == null || u.getPort() < 0) return List.of();
            String host = u.getHost().startsWith("[") ? u.getHost().substring(1, u.getHost().length() - 1) : u.getHost();
            return List.of("--host", host, "--port", String.valueOf(u.getPort()));
        } catch (IllegalArgumentException e) {
            return List.of();
        }
    }

    static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    private static Optional<String> setsid() {
        for (String p : List.of("/usr/bin/setsid", "/bin/setsid"))
            if (Files.isExecutable(Path.of(p))) return Optional.of(p);
        return Optional.empty();
    }

    /** The last {@code n} lines of a file, or null if it cannot be read. */
    static String tail(Path f, int n) {
        try {
            List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
        } catch (IOException | UncheckedIOException e) {
            return null;
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 120 ? s.substring(0, 120) + "..." : s;
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCode.FAILED, "E_INTERRUPTED", "interrupted", null);
        }
    }
}
