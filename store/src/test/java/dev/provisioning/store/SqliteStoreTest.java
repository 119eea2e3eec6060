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
            try (ResultSet rs = st.executeQuery("SELECT version FROM flyway_schema_history WHERE success = 1")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("1");
            }
        }
        assertThat(Files.exists(dataDir.resolve(JdbcStore.SQLITE_FILE + "-wal"))).isTrue();
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

    @Test
    void dialectFromJdbcUrl() {
        assertThat(Dialect.ofJdbcUrl("jdbc:sqlite:/tmp/x.db")).isEqualTo(Dialect.SQLITE);
        assertThat(Dialect.ofJdbcUrl("jdbc:postgresql://h:5432/db")).isEqualTo(Dialect.POSTGRESQL);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Dialect.ofJdbcUrl("jdbc:mysql://h/db"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
