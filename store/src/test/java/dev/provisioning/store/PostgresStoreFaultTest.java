package dev.provisioning.store;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.Statement;
import java.util.function.UnaryOperator;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;

/** Store faults on a real PostgreSQL (embedded, started by the first test), one fresh database per test. */
class PostgresStoreFaultTest extends StoreFaultTest {
    private static EmbeddedPostgres server;
    private static int databases;

    @Override
    protected JdbcStore open(MutableClock clock, UnaryOperator<DataSource> wrap) throws Exception {
        if (server == null) server = EmbeddedPostgres.builder().start();
        String db = "fault_test_" + (++databases);
        try (Connection c = server.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + db);
        }
        return JdbcStore.open(wrap.apply(server.getDatabase("postgres", db)), Dialect.POSTGRESQL, clock);
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) server.close();
        server = null;
    }
}
