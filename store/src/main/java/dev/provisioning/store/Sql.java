package dev.provisioning.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Tiny JDBC helpers: positional binding (instants as epoch millis) and row mapping. */
final class Sql {
    private Sql() {}

    @FunctionalInterface
    interface RowMapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    static int update(Connection c, String sql, Object... args) throws SQLException {
        try (StatementCache.Lease l = StatementCache.lease(c, sql)) {
            PreparedStatement ps = l.statement();
            bind(ps, args);
            return ps.executeUpdate();
        }
    }

    static <T> List<T> query(Connection c, String sql, RowMapper<T> mapper, Object... args) throws SQLException {
        try (StatementCache.Lease l = StatementCache.lease(c, sql)) {
            PreparedStatement ps = l.statement();
            bind(ps, args);
            try (ResultSet rs = ps.executeQuery()) {
                List<T> out = new ArrayList<>();
                while (rs.next()) out.add(mapper.map(rs));
                return out;
            }
        }
    }

    static <T> Optional<T> one(Connection c, String sql, RowMapper<T> mapper, Object... args) throws SQLException {
        List<T> rows = query(c, sql, mapper, args);
        if (rows.size() > 1) throw new IllegalStateException("expected at most one row, got " + rows.size() + ": " + sql);
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.getFirst());
    }

    static void bind(PreparedStatement ps, Object... args) throws SQLException {
        for (int i = 0; i < args.length; i++) bindOne(ps, i + 1, args[i]);
    }

    static void bindOne(PreparedStatement ps, int idx, Object a) throws SQLException {
        switch (a) {
            case null -> ps.setNull(idx, Types.NULL);
            case Instant t -> ps.setLong(idx, t.toEpochMilli());
            case Enum<?> e -> ps.setString(idx, e.name());
            case String s -> ps.setString(idx, s);
            case Integer n -> ps.setInt(idx, n);
            case Long n -> ps.setLong(idx, n);
            default -> throw new IllegalArgumentException("cannot bind " + a.getClass().getName());
        }
    }

    static Instant instant(ResultSet rs, String col) throws SQLException {
        long v = rs.getLong(col);
        return rs.wasNull() ? null : Instant.ofEpochMilli(v);
    }

    static Integer intOrNull(ResultSet rs, String col) throws SQLException {
        int v = rs.getInt(col);
        return rs.wasNull() ? null : v;
    }

    static Long longOrNull(ResultSet rs, String col) throws SQLException {
        long v = rs.getLong(col);
        return rs.wasNull() ? null : v;
    }

    /** At most this many values are bound in one IN list (longer lists are read in chunks). */
    static final int IN_CHUNK = 500;

    /** {@code ?, ?, ?} for an IN list. */
    static String placeholders(int n) {
        return String.join(", ", java.util.Collections.nCopies(n, "?"));
    }
}
