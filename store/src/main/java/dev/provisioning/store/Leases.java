package dev.provisioning.store;

import static dev.provisioning.store.Rows.TASK_COLS;
import static dev.provisioning.store.Rows.stateIs;

import dev.provisioning.core.model.Task;
import dev.provisioning.core.model.TaskState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The leases of claims (D37), on a store that several daemons share: how long a claim holds its attempt, their
 * renewals, the cancels a daemon must carry out, the attempts whose lease ran out, and the extra fence of a take-over.
 */
final class Leases {
    private final Transactions txs;
    private final Rows rows;
    /** How long a claim's lease lasts before it must be renewed; null: no leases (a single node, SQLite). */
    private volatile Duration lease;

    Leases(Transactions txs, Rows rows) {
        this.txs = txs;
        this.rows = rows;
    }

    /** Sets the lease of every claim from now on; null: no leases. */
    void lease(Duration lease) {
        this.lease = lease;
    }

    Instant leaseUntil(Tx tx) {
        Duration l = lease;
        return l == null ? null : tx.now.plus(l);
    }

    /** The extra fence of a take-over: the lease ran out before the given instant (a row without a lease never does). */
    static final String LEASE_OUT = " AND lease_until IS NOT NULL AND lease_until < ?";

    /** {@code args}, with the take-over's instant last when there is one (it binds {@link #LEASE_OUT}'s parameter). */
    static Object[] withLeaseFence(Instant leaseOutBefore, Object... args) {
        if (leaseOutBefore == null) return args;
        Object[] out = java.util.Arrays.copyOf(args, args.length + 1);
        out[args.length] = leaseOutBefore;
        return out;
    }

    /** Extends every lease that {@code owner} holds; returns their task ids. Without leases it changes nothing. */
    List<String> renewLeases(String owner) {
        if (lease == null) return List.of();
        return txs.write("renew the leases of " + owner, tx -> {
            Instant until = leaseUntil(tx);
            List<String> ids = new ArrayList<>(Sql.query(tx.c, "UPDATE tasks SET lease_until = ? WHERE " + stateIs(TaskState.Running)
                    + " AND owner = ? RETURNING id", rs -> rs.getString(1), until, owner));
            ids.addAll(Sql.query(tx.c, "UPDATE tasks SET lease_until = ? WHERE " + stateIs(TaskState.RollingBack)
                    + " AND rollback_running = TRUE AND owner = ? RETURNING id", rs -> rs.getString(1), until, owner));
            return ids;
        });
    }

    List<String> cancelRequested(String owner) {
        return txs.read(c -> Sql.query(c, "SELECT id FROM tasks WHERE " + stateIs(TaskState.Running)
                + " AND owner = ? AND cancel_requested = TRUE ORDER BY seq", rs -> rs.getString(1), owner));
    }

    List<Task> expiredLeases(Instant now) {
        return txs.read(c -> {
            List<Task> out = new ArrayList<>(Sql.query(c, "SELECT " + TASK_COLS + " FROM tasks WHERE " + stateIs(TaskState.Running)
                    + LEASE_OUT + " ORDER BY seq", rows::mapTask, now));
            out.addAll(Sql.query(c, "SELECT " + TASK_COLS + " FROM tasks WHERE " + stateIs(TaskState.RollingBack)
                    + " AND rollback_running = TRUE" + LEASE_OUT + " ORDER BY seq", rows::mapTask, now));
            return rows.withDeps(c, out);
        });
    }
}
