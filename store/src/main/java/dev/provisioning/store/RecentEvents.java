package dev.provisioning.store;

import dev.provisioning.core.model.Event;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The newest committed events, as this store wrote them, so that a live stream's "events after my cursor" costs no
 * query. Only for a store that is the database's only writer and numbers events without gaps (SQLite: one daemon per
 * data dir, an append-only table whose next id is the largest plus one, so a rolled-back insert takes no id).
 *
 * <p>The ring holds a <em>contiguous</em> run of ids {@code [first, first + size)}: it answers "after {@code id}"
 * only when {@code id >= first - 1}, so every event it could miss is older than what it holds and is read from the
 * table instead. A commit whose ids do not follow on (some committed change was not appended: a commit that threw
 * after it reached the disk) empties it first, and so does any write that failed after inserting events
 * ({@link #clear}), because such a commit may or may not have happened.
 */
final class RecentEvents {
    /** One event row as written: the data is kept as its JSON text, which the event carries as it is. */
    record Row(long id, String workflowId, String taskId, String type, String from, String to, String dataJson, long atMillis) {
        Event toEvent() {
            return new Event(id, workflowId, taskId, type, from, to, dataJson, Instant.ofEpochMilli(atMillis));
        }
    }

    private final Row[] ring;
    /** Bound of the held rows' {@link #weight}s, so that big event data (checkpoints) cannot fill the heap. */
    private final long maxChars;
    private long first = -1; // id of the oldest held row; -1 when empty
    private int size;
    private long chars;

    RecentEvents(int capacity, long maxChars) {
        if (capacity < 1) throw new IllegalArgumentException("capacity must be positive: " + capacity);
        ring = new Row[capacity];
        this.maxChars = maxChars;
    }

    /** About how many chars a row holds. */
    static long weight(Row r) {
        return 64 + len(r.workflowId()) + len(r.taskId()) + len(r.type()) + len(r.from()) + len(r.to()) + len(r.dataJson());
    }

    private static int len(String s) {
        return s == null ? 0 : s.length();
    }

    /** Appends the rows of one committed transaction, in id order. */
    synchronized void append(List<Row> committed) {
        for (Row r : committed) {
            if (size > 0 && r.id() != first + size) clearLocked(); // a gap: something committed was not seen
            long w = weight(r);
            if (w > maxChars) { // too big to hold: the run ends here, the next row starts a new one
                clearLocked();
                continue;
            }
            while (size == ring.length || (size > 0 && chars + w > maxChars)) dropOldest();
            if (size == 0) first = r.id();
            ring[(int) (r.id() % ring.length)] = r;
            size++;
            chars += w;
        }
    }

    private void dropOldest() {
        int slot = (int) (first % ring.length);
        chars -= weight(ring[slot]);
        ring[slot] = null;
        first++;
        size--;
    }

    /** Forgets everything: the next append starts a new run. */
    synchronized void clear() {
        clearLocked();
    }

    private void clearLocked() {
        java.util.Arrays.fill(ring, null);
        first = -1;
        size = 0;
        chars = 0;
    }

    /**
     * The workflow's events with id greater than {@code afterId}, oldest first, at most {@code limit}; null when the
     * ring cannot tell (it holds nothing, or events after {@code afterId} may be older than what it holds).
     */
    List<Event> after(String workflowId, long afterId, int limit) {
        List<Row> rows = new ArrayList<>();
        synchronized (this) {
            if (size == 0 || afterId < first - 1) return null;
            long last = first + size - 1;
            if (afterId >= last) return List.of(); // (and afterId + 1 cannot overflow below)
            for (long id = Math.max(afterId + 1, first); id <= last && rows.size() < limit; id++) {
                Row r = ring[(int) (id % ring.length)];
                if (r.workflowId().equals(workflowId)) rows.add(r);
            }
        }
        List<Event> out = new ArrayList<>(rows.size());
        for (Row r : rows) out.add(r.toEvent());
        return out;
    }
}
