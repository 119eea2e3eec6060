package dev.provisioning.store;

import com.fasterxml.jackson.databind.JsonNode;
import dev.provisioning.core.model.Action;
import dev.provisioning.core.model.Actions;
import dev.provisioning.core.model.Attempt;
import dev.provisioning.core.model.DependencyKind;
import dev.provisioning.core.model.Event;
import dev.provisioning.core.model.Json;
import dev.provisioning.core.model.NewTask.Dependency;
import dev.provisioning.core.model.NewWorkflow;
import dev.provisioning.core.model.Priority;
import dev.provisioning.core.model.QueuedTask;
import dev.provisioning.core.model.RetrySpec;
import dev.provisioning.core.model.Task;
import dev.provisioning.core.model.TaskState;
import dev.provisioning.core.model.Workflow;
import dev.provisioning.core.model.WorkflowState;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Rows of {@link JdbcStore}'s tables as the port's records: the column lists its queries select, the mappers, and the
 * parts read once per process (task definitions and dependencies, request documents) from {@link JdbcStore}'s caches.
 */
final class Rows {
    static final String TASK_COLS = "id, workflow_id, task_key, action_json, state, priority, attempt, "
            + "max_attempts, retry_json, timeout_ms, idempotency_key, next_attempt_at, progress, progress_message, "
            + "result_json, exit_code, error, stderr_tail, rollback_json, pools_json, checkpoint_json, attempt_base, "
            + "rollback_running, seq, created_at, updated_at, started_at, finished_at";
    /** Without request_json, which {@link #withRequests} fills from {@link #requests}; {@code no_request} says if it is NULL. */
    static final String WORKFLOW_COLS = "id, name, kind, state, priority, on_failure, parallel_limit, "
            + "CASE WHEN request_json IS NULL THEN 1 ELSE 0 END AS no_request, created_at, updated_at, finished_at";
    static final String ATTEMPT_COLS = "task_id, attempt_no, state, owner, pid, run_dir, exit_code, error, "
            + "stderr_tail, started_at, finished_at";
    static final String EVENT_COLS = "id, workflow_id, task_id, type, from_state, to_state, data_json, at";
    static final String QUEUE_COLS = "id, workflow_id, priority, seq, updated_at, pools_json";

    /**
     * {@code state = '<s>'}, the state as a literal: the queue indexes are partial, one state each (V5), and a
     * database uses a partial index only when the query's condition names the same state. (A constant: an enum name.)
     */
    static String stateIs(TaskState s) {
        return "state = '" + s.name() + "'";
    }

    /** Parsed request documents by workflow id (see {@link JdbcStore}'s field of the same name). */
    private final RequestCache requests;
    /** Parsed task definitions by task id: the parts of a task row that never change after insert. */
    private final Definitions definitions;

    Rows(RequestCache requests, Definitions definitions) {
        this.requests = requests;
        this.definitions = definitions;
    }

    static WfRead mapWorkflow(ResultSet rs) throws SQLException {
        return new WfRead(new Workflow(rs.getString("id"), rs.getString("name"), rs.getString("kind"),
                WorkflowState.valueOf(rs.getString("state")), Priority.fromWeight(rs.getInt("priority")),
                NewWorkflow.OnFailure.parse(rs.getString("on_failure")), rs.getInt("parallel_limit"), null,
                Sql.instant(rs, "created_at"), Sql.instant(rs, "updated_at"), Sql.instant(rs, "finished_at")),
                rs.getInt("no_request") == 1);
    }

    /** A workflow row without its request, and whether request_json is NULL. */
    record WfRead(Workflow w, boolean noRequest) {}

    /**
     * Fills {@link Workflow#request()}: from {@link #requests} when the same workflow (id and creation instant) was
     * parsed before, else by selecting and parsing request_json. Each returned tree is the caller's own.
     */
    List<Workflow> withRequests(Connection c, List<WfRead> rows) throws SQLException {
        List<Workflow> out = new ArrayList<>(rows.size());
        for (WfRead r : rows) {
            Workflow w = r.w();
            if (r.noRequest()) { out.add(w); continue; }
            JsonNode cached = requests.get(w.id(), w.createdAt());
            JsonNode request;
            if (cached != null) {
                request = cached.deepCopy();
            } else {
                Optional<String> json = Sql.one(c, "SELECT request_json FROM workflows WHERE id = ?",
                        rs -> rs.getString(1), w.id());
                request = json.map(Json::read).orElse(null);
                if (request != null) requests.put(w.id(), w.createdAt(), request.deepCopy(), json.get().length());
            }
            out.add(new Workflow(w.id(), w.name(), w.kind(), w.state(), w.priority(), w.onFailure(), w.parallelLimit(),
                    request, w.createdAt(), w.updatedAt(), w.finishedAt()));
        }
        return out;
    }

