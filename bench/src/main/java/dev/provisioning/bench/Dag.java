package dev.provisioning.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * A benchmark DAG: task ids in a topological order (every dependency of a task comes before it) and each task's
 * dependencies. The shapes of issue 3's benchmark:
 * <ul>
 *   <li>{@link #flat flat N}: N independent tasks;</li>
 *   <li>{@link #chain chain N}: t0000 → t0001 → ... (each task depends on the one before);</li>
 *   <li>{@link #diamond diamond L×W}: a source task, then L layers of W tasks where every task of a layer depends
 *       on every task of the layer before (layer 1 on the source), then a sink task depending on the whole last
 *       layer: L·W + 2 tasks, W + (L−1)·W² + W edges, L + 2 levels;</li>
 *   <li>{@link #random random N, D, seed}: task i depends on min(i, D) distinct tasks drawn uniformly from tasks
 *       0..i−1 with a {@link SplittableRandom} of the given seed (so edges only go to earlier tasks: acyclic).</li>
 * </ul>
 * Ids are {@code t} + a zero-padded index, so they are valid task ids, file names and make/ninja targets.
 */
public record Dag(String name, List<String> ids, Map<String, List<String>> deps) {
    public Dag {
        ids = List.copyOf(ids);
        Map<String, List<String>> d = new LinkedHashMap<>();
        for (String id : ids) d.put(id, List.copyOf(deps.getOrDefault(id, List.of())));
        deps = Collections.unmodifiableMap(d);
    }

    public int size() { return ids.size(); }

    public int edges() { return deps.values().stream().mapToInt(List::size).sum(); }

    /** The dependents of each task (the reverse edges), in id order. */
    public Map<String, List<String>> dependents() {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String id : ids) out.put(id, new ArrayList<>());
        deps.forEach((t, ds) -> ds.forEach(d -> out.get(d).add(t)));
        return out;
    }

    /** Number of levels (the longest path, in tasks). */
    public int depth() {
        Map<String, Integer> level = new LinkedHashMap<>();
        int max = 0;
        for (String id : ids) {
            int l = 0;
            for (String d : deps.get(id)) l = Math.max(l, level.get(d) + 1);
            level.put(id, l);
            max = Math.max(max, l + 1);
        }
        return max;
    }

    static String id(int i, int n) {
        int width = Math.max(4, Integer.toString(n - 1).length());
        String s = Integer.toString(i);
        return "t" + "0".repeat(Math.max(0, width - s.length())) + s;
    }

    public static Dag flat(int n) {
        List<String> ids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) ids.add(id(i, n));
        return new Dag("flat " + n, ids, Map.of());
    }

    public static Dag chain(int n) {
        List<String> ids = new ArrayList<>(n);
        Map<String, List<String>> deps = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            ids.add(id(i, n));
            if (i > 0) deps.put(ids.get(i), List.of(ids.get(i - 1)));
        }
        return new Dag("chain " + n, ids, deps);
    }

    public static Dag diamond(int layers, int width) {
        int n = layers * width + 2;
        List<String> ids = new ArrayList<>(n);
        Map<String, List<String>> deps = new LinkedHashMap<>();
        ids.add(id(0, n));
        List<String> previous = List.of(ids.get(0));
        for (int l = 0; l < layers; l++) {
            List<String> layer = new ArrayList<>(width);
            for (int w = 0; w < width; w++) {
                String id = id(ids.size(), n);
                ids.add(id);
                layer.add(id);
                deps.put(id, previous);
            }
            previous = layer;
        }
        String sink = id(ids.size(), n);
        ids.add(sink);
        deps.put(sink, previous);
        return new Dag("diamond " + layers + "x" + width, ids, deps);
    }

    public static Dag random(int n, int depsEach, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<String> ids = new ArrayList<>(n);
        Map<String, List<String>> deps = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            ids.add(id(i, n));
            int k = Math.min(i, depsEach);
            if (k == 0) continue;
            TreeSet<Integer> picked = new TreeSet<>();
            while (picked.size() < k) picked.add(rnd.nextInt(i));
            List<String> ds = new ArrayList<>(k);
            for (int p : picked) ds.add(ids.get(p));
            deps.put(ids.get(i), ds);
        }
        return new Dag("random " + n + " (" + depsEach + " deps, seed " + seed + ")", ids, deps);
    }

    /** Parses a shape: {@code flat:500}, {@code chain:200}, {@code diamond:20x10}, {@code random:500:3:42}. */
    public static Dag parse(String spec) {
        String[] p = spec.split(":");
        return switch (p[0]) {
            case "flat" -> flat(Integer.parseInt(p[1]));
            case "chain" -> chain(Integer.parseInt(p[1]));
            case "diamond" -> {
                String[] lw = p[1].split("x");
                yield diamond(Integer.parseInt(lw[0]), Integer.parseInt(lw[1]));
            }
            case "random" -> random(Integer.parseInt(p[1]), p.length > 2 ? Integer.parseInt(p[2]) : 3,
                    p.length > 3 ? Long.parseLong(p[3]) : 42);
            default -> throw new IllegalArgumentException("unknown shape '" + spec
                    + "'; use flat:N, chain:N, diamond:LxW or random:N[:DEPS[:SEED]]");
        };
    }
}
