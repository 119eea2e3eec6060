package dev.provisioning.core.spec;

import com.fasterxml.jackson.databind.JsonNode;
import dev.provisioning.core.action.ActionValidator;
import dev.provisioning.core.error.ErrorCode;
import dev.provisioning.core.error.ProvisioningException;
import dev.provisioning.core.model.Action;
import dev.provisioning.core.model.DependencyKind;
import dev.provisioning.core.model.NewTask;
import dev.provisioning.core.model.NewWorkflow;
import dev.provisioning.core.model.Priority;
import dev.provisioning.core.model.RetrySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Reads a workflow document (already parsed to a JSON tree) into a {@link NewWorkflow}, reporting every
 * error at once, each with its location ({@code source: task 'id': key}).
 *
 * <pre>
 * { "workflow": { "name": "...", "priority": "normal", "max_attempts": 1, "timeout": "1h" },
 *   "task": [ { "id": "web", "module": "servers/create.nu", "function": "create-server", "args": {...},
 *               "depends_on": ["net", {"id": "dns", "kind": "soft"}], "timeout": "5m",
 *               "priority": "high", "max_attempts": 3 },
 *             { "id": "x", "script": "scripts/x.nu", "argv": ["a"] },
 *             { "id": "y", "command": ["echo", "hi"] } ] }
 * </pre>
 */
public final class WorkflowSpecParser {
    private static final Pattern TASK_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
    private static final Set<String> WF_KEYS = Set.of("name", "priority", "max_attempts", "timeout", "on_failure",
            "parallel_limit", "retry");
    private static final Set<String> TASK_KEYS = Set.of("id", "module", "function", "args", "script", "argv", "command",
            "depends_on", "timeout", "priority", "max_attempts", "retry", "rollback", "pools", "for_each");
    private static final Set<String> RETRY_KEYS = Set.of("max_attempts", "backoff", "initial_delay", "max_delay", "jitter");
    private static final Set<String> ACTION_KEYS = Set.of("module", "function", "args", "script", "argv", "command");
    private static final int MAX_TASKS = 100_000;

    /** Defaults from config, and the names of the configured resource pools. */
    public record Defaults(Duration timeout, int maxAttempts, Set<String> pools) {
        public Defaults {
            pools = pools == null ? Set.of() : Set.copyOf(pools);
        }

        public Defaults(Duration timeout, int maxAttempts) {
            this(timeout, maxAttempts, Set.of());
        }
    }

    /** Where a task is defined in the source text, for error locations; may answer null. */
    public interface Lines {
        Lines NONE = key -> null;

        Integer lineOfTask(String key);

        /** The line of a key of the {@code [workflow]} table; may answer null. */
        default Integer lineOfWorkflowKey(String key) { return null; }

        /** The line where the {@code i}-th task (from 0) begins; may answer null. */
        default Integer lineOfTaskAt(int i) { return null; }
    }

    private final ActionValidator validator;
    private final Defaults defaults;

    public WorkflowSpecParser(ActionValidator validator, Defaults defaults) {
        this.validator = validator;
        this.defaults = defaults;
    }

    public NewWorkflow parse(JsonNode doc, String source) {
        return parse(doc, source, Lines.NONE);
    }

    /**
     * Parses {@code doc} without asking {@code lines} anything; only a document with errors is parsed again, with
     * {@code lines}, to give each error its line. So a valid document never pays for the line index (a second full
     * pass over the text in JSON and YAML), and the parse itself has no effect to repeat.
     */
    public NewWorkflow parse(JsonNode doc, String source, Lines lines) {
        if (lines == Lines.NONE) return parseLocated(doc, source, Lines.NONE);
        try {
            return parseLocated(doc, source, Lines.NONE);
        } catch (ProvisioningException e) {
            return parseLocated(doc, source, lines);
        }
    }

