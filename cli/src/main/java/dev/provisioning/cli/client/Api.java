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

    /** The 202 answer of a submission; {@code taskIds} in the order of the submitted tasks (may be empty). */
    public record Submission(String workflowId, String status, List<String> taskIds) {
        public Submission {
            taskIds = taskIds == null ? List.of() : taskIds;
        }
    }

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

    /**
     * One event of a workflow ({@code GET /workflows/{id}/events}, as JSON or as the SSE {@code data:}).
     * {@code type} is {@code workflow.submitted}, {@code workflow.state}, {@code task.state} or
     * {@code task.progress}; {@code from}/{@code to} are states; {@code data} depends on the type (for
     * {@code task.progress}: {@code {"percent":..,"message":..}}).
     */
    public record Event(long id, String workflowId, String taskId, String type, String from, String to, JsonNode data,
                        String at) {}

    /** {@code {"error":{"code":..,"message":..,"where":..,"details":[..]}}}; details may be absent. */
    public record ErrorBody(Error error) {
        public record Error(String code, String message, String where, List<String> details) {
            public Error {
                details = details == null ? List.of() : details;
            }
        }
    }
}
