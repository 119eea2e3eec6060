package dev.provisioning.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where a chain's per-link time goes, orchestrator vs baseline. A link is "task i−1 has ended → task i has ended".
 * Orchestrator timestamps: the {@code task.state} events (committed with the transaction, millisecond clock) and the
 * file times in the run dir: the birth of {@code stderr.log} (opened by the spawn) and the mtime of {@code exit}
 * (written by the nu wrapper just before nu exits, or by the shell launcher just after its child ended). File times come from the kernel's coarse clock (one
 * tick, e.g. 4 ms at HZ=250), so single values are only tick-accurate, but means over 200 links are good to about a
 * millisecond (every mtime lags the same way; differences of two mtimes are unbiased). Baseline timestamps:
 * {@code System.nanoTime()} around each spawn and wait.
 */
final class LinkBreakdown {
    record Row(String what, double[] ms) {
        double mean() { return Arrays.stream(ms).average().orElse(Double.NaN); }

        double pct(double q) {
            if (ms.length == 0) return Double.NaN;
            double[] a = ms.clone();
            Arrays.sort(a);
            return a[(int) Math.min(a.length - 1, Math.round(q * (a.length - 1)))];
        }
    }

    record Report(String title, List<Row> orchestrator, List<Row> baseline, Map<String, Double> extras) {
        void print(PrintStream out) {
            out.println("  " + title);
            out.printf(Locale.ROOT, "    %-76s %8s %8s %8s%n", "orchestrator, per link", "mean", "p50", "p90");
            for (Row r : orchestrator) out.printf(Locale.ROOT, "    %-76s %8.2f %8.2f %8.2f%n", r.what(), r.mean(), r.pct(0.5), r.pct(0.9));
            out.printf(Locale.ROOT, "    %-76s %8s %8s %8s%n", "baseline, per link", "mean", "p50", "p90");
            for (Row r : baseline) out.printf(Locale.ROOT, "    %-76s %8.2f %8.2f %8.2f%n", r.what(), r.mean(), r.pct(0.5), r.pct(0.9));
            extras.forEach((k, v) -> out.printf(Locale.ROOT, "    %-76s %8.2f%n", k, v));
        }

        double mean(String prefix) {
            for (Row r : orchestrator) if (r.what().startsWith(prefix)) return r.mean();
            for (Row r : baseline) if (r.what().startsWith(prefix)) return r.mean();
            return Double.NaN;
        }
    }

    private LinkBreakdown() {}

