package dev.provisioning.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioning.core.model.Event;
import dev.provisioning.core.model.Json;
import java.time.Instant;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/** An event's JSON, written with a generator from the data's stored text, is the text the tree of it gave. */
public class ViewsTest {
    /**
     * How an event's JSON was made before it was written with a generator: the store's read parsed the data text,
     * the view built a tree, the mapper wrote it.
     */
    public static String treeEvent(Event e) {
        return Json.write(tree(e));
    }

    /** {@code {"events": [...]}} of {@link #treeEvent}'s trees. */
    public static String treePage(List<Event> events) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        com.fasterxml.jackson.databind.node.ArrayNode arr = body.putArray("events");
        events.forEach(e -> arr.add(tree(e)));
        return Json.write(body);
    }

    private static ObjectNode tree(Event e) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("id", e.id()).put("workflow_id", e.workflowId()).put("task_id", e.taskId()).put("type", e.type())
                .put("from", e.from()).put("to", e.to());
        n.set("data", Json.read(e.dataJson()));
        if (e.at() == null) n.putNull("at"); else n.put("at", e.at().toString());
        return n;
    }

    /** An event whose data text is what the store writes for {@code data}: {@link Json#write}, or null. */
    static Event event(long id, String taskId, String from, String to, JsonNode data, Instant at) {
        return new Event(id, "wf-1", taskId, "task.state", from, to, data == null ? null : Json.write(data), at);
    }

    public static final String AWKWARD = "h\u00e9llo \"quoted\" back\\slash /slash tab\t nl\n cr\r nul\u0000 bell\u0007 del\u007f"
            + " emoji\uD83D\uDE00 ls\u2028 ps\u2029 bom\uFEFF \u4e2d\u6587";

    static List<Event> samples() {
        ObjectNode object = Json.MAPPER.createObjectNode().put("attempt", 1).put("owner", "daemon-1:42");
        ObjectNode awkward = Json.MAPPER.createObjectNode().put("message", AWKWARD).put(AWKWARD, AWKWARD);
        awkward.putArray("numbers").add(0).add(-1).add(2.5).add(-0.0).add(1e20).add(Long.MAX_VALUE)
                .add(new java.math.BigInteger("123456789012345678901234567890")).add(true).addNull();
        awkward.putObject("nested").putObject("deeper").putArray("empty");
        return List.of(
                event(1, "wf-1.a", "Ready", "Running", object, Instant.parse("2025-06-01T12:00:00.123Z")),
                event(2, "wf-1.a", "Running", "Completed", null, Instant.parse("2025-06-01T12:00:01Z")),
                event(3, null, "Running", "Completed", object, Instant.parse("2025-06-01T12:00:01.000001Z")),
                event(4, "wf-1.a", null, null, awkward, Instant.parse("2025-06-01T12:00:01.000000001Z")),
                event(5, null, null, null, null, null),
                event(6, "wf-1.a", null, null, Json.MAPPER.nullNode(), Instant.EPOCH),
                event(7, "wf-1.a", null, null, Json.MAPPER.valueToTree(AWKWARD), Instant.parse("+12345-01-01T00:00:00Z")),
                event(8, AWKWARD, AWKWARD, AWKWARD, Json.MAPPER.createArrayNode().add(1).add("x"), Instant.parse("-0001-12-31T23:59:59.5Z")),
                event(Long.MAX_VALUE, "wf-1.a", null, null, Json.MAPPER.createObjectNode(), Instant.MAX));
    }

    @Test
    void eachEventIsTheTextOfItsTree() {
        for (Event e : samples()) assertThat(Views.event(e)).as("event %d", e.id()).isEqualTo(treeEvent(e));
        assertThat(Views.event(samples().get(1))).contains("\"task_id\":\"wf-1.a\"", "\"data\":null");
        assertThat(Views.event(samples().get(4))).isEqualTo("{\"id\":5,\"workflow_id\":\"wf-1\",\"task_id\":null,"
                + "\"type\":\"task.state\",\"from\":null,\"to\":null,\"data\":null,\"at\":null}");
    }

    @Test
    void aPageIsTheTextOfItsTree() {
        assertThat(Views.events(samples())).isEqualTo(treePage(samples()));
        assertThat(Views.events(List.of())).isEqualTo("{\"events\":[]}").isEqualTo(treePage(List.of()));
    }

    @Test
    void dataTextWithALineBreakIsWrittenAgainOnOneLine() {
        // not what this store writes, but an SSE data line must not break: such text goes through a tree
        Event e = new Event(1, "wf-1", null, "task.progress", null, null, "{\n  \"percent\" : 40,\r\n  \"m\" : \"a\\nb\"\n}", Instant.EPOCH);
        assertThat(Views.event(e)).isEqualTo(treeEvent(e)).doesNotContain("\n", "\r").contains("\"data\":{\"percent\":40,\"m\":\"a\\nb\"}");
    }

    @Property(tries = 300)
    void anyEventIsTheTextOfItsTree(@ForAll("texts") String a, @ForAll("texts") String b, @ForAll("texts") String message,
                                    @ForAll @LongRange(min = -31557014167219200L, max = 31556889864403199L) long second,
                                    @ForAll("nanos") int nano, @ForAll boolean withData) {
        ObjectNode data = Json.MAPPER.createObjectNode().put("message", message).put("n", second);
        Event e = new Event(second, a, b, message, b, a, withData ? Json.write(data) : null, Instant.ofEpochSecond(second, nano));
        assertThat(Views.event(e)).isEqualTo(treeEvent(e));
    }

    @Provide
    Arbitrary<String> texts() {
        return Arbitraries.oneOf(Arbitraries.strings().all().ofMaxLength(40), Arbitraries.strings().ofMaxLength(10),
                Arbitraries.just(null));
    }

    @Provide
    Arbitrary<Integer> nanos() {
        return Arbitraries.oneOf(Arbitraries.just(0), Arbitraries.integers().between(0, 999).map(i -> i * 1_000_000),
                Arbitraries.integers().between(0, 999_999).map(i -> i * 1_000), Arbitraries.integers().between(0, 999_999_999));
    }
}
