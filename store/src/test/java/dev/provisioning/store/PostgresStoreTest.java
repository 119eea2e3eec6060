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

    /**
     * Two transactions of several calls that lock two workflows in opposite orders deadlock; PostgreSQL aborts one,
     * and the store runs that one's whole body again: both end committed, each change once.
     */
    @Test
    void oneTransactionThatPostgresAbortsForADeadlockRunsAgainWhole() throws Exception {
        store.insertWorkflow(workflow("da", task("da.1"), task("da.2")));
        store.insertWorkflow(workflow("db", task("db.1"), task("db.2")));
        var a1 = claim("da.1");
        var a2 = claim("da.2");
        var b1 = claim("db.1");
        var b2 = claim("db.2");
        java.util.concurrent.CountDownLatch first = new java.util.concurrent.CountDownLatch(2);
        java.util.concurrent.atomic.AtomicInteger runs = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.ExecutorService two = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            var x = two.submit(() -> store.inOneTransaction(() -> {
                runs.incrementAndGet();
                boolean one = complete(a1, dev.provisioning.core.model.TaskState.Completed); // locks workflow da
                await(first);
                return one && complete(b1, dev.provisioning.core.model.TaskState.Completed); // then db
            }));
            var y = two.submit(() -> store.inOneTransaction(() -> {
                runs.incrementAndGet();
                boolean one = complete(b2, dev.provisioning.core.model.TaskState.Completed); // locks workflow db
                await(first);
                return one && complete(a2, dev.provisioning.core.model.TaskState.Completed); // then da
            }));
            assertThat(x.get(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(y.get(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        } finally {
            two.shutdownNow();
        }
        assertThat(runs.get()).as("one body ran again after the deadlock").isEqualTo(3);
        for (String wf : java.util.List.of("da", "db")) {
            assertThat(wfState(wf)).isEqualTo(dev.provisioning.core.model.WorkflowState.Completed);
            assertThat(stateChanges(events(wf))).filteredOn(c -> !c.startsWith("wf:") && c.endsWith("Running->Completed")).hasSize(2);
        }
    }

    private static void await(java.util.concurrent.CountDownLatch latch) {
        latch.countDown();
        try {
            assertThat(latch.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void runsOnPostgres() throws Exception {
        assertThat(store.dialect()).isEqualTo(Dialect.POSTGRESQL);
        try (Connection c = pg.getDatabase("postgres", database).getConnection(); Statement st = c.createStatement();
             var rs = st.executeQuery("SELECT count(*) FROM flyway_schema_history WHERE success")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(6); // V1 to V6
        }
    }
}
