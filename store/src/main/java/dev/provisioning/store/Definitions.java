package dev.provisioning.store;

import java.util.LinkedHashMap;
import java.util.Map;

/** A bounded LRU map of {@link Definition}s; the actions' argument trees are shared: treat them as read-only. */
final class Definitions {
    private final Map<String, Definition> map;

    Definitions(int max) {
        map = java.util.Collections.synchronizedMap(new LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Definition> e) {
                return size() > max;
            }
        });
    }

    Definition get(String id) { return map.get(id); }

    void put(String id, Definition d) { map.put(id, d); }

    void computeIfPresent(String id, java.util.function.BiFunction<String, Definition, Definition> f) {
        map.computeIfPresent(id, f);
    }
}
