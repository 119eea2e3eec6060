package dev.provisioning.store;

import static dev.provisioning.store.Rows.stateIs;

import dev.provisioning.core.dag.Promotion;
import dev.provisioning.core.dag.WorkflowPolicy;
import dev.provisioning.core.model.DependencyKind;
import dev.provisioning.core.model.NewTask.Dependency;
import dev.provisioning.core.model.NewWorkflow;
import dev.provisioning.core.model.TaskState;
import dev.provisioning.core.model.WorkflowState;
import dev.provisioning.core.model.WorkflowStates;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a write transaction of {@link JdbcStore} does to a workflow after changing its tasks: it locks the workflow row
 * first, applies the workflow policy ({@link #settle}, or {@link #settleCompleted} after a plain success) with one
 * checked update and one event per change, and moves the workflow to the state its tasks derive.
 */
final class Settle {
    private static final Logger log = LoggerFactory.getLogger(JdbcStore.class);

    private final Dialect dialect;

    Settle(Dialect dialect) {
        this.dialect = dialect;
    }

    /** The locked workflow row: its state and its on_failure policy. */
    record WfRow(WorkflowState state, NewWorkflow.OnFailure onFailure) {}

    /** One task row as the control operations and the policy see it. */
    record TaskRow(String id, TaskState state, int attempt, boolean hasRollback, boolean rollbackRunning) {}

    /** Locks the workflow row for this transaction and returns its state and policy. */
    WfRow lockWorkflow(Tx tx, String workflowId) throws SQLException {
        return Sql.one(tx.c, "SELECT state, on_failure FROM workflows WHERE id = ?" + dialect.forUpdate(),
                        rs -> wfRow(rs, 1), workflowId)
                .orElseThrow(() -> StoreErrors.notFound("workflow", workflowId));
    }

    /** A {@link WfRow} from a row's state and on_failure columns, at {@code col} and the next. */
    private static WfRow wfRow(ResultSet rs, int col) throws SQLException {
        return new WfRow(WorkflowState.valueOf(rs.getString(col)), NewWorkflow.OnFailure.parse(rs.getString(col + 1)));
    }

    /** A task's state, and its workflow's row as {@link #lockWorkflow} reads and locks it. */
    record TaskInWorkflow(String workflowId, TaskState state, WfRow wf) {}

    /** {@link #lockWorkflow} of a task's workflow, and the task's state, in one statement; empty if no such task. */
    Optional<TaskInWorkflow> lockTaskWorkflow(Tx tx, String taskId) throws SQLException {
        return Sql.one(tx.c, "SELECT t.workflow_id, t.state, w.state, w.on_failure FROM tasks t "
                        + "JOIN workflows w ON w.id = t.workflow_id WHERE t.id = ?" + dialect.forUpdateOf("w"),
                rs -> new TaskInWorkflow(rs.getString(1), TaskState.valueOf(rs.getString(2)), wfRow(rs, 3)), taskId);
    }

    /** The workflow's tasks in submission order (call after {@link #lockWorkflow}). */
    static List<TaskRow> taskRows(Tx tx, String workflowId) throws SQLException {
        return Sql.query(tx.c, "SELECT id, state, attempt, CASE WHEN rollback_json IS NULL THEN 0 ELSE 1 END, "
                        + "rollback_running FROM tasks WHERE workflow_id = ? ORDER BY seq",
                rs -> new TaskRow(rs.getString(1), TaskState.valueOf(rs.getString(2)), rs.getInt(3), rs.getInt(4) == 1,
                        rs.getBoolean(5)), workflowId);
    }

    /**
     * Applies {@link WorkflowPolicy} (promotion, on_failure, rollback) to the workflow's tasks, one checked
     * update and one {@code task.state} event per change, in the order the policy returns them; then re-derives
     * the workflow state. {@code wf} is the workflow row as locked (and possibly moved) by this transaction.
     */
    WorkflowState settle(Tx tx, String workflowId, WfRow wf, boolean rollbackRequested) throws SQLException {
        Map<String, TaskState> states = new LinkedHashMap<>();
        Map<String, WorkflowPolicy.TaskView> views = new LinkedHashMap<>();
        for (TaskRow r : taskRows(tx, workflowId)) {
            states.put(r.id(), r.state());
            views.put(r.id(), new WorkflowPolicy.TaskView(r.state(), r.hasRollback()));
        }
        Map<String, List<Dependency>> deps = new HashMap<>();
        for (String[] r : Sql.query(tx.c, "SELECT d.task_id, d.depends_on, d.kind FROM task_deps d "
                        + "JOIN tasks t ON t.id = d.task_id WHERE t.workflow_id = ? ORDER BY d.task_id, d.pos",
                rs -> new String[] {rs.getString(1), rs.getString(2), rs.getString(3)}, workflowId))
            deps.computeIfAbsent(r[0], k -> new ArrayList<>()).add(new Dependency(r[1], DependencyKind.valueOf(r[2])));
        for (Promotion.Change ch : WorkflowPolicy.apply(wf.onFailure(), views, deps, rollbackRequested)) {
            moveTask(tx, workflowId, ch.taskId(), ch.from(), ch.to());
            states.put(ch.taskId(), ch.to());
        }
        return deriveWorkflow(tx, workflowId, wf.state(), states.values());
    }

    /**
     * {@link #settle} after {@code taskId} moved Running → Completed, without reading the whole workflow. It gives
     * the same changes, in the same order, and the same workflow state as the full pass, because:
     * <ul>
     *   <li>Every transaction that changes a task's state so that a Pending task's promotion could change ends
     *       with a policy pass, and {@link Promotion#compute} runs to a fixpoint, so before this completion no
     *       Pending task could move. {@link Promotion} decides a Pending task from its dependencies' states only,
     *       so the only tasks that may move now are the Pending dependents of {@code taskId} (the candidates).
     *       A candidate can then only become Ready (a Completed task skips nobody, and whatever else would skip
     *       it would have done so before); a Ready task ends nothing, so nothing cascades.</li>
     *   <li>With no Failed task (or {@code on_failure = continue}) and no rollback requested,
     *       {@link WorkflowPolicy#apply} is exactly that promotion: it neither skips nor rolls back.</li>
     *   <li>{@link WorkflowStates#derive} gives Running for any started workflow with a task not terminal, which
     *       one index seek tells; only when none is left does it need the per-state counts.</li>
     * </ul>
     * {@link Promotion#compute} itself decides the candidates, on their dependencies' current states. Anything
     * else (a Failed task under fail/rollback, or a computed change that is not Pending → Ready, which the
     * argument above rules out) falls back to the full {@link #settle} before anything is written.
     */
    WorkflowState settleCompleted(Tx tx, String workflowId, WfRow wf, String taskId) throws SQLException {
        // Index seeks on tasks (workflow_id, state), not a count of the workflow's tasks: a completion must not cost
        // more in a bigger workflow (that count made a 100,000-task workflow quadratic).
        // One statement for two index seeks: is a task Failed (which stops the workflow unless on_failure = continue),
        // and is any task unfinished. Nothing but the promotion below moves a task in this pass, and it moves
        // Pending tasks to Ready, so the second answer still holds at the end.
        boolean[] any = new boolean[2];
        Sql.one(tx.c, "SELECT EXISTS (SELECT 1 FROM tasks WHERE workflow_id = ? AND " + stateIs(TaskState.Failed)
                + "), EXISTS (SELECT 1 FROM tasks WHERE workflow_id = ? AND state IN (" + NOT_TERMINAL_LIST + "))", rs -> {
            any[0] = rs.getBoolean(1);
            any[1] = rs.getBoolean(2);
            return Boolean.TRUE;
        }, workflowId, workflowId);
        boolean anyFailed = any[0], anyUnfinished = any[1];
        if (wf.onFailure() != NewWorkflow.OnFailure.CONTINUE && anyFailed) return settle(tx, workflowId, wf, false);

        // Only dependents whose every dependency has ended can move: one that still waits on another stays Pending,
        // whatever the rest (a Pending task has no Failed or Skipped hard dependency here: the pass that made it so
        // would have skipped it). The NOT EXISTS stops at the first unfinished dependency, so a task that joins n
        // others costs each completion a few probes instead of reading all n dependencies of every dependent.
        // CROSS JOIN fixes SQLite's join order (dependency rows first, then the task by its key): left to choose, it
        // may walk the state index over every unfinished task of the database instead.
        List<String> candidates = Sql.query(tx.c, "SELECT t.id FROM task_deps d CROSS JOIN tasks t WHERE d.depends_on = ? "
                + "AND t.id = d.task_id AND t." + stateIs(TaskState.Pending) + " AND NOT EXISTS (SELECT 1 FROM task_deps w "
                + "CROSS JOIN tasks s WHERE w.task_id = t.id AND s.id = w.depends_on AND s.state IN (" + NOT_TERMINAL_LIST
                + ")) ORDER BY t.seq", rs -> rs.getString(1), taskId);
        List<Promotion.Change> changes = List.of();
        if (!candidates.isEmpty()) {
            // the candidates first, in submission order (the order the full pass meets them), then their dependencies
            Map<String, TaskState> states = new LinkedHashMap<>();
            candidates.forEach(id -> states.put(id, TaskState.Pending));
            Map<String, List<Dependency>> deps = new HashMap<>();
            for (int from = 0; from < candidates.size(); from += Sql.IN_CHUNK) {
                List<String> chunk = candidates.subList(from, Math.min(candidates.size(), from + Sql.IN_CHUNK));
                for (String[] r : Sql.query(tx.c, "SELECT d.task_id, d.depends_on, d.kind, s.state FROM task_deps d "
                                + "JOIN tasks s ON s.id = d.depends_on WHERE d.task_id IN (" + Sql.placeholders(chunk.size())
                                + ") ORDER BY d.task_id, d.pos",
                        rs -> new String[] {rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)},
                        chunk.toArray())) {
                    deps.computeIfAbsent(r[0], k -> new ArrayList<>()).add(new Dependency(r[1], DependencyKind.valueOf(r[2])));
                    states.putIfAbsent(r[1], TaskState.valueOf(r[3]));
                }
            }
            // A Pending dependency that is not a candidate keeps waiting, as in the full pass (nothing it depends on
            // changed): it is given itself as its one dependency, so Promotion leaves it Pending.
            for (Map.Entry<String, TaskState> e : states.entrySet())
                if (e.getValue() == TaskState.Pending && !deps.containsKey(e.getKey()))
                    deps.put(e.getKey(), List.of(new Dependency(e.getKey(), DependencyKind.hard)));
            changes = Promotion.compute(states, deps);
            for (Promotion.Change ch : changes)
                if (ch.from() != TaskState.Pending || ch.to() != TaskState.Ready) {
                    log.warn("workflow {}: incremental promotion after {} gave {}; running the full policy pass",
                            workflowId, taskId, ch);
                    return settle(tx, workflowId, wf, false);
                }
        }
        for (Promotion.Change ch : changes) moveTask(tx, workflowId, ch.taskId(), ch.from(), ch.to());
        // A task has completed, so the workflow has started; while any task is not terminal (a promoted one is Ready)
        // it is Running. Only its last completion needs every task's state.
        if (!changes.isEmpty() || anyUnfinished) return moveWorkflowTo(tx, workflowId, wf.state(), WorkflowState.Running);
        List<TaskState> all = new ArrayList<>();
        for (Object[] r : Sql.query(tx.c, "SELECT state, COUNT(*) FROM tasks WHERE workflow_id = ? GROUP BY state",
                rs -> new Object[] {TaskState.valueOf(rs.getString(1)), rs.getInt(2)}, workflowId))
            all.addAll(java.util.Collections.nCopies((Integer) r[1], (TaskState) r[0]));
        return deriveWorkflow(tx, workflowId, wf.state(), all);
    }

    private static final Set<TaskState> NOT_TERMINAL =
            java.util.Arrays.stream(TaskState.values()).filter(t -> !t.isTerminal()).collect(
                    java.util.stream.Collectors.toCollection(() -> EnumSet.noneOf(TaskState.class)));
    /** {@link #NOT_TERMINAL} as SQL literals (enum names), for {@code state IN (...)}. */
    private static final String NOT_TERMINAL_LIST =
            NOT_TERMINAL.stream().map(t -> "'" + t.name() + "'").collect(java.util.stream.Collectors.joining(", "));

    /**
     * One checked task move with its event. A move into a terminal state sets {@code finished_at}; any other
     * keeps it. {@code next_attempt_at} is cleared (no such move goes to RetryWait).
     */
    void moveTask(Tx tx, String workflowId, String taskId, TaskState from, TaskState to) throws SQLException {
        from.checkMove(taskId, to);
        int n = to.isTerminal()
                ? Sql.update(tx.c, "UPDATE tasks SET state = ?, finished_at = ?, next_attempt_at = NULL, updated_at = ? "
                        + "WHERE id = ? AND state = ?", to, tx.now, tx.now, taskId, from)
                : Sql.update(tx.c, "UPDATE tasks SET state = ?, next_attempt_at = NULL, updated_at = ? "
                        + "WHERE id = ? AND state = ?", to, tx.now, taskId, from);
        if (n != 1) throw new IllegalStateException("task " + taskId + " was not " + from + " (" + n + " rows)");
        tx.event(workflowId, taskId, "task.state", from, to, null);
    }

    /**
     * Moves the workflow to the state derived from its tasks, if that is a move the table allows; returns the
     * workflow's state afterwards. Derived Pending is ignored (a workflow that has started never goes back to
     * it); any other move the table does not allow is logged and not applied.
     */
    WorkflowState deriveWorkflow(Tx tx, String workflowId, WorkflowState current,
                                         java.util.Collection<TaskState> states) throws SQLException {
        return moveWorkflowTo(tx, workflowId, current, WorkflowStates.derive(states));
    }

    /** Moves the workflow from {@code current} to a {@code derived} state, as {@link #deriveWorkflow} describes. */
    private WorkflowState moveWorkflowTo(Tx tx, String workflowId, WorkflowState current, WorkflowState derived)
            throws SQLException {
        if (derived == current || derived == WorkflowState.Pending) return current;
        if (!current.canMoveTo(derived)) {
            log.warn("workflow {}: derived state {} is not a move from {}; left {}", workflowId, derived, current, current);
            return current;
        }
        moveWorkflow(tx, workflowId, current, derived);
        return derived;
    }

    void moveWorkflow(Tx tx, String workflowId, WorkflowState from, WorkflowState to) throws SQLException {
        from.checkMove(workflowId, to);
        int n = Sql.update(tx.c, "UPDATE workflows SET state = ?, finished_at = ?, updated_at = ? WHERE id = ? AND state = ?",
                to, to.isTerminal() ? tx.now : null, tx.now, workflowId, from);
        if (n != 1) throw new IllegalStateException("workflow " + workflowId + " was not " + from + " (" + n + " rows)");
        tx.event(workflowId, null, "workflow.state", from, to, null);
        if (to.isTerminal()) tx.endsAWorkflow = true;
    }
}
