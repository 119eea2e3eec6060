package dev.provisioning.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioning.core.model.Event;
import dev.provisioning.core.model.Json;
import dev.provisioning.server.api.Views;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The CPU of one SSE event's JSON, per event, in one JVM: the way before (the store parsed the data text,
 * {@code Views.event} built a tree of the event, {@link Json#write} wrote it) against {@link Views#event(Event)}
 * (a generator, the data text written as it is). The events are those of a flat DAG: each task's
 * {@code Ready → Running} with {@code {"attempt", "owner"}} and {@code Running → Completed} with
 * {@code {"attempt", "exitCode"}}. Rounds alternate the two ways; it prints each round and the medians.
 *
 * <pre>java -cp "bench/target/classes:server/target/lib/*" dev.provisioning.bench.EventJsonBench [EVENTS] [ROUNDS]</pre>
 */
public final class EventJsonBench {
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    private EventJsonBench() {}

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        List<Event> events = flatDagEvents(n);
        for (Event e : events.subList(0, Math.min(10, n)))
            if (!Views.event(e).equals(treeWay(e))) throw new AssertionError("the two ways differ for " + e);
        System.out.printf(Locale.ROOT, "%d events, %d rounds after 5 warm-up rounds, CPU time of this thread; JDK %s, %d cpus%n", n, rounds,
                Runtime.version(), Runtime.getRuntime().availableProcessors());
        for (int i = 0; i < 5; i++) {
            time(events, false);
            time(events, true);
        }
        double[] tree = new double[rounds], gen = new double[rounds];
        for (int i = 0; i < rounds; i++) {
            // alternate which goes first, so that neither always runs right after a collection of the other's garbage
            if (i % 2 == 0) {
                tree[i] = time(events, false);
                gen[i] = time(events, true);
            } else {
                gen[i] = time(events, true);
                tree[i] = time(events, false);
            }
            System.out.printf(Locale.ROOT, "round %d: tree %.0f ns/event, generator %.0f ns/event (%.2fx)%n", i + 1,
                    tree[i], gen[i], tree[i] / gen[i]);
        }
        double t = median(tree), g = median(gen);
        System.out.printf(Locale.ROOT, "median: tree %.0f ns/event, generator %.0f ns/event; the tree way costs %.2fx%n", t, g, t / g);
    }

    /**
     * This thread's CPU ns per event, for the event's JSON as the bytes the SSE sink writes. CPU time, so that other
     * work on the machine does not count; the collector's threads do not count either (the tree way makes more garbage).
     */
    static double time(List<Event> events, boolean generator) {
        long bytes = 0;
        long start = CPU.getCurrentThreadCpuTime();
        for (Event e : events) bytes += (generator ? Views.event(e) : treeWay(e)).getBytes(StandardCharsets.UTF_8).length;
        long ns = CPU.getCurrentThreadCpuTime() - start;
        if (bytes == 0) throw new AssertionError();
        return (double) ns / events.size();
    }

    /** The way before: the store's read parsed the data; the event went through a tree. */
    static String treeWay(Event e) {
        JsonNode data = Json.read(e.dataJson());
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("id", e.id()).put("workflow_id", e.workflowId()).put("task_id", e.taskId()).put("type", e.type())
                .put("from", e.from()).put("to", e.to());
        n.set("data", data);
        if (e.at() == null) n.putNull("at"); else n.put("at", e.at().toString());
        return Json.write(n);
    }

    static List<Event> flatDagEvents(int n) {
        List<Event> out = new ArrayList<>(n);
        String wf = "wf-0f8e4c2a-5b7d-4e31-9a6c-1d2e3f4a5b6c";
        String owner = "daemon-7f3a9c1e:4242";
        long at = Instant.parse("2025-06-01T12:00:00Z").toEpochMilli();
        for (int i = 0; i < n; i++) {
            String task = wf + "." + String.format(Locale.ROOT, "t%04d", i / 2);
            boolean start = i % 2 == 0;
            String data = start ? "{\"attempt\":1,\"owner\":\"" + owner + "\"}" : "{\"attempt\":1,\"exitCode\":0}";
            out.add(new Event(i + 1, wf, task, "task.state", start ? "Ready" : "Running", start ? "Running" : "Completed",
                    data, Instant.ofEpochMilli(at + i * 7L)));
        }
        return out;
    }

    static double median(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
