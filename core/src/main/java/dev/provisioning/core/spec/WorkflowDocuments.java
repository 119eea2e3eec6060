package dev.provisioning.core.spec;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.provisioning.core.error.ErrorCode;
import dev.provisioning.core.error.ProvisioningException;
import dev.provisioning.core.model.Json;
import java.io.IOException;
import java.util.Locale;

/** Reads a workflow document in TOML, JSON or YAML into one JSON tree, which {@link WorkflowSpecParser} reads. */
public final class WorkflowDocuments {
    public enum Format { JSON, TOML, YAML }

    private static final TomlMapper TOML = new TomlMapper();
    private static final YAMLMapper YAML = new YAMLMapper();

    private WorkflowDocuments() {}

    /** From a file name's extension; null if unknown. */
    public static Format byFileName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.endsWith(".toml")) return Format.TOML;
        if (n.endsWith(".json")) return Format.JSON;
        if (n.endsWith(".yaml") || n.endsWith(".yml")) return Format.YAML;
        return null;
    }

    /** From a Content-Type header; JSON when absent. Null if unsupported. */
    public static Format byContentType(String contentType) {
        if (contentType == null || contentType.isBlank()) return Format.JSON;
        String ct = contentType.toLowerCase(Locale.ROOT);
        if (ct.contains("json")) return Format.JSON;
        if (ct.contains("toml")) return Format.TOML;
        if (ct.contains("yaml") || ct.contains("yml")) return Format.YAML;
        return null;
    }

    /**
     * Where each task is defined, for error locations: the line of its {@code id = "x"} (TOML),
     * {@code id: x} (YAML) or {@code "id": "x"} (JSON), 1-based.
     */
    public static WorkflowSpecParser.Lines lines(byte[] content, Format format) {
        // one pass over the text, on first use only (errors are rare; a valid document never builds it)
        java.util.function.Supplier<java.util.Map<String, Integer>> index = new java.util.function.Supplier<>() {
            private java.util.Map<String, Integer> map;

            @Override
            public synchronized java.util.Map<String, Integer> get() {
                if (map == null) map = buildIndex(content, format);
                return map;
            }
        };
        return key -> index.get().get(key);
    }

    private static final java.util.regex.Pattern TOML_ID = java.util.regex.Pattern.compile("^\\s*id\\s*=\\s*[\"']([^\"']*)[\"']");
    private static final java.util.regex.Pattern YAML_ID = java.util.regex.Pattern.compile("^\\s*(?:-\\s+)?id\\s*:\\s*[\"']?([^\"'#\\s]+)");
    private static final java.util.regex.Pattern JSON_ID = java.util.regex.Pattern.compile("\"id\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

    private static java.util.Map<String, Integer> buildIndex(byte[] content, Format format) {
        java.util.Map<String, Integer> map = new java.util.HashMap<>();
        String[] text = new String(content, java.nio.charset.StandardCharsets.UTF_8).split("\n", -1);
        java.util.regex.Pattern p = switch (format) {
            case TOML -> TOML_ID;
            case YAML -> YAML_ID;
            case JSON -> JSON_ID;
        };
        for (int i = 0; i < text.length; i++) {
            java.util.regex.Matcher m = p.matcher(text[i]);
            while (m.find()) {
                map.putIfAbsent(m.group(1), i + 1);
                if (format != Format.JSON) break;
            }
        }
        return map;
    }

    public static JsonNode read(byte[] content, Format format, String source) {
        ObjectMapper m = switch (format) {
            case JSON -> Json.MAPPER;
            case TOML -> TOML;
            case YAML -> YAML;
        };
        try {
            JsonNode n = m.readTree(content);
            if (n == null || !n.isObject())
                throw new ProvisioningException(ErrorCode.INVALID_WORKFLOW, source + ": the document must be a table/object", source);
            return n;
        } catch (JsonProcessingException e) {
            JsonLocation loc = e.getLocation();
            String where = loc == null || loc.getLineNr() < 1 ? source : source + ":" + loc.getLineNr();
            throw new ProvisioningException(format == Format.JSON ? ErrorCode.MALFORMED_JSON : ErrorCode.INVALID_WORKFLOW,
                    where + ": not valid " + format + ": " + e.getOriginalMessage(), where);
        } catch (IOException e) {
            throw new ProvisioningException(ErrorCode.INVALID_WORKFLOW, source + ": cannot read: " + e.getMessage(), source);
        }
    }
}
