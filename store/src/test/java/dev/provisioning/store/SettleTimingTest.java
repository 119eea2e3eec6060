package dev.provisioning.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioning.core.model.Action;
import dev.provisioning.core.model.Attempt;
import dev.provisioning.core.model.AttemptOutcome;
import dev.provisioning.core.model.DependencyKind;
import dev.provisioning.core.model.Json;
import dev.provisioning.core.model.NewTask;
import dev.provisioning.core.model.NewTask.Dependency;
import dev.provisioning.core.model.NewWorkflow;
import dev.provisioning.core.model.Priority;
import dev.provisioning.core.model.RetrySpec;
import dev.provisioning.core.model.TaskState;
import dev.provisioning.core.model.WorkflowState;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Times {@code completeAttempt} on the full policy pass against the incremental one, in one JVM on one SQLite file,
 * for a 200-task chain, a 500-task random DAG (task i depends on min(i, 3) earlier tasks, as the bench's
 * {@code random:500:3:42}) and two diamonds (layers that each depend on the whole layer before); and what {@code workflow(id)} spends parsing {@code request_json}. Opt-in:
 * {@code ./mvnw -B -o -pl store test -Dtest=SettleTimingTest -Dstore.timing=true}; the table goes to stdout
 * (target/surefire-reports/*-output.txt).
 */
@EnabledIfSystemProperty(named = "store.timing", matches = "true")
class SettleTimingTest {
    @TempDir
    Path tmp;

    record Shape(String name, List<List<Integer>> deps) {}

    static Shape chain(int n) {
        List<List<Integer>> deps = new ArrayList<>();
        for (int i = 0; i < n; i++) deps.add(i == 0 ? List.of() : List.of(i - 1));
        return new Shape("chain " + n, deps);
    }

    static Shape flat(int n) {
        List<List<Integer>> deps = new ArrayList<>();
        for (int i = 0; i < n; i++) deps.add(List.of());
        return new Shape("flat " + n, deps);
    }

    static Shape random(int n, int each, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<List<Integer>> deps = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            List<Integer> pool = new ArrayList<>();
            for (int j = 0; j < i; j++) pool.add(j);
            List<Integer> ds = new ArrayList<>();
            for (int k = 0; k < Math.min(i, each); k++) ds.add(pool.remove(rnd.nextInt(pool.size())));
            Collections.sort(ds);
            deps.add(ds);
        }
        return new Shape("random " + n + " (" + each + " deps)", deps);
    }

    /** A source, {@code layers} layers of {@code width} tasks that each depend on the whole layer before, and a sink. */
    static Shape diamond(int layers, int width) {
        List<List<Integer>> deps = new ArrayList<>();
        deps.add(List.of());
        List<Integer> previous = List.of(0);
        for (int l = 0; l < layers; l++) {
            List<Integer> layer = new ArrayList<>();
            for (int w = 0; w < width; w++) {
                layer.add(deps.size());
                deps.add(previous);
            }
            previous = layer;
        }
        deps.add(previous);
        return new Shape("diamond " + layers + "x" + width, deps);
    }

    static NewWorkflow workflow(String id, Shape s) {
        List<NewTask> tasks = new ArrayList<>();
        ObjectNode doc = Json.MAPPER.createObjectNode();
        doc.putObject("workflow").put("name", id).put("on_failure", "fail").put("parallel_limit", 8);
        ArrayNode arr = doc.putArray("tasks");
        for (int i = 0; i < s.deps().size(); i++) {
            List<Dependency> ds = s.deps().get(i).stream()
                    .map(j -> new Dependency(id + ".t" + j, DependencyKind.hard)).toList();
            tasks.add(new NewTask(id + ".t" + i, "t" + i, new Action.Command(List.of("sleep", "0.01")), ds, null, 60_000,
                    RetrySpec.DEFAULT.withMaxAttempts(2), "idem-" + id + "-" + i, null, List.of()));
            ObjectNode t = arr.addObject().put("id", "t" + i);
            t.putArray("command").add("sleep").add("0.01");
            ArrayNode dn = t.putArray("depends_on");
            s.deps().get(i).forEach(j -> dn.add("t" + j));
            t.putObject("retry").put("max_attempts", 2).put("backoff", "exponential");
        }
        return new NewWorkflow(id, id, "batch", Priority.normal, NewWorkflow.OnFailure.FAIL, 8, doc, tasks);
    }

    /** Runs the whole workflow (tasks in submission order, which is a dependency order); mean ms per completion. */
    static double run(JdbcStore store, String id, Shape s, boolean incremental) {
        store.incrementalSettle = incremental;
        store.insertWorkflow(workflow(id, s));
        long total = 0;
        for (int i = 0; i < s.deps().size(); i++) {
            Attempt a = store.claim(id + ".t" + i, "timing", "/runs").orElseThrow();
            AttemptOutcome o = new AttemptOutcome(a.taskId(), a.attemptNo(), TaskState.Completed, 0,
                    Json.MAPPER.createObjectNode().put("ok", true), null, "", null);
            long t0 = System.nanoTime();
            assertThat(store.completeAttempt(o)).isTrue();
            total += System.nanoTime() - t0;
        }
        assertThat(store.workflow(id).orElseThrow().state()).isEqualTo(WorkflowState.Completed);
        return total / 1e6 / s.deps().size();
    }

    @Test
    void completeAttemptFullVersusIncremental() throws Exception {
        JdbcStore store = JdbcStore.sqlite(tmp.resolve("data"), java.time.Clock.systemUTC());
        try {
            StringBuilder out = new StringBuilder("\ncompleteAttempt, mean ms per completion (best of 5 runs each, "
                    + "alternating; SQLite)\n");
            int wf = 0;
            for (Shape s : List.of(chain(200), random(500, 3, 42), diamond(20, 10), diamond(4, 50))) {
                for (int warm = 0; warm < 3; warm++) {
                    run(store, "w" + wf++, s, false);
                    run(store, "w" + wf++, s, true);
                }
                double full = Double.MAX_VALUE, inc = Double.MAX_VALUE;
                for (int rep = 0; rep < 5; rep++) {
                    full = Math.min(full, run(store, "w" + wf++, s, false));
                    inc = Math.min(inc, run(store, "w" + wf++, s, true));
                }
                out.append(String.format(Locale.ROOT, "  %-22s full %.3f  incremental %.3f  ratio %.1fx%n",
                        s.name(), full, inc, full / inc));
            }

            // the incremental pass alone on flat workflows of growing size: its cost per completion should not grow
            // with the workflow (a per-completion count of all its tasks made it O(n))
            for (int n : List.of(1000, 8000)) {
                Shape flat = flat(n);
                run(store, "w" + wf++, flat, true);
                double inc = Double.MAX_VALUE;
                for (int rep = 0; rep < 3; rep++) inc = Math.min(inc, run(store, "w" + wf++, flat, true));
                out.append(String.format(Locale.ROOT, "  %-22s incremental %.3f%n", flat.name(), inc));
            }

            // workflow(id): the whole call against selecting and parsing request_json alone
            String id = "w" + (wf - 1);
            String requestJson;
            try (Connection c = store.dataSource().getConnection()) {
                requestJson = Sql.one(c, "SELECT request_json FROM workflows WHERE id = ?", rs -> rs.getString(1), id)
                        .orElseThrow();
            }
            int n = 2000;
            for (int i = 0; i < n; i++) { store.workflow(id); Json.read(requestJson); }
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) store.workflow(id);
            double call = (System.nanoTime() - t0) / 1e6 / n;
            t0 = System.nanoTime();
            for (int i = 0; i < n; i++) Json.read(requestJson);
            double parse = (System.nanoTime() - t0) / 1e6 / n;
            // what workflow(id) did before the request cache: the row with request_json, parsed
            try (Connection c = store.dataSource().getConnection()) {
                Runnable old = () -> {
                    try {
                        Sql.one(c, "SELECT id, name, kind, state, priority, on_failure, parallel_limit, request_json, "
                                + "created_at, updated_at, finished_at FROM workflows WHERE id = ?",
                                rs -> Json.read(rs.getString("request_json")), id).orElseThrow();
                    } catch (java.sql.SQLException e) {
                        throw new IllegalStateException(e);
                    }
                };
                for (int i = 0; i < n; i++) old.run();
                t0 = System.nanoTime();
                for (int i = 0; i < n; i++) old.run();
                out.append(String.format(Locale.ROOT, "workflow(id) before the request cache (row + parse): %.3f ms%n",
                        (System.nanoTime() - t0) / 1e6 / n));
            }
            com.fasterxml.jackson.databind.JsonNode tree = Json.read(requestJson);
            for (int i = 0; i < n; i++) tree.deepCopy();
            t0 = System.nanoTime();
            for (int i = 0; i < n; i++) tree.deepCopy();
            double copy = (System.nanoTime() - t0) / 1e6 / n;
            out.append(String.format(Locale.ROOT, "workflow(id) of the random 500 (request_json %d chars): call %.3f ms, "
                    + "of which parsing request_json %.3f ms; a deepCopy of the parsed tree %.3f ms%n",
                    requestJson.length(), call, parse, copy));
            System.out.print(out);
        } finally {
            store.close();
        }
    }
}
