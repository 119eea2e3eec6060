package dev.provisioning.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * One row of the append-only event log. {@code type} is one of {@code workflow.submitted},
 * {@code workflow.state}, {@code task.state}, {@code task.progress}. {@code taskId}, {@code from}, {@code to}
 * may be null.
 *
 * <p>The data is kept as the JSON text the store holds ({@code dataJson}, null when the event has none), so that
 * sending an event to a client costs no parse: {@link #data()} parses it on each call.
 */
public record Event(long id, String workflowId, String taskId, String type, String from, String to,
                    String dataJson, Instant at) {
    /** The data as a tree, parsed from {@link #dataJson()} on each call; null when the event has none. */
    public JsonNode data() {
        return Json.read(dataJson);
    }
}
