package dev.provisioning.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioning.core.action.ActionValidator;
import dev.provisioning.core.model.AttemptOutcome;
import dev.provisioning.core.model.Json;
import dev.provisioning.core.model.NewTask;
import dev.provisioning.core.model.NewWorkflow;
import dev.provisioning.core.model.TaskState;
import dev.provisioning.core.port.Store;
import dev.provisioning.core.spec.WorkflowSpecParser;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * In-process measurements that split the orchestrator's per-task overhead into its parts, without HTTP and
 * without a scheduler: what the store calls of one task cost, what the runner's launcher costs over a plain spawn,
 * what one {@code /proc} scan costs, and what one fsync costs on this disk. The store, runner and launcher classes
 * are reached by reflection (bench compiles against core only) and used exactly as the daemon uses them.
 *
 * <pre>java -cp bench/target/classes:server/target/lib/* dev.provisioning.bench.OverheadProbes</pre>
 */
public final class OverheadProbes {
    private OverheadProbes() {}

    /** Mean milliseconds per call kind. */
    static final class Timer {
        final Map<String, double[]> sums = new LinkedHashMap<>(); // [total ms, count]

        <T> T time(String what, Supplier<T> body) {
            long t0 = System.nanoTime();
            T r = body.get();
            double ms = (System.nanoTime() - t0) / 1e6;
            double[] s = sums.computeIfAbsent(what, k -> new double[2]);
            s[0] += ms;
            s[1]++;
            return r;
        }

        void run(String what, Runnable body) {
            time(what, () -> {
                body.run();
                return null;
            });
        }
    }

    /**
     * Replays, task by task in topological order, the store calls the daemon makes for one task of a workflow
     * without limits, on a store opened as the daemon opens it (the file's only writer): the scheduler round's read
     * ({@code readyQueue} of 4 rows; no retry timer, no aging yet and no limit, so no {@code nextRetryAt},
     * {@code longestWaiting} or {@code runningQueue}, D30), {@code claimTask} (the claim and the row in one
     * transaction), the dependencies' results ({@code resultsByKey}), and {@code completeAttempt} with the pid when
     * the task ends (D31); plus one SSE-stream poll ({@code events}) per committed change (an upper bound: a stream
     * reads at most every 20 ms). Rollback candidates are not looked for in rounds that follow completed tasks (D18).
     * Prints the mean per call and per task.
     */
    static Map<String, double[]> storeProbe(Dag dag, Path libDir, Path dir, PrintStream out) throws Exception {
        Files.createDirectories(dir);
        ActionValidator validator = new ActionValidator(List.of(libDir));
        WorkflowSpecParser parser = new WorkflowSpecParser(validator, new WorkflowSpecParser.Defaults(Duration.ofHours(1), 1));
        ObjectNode doc = DagFiles.workflowJson(dag, dir.resolve("markers"), 0, 0);
        NewWorkflow wf = parser.parse(doc, "probe.json");
        Method sqlite = Class.forName("dev.provisioning.store.JdbcStore").getMethod("sqlite", Path.class, Clock.class,
                java.util.function.UnaryOperator.class, boolean.class);
        Store store = (Store) sqlite.invoke(null, dir.resolve("data"), Clock.systemUTC(),
                (java.util.function.UnaryOperator<Object>) ds -> ds, true);
        Timer t = new Timer();
        try {
            // warm-up workflow: JIT and SQLite page cache
            NewWorkflow warm = parser.parse(DagFiles.workflowJson(Dag.chain(20), dir.resolve("markers"), 0, 0), "warm.json");
            store.insertWorkflow(warm);
            replay(store, warm, new Timer());
            t.run("insertWorkflow (whole workflow, once)", () -> store.insertWorkflow(wf));
            replay(store, wf, t);
        } finally {
            store.close();
        }
        out.printf(Locale.ROOT, "  store calls per task, replayed in-process on a fresh SQLite store (%s, %d tasks; mean ms):%n", dag.name(), dag.size());
        double perTask = 0;
        for (Map.Entry<String, double[]> e : t.sums.entrySet()) {
            double mean = e.getValue()[0] / e.getValue()[1];
            double per = e.getValue()[0] / dag.size();
            if (!e.getKey().startsWith("insertWorkflow")) perTask += per;
            out.printf(Locale.ROOT, "    %-58s %7.3f per call, %6.2f calls/task, %7.3f per task%n", e.getKey(), mean, e.getValue()[1] / dag.size(), per);
        }
        out.printf(Locale.ROOT, "    %-58s %7.3f ms per task%n", "= all store calls of one task", perTask);
        return t.sums;
    }

