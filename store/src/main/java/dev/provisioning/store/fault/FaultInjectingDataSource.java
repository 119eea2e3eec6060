package dev.provisioning.store.fault;

import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLTimeoutException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A {@link DataSource} that wraps another and makes chosen transactions' {@code commit()} go wrong. Test
 * infrastructure for the store's transaction layer: {@link dev.provisioning.store.JdbcStore} is given this data
 * source instead of its pool and does not know. Nothing is wrapped unless a store is opened on it, so it costs
 * nothing when unused.
 *
 * <p>Each connection it hands out records what its current transaction did (the SQL it prepared or executed and the
 * string values it bound) until the transaction commits or rolls back. At {@code commit()}, or at the execution of a
 * {@code COMMIT} statement (how the store ends its SQLite transactions), the first armed {@link Rule} whose predicate
 * matches that {@link Transaction} fires, once per remaining count (a failed {@code COMMIT} statement leaves the
 * rolling back to the caller's {@code ROLLBACK}, as a real one can):
 * <ul>
 *   <li>{@link Kind#FAIL}: the transaction is rolled back and commit throws — a plain failed commit;</li>
 *   <li>{@link Kind#TIMEOUT}: commit hangs for the rule's {@code hang}, then the transaction is rolled back and commit
 *       throws {@link SQLTimeoutException};</li>
 *   <li>{@link Kind#AMBIGUOUS}: the transaction really commits, then commit throws as if the connection broke
 *       before the acknowledgement arrived: the caller sees an error for a change that is durable;</li>
 *   <li>{@link Kind#DISK_FULL}: rolled back, and commit throws what SQLite says when the disk is full
 *       ({@code SQLITE_FULL}, error code 13, SQLState 53100 as PostgreSQL's {@code disk_full}).</li>
 * </ul>
 * Match transactions by purpose with {@link #CLAIM}, {@link #COMPLETE_ATTEMPT} and the other predicates below
 * (they recognize the store's SQL), narrowed with {@link #touching(String)} to one task or workflow.
 */
public final class FaultInjectingDataSource implements DataSource {

    public enum Kind { FAIL, TIMEOUT, AMBIGUOUS, DISK_FULL }

    /** What one transaction did so far: the SQL it ran and the string values it bound, in order. */
    public record Transaction(List<String> sql, List<String> values) {
        public boolean ran(String sqlFragment) {
            for (String s : sql) if (s.contains(sqlFragment)) return true;
            return false;
        }

        public boolean bound(String value) {
            return values.contains(value);
        }
    }

    // Purposes, recognized by the store's SQL (JdbcStore); a test that matches nothing fails its injected() check.
    public static final Predicate<Transaction> INSERT_WORKFLOW = t -> t.ran("INSERT INTO workflows");
    public static final Predicate<Transaction> CLAIM = t -> t.ran("UPDATE tasks SET state = ?, attempt = attempt + 1");
    public static final Predicate<Transaction> ATTEMPT_STARTED = t -> t.ran("UPDATE attempts SET pid");
    public static final Predicate<Transaction> COMPLETE_ATTEMPT = t -> t.ran("UPDATE tasks SET state = ?, exit_code = ?, result_json");
    public static final Predicate<Transaction> PROMOTE_DUE_RETRIES = t -> t.ran("UPDATE tasks SET state = ?, next_attempt_at = NULL");
    public static final Predicate<Transaction> CANCEL_WORKFLOW = t -> t.bound("workflow.cancel");
    public static final Predicate<Transaction> ANY_WRITE = t -> true;

    /** Transactions that bound {@code id} (a task or workflow id) as a value. */
    public static Predicate<Transaction> touching(String id) {
        return t -> t.bound(id);
    }

    /** One armed fault (or, with no kind, a slow commit): fires on the next {@code times} matching commits. */
    public static final class Rule {
        final Kind kind;
        final Predicate<Transaction> match;
        final Duration hang;
        private int remaining;
        private int fired;
        private volatile Duration outageAfter = Duration.ZERO;

        Rule(Kind kind, Predicate<Transaction> match, int times, Duration hang) {
            this.kind = kind;
            this.match = match;
            this.remaining = times;
            this.hang = hang;
        }

        public synchronized int fired() { return fired; }

        /**
         * After this fault fires, the database is unreachable for {@code d}: every {@code getConnection()}, for reads
         * too, fails. A caller then cannot read back what its commit did until the outage ends.
         */
        public Rule thenOutage(Duration d) {
            outageAfter = d;
            return this;
        }

        synchronized boolean take(Transaction tx) {
            if (remaining <= 0 || !match.test(tx)) return false;
            remaining--;
            fired++;
            return true;
        }
    }

    @FunctionalInterface
    private interface SqlAction {
        void run() throws SQLException;
    }

    /** The transaction-control statements, recognized by their SQL. */
    private enum Control {
        BEGIN, COMMIT, ROLLBACK;

        static Control of(String sql) {
            if (sql == null) return null;
            String s = sql.trim().toUpperCase(java.util.Locale.ROOT);
            if (s.startsWith("BEGIN")) return BEGIN;
            if (s.equals("COMMIT") || s.equals("END")) return COMMIT;
            if (s.equals("ROLLBACK")) return ROLLBACK;
            return null;
        }
    }

    private final DataSource delegate;
    private final List<Rule> rules = new CopyOnWriteArrayList<>();
    private final Map<Kind, Integer> injected = new EnumMap<>(Kind.class);
    private volatile Duration defaultHang = Duration.ofSeconds(1);
    private volatile long outageUntilNanos;
    private volatile boolean inOutage;

    public FaultInjectingDataSource(DataSource delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /** Arms a fault for the next {@code times} commits that match; TIMEOUT hangs for the default hang (1 s). */
    public Rule inject(Kind kind, Predicate<Transaction> match, int times) {
        return inject(kind, match, times, defaultHang);
    }

    public Rule inject(Kind kind, Predicate<Transaction> match, int times, Duration hang) {
        Rule r = new Rule(kind, match, times, hang);
        rules.add(r);
        return r;
    }

    /**
     * Makes the next {@code times} matching commits take {@code delay} longer, then succeed: a slow disk, not a
     * failure (not counted by {@link #injected}). The transaction holds its locks meanwhile (SQLite: the write lock).
     */
    public Rule slowCommit(Predicate<Transaction> match, int times, Duration delay) {
        Rule r = new Rule(null, match, times, delay);
        rules.add(r);
        return r;
    }

    /** Makes every {@code getConnection()} fail for {@code d}, as if the database were unreachable. */
    public void outage(Duration d) {
        outageUntilNanos = System.nanoTime() + d.toNanos();
        inOutage = true;
    }

    /** Disarms every rule. */
    public void clear() {
        rules.clear();
    }

    /** How many faults of that kind fired. */
    public synchronized int injected(Kind kind) {
        return injected.getOrDefault(kind, 0);
    }

    /** How many faults fired, of any kind. */
    public synchronized int injected() {
        return injected.values().stream().mapToInt(Integer::intValue).sum();
    }

    private synchronized void count(Kind kind) {
        injected.merge(kind, 1, Integer::sum);
    }

    private Rule firing(Transaction tx) {
        for (Rule r : rules) if (r.take(tx)) return r;
        return null;
    }

    // ------------------------------------------------------------------------------------------------ DataSource

    @Override
    public Connection getConnection() throws SQLException {
        checkOutage();
        return wrap(delegate.getConnection());
    }

    @Override
    public Connection getConnection(String user, String password) throws SQLException {
        checkOutage();
        return wrap(delegate.getConnection(user, password));
    }

    private void checkOutage() throws SQLException {
        if (!inOutage) return;
        if (System.nanoTime() - outageUntilNanos < 0) throw new SQLException("injected fault: database unreachable", "08001");
        inOutage = false;
    }

    @Override public PrintWriter getLogWriter() throws SQLException { return delegate.getLogWriter(); }
    @Override public void setLogWriter(PrintWriter out) throws SQLException { delegate.setLogWriter(out); }
    @Override public void setLoginTimeout(int seconds) throws SQLException { delegate.setLoginTimeout(seconds); }
    @Override public int getLoginTimeout() throws SQLException { return delegate.getLoginTimeout(); }
    @Override public Logger getParentLogger() throws SQLFeatureNotSupportedException { return delegate.getParentLogger(); }
    @Override public <T> T unwrap(Class<T> iface) throws SQLException { return iface.isInstance(this) ? iface.cast(this) : delegate.unwrap(iface); }
    @Override public boolean isWrapperFor(Class<?> iface) throws SQLException { return iface.isInstance(this) || delegate.isWrapperFor(iface); }

    private Connection wrap(Connection real) {
        ConnectionHandler h = new ConnectionHandler(real);
        h.self = (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class}, h);
        return h.self;
    }

    /** Records the transaction's SQL and values; decides at commit. */
    private final class ConnectionHandler implements InvocationHandler {
        private final Connection real;
        private Connection self;
        private final List<String> sql = new ArrayList<>();
        private final List<String> values = new ArrayList<>();

        ConnectionHandler(Connection real) {
            this.real = real;
        }

        @Override
        public Object invoke(Object proxy, Method m, Object[] args) throws Throwable {
            switch (m.getName()) {
                case "commit" -> {
                    commit(real::commit, real::rollback);
                    return null;
                }
                case "rollback", "close" -> {
                    if (args == null || args.length == 0) reset();
                }
                case "prepareStatement", "prepareCall" -> {
                    String text = args != null && args.length > 0 && args[0] instanceof String s ? s : null;
                    Control control = Control.of(text);
                    if (text != null && control == null) sql.add(text);
                    Object st = call(m, args);
                    if (control != null && st instanceof PreparedStatement ps) return wrapControl(ps, control);
                    return st instanceof PreparedStatement ps ? wrapStatement(ps, PreparedStatement.class) : st;
                }
                case "createStatement" -> {
                    return wrapStatement((Statement) call(m, args), Statement.class);
                }
                case "isWrapperFor" -> {
                    // Say no, so the store prepares its statements through this connection (where they are seen)
                    // rather than on the unwrapped driver connection (its statement cache); only under fault injection.
                    return false;
                }
                case "equals" -> {
                    return proxy == args[0];
                }
                case "hashCode" -> {
                    return System.identityHashCode(proxy);
                }
                default -> { }
            }
            return call(m, args);
        }

        private Object call(Method m, Object[] args) throws Throwable {
            try {
                return m.invoke(real, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }

        private void reset() {
            sql.clear();
            values.clear();
        }

        /**
         * Decides the fate of the recorded transaction, which {@code doCommit} and {@code doRollback} really end: the
         * driver's {@code commit()}/{@code rollback()}, or a {@code COMMIT}/{@code ROLLBACK} statement.
         */
        private void commit(SqlAction doCommit, SqlAction doRollback) throws SQLException {
            Transaction tx = new Transaction(List.copyOf(sql), List.copyOf(values));
            reset();
            Rule rule = tx.sql().isEmpty() ? null : firing(tx);
            if (rule == null) {
                doCommit.run();
                return;
            }
            if (rule.kind == null) { // slowCommit
                try {
                    Thread.sleep(rule.hang.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                doCommit.run();
                return;
            }
            count(rule.kind);
            if (!rule.outageAfter.isZero()) outage(rule.outageAfter);
            switch (rule.kind) {
                case FAIL -> {
                    doRollback.run();
                    throw new SQLException("injected fault: commit failed", "08006");
                }
                case TIMEOUT -> {
                    try {
                        Thread.sleep(rule.hang.toMillis());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    doRollback.run();
                    throw new SQLTimeoutException("injected fault: commit timed out after " + rule.hang.toMillis() + " ms", "57014");
                }
                case AMBIGUOUS -> {
                    doCommit.run();
                    throw new SQLException("injected fault: connection lost while committing (outcome unknown)", "08007");
                }
                case DISK_FULL -> {
                    doRollback.run();
                    throw new SQLException("[SQLITE_FULL] Insertion failed because database is full (database or disk is full)"
                            + " (injected fault)", "53100", 13);
                }
            }
        }

        /**
         * A transaction-control statement ({@code BEGIN}, {@code COMMIT}, {@code ROLLBACK}, as the store runs them on
         * SQLite): its execution starts, decides (as {@code commit()} does) or drops the recorded transaction.
         */
        private PreparedStatement wrapControl(PreparedStatement st, Control control) {
            InvocationHandler h = (p, m, a) -> {
                String name = m.getName();
                if (name.equals("getConnection")) return self;
                if (name.startsWith("execute") && (a == null || a.length == 0)) {
                    switch (control) {
                        case BEGIN, ROLLBACK -> reset();
                        case COMMIT -> {
                            // a failed COMMIT leaves the transaction open, as SQLite's can: the caller's ROLLBACK ends it
                            commit(st::execute, () -> {});
                            return name.equals("execute") ? Boolean.FALSE : name.equals("executeUpdate") ? (Object) 0 : null;
                        }
                    }
                }
                try {
                    return m.invoke(st, a);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            };
            return (PreparedStatement) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {PreparedStatement.class}, h);
        }

        /** Statements record the string values bound to them (and the SQL of a plain Statement). */
        private <S extends Statement> S wrapStatement(S st, Class<S> type) {
            InvocationHandler h = (p, m, a) -> {
                String name = m.getName();
                if (a != null) {
                    if ((name.equals("setString") || name.equals("setObject") || name.equals("setNString")) && a.length >= 2
                            && a[1] instanceof String v) values.add(v);
                    if ((name.startsWith("execute") || name.equals("addBatch")) && a.length > 0 && a[0] instanceof String s) sql.add(s);
                }
                if (name.equals("getConnection")) return self;
                try {
                    return m.invoke(st, a);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            };
            return type.cast(Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {type}, h));
        }
    }
}
