package dev.provisioning.store;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioning.core.error.ErrorCode;
import dev.provisioning.core.error.ProvisioningException;
import dev.provisioning.core.model.Actions;
import dev.provisioning.core.model.DependencyKind;
import dev.provisioning.core.model.Json;
import dev.provisioning.core.model.NewTask;
import dev.provisioning.core.model.NewTask.Dependency;
import dev.provisioning.core.model.NewWorkflow;
import dev.provisioning.core.model.Priority;
import dev.provisioning.core.model.TaskState;
import dev.provisioning.core.model.WorkflowState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@link JdbcStore#insertWorkflow}: the checks of a new workflow's graph, before any SQL, then one write transaction
 * that inserts the workflow, its tasks, their dependencies and the events; after the commit the task definitions go
 * into the cache.
 */
record WorkflowInsert(Transactions txs, Dialect dialect, Settle settle, Definitions definitions) {
    void insertWorkflow(NewWorkflow wf) {
        validate(wf);
        Priority wfPriority = wf.priority() == null ? Priority.normal : wf.priority();
        NewWorkflow.OnFailure onFailure = wf.onFailure() == null ? NewWorkflow.OnFailure.FAIL : wf.onFailure();
        txs.write("insert workflow " + wf.id(), tx -> {
            Connection c = tx.c;
            if (Sql.one(c, "SELECT id FROM workflows WHERE id = ?", rs -> rs.getString(1), wf.id()).isPresent())
                throw new ProvisioningException(ErrorCode.CONFLICT, "workflow " + wf.id() + " already exists", wf.id());
            Sql.update(c, "INSERT INTO workflows (id, seq, name, kind, state, priority, on_failure, parallel_limit, "
                            + "request_json, created_at, updated_at) VALUES (?, " + dialect.nextWorkflowSeq()
                            + ", ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    wf.id(), wf.name() == null ? wf.id() : wf.name(), wf.kind() == null ? "batch" : wf.kind(),
                    WorkflowState.Pending, wfPriority.weight(), onFailure.wire(), wf.parallelLimit(),
                    wf.request() == null ? null : Json.write(wf.request()), tx.now, tx.now);

            try (PreparedStatement ps = c.prepareStatement("INSERT INTO tasks (id, workflow_id, task_key, action_json, "
                    + "rollback_json, state, priority, attempt, max_attempts, retry_json, timeout_ms, idempotency_key, "
                    + "progress, pools_json, attempt_base, rollback_running, seq, created_at, updated_at) "
                    + "VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, 0, ?, 0, FALSE, " + dialect.nextTaskSeq() + ", ?, ?)")) {
                for (NewTask t : wf.tasks()) {
                    Sql.bind(ps, t.id(), wf.id(), t.key() == null ? t.id() : t.key(),
                            Json.write(Actions.toJson(t.action())),
                            t.rollback() == null ? null : Json.write(Actions.toJson(t.rollback())),
                            initialState(t), (t.priority() == null ? wfPriority : t.priority()).weight(),
                            t.maxAttempts(), Json.write(t.retry().toJson()), t.timeoutMs(), t.idempotencyKey(),
                            t.pools().isEmpty() ? null : Json.write(t.pools()), tx.now, tx.now);
                    ps.addBatch();
                }
                if (!wf.tasks().isEmpty()) ps.executeBatch();
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO task_deps (task_id, depends_on, kind, pos) VALUES (?, ?, ?, ?)")) {
                boolean any = false;
                for (NewTask t : wf.tasks()) {
                    int pos = 0;
                    for (Dependency d : t.dependsOn()) {
                        Sql.bind(ps, t.id(), d.taskId(), kindOf(d).name(), pos++);
                        ps.addBatch();
                        any = true;
                    }
                }
                if (any) ps.executeBatch();
            }

            ObjectNode data = Json.MAPPER.createObjectNode()
                    .put("name", wf.name()).put("kind", wf.kind()).put("tasks", wf.tasks().size());
            tx.event(wf.id(), null, "workflow.submitted", null, WorkflowState.Pending, data);
            for (NewTask t : wf.tasks())
                tx.event(wf.id(), t.id(), "task.state", null, initialState(t), null);
            if (wf.tasks().isEmpty()) settle.deriveWorkflow(tx, wf.id(), WorkflowState.Pending, List.of());
            return null;
        });
        // Committed: remember the definitions as they were written, so that a task's first read (its claim) parses
        // no JSON and reads no task_deps. They equal what mapTask and withDeps would read back (a contract test
        // checks it against a fresh store).
        for (NewTask t : wf.tasks())
            definitions.put(t.id(), new Definition(t.action(), t.rollback(), t.retry(), List.copyOf(t.pools()),
                    t.dependsOn().stream().map(d -> new Dependency(d.taskId(), kindOf(d))).toList()));
    }

