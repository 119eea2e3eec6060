package dev.provisioning.store;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Objects;

/** A bounded LRU of parsed request documents (weighed by their JSON length); thread-safe. */
final class RequestCache {
    private record Entry(Instant createdAt, JsonNode tree, int chars) {}

    private final int maxChars;
    private final LinkedHashMap<String, Entry> map = new LinkedHashMap<>(16, 0.75f, true);
    private long chars;

    RequestCache(int maxChars) { this.maxChars = maxChars; }

    synchronized JsonNode get(String id, Instant createdAt) {
        Entry e = map.get(id);
        return e != null && Objects.equals(e.createdAt(), createdAt) ? e.tree() : null;
    }

    synchronized void put(String id, Instant createdAt, JsonNode tree, int len) {
        if (len > maxChars / 4) return;
        Entry old = map.put(id, new Entry(createdAt, tree, len));
        if (old != null) chars -= old.chars();
        chars += len;
        for (var it = map.values().iterator(); chars > maxChars && it.hasNext(); ) {
            chars -= it.next().chars();
            it.remove();
        }
    }
}
