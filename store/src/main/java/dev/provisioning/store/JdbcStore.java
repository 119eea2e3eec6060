package dev.provisioning.store;

import static dev.provisioning.store.Rows.ATTEMPT_COLS;
import static dev.provisioning.store.Rows.EVENT_COLS;
import static dev.provisioning.store.Rows.QUEUE_COLS;
import static dev.provisioning.store.Rows.TASK_COLS;
import static dev.provisioning.store.Rows.WORKFLOW_COLS;
import static dev.provisioning.store.Rows.stateIs;

import com.fasterxml.jackson.databind.JsonNode;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.provisioning.core.error.ErrorCode;
import dev.provisioning.core.error.ProvisioningException;
import dev.provisioning.core.model.Attempt;
import dev.provisioning.core.model.AttemptOutcome;
import dev.provisioning.core.model.Event;
import dev.provisioning.core.model.Json;
import dev.provisioning.core.model.NewWorkflow;
import dev.provisioning.core.model.QueuedTask;
import dev.provisioning.core.model.Task;
import dev.provisioning.core.model.TaskState;
import dev.provisioning.core.model.Workflow;
import dev.provisioning.core.model.WorkflowState;
import dev.provisioning.core.port.Store;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one JDBC implementation of {@link Store}, for SQLite (embedded default) and PostgreSQL (multi-node).
 *
 * <p>Rules that every write method follows:
 * <ul>
 *   <li>One transaction per call. The events that record its changes are inserted in the same transaction,
 *       just before commit; nothing is visible to readers until the whole change is.</li>
 *   <li>Every task and workflow state change is checked with {@link TaskState#checkMove} /
 *       {@link WorkflowState#checkMove} and applied by a conditional {@code UPDATE ... WHERE state = <from>}.
 *       An illegal change throws {@link dev.provisioning.core.model.IllegalTransitionException} and the
 *       transaction rolls back.</li>
 *   <li>A transaction that changes the states of a workflow's tasks first locks the workflow row
 *       ({@code SELECT ... FOR NO KEY UPDATE} on PostgreSQL; SQLite has one writer at a time), so promotion and the
 *       workflow's derived state are computed from a consistent view even when several daemons share a
 *       PostgreSQL database. Lock order: workflow rows (by id) → task rows → event order lock.</li>
 *   <li>On SQLite this process also serializes its own write transactions with a lock and every write
 *       transaction starts with {@code BEGIN IMMEDIATE}, so concurrent writers never see {@code SQLITE_BUSY};
 *       other processes wait up to {@code busy_timeout}.</li>
 * </ul>
 * Time comes only from the injected {@link Clock}; instants are stored as epoch milliseconds.
 * {@link java.sql.SQLException}s are wrapped in {@link ProvisioningException} with
 * {@link ErrorCode#STORE_FAILURE} (or {@link ErrorCode#CONFLICT} for a constraint violation).
 */
public final class JdbcStore implements Store {
    private static final Logger log = LoggerFactory.getLogger(JdbcStore.class);

    /** SQLite file name inside the data dir. */
    public static final String SQLITE_FILE = "provisioning.db";
    /** Bound of {@link #requests}, in characters of request_json (a parsed tree takes several times that). */
    static final int REQUEST_CACHE_CHARS = 4 << 20;
    /** Task definitions kept parsed ({@link Definitions}); a scheduling round reads the head of the ready queue. */
    static final int DEFINITION_CACHE_TASKS = 20_000;

    private final DataSource dataSource;
    private final AutoCloseable owned;
    private final Dialect dialect;
    /**
     * Whether a plain success takes the incremental path ({@link Settle#settleCompleted}). Always on; tests turn it off
     * to compare the two paths and to time them.
     */
    boolean incrementalSettle = true;
    /**
     * Parsed request documents by workflow id. {@code request_json} is written once, by insertWorkflow, and never
     * changed, so {@link #workflow} and {@link #workflows} read it and parse it once per process, then hand each
     * caller its own deep copy (the trees are mutable); parsing a 500-task document costs about 4× the copy.
     */
    private final RequestCache requests = new RequestCache(REQUEST_CACHE_CHARS);
    /** Parsed task definitions by task id: the parts of a task row that never change after insert. */
    private final Definitions definitions = new Definitions(DEFINITION_CACHE_TASKS);
    /** Maps rows to the port's records, with {@link #requests} and {@link #definitions}. */
    private final Rows rows = new Rows(requests, definitions);
    /** The workflow policy pass after a change to a workflow's tasks, and the workflow row locks. */
    private final Settle settle;
    /** How many of the newest events {@link #recent} holds, at most, and about how many chars of them. */
    static final int RECENT_EVENTS = 16_384;
    static final long RECENT_EVENT_CHARS = 4L << 20;
    /**
     * The newest events this store committed, for {@link #events} (a live stream's query), where this store is the
     * database's only writer (opened so) and event ids have no gaps: SQLite. Null otherwise (PostgreSQL, where other
     * daemons write too; a SQLite file that other stores or processes may write).
     */
    private final RecentEvents recent;
    /** Reads and write transactions ({@link #inOneTransaction} included). */
    private final Transactions txs;
    /** The leases of claims (D37): their length, their renewals, the fence of a take-over. */
    private final Leases leases;
    /** Claims, progress, checkpoints and ends of run and rollback attempts, and due retries. */
    private final Attempts attempts;
    /** The insert of a new workflow, with its checks. */
    private final WorkflowInsert inserts;
    /** The control operations: cancel, resume, roll back a workflow. */
    private final Control control;

    private JdbcStore(DataSource dataSource, AutoCloseable owned, Dialect dialect, Clock clock, boolean onlyWriter) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.owned = owned;
        this.dialect = Objects.requireNonNull(dialect, "dialect");
        this.recent = onlyWriter && dialect.serializeWrites() ? new RecentEvents(RECENT_EVENTS, RECENT_EVENT_CHARS) : null;
        this.settle = new Settle(this.dialect);
        this.txs = new Transactions(dataSource, dialect, Objects.requireNonNull(clock, "clock"), recent);
        this.leases = new Leases(txs, rows);
        this.attempts = new Attempts(txs, rows, settle, leases);
        this.inserts = new WorkflowInsert(txs, this.dialect, settle, definitions);
        this.control = new Control(txs, settle);
    }

    // ------------------------------------------------------------------------------------------------ factories

    /**
     * Opens (creating if needed) {@code <dataDir>/provisioning.db} in WAL mode with {@code synchronous=NORMAL},
     * foreign keys on, a busy timeout and {@code BEGIN IMMEDIATE} write transactions, and migrates it.
     */
    public static JdbcStore sqlite(Path dataDir, Clock clock) {
        return sqlite(dataDir, clock, ds -> ds);
    }

    /**
     * As {@link #sqlite(Path, Clock)}, with the store's transactions going through {@code wrap(pool)} (the migrations
     * do not): the seam for {@link dev.provisioning.store.fault.FaultInjectingDataSource}.
     */
    public static JdbcStore sqlite(Path dataDir, Clock clock, java.util.function.UnaryOperator<DataSource> wrap) {
        return sqlite(dataDir, clock, wrap, false);
    }

    /**
     * As {@link #sqlite(Path, Clock, java.util.function.UnaryOperator)}; {@code onlyWriter} promises that nothing but
     * this store writes the file (the daemon holds its data dir's lock), which lets {@link #events} answer a live
     * stream from the newest events it committed instead of a query ({@link RecentEvents}).
     */
    public static JdbcStore sqlite(Path dataDir, Clock clock, java.util.function.UnaryOperator<DataSource> wrap,
                                   boolean onlyWriter) {
        return openOwned(Pools.sqlite(dataDir), Dialect.SQLITE, clock, wrap, onlyWriter);
    }

    /** Connects to PostgreSQL through a HikariCP pool and migrates the schema. */
    public static JdbcStore postgres(String jdbcUrl, String user, String password, Clock clock) {
        return openOwned(Pools.postgres(jdbcUrl, user, password), Dialect.POSTGRESQL, clock, ds -> ds, false);
    }

    /**
     * Opens a store on a data source the caller owns (and closes). Runs the migrations. For SQLite the data
     * source should enable foreign keys, WAL and a busy timeout, as {@link #sqlite} does.
     */
    public static JdbcStore open(DataSource dataSource, Dialect dialect, Clock clock) {
        Pools.migrate(dataSource, dialect);
        return new JdbcStore(dataSource, null, dialect, clock, false);
    }

    private static JdbcStore openOwned(HikariConfig hc, Dialect dialect, Clock clock, java.util.function.UnaryOperator<DataSource> wrap,
                                       boolean onlyWriter) {
        HikariDataSource ds = Pools.open(hc, dialect);
        try {
            Pools.migrate(ds, dialect);
            return new JdbcStore(wrap.apply(ds), ds, dialect, clock, onlyWriter);
        } catch (RuntimeException e) {
            ds.close();
            throw e;
        }
    }

    public Dialect dialect() { return dialect; }

    /** For tests in this package. */
    DataSource dataSource() { return dataSource; }

    @Override
    public void close() {
        if (owned == null) return;
        try {
            owned.close();
        } catch (Exception e) {
            log.warn("closing store: {}", e.toString());
        }
    }

    // ------------------------------------------------------------------------------------------------ writes

    /**
     * {@inheritDoc}
     * <p>Throws {@link ErrorCode#INVALID_WORKFLOW} (nothing written) if a task id is missing or repeated, a key
     * repeats, a dependency names a task outside this workflow or itself, or the dependencies form a cycle;
     * {@link ErrorCode#CONFLICT} if the workflow id or a task id is already stored. A task without a priority
     * takes the workflow's. A workflow with no tasks is stored Completed.
     */
    @Override
    public void insertWorkflow(NewWorkflow wf) {
        inserts.insertWorkflow(wf);
    }

    /**
     * {@inheritDoc}
     * <p>Throws {@link ErrorCode#NOT_FOUND} for an unknown task id. The task's {@code started_at} becomes the
     * start of this attempt; its progress is reset.
     */
    @Override
    public Optional<Attempt> claim(String taskId, String owner, String runDir) {
        return attempts.claim(taskId, owner, runDir);
    }

    /** {@inheritDoc} <p>The task's row is read in the claim's transaction. */
    @Override
    public Optional<Claim> claimTask(String taskId, String owner, String runDir) {
        return attempts.claimTask(taskId, owner, runDir);
    }

    /** {@inheritDoc} <p>Works for run and rollback attempts; does nothing if that attempt has already ended. */
    @Override
    public void attemptStarted(String taskId, int attemptNo, long pid) {
        attempts.attemptStarted(taskId, attemptNo, pid);
    }

    /** {@inheritDoc} <p>{@code percent} is clamped to 0..100. */
    @Override
    public boolean recordProgress(String taskId, int attemptNo, int percent, String message) {
        return attempts.recordProgress(taskId, attemptNo, percent, message);
    }

    /**
     * {@inheritDoc}
     * <p>{@code outcome.next()} must be a state Running may move to (else IllegalTransitionException);
     * RetryWait needs {@code nextAttemptAt}. The task's {@code finished_at} is set for terminal states; the
     * attempt row always gets its {@code finished_at}.
     */
    @Override
    public boolean completeAttempt(AttemptOutcome outcome) {
        return attempts.completeAttempt(outcome, null, incrementalSettle);
    }

    /** {@inheritDoc} <p>{@link #completeAttempt} with one more condition in its fence: the lease ran out before {@code now}. */
    @Override
    public boolean takeOverAttempt(AttemptOutcome outcome, Instant now) {
        return attempts.completeAttempt(outcome, Objects.requireNonNull(now, "now"), incrementalSettle);
    }

    /**
     * {@inheritDoc}
     * <p>The checkpoint is kept across attempts (a claim does not clear it) and across a resume; it is the
     * data of the {@code task.checkpoint} event. A null (or JSON null) checkpoint clears it.
     */
    @Override
    public boolean saveCheckpoint(String taskId, int attemptNo, JsonNode checkpoint) {
        return attempts.saveCheckpoint(taskId, attemptNo, checkpoint);
    }

    /**
     * {@inheritDoc}
     * <p>RollingBack tasks are left alone: a rollback in progress runs to its end. The transaction also appends
     * a {@code workflow.cancel} event listing what was cancelled and what still runs; the workflow turns
     * Cancelled once its running tasks have ended.
     */
    @Override
    public List<String> cancelWorkflow(String workflowId) {
        return control.cancelWorkflow(workflowId);
    }

    /**
     * {@inheritDoc}
     * <p>Also {@link ErrorCode#CONFLICT} when a task of the workflow has been (or is being) rolled back: what was
     * undone cannot be resumed. A resumed task keeps its attempt number (attempt numbers never repeat) and its
     * checkpoint; its error, exit code, result and stderr tail are cleared.
     */
    @Override
    public void resumeWorkflow(String workflowId) {
        control.resumeWorkflow(workflowId);
    }

    /**
     * {@inheritDoc}
     * <p>A RollbackFailed task is retried: it goes back to RollingBack (its error cleared) and its rollback
     * action runs again. A rollback with nothing to undo changes nothing but the {@code workflow.rollback}
     * event. Tasks without a rollback action go RollingBack → RolledBack at once.
     */
    @Override
    public void rollbackWorkflow(String workflowId) {
        control.rollbackWorkflow(workflowId);
    }

    @Override
    public List<Task> rollbackCandidates(int limit) {
        return txs.read(c -> rows.withDeps(c, Sql.query(c, ROLLBACK_QUEUE_SQL, rows::mapTask, limit)));
    }

    /**
     * {@inheritDoc}
     * <p>Throws {@link ErrorCode#NOT_FOUND} for an unknown task id. The attempt row has kind {@code rollback}
     * and state RollingBack; a {@code task.rollback} event records the start. The task's {@code started_at}
     * (of its last run) is kept.
     */
    @Override
    public Optional<Attempt> claimRollback(String taskId, String owner, String runDir) {
        return attempts.claimRollback(taskId, owner, runDir);
    }

    /**
     * {@inheritDoc}
     * <p>Fenced on RollingBack, the attempt number and a running rollback: returns false (changing nothing) for a
     * stale or unknown attempt. A failed rollback stores {@code error}, {@code exitCode} and {@code stderrTail} on
     * the task; a successful one keeps the task's result and exit code of its run.
     */
    @Override
    public boolean completeRollback(String taskId, int attemptNo, boolean ok, Integer exitCode, String error,
                                    String stderrTail) {
        return attempts.completeRollback(taskId, attemptNo, ok, exitCode, error, stderrTail, null);
    }

    /** {@inheritDoc} <p>{@link #completeRollback} (failed) with one more condition in its fence: the lease ran out before {@code now}. */
    @Override
    public boolean takeOverRollback(String taskId, int attemptNo, String error, Instant now) {
        return attempts.completeRollback(taskId, attemptNo, false, null, error, null, Objects.requireNonNull(now, "now"));
    }

    // ------------------------------------------------------------------------------------------------ leases (D37)

    /**
     * Turns on leases: every claim from now on holds its attempt for {@code lease}, and {@link #renewLeases} extends
     * it by as much. For a store that several daemons share (PostgreSQL). Returns this store.
     */
    public JdbcStore withLeases(Duration lease) {
        if (lease != null && (lease.isNegative() || lease.isZero())) throw new IllegalArgumentException("lease must be positive: " + lease);
        leases.lease(lease);
        return this;
    }

    /**
     * Calls {@code hook} on the committing thread right after each commit in which a workflow reached a terminal
     * state (a {@code workflow.state} event to Completed, Failed, Cancelled or RolledBack), so that a live stream
     * that waits to batch its reads can send a workflow's last events at once. The hook must be quick and must not
     * throw. Returns this store.
     */
    public JdbcStore onWorkflowEnd(Runnable hook) {
        txs.onWorkflowEnd(hook);
        return this;
    }

    /** {@inheritDoc} <p>Without leases ({@link #withLeases} not called) it changes nothing and returns an empty list. */
    @Override
    public List<String> renewLeases(String owner) {
        return leases.renewLeases(owner);
    }

    @Override
    public List<String> cancelRequested(String owner) {
        return leases.cancelRequested(owner);
    }

    @Override
    public List<Task> expiredLeases(Instant now) {
        return leases.expiredLeases(now);
    }

    @Override
    public int promoteDueRetries(Instant now) {
        return attempts.promoteDueRetries(now);
    }

    /** {@inheritDoc} <p>Throws {@link ErrorCode#NOT_FOUND} if the workflow does not exist. */
    @Override
    public long appendEvent(String workflowId, String taskId, String type, JsonNode data) {
        Objects.requireNonNull(type, "type");
        return txs.write("append event to workflow " + workflowId, tx -> {
            if (Sql.one(tx.c, "SELECT id FROM workflows WHERE id = ?", rs -> rs.getString(1), workflowId).isEmpty())
                throw StoreErrors.notFound("workflow", workflowId);
            tx.event(workflowId, taskId, type, null, null, data);
            tx.flushEvents();
            return tx.flushed.getLast().id();
        });
    }

    /**
     * {@inheritDoc}
     * <p>One BEGIN and one COMMIT for all of it: the pages the calls share (the tasks' rows and queue indexes, the
     * events) are written to the WAL once, not once per call.
     */
    @Override
    public <T> T inOneTransaction(java.util.function.Supplier<T> body) {
        return txs.inOneTransaction(body);
    }

    // ------------------------------------------------------------------------------------------------ reads

    @Override
    public Optional<Workflow> workflow(String id) {
        return txs.read(c -> rows.withRequests(c, Sql.query(c, "SELECT " + WORKFLOW_COLS + " FROM workflows WHERE id = ?",
                Rows::mapWorkflow, id))).stream().findFirst();
    }

    @Override
    public List<Workflow> workflows(WorkflowState state, int limit, int offset) {
        return txs.read(c -> rows.withRequests(c, state == null
                ? Sql.query(c, "SELECT " + WORKFLOW_COLS + " FROM workflows ORDER BY seq DESC LIMIT ? OFFSET ?",
                        Rows::mapWorkflow, limit, offset)
                : Sql.query(c, "SELECT " + WORKFLOW_COLS + " FROM workflows WHERE state = ? ORDER BY seq DESC LIMIT ? OFFSET ?",
                        Rows::mapWorkflow, state, limit, offset)));
    }

    @Override
    public Optional<Task> task(String id) {
        return txs.read(c -> task(c, id));
    }

    private Optional<Task> task(Connection c, String id) throws SQLException {
        return rows.withDeps(c, Sql.query(c, "SELECT " + TASK_COLS + " FROM tasks WHERE id = ?", rows::mapTask, id)).stream().findFirst();
    }

    @Override
    public Map<String, JsonNode> resultsByKey(List<String> taskIds) {
        if (taskIds.isEmpty()) return Map.of();
        Map<String, String[]> byId = new HashMap<>();
        txs.read(c -> {
            for (int from = 0; from < taskIds.size(); from += Sql.IN_CHUNK) {
                List<String> chunk = taskIds.subList(from, Math.min(taskIds.size(), from + Sql.IN_CHUNK));
                for (String[] r : Sql.query(c, "SELECT id, task_key, result_json FROM tasks WHERE id IN ("
                        + Sql.placeholders(chunk.size()) + ")", rs -> new String[] {rs.getString(1), rs.getString(2),
                        rs.getString(3)}, chunk.toArray()))
                    byId.put(r[0], r);
            }
            return null;
        });
        Map<String, JsonNode> out = new LinkedHashMap<>();
        for (String id : taskIds) {
            String[] r = byId.get(id);
            if (r == null) continue;
            JsonNode result = Json.read(r[2]);
            out.put(r[1], result == null ? Json.MAPPER.nullNode() : result);
        }
        return out;
    }

    @Override
    public List<Task> tasks(TaskState state, String workflowId, int limit, int offset) {
        StringBuilder sql = new StringBuilder("SELECT " + TASK_COLS + " FROM tasks");
        List<Object> args = new ArrayList<>();
        if (state != null) { sql.append(" WHERE state = ?"); args.add(state); }
        if (workflowId != null) { sql.append(state == null ? " WHERE" : " AND").append(" workflow_id = ?"); args.add(workflowId); }
        sql.append(" ORDER BY seq LIMIT ? OFFSET ?");
        args.add(limit);
        args.add(offset);
        return txs.read(c -> rows.withDeps(c, Sql.query(c, sql.toString(), rows::mapTask, args.toArray())));
    }

    @Override
    public List<Attempt> attempts(String taskId) {
        return txs.read(c -> Sql.query(c, "SELECT " + ATTEMPT_COLS + " FROM attempts WHERE task_id = ? ORDER BY attempt_no",
                Rows::mapAttempt, taskId));
    }

    @Override
    public List<QueuedTask> readyQueue(int limit) {
        return txs.read(c -> Sql.query(c, READY_QUEUE_SQL, rows::mapQueued, limit));
    }

    @Override
    public List<QueuedTask> longestWaiting(int limit) {
        return txs.read(c -> Sql.query(c, LONGEST_WAITING_SQL, rows::mapQueued, limit));
    }

    @Override
    public List<QueuedTask> runningQueue() {
        return txs.read(c -> Sql.query(c, "SELECT " + QUEUE_COLS + " FROM tasks WHERE state = ? ORDER BY seq", rows::mapQueued,
                TaskState.Running));
    }

    /** The queue reads, each from its partial index in the index's order (a test checks SQLite's plans). */
    static final String READY_QUEUE_SQL = "SELECT " + QUEUE_COLS + " FROM tasks WHERE " + stateIs(TaskState.Ready)
            + " ORDER BY priority DESC, seq ASC LIMIT ?",
            LONGEST_WAITING_SQL = "SELECT " + QUEUE_COLS + " FROM tasks WHERE " + stateIs(TaskState.Ready)
                    + " ORDER BY updated_at ASC, seq ASC LIMIT ?",
            NEXT_RETRY_SQL = "SELECT MIN(next_attempt_at) FROM tasks WHERE " + stateIs(TaskState.RetryWait),
            ROLLBACK_QUEUE_SQL = "SELECT " + TASK_COLS + " FROM tasks WHERE " + stateIs(TaskState.RollingBack)
                    + " AND rollback_running = FALSE ORDER BY seq LIMIT ?";

    @Override
    public Optional<Instant> nextRetryAt() {
        return txs.read(c -> {
            try (StatementCache.Lease l = StatementCache.lease(c, NEXT_RETRY_SQL)) {
                PreparedStatement ps = l.statement();
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) return Optional.empty();
                    long v = rs.getLong(1);
                    return rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(v));
                }
            }
        });
    }

    @Override
    public List<Task> runningTasks() {
        return txs.read(c -> rows.withDeps(c, Sql.query(c, "SELECT " + TASK_COLS + " FROM tasks WHERE state = ? ORDER BY seq",
                rows::mapTask, TaskState.Running)));
    }

    @Override
    public List<Event> events(String workflowId, long afterId, int limit) {
        if (recent != null) {
            List<Event> held = recent.after(workflowId, afterId, limit);
            if (held != null) return held;
        }
        return txs.read(c -> Sql.query(c, "SELECT " + EVENT_COLS + " FROM events WHERE workflow_id = ? AND id > ? "
                + "ORDER BY id LIMIT ?", Rows::mapEvent, workflowId, afterId, limit));
    }
}
