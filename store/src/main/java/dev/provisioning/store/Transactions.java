package dev.provisioning.store;

import dev.provisioning.core.error.ErrorCode;
import dev.provisioning.core.error.ProvisioningException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transactions of {@link JdbcStore}: reads in auto-commit mode, write transactions (with their events, the
 * in-process write lock on SQLite and the retries of PostgreSQL's deadlocks and serialization failures), and the
 * transaction {@link #inOneTransaction} holds open on a thread, which the calls it makes join.
 */
final class Transactions {
    private static final Logger log = LoggerFactory.getLogger(JdbcStore.class);
    private static final int MAX_TX_TRIES = 3;

    private final DataSource dataSource;
    private final Dialect dialect;
    private final Clock clock;
    private final ReentrantLock writeLock;
    /** {@link JdbcStore}'s newest committed events, appended to after each commit; null: the store keeps none. */
    private final RecentEvents recent;
    /** Runs after each commit that ended a workflow (see {@link JdbcStore#onWorkflowEnd}); null: nobody listens. */
    private volatile Runnable workflowEnded;

    Transactions(DataSource dataSource, Dialect dialect, Clock clock, RecentEvents recent) {
        this.dataSource = dataSource;
        this.dialect = dialect;
        this.clock = clock;
        this.writeLock = dialect.serializeWrites() ? new ReentrantLock(true) : null;
        this.recent = recent;
    }

    /** Sets the hook {@link JdbcStore#onWorkflowEnd} describes. */
    void onWorkflowEnd(Runnable hook) {
        this.workflowEnded = hook;
    }

    @FunctionalInterface
    interface TxBody<T> {
        T run(Tx tx) throws SQLException;
    }

    @FunctionalInterface
    interface ReadBody<T> {
        T run(Connection c) throws SQLException;
    }

    /**
     * Reads run in auto-commit mode: one statement, one consistent snapshot; they never take the write lock. Inside
     * {@link #inOneTransaction} a read runs on that transaction's connection and sees its changes.
     */
    <T> T read(ReadBody<T> body) {
        Tx joined = current.get();
        if (joined != null) return join(joined, "store read", () -> body.run(joined.c));
        try (Connection c = dataSource.getConnection()) {
            return body.run(c);
        } catch (SQLException e) {
            throw failure("store read failed", e);
        }
    }

    @FunctionalInterface
    private interface SqlCall<T> {
        T run() throws SQLException;
    }

    /**
     * Runs a call of {@link #inOneTransaction}'s body in its transaction. Whatever the call throws marks the
     * transaction failed (a statement may have run before the error), and is thrown as a store error.
     */
    private <T> T join(Tx tx, String what, SqlCall<T> call) {
        if (tx.failure != null) throw new ProvisioningException(ErrorCode.STORE_FAILURE, what + ": an earlier call in "
                + "this transaction failed (" + tx.failure + ")", null, List.of(), tx.failure);
        try {
            return call.run();
        } catch (SQLException e) {
            tx.failure = e;
            throw failure(what, e);
        } catch (RuntimeException | Error e) {
            tx.failure = e;
            throw e;
        }
    }

    /** The transaction {@link #inOneTransaction} holds open on this thread, if any. */
    private final ThreadLocal<Tx> current = new ThreadLocal<>();

    /** {@link JdbcStore#inOneTransaction}: runs {@code body} as one write transaction that every call it makes joins. */
    <T> T inOneTransaction(java.util.function.Supplier<T> body) {
        if (current.get() != null) return body.get();
        return write("one transaction", tx -> {
            current.set(tx);
            try {
                T result;
                try {
                    result = body.get();
                } catch (RuntimeException e) {
                    // PostgreSQL aborted it (deadlock, serialization): write() runs the whole body again, as it would
                    // a single call. Calls that lock several workflows' rows in any order can deadlock each other.
                    if (tx.failure instanceof SQLException se && dialect.isRetryable(se)) throw se;
                    throw e;
                }
                if (tx.failure instanceof SQLException se && dialect.isRetryable(se)) throw se;
                if (tx.failure != null) // body caught it; its call may have been half done: nothing of this may commit
                    throw new SQLException("a call in this transaction failed, so none of it is committed: "
                            + tx.failure, tx.failure);
                return result;
            } finally {
                current.remove();
            }
        });
    }

    /**
     * Runs {@code body} in one write transaction and commits it with its buffered events. Any exception rolls
     * back. PostgreSQL deadlock/serialization failures are retried.
     */
    <T> T write(String what, TxBody<T> body) {
        Tx joined = current.get();
        if (joined != null) return join(joined, what, () -> body.run(joined));
        for (int attempt = 1; ; attempt++) {
            if (writeLock != null) writeLock.lock();
            try (Connection c = dataSource.getConnection()) {
                return inTransaction(c, body);
            } catch (SQLException e) {
                if (dialect.isRetryable(e) && attempt < MAX_TX_TRIES) {
                    log.debug("{}: retrying after {}", what, e.toString());
                    continue;
                }
                throw failure(what, e);
            } finally {
                if (writeLock != null) writeLock.unlock();
            }
        }
    }

    private <T> T inTransaction(Connection c, TxBody<T> body) throws SQLException {
        // SQLite: BEGIN IMMEDIATE and COMMIT as statements. Through the JDBC API, sqlite-jdbc's commit() opens the next
        // transaction at once (BEGIN IMMEDIATE, taking the write lock) and setAutoCommit(true) then commits that empty
        // one: two statements and two lock round trips more per transaction.
        boolean explicit = dialect.serializeWrites();
        if (explicit) control(c, "BEGIN IMMEDIATE");
        else c.setAutoCommit(false);
        boolean done = false;
        Tx tx = null;
        try {
            tx = new Tx(c, clock.instant(), dialect);
            T result = body.run(tx);
            tx.flushEvents();
            if (explicit) control(c, "COMMIT");
            else c.commit();
            done = true;
            if (recent != null && !tx.flushed.isEmpty()) recent.append(tx.flushed);
            Runnable ended = workflowEnded;
            if (ended != null && tx.endsAWorkflow) ended.run();
            return result;
        } finally {
            if (!done) {
                // events were inserted and the commit failed, or seemed to: it may have reached the disk unseen
                if (recent != null && tx != null && !tx.flushed.isEmpty()) recent.clear();
                rollback(c, explicit);
            }
            if (!explicit)
                try {
                    c.setAutoCommit(true);
                } catch (SQLException e) {
                    log.debug("resetting auto-commit: {}", e.toString());
                }
        }
    }

    private static void control(Connection c, String sql) throws SQLException {
        try (StatementCache.Lease l = StatementCache.lease(c, sql)) {
            l.statement().execute();
        }
    }

    /**
     * Rolls back a failed transaction. An explicit ROLLBACK that fails (normally: SQLite already rolled back, as after
     * a full disk) takes the connection out of the pool, so no open transaction can reach its next user.
     */
    private static void rollback(Connection c, boolean explicit) {
        try {
            if (explicit) control(c, "ROLLBACK");
            else c.rollback();
        } catch (SQLException e) {
            log.warn("rollback failed: {}", e.toString());
            if (explicit)
                try {
                    c.abort(Runnable::run);
                } catch (SQLException | RuntimeException ae) {
                    log.warn("cannot discard the connection: {}", ae.toString());
                }
        }
    }

    private ProvisioningException failure(String what, SQLException e) {
        if (dialect.isConstraintViolation(e))
            return new ProvisioningException(ErrorCode.CONFLICT, what + ": " + e.getMessage(), null, List.of(), e);
        return new ProvisioningException(ErrorCode.STORE_FAILURE, what + ": " + e.getMessage(), null, List.of(), e);
    }
}
