package dev.provisioning.core.spec;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.provisioning.core.error.ErrorCode;
import dev.provisioning.core.error.ProvisioningException;
import dev.provisioning.core.model.Json;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import java.io.IOException;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;
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
        ErrorCode syntax = format == Format.JSON ? ErrorCode.MALFORMED_JSON : ErrorCode.INVALID_WORKFLOW;
        String text = utf8(content, format, source, syntax);
        if (text.startsWith("\uFEFF")) text = text.substring(1); // a byte order mark, as some editors write
        try {
            // a key given twice would silently lose one of its values
            JsonNode n = m.reader().with(StreamReadFeature.STRICT_DUPLICATE_DETECTION).readTree(text);
            if (n == null || !n.isObject())
                throw new ProvisioningException(ErrorCode.INVALID_WORKFLOW, source + ": the document must be a table/object", source);
            return n;
        } catch (JsonProcessingException e) {
            JsonLocation loc = e.getLocation();
            int line = loc == null ? 0 : loc.getLineNr();
            String problem = e.getOriginalMessage();
            if (e.getCause() instanceof MarkedYAMLException y) { // SnakeYAML's text spans lines and repeats the source
                Mark mark = y.getContextMark() != null ? y.getContextMark() : y.getProblemMark();
                if (mark != null) line = mark.getLine() + 1;
                problem = (y.getContext() == null ? "" : y.getContext() + ": ") + y.getProblem();
            }
            String where = line < 1 ? source : source + ":" + line;
            throw new ProvisioningException(syntax, where + ": not valid " + format + ": " + problem.strip(), where);
        } catch (IOException e) {
            throw new ProvisioningException(ErrorCode.INVALID_WORKFLOW, source + ": cannot read: " + e.getMessage(), source);
        }
    }

    /** The text of a UTF-8 file; a byte that is not UTF-8 (a binary file, another encoding) is named with its line. */
    private static String utf8(byte[] content, Format format, String source, ErrorCode code) {
        java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(content);
        java.nio.CharBuffer out = java.nio.CharBuffer.allocate(content.length);
        CoderResult r = StandardCharsets.UTF_8.newDecoder().decode(in, out, true);
        if (!r.isError()) return out.flip().toString();
        int at = in.position(), line = 1;
        for (int i = 0; i < at; i++) if (content[i] == '\n') line++;
        String where = source + ":" + line;
        throw new ProvisioningException(code, String.format("%s: not valid %s: byte 0x%02X at offset %d is not UTF-8 text (a binary file, "
                + "or another encoding?)", where, format, content[at] & 0xff, at), where);
    }
}