    private NewWorkflow parseLocated(JsonNode doc, String source, Lines lines) {
        Set<String> validated = new java.util.HashSet<>(); // a module+function used by many tasks is checked once
        List<String> errors = new ArrayList<>();
        if (doc == null || !doc.isObject()) throw invalid(source, List.of(source + ": must be a table/object with [workflow] and [[task]]"));
        unknownKeys(doc, Set.of("workflow", "task"), source, errors);
        JsonNode wf = doc.path("workflow");
        if (!wf.isMissingNode() && !wf.isObject()) errors.add(source + ": workflow: must be a table");
        java.util.function.UnaryOperator<String> wfAt = key -> at(source, lines.lineOfWorkflowKey(key)) + ": workflow." + key;
        if (wf.isObject()) unknownKeys(wf, WF_KEYS, key -> at(source, lines.lineOfWorkflowKey(key)) + ": workflow", errors);
        String name = text(wf.get("name"), wfAt.apply("name"), errors, "workflow");
        if (name.indexOf('\0') >= 0) errors.add(wfAt.apply("name") + ": must not contain NUL characters");
        Priority wfPriority = priority(wf.get("priority"), wfAt.apply("priority"), errors, Priority.normal);
        int wfAttempts = attempts(wf.get("max_attempts"), wfAt.apply("max_attempts"), errors, defaults.maxAttempts());
        RetrySpec wfRetry = retry(wf.get("retry"), wfAt.apply("retry"), errors, RetrySpec.DEFAULT.withMaxAttempts(wfAttempts));
        int parallelLimit = 0;
        JsonNode pl = wf.get("parallel_limit");
        if (pl != null && !pl.isNull()) {
            if (!pl.isIntegralNumber() || pl.asLong() < 0 || pl.asLong() > 10_000)
                errors.add(wfAt.apply("parallel_limit") + ": must be an integer from 0 (no limit) to 10000, got " + pl);
            else parallelLimit = pl.asInt();
        }
        Duration wfTimeout = duration(wf.get("timeout"), wfAt.apply("timeout"), errors, defaults.timeout());
        NewWorkflow.OnFailure onFailure = NewWorkflow.OnFailure.FAIL;
        String onFailureText = text(wf.get("on_failure"), wfAt.apply("on_failure"), errors, null);
        if (onFailureText != null) {
            try {
                onFailure = NewWorkflow.OnFailure.parse(onFailureText);
            } catch (IllegalArgumentException e) {
                errors.add(wfAt.apply("on_failure") + ": " + e.getMessage());
            }
        }

        JsonNode tasks = doc.path("task");
        if (!tasks.isArray() || tasks.isEmpty()) {
            errors.add(source + ": task: " + (tasks.isMissingNode() || tasks.isArray() ? "at least one [[task]] is required"
                    : "must be a list of tables ([[task]] in TOML, a list under 'task' in YAML and JSON), got " + tasks));
            throw invalid(source, errors);
        }
        String wfId = UUID.randomUUID().toString();
        // 1. ids, fan-out: a task with for_each = [items] becomes one task per item, "<id>-<item>" (or "<id>-<n>")
        Map<String, List<String>> expanded = new LinkedHashMap<>();
        Map<String, JsonNode> byKey = new LinkedHashMap<>();
        Map<String, JsonNode> itemOf = new HashMap<>();
        Map<String, String> defOf = new HashMap<>();
        for (int i = 0; i < tasks.size(); i++) {
            JsonNode t = tasks.get(i);
            String taskAt = at(source, lines.lineOfTaskAt(i)), at = taskAt + ": task[" + i + "]";
            if (!t.isObject()) { errors.add(at + ": must be a table"); continue; }
            String id = t.path("id").isTextual() ? t.path("id").asText() : null;
            if (id == null || !TASK_ID.matcher(id).matches()) {
                errors.add(at + ": id: must match " + TASK_ID.pattern() + ", got " + (id == null ? "nothing" : "'" + id + "'"));
                continue;
            }
            if (expanded.containsKey(id)) { // at this task's line; the id's line is the first task's
                errors.add(taskAt + ": task '" + id + "': duplicate id (task[" + i + "])");
                continue;
            }
            at = where(source, lines, id);
            List<String> keys = new ArrayList<>();
            JsonNode fe = t.get("for_each");
            if (fe == null || fe.isNull()) keys.add(id);
            else if (!fe.isArray() || fe.isEmpty() || fe.size() > 1000) errors.add(at + ": for_each: must be a non-empty list of at most 1000 items");
            else {
                for (int j = 0; j < fe.size(); j++) {
                    JsonNode item = fe.get(j);
                    String suffix = item.isTextual() && TASK_ID.matcher(item.asText()).matches() ? item.asText() : Integer.toString(j + 1);
                    String key = id + "-" + suffix;
                    if (keys.contains(key)) { errors.add(at + ": for_each: duplicate item '" + suffix + "'"); continue; }
                    keys.add(key);
                    itemOf.put(key, item);
                }
            }
            expanded.put(id, keys);
            for (String k : keys) {
                if (byKey.containsKey(k)) { errors.add(at + ": expanded id '" + k + "' clashes with another task"); continue; }
                byKey.put(k, t);
                defOf.put(k, id);
            }
        }
        if (byKey.size() > MAX_TASKS) errors.add(source + ": more than " + MAX_TASKS + " tasks after for_each expansion");
        Map<String, String> globalIds = new LinkedHashMap<>();
        byKey.keySet().forEach(k -> globalIds.put(k, UUID.randomUUID().toString()));

        // 2. each task
        Map<String, List<String>> edges = new HashMap<>();
        List<NewTask> out = new ArrayList<>();
        Set<String> reported = new java.util.HashSet<>();
        for (Map.Entry<String, JsonNode> e : byKey.entrySet()) {
            String key = e.getKey();
            String def = defOf.get(key);
            boolean first = reported.add(def); // report a definition's problems once, not per expansion
            List<String> errs = first ? errors : new ArrayList<>();
            JsonNode t = e.getValue();
            String at = where(source, lines, def);
            unknownKeys(t, TASK_KEYS, at, errs);
            Action action = action(t, at, errs, itemOf.get(key), validated);
            Action rollback = null;
            JsonNode rb = t.get("rollback");
            if (rb != null && !rb.isNull()) {
                if (!rb.isObject()) errs.add(at + ": rollback: must be a table with module+function, script or command");
                else {
                    unknownKeys(rb, ACTION_KEYS, at + ": rollback", errs);
                    rollback = action(rb, at + ": rollback", errs, itemOf.get(key), validated);
                }
            }
            List<NewTask.Dependency> deps = new ArrayList<>();
            JsonNode dn = t.get("depends_on");
            if (dn != null && !dn.isArray()) errs.add(at + ": depends_on: must be a list");
            else if (dn != null) {
                for (JsonNode d : dn) {
                    String dep = d.isTextual() ? d.asText() : d.path("id").asText(null);
                    DependencyKind kind = DependencyKind.hard;
                    if (d.isObject()) {
                        unknownKeys(d, Set.of("id", "kind"), at + ": depends_on", errs);
                        if (d.has("kind")) {
                            try {
                                kind = DependencyKind.valueOf(d.get("kind").asText());
                            } catch (IllegalArgumentException ex) {
                                errs.add(at + ": depends_on '" + dep + "': kind must be hard or soft");
                            }
                        }
                    }
                    if (dep == null) { errs.add(at + ": depends_on: entries are task ids or {id, kind}"); continue; }
                    List<String> targets = expanded.containsKey(dep) ? expanded.get(dep) : globalIds.containsKey(dep) ? List.of(dep) : null;
                    if (dep.equals(def) || dep.equals(key)) errs.add(at + ": depends_on: a task cannot depend on itself");
                    else if (targets == null) errs.add(at + ": depends_on: unknown task '" + dep + "'");
                    else {
                        for (String target : targets) {
                            if (edges.getOrDefault(key, List.of()).contains(target)) {
                                errs.add(at + ": depends_on: duplicate dependency '" + dep + "'");
                                continue;
                            }
                            deps.add(new NewTask.Dependency(globalIds.get(target), kind));
                            edges.computeIfAbsent(key, k -> new ArrayList<>()).add(target);
                        }
                    }
                }
            }
            List<String> pools = new ArrayList<>();
            JsonNode pn = t.get("pools");
            if (pn != null && !pn.isNull()) {
                if (!pn.isArray()) errs.add(at + ": pools: must be a list of pool names");
                else for (JsonNode p : pn) {
                    if (!p.isTextual()) errs.add(at + ": pools: entries must be strings, got " + p);
                    else if (!defaults.pools().contains(p.asText()))
                        errs.add(at + ": pools: unknown pool '" + p.asText() + "'; configured pools: "
                                + (defaults.pools().isEmpty() ? "none (add them under [pools] in the config)" : new java.util.TreeSet<>(defaults.pools())));
                    else if (!pools.contains(p.asText())) pools.add(p.asText());
                }
            }
            Priority p = priority(t.get("priority"), at + ": priority", errs, wfPriority);
            Duration timeout = duration(t.get("timeout"), at + ": timeout", errs, wfTimeout);
            int maxAttempts = attempts(t.get("max_attempts"), at + ": max_attempts", errs, wfRetry.maxAttempts());
            RetrySpec retry = retry(t.get("retry"), at + ": retry", errs, wfRetry.withMaxAttempts(maxAttempts));
            // an expansion's own problems (its for_each item in argv) are reported too, never dropped with its task
            if (!first) for (String m : errs) if (!errors.contains(m)) errors.add(m);
            if (action != null) {
                String gid = globalIds.get(key);
                out.add(new NewTask(gid, key, action, deps, p, timeout.toMillis(), retry, wfId + "/" + key, rollback, pools));
            }
        }
        List<String> cycle = findCycle(edges);
        if (cycle != null) errors.add(source + ": dependency cycle: " + String.join(" -> ", cycle));
        if (!errors.isEmpty()) throw invalid(source, errors);
        return new NewWorkflow(wfId, name, "batch", wfPriority, onFailure, parallelLimit, doc, out);
    }

