package dev.provisioning.core.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The validated, sealed configuration. Built only by {@link ConfigLoader}; immutable. */
public record Config(Server server, Storage storage, Executor executor, Nushell nushell,
                     Orchestrator orchestrator, Execution execution, Map<String, Integer> pools) {

    public Config {
        pools = Map.copyOf(pools);
    }

    public record Server(String host, int port, boolean requireToken, long maxBodyBytes, long maxWorkflowBytes,
                         int readTimeoutSeconds, int maxConnections, int writeRatePerSecond, int sseKeepaliveSeconds) {}

    /** {@code leaseSeconds}: with PostgreSQL, how long a daemon holds a running attempt without renewing it (D37). */
    public record Storage(String backend, Path dataDir, String postgresUrl, String postgresUser, String postgresPassword,
                          int leaseSeconds) {}

    public record Executor(int maxConcurrentTasks, long taskTimeoutSeconds, long killGraceSeconds, int maxAttempts,
                           long priorityAgingSeconds, int taskNice) {}

    public record Nushell(String binary, List<Path> libDirs, Map<String, String> envVars) {
        public Nushell {
            libDirs = List.copyOf(libDirs);
            envVars = Map.copyOf(envVars);
        }
    }

    public record Orchestrator(String endpoint, boolean autoStart, int timeoutSeconds) {}

    public record Execution(String defaultMode, boolean fallbackToDirect, List<String> forceOrchestrated,
                            List<String> forceDirect) {
        public Execution {
            forceOrchestrated = List.copyOf(forceOrchestrated);
            forceDirect = List.copyOf(forceDirect);
        }
    }
}