    private static void replay(Store store, NewWorkflow wf, Timer t) {
        long cursor = 0;
        for (NewTask task : wf.tasks()) {
            // the scheduler round that starts this task (parallel_limit is read once per workflow: not repeated here)
            t.run("round: readyQueue", () -> store.readyQueue(4));
            var claimed = t.time("claimTask (write tx, returns the row)", () -> store.claimTask(task.id(), "probe", "/tmp/probe-run"));
            if (claimed.isEmpty()) throw new IllegalStateException("probe: task " + task.key() + " was not Ready");
            if (!task.dependsOn().isEmpty())
                t.run("inputs: resultsByKey (one query)", () -> store.resultsByKey(task.dependsOn().stream().map(NewTask.Dependency::taskId).toList()));
            cursor = ssePoll(store, wf.id(), cursor, t);
            // the task's end
            t.run("completeAttempt (write tx)", () -> store.completeAttempt(new AttemptOutcome(task.id(), 1,
                    TaskState.Completed, 0, Json.MAPPER.createObjectNode().put("ok", true), null, "", null).withPid(12345L)));
            cursor = ssePoll(store, wf.id(), cursor, t);
        }
    }

    /** What one open SSE stream does per committed change: read the new events (the workflow is read once, at the start). */
    private static long ssePoll(Store store, String wfId, long cursor, Timer t) {
        var events = t.time("SSE stream: events (per change)", () -> store.events(wfId, cursor, 500));
        return events.isEmpty() ? cursor : events.getLast().id();
    }

    /**
     * The runner's ProcessBuilder process structure (its JDK 21 path; on a JDK 22+ it uses posix_spawn, D22) vs a
     * plain ProcessBuilder spawn: {@code n} sequential runs of {@code argv} (a) spawned directly, and (b) through
     * {@code setsid /bin/sh -c <Launcher.SCRIPT>} with a fresh run dir and the runner's redirections; and the cost of one {@code ProcessGroups.liveMembers}
     * {@code /proc} scan (run once per attempt end).
     */
    static Map<String, Double> launcherProbe(List<String> argv, Map<String, String> env, int n, Path dir, PrintStream out, String label)
            throws Exception {
        Class<?> launcher = Class.forName("dev.provisioning.runner.Launcher");
        Field f = launcher.getDeclaredField("SCRIPT");
        f.setAccessible(true);
        String script = (String) f.get(null);
        Method liveMembers = Class.forName("dev.provisioning.runner.ProcessGroups").getDeclaredMethod("liveMembers", long.class);
        liveMembers.setAccessible(true);
        Path setsid = Files.exists(Path.of("/usr/bin/setsid")) ? Path.of("/usr/bin/setsid") : Path.of("/bin/setsid");

        Map<String, Double> res = new LinkedHashMap<>();
        Files.createDirectories(dir); // the nu wrapper writes its exit file into PROVISIONING_RUN_DIR
        for (int warm = 0; warm < 2; warm++) {
            int runs = warm == 0 ? 3 : n;
            long direct = 0, viaLauncher = 0, viaSetsid = 0, scan = 0, directCpu = 0, launcherCpu = 0, setsidCpu = 0;
            for (int i = 0; i < runs; i++) {
                ProcessBuilder pb = new ProcessBuilder(argv).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
                pb.environment().putAll(env);
                pb.environment().put("PROVISIONING_RUN_DIR", dir.toString());
                long c0 = DagBench.cpu(ProcessHandle.current().pid())[1];
                long t0 = System.nanoTime();
                int rc = pb.start().waitFor();
                direct += System.nanoTime() - t0;
                long c1 = DagBench.cpu(ProcessHandle.current().pid())[1];
                directCpu += c1 - c0;
                if (rc != 0) throw new IllegalStateException("probe: " + argv + " exited " + rc);

                Path rd = Files.createDirectories(dir.resolve("l" + warm + "-" + i));
                List<String> cmd = new ArrayList<>(List.of(setsid.toString(), "/bin/sh", "-c", script, "provisioning-launch", rd.toString()));
                cmd.addAll(argv);
                ProcessBuilder lb = new ProcessBuilder(cmd).directory(rd.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(rd.resolve("launcher.log").toFile())).redirectErrorStream(true);
                lb.environment().putAll(env);
                lb.environment().put("PROVISIONING_RUN_DIR", rd.toString());
                t0 = System.nanoTime();
                Process p = lb.start();
                rc = p.waitFor();
                viaLauncher += System.nanoTime() - t0;
                launcherCpu += DagBench.cpu(ProcessHandle.current().pid())[1] - c1;
                if (rc != 0) throw new IllegalStateException("probe: launcher exited " + rc + " in " + rd);
                t0 = System.nanoTime();
                liveMembers.invoke(null, p.pid());
                scan += System.nanoTime() - t0;

                // (c) setsid execs the program itself, with the runner's redirections: how nu actions run
                Path sd = Files.createDirectories(dir.resolve("s" + warm + "-" + i));
                List<String> scmd = new ArrayList<>(List.of(setsid.toString()));
                scmd.addAll(argv);
                ProcessBuilder sb = new ProcessBuilder(scmd).directory(sd.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(sd.resolve("stdout.log").toFile()))
                        .redirectError(ProcessBuilder.Redirect.appendTo(sd.resolve("stderr.log").toFile()));
                sb.environment().putAll(env);
                sb.environment().put("PROVISIONING_RUN_DIR", sd.toString());
                long c2 = DagBench.cpu(ProcessHandle.current().pid())[1];
                t0 = System.nanoTime();
                rc = sb.start().waitFor();
                viaSetsid += System.nanoTime() - t0;
                setsidCpu += DagBench.cpu(ProcessHandle.current().pid())[1] - c2;
                if (rc != 0) throw new IllegalStateException("probe: setsid exited " + rc + " in " + sd);
            }
            if (warm == 1) {
                res.put("direct", direct / 1e6 / n);
                res.put("launcher", viaLauncher / 1e6 / n);
                res.put("scan", scan / 1e6 / n);
                res.put("directCpu", directCpu / (double) n);
                res.put("launcherCpu", launcherCpu / (double) n);
                res.put("setsid", viaSetsid / 1e6 / n);
                res.put("setsidCpu", setsidCpu / (double) n);
            }
        }
        out.printf(Locale.ROOT, "  process structure, %d sequential runs of %s (mean ms): wall: direct spawn %.2f, via setsid (nu actions, JDK 21 path) %.2f "
                        + "(+%.2f), via setsid+sh launcher (scripts, commands) %.2f (+%.2f); child CPU: direct %.1f, setsid %.1f (+%.1f), "
                        + "launcher %.1f (+%.1f); one ProcessGroups.liveMembers scan %.2f%n", n, label,
                res.get("direct"), res.get("setsid"), res.get("setsid") - res.get("direct"), res.get("launcher"),
                res.get("launcher") - res.get("direct"), res.get("directCpu"), res.get("setsidCpu"), res.get("setsidCpu") - res.get("directCpu"),
                res.get("launcherCpu"), res.get("launcherCpu") - res.get("directCpu"), res.get("scan"));
        return res;
    }

