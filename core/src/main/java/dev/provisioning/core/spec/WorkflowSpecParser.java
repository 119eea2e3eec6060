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
    private static final Set<String> WF_KEYS = Set.of("name", "priority", "max_attempts", "timeout", "on_failure");
    private static final Set<String> TASK_KEYS = Set.of("id", "module", "function", "args", "script", "argv", "command",
            "depends_on", "timeout", "priority", "max_attempts");

    /** Defaults from config. */
    public record Defaults(Duration timeout, int maxAttempts) {}

    private final ActionValidator validator;
    private final Defaults defaults;

    public WorkflowSpecParser(ActionValidator validator, Defaults defaults) {
        this.validator = validator;
        this.defaults = defaults;
    }

    public NewWorkflow parse(JsonNode doc, String source) {
        List<String> errors = new ArrayList<>();
        if (doc == null || !doc.isObject()) throw invalid(source, List.of(source + ": must be a table/object with [workflow] and [[task]]"));
        unknownKeys(doc, Set.of("workflow", "task"), source, errors);
        JsonNode wf = doc.path("workflow");
        if (!wf.isMissingNode() && !wf.isObject()) errors.add(source + ": workflow: must be a table");
        if (wf.isObject()) unknownKeys(wf, WF_KEYS, source + ": workflow", errors);
        String name = wf.path("name").asText("workflow");
        Priority wfPriority = priority(wf.get("priority"), source + ": workflow.priority", errors, Priority.normal);
        int wfAttempts = attempts(wf.get("max_attempts"), source + ": workflow.max_attempts", errors, defaults.maxAttempts());
        Duration wfTimeout = duration(wf.get("timeout"), source + ": workflow.timeout", errors, defaults.timeout());
        NewWorkflow.OnFailure onFailure = NewWorkflow.OnFailure.FAIL;
        if (wf.hasNonNull("on_failure")) {
            try {
                onFailure = NewWorkflow.OnFailure.parse(wf.get("on_failure").asText());
            } catch (IllegalArgumentException e) {
                errors.add(source + ": workflow.on_failure: " + e.getMessage());
            }
        }

        JsonNode tasks = doc.path("task");
        if (!tasks.isArray() || tasks.isEmpty()) {
            errors.add(source + ": task: at least one [[task]] is required");
            throw invalid(source, errors);
        }
        String wfId = UUID.randomUUID().toString();
        Map<String, String> globalIds = new LinkedHashMap<>();
        Map<String, JsonNode> byKey = new LinkedHashMap<>();
        for (int i = 0; i < tasks.size(); i++) {
            JsonNode t = tasks.get(i);
            String at = source + ": task[" + i + "]";
            if (!t.isObject()) { errors.add(at + ": must be a table"); continue; }
            String id = t.path("id").asText(null);
            if (id == null || !TASK_ID.matcher(id).matches()) {
                errors.add(at + ": id: must match " + TASK_ID.pattern() + ", got " + (id == null ? "nothing" : "'" + id + "'"));
                continue;
            }
            if (byKey.containsKey(id)) { errors.add(at + ": task '" + id + "': duplicate id"); continue; }
            byKey.put(id, t);
            globalIds.put(id, UUID.randomUUID().toString());
        }

        Map<String, List<String>> edges = new HashMap<>();
        List<NewTask> out = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : byKey.entrySet()) {
            String key = e.getKey();
            JsonNode t = e.getValue();
            String at = source + ": task '" + key + "'";
            unknownKeys(t, TASK_KEYS, at, errors);
            Action action = action(t, at, errors);
            List<NewTask.Dependency> deps = new ArrayList<>();
            JsonNode dn = t.get("depends_on");
            if (dn != null && !dn.isArray()) errors.add(at + ": depends_on: must be a list");
            else if (dn != null) {
                for (JsonNode d : dn) {
                    String dep = d.isTextual() ? d.asText() : d.path("id").asText(null);
                    DependencyKind kind = DependencyKind.hard;
                    if (d.isObject() && d.has("kind")) {
                        try {
                            kind = DependencyKind.valueOf(d.get("kind").asText());
                        } catch (IllegalArgumentException ex) {
                            errors.add(at + ": depends_on '" + dep + "': kind must be hard or soft");
                        }
                    }
                    if (dep == null) errors.add(at + ": depends_on: entries are task ids or {id, kind}");
                    else if (dep.equals(key)) errors.add(at + ": depends_on: a task cannot depend on itself");
                    else if (!globalIds.containsKey(dep)) errors.add(at + ": depends_on: unknown task '" + dep + "'");
                    else if (edges.getOrDefault(key, List.of()).contains(dep)) errors.add(at + ": depends_on: duplicate dependency '" + dep + "'");
                    else {
                        deps.add(new NewTask.Dependency(globalIds.get(dep), kind));
                        edges.computeIfAbsent(key, k -> new ArrayList<>()).add(dep);
                    }
                }
            }
            Priority p = priority(t.get("priority"), at + ": priority", errors, wfPriority);
            Duration timeout = duration(t.get("timeout"), at + ": timeout", errors, wfTimeout);
            int maxAttempts = attempts(t.get("max_attempts"), at + ": max_attempts", errors, wfAttempts);
            if (action != null) {
                String gid = globalIds.get(key);
                out.add(new NewTask(gid, key, action, deps, p, timeout.toMillis(), maxAttempts, wfId + "/" + key, null));
            }
        }
        List<String> cycle = findCycle(edges);
        if (cycle != null) errors.add(source + ": dependency cycle: " + String.join(" -> ", cycle));
        if (!errors.isEmpty()) throw invalid(source, errors);
        return new NewWorkflow(wfId, name, "batch", wfPriority, onFailure, doc, out);
    }

    private Action action(JsonNode t, String at, List<String> errors) {
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
                a = new Action.Command(stringList(t.get("command"), at + ": command"));
            } else if (t.has("script")) {
                if (!t.get("script").isTextual()) throw new ProvisioningException(ErrorCode.INVALID_VALUE, "script: must be a path string", at);
                a = new Action.Script(t.get("script").asText(), t.has("argv") ? stringList(t.get("argv"), at + ": argv") : List.of());
            } else {
                JsonNode args = t.get("args");
                if (args != null && !args.isObject()) throw new ProvisioningException(ErrorCode.INVALID_VALUE, "args: must be a table", at);
                a = new Action.Nu(t.path("module").asText(null), t.path("function").asText(null),
                        args == null ? dev.provisioning.core.model.Json.MAPPER.createObjectNode() : args);
            }
            validator.validate(a, at);
            return a;
        } catch (ProvisioningException e) {
            String msg = e.getMessage();
            errors.add(msg.startsWith(at) ? msg : (e.where() != null && !e.where().equals(at) ? e.where() : at) + ": " + msg);
            return null;
        }
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
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!allowed.contains(f)) errors.add(at + ": unknown key '" + f + "'");
        }
    }

    private static Priority priority(JsonNode n, String at, List<String> errors, Priority dflt) {
        if (n == null || n.isNull()) return dflt;
        try {
            return Priority.parse(n.asText(), at);
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
        Duration d = Durations.parse(n.asText());
        if (d == null || d.isZero()) {
            errors.add(at + ": bad duration '" + n.asText() + "' (use e.g. 30s, 5m, 1h; at most 365d)");
            return dflt;
        }
        return d;
    }

    /** A cycle as a path of task ids (first == last), or null. */
    static List<String> findCycle(Map<String, List<String>> edges) {
        Map<String, Integer> color = new HashMap<>();
        List<String> stack = new ArrayList<>();
        for (String start : edges.keySet()) {
            List<String> c = dfs(start, edges, color, stack);
            if (c != null) return c;
        }
        return null;
    }

    private static List<String> dfs(String node, Map<String, List<String>> edges, Map<String, Integer> color, List<String> stack) {
        Integer c = color.get(node);
        if (c != null && c == 2) return null;
        if (c != null && c == 1) {
            List<String> cycle = new ArrayList<>(stack.subList(stack.indexOf(node), stack.size()));
            cycle.add(node);
            return cycle;
        }
        color.put(node, 1);
        stack.add(node);
        for (String next : edges.getOrDefault(node, List.of())) {
            List<String> found = dfs(next, edges, color, stack);
            if (found != null) return found;
        }
        stack.remove(stack.size() - 1);
        color.put(node, 2);
        return null;
    }

    private static ProvisioningException invalid(String source, List<String> errors) {
        return new ProvisioningException(ErrorCode.INVALID_WORKFLOW,
                errors.size() + " error(s) in workflow " + source + ": " + errors.get(0) + (errors.size() > 1 ? " (and more, see details)" : ""),
                source, errors, null);
    }

}
