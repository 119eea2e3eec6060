package dev.provisioning.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.WeakHashMap;
import org.sqlite.SQLiteConnection;

/**
 * Prepared statements kept per physical SQLite connection. SQLite compiles the SQL text on every
 * {@code prepareStatement}, which was the largest single cost of a scheduling round and of a completion
 * transaction; the PostgreSQL driver keeps its own per-connection cache, so other connections prepare as usual.
 *
 * <p>A connection is used by one thread at a time (the pool hands it out exclusively), so each connection's map
 * is only touched by its current user. Statements are executed on the physical connection, inside the same
 * transaction as the pooled proxy's other work. sqlite-jdbc resets a statement when its result set is closed or
 * its update is done, so a cached statement holds no read snapshot open (which would stall WAL checkpoints).
 * Each connection keeps at most {@value #PER_CONNECTION} statements (least recently used go first, closed); a
 * connection that closes takes its statements with it.
 */
final class StatementCache {
    static final int PER_CONNECTION = 96;
    private static final Map<Connection, Map<String, PreparedStatement>> CACHES =
            Collections.synchronizedMap(new WeakHashMap<>());

    private StatementCache() {}

    /** A statement to use once and release with {@link #close()}: a cached one is kept, an uncached one closed. */
    record Lease(PreparedStatement statement, boolean cached) implements AutoCloseable {
        @Override
        public void close() throws SQLException {
            if (cached) statement.clearParameters();
            else statement.close();
        }
    }

    static Lease lease(Connection c, String sql) throws SQLException {
        if (!c.isWrapperFor(SQLiteConnection.class)) return new Lease(c.prepareStatement(sql), false);
        Connection physical = c.unwrap(SQLiteConnection.class);
        Map<String, PreparedStatement> cache = CACHES.get(physical);
        if (cache == null) cache = register(physical);
        PreparedStatement ps = cache.get(sql);
        if (ps == null || ps.isClosed()) {
            ps = physical.prepareStatement(sql);
            cache.put(sql, ps);
        }
        return new Lease(ps, true);
    }

    /**
     * Starts the cache of a new physical connection, first dropping those of closed ones: their statements refer to
     * their connection, so the weak keys alone would never let them go.
     */
    private static Map<String, PreparedStatement> register(Connection physical) {
        synchronized (CACHES) {
            CACHES.keySet().removeIf(StatementCache::isClosed);
            return CACHES.computeIfAbsent(physical, k -> new Lru());
        }
    }

    private static boolean isClosed(Connection c) {
        try {
            return c.isClosed();
        } catch (SQLException e) {
            return true;
        }
    }

    /** How many statements are cached for {@code c}'s physical connection (tests). */
    static int size(Connection c) throws SQLException {
        Map<String, PreparedStatement> m = CACHES.get(c.unwrap(SQLiteConnection.class));
        return m == null ? 0 : m.size();
    }

    private static final class Lru extends LinkedHashMap<String, PreparedStatement> {
        Lru() {
            super(32, 0.75f, true);
        }

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, PreparedStatement> eldest) {
            if (size() <= PER_CONNECTION) return false;
            try {
                eldest.getValue().close();
            } catch (SQLException ignored) {
                // closing a statement of a connection that is going away
            }
            return true;
        }
    }
}
