package dev.provisioning.core.spec;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
     * {@code id: x} (YAML) or {@code "id": "x"} (JSON), 1-based; the line where the n-th task begins (for a task
     * without a usable id), and the line of each key of the workflow table.
     */
    public static WorkflowSpecParser.Lines lines(byte[] content, Format format) {
        // one pass over the text, on first use only: the parser asks only about a document with errors
        java.util.function.Supplier<Index> index = new java.util.function.Supplier<>() {
            private Index built;

            @Override
            public synchronized Index get() {
                if (built == null) built = buildIndex(content, format);
                return built;
            }
        };
        return new WorkflowSpecParser.Lines() {
            @Override
            public Integer lineOfTask(String key) { return index.get().ids().get(key); }

            @Override
            public Integer lineOfWorkflowKey(String key) { return index.get().workflowKeys().get(key); }

            @Override
            public Integer lineOfTaskAt(int i) {
                List<Integer> starts = index.get().taskStarts();
                return i >= 0 && i < starts.size() ? starts.get(i) : null;
            }
        };
    }

    private record Index(Map<String, Integer> ids, Map<String, Integer> workflowKeys, List<Integer> taskStarts) {}

    private static final java.util.regex.Pattern TOML_ID = java.util.regex.Pattern.compile("^\\s*id\\s*=\\s*[\"']([^\"']*)[\"']");
    private static final java.util.regex.Pattern TOML_HEADER = java.util.regex.Pattern.compile("^\\s*(\\[\\[?)\\s*([A-Za-z0-9_.-]+)\\s*]");
    private static final java.util.regex.Pattern TOML_KEY = java.util.regex.Pattern.compile("^\\s*([A-Za-z0-9_-]+)\\s*=");

    private static Index buildIndex(byte[] content, Format format) {
        Index index = new Index(new HashMap<>(), new HashMap<>(), new ArrayList<>());
        String text = new String(content, StandardCharsets.UTF_8);
        if (text.startsWith("\uFEFF")) text = text.substring(1);
        try {
            if (format == Format.TOML) tomlLines(text, index);
            else structure(format == Format.JSON ? Json.MAPPER : YAML, text, index);
        } catch (RuntimeException | StackOverflowError e) {
            // only hints for error messages, which must never fail for want of them: what was found so far stays
        }
        return index;
    }

    /** TOML has no token locations: the lines of {@code id = "x"}, of each {@code [[task]]} and of the keys of {@code [workflow]}. */
    private static void tomlLines(String text, Index index) {
        String[] lines = text.split("\n", -1);
        String table = "";
        for (int i = 0; i < lines.length; i++) {
            java.util.regex.Matcher m = TOML_ID.matcher(lines[i]);
            if (m.find()) index.ids().putIfAbsent(m.group(1), i + 1);
            java.util.regex.Matcher h = TOML_HEADER.matcher(lines[i]);
            if (h.find()) {
                table = h.group(1).length() == 2 ? "[[" + h.group(2) : h.group(2);
                if (table.equals("[[task")) index.taskStarts().add(i + 1);
            } else if (table.equals("workflow") && (m = TOML_KEY.matcher(lines[i])).find()) {
                index.workflowKeys().putIfAbsent(m.group(1), i + 1);
            }
        }
    }

    /**
     * JSON and YAML, from the parser's token locations: the line of each task's {@code id} key, of each task's start
     * and of each key of the workflow table.
     */
    private static void structure(ObjectMapper m, String text, Index index) {
        try (JsonParser p = m.getFactory().createParser(text)) {
            if (p.nextToken() != JsonToken.START_OBJECT) return;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String top = p.currentName();
                JsonToken value = p.nextToken();
                if (top.equals("workflow") && value == JsonToken.START_OBJECT) {
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        index.workflowKeys().putIfAbsent(p.currentName(), p.currentTokenLocation().getLineNr());
                        p.nextToken();
                        p.skipChildren();
                    }
                } else if (top.equals("task") && value == JsonToken.START_ARRAY) {
                    for (JsonToken t = p.nextToken(); t != null && t != JsonToken.END_ARRAY; t = p.nextToken()) {
                        index.taskStarts().add(p.currentTokenLocation().getLineNr());
                        if (t == JsonToken.START_OBJECT) taskIds(p, index.ids());
                        else p.skipChildren();
                    }
                } else {
                    p.skipChildren();
                }
            }
        } catch (IOException e) {
            // only hints for error messages: what was read so far stays
        }
    }

    /** Reads one task object's fields, noting the line of its {@code id}. */
    private static void taskIds(JsonParser p, Map<String, Integer> ids) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            boolean id = p.currentName().equals("id");
            int line = p.currentTokenLocation().getLineNr();
            if (p.nextToken() == JsonToken.VALUE_STRING && id) ids.putIfAbsent(p.getText(), line);
            else p.skipChildren();
        }
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
