package dev.provisioning.store;

import java.nio.file.Path;
import java.util.function.UnaryOperator;
import javax.sql.DataSource;
import org.junit.jupiter.api.io.TempDir;

/** Store faults on a real SQLite file. */
class SqliteStoreFaultTest extends StoreFaultTest {
    @TempDir
    Path tmp;

    @Override
    protected JdbcStore open(MutableClock clock, UnaryOperator<DataSource> wrap) {
        return JdbcStore.sqlite(tmp.resolve("data"), clock, wrap, true);
    }
}
