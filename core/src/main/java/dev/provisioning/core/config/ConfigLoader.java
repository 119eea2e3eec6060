package dev.provisioning.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import dev.provisioning.core.error.ErrorCode;
import dev.provisioning.core.error.ProvisioningException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Loads the layered configuration: shipped defaults, then each existing file, then {@code PROVISIONING_*}
 * environment variables, then flags. The shipped defaults define the schema: a key they do not have, or a
 * value of another type, stops the load with the source, key and reason. The result is validated and sealed.
 */
public final class ConfigLoader {
    public static final String DEFAULTS_RESOURCE = "/config.defaults.toml";
    private static final TomlMapper TOML = new TomlMapper();
    private static final Set<String> BACKENDS = Set.of("sqlite", "postgres");
    private static final Set<String> MODES = Set.of("auto", "direct", "orchestrated");
    /** Variables the daemon sets for every task; they are not config, though they share the prefix. */
    private static final Set<String> TASK_VARIABLES = Set.of("PROVISIONING_WORKFLOW_ID", "PROVISIONING_TASK_ID",
            "PROVISIONING_ATTEMPT", "PROVISIONING_IDEMPOTENCY_KEY", "PROVISIONING_PARAMS", "PROVISIONING_INPUTS",
            "PROVISIONING_CHECKPOINT", "PROVISIONING_RESULT_FILE", "PROVISIONING_RUN_DIR", "PROVISIONING_ORCHESTRATOR_URL",
            "PROVISIONING_TOKEN", "PROVISIONING_DATA_DIR", "PROVISIONING_LOCAL_STATE_DIR");

    /** Where layers come from. {@code requiredFiles} must exist (e.g. {@code --config}); {@code optionalFiles} may not. */
    public record Sources(List<Path> optionalFiles, List<Path> requiredFiles, Map<String, String> env,
                          Map<String, String> flags, Path installRoot) {}

    private ConfigLoader() {}

    /** The standard layers for this machine: /etc, then the user's XDG config dir, then {@code extra}. */
    public static Sources standardSources(Path extra, Map<String, String> flags, Path installRoot) {
        Map<String, String> env = System.getenv();
        String xdg = env.getOrDefault("XDG_CONFIG_HOME", System.getProperty("user.home") + "/.config");
        List<Path> optional = List.of(Path.of("/etc/provisioning/config.toml"), Path.of(xdg, "provisioning", "config.toml"));
        return new Sources(optional, extra == null ? List.of() : List.of(extra), env, flags, installRoot);
    }

    public static Config load(Sources src) {
        return explain(src).config();
    }

    /** What {@link #explain} names as the source of a value no layer set. */
    public static final String DEFAULTS_SOURCE = "config.defaults.toml (shipped defaults)";

    /**
     * The loaded config with, for {@code provisioning env}, the merged value of every {@code section.key} (before
     * defaults such as an empty {@code data_dir} are resolved) and the layer that set it: a file path,
     * {@code environment PROVISIONING_...}, {@code flags}, or {@link #DEFAULTS_SOURCE}. Pools are
     * {@code pools.NAME}.
     */
    public record Explained(Config config, ObjectNode values, Map<String, String> sources) {}

    public static Explained explain(Sources src) {
        ObjectNode schema = defaults();
        ObjectNode merged = schema.deepCopy();
        Map<String, String> origin = new LinkedHashMap<>();
        for (Path f : src.optionalFiles()) if (Files.isRegularFile(f)) mergeFile(schema, merged, f, origin);
        for (Path f : src.requiredFiles()) {
            if (!Files.isRegularFile(f))
                throw bad(f.toString(), null, "config file does not exist");
            mergeFile(schema, merged, f, origin);
        }
        mergeStrings(schema, merged, envLayer(schema, src.env()), "environment", origin);
        mergeStrings(schema, merged, src.flags(), "flags", origin);
        Config config = new Sealer(origin).seal(merged, src);
        Map<String, String> sources = new LinkedHashMap<>();
        merged.fields().forEachRemaining(sec -> sec.getValue().fieldNames().forEachRemaining(k -> {
            String key = sec.getKey() + "." + k;
            sources.put(key, origin.getOrDefault(key, DEFAULTS_SOURCE));
        }));
        return new Explained(config, merged, java.util.Collections.unmodifiableMap(sources));
    }

