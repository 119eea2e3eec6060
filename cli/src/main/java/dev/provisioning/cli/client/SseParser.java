package dev.provisioning.cli.client;

import java.util.Optional;

/**
 * A line-at-a-time parser of a {@code text/event-stream} (the WHATWG server-sent events format, the parts the
 * daemon uses): {@code id:}, {@code event:} and {@code data:} fields, several {@code data:} lines joined with
 * newlines, {@code :comment} lines ignored, and a blank line ending an event. One optional space after the colon
 * is dropped. The last {@code id:} seen is kept across events, as a client must send it back in
 * {@code Last-Event-ID} when it reconnects.
 */
public final class SseParser {
    /** One dispatched event; {@code id} is the last event id seen so far (null if none yet). */
    public record SseEvent(String id, String event, String data) {}

    private String lastId;
    private String event;
    private StringBuilder data;

    /** Feeds one line (without its line terminator); returns an event when the line completes one. */
    public Optional<SseEvent> feed(String line) {
        if (line.isEmpty()) return dispatch();
        if (line.charAt(0) == ':') return Optional.empty();
        int colon = line.indexOf(':');
        String field = colon < 0 ? line : line.substring(0, colon);
        String value = colon < 0 ? "" : line.substring(colon + 1);
        if (value.startsWith(" ")) value = value.substring(1);
        switch (field) {
            case "id" -> {
                if (value.indexOf('\0') < 0) lastId = value;
            }
            case "event" -> event = value;
            case "data" -> {
                if (data == null) data = new StringBuilder(value);
                else data.append('\n').append(value);
            }
            default -> { /* "retry" and unknown fields: ignored */ }
        }
        return Optional.empty();
    }

    /** The last event id seen, for {@code Last-Event-ID}; null before the first. */
    public String lastId() { return lastId; }

    private Optional<SseEvent> dispatch() {
        if (data == null) {
            event = null;
            return Optional.empty();
        }
        SseEvent e = new SseEvent(lastId, event == null ? "message" : event, data.toString());
        event = null;
        data = null;
        return Optional.of(e);
    }
}
