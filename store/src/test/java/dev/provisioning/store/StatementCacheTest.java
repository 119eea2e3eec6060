package dev.provisioning.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The per-connection statement cache on a real SQLite file in WAL mode. */
class StatementCacheTest {
    @TempDir
    Path dir;

    private Connection open() throws Exception {
        Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("t.db"));
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT)");
        }
        return c;
    }

    @Test
    void reusesTheStatementPerConnectionAndKeepsNoReadSnapshotOpen() throws Exception {
        try (Connection a = open(); Connection b = open()) {
            PreparedStatement first;
            for (int i = 0; i < 50; i++) Sql.update(a, "INSERT INTO t (v) VALUES (?)", "row" + i);
            try (StatementCache.Lease l = StatementCache.lease(a, "SELECT v FROM t WHERE id = ?")) {
                first = l.statement();
            }
            assertThat(Sql.one(a, "SELECT v FROM t WHERE id = ?", rs -> rs.getString(1), 7)).contains("row6");
            try (StatementCache.Lease l = StatementCache.lease(a, "SELECT v FROM t WHERE id = ?")) {
                assertThat(l.statement()).isSameAs(first);
                assertThat(l.cached()).isTrue();
            }
            try (StatementCache.Lease l = StatementCache.lease(b, "SELECT v FROM t WHERE id = ?")) {
                assertThat(l.statement()).isNotSameAs(first);
            }
            assertThat(Sql.query(a, "SELECT v FROM t ORDER BY id", rs -> rs.getString(1))).hasSize(50);

            // Connection a holds cached, executed statements; a checkpoint from b must still copy and truncate the WAL.
            try (Statement s = b.createStatement(); ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(1)).as("checkpoint busy").isZero();
            }
            assertThat(Files.size(dir.resolve("t.db-wal"))).isZero();
        }
    }

    @Test
    void keepsAtMostTheLimitPerConnectionAndClosesWhatItDrops() throws Exception {
        try (Connection a = open()) {
            PreparedStatement oldest;
            try (StatementCache.Lease l = StatementCache.lease(a, "SELECT 0 FROM t")) {
                oldest = l.statement();
            }
            for (int i = 1; i <= StatementCache.PER_CONNECTION; i++)
                assertThat(Sql.query(a, "SELECT " + i + " FROM t", rs -> rs.getInt(1))).isEmpty();
            assertThat(StatementCache.size(a)).isEqualTo(StatementCache.PER_CONNECTION);
            assertThat(oldest.isClosed()).isTrue();
        }
    }
}
