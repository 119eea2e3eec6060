package dev.provisioning.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.provisioning.core.error.ErrorCode;
import dev.provisioning.core.error.ProvisioningException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/** The connection pools of {@link JdbcStore}'s factories, with each database's settings, and the migrations. */
final class Pools {
    private static final Logger log = LoggerFactory.getLogger(JdbcStore.class);

    static final int SQLITE_POOL_SIZE = 4;
    static final int SQLITE_BUSY_TIMEOUT_MS = 10_000;
    static final int POSTGRES_POOL_SIZE = 10;

    private Pools() {}

    /**
     * The pool of {@code <dataDir>/provisioning.db} (the dir is created if needed): WAL mode, {@code synchronous=NORMAL},
     * foreign keys on, a busy timeout and {@code BEGIN IMMEDIATE} write transactions.
     */
    static HikariConfig sqlite(Path dataDir) {
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new ProvisioningException(ErrorCode.STORE_FAILURE,
                    "cannot create data dir " + dataDir + ": " + e.getMessage(), dataDir.toString(), List.of(), e);
        }
        SqliteNativeLibrary.useCopyIn(dataDir); // before the JVM's first SQLite connection
        SQLiteConfig cfg = new SQLiteConfig();
        cfg.setJournalMode(SQLiteConfig.JournalMode.WAL);
        cfg.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
        cfg.enforceForeignKeys(true);
        cfg.setBusyTimeout(SQLITE_BUSY_TIMEOUT_MS);
        cfg.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
        // Nothing here reads generated keys (ids are UUIDs, events come back through RETURNING). With them on,
        // sqlite-jdbc follows every INSERT with a freshly prepared "SELECT last_insert_rowid()": a prepare, a step
        // and a finalize per claim (its attempt row), on the scheduler's thread.
        cfg.setGetGeneratedKeys(false);
        SQLiteDataSource sqlite = new SQLiteDataSource(cfg);
        sqlite.setUrl("jdbc:sqlite:" + dataDir.resolve(JdbcStore.SQLITE_FILE).toAbsolutePath());

        HikariConfig hc = new HikariConfig();
        hc.setDataSource(sqlite);
        hc.setPoolName("provisioning-sqlite");
        // WAL: one writer (serialized here) plus concurrent readers; a few connections are plenty.
        hc.setMaximumPoolSize(SQLITE_POOL_SIZE);
        hc.setMinimumIdle(1);
        hc.setAutoCommit(true);
        return hc;
    }

    /** The pool of a PostgreSQL database. */
    static HikariConfig postgres(String jdbcUrl, String user, String password) {
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(jdbcUrl);
        if (user != null && !user.isEmpty()) hc.setUsername(user);
        if (password != null && !password.isEmpty()) hc.setPassword(password);
        hc.setPoolName("provisioning-postgres");
        hc.setMaximumPoolSize(POSTGRES_POOL_SIZE);
        hc.setAutoCommit(true);
        return hc;
    }

    /** A pool on {@code hc}'s database. */
    static HikariDataSource open(HikariConfig hc, Dialect dialect) {
        try {
            return new HikariDataSource(hc);
        } catch (RuntimeException e) {
            throw new ProvisioningException(ErrorCode.STORE_FAILURE,
                    "cannot open " + dialect + " store: " + e.getMessage(), null, List.of(), e);
        }
    }

    /** Runs the dialect's Flyway migrations on {@code ds}. */
    static void migrate(DataSource ds, Dialect dialect) {
        try {
            var result = Flyway.configure()
                    .dataSource(ds)
                    .locations(dialect.migrationLocation())
                    .failOnMissingLocations(true)
                    .load()
                    .migrate();
            if (result.migrationsExecuted > 0)
                log.info("store schema migrated to version {} ({} migrations)", result.targetSchemaVersion,
                        result.migrationsExecuted);
        } catch (RuntimeException e) {
            throw new ProvisioningException(ErrorCode.STORE_FAILURE,
                    "store migration failed (" + dialect + "): " + e.getMessage(), null, List.of(), e);
        }
    }
}
