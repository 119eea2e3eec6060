package dev.provisioning.cli.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.provisioning.cli.CliException;
import dev.provisioning.cli.ExitCode;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * An open {@code GET /workflows/{id}/events} SSE stream. {@link #next()} blocks for the next event and returns
 * null when the daemon ends the stream (which it does once the workflow is terminal). A dropped connection
 * surfaces as an {@link UncheckedIOException} from {@link #next()}; reconnect with {@link #lastEventId()}.
 */
public final class EventStream implements AutoCloseable {
    private final Stream<String> lines;
    private final Iterator<String> it;
    private final SseParser parser = new SseParser();

    EventStream(Stream<String> lines) {
        this.lines = lines;
        this.it = lines.iterator();
    }

    /** The next event, or null at the end of the stream. */
    public Api.Event next() {
        while (it.hasNext()) {
            Optional<SseParser.SseEvent> e = parser.feed(it.next());
            if (e.isPresent() && !"keepalive".equals(e.get().event())) return parse(e.get()); // keepalives carry nothing
        }
        return null;
    }

    /** The id of the last event read, for {@code Last-Event-ID}; null before the first. */
    public Long lastEventId() {
        try {
            return parser.lastId() == null ? null : Long.valueOf(parser.lastId().strip());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    static Api.Event parse(SseParser.SseEvent e) {
        try {
            Api.Event ev = OrchestratorClient.MAPPER.readValue(e.data(), Api.Event.class);
            if (ev.type() == null && !"message".equals(e.event()))
                ev = new Api.Event(ev.id(), ev.workflowId(), ev.taskId(), e.event(), ev.from(), ev.to(), ev.data(), ev.at());
            return ev;
        } catch (JsonProcessingException ex) {
            throw new CliException(ExitCode.FAILED, "E_PROTOCOL",
                    "the orchestrator sent an event that is not JSON: " + abbreviate(e.data()), "event " + e.id());
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

    @Override
    public void close() {
        lines.close();
    }
}