    private static String where(String source, Lines lines, String key) {
        return at(source, lines.lineOfTask(key)) + ": task '" + key + "'";
    }

    /** {@code source:line}, or {@code source} when the line is not known. */
    private static String at(String source, Integer line) {
        return line == null ? source : source + ":" + line;
    }

    /**
     * The task's action. For a fanned-out task, {@code item} is the for_each item: a nu action gets it as
     * {@code args.item}; an argv entry that is exactly {@code {item}} is replaced by it (argv, never a shell).
     */
    private Action action(JsonNode t, String at, List<String> errors, JsonNode item, Set<String> validated) {
        int kinds = (t.has("module") || t.has("function") ? 1 : 0) + (t.has("script") ? 1 : 0) + (t.has("command") ? 1 : 0);
        if (kinds != 1) {
            errors.add(at + ": needs exactly one action: module+function, script, or command");
            return null;
        }
        try {
            Action a;
            if (t.has("argv") && !t.has("script"))
                throw new ProvisioningException(ErrorCode.INVALID_VALUE, "argv: only a script task takes argv", at);
            if (t.has("args") && (t.has("script") || t.has("command")))
                throw new ProvisioningException(ErrorCode.INVALID_VALUE, "args: only a module+function task takes args", at);
            if (t.has("command")) {
                a = new Action.Command(withItem(stringList(t.get("command"), at + ": command"), item));
            } else if (t.has("script")) {
                if (!t.get("script").isTextual()) throw new ProvisioningException(ErrorCode.INVALID_VALUE, "script: must be a path string", at);
                a = new Action.Script(t.get("script").asText(), withItem(t.has("argv") ? stringList(t.get("argv"), at + ": argv") : List.of(), item));
            } else {
                JsonNode args = t.get("args");
                if (args != null && !args.isObject()) throw new ProvisioningException(ErrorCode.INVALID_VALUE, "args: must be a table", at);
                if (!t.has("function")) throw new ProvisioningException(ErrorCode.MISSING_FIELD, "function: missing; a module task names the function to call", at);
                if (!t.has("module")) throw new ProvisioningException(ErrorCode.MISSING_FIELD, "module: missing; a function task names the module (.nu file) that exports it", at);
                for (String key : List.of("module", "function"))
                    if (!t.get(key).isTextual()) throw new ProvisioningException(ErrorCode.INVALID_VALUE, key + ": must be a string, got " + t.get(key), at);
                com.fasterxml.jackson.databind.node.ObjectNode argsCopy = args == null
                        ? dev.provisioning.core.model.Json.MAPPER.createObjectNode() : ((com.fasterxml.jackson.databind.node.ObjectNode) args).deepCopy();
                if (item != null) argsCopy.set("item", item);
                a = new Action.Nu(t.get("module").asText(), t.get("function").asText(), argsCopy);
            }
            String memo = switch (a) {
                case Action.Nu nu -> "nu\0" + nu.module() + "\0" + nu.function();
                case Action.Script sc -> "script\0" + sc.path();
                case Action.Command c -> null;
            };
            if (memo == null || !validated.contains(memo)) {
                validator.validate(a, at);
                if (memo != null) validated.add(memo);
            } else if (a instanceof Action.Script sc) {
                ActionValidator.checkArgv(sc.argv(), "argv", true, at + ".argv"); // each for_each item's argv
            }
            return a;
        } catch (ProvisioningException e) {
            String msg = e.getMessage();
            errors.add(msg.startsWith(at) ? msg : at + ": " + msg);
            return null;
        }
    }