    /**
     * A task's row. Its definition (action, rollback, retry policy, pools) never changes after insert, so it is
     * parsed once per process ({@link #definitions}); the scheduler reads the ready queue every round.
     */
    Task mapTask(ResultSet rs) throws SQLException {
        String id = rs.getString("id");
        Definition def = definitions.get(id);
        if (def == null) {
            String retryJson = rs.getString("retry_json");
            // rows written before V2 have no retry_json: their max_attempts with the default backoff
            RetrySpec retry = retryJson == null ? RetrySpec.DEFAULT.withMaxAttempts(rs.getInt("max_attempts"))
                    : RetrySpec.fromJson(Json.read(retryJson));
            String rollbackJson = rs.getString("rollback_json");
            Action rollback = rollbackJson == null ? null
                    : Actions.fromJson(Json.read(rollbackJson), "task " + id + ".rollback");
            def = new Definition(Actions.fromJson(Json.read(rs.getString("action_json")), "task " + id + ".action"),
                    rollback, retry, pools(rs), null);
            definitions.put(id, def);
        }
        return new Task(id, rs.getString("workflow_id"), rs.getString("task_key"), def.action(),
                TaskState.valueOf(rs.getString("state")), Priority.fromWeight(rs.getInt("priority")),
                rs.getInt("attempt"), def.retry(), rs.getLong("timeout_ms"),
                rs.getString("idempotency_key"), Sql.instant(rs, "next_attempt_at"), rs.getInt("progress"),
                rs.getString("progress_message"), Json.read(rs.getString("result_json")),
                Sql.intOrNull(rs, "exit_code"), rs.getString("error"), rs.getString("stderr_tail"), List.of(),
                def.rollback(), def.pools(), Json.read(rs.getString("checkpoint_json")), rs.getInt("attempt_base"),
                rs.getBoolean("rollback_running"),
                rs.getLong("seq"), Sql.instant(rs, "created_at"), Sql.instant(rs, "updated_at"),
                Sql.instant(rs, "started_at"), Sql.instant(rs, "finished_at"));
    }

    /**
     * Fills {@link Task#dependsOn()} (in submitted order) for the given tasks. Dependencies never change after
     * insert: only tasks whose dependencies this process has not read yet are queried.
     */
    List<Task> withDeps(Connection c, List<Task> tasks) throws SQLException {
        if (tasks.isEmpty()) return tasks;
        Map<String, List<Dependency>> deps = new HashMap<>();
        List<String> unknown = new ArrayList<>();
        for (Task t : tasks) {
            Definition def = definitions.get(t.id());
            if (def != null && def.dependsOn() != null) deps.put(t.id(), def.dependsOn());
            else unknown.add(t.id());
        }
        for (int from = 0; from < unknown.size(); from += Sql.IN_CHUNK) {
            List<String> chunk = unknown.subList(from, Math.min(unknown.size(), from + Sql.IN_CHUNK));
            Map<String, List<Dependency>> read = new HashMap<>();
            for (String id : chunk) read.put(id, new ArrayList<>());
            for (String[] r : Sql.query(c, "SELECT task_id, depends_on, kind FROM task_deps WHERE task_id IN ("
                            + Sql.placeholders(chunk.size()) + ") ORDER BY task_id, pos",
                    rs -> new String[] {rs.getString(1), rs.getString(2), rs.getString(3)}, chunk.toArray()))
                read.get(r[0]).add(new Dependency(r[1], DependencyKind.valueOf(r[2])));
            read.forEach((id, d) -> {
                List<Dependency> frozen = List.copyOf(d);
                deps.put(id, frozen);
                definitions.computeIfPresent(id, (k, def) -> def.withDependsOn(frozen));
            });
        }
        List<Task> out = new ArrayList<>(tasks.size());
        for (Task t : tasks) {
            List<Dependency> d = deps.get(t.id());
            out.add(d == null || d.isEmpty() ? t : new Task(t.id(), t.workflowId(), t.key(), t.action(), t.state(), t.priority(),
                    t.attempt(), t.retry(), t.timeoutMs(), t.idempotencyKey(), t.nextAttemptAt(), t.progress(),
                    t.progressMessage(), t.result(), t.exitCode(), t.error(), t.stderrTail(), d,
                    t.rollback(), t.pools(), t.checkpoint(), t.attemptBase(), t.rollbackRunning(), t.seq(),
                    t.createdAt(), t.updatedAt(), t.startedAt(), t.finishedAt()));
        }
        return out;
    }

    QueuedTask mapQueued(ResultSet rs) throws SQLException {
        String id = rs.getString("id");
        Definition def = definitions.get(id);
        return new QueuedTask(id, rs.getString("workflow_id"), rs.getInt("priority"), rs.getLong("seq"),
                Sql.instant(rs, "updated_at"), def != null ? def.pools() : pools(rs));
    }

    /** The row's {@code pools_json} as a list (empty when null). */
    private static List<String> pools(ResultSet rs) throws SQLException {
        List<String> pools = new ArrayList<>();
        JsonNode poolsJson = Json.read(rs.getString("pools_json"));
        if (poolsJson != null) poolsJson.forEach(p -> pools.add(p.asText()));
        return List.copyOf(pools);
    }

    static Attempt mapAttempt(ResultSet rs) throws SQLException {
        return new Attempt(rs.getString("task_id"), rs.getInt("attempt_no"), TaskState.valueOf(rs.getString("state")),
                rs.getString("owner"), Sql.longOrNull(rs, "pid"), rs.getString("run_dir"), Sql.intOrNull(rs, "exit_code"),
                rs.getString("error"), rs.getString("stderr_tail"), Sql.instant(rs, "started_at"),
                Sql.instant(rs, "finished_at"));
    }

    static Event mapEvent(ResultSet rs) throws SQLException {
        return new Event(rs.getLong("id"), rs.getString("workflow_id"), rs.getString("task_id"), rs.getString("type"),
                rs.getString("from_state"), rs.getString("to_state"), rs.getString("data_json"),
                Sql.instant(rs, "at"));
    }
}
