package dev.provisioning.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.provisioning.core.model.Json;
import dev.provisioning.runner.ProcessRunner;
import dev.provisioning.runner.Spawner;
import dev.provisioning.runner.Spawners;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The minimal baseline runner of the DAG benchmark: it reads the same batch workflow JSON the orchestrator gets
 * (nu tasks only: {@code module}, {@code function}, {@code args}, {@code depends_on}), and runs every task as
 * {@code nu --no-config-file -c <the orchestrator's wrapper>} with {@code PROVISIONING_PARAMS} (the args as JSON),
 * {@code PROVISIONING_RESULT_FILE} and {@code NU_LIB_DIRS} in the environment, on P worker threads, starting a
 * task as soon as all its dependencies have exited 0. It does nothing else: no persistence, no process groups,
 * no log files (output is discarded), no retries. It starts nu the way the orchestrator does
 * ({@link Spawners#system()}: {@code posix_spawn} on a JDK 22+, no helper process), minus the new session, so
 * that the comparison measures the orchestrator's own work and not a difference in how processes are spawned.
 *
 * <pre>java -cp ... dev.provisioning.bench.BaselineRunner WORKFLOW.json -j P --lib DIR[:DIR...] --results DIR [--nu NU]</pre>
 */
public final class BaselineRunner {
    /** One task: its id, dependencies (ids), and the JSON text of its args. */
    public record Task(String id, List<String> deps, String paramsJson) {}

    /** Wall time, and each task's start/end (System.nanoTime, relative to the run's start) in input order. */
    public record Result(long wallNanos, List<String> ids, long[] startNanos, long[] endNanos) {}

    private final String nu;
    private final String wrapper;
    private final String libDirs;
    private final Path results;

    private final Spawner spawner = Spawners.system();
    /** How much nicer than this JVM the nu processes run (the daemon's executor.task_nice); 0 by default. */
    private int nice;
    private final Path cwd = Path.of("").toAbsolutePath();

    public BaselineRunner(String nu, String wrapper, String libDirs, Path results) {
        this.nu = ProcessRunner.resolveExecutable(nu, "--nu", "install Nushell").toString();
        this.wrapper = wrapper;
        this.libDirs = libDirs;
        this.results = results;
    }

    /** Runs the nu processes {@code nice} nicer than this JVM, as the daemon does with executor.task_nice. */
    public BaselineRunner nice(int nice) {
        this.nice = nice;
        return this;
    }

    /** The tasks of a batch workflow document (as the orchestrator receives it). */
    public static List<Task> tasksOf(JsonNode doc) {
        List<Task> out = new ArrayList<>();
        for (JsonNode t : doc.path("task")) {
            List<String> deps = new ArrayList<>();
            for (JsonNode d : t.path("depends_on")) deps.add(d.isTextual() ? d.asText() : d.path("id").asText());
            out.add(new Task(t.path("id").asText(), deps, Json.write(t.path("args"))));
        }
        return out;
    }

    /** Runs the DAG with {@code p} workers; throws if a task fails or the graph cannot finish (cycle, unknown id). */
    public Result run(List<Task> tasks, int p) throws InterruptedException, IOException {
        Files.createDirectories(results);
        int n = tasks.size();
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < n; i++) index.put(tasks.get(i).id(), i);
        int[] waiting = new int[n];
        List<List<Integer>> dependents = new ArrayList<>(n);
        for (int i = 0; i < n; i++) dependents.add(new ArrayList<>());
        for (int i = 0; i < n; i++) {
            for (String d : tasks.get(i).deps()) {
                Integer j = index.get(d);
                if (j == null) throw new IllegalArgumentException("task " + tasks.get(i).id() + ": unknown dependency " + d);
                dependents.get(j).add(i);
                waiting[i]++;
            }
        }
        ArrayDeque<Integer> ready = new ArrayDeque<>();
        for (int i = 0; i < n; i++) if (waiting[i] == 0) ready.add(i);
        long[] start = new long[n];
        long[] end = new long[n];
        ReentrantLock lock = new ReentrantLock();
        Condition changed = lock.newCondition();
        int[] state = {0, 0}; // done, running
        String[] failure = {null};

        long t0 = System.nanoTime();
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < p; w++) {
            workers.add(Thread.ofPlatform().name("baseline-" + w).start(() -> {
                while (true) {
                    int i;
                    lock.lock();
                    try {
                        // wait while nothing is ready but something runs (its end may make tasks ready); leave when all are
                        // done, on a failure, or when nothing runs and nothing is ready (done, or a cycle)
                        while (ready.isEmpty() && failure[0] == null && state[0] < n && state[1] > 0)
                            changed.awaitUninterruptibly();
                        if (failure[0] != null || ready.isEmpty()) {
                            changed.signalAll();
                            return;
                        }
                        i = ready.poll();
                        state[1]++;
                    } finally {
                        lock.unlock();
                    }
                    Task t = tasks.get(i);
                    start[i] = System.nanoTime() - t0;
                    String err = spawn(t);
                    end[i] = System.nanoTime() - t0;
                    lock.lock();
                    try {
                        state[1]--;
                        state[0]++;
                        if (err != null && failure[0] == null) failure[0] = "task " + t.id() + ": " + err;
                        for (int d : dependents.get(i)) if (--waiting[d] == 0) ready.add(d);
                        changed.signalAll();
                    } finally {
                        lock.unlock();
                    }
                }
            }));
        }
        for (Thread t : workers) t.join();
        long wall = System.nanoTime() - t0;
        if (failure[0] != null) throw new IllegalStateException("baseline: " + failure[0]);
        if (state[0] != n) throw new IllegalStateException("baseline: only " + state[0] + " of " + n + " tasks could run (cycle?)");
        return new Result(wall, tasks.stream().map(Task::id).toList(), start, end);
    }

    private String spawn(Task t) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("PROVISIONING_PARAMS", t.paramsJson());
        env.put("PROVISIONING_RESULT_FILE", results.resolve(t.id() + ".json").toString());
        env.put("NU_LIB_DIRS", libDirs);
        env.put("PROVISIONING_RUN_DIR", results.toString()); // the wrapper writes its exit status there
        try {
            int rc = spawner.spawn(List.of(nu, "--no-config-file", "-c", wrapper), env, cwd, null, null, false, nice).onExit().get();
            return rc == 0 ? null : "nu exited " + rc;
        } catch (IOException | ExecutionException e) {
            return "cannot run nu: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    public static void main(String[] args) throws Exception {
        Path workflow = null, results = null;
        String lib = null, nu = System.getenv().getOrDefault("PROVISIONING_NUSHELL_BINARY", "nu");
        int p = 2;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-j" -> p = Integer.parseInt(args[++i]);
                case "--lib" -> lib = args[++i];
                case "--results" -> results = Path.of(args[++i]);
                case "--nu" -> nu = args[++i];
                default -> workflow = Path.of(args[i]);
            }
        }
        if (workflow == null || lib == null || results == null) {
            System.err.println("usage: BaselineRunner WORKFLOW.json -j P --lib DIR[:DIR...] --results DIR [--nu NU]");
            System.exit(2);
        }
        JsonNode doc = Json.read(Files.readString(workflow));
        // nu tasks only, one module+function for the whole workflow (what the benchmark generates)
        JsonNode first = doc.path("task").path(0);
        Path module = null;
        for (String d : lib.split(":")) {
            Path c = Path.of(d).resolve(first.path("module").asText());
            if (Files.isRegularFile(c)) { module = c.toRealPath(); break; }
        }
        if (module == null) throw new IllegalArgumentException("module " + first.path("module").asText() + " not in " + lib);
        for (JsonNode t : doc.path("task"))
            if (!t.path("module").asText().equals(first.path("module").asText()) || !t.path("function").asText().equals(first.path("function").asText()))
                throw new IllegalArgumentException("the baseline runs one module+function per workflow; task " + t.path("id").asText() + " differs");
        BaselineRunner r = new BaselineRunner(nu, DagFiles.wrapper(module, first.path("function").asText()), lib, results);
        Result res = r.run(tasksOf(doc), p);
        System.out.printf(Locale.ROOT, "%d tasks, P=%d: %.0f ms%n", res.ids().size(), p, res.wallNanos() / 1e6);
    }
}
