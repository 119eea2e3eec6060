package dev.provisioning.runner;

import com.fasterxml.jackson.databind.JsonNode;
import dev.provisioning.core.error.ErrorCode;
import dev.provisioning.core.error.ProvisioningException;
import dev.provisioning.core.model.Action;
import dev.provisioning.core.model.Json;
import dev.provisioning.core.port.Runner.AttemptSpec;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The environment of an attempt's process: the daemon's own with {@code nushell.env_vars} on top, plus the
 * attempt's {@code PROVISIONING_*} variables. User data (the task's args, its dependencies' results, its checkpoint)
 * reaches the process here, as JSON, and never in its argv or in generated code.
 */
final class AttemptEnvironment {
    /** Linux refuses one environment string longer than 32 pages (MAX_ARG_STRLEN). Stay clear of it. */
    static final int MAX_ENV_VALUE_BYTES = 120 * 1024;

    private final RunnerSettings settings;
    private final String nuLibDirs;
    /** The daemon's environment with {@code nushell.env_vars} on top and no {@code PROVISIONING_CHECKPOINT}: every attempt's base. */
    private final Map<String, String> base;

    AttemptEnvironment(RunnerSettings settings) {
        this.settings = settings;
        this.nuLibDirs = settings.libDirs().stream().map(p -> p.toAbsolutePath().normalize().toString())
                .collect(Collectors.joining(":"));
        Map<String, String> b = new HashMap<>(System.getenv());
        b.putAll(settings.envVars());
        b.remove("PROVISIONING_CHECKPOINT");
        this.base = b;
    }

    /**
     * A new map: the base plus the attempt's variables. Throws {@link ErrorCode#INVALID_VALUE}, naming the variable
     * and {@code where}, for a value that holds a NUL or is too long for the OS.
     */
    Map<String, String> of(AttemptSpec spec, RunDir rd, Action action, String where) {
        Map<String, String> env = new HashMap<>(base); // never changed: copied for each attempt
        JsonNode args = action instanceof Action.Nu n ? n.args() : null;
        put(env, "PROVISIONING_WORKFLOW_ID", spec.workflowId(), where);
        put(env, "PROVISIONING_TASK_ID", spec.taskId(), where);
        put(env, "PROVISIONING_ATTEMPT", Integer.toString(spec.attemptNo()), where);
        put(env, "PROVISIONING_IDEMPOTENCY_KEY", spec.idempotencyKey(), where);
        put(env, "PROVISIONING_PARAMS", args == null || args.isMissingNode() ? "{}" : Json.write(args), where);
        put(env, "PROVISIONING_INPUTS", spec.inputs() == null || spec.inputs().isNull() ? "{}" : Json.write(spec.inputs()), where);
        if (spec.checkpoint() != null && !spec.checkpoint().isNull())
            put(env, "PROVISIONING_CHECKPOINT", Json.write(spec.checkpoint()), where);
        put(env, "PROVISIONING_RESULT_FILE", rd.file(RunDir.RESULT).toString(), where);
        put(env, "PROVISIONING_RUN_DIR", rd.dir().toString(), where);
        put(env, "PROVISIONING_ORCHESTRATOR_URL", settings.orchestratorUrl(), where);
        put(env, "PROVISIONING_TOKEN", settings.token(), where);
        put(env, "PROVISIONING_DATA_DIR", settings.dataDir().toAbsolutePath().toString(), where);
        put(env, "NU_LIB_DIRS", nuLibDirs, where);
        return env;
    }

    private static void put(Map<String, String> env, String key, String value, String where) {
        String v = value == null ? "" : value;
        if (v.indexOf('\0') >= 0)
            throw new ProvisioningException(ErrorCode.INVALID_VALUE, key + " must not contain NUL characters", where);
        // A char is at most 3 UTF-8 bytes (a surrogate pair, 2 chars, is 4): only a long value needs encoding to measure
        int bytes = v.length() * 3L <= MAX_ENV_VALUE_BYTES ? 0 : v.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_ENV_VALUE_BYTES)
            throw new ProvisioningException(ErrorCode.INVALID_VALUE, key + " is " + bytes + " bytes; the OS limit for "
                    + "one environment variable is 128 KiB (keep task args and dependency results under "
                    + MAX_ENV_VALUE_BYTES / 1024 + " KiB of JSON)", where);
        env.put(key, v);
    }
}
