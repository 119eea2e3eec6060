package dev.provisioning.store;

import com.fasterxml.jackson.databind.JsonNode;
import dev.provisioning.core.model.Json;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** One write transaction: its connection, its instant, and the events to append at commit. */
final class Tx {
    final Connection c;
    final Instant now;
    final Dialect dialect;
    private final List<Object[]> events = new ArrayList<>();
    /** Every event this transaction inserted, with its id, in order. */
    final List<RecentEvents.Row> flushed = new ArrayList<>();
    /** Set when this transaction moves a workflow to a terminal state ({@link Settle#moveWorkflow}). */
    boolean endsAWorkflow;
    /** The first error of a call that joined this transaction: set, the transaction must not commit. */
    Throwable failure;

    Tx(Connection c, Instant now, Dialect dialect) {
        this.c = c;
        this.now = now;
        this.dialect = dialect;
    }

    void event(String workflowId, String taskId, String type, Enum<?> from, Enum<?> to, JsonNode data) {
        events.add(new Object[] {workflowId, taskId, type, from == null ? null : from.name(),
                to == null ? null : to.name(), data == null ? null : Json.write(data), now});
    }

    /** Inserts the buffered events (after the dialect's event-order lock), adding them to {@link #flushed}. */
    void flushEvents() throws SQLException {
        if (events.isEmpty()) return;
        if (dialect.eventOrderLock() != null)
            try (PreparedStatement ps = c.prepareStatement(dialect.eventOrderLock())) {
                ps.execute();
            }
        try (StatementCache.Lease l = StatementCache.lease(c, "INSERT INTO events (workflow_id, task_id, type, "
                + "from_state, to_state, data_json, at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id")) {
            PreparedStatement ps = l.statement();
            for (Object[] e : events) {
                Sql.bind(ps, e);
                long id;
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) throw new SQLException("INSERT INTO events returned no id");
                    id = rs.getLong(1);
                }
                flushed.add(new RecentEvents.Row(id, (String) e[0], (String) e[1], (String) e[2], (String) e[3],
                        (String) e[4], (String) e[5], ((Instant) e[6]).toEpochMilli()));
            }
        }
        events.clear();
    }
}
