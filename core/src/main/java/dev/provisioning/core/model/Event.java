package dev.provisioning.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * One row of the append-only event log. {@code type} is one of {@code workflow.submitted},
 * {@code workflow.state}, {@code task.state}, {@code task.progress}. {@code taskId}, {@code from}, {@code to}
 * may be null.
 */
public record Event(long id, String workflowId, String taskId, String type, String from, String to,
                    JsonNode data, Instant at) {}
