package dev.provisioning.cli.commands;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.provisioning.cli.Main;
import dev.provisioning.cli.client.OrchestratorClient;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Plain-text rendering: aligned tables, key/value blocks, JSON. */
final class Output {
    private static final int MAX_CELL = 60;

    private Output() {}

    /** Pretty JSON of a tree or a record (records use the wire's snake_case names). */
    static void json(PrintWriter out, Object value) {
        try {
            out.println(OrchestratorClient.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render JSON", e);
        }
    }

    /** {@code value} as YAML when {@code format} is yaml, else as pretty JSON (snake_case names either way). */
    static void structured(PrintWriter out, Object value, Main.Format format) {
        if (format != Main.Format.yaml) {
            json(out, value);
            return;
        }
        try {
            out.print(Yaml.MAPPER.writeValueAsString(OrchestratorClient.MAPPER.valueToTree(value)));
            out.flush();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render YAML", e);
        }
    }

    /** Loaded on the first YAML output only: the YAML classes stay off the start-up path. */
    private static final class Yaml {
        static final com.fasterxml.jackson.databind.ObjectMapper MAPPER = new com.fasterxml.jackson.dataformat.yaml.YAMLMapper()
                .disable(com.fasterxml.jackson.dataformat.yaml.YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                .enable(com.fasterxml.jackson.dataformat.yaml.YAMLGenerator.Feature.MINIMIZE_QUOTES);
    }

    /** An aligned table; cells longer than {@value #MAX_CELL} characters are cut, except in the first column. */
    static void table(PrintWriter out, List<String> header, List<List<String>> rows) {
        int cols = header.size();
        int[] w = new int[cols];
        List<List<String>> cells = new ArrayList<>();
        cells.add(header);
        for (List<String> r : rows) {
            List<String> c = new ArrayList<>();
            for (int i = 0; i < cols; i++) {
                String v = i < r.size() && r.get(i) != null ? oneLine(r.get(i)) : "-";
                c.add(i > 0 && v.length() > MAX_CELL ? v.substring(0, MAX_CELL - 3) + "..." : v);
            }
            cells.add(c);
        }
        for (List<String> r : cells) for (int i = 0; i < cols; i++) w[i] = Math.max(w[i], r.get(i).length());
        for (List<String> r : cells) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < cols; i++) {
                sb.append(r.get(i));
                if (i < cols - 1) sb.append(" ".repeat(w[i] - r.get(i).length() + 2));
            }
            out.println(sb.toString().stripTrailing());
        }
    }

    /** {@code key   value} lines, keys padded to one width. */
    static void keyValues(PrintWriter out, Map<String, String> kv) {
        int w = kv.keySet().stream().mapToInt(String::length).max().orElse(0);
        kv.forEach((k, v) -> out.println(k + " ".repeat(w - k.length() + 2) + (v == null ? "-" : v)));
    }

    /**
     * A result of a nulib function: a list of records as a table, a record as key/value lines, a list of
     * scalars one per line, a scalar as is; nothing for null.
     */
    static void value(PrintWriter out, JsonNode v) {
        if (v == null || v.isNull() || v.isMissingNode()) return;
        if (v.isArray()) {
            boolean records = v.size() > 0;
            for (JsonNode e : v) records &= e.isObject();
            if (!records) {
                for (JsonNode e : v) out.println(cell(e));
                return;
            }
            Set<String> cols = new LinkedHashSet<>();
            for (JsonNode e : v) e.fieldNames().forEachRemaining(cols::add);
            List<List<String>> rows = new ArrayList<>();
            for (JsonNode e : v) {
                List<String> row = new ArrayList<>();
                for (String c : cols) row.add(e.has(c) ? cell(e.get(c)) : null);
                rows.add(row);
            }
            table(out, cols.stream().map(String::toUpperCase).toList(), rows);
        } else if (v.isObject()) {
            Map<String, String> kv = new java.util.LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                kv.put(e.getKey(), cell(e.getValue()));
            }
            keyValues(out, kv);
        } else {
            out.println(cell(v));
        }
    }

    /** A JSON value as one cell: strings bare, null as "-", containers as compact JSON. */
    static String cell(JsonNode v) {
        if (v == null || v.isNull()) return "-";
        if (v.isValueNode()) return v.asText();
        return v.toString();
    }

    /** ISO-8601 timestamps shown to the second, without the zone letter: {@code 2025-01-02 03:04:05}. */
    static String time(String iso) {
        if (iso == null || iso.isBlank()) return "-";
        String s = iso.replace('T', ' ');
        int dot = s.indexOf('.');
        if (dot > 0) s = s.substring(0, dot);
        if (s.endsWith("Z")) s = s.substring(0, s.length() - 1);
        return s;
    }

    private static String oneLine(String s) {
        return s.indexOf('\n') < 0 ? s : s.replace('\n', ' ');
    }
}
