package dev.provisioning.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store contract on a real SQLite file in a temp dir. */
class SqliteStoreTest extends StoreContractTest {
    @TempDir
    Path tmp;
    Path dataDir;

    @Override
    protected void freshDatabase() {
        dataDir = tmp.resolve("data");
    }

    @Override
    protected JdbcStore openStore(MutableClock clock) {
        return JdbcStore.sqlite(dataDir, clock);
    }

    @Test
    void usesOneWalFileInTheDataDir() throws Exception {
        assertThat(store.dialect()).isEqualTo(Dialect.SQLITE);
        Path db = dataDir.resolve(JdbcStore.SQLITE_FILE);
        assertThat(db).isRegularFile();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("PRAGMA journal_mode")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualToIgnoringCase("wal");
            }
            try (ResultSet rs = st.executeQuery("SELECT version FROM flyway_schema_history WHERE success = 1 "
                    + "AND version IS NOT NULL ORDER BY installed_rank")) {
                java.util.List<String> versions = new java.util.ArrayList<>();
                while (rs.next()) versions.add(rs.getString(1));
                assertThat(versions).containsExactly("1", "2", "3", "4", "5", "6", "7");
            }
        }
        assertThat(Files.exists(dataDir.resolve(JdbcStore.SQLITE_FILE + "-wal"))).isTrue();
    }

    /**
     * V7 rebuilds the events table without AUTOINCREMENT (D40): every id is kept, the next one follows the largest,
     * and no {@code sqlite_sequence} row is left to update.
     */
    @Test
    void v7KeepsEveryEventIdAndTheNextOneFollowsTheLargest() throws Exception {
        Path v6 = Files.createDirectories(tmp.resolve("v6"));
        String url = "jdbc:sqlite:" + v6.resolve(JdbcStore.SQLITE_FILE);
        org.flywaydb.core.Flyway.configure().dataSource(url, null, null).locations(Dialect.SQLITE.migrationLocation())
                .target("6").load().migrate();
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
            st.execute("INSERT INTO workflows (id, seq, name, kind, state, priority, on_failure, created_at, updated_at) "
                    + "VALUES ('w', 1, 'w', 'batch', 'Completed', 0, 'fail', 0, 0)");
            for (int id : new int[] {1, 2, 7})
                st.execute("INSERT INTO events (id, workflow_id, type, data_json, at) VALUES (" + id + ", 'w', 'e" + id + "', '{}', 0)");
        }
        try (JdbcStore migrated = JdbcStore.sqlite(v6, clock)) {
            assertThat(migrated.events("w", 0, 10)).extracting(e -> e.id() + " " + e.type())
                    .containsExactly("1 e1", "2 e2", "7 e7");
        }
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("INSERT INTO events (workflow_id, type, at) VALUES ('w', 'next', 0) RETURNING id")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getLong(1)).isEqualTo(8);
            }
            try (ResultSet rs = st.executeQuery("SELECT sql FROM sqlite_schema WHERE name = 'events'")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).doesNotContainIgnoringCase("AUTOINCREMENT");
            }
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM sqlite_sequence WHERE name = 'events'")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(1)).isZero();
            }
            try (ResultSet rs = st.executeQuery("EXPLAIN QUERY PLAN SELECT id FROM events WHERE workflow_id = 'w' AND id > 1 ORDER BY id")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(4)).contains("events_by_workflow");
            }
        }
    }

    /** sqlite-jdbc would otherwise follow every INSERT (each claim's attempt row) with a query of its own. */
    @Test
    void insertsAreNotFollowedByAGeneratedKeysQuery() throws Exception {
        try (Connection c = store.dataSource().getConnection()) {
            org.sqlite.SQLiteConnection sqlite = c.unwrap(org.sqlite.SQLiteConnection.class);
            assertThat(sqlite.getConnectionConfig().isGetGeneratedKeys()).isFalse();
        }
    }

    /**
     * The queues are read from their partial indexes, in the indexes' order: no sort, and no row of another state
     * looked at. (SQLite picks a partial index only when the query names its state, and without statistics it could
     * prefer the full state index and sort.)
     */
    @Test
    void theQueueReadsUseTheirPartialIndexesWithoutASort() throws Exception {
        try (Connection c = store.dataSource().getConnection(); Statement st = c.createStatement()) {
            assertThat(plan(st, JdbcStore.READY_QUEUE_SQL)).isEqualTo("SEARCH tasks USING INDEX tasks_ready_queue (state=?)");
            assertThat(plan(st, JdbcStore.LONGEST_WAITING_SQL)).isEqualTo("SEARCH tasks USING INDEX tasks_ready_by_age (state=?)");
            assertThat(plan(st, JdbcStore.NEXT_RETRY_SQL)).isEqualTo("SEARCH tasks USING COVERING INDEX tasks_retry_due (state=?)");
            assertThat(plan(st, JdbcStore.ROLLBACK_QUEUE_SQL))
                    .isEqualTo("SEARCH tasks USING INDEX tasks_rollback_queue (state=? AND rollback_running=?)");
            // partial: a state change touches only the queues the task enters or leaves
            for (String[] q : new String[][] {{"tasks_ready_queue", "Ready"}, {"tasks_ready_by_age", "Ready"},
                    {"tasks_retry_due", "RetryWait"}, {"tasks_rollback_queue", "RollingBack"}})
                try (ResultSet rs = st.executeQuery("SELECT sql FROM sqlite_master WHERE name = '" + q[0] + "'")) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString(1)).endsWith("WHERE state = '" + q[1] + "'");
                }
        }
    }

    private static String plan(Statement st, String sql) throws Exception {
        StringBuilder out = new StringBuilder();
        try (ResultSet rs = st.executeQuery("EXPLAIN QUERY PLAN " + sql.replace("LIMIT ?", "LIMIT 4"))) {
            while (rs.next()) out.append(out.isEmpty() ? "" : "; ").append(rs.getString("detail"));
        }
        return out.toString();
    }

    @Test
    void anIdleStoreHoldsNoWriteLockSoOtherProcessesCanWrite() throws Exception {
        store.insertWorkflow(workflow("w1", task("w1.a"), task("w1.b", hard("w1.a"))));
        runToEnd("w1.a", dev.provisioning.core.model.TaskState.Completed);
        assertThat(store.claim("w1.a", "n", "/r")).isEmpty(); // a write transaction that rolled back
        // another connection (as another process would) with no busy timeout: any lock left behind fails fast
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve(JdbcStore.SQLITE_FILE));
             Statement st = c.createStatement()) {
            st.execute("PRAGMA busy_timeout = 0");
            st.execute("BEGIN IMMEDIATE");
            st.execute("UPDATE workflows SET name = 'renamed' WHERE id = 'w1'");
            st.execute("COMMIT");
        }
        assertThat(store.workflow("w1").orElseThrow().name()).isEqualTo("renamed");
    }

    @Test
    void poolConnectionsHaveTheConfiguredPragmas() throws Exception {
        try (Connection c = store.dataSource().getConnection(); Statement st = c.createStatement()) {
            assertThat(pragma(st, "journal_mode")).isEqualToIgnoringCase("wal");
            assertThat(pragma(st, "foreign_keys")).isEqualTo("1");
            assertThat(pragma(st, "synchronous")).isEqualTo("1"); // NORMAL
            assertThat(Integer.parseInt(pragma(st, "busy_timeout"))).isPositive();
        }
    }

    private static String pragma(Statement st, String name) throws Exception {
        try (ResultSet rs = st.executeQuery("PRAGMA " + name)) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        }
    }

    /** A database written by V1 (before retry specs, pools, checkpoints, rollback) reads back after V2. */
    @Test
    void rowsWrittenBeforeV2ReadBackWithDefaults() throws Exception {
        store.close();
        store = null;
        Path oldDir = tmp.resolve("v1");
        Files.createDirectories(oldDir);
        String url = "jdbc:sqlite:" + oldDir.resolve(JdbcStore.SQLITE_FILE);
        org.sqlite.SQLiteDataSource ds = new org.sqlite.SQLiteDataSource();
        ds.setUrl(url);
        org.flywaydb.core.Flyway.configure().dataSource(ds).locations("classpath:db/migration/sqlite").target("1")
                .load().migrate();
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
            st.execute("INSERT INTO workflows (id, seq, name, kind, state, priority, on_failure, created_at, updated_at) "
                    + "VALUES ('old', 1, 'old', 'batch', 'Pending', 2, 'fail', 0, 0)");
            st.execute("INSERT INTO tasks (id, workflow_id, task_key, action_json, state, priority, max_attempts, "
                    + "timeout_ms, seq, created_at, updated_at) VALUES ('old.a', 'old', 'a', "
                    + "'{\"kind\":\"command\",\"argv\":[\"true\"]}', 'Ready', 2, 4, 1000, 1, 0, 0)");
        }
        store = JdbcStore.sqlite(oldDir, clock);
        var wf = store.workflow("old").orElseThrow();
        assertThat(wf.parallelLimit()).isZero();
        var t = store.task("old.a").orElseThrow();
        assertThat(t.retry()).isEqualTo(dev.provisioning.core.model.RetrySpec.DEFAULT.withMaxAttempts(4));
        assertThat(t.pools()).isEmpty();
        assertThat(t.rollback()).isNull();
        assertThat(t.checkpoint()).isNull();
        assertThat(t.attemptBase()).isZero();
        assertThat(t.rollbackRunning()).isFalse();
        assertThat(store.claim("old.a", "n", "/r")).isPresent();
    }

    @Test
    void dialectFromJdbcUrl() {
        assertThat(Dialect.ofJdbcUrl("jdbc:sqlite:/tmp/x.db")).isEqualTo(Dialect.SQLITE);
        assertThat(Dialect.ofJdbcUrl("jdbc:postgresql://h:5432/db")).isEqualTo(Dialect.POSTGRESQL);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Dialect.ofJdbcUrl("jdbc:mysql://h/db"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
