package dev.provisioning.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioning.core.error.ErrorCode;
import dev.provisioning.core.error.ProvisioningException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/** JSON form of {@link Action}: {@code {"kind":"nu","module":..,"function":..,"args":{..}}} and so on. */
public final class Actions {
    private static final ObjectMapper M = Json.MAPPER;

    private Actions() {}

    public static ObjectNode toJson(Action a) {
        ObjectNode n = M.createObjectNode().put("kind", a.kind());
        switch (a) {
            case Action.Nu nu -> {
                n.put("module", nu.module()).put("function", nu.function());
                n.set("args", nu.args() == null ? M.createObjectNode() : nu.args());
            }
            case Action.Script s -> {
                n.put("path", s.path());
                ArrayNode arr = n.putArray("argv");
                s.argv().forEach(arr::add);
            }
            case Action.Command c -> {
                ArrayNode arr = n.putArray("argv");
                c.argv().forEach(arr::add);
            }
        }
        return n;
    }

    /** Parses and checks the shape of an action; {@code where} prefixes error locations. */
    public static Action fromJson(JsonNode n, String where) {
        if (n == null || !n.isObject()) throw invalid(where, "must be an object with a 'kind'");
        String kind = text(n, "kind", where);
        return switch (kind) {
            case "nu" -> {
                onlyFields(n, where, Set.of("kind", "module", "function", "args"));
                JsonNode args = n.get("args");
                if (args != null && !args.isObject() && !args.isNull())
                    throw invalid(where + ".args", "must be an object");
                yield new Action.Nu(text(n, "module", where), text(n, "function", where),
                        args == null || args.isNull() ? M.createObjectNode() : args);
            }
            case "script" -> {
                onlyFields(n, where, Set.of("kind", "path", "argv"));
                yield new Action.Script(text(n, "path", where), strings(n.get("argv"), where + ".argv", false));
            }
            case "command" -> {
                onlyFields(n, where, Set.of("kind", "argv"));
                yield new Action.Command(strings(n.get("argv"), where + ".argv", true));
            }
            default -> throw invalid(where + ".kind", "must be one of nu, script, command; got '" + kind + "'");
        };
    }

    private static void onlyFields(JsonNode n, String where, Set<String> allowed) {
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!allowed.contains(f))
                throw new ProvisioningException(ErrorCode.UNKNOWN_FIELD,
                        "unknown field '" + f + "'; allowed: " + allowed, where + "." + f);
        }
    }

    private static String text(JsonNode n, String field, String where) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull())
            throw new ProvisioningException(ErrorCode.MISSING_FIELD, "missing field '" + field + "'", where + "." + field);
        if (!v.isTextual() || v.asText().isBlank()) throw invalid(where + "." + field, "must be a non-empty string");
        return v.asText();
    }

    private static List<String> strings(JsonNode v, String where, boolean required) {
        List<String> out = new ArrayList<>();
        if (v == null || v.isNull()) {
            if (required) throw new ProvisioningException(ErrorCode.MISSING_FIELD, "missing argv", where);
            return out;
        }
        if (!v.isArray()) throw invalid(where, "must be an array of strings");
        for (int i = 0; i < v.size(); i++) {
            if (!v.get(i).isTextual()) throw invalid(where + "[" + i + "]", "must be a string");
            out.add(v.get(i).asText());
        }
        if (required && out.isEmpty()) throw invalid(where, "must not be empty");
        return out;
    }

    private static ProvisioningException invalid(String where, String msg) {
        return new ProvisioningException(ErrorCode.INVALID_VALUE, where + ": " + msg, where);
    }
}