    private static List<String> withItem(List<String> argv, JsonNode item) {
        if (item == null) return argv;
        String text = item.isTextual() ? item.asText() : item.toString();
        return argv.stream().map(a -> a.equals("{item}") ? text : a).toList();
    }

    private static RetrySpec retry(JsonNode n, String at, List<String> errors, RetrySpec dflt) {
        if (n == null || n.isNull()) return dflt;
        if (!n.isObject()) {
            errors.add(at + ": must be a table with " + RETRY_KEYS);
            return dflt;
        }
        unknownKeys(n, RETRY_KEYS, at, errors);
        int max = attempts(n.get("max_attempts"), at + ".max_attempts", errors, dflt.maxAttempts());
        RetrySpec.Backoff backoff = dflt.backoff();
        if (n.hasNonNull("backoff")) {
            try {
                backoff = RetrySpec.Backoff.valueOf(n.get("backoff").isTextual() ? n.get("backoff").asText() : n.get("backoff").toString());
            } catch (IllegalArgumentException e) {
                errors.add(at + ".backoff: must be exponential, linear or fixed, got '" + n.get("backoff").asText() + "'");
            }
        }
        Duration initial = duration(n.get("initial_delay"), at + ".initial_delay", errors, dflt.initialDelay());
        Duration maxDelay = duration(n.get("max_delay"), at + ".max_delay", errors, dflt.maxDelay());
        double jitter = dflt.jitter();
        JsonNode j = n.get("jitter");
        if (j != null && !j.isNull()) {
            if (j.isBoolean()) jitter = j.asBoolean() ? 0.2 : 0;
            else if (j.isNumber() && j.asDouble() >= 0 && j.asDouble() <= 1) jitter = j.asDouble();
            else errors.add(at + ".jitter: must be true, false or a fraction from 0 to 1, got " + j);
        }
        if (maxDelay.compareTo(initial) < 0) errors.add(at + ": max_delay must not be shorter than initial_delay");
        return new RetrySpec(max, backoff, initial, maxDelay, jitter);
    }

