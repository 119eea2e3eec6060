package dev.provisioning.cli.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.provisioning.cli.CliException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;

/** The text/event-stream parsing of the daemon's {@code GET /workflows/{id}/events}. */
class SseParserTest {
    static List<SseParser.SseEvent> parse(SseParser p, String text) {
        List<SseParser.SseEvent> out = new ArrayList<>();
        text.lines().forEach(l -> p.feed(l).ifPresent(out::add));
        // String.lines() drops a trailing empty line; an event stream ends each event with one
        if (text.endsWith("\n\n")) p.feed("").ifPresent(out::add);
        return out;
    }

    @Test
    void readsIdEventAndDataAsTheDaemonWritesThem() {
        SseParser p = new SseParser();
        List<SseParser.SseEvent> events = parse(p, "id:1\nevent:workflow.submitted\ndata:{\"id\":1}\n\nid:2\nevent:task.state\ndata:{\"id\":2}\n\n");
        assertThat(events).containsExactly(
                new SseParser.SseEvent("1", "workflow.submitted", "{\"id\":1}"),
                new SseParser.SseEvent("2", "task.state", "{\"id\":2}"));
        assertThat(p.lastId()).isEqualTo("2");
    }

    @Test
    void dropsOneSpaceAfterTheColonJoinsDataLinesAndIgnoresComments() {
        SseParser p = new SseParser();
        List<SseParser.SseEvent> events = parse(p, ": keep-alive\nid: 7\ndata:  a\ndata: b\nretry: 100\nwhat: ever\n\n");
        assertThat(events).containsExactly(new SseParser.SseEvent("7", "message", " a\nb"));
    }

    @Test
    void anEventWithoutDataIsNotDispatchedAndTheIdCarriesOver() {
        SseParser p = new SseParser();
        assertThat(parse(p, "id:3\nevent:x\n\n")).isEmpty();
        assertThat(parse(p, "data:d\n\n")).containsExactly(new SseParser.SseEvent("3", "message", "d"));
    }

    @Test
    void keepalivesAreSkippedAndLeaveTheLastIdAlone() {
        EventStream s = new EventStream(Stream.of(
                "id:7", "event:task.state", "data:{\"id\":7,\"type\":\"task.state\",\"to\":\"Running\"}", "",
                "event:keepalive", "data:{}", "",
                "event:keepalive", "data:{}", "",
                "id:8", "event:task.state", "data:{\"id\":8,\"type\":\"task.state\",\"to\":\"Completed\"}", ""));
        assertThat(s.next().id()).isEqualTo(7);
        assertThat(s.next().id()).as("the keepalives in between are not events").isEqualTo(8);
        assertThat(s.next()).isNull();
        assertThat(s.lastEventId()).isEqualTo(8L);
    }

    @Test
    void eventStreamParsesTheDataAsAnEventAndKeepsTheLastId() {
        EventStream s = new EventStream(Stream.of(
                "id:41", "event:task.progress",
                "data:{\"id\":41,\"workflow_id\":\"w\",\"task_id\":\"t\",\"type\":\"task.progress\",\"from\":null,\"to\":null,"
                        + "\"data\":{\"percent\":40,\"message\":\"creating\"},\"at\":\"2025-01-02T03:04:05Z\"}",
                "", "id:42", "event:workflow.state",
                "data:{\"id\":42,\"workflow_id\":\"w\",\"task_id\":null,\"from\":\"Running\",\"to\":\"Completed\"}", ""));
        Api.Event e = s.next();
        assertThat(e.id()).isEqualTo(41);
        assertThat(e.type()).isEqualTo("task.progress");
        assertThat(e.data().get("percent").asInt()).isEqualTo(40);
        assertThat(s.lastEventId()).isEqualTo(41L);
        Api.Event f = s.next();
        assertThat(f.type()).as("the SSE event name stands in for a missing type").isEqualTo("workflow.state");
        assertThat(f.to()).isEqualTo("Completed");
        assertThat(s.next()).isNull();
        assertThat(s.lastEventId()).isEqualTo(42L);
    }

    @Test
    void dataThatIsNotJsonIsAProtocolError() {
        EventStream s = new EventStream(Stream.of("id:1", "data:<html>", ""));
        Assertions.assertThatThrownBy(s::next).isInstanceOfSatisfying(CliException.class,
                e -> assertThat(e.code()).isEqualTo("E_PROTOCOL"));
    }
}
