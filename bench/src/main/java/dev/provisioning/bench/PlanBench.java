package dev.provisioning.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioning.core.action.ActionValidator;
import dev.provisioning.core.dag.Levels;
import dev.provisioning.core.error.ProvisioningException;
import dev.provisioning.core.model.Action;
import dev.provisioning.core.model.DependencyKind;
import dev.provisioning.core.model.Json;
import dev.provisioning.core.model.NewTask;
import dev.provisioning.core.model.NewWorkflow;
import dev.provisioning.core.model.Priority;
import dev.provisioning.core.model.RetrySpec;
import dev.provisioning.core.spec.WorkflowDocuments;
import dev.provisioning.core.spec.WorkflowSpecParser;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * Issue 3's "100,000-task random DAG validated and planned in under 2 s with at most 1 GiB of heap": builds the
 * workflow document of {@link Dag#random random(N, 3, 42)} as a JSON tree, then times
 * {@link WorkflowSpecParser#parse} (with an {@link ActionValidator} over a temp lib dir holding a real .nu module,
 * for {@code nu} tasks; and again with {@code command} tasks) followed by {@link Levels#of}. Repeated; run it with
 * {@code -Xmx1g}. Also times reading the document from its JSON text ({@link WorkflowDocuments#read}), as a
 * submission does before validating.
 *
 * <p>If the parser refuses the workflow (it caps the task count), the time to the refusal is reported, and the
 * plan is timed on an equivalent {@link NewWorkflow} built directly, so both halves are still measured.
 *
 * <pre>java -Xmx1g -cp ... dev.provisioning.bench.PlanBench [N] [REPS]</pre>
 */
public final class PlanBench {
    private PlanBench() {}

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Path lib = Files.createTempDirectory("prov-plan-lib");
        try {
            Files.createDirectories(lib.resolve("bench"));
            Files.writeString(lib.resolve("bench/dag.nu"), "export def mark [req: record] {\n    { ok: true }\n}\n");
            ActionValidator validator = new ActionValidator(List.of(lib));
            WorkflowSpecParser parser = new WorkflowSpecParser(validator, new WorkflowSpecParser.Defaults(Duration.ofHours(1), 1));
            System.out.printf(Locale.ROOT, "heap max %d MiB (run with -Xmx1g), %d cores%n",
                    Runtime.getRuntime().maxMemory() >> 20, Runtime.getRuntime().availableProcessors());
            Dag dag = Dag.random(n, 3, 42);
            System.out.printf(Locale.ROOT, "%s: %d tasks, %d edges, %d levels%n", dag.name(), dag.size(), dag.edges(), dag.depth());
            for (String kind : List.of("nu", "command")) {
                long tb = System.nanoTime();
                ObjectNode doc = document(dag, kind);
                double buildMs = (System.nanoTime() - tb) / 1e6;
                byte[] text = Json.write(doc).getBytes(StandardCharsets.UTF_8);
                System.out.printf(Locale.ROOT, "%n%s tasks: document built in %.0f ms (%.1f MiB as JSON text)%n", kind, buildMs, text.length / 1048576.0);
                List<Double> totals = new ArrayList<>();
                for (int r = 1; r <= reps; r++) {
                    resetPeak();
                    long t0 = System.nanoTime();
                    JsonNode tree = WorkflowDocuments.read(text, WorkflowDocuments.Format.JSON, "bench.json");
                    long t1 = System.nanoTime();
                    NewWorkflow wf;
                    String refused = null;
                    try {
                        wf = parser.parse(tree, "bench.json");
                    } catch (ProvisioningException e) {
                        refused = e.getMessage();
                        wf = null;
                    }
                    long t2 = System.nanoTime();
                    if (wf == null) wf = direct(dag, kind, tree);
                    long t3 = System.nanoTime();
                    List<List<String>> levels = Levels.of(wf);
                    long t4 = System.nanoTime();
                    double validate = (t2 - t1) / 1e6, plan = (t4 - t3) / 1e6;
                    totals.add(validate + plan);
                    System.out.printf(Locale.ROOT, "  rep %d: read JSON text %6.0f ms | parse+validate %6.0f ms%s | Levels.of %5.0f ms (%d levels) "
                                    + "| validate+plan %6.0f ms | peak heap %4d MiB%n", r, (t1 - t0) / 1e6, validate,
                            refused == null ? "" : " (REFUSED)", plan, levels.size(), validate + plan, peakHeapMiB());
                    if (r == 1 && refused != null) System.out.println("    parser: " + refused);
                    if (levels.size() != dag.depth()) throw new IllegalStateException("Levels.of gave " + levels.size() + " levels, expected " + dag.depth());
                }
                totals.sort(Double::compare);
                System.out.printf(Locale.ROOT, "  %s tasks: validate+plan median %.0f ms, best %.0f ms (target < 2000 ms)%n", kind,
                        totals.get((totals.size() - 1) / 2), totals.get(0));
            }
            // the HTTP path: POST /workflows/batch/submit passes WorkflowDocuments.lines(body) for error locations
            System.out.println();
            for (int size : List.of(500, 1000, 2000)) {
                Dag d = Dag.random(size, 3, 42);
                byte[] compact = Json.write(document(d, "command")).getBytes(StandardCharsets.UTF_8);
                byte[] pretty = Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(document(d, "command"));
                double none = 0, withCompact = 0, withPretty = 0;
                for (int r = 0; r < 3; r++) {
                    long t0 = System.nanoTime();
                    parser.parse(WorkflowDocuments.read(compact, WorkflowDocuments.Format.JSON, "b"), "b");
                    long t1 = System.nanoTime();
                    parser.parse(WorkflowDocuments.read(compact, WorkflowDocuments.Format.JSON, "b"), "b",
                            WorkflowDocuments.lines(compact, WorkflowDocuments.Format.JSON));
                    long t2 = System.nanoTime();
                    parser.parse(WorkflowDocuments.read(pretty, WorkflowDocuments.Format.JSON, "b"), "b",
                            WorkflowDocuments.lines(pretty, WorkflowDocuments.Format.JSON));
                    long t3 = System.nanoTime();
                    if (r > 0) { // the first is the warm-up
                        none += (t1 - t0) / 2e6;
                        withCompact += (t2 - t1) / 2e6;
                        withPretty += (t3 - t2) / 2e6;
                    }
                }
                System.out.printf(Locale.ROOT, "parse of %d command tasks as POST /workflows/batch/submit does it (with WorkflowDocuments.lines): "
                        + "%.0f ms for one-line JSON, %.0f ms for pretty JSON; without lines %.0f ms%n", size, withCompact, withPretty, none);
            }
            // robustness: the deepest possible graph of the same size limit the parser allows (recursion depth)
            for (int depth : List.of(10_000, n)) {
                Dag chain = Dag.chain(depth);
                String result;
                try {
                    NewWorkflow wf;
                    try {
                        wf = parser.parse(document(chain, "command"), "chain.json");
                    } catch (ProvisioningException e) {
                        wf = direct(chain, "command", null);
                        result = "parser refused (" + e.getMessage().replaceAll(" \\(and more.*", "") + "); ";
                        int lv = Levels.of(wf).size();
                        result += "Levels.of ok (" + lv + " levels)";
                        System.out.printf(Locale.ROOT, "chain %d: %s%n", depth, result);
                        continue;
                    }
                    result = "parse ok, Levels.of ok (" + Levels.of(wf).size() + " levels)";
                } catch (StackOverflowError e) {
                    result = "StackOverflowError (recursive cycle check / Levels.of on a " + depth + "-deep graph)";
                }
                System.out.printf(Locale.ROOT, "chain %d: %s%n", depth, result);
            }
        } finally {
            DagBench.deleteTree(lib);
        }
    }

    static ObjectNode document(Dag dag, String kind) {
        ObjectNode doc = Json.MAPPER.createObjectNode();
        doc.putObject("workflow").put("name", "plan " + dag.name());
        ArrayNode tasks = doc.putArray("task");
        for (String id : dag.ids()) {
            ObjectNode t = tasks.addObject().put("id", id);
            if (kind.equals("nu")) {
                t.put("module", DagFiles.MODULE).put("function", DagFiles.FUNCTION);
                t.putObject("args").put("id", id);
            } else t.putArray("command").add("true");
            List<String> deps = dag.deps().get(id);
            if (!deps.isEmpty()) deps.forEach(t.putArray("depends_on")::add);
        }
        return doc;
    }

    /** The NewWorkflow the parser would have produced (ids, actions, dependencies), built without validation. */
    static NewWorkflow direct(Dag dag, String kind, JsonNode doc) {
        Map<String, String> gid = new HashMap<>();
        dag.ids().forEach(k -> gid.put(k, UUID.randomUUID().toString()));
        String wfId = UUID.randomUUID().toString();
        List<NewTask> tasks = new ArrayList<>(dag.size());
        for (String k : dag.ids()) {
            Action a = kind.equals("nu") ? new Action.Nu(DagFiles.MODULE, DagFiles.FUNCTION, Json.MAPPER.createObjectNode().put("id", k))
                    : new Action.Command(List.of("true"));
            List<NewTask.Dependency> deps = dag.deps().get(k).stream().map(d -> new NewTask.Dependency(gid.get(d), DependencyKind.hard)).toList();
            tasks.add(new NewTask(gid.get(k), k, a, deps, Priority.normal, 3_600_000, RetrySpec.DEFAULT, wfId + "/" + k, null, List.of()));
        }
        return new NewWorkflow(wfId, "plan", "batch", Priority.normal, NewWorkflow.OnFailure.FAIL, 0, doc, tasks);
    }

    private static void resetPeak() {
        System.gc();
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) if (p.getType() == MemoryType.HEAP) p.resetPeakUsage();
    }

    private static long peakHeapMiB() {
        long sum = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans())
            if (p.getType() == MemoryType.HEAP) sum += p.getPeakUsage().getUsed();
        return sum >> 20;
    }
}
