package dev.provisioning.cli.client;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;

/**
 * The daemon's REST shapes as the CLI reads them. JSON names are snake_case ({@code workflow_id},
 * {@code task_counts}); {@link OrchestratorClient#MAPPER} maps them onto these camelCase components and
 * ignores fields it does not know, so a newer daemon can add fields without breaking an older CLI.
 * Timestamps stay ISO-8601 strings (or null); states stay strings, so a new state is shown, not rejected.
 */
public final class Api {
    private Api() {}

    /** {@code GET /health}. */
    public record Health(String status, String version, String storage, Integer runningTasks, Long uptimeSeconds) {
        public boolean healthy() { return "healthy".equals(status); }
    }

    /** {@code GET /version}. */
    public record Version(String version, String apiVersion) {}

    /** Body of {@code POST /workflows/servers/create} and {@code /workflows/taskserv/create}; priority may be null. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record CreateRequest(String infra, ObjectNode params, String priority) {}

    /** The 202 answer of a submission. */
    public record Submission(String workflowId, String status) {}

    /** A workflow; {@code tasks} is null in lists and set by {@code GET /workflows/{id}}. */
    public record Workflow(String id, String name, String kind, String state, String priority, String onFailure,
                           String createdAt, String updatedAt, String finishedAt, Map<String, Integer> taskCounts,
                           List<Task> tasks) {
        public Workflow {
            taskCounts = taskCounts == null ? Map.of() : taskCounts;
        }
    }

    public record WorkflowPage(List<Workflow> workflows, int limit, int offset) {
        public WorkflowPage {
            workflows = workflows == null ? List.of() : workflows;
        }
    }

    public record Dependency(String taskId, String kind) {}

    public record Task(String id, String workflowId, String key, String state, String priority, Integer attempt,
                       Integer maxAttempts, Integer progress, String progressMessage, JsonNode result,
                       Integer exitCode, String error, String stderrTail, List<Dependency> dependsOn,
                       JsonNode action, String createdAt, String startedAt, String finishedAt, String nextAttemptAt) {
        public Task {
            dependsOn = dependsOn == null ? List.of() : dependsOn;
        }
    }

    public record TaskPage(List<Task> tasks, int limit, int offset) {
        public TaskPage {
            tasks = tasks == null ? List.of() : tasks;
        }
    }

    /** {@code {"error":{"code":..,"message":..,"where":..}}}. */
    public record ErrorBody(Error error) {
        public record Error(String code, String message, String where) {}
    }
}
