package dev.provisioning.cli.commands;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioning.cli.client.OrchestratorClient;

/**
 * The workflow document (the JSON form of a workflow file) of one {@code nu} task: how an operation without a
 * route of its own ({@code server.delete}, {@code taskserv.list}, ...) runs in the orchestrator, through
 * {@code POST /workflows/batch/submit}.
 */
final class OneTaskWorkflow {
    private OneTaskWorkflow() {}

    /**
     * {@code {"workflow": {"name": OPERATION, "priority"?}, "task": [{"id": OPERATION, "module", "function", "args",
     * "rollback"?}]}}; {@code priority} and {@code rollback} (an action object) may be null.
     */
    static ObjectNode of(String operation, String module, String function, JsonNode args, String priority, JsonNode rollback) {
        ObjectNode doc = OrchestratorClient.MAPPER.createObjectNode();
        ObjectNode wf = doc.putObject("workflow").put("name", operation);
        if (priority != null) wf.put("priority", priority);
        ObjectNode task = doc.putArray("task").addObject().put("id", operation).put("module", module).put("function", function);
        task.set("args", args);
        if (rollback != null) task.set("rollback", rollback);
        return doc;
    }

    static byte[] bytes(JsonNode doc) {
        try {
            return OrchestratorClient.MAPPER.writeValueAsBytes(doc);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize a workflow document", e);
        }
    }
}