    private static List<String> stringList(JsonNode n, String at) {
        if (!n.isArray()) throw new ProvisioningException(ErrorCode.INVALID_VALUE, at + ": must be a list of strings", at);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            if (!n.get(i).isTextual())
                throw new ProvisioningException(ErrorCode.INVALID_VALUE, at + "[" + i + "]: must be a string, got " + n.get(i), at);
            out.add(n.get(i).asText());
        }
        return out;
    }

    private static void unknownKeys(JsonNode n, Set<String> allowed, String at, List<String> errors) {
        unknownKeys(n, allowed, key -> at, errors);
    }

    /** As above, with each key's location given by {@code at} (e.g. with the key's own line). */
    private static void unknownKeys(JsonNode n, Set<String> allowed, java.util.function.UnaryOperator<String> at, List<String> errors) {
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!allowed.contains(f)) errors.add(at.apply(f) + ": unknown key '" + f + "'");
        }
    }

    /** A value that must be a string: its text, or {@code dflt} when absent; anything else is reported. */
    private static String text(JsonNode n, String at, List<String> errors, String dflt) {
        if (n == null || n.isNull()) return dflt;
        if (n.isTextual()) return n.asText();
        errors.add(at + ": must be a string, got " + n);
        return dflt;
    }

    private static Priority priority(JsonNode n, String at, List<String> errors, Priority dflt) {
        if (n == null || n.isNull()) return dflt;
        try {
            return Priority.parse(n.isTextual() ? n.asText() : n.toString(), at);
        } catch (ProvisioningException e) {
            errors.add(at + ": " + e.getMessage());
            return dflt;
        }
    }

    private static int attempts(JsonNode n, String at, List<String> errors, int dflt) {
        if (n == null || n.isNull()) return dflt;
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() < 1 || n.asInt() > 100) {
            errors.add(at + ": must be an integer from 1 to 100, got " + n);
            return dflt;
        }
        return n.asInt();
    }

    private static Duration duration(JsonNode n, String at, List<String> errors, Duration dflt) {
        if (n == null || n.isNull()) return dflt;
        String text = n.isValueNode() ? n.asText() : n.toString();
        Duration d = Durations.parse(text);
        if (d == null || d.isZero()) {
            String why = d != null ? "must be longer than zero; "
                    : n.isNumber() ? "a number needs a unit, such as '" + text + "s'; "
                    : text.trim().startsWith("-") ? "must not be negative; " : "";
            errors.add(at + ": bad duration '" + text + "' (" + why + "use e.g. 30s, 5m, 1h; at most 365d)");
            return dflt;
        }
        return d;
    }

    /**
     * A cycle as a path of task ids (first == last), or null. Iterative (Kahn): tasks that never reach in-degree
     * zero lie on or behind a cycle; walking dependencies among them from any one must repeat a task.
     */
    static List<String> findCycle(Map<String, List<String>> edges) {
        Map<String, Integer> pending = new HashMap<>(); // task -> number of its dependencies not yet removed
        Map<String, List<String>> dependents = new HashMap<>();
        for (Map.Entry<String, List<String>> e : edges.entrySet()) {
            pending.merge(e.getKey(), e.getValue().size(), Integer::sum);
            for (String dep : e.getValue()) {
                pending.putIfAbsent(dep, 0);
                dependents.computeIfAbsent(dep, k -> new ArrayList<>()).add(e.getKey());
            }
        }
        java.util.ArrayDeque<String> ready = new java.util.ArrayDeque<>();
        pending.forEach((k, v) -> { if (v == 0) ready.add(k); });
        while (!ready.isEmpty()) {
            String t = ready.poll();
            pending.remove(t);
            for (String d : dependents.getOrDefault(t, List.of()))
                if (pending.merge(d, -1, Integer::sum) == 0) ready.add(d);
        }
        if (pending.isEmpty()) return null;
        String start = pending.keySet().stream().sorted().findFirst().orElseThrow();
        Map<String, Integer> seenAt = new LinkedHashMap<>();
        List<String> path = new ArrayList<>();
        String cur = start;
        while (!seenAt.containsKey(cur)) {
            seenAt.put(cur, path.size());
            path.add(cur);
            String next = null;
            for (String dep : edges.getOrDefault(cur, List.of())) if (pending.containsKey(dep)) { next = dep; break; }
            cur = next;
        }
        List<String> cycle = new ArrayList<>(path.subList(seenAt.get(cur), path.size()));
        cycle.add(cur);
        return cycle;
    }

    private static ProvisioningException invalid(String source, List<String> errors) {
        return new ProvisioningException(ErrorCode.INVALID_WORKFLOW,
                errors.size() + " error(s) in workflow " + source + ": " + errors.get(0) + (errors.size() > 1 ? " (and more, see details)" : ""),
                source, errors, null);
    }

}
