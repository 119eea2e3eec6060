package dev.provisioning.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioning.cli.CliException;
import dev.provisioning.core.model.Json;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.regex.Pattern;

/** Command-line values turned into request JSON, checked before anything is sent or run. */
final class Params {
    /** Server and infra names: hostname-like. */
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    static final Pattern KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_-]{0,63}");
    private static final Pattern INTEGER = Pattern.compile("-?(0|[1-9][0-9]{0,17})");

    private Params() {}

    static String name(String value, String what) {
        if (value == null || !NAME.matcher(value).matches())
            throw CliException.usage(what + " '" + value + "' must be 1-63 letters, digits, '.', '_' or '-', "
                    + "starting with a letter or digit", what);
        return value;
    }

    /**
     * {@code --param} values: {@code true}/{@code false}, integers, and JSON objects, arrays or quoted strings
     * are taken as JSON; everything else is a string (so {@code version=1.30} stays the string "1.30").
     */
    static ObjectNode object(Map<String, String> kv, String... reserved) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        for (Map.Entry<String, String> e : kv.entrySet()) {
            String k = e.getKey();
            if (!KEY.matcher(k).matches())
                throw CliException.usage("--param key '" + k + "' must be an identifier (letters, digits, _ and -)", "--param " + k);
            for (String r : reserved)
                if (r.equals(k)) throw CliException.usage("--param " + k + " is set by the command itself", "--param " + k);
            o.set(k, value(e.getValue(), "--param " + k));
        }
        return o;
    }

    static JsonNode value(String v, String where) {
        String t = v.strip();
        if (t.equals("true") || t.equals("false")) return JsonNodeFactory.instance.booleanNode(Boolean.parseBoolean(t));
        if (INTEGER.matcher(t).matches()) return JsonNodeFactory.instance.numberNode(Long.parseLong(t));
        if (t.startsWith("{") || t.startsWith("[") || t.startsWith("\"")) {
            try {
                return Json.read(t);
            } catch (UncheckedIOException e) {
                throw CliException.usage("value is not valid JSON: " + e.getCause().getMessage().lines().findFirst().orElse(""), where);
            }
        }
        return JsonNodeFactory.instance.textNode(v);
    }
}
