package dev.provisioning.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The store contract on a real PostgreSQL (embedded, started once for the class); one fresh database per test. */
class PostgresStoreTest extends StoreContractTest {
    static EmbeddedPostgres pg;
    static String database;

    @BeforeAll
    static void startPostgres() throws Exception {
        pg = EmbeddedPostgres.builder().start();
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        if (pg != null) pg.close();
    }

    /**
     * One database for the class (CREATE DATABASE costs a checkpoint); each test starts from empty tables. The
     * first test on it also runs the migrations from scratch.
     */
    @Override
    protected void freshDatabase() throws Exception {
        if (database == null) {
            database = "store_test";
            try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
                st.execute("CREATE DATABASE " + database);
            }
            return;
        }
        try (Connection c = pg.getDatabase("postgres", database).getConnection(); Statement st = c.createStatement()) {
            st.execute("TRUNCATE events, attempts, task_deps, tasks, workflows RESTART IDENTITY");
            st.execute("ALTER SEQUENCE tasks_seq RESTART");
            st.execute("ALTER SEQUENCE workflows_seq RESTART");
        }
    }

    @Override
    protected JdbcStore openStore(MutableClock clock) {
        return JdbcStore.postgres(pg.getJdbcUrl("postgres", database), "postgres", null, clock);
    }

    @Test
    void runsOnPostgres() throws Exception {
        assertThat(store.dialect()).isEqualTo(Dialect.POSTGRESQL);
        try (Connection c = pg.getDatabase("postgres", database).getConnection(); Statement st = c.createStatement();
             var rs = st.executeQuery("SELECT count(*) FROM flyway_schema_history WHERE success")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(5); // V1 to V5
        }
    }
}
