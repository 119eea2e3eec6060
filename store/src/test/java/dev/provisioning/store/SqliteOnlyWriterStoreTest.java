package dev.provisioning.store;

/**
 * The store contract on SQLite opened as the file's only writer, as the daemon opens it: {@code events} then answers
 * from the newest events the store committed ({@link RecentEvents}) wherever it can. The tests that write through a
 * second store are skipped; {@link SqliteStoreTest} runs them.
 */
class SqliteOnlyWriterStoreTest extends SqliteStoreTest {
    @Override
    protected JdbcStore openStore(MutableClock clock) {
        return JdbcStore.sqlite(dataDir, clock, ds -> ds, true);
    }

    @Override
    protected boolean onlyWriter() {
        return true;
    }
}