    private static TaskState initialState(NewTask t) {
        return t.dependsOn().isEmpty() ? TaskState.Ready : TaskState.Pending;
    }

    private static DependencyKind kindOf(Dependency d) {
        return d.kind() == null ? DependencyKind.hard : d.kind();
    }

    /** Pure checks, before any SQL: every reference stays inside the workflow and the graph is acyclic. */
    private static void validate(NewWorkflow wf) {
        if (wf.id() == null || wf.id().isBlank())
            throw new ProvisioningException(ErrorCode.INVALID_WORKFLOW, "workflow id must not be empty", "id");
        Map<String, NewTask> byId = new LinkedHashMap<>();
        Set<String> keys = new HashSet<>();
        for (NewTask t : wf.tasks()) {
            if (t.id() == null || t.id().isBlank())
                throw invalidWorkflow(wf, null, "a task has an empty id");
            if (byId.putIfAbsent(t.id(), t) != null)
                throw invalidWorkflow(wf, t.id(), "task id " + t.id() + " appears twice");
            if (t.key() != null && !keys.add(t.key()))
                throw invalidWorkflow(wf, t.id(), "task key " + t.key() + " appears twice");
            if (t.action() == null) throw invalidWorkflow(wf, t.id(), "task " + t.id() + " has no action");
        }
        for (NewTask t : wf.tasks()) {
            Set<String> seen = new HashSet<>();
            for (Dependency d : t.dependsOn()) {
                if (d.taskId() == null || !byId.containsKey(d.taskId()))
                    throw invalidWorkflow(wf, t.id(), "task " + t.id() + " depends on " + d.taskId()
                            + ", which is not a task of workflow " + wf.id());
                if (d.taskId().equals(t.id()))
                    throw invalidWorkflow(wf, t.id(), "task " + t.id() + " depends on itself");
                if (!seen.add(d.taskId()))
                    throw invalidWorkflow(wf, t.id(), "task " + t.id() + " lists dependency " + d.taskId() + " twice");
            }
        }
        // Kahn: whatever cannot be ordered sits on a cycle.
        Map<String, Integer> indegree = new HashMap<>();
        Map<String, List<String>> dependents = new HashMap<>();
        for (NewTask t : wf.tasks()) {
            indegree.put(t.id(), t.dependsOn().size());
            for (Dependency d : t.dependsOn()) dependents.computeIfAbsent(d.taskId(), k -> new ArrayList<>()).add(t.id());
        }
        ArrayDeque<String> queue = new ArrayDeque<>();
        indegree.forEach((id, n) -> { if (n == 0) queue.add(id); });
        int ordered = 0;
        while (!queue.isEmpty()) {
            String id = queue.poll();
            ordered++;
            for (String dep : dependents.getOrDefault(id, List.of()))
                if (indegree.merge(dep, -1, Integer::sum) == 0) queue.add(dep);
        }
        if (ordered < byId.size()) {
            String onCycle = byId.keySet().stream().filter(id -> indegree.get(id) > 0).findFirst().orElse(null);
            throw invalidWorkflow(wf, onCycle, "the dependencies form a cycle (through task " + onCycle + ")");
        }
    }

    private static ProvisioningException invalidWorkflow(NewWorkflow wf, String taskId, String msg) {
        return new ProvisioningException(ErrorCode.INVALID_WORKFLOW, "workflow " + wf.id() + ": " + msg, taskId);
    }
}
