package dev.provisioning.runner;

import dev.provisioning.core.config.Config;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What {@link ProcessRunner} needs from the configuration.
 *
 * @param nuBinary        the Nushell binary: an absolute path, or a name looked up on {@code PATH}
 * @param libDirs         the Nushell lib dirs ({@code nushell.provisioning_lib}); exported as {@code NU_LIB_DIRS}
 * @param envVars         extra environment for every attempt ({@code nushell.env_vars})
 * @param killGrace       how long after TERM the process group gets KILL ({@code executor.kill_grace_seconds})
 * @param orchestratorUrl the daemon's base URL, for calls back ({@code PROVISIONING_ORCHESTRATOR_URL})
 * @param token           the bearer token for calls back ({@code PROVISIONING_TOKEN}); may be empty
 * @param dataDir         the daemon's data dir ({@code PROVISIONING_DATA_DIR})
 * @param taskNice        how much nicer than the daemon an attempt's process runs, 0..19 ({@code executor.task_nice})
 */
public record RunnerSettings(String nuBinary, List<Path> libDirs, Map<String, String> envVars, Duration killGrace,
                             String orchestratorUrl, String token, Path dataDir, int taskNice) {

    public RunnerSettings {
        Objects.requireNonNull(nuBinary, "nuBinary");
        libDirs = List.copyOf(libDirs);
        envVars = Map.copyOf(envVars);
        Objects.requireNonNull(killGrace, "killGrace");
        if (killGrace.isNegative()) throw new IllegalArgumentException("killGrace must not be negative");
        orchestratorUrl = orchestratorUrl == null ? "" : orchestratorUrl;
        token = token == null ? "" : token;
        Objects.requireNonNull(dataDir, "dataDir");
        if (taskNice < 0 || taskNice > 19) throw new IllegalArgumentException("taskNice must be 0..19: " + taskNice);
    }

    /** Attempts at the daemon's own priority. */
    public RunnerSettings(String nuBinary, List<Path> libDirs, Map<String, String> envVars, Duration killGrace,
                          String orchestratorUrl, String token, Path dataDir) {
        this(nuBinary, libDirs, envVars, killGrace, orchestratorUrl, token, dataDir, 0);
    }

    /**
     * Settings from the loaded config. {@code orchestratorUrl} is the address the daemon really listens on (it may
     * differ from {@code orchestrator.endpoint}, e.g. with port 0).
     */
    public static RunnerSettings from(Config config, String orchestratorUrl, String token) {
        return new RunnerSettings(config.nushell().binary(), config.nushell().libDirs(), config.nushell().envVars(),
                Duration.ofSeconds(config.executor().killGraceSeconds()), orchestratorUrl, token,
                config.storage().dataDir(), config.executor().taskNice());
    }
}