    /** Mean time of one 4 KiB write + fdatasync in {@code dir}: the floor of one durably committed transaction. */
    static double fsyncProbe(Path dir, int n, PrintStream out) throws IOException {
        Path f = dir.resolve("fsync-probe");
        long total = 0;
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(4096);
            for (int i = 0; i < n + 5; i++) {
                b.clear();
                long t0 = System.nanoTime();
                ch.write(b, (long) i * 4096);
                ch.force(false);
                if (i >= 5) total += System.nanoTime() - t0;
            }
        }
        Files.deleteIfExists(f);
        double ms = total / 1e6 / n;
        out.printf(Locale.ROOT, "  one 4 KiB write + fdatasync on the data dir's disk: %.2f ms (mean of %d)%n", ms, n);
        return ms;
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(System.getProperty("provisioning.root", ".")).toAbsolutePath().normalize();
        Path lib = root.resolve("bench/nulib").toRealPath();
        Path nu = Path.of(System.getenv().getOrDefault("PROVISIONING_NUSHELL_BINARY", "nu"));
        Path dir = Files.createTempDirectory("prov-probe").toRealPath();
        try {
            run(root, lib, nu, dir, System.out);
        } finally {
            DagBench.deleteTree(dir);
        }
    }

    static void run(Path root, Path lib, Path nu, Path dir, PrintStream out) throws Exception {
        out.println("Overhead probes (in-process, one thing at a time):");
        storeProbe(Dag.chain(200), lib, dir.resolve("store-chain"), out);
        storeProbe(Dag.random(500, 3, 42), lib, dir.resolve("store-random"), out);
        storeProbe(Dag.flat(500), lib, dir.resolve("store-flat"), out);
        String wrapper = DagFiles.wrapper(lib.resolve(DagFiles.MODULE).toRealPath(), DagFiles.FUNCTION);
        Path markers = Files.createDirectories(dir.resolve("probe-markers"));
        launcherProbe(List.of("/bin/true"), Map.of(), 100, dir.resolve("launch-true"), out, "/bin/true");
        launcherProbe(List.of(nu.toString(), "--no-config-file", "-c", wrapper),
                Map.of("PROVISIONING_PARAMS", Json.write(Json.MAPPER.createObjectNode().put("id", "p").put("marker", markers.resolve("p").toString())),
                        "PROVISIONING_RESULT_FILE", dir.resolve("probe-result.json").toString(), "NU_LIB_DIRS", lib.toString()),
                60, dir.resolve("launch-nu"), out, "the nu task");
        fsyncProbe(dir, 100, out);
    }
}
