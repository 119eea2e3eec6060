package dev.provisioning.store;

import java.sql.SQLException;

/**
 * The only places where the SQL of {@link JdbcStore} differs between databases. Everything else (instants as
 * epoch-millis {@code BIGINT}, JSON as {@code TEXT}, {@code INSERT ... RETURNING}, {@code LIMIT/OFFSET}) is
 * written once.
 */
public enum Dialect {
    SQLITE("sqlite",
            "(SELECT COALESCE(MAX(seq), 0) + 1 FROM tasks)",
            "(SELECT COALESCE(MAX(seq), 0) + 1 FROM workflows)",
            "",
            null,
            true),
    POSTGRESQL("postgresql",
            "nextval('tasks_seq')",
            "nextval('workflows_seq')",
            // NO KEY UPDATE: excludes other writers of the row but not the KEY SHARE locks that foreign-key
            // checks take (inserting an event or task row), so those never wait on it.
            " FOR NO KEY UPDATE",
            // Taken just before a transaction appends its events and held until commit, so event ids become
            // visible in id order (an SSE reader resuming from Last-Event-ID never skips a late commit).
            "SELECT pg_advisory_xact_lock(7362519820418215)",
            false);

    private final String migrationFolder;
    private final String nextTaskSeq;
    private final String nextWorkflowSeq;
    private final String forUpdate;
    private final String eventOrderLock;
    private final boolean serializeWrites;

    Dialect(String migrationFolder, String nextTaskSeq, String nextWorkflowSeq, String forUpdate,
            String eventOrderLock, boolean serializeWrites) {
        this.migrationFolder = migrationFolder;
        this.nextTaskSeq = nextTaskSeq;
        this.nextWorkflowSeq = nextWorkflowSeq;
        this.forUpdate = forUpdate;
        this.eventOrderLock = eventOrderLock;
        this.serializeWrites = serializeWrites;
    }

    /** Picks the dialect from a JDBC URL ({@code jdbc:sqlite:...}, {@code jdbc:postgresql:...}). */
    public static Dialect ofJdbcUrl(String jdbcUrl) {
        if (jdbcUrl != null && jdbcUrl.startsWith("jdbc:sqlite:")) return SQLITE;
        if (jdbcUrl != null && jdbcUrl.startsWith("jdbc:postgresql:")) return POSTGRESQL;
        throw new IllegalArgumentException("unsupported JDBC URL (want jdbc:sqlite: or jdbc:postgresql:): " + jdbcUrl);
    }

    /** Flyway location of this dialect's migrations. */
    String migrationLocation() { return "classpath:db/migration/" + migrationFolder; }

    /** SQL expression giving the next task {@code seq} (global submission order). */
    String nextTaskSeq() { return nextTaskSeq; }

    String nextWorkflowSeq() { return nextWorkflowSeq; }

    /** Suffix that row-locks the selected rows until commit; empty where the whole database is locked. */
    String forUpdate() { return forUpdate; }

    /** {@link #forUpdate()} for the rows of one table of a join, by its alias. */
    String forUpdateOf(String alias) { return forUpdate.isEmpty() ? "" : forUpdate + " OF " + alias; }

    /** Statement run before a transaction inserts its events, or null if writers are already serialized. */
    String eventOrderLock() { return eventOrderLock; }

    /** Whether this process serializes its own write transactions (SQLite has a single writer anyway). */
    boolean serializeWrites() { return serializeWrites; }

    boolean isConstraintViolation(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s) {
                if (s.getSQLState() != null && s.getSQLState().startsWith("23")) return true;
                if (this == SQLITE && (s.getErrorCode() & 0xff) == 19) return true; // SQLITE_CONSTRAINT
            }
        }
        return false;
    }

    boolean isRetryable(SQLException e) {
        if (this != POSTGRESQL) return false;
        String state = e.getSQLState();
        return "40001".equals(state) || "40P01".equals(state); // serialization failure, deadlock
    }
}
