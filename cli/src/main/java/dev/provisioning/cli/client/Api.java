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

    /**
     * The 200 answer of {@code POST /workflows/batch/validate}: the workflow is valid, and {@code levels} is its
     * plan, task keys in levels that can run together (level 1 first: the tasks without dependencies).
     */
    public record Plan(boolean valid, String name, Integer tasks, List<List<String>> levels) {
        public Plan {
            levels = levels == null ? List.of() : levels;
        }
    }

    /** The 202 answer of {@code POST /workflows/{id}/cancel|resume|rollback}: the workflow's state right after. */
    public record ControlAnswer(String workflowId, String action, String state) {}

    /** {@code GET /workflows/{id}/events} as JSON: a page of events after {@code ?after=}, oldest first. */
    public record EventPage(List<Event> events) {
        public EventPage {
            events = events == null ? List.of() : events;
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
                       JsonNode action, String createdAt, String startedAt, String finishedAt, String nextAttemptAt,
                       Integer attemptBase) {
        public Task {
            dependsOn = dependsOn == null ? List.of() : dependsOn;
        }

        /**
         * The highest attempt number this run of the task may reach: {@code attempt_base + max_attempts}. A resume
         * sets {@code attempt_base} to the last attempt, so a resumed task gets {@code max_attempts} new tries
         * numbered on from there. Null when {@code max_attempts} is unknown.
         */
        public Integer lastAttempt() {
            if (maxAttempts == null) return null;
            return (attemptBase == null ? 0 : attemptBase) + maxAttempts;
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
