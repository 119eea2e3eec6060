package dev.provisioning.runner;

import com.fasterxml.jackson.databind.JsonNode;
import dev.provisioning.core.model.Json;
import dev.provisioning.core.port.Runner.AttemptListener;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The stdout protocol of a task: {@code PROGRESS: <0-100> <message>} and {@code CHECKPOINT: <json>} lines. Any
 * other line is plain output. A malformed protocol line is ignored; a percentage is clamped to 0..100.
 */
final class OutputProtocol {
    private static final Pattern PROGRESS = Pattern.compile("PROGRESS:[ \\t]*([+-]?\\d{1,18})(?:\\.\\d*)?(?:[ \\t]+(.*))?");
    private static final Pattern CHECKPOINT = Pattern.compile("CHECKPOINT:[ \\t]*(\\S.*)");

    private OutputProtocol() {}

    /** Parses one line (without its line break) and calls the listener if it is a protocol line. */
    static void line(String line, AttemptListener listener) {
        if (line.startsWith("PROGRESS:")) {
            Matcher m = PROGRESS.matcher(line.strip());
            if (!m.matches()) return;
            long pct = Long.parseLong(m.group(1));
            String msg = m.group(2) == null ? "" : m.group(2).strip();
            listener.progress((int) Math.max(0, Math.min(100, pct)), msg);
        } else if (line.startsWith("CHECKPOINT:")) {
            Matcher m = CHECKPOINT.matcher(line.strip());
            if (!m.matches()) return;
            JsonNode node;
            try {
                node = Json.read(m.group(1));
            } catch (RuntimeException e) {
                return;
            }
            if (node != null && !node.isMissingNode()) listener.checkpoint(node);
        }
    }
}
