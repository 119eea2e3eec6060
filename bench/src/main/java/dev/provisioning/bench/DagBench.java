package dev.provisioning.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioning.core.model.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Issue 3's DAG benchmark: each shape run, in the same process and one after the other, by
 * <ol>
 *   <li>the {@link BaselineRunner} (P workers spawning the nu commands, nothing else),</li>
 *   <li>{@code make -jP} on the generated Makefile,</li>
 *   <li>{@code ninja -jP} on the generated build.ninja,</li>
 *   <li>the orchestrator: the real daemon ({@code bin/provisioning-orchestrator}, default SQLite store,
 *       {@code [executor] max_concurrent_tasks = P}); timed from just before {@code POST /workflows/batch/submit} to
 *       the end of the workflow's SSE stream (which the daemon ends once the workflow is terminal).</li>
 * </ol>
 * Every task of every runner is {@code nu --no-config-file -c <the orchestrator's wrapper for bench/dag.nu mark>};
 * it appends its id to its own marker file, and after each run every task must have exactly one marker line
 * (and no other marker may exist), else the run fails. For the chain, the orchestrator's per-link latency is
 * broken down from its events and run dirs (see {@link LinkBreakdown}).
 *
 * <pre>bench/run-dag [--reps N] [--only LABEL-PREFIX] [--runners baseline,make,ninja,orchestrator] [--poll MS] [--warmup N] [--clean] [--baseline-nice N] [--fs-wait SECONDS]</pre>
 */
public final class DagBench {
    record Case(String label, String shape, int p, int sleepMs) {}

    static final List<Case> CASES = List.of(
            new Case("flat 500", "flat:500", 2, 0),
            new Case("chain 200", "chain:200", 2, 0),
            new Case("diamond 20x10", "diamond:20x10", 2, 0),
            new Case("random 500", "random:500:3:42", 2, 0),
            new Case("flat 500 sleep 50ms", "flat:500", 8, 50));

    // the orchestrator right after the baseline: the ratio that matters is measured closest together in time
    static final List<String> ALL_RUNNERS = List.of("baseline", "orchestrator", "make", "ninja");

    final Path root;
    final Path nu;
    final Path libDir;
    final String wrapper;
    final Path work;
    /** --baseline-nice: the baseline's nu processes run this much nicer (0: as the bench JVM). */
    int baselineNice;
    /** --fs-wait SECONDS: how long a case waits for slow file creation to pass (0: not at all). */
    int fsWaitSeconds = FS_WAIT_SECONDS;
    static final int FS_WAIT_SECONDS = 420;
    int reps = 3;
    long pollMs = 0; // 0 = follow the SSE stream
    int warmupTasks = 0; // 0 = the 10-task chain
    /** The warm-up's random DAG seed: not the measured random shape's (42). */
    static final long WARMUP_SEED = 7;
    List<String> runners = ALL_RUNNERS;

    DagBench(Path root, Path nu, Path work) throws IOException {
        this.root = root;
        this.nu = nu;
        this.libDir = root.resolve("bench/nulib").toRealPath();
        this.wrapper = DagFiles.wrapper(libDir.resolve(DagFiles.MODULE).toRealPath(), DagFiles.FUNCTION);
        this.work = work;
        DagFiles.safe(work);
    }

    /** One runner's times over the repetitions, and (orchestrator, chain) what the breakdown needs. */
    static final class Times {
        final List<Long> nanos = new ArrayList<>();
        /** Per repetition, ms of CPU per task: the runner's own process (bench JVM, daemon JVM), and its reaped children. */
        final List<Double> ownCpu = new ArrayList<>(), childCpu = new ArrayList<>();

        long median() {
            long[] a = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
            return a.length == 0 ? -1 : a[(a.length - 1) / 2];
        }
    }

    record CaseResult(Case c, Dag dag, Map<String, Times> times, LinkBreakdown.Report breakdown) {}

    public static void main(String[] args) throws Exception {
        Path root = Path.of(System.getProperty("provisioning.root", ".")).toAbsolutePath().normalize();
        Path nu = Path.of(System.getenv().getOrDefault("PROVISIONING_NUSHELL_BINARY", "nu"));
        if (!nu.isAbsolute()) throw new IllegalStateException("set PROVISIONING_NUSHELL_BINARY to nu's absolute path");
        String only = null;
        boolean keep = true;
        int reps = 3;
        long poll = 0;
        int warmup = 0;
        List<String> runners = ALL_RUNNERS;
        Path workArg = null;
        int baselineNiceArg = 0, fsWaitArg = FS_WAIT_SECONDS;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--only" -> only = args[++i];
                case "--keep" -> keep = true; // the default; kept for old command lines
                case "--clean" -> keep = false;
                case "--baseline-nice" -> baselineNiceArg = Integer.parseInt(args[++i]);
                case "--fs-wait" -> fsWaitArg = Integer.parseInt(args[++i]);
                case "--poll" -> poll = Long.parseLong(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--work" -> workArg = Path.of(args[++i]);
                case "--runners" -> runners = List.of(args[++i].split(","));
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        // Not /tmp by default: there a test run's deletions make every create cost up to 0.6 ms for a while (ext4's
        // inode allocator skips recently freed inodes), which swamps the daemon's own costs; see bench/README.md.
        Path work = workArg != null ? Files.createDirectories(workArg).toRealPath()
                : Files.createTempDirectory(Files.createDirectories(root.resolve("bench/target")), "dag-work").toRealPath();
        DagBench b = new DagBench(root, nu.toRealPath(), work);
        b.reps = reps;
        b.pollMs = poll;
        b.warmupTasks = warmup;
        b.runners = runners;
        b.baselineNice = baselineNiceArg;
        b.fsWaitSeconds = fsWaitArg;
        if (baselineNiceArg > 0) System.out.println("the baseline runs its nu processes " + baselineNiceArg + " nicer than itself");
        System.out.printf(Locale.ROOT, "DAG benchmark: nu %s, %d cores, load average %s, work dir %s, %d repetition(s), orchestrator timed to %s%n",
                b.nu, Runtime.getRuntime().availableProcessors(), loadavg(), work, reps, poll > 0 ? "polling every " + poll + " ms" : "the end of its SSE stream");
        List<CaseResult> results = new ArrayList<>();
        for (Case c : CASES) {
            if (only != null && !(only.endsWith("$") ? c.label().equals(only.substring(0, only.length() - 1)) : c.label().startsWith(only))) continue;
            results.add(b.runCase(c));
        }
        b.printTable(results);
        if (!keep) deleteTree(work);
        else System.out.println("kept " + work + " (delete it when no benchmark is about to run: for up to 6 minutes after "
                + "many deletions, creating a file here costs far more; see bench/README.md)");
    }

    CaseResult runCase(Case c) throws Exception {
        Dag dag = Dag.parse(c.shape());
        Path caseDir = work.resolve(c.label().replaceAll("[^A-Za-z0-9]+", "-"));
        System.out.printf(Locale.ROOT, "%n== %s: %d tasks, %d edges, %d levels, P=%d%s (load average %s)%n", c.label(), dag.size(), dag.edges(),
                dag.depth(), c.p(), c.sleepMs() > 0 ? ", tasks sleep " + c.sleepMs() + " ms" : "", loadavg());
        Files.createDirectories(caseDir);
        double create = createMicros(caseDir.resolve("fs-probe"));
        // Slow creates pass within minutes (the allocator skips inodes freed in the last 1-6 minutes): wait for that,
        // probing every 20 s, rather than measure a run that favours the baseline.
        for (int probe = 1; create > SLOW_CREATE_MICROS && fsWaitSeconds > 0 && probe * 20 <= fsWaitSeconds; probe++) {
            System.out.printf(Locale.ROOT, "  creating a file in the work dir costs %.0f µs: waiting for the filesystem to "
                    + "settle (%d s of at most %d s)%n", create, probe * 20, fsWaitSeconds);
            Thread.sleep(20_000);
            create = createMicros(caseDir.resolve("fs-probe-" + probe));
        }
        System.out.printf(Locale.ROOT, "  creating a file in the work dir (as run dirs are made): %.0f µs%s%n", create, create <= SLOW_CREATE_MICROS ? ""
                : " -- SLOW: many files were deleted near here in the last minutes (ext4 without a journal skips recently "
                + "freed inodes); a task of the orchestrator creates 6 (its run dir, 2 logs, exit, result, marker), the "
                + "baseline's 2 (result, marker), so this run favours the baseline. See bench/README.md");
        Map<String, Times> times = new LinkedHashMap<>();
        runners.forEach(r -> times.put(r, new Times()));
        LinkBreakdown.Report breakdown = null;
        OrchestratorProcess daemon = null;
        try {
            if (runners.contains("orchestrator")) daemon = startDaemon(caseDir.resolve("daemon"), c);
            for (int rep = 0; rep < reps; rep++) {
                BaselineRunner.Result baseline = null;
                List<String> order = new ArrayList<>(runners);
                if (rep % 2 == 1) { // baseline stays first (the breakdown needs it); the others run in reverse order
                    order.remove("baseline");
                    java.util.Collections.reverse(order);
                    if (runners.contains("baseline")) order.addFirst("baseline");
                }
                for (String runner : order) {
                    Path dir = caseDir.resolve("rep" + rep).resolve(runner);
                    Path markers = Files.createDirectories(dir.resolve("markers"));
                    Path results = Files.createDirectories(dir.resolve("results"));
                    long ns;
                    long pid = runner.equals("orchestrator") ? daemon.pid() : ProcessHandle.current().pid();
                    long[] cpu0 = cpu(pid);
                    Map<String, Long> threads0 = runner.equals("orchestrator") ? threadCpu(pid) : Map.of();
                    switch (runner) {
                        case "baseline" -> {
                            ObjectNode doc = DagFiles.workflowJson(dag, markers, c.sleepMs(), 0);
                            DagFiles.write(dir.resolve("workflow.json"), Json.write(doc));
                            baseline = new BaselineRunner(nu.toString(), wrapper, libDir.toString(), results)
                                    .nice(baselineNice).run(BaselineRunner.tasksOf(doc), c.p());
                            ns = baseline.wallNanos();
                        }
                        case "make" -> {
                            DagFiles.write(dir.resolve("wrapper.nu"), wrapper); // for reruns by hand: BENCH_WRAPPER="$(cat wrapper.nu)"
                            DagFiles.write(dir.resolve("Makefile"), DagFiles.makefile(dag, nu, libDir, wrapper, markers, results, c.sleepMs()));
                            ns = tool(dir, List.of("make", "-f", dir.resolve("Makefile").toString(), "-j" + c.p()));
                        }
                        case "ninja" -> {
                            DagFiles.write(dir.resolve("wrapper.nu"), wrapper);
                            DagFiles.write(dir.resolve("build.ninja"), DagFiles.ninja(dag, nu, libDir, markers, results, c.sleepMs()));
                            ns = tool(dir, List.of("ninja", "-f", dir.resolve("build.ninja").toString(), "-j", Integer.toString(c.p())));
                        }
                        case "orchestrator" -> {
                            ObjectNode doc = DagFiles.workflowJson(dag, markers, c.sleepMs(), 0);
                            DagFiles.write(dir.resolve("workflow.json"), Json.write(doc));
                            Instant submitted = Instant.now();
                            long t0 = System.nanoTime();
                            String id = daemon.submit(doc);
                            long submitNs = System.nanoTime() - t0;
                            List<JsonNode> events;
                            JsonNode wf;
                            if (pollMs > 0) {
                                wf = daemon.poll(id, pollMs);
                                ns = System.nanoTime() - t0;
                                events = OrchestratorProcess.parse(daemon.followEvents(id)); // terminal: replays all and ends
                            } else {
                                List<String> data = daemon.followEvents(id);
                                ns = System.nanoTime() - t0;
                                events = OrchestratorProcess.parse(data);
                                wf = daemon.workflow(id);
                            }
                            Instant ended = submitted.plusNanos(ns);
                            checkCompleted(wf, dag);
                            if (rep == reps - 1 && baseline != null)
                                breakdown = LinkBreakdown.of(dag, wf, events, daemon.dataDir.resolve("runs").resolve(id),
                                        baseline, submitted, ended, c.p(), submitNs);
                        }
                        default -> throw new IllegalArgumentException("unknown runner " + runner);
                    }
                    long[] cpu1 = cpu(pid);
                    String threadText = runner.equals("orchestrator") ? topThreads(threads0, threadCpu(pid), dag.size()) : "";
                    verifyMarkers(markers, dag, runner);
                    times.get(runner).nanos.add(ns);
                    times.get(runner).ownCpu.add((cpu1[0] - cpu0[0]) / (double) dag.size());
                    times.get(runner).childCpu.add((cpu1[1] - cpu0[1]) / (double) dag.size());
                    long base = times.containsKey("baseline") && times.get("baseline").nanos.size() > rep
                            ? times.get("baseline").nanos.get(rep) : -1;
                    // own CPU: the bench JVM (baseline: it spawns), make/ninja are children; the daemon's JVM for the
                    // orchestrator. Child CPU: reaped children and their descendants (nu, sh, make, ninja).
                    String cpuText = runner.equals("make") || runner.equals("ninja")
                            ? String.format(Locale.ROOT, "cpu/task: %s+children %.1f ms", runner, (cpu1[1] - cpu0[1]) / (double) dag.size())
                            : String.format(Locale.ROOT, "cpu/task: %s JVM %.1f ms, children %.1f ms",
                                    runner.equals("baseline") ? "bench" : "daemon", (cpu1[0] - cpu0[0]) / (double) dag.size(),
                                    (cpu1[1] - cpu0[1]) / (double) dag.size());
                    System.out.printf(Locale.ROOT, "  rep %d %-12s %8.0f ms%s  markers ok  %s%n", rep + 1, runner, ns / 1e6,
                            base > 0 && !runner.equals("baseline") ? String.format(Locale.ROOT, "  (%.3fx baseline)", (double) ns / base) : "",
                            cpuText);
                    if (!threadText.isEmpty()) System.out.println("    daemon CPU by thread, ms/task: " + threadText);
                }
            }
        } finally {
            if (daemon != null) daemon.close();
        }
        if (breakdown != null) breakdown.print(System.out);
        return new CaseResult(c, dag, times, breakdown);
    }

    OrchestratorProcess startDaemon(Path dir, Case c) throws Exception {
        String config = "[executor]\nmax_concurrent_tasks = " + c.p() + "\n"
                + "[nushell]\nbinary = \"" + nu + "\"\nprovisioning_lib = \"" + libDir + "\"\n";
        long t0 = System.nanoTime();
        OrchestratorProcess d = OrchestratorProcess.start(root, dir, config);
        // warm-up: a 10-task chain, so the first measured run does not pay class loading and the first SQLite pages;
        // with --warmup N, a random N-task workflow (3 dependencies each, another seed than the measured one) instead, so
        // the JIT has compiled the paths of tasks with and without dependencies (a long-lived daemon's state). A flat
        // warm-up left the dependency paths (dependents, inputs) to be compiled during the measured repetitions.
        Dag warm = warmupTasks > 0 ? Dag.random(warmupTasks, 3, WARMUP_SEED) : Dag.chain(10);
        try {
            Path markers = Files.createDirectories(dir.resolve("warmup-markers"));
            String id = d.submit(DagFiles.workflowJson(warm, markers, 0, 0));
            d.followEvents(id);
            checkCompleted(d.workflow(id), warm);
            verifyMarkers(markers, warm, "warm-up");
        } catch (Exception | Error e) {
            d.close(); // the caller only stops a daemon it got back
            throw e;
        }
        System.out.printf(Locale.ROOT, "  daemon started and warmed up (%s) in %.1f s: %s, max_concurrent_tasks=%d%n",
                warmupTasks > 0 ? "random " + warmupTasks : "10-task chain", (System.nanoTime() - t0) / 1e9, d.endpoint, c.p());
        return d;
    }

    long tool(Path dir, List<String> cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile())
                .redirectOutput(dir.resolve("tool.log").toFile()).redirectErrorStream(true);
        pb.environment().put("BENCH_WRAPPER", wrapper);
        long t0 = System.nanoTime();
        int rc = pb.start().waitFor();
        long ns = System.nanoTime() - t0;
        if (rc != 0) throw new IllegalStateException(cmd.get(0) + " exited " + rc + "; see " + dir.resolve("tool.log"));
        return ns;
    }

    static void checkCompleted(JsonNode wf, Dag dag) {
        if (!wf.path("state").asText().equals("Completed"))
            throw new IllegalStateException("workflow " + wf.path("id").asText() + " ended " + wf.path("state").asText());
        int n = 0;
        for (JsonNode t : wf.path("tasks")) {
            n++;
            if (!t.path("state").asText().equals("Completed") || t.path("attempt").asInt() != 1)
                throw new IllegalStateException("task " + t.path("key").asText() + ": " + t.path("state").asText()
                        + " after " + t.path("attempt").asInt() + " attempt(s): " + t.path("error").asText());
        }
        if (n != dag.size()) throw new IllegalStateException("workflow has " + n + " tasks, expected " + dag.size());
    }

    /** Every task has exactly one marker line (its id), and there is no other marker. */
    public static void verifyMarkers(Path markers, Dag dag, String runner) throws IOException {
        TreeSet<String> found = new TreeSet<>();
        try (Stream<Path> s = Files.list(markers)) {
            s.forEach(p -> found.add(p.getFileName().toString()));
        }
        List<String> problems = new ArrayList<>();
        TreeSet<String> extra = new TreeSet<>(found);
        dag.ids().forEach(extra::remove);
        if (!extra.isEmpty()) problems.add("unexpected markers " + extra);
        for (String id : dag.ids()) {
            Path m = markers.resolve(id);
            if (!found.contains(id)) { problems.add(id + " never ran"); continue; }
            String text = Files.readString(m);
            if (!text.equals(id + "\n")) {
                long lines = text.lines().count();
                problems.add(id + (lines > 1 ? " ran " + lines + " times" : " has a bad marker '" + text.strip() + "'"));
            }
        }
        if (!problems.isEmpty())
            throw new IllegalStateException(runner + ": marker check failed (" + problems.size() + "): "
                    + String.join("; ", problems.subList(0, Math.min(10, problems.size()))));
    }

    /** The median over repetitions of {@code t}'s time divided by the baseline's time in the same repetition. */
    static double pairedRatio(Times t, Times base) {
        int n = Math.min(t.nanos.size(), base.nanos.size());
        double[] r = new double[n];
        for (int i = 0; i < n; i++) r[i] = (double) t.nanos.get(i) / base.nanos.get(i);
        java.util.Arrays.sort(r);
        return n % 2 == 1 ? r[n / 2] : (r[n / 2 - 1] + r[n / 2]) / 2;
    }

    void printTable(List<CaseResult> results) {
        System.out.println();
        System.out.printf(Locale.ROOT, "Wall times (median of %d), and ratios to the baseline runner: the median of the %d "
                + "per-repetition ratios, each against the baseline run of the same repetition (paired, so a slow minute of "
                + "the machine does not count against one runner only):%n", reps, reps);
        StringBuilder sb = new StringBuilder();
        sb.append("| shape | tasks / edges / levels | P | baseline | make -jP | ninja -jP | orchestrator | target ≤1.10× |\n");
        sb.append("| --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for (CaseResult r : results) {
            long base = r.times().containsKey("baseline") ? r.times().get("baseline").median() : -1;
            sb.append("| ").append(r.c().label()).append(" | ").append(r.dag().size()).append(" / ").append(r.dag().edges())
                    .append(" / ").append(r.dag().depth()).append(" | ").append(r.c().p()).append(" | ");
            sb.append(base > 0 ? String.format(Locale.ROOT, "%.0f ms", base / 1e6) : "-").append(" | ");
            for (String runner : List.of("make", "ninja", "orchestrator")) {
                Times t = r.times().get(runner);
                if (t == null || t.nanos.isEmpty()) { sb.append("- | "); continue; }
                long m = t.median();
                sb.append(base > 0 ? String.format(Locale.ROOT, "%.0f ms (%.2f×)", m / 1e6, pairedRatio(t, r.times().get("baseline")))
                        : String.format(Locale.ROOT, "%.0f ms", m / 1e6)).append(" | ");
            }
            Times o = r.times().get("orchestrator");
            if (o != null && !o.nanos.isEmpty() && base > 0) {
                double ratio = pairedRatio(o, r.times().get("baseline"));
                sb.append(ratio <= 1.10 ? "met" : String.format(Locale.ROOT, "**missed** (%.2f×)", ratio));
            } else sb.append("-");
            sb.append(" |\n");
        }
        System.out.print(sb);
        System.out.println("Orchestrator / baseline per repetition (the daemon's JIT warms up from one repetition to the next):");
        for (CaseResult r : results) {
            Times o = r.times().get("orchestrator"), b = r.times().get("baseline");
            if (o == null || b == null) continue;
            StringBuilder line = new StringBuilder("  " + r.c().label() + ":");
            for (int i = 0; i < Math.min(o.nanos.size(), b.nanos.size()); i++) {
                line.append(String.format(Locale.ROOT, " %.2f×", (double) o.nanos.get(i) / b.nanos.get(i)));
                if (r.c().shape().startsWith("chain"))
                    line.append(String.format(Locale.ROOT, " (%.1f ms/link)", (o.nanos.get(i) - b.nanos.get(i)) / 1e6 / r.dag().size()));
            }
            System.out.println(line);
        }
        printCpu(results);
        for (CaseResult r : results) {
            if (!r.c().shape().startsWith("chain")) continue;
            Times o = r.times().get("orchestrator"), b = r.times().get("baseline");
            if (o == null || b == null || o.nanos.isEmpty() || b.nanos.isEmpty()) continue;
            int links = r.dag().size();
            double perLink = (o.median() - b.median()) / 1e6 / links;
            System.out.printf(Locale.ROOT, "%nPer-link overhead on %s: (orchestrator − baseline) / %d = (%.0f − %.0f) / %d = %.2f ms (target ≤ 2 ms: %s)%n",
                    r.c().label(), links, o.median() / 1e6, b.median() / 1e6, links, perLink, perLink <= 2 ? "met" : "missed");
        }
    }

    /**
     * CPU per task, medians over the repetitions: what the orchestrator itself costs, apart from the tasks. The ratio
     * moves with the tasks' own cost (a cheaper task makes the same daemon a bigger share); this does not.
     */
    void printCpu(List<CaseResult> results) {
        System.out.println("CPU per task, ms (median of the repetitions; own = the runner's process, children = nu):");
        System.out.println("| shape | P | baseline: own / children | orchestrator: daemon / children | orchestrator − baseline |");
        System.out.println("| --- | --- | --- | --- | --- |");
        for (CaseResult r : results) {
            Times o = r.times().get("orchestrator"), b = r.times().get("baseline");
            if (o == null || b == null || o.ownCpu.isEmpty() || b.ownCpu.isEmpty()) continue;
            double bo = medianOf(b.ownCpu), bc = medianOf(b.childCpu), oo = medianOf(o.ownCpu), oc = medianOf(o.childCpu);
            System.out.printf(Locale.ROOT, "| %s | %d | %.1f / %.1f | %.1f / %.1f | %+.1f (%+.0f %% of the baseline's) |%n",
                    r.c().label(), r.c().p(), bo, bc, oo, oc, (oo + oc) - (bo + bc), 100 * ((oo + oc) / (bo + bc) - 1));
        }
    }

    static double medianOf(List<Double> values) {
        double[] a = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    /** Above this, a file create pays for recent deletions (bench/README.md, "The filesystem"); 15–25 µs otherwise. */
    static final double SLOW_CREATE_MICROS = 60;

    /**
     * The mean cost of creating one file the way a task's run dir is made: 40 new dirs in {@code dir} (new), each with
     * 4 empty files; a mkdir counts as one create. What is made is left: deleting it would make the next creates
     * dearer (ext4 without a journal scans past recently freed inodes).
     */
    static double createMicros(Path dir) throws IOException {
        Files.createDirectories(dir);
        int dirs = 40;
        long t0 = System.nanoTime();
        for (int i = 0; i < dirs; i++) {
            Path d = Files.createDirectory(dir.resolve("r" + i));
            for (String f : List.of("stdout.log", "stderr.log", "result.json", "exit"))
                Files.newByteChannel(d.resolve(f), java.nio.file.StandardOpenOption.CREATE_NEW,
                        java.nio.file.StandardOpenOption.WRITE).close();
        }
        return (System.nanoTime() - t0) / 1e3 / (dirs * 5);
    }

    static String loadavg() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }

    static final long CLK_TCK = 100; // USER_HZ: 100 on every Linux ABI the benchmark targets

    /** {own CPU ms (utime+stime), reaped children's CPU ms (cutime+cstime)} of a process, from /proc/PID/stat. */
    static long[] cpu(long pid) {
        try {
            String s = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            // f[0] is field 3 (state): utime = field 14, stime 15, cutime 16, cstime 17
            long own = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            long children = Long.parseLong(f[13]) + Long.parseLong(f[14]);
            return new long[] {own * 1000 / CLK_TCK, children * 1000 / CLK_TCK};
        } catch (IOException | RuntimeException e) {
            return new long[] {0, 0};
        }
    }

    /** CPU ms (utime+stime) per thread name of a process, summed over threads of the same name. */
    static Map<String, Long> threadCpu(long pid) {
        Map<String, Long> out = new LinkedHashMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path t : tasks.toList()) {
                try {
                    String s = Files.readString(t.resolve("stat"));
                    String name = s.substring(s.indexOf('(') + 1, s.lastIndexOf(')')).replaceAll("[0-9]+$", "#");
                    String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
                    out.merge(name, (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 1000 / CLK_TCK, Long::sum);
                } catch (IOException | RuntimeException e) {
                    // the thread ended
                }
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }

    static String topThreads(Map<String, Long> before, Map<String, Long> after, int tasks) {
        List<Map.Entry<String, Long>> d = new ArrayList<>();
        after.forEach((k, v) -> d.add(Map.entry(k, v - before.getOrDefault(k, 0L))));
        d.sort((a, b) -> Long.compare(b.getValue(), a.getValue()));
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Long> e : d.subList(0, Math.min(8, d.size()))) {
            if (e.getValue() <= 0) break;
            sb.append(String.format(Locale.ROOT, "%s %.1f, ", e.getKey(), e.getValue() / (double) tasks));
        }
        return sb.length() > 2 ? sb.substring(0, sb.length() - 2) : "";
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted((a, c) -> c.getNameCount() - a.getNameCount()).toList()) Files.deleteIfExists(x);
        }
    }

}
