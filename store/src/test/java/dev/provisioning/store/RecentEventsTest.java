package dev.provisioning.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.provisioning.core.model.Event;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class RecentEventsTest {
    static RecentEvents.Row row(long id, String wf) {
        return new RecentEvents.Row(id, wf, "t" + id, "task.state", "Ready", "Running", id % 2 == 0 ? "{\"n\":" + id + "}" : null, 1000 + id);
    }

    static List<RecentEvents.Row> rows(String wf, long from, long to) {
        return LongStream.rangeClosed(from, to).mapToObj(id -> row(id, wf)).toList();
    }

    static List<Long> ids(List<Event> events) {
        return events.stream().map(Event::id).toList();
    }

    @Test
    void answersOnlyForCursorsItCoversAndPerWorkflow() {
        RecentEvents r = new RecentEvents(100, 1 << 20);
        assertThat(r.after("w", 0, 10)).as("empty: cannot tell").isNull();
        r.append(rows("w", 11, 13));
        r.append(List.of(row(14, "v"), row(15, "w")));
        assertThat(r.after("w", 9, 10)).as("event 10 may exist and is not held").isNull();
        assertThat(ids(r.after("w", 10, 10))).containsExactly(11L, 12L, 13L, 15L);
        assertThat(ids(r.after("w", 12, 10))).containsExactly(13L, 15L);
        assertThat(ids(r.after("w", 11, 2))).containsExactly(12L, 13L);
        assertThat(ids(r.after("v", 10, 10))).containsExactly(14L);
        assertThat(r.after("w", 15, 10)).isEmpty();
        assertThat(r.after("w", 99, 10)).isEmpty();
        assertThat(r.after("w", Long.MAX_VALUE, 10)).isEmpty();
        Event e = r.after("w", 11, 1).getFirst();
        assertThat(e).isEqualTo(new Event(12, "w", "t12", "task.state", "Ready", "Running",
                "{\"n\":12}", java.time.Instant.ofEpochMilli(1012)));
    }

    @Test
    void aGapStartsANewRunSoOlderCursorsGoToTheTable() {
        RecentEvents r = new RecentEvents(100, 1 << 20);
        r.append(rows("w", 1, 5));
        r.append(rows("w", 8, 9)); // 6 and 7 were committed unseen
        assertThat(r.after("w", 5, 10)).isNull();
        assertThat(r.after("w", 6, 10)).isNull();
        assertThat(ids(r.after("w", 7, 10))).containsExactly(8L, 9L);
    }

    @Test
    void bigDataIsBoundedByCharsNotJustByCount() {
        String big = "{\"checkpoint\":\"" + "x".repeat(1000) + "\"}";
        RecentEvents.Row bigRow = new RecentEvents.Row(1, "w", "t", "task.checkpoint", null, null, big, 0);
        long w = RecentEvents.weight(bigRow);
        RecentEvents r = new RecentEvents(100, 3 * w);
        for (long id = 1; id <= 5; id++)
            r.append(List.of(new RecentEvents.Row(id, "w", "t", "task.checkpoint", null, null, big, 0)));
        assertThat(r.after("w", 1, 10)).as("only the newest three fit").isNull();
        assertThat(ids(r.after("w", 2, 10))).containsExactly(3L, 4L, 5L);
        // a row bigger than the whole budget is not held: the run restarts after it, older cursors read the table
        r.append(List.of(new RecentEvents.Row(6, "w", "t", "task.checkpoint", null, null, big.repeat(4), 0)));
        r.append(rows("w", 7, 8));
        assertThat(r.after("w", 5, 10)).isNull();
        assertThat(ids(r.after("w", 6, 10))).containsExactly(7L, 8L);
    }

    @Test
    void theOldestAreDroppedAtCapacityAndClearForgetsAll() {
        RecentEvents r = new RecentEvents(4, 1 << 20);
        r.append(rows("w", 1, 6));
        assertThat(r.after("w", 1, 10)).isNull();
        assertThat(ids(r.after("w", 2, 10))).containsExactly(3L, 4L, 5L, 6L);
        r.clear();
        assertThat(r.after("w", 6, 10)).isNull();
        r.append(rows("w", 7, 7));
        assertThat(ids(r.after("w", 6, 10))).containsExactly(7L);
    }
}