    static ObjectNode defaults() {
        try (InputStream in = ConfigLoader.class.getResourceAsStream(DEFAULTS_RESOURCE)) {
            if (in == null) throw new IllegalStateException("config.defaults.toml missing from the classpath");
            return (ObjectNode) TOML.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void mergeFile(ObjectNode schema, ObjectNode merged, Path f, Map<String, String> origin) {
        JsonNode tree;
        try {
            tree = TOML.readTree(f.toFile());
        } catch (IOException e) {
            throw bad(f.toString(), null, "not valid TOML: " + e.getMessage().lines().findFirst().orElse(""));
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = tree.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> sec = it.next();
            JsonNode secSchema = schema.get(sec.getKey());
            if (secSchema == null)
                throw bad(f.toString(), sec.getKey(), "unknown section; known: " + names(schema));
            if (!sec.getValue().isObject())
                throw bad(f.toString(), sec.getKey(), "must be a table");
            for (Iterator<Map.Entry<String, JsonNode>> kv = sec.getValue().fields(); kv.hasNext(); ) {
                Map.Entry<String, JsonNode> e = kv.next();
                String key = sec.getKey() + "." + e.getKey();
                if (sec.getKey().equals("pools")) {
                    checkPool(f.toString(), e.getKey(), e.getValue());
                    ((ObjectNode) merged.get("pools")).set(e.getKey(), e.getValue());
                    origin.put(key, f.toString());
                    continue;
                }
                JsonNode def = secSchema.get(e.getKey());
                if (def == null) throw bad(f.toString(), key, "unknown key; known in [" + sec.getKey() + "]: " + names(secSchema));
                if (!sameType(def, e.getValue()))
                    throw bad(f.toString(), key, "must be " + typeName(def) + ", got " + typeName(e.getValue()));
                ((ObjectNode) merged.get(sec.getKey())).set(e.getKey(), e.getValue());
                origin.put(key, f.toString());
            }
        }
    }

    /** A pool is {@code "name" = capacity}: a name of letters, digits and {@code _ . : -}, and an integer >= 1. */
    private static void checkPool(String source, String name, JsonNode value) {
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}"))
            throw bad(source, "pools." + name, "pool names use letters, digits and _ . : - (e.g. \"provider:upcloud\")");
        if (!value.isIntegralNumber() || value.asLong() < 1 || value.asLong() > 100_000)
            throw bad(source, "pools." + name, "capacity must be an integer from 1 to 100000, got " + value);
    }

    /** Maps {@code PROVISIONING_SERVER_PORT} to {@code server.port}; variables of unknown sections are not config. */
    private static Map<String, String> envLayer(ObjectNode schema, Map<String, String> env) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : env.entrySet()) {
            if (!e.getKey().startsWith("PROVISIONING_") || TASK_VARIABLES.contains(e.getKey())) continue;
            String rest = e.getKey().substring("PROVISIONING_".length()).toLowerCase(Locale.ROOT);
            for (Iterator<String> it = schema.fieldNames(); it.hasNext(); ) {
                String sec = it.next();
                if (rest.startsWith(sec + "_")) out.put(sec + "." + rest.substring(sec.length() + 1) + "@" + e.getKey(), e.getValue());
            }
        }
        return out;
    }

    /** Keys are {@code section.key} (optionally {@code @source}); values are parsed by the schema's type. */
    private static void mergeStrings(ObjectNode schema, ObjectNode merged, Map<String, String> values, String layer,
                                     Map<String, String> origin) {
        for (Map.Entry<String, String> e : values.entrySet()) {
            String key = e.getKey(), source = layer;
            int at = key.indexOf('@');
            if (at >= 0) {
                source = layer + " " + key.substring(at + 1);
                key = key.substring(0, at);
            }
            int dot = key.indexOf('.');
            JsonNode def = dot < 0 ? null : schema.path(key.substring(0, dot)).get(key.substring(dot + 1));
            if (def == null) throw bad(source, key, "unknown key");
            ((ObjectNode) merged.get(key.substring(0, dot))).set(key.substring(dot + 1), parseAs(def, e.getValue(), source, key));
            origin.put(key, source);
        }
    }

    private static JsonNode parseAs(JsonNode def, String v, String source, String key) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        String t = v.trim();
        if (def.isBoolean()) {
            if (t.equals("true") || t.equals("false")) return f.booleanNode(Boolean.parseBoolean(t));
            throw bad(source, key, "must be true or false, got '" + v + "'");
        }
        if (def.isIntegralNumber()) {
            try {
                return f.numberNode(Long.parseLong(t));
            } catch (NumberFormatException ex) {
                throw bad(source, key, "must be an integer, got '" + v + "'");
            }
        }
        if (def.isArray()) {
            ArrayNode arr = f.arrayNode();
            for (String s : t.split(",")) if (!s.isBlank()) arr.add(s.trim());
            return arr;
        }
        if (def.isObject()) {
            try {
                JsonNode n = TOML.readTree("x = " + t).get("x");
                if (n != null && n.isObject()) return n;
            } catch (IOException ignored) {
                // reported below
            }
            throw bad(source, key, "must be an inline table like { NAME = \"value\" }, got '" + v + "'");
        }
        return f.textNode(v);
    }

    /** Validates the merged tree; errors name the layer (file, variable or flag) that set the key. */
    private static final class Sealer {
        private final Map<String, String> origin;

        Sealer(Map<String, String> origin) {
            this.origin = origin;
        }

        private static Map<String, Integer> pools(JsonNode n) {
            Map<String, Integer> out = new LinkedHashMap<>();
            n.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asInt()));
            return out;
        }

        private String source(String key) {
            return origin.getOrDefault(key, "config.defaults.toml");
        }

            Config seal(ObjectNode m, Sources src) {
            JsonNode s = m.get("server"), st = m.get("storage"), ex = m.get("executor"), nu = m.get("nushell"),
                    o = m.get("orchestrator"), x = m.get("execution");
            int port = intIn(s, "server.port", 0, 65535);
            String host = nonBlank(s, "server.host");
            boolean requireToken = s.get("require_token").asBoolean();
            if (!requireToken && !isLoopback(host))
                throw bad(source(origin.containsKey("server.host") ? "server.host" : "server.require_token"), "server.require_token",
                        "binding non-loopback host '" + host + "' without a token is refused; set require_token = true");
            String backend = st.get("backend").asText();
            if (!BACKENDS.contains(backend)) throw bad(source("storage.backend"), "storage.backend", "must be one of " + BACKENDS + ", got '" + backend + "'");
            String pgUrl = st.get("postgres_url").asText();
            if (backend.equals("postgres") && !pgUrl.startsWith("jdbc:postgresql:"))
                throw bad(source("storage.postgres_url"), "storage.postgres_url", "must be a jdbc:postgresql: URL when backend = \"postgres\"");
            String mode = x.get("default_mode").asText();
            if (!MODES.contains(mode)) throw bad(source("execution.default_mode"), "execution.default_mode", "must be one of " + MODES + ", got '" + mode + "'");
            String endpoint = nonBlank(o, "orchestrator.endpoint");
            if (!endpoint.startsWith("http://") && !endpoint.startsWith("https://"))
                throw bad(source("orchestrator.endpoint"), "orchestrator.endpoint", "must start with http:// or https://, got '" + endpoint + "'");

            Map<String, String> envVars = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = nu.get("env_vars").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getKey().matches("[A-Za-z_][A-Za-z0-9_]*"))
                    throw bad(source("nushell.env_vars"), "nushell.env_vars." + e.getKey(), "not a valid environment variable name");
                if (e.getKey().startsWith("PROVISIONING_"))
                    throw bad(source("nushell.env_vars"), "nushell.env_vars." + e.getKey(), "PROVISIONING_* variables are set by the daemon");
                if (!e.getValue().isValueNode()) throw bad(source("nushell.env_vars"), "nushell.env_vars." + e.getKey(), "must be a string");
                if (e.getValue().asText().indexOf('\0') >= 0)
                    throw bad(source("nushell.env_vars"), "nushell.env_vars." + e.getKey(), "must not contain NUL characters (an environment value cannot hold one)");
                envVars.put(e.getKey(), e.getValue().asText());
            }
            List<Path> libs = new ArrayList<>();
            String lib = nu.get("provisioning_lib").asText();
            if (lib.isBlank()) libs.add(src.installRoot().resolve("nulib"));
            else for (String p : lib.split(":")) if (!p.isBlank()) libs.add(Path.of(p).toAbsolutePath().normalize());

            String dd = st.get("data_dir").asText();
            Path dataDir = dd.isBlank() ? defaultDataDir(src.env()) : Path.of(dd).toAbsolutePath().normalize();

            return new Config(
                    new Config.Server(host, port, requireToken, longMin(s, "server.max_body_bytes", 1024),
                            longMin(s, "server.max_workflow_bytes", 1024), intIn(s, "server.read_timeout_seconds", 1, 86_400),
                            intIn(s, "server.max_connections", 1, 1_000_000), intIn(s, "server.write_rate_per_second", 0, 1_000_000),
                            intIn(s, "server.sse_keepalive_seconds", 1, 3600)),
                    new Config.Storage(backend, dataDir, pgUrl, st.get("postgres_user").asText(), st.get("postgres_password").asText(),
                            intIn(st, "storage.lease_seconds", 1, 86_400)),
                    new Config.Executor(intIn(ex, "executor.max_concurrent_tasks", 1, 10_000),
                            longMin(ex, "executor.task_timeout_seconds", 1), longMin(ex, "executor.kill_grace_seconds", 0),
                            intIn(ex, "executor.max_attempts", 1, 100), longMin(ex, "executor.priority_aging_seconds", 0),
                            intIn(ex, "executor.task_nice", 0, 19)),
                    new Config.Nushell(nonBlank(nu, "nushell.binary"), libs, envVars),
                    new Config.Orchestrator(endpoint, o.get("auto_start").asBoolean(), intIn(o, "orchestrator.timeout_seconds", 1, 86_400)),
                    new Config.Execution(mode, x.get("fallback_to_direct").asBoolean(), strings(x.get("force_orchestrated")),
                            strings(x.get("force_direct"))),
                pools(m.get("pools")));
        }

        private static List<String> strings(JsonNode arr) {
            List<String> out = new ArrayList<>();
            arr.forEach(n -> out.add(n.asText()));
            return out;
        }

        String nonBlank(JsonNode sec, String key) {
            String v = sec.get(key.substring(key.indexOf('.') + 1)).asText();
            if (v.isBlank()) throw bad(source(key), key, "must not be empty");
            return v;
        }

        int intIn(JsonNode sec, String key, long min, long max) {
            long v = sec.get(key.substring(key.indexOf('.') + 1)).asLong();
            if (v < min || v > max) throw bad(source(key), key, "must be between " + min + " and " + max + ", got " + v);
            return (int) v;
        }

        long longMin(JsonNode sec, String key, long min) {
            long v = sec.get(key.substring(key.indexOf('.') + 1)).asLong();
            if (v < min) throw bad(source(key), key, "must be at least " + min + ", got " + v);
            return v;
        }
    }

    static Path defaultDataDir(Map<String, String> env) {
        String xdg = env.get("XDG_DATA_HOME");
        if (xdg != null && !xdg.isBlank()) return Path.of(xdg, "provisioning");
        return Path.of(System.getProperty("user.home"), ".local", "share", "provisioning");
    }

    public static boolean isLoopback(String host) {
        return host.equals("localhost") || host.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}")
                || host.equals("::1") || host.equals("[::1]");
    }

    private static boolean sameType(JsonNode def, JsonNode v) {
        if (def.isIntegralNumber()) return v.isIntegralNumber();
        if (def.isBoolean()) return v.isBoolean();
        if (def.isTextual()) return v.isTextual();
        if (def.isArray()) {
            if (!v.isArray()) return false;
            for (JsonNode e : v) if (!e.isTextual()) return false;
            return true;
        }
        if (def.isObject()) return v.isObject();
        return false;
    }

    private static String typeName(JsonNode n) {
        if (n.isIntegralNumber()) return "an integer";
        if (n.isNumber()) return "a number";
        if (n.isBoolean()) return "a boolean";
        if (n.isTextual()) return "a string";
        if (n.isArray()) return "an array of strings";
        if (n.isObject()) return "a table";
        return n.getNodeType().name().toLowerCase(Locale.ROOT);
    }

    private static String names(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return String.join(", ", out);
    }

    private static ProvisioningException bad(String source, String key, String reason) {
        String where = key == null ? source : source + ": " + key;
        return new ProvisioningException(ErrorCode.CONFIG_INVALID, "config error in " + where + ": " + reason, where);
    }
}
