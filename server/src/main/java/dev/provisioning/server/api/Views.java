package dev.provisioning.server.api;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioning.core.model.Actions;
import dev.provisioning.core.model.Attempt;
import dev.provisioning.core.model.Event;
import dev.provisioning.core.model.Json;
import dev.provisioning.core.model.NewTask;
import dev.provisioning.core.model.Task;
import dev.provisioning.core.model.TaskState;
import dev.provisioning.core.model.Workflow;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** JSON shapes of the API. Field names are snake_case and stable. */
public final class Views {
    private Views() {}

    public static ObjectNode workflow(Workflow w, List<Task> tasks, boolean withTasks) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("id", w.id()).put("name", w.name()).put("kind", w.kind()).put("state", w.state().name())
                .put("priority", w.priority().name()).put("on_failure", w.onFailure().wire())
                .put("parallel_limit", w.parallelLimit());
        time(n, "created_at", w.createdAt());
        time(n, "updated_at", w.updatedAt());
        time(n, "finished_at", w.finishedAt());
        Map<TaskState, Integer> counts = new EnumMap<>(TaskState.class);
        int progressSum = 0;
        for (Task t : tasks) {
            counts.merge(t.state(), 1, Integer::sum);
            progressSum += t.state() == TaskState.Completed ? 100 : t.progress();
        }
        ObjectNode c = n.putObject("task_counts");
        counts.forEach((k, v) -> c.put(k.name(), v));
        n.put("task_total", tasks.size());
        ArrayNode errors = n.putArray("errors");
        for (Task t : tasks)
            if (t.error() != null && (t.state() == TaskState.Failed || t.state() == TaskState.RollbackFailed))
                errors.addObject().put("task_id", t.id()).put("key", t.key()).put("state", t.state().name()).put("error", t.error());
        n.put("progress", tasks.isEmpty() ? 100 : progressSum / tasks.size());
        if (withTasks) {
            ArrayNode arr = n.putArray("tasks");
            tasks.forEach(t -> arr.add(task(t)));
        }
        return n;
    }

    public static ObjectNode task(Task t) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("id", t.id()).put("workflow_id", t.workflowId()).put("key", t.key()).put("state", t.state().name())
                .put("priority", t.priority().name()).put("attempt", t.attempt()).put("max_attempts", t.maxAttempts())
                .put("timeout_ms", t.timeoutMs()).put("progress", t.progress()).put("progress_message", t.progressMessage());
        n.set("result", t.result());
        if (t.exitCode() == null) n.putNull("exit_code"); else n.put("exit_code", t.exitCode());
        n.put("error", t.error()).put("stderr_tail", t.stderrTail()).put("idempotency_key", t.idempotencyKey());
        ArrayNode deps = n.putArray("depends_on");
        for (NewTask.Dependency d : t.dependsOn()) deps.addObject().put("task_id", d.taskId()).put("kind", d.kind().name());
        n.set("action", Actions.toJson(t.action()));
        if (t.rollback() == null) n.putNull("rollback"); else n.set("rollback", Actions.toJson(t.rollback()));
        ArrayNode pools = n.putArray("pools");
        t.pools().forEach(pools::add);
        n.set("retry", t.retry().toJson());
        n.set("checkpoint", t.checkpoint());
        n.put("attempt_base", t.attemptBase());
        time(n, "created_at", t.createdAt());
        time(n, "started_at", t.startedAt());
        time(n, "finished_at", t.finishedAt());
        time(n, "next_attempt_at", t.nextAttemptAt());
        return n;
    }

    public static ObjectNode attempt(Attempt a) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("attempt", a.attemptNo()).put("state", a.state().name()).put("owner", a.owner()).put("run_dir", a.runDir() == null ? null : a.dir().toString());
        if (a.pid() == null) n.putNull("pid"); else n.put("pid", a.pid());
        if (a.exitCode() == null) n.putNull("exit_code"); else n.put("exit_code", a.exitCode());
        n.put("error", a.error()).put("stderr_tail", a.stderrTail());
        time(n, "started_at", a.startedAt());
        time(n, "finished_at", a.finishedAt());
        return n;
    }

    /**
     * An event's JSON, as an SSE event's data: {@code id, workflow_id, task_id, type, from, to, data, at}, nulls
     * written as null. Written with a generator, without a tree: the data goes out as the JSON text the store holds,
     * unparsed (the store wrote it with {@link Json#MAPPER}, so it is the text a tree of it would give).
     */
    public static String event(Event e) {
        return write(g -> event(g, e));
    }

    /** A page of events: {@code {"events": [...]}}, each as {@link #event(Event)} writes it. */
    public static String events(List<Event> events) {
        return write(g -> {
            g.writeStartObject();
            g.writeArrayFieldStart("events");
            for (Event e : events) event(g, e);
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    private static void event(JsonGenerator g, Event e) throws IOException {
        g.writeStartObject();
        g.writeNumberField("id", e.id());
        g.writeStringField("workflow_id", e.workflowId());
        g.writeStringField("task_id", e.taskId());
        g.writeStringField("type", e.type());
        g.writeStringField("from", e.from());
        g.writeStringField("to", e.to());
        g.writeFieldName("data");
        String data = e.dataJson();
        if (data == null) g.writeNull();
        // the store never writes a line break; text from elsewhere is written again, so an SSE data line stays one
        else if (data.indexOf('\n') >= 0 || data.indexOf('\r') >= 0) g.writeTree(Json.read(data));
        else g.writeRawValue(data);
        g.writeStringField("at", e.at() == null ? null : e.at().toString());
        g.writeEndObject();
    }

    private interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    private static String write(Body body) {
        StringWriter out = new StringWriter(256);
        try (JsonGenerator g = Json.MAPPER.createGenerator(out)) {
            body.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private static void time(ObjectNode n, String field, Instant t) {
        if (t == null) n.putNull(field); else n.put(field, t.toString());
    }
}