    /**
     * Per-task parts for any shape (orchestrator: claim → launcher up → exit file → Completed; baseline: spawn →
     * exit), slot utilisation (time the task commands ran / (P × wall)), and for a chain the per-link rows.
     */
    static Report of(Dag dag, JsonNode wf, List<JsonNode> events, Path runs, BaselineRunner.Result baseline,
                     Instant submitted, Instant ended, int p, long submitNanos) throws IOException {
        Map<String, String> keyOf = new HashMap<>();
        Map<String, String> idOf = new HashMap<>();
        for (JsonNode t : wf.path("tasks")) {
            keyOf.put(t.path("id").asText(), t.path("key").asText());
            idOf.put(t.path("key").asText(), t.path("id").asText());
        }
        Map<String, Instant> running = new HashMap<>(), completed = new HashMap<>();
        for (JsonNode e : events) {
            if (!e.path("type").asText().equals("task.state")) continue;
            String key = keyOf.get(e.path("task_id").asText());
            Instant at = Instant.parse(e.path("at").asText());
            switch (e.path("to").asText()) {
                case "Running" -> running.put(key, at);
                case "Completed" -> completed.put(key, at);
                default -> { }
            }
        }
        List<String> ids = dag.ids();
        int n = ids.size();
        Map<String, Integer> bIndex = new HashMap<>();
        for (int i = 0; i < baseline.ids().size(); i++) bIndex.put(baseline.ids().get(i), i);
        double[] spawnAll = new double[n], runAll = new double[n], settleAll = new double[n], bRunAll = new double[n];
        Map<String, Instant> pidAt = new HashMap<>(), exitAt = new HashMap<>();
        double busy = 0, bBusy = 0;
        for (int i = 0; i < n; i++) {
            String cur = ids.get(i);
            Path rd = runs.resolve(idOf.get(cur) + ".1");
            Instant pid = spawnedAt(rd);
            Instant exit = Files.getLastModifiedTime(rd.resolve("exit")).toInstant();
            pidAt.put(cur, pid);
            exitAt.put(cur, exit);
            spawnAll[i] = ms(running.get(cur), pid);
            runAll[i] = ms(pid, exit);
            settleAll[i] = ms(exit, completed.get(cur));
            int b = bIndex.get(cur);
            bRunAll[i] = (baseline.endNanos()[b] - baseline.startNanos()[b]) / 1e6;
            busy += runAll[i];
            bBusy += bRunAll[i];
        }
        double wall = ms(submitted, ended);
        Map<String, Double> extras = new LinkedHashMap<>();
        extras.put("orchestrator: POST /workflows/batch/submit answered (ms)", submitNanos / 1e6);
        extras.put("orchestrator: submit -> first task Running (ms)", ms(submitted, running.values().stream().min(Instant::compareTo).orElse(null)));
        extras.put("orchestrator: last task Completed -> end of SSE stream (ms)", ms(completed.values().stream().max(Instant::compareTo).orElse(null), ended));
        extras.put("orchestrator: slots busy running nu, sum(spawned->exit) / (P x wall) (%)", 100 * busy / (p * wall));
        extras.put("baseline: slots busy running nu, sum(spawn->exit) / (P x wall) (%)", 100 * bBusy / (p * baseline.wallNanos() / 1e6));
        if (!dag.name().startsWith("chain")) {
            List<Row> o = List.of(
                    new Row("Running -> spawned (claim commit, inputs, runner.start, spawn)", spawnAll),
                    new Row("spawned -> exit file (nu start, task, wrapper writes exit)", runAll),
                    new Row("exit file -> Completed (nu teardown, exit noticed, group check, completion tx)", settleAll));
            List<Row> b = List.of(new Row("spawn -> exit (nu)", bRunAll));
            return new Report("per-task breakdown (" + dag.name() + ", P=" + p + "; ms):", o, b, extras);
        }
        double[] promote = new double[n - 1], spawn = new double[n - 1], run = new double[n - 1], settle = new double[n - 1],
                link = new double[n - 1];
        double[] bGap = new double[n - 1], bRun = new double[n - 1], bLink = new double[n - 1];
        for (int i = 1; i < n; i++) {
            String prev = ids.get(i - 1), cur = ids.get(i);
            promote[i - 1] = ms(completed.get(prev), running.get(cur));
            spawn[i - 1] = ms(running.get(cur), pidAt.get(cur));
            run[i - 1] = ms(pidAt.get(cur), exitAt.get(cur));
            settle[i - 1] = ms(exitAt.get(cur), completed.get(cur));
            link[i - 1] = ms(completed.get(prev), completed.get(cur));
            int bp = bIndex.get(prev), bc = bIndex.get(cur);
            bGap[i - 1] = (baseline.startNanos()[bc] - baseline.endNanos()[bp]) / 1e6;
            bRun[i - 1] = (baseline.endNanos()[bc] - baseline.startNanos()[bc]) / 1e6;
            bLink[i - 1] = (baseline.endNanos()[bc] - baseline.endNanos()[bp]) / 1e6;
        }
        List<Row> o = List.of(
                new Row("dependency Completed -> dependent Running (scheduler wake, round reads, claim tx)", promote),
                new Row("Running -> spawned (claim commit, inputs, runner.start, spawn)", spawn),
                new Row("spawned -> exit file (nu start, task, wrapper writes exit)", run),
                new Row("exit file -> Completed (nu teardown, exit noticed, group check, completion tx)", settle),
                new Row("= link: Completed(i-1) -> Completed(i)", link));
        List<Row> b = List.of(
                new Row("dependency exited -> dependent spawned", bGap),
                new Row("spawn -> exit (nu)", bRun),
                new Row("= link: exit(i-1) -> exit(i)", bLink));
        return new Report("per-link breakdown (" + dag.name() + ", " + (n - 1) + " links; ms):", o, b, extras);
    }

    private static double ms(Instant a, Instant b) {
        if (a == null || b == null) return Double.NaN;
        return Duration.between(a, b).toNanos() / 1e6;
    }

    /** When the attempt was spawned: the birth time of its stderr.log, which the spawn opens (nu writes none). */
    private static Instant spawnedAt(Path runDir) throws java.io.IOException {
        var attrs = Files.readAttributes(runDir.resolve("stderr.log"), java.nio.file.attribute.BasicFileAttributes.class);
        return attrs.creationTime().toInstant();
    }
}
