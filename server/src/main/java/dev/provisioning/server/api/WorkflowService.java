package dev.provisioning.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioning.core.model.Event;
import dev.provisioning.core.model.Json;
import dev.provisioning.core.model.NewWorkflow;
import dev.provisioning.core.model.Priority;
import dev.provisioning.core.model.Workflow;
import dev.provisioning.core.model.WorkflowState;
import dev.provisioning.core.port.Metrics;
import dev.provisioning.core.port.Store;
import dev.provisioning.core.scheduler.Scheduler;
import dev.provisioning.core.error.ErrorCode;
import dev.provisioning.core.error.ProvisioningException;
import dev.provisioning.core.dag.Levels;
import dev.provisioning.core.spec.WorkflowDocuments;
import dev.provisioning.core.spec.WorkflowSpecParser;
import dev.provisioning.server.ChangeSignal;
import io.helidon.http.HeaderNames;
import io.helidon.http.sse.SseEvent;
import io.helidon.webserver.sse.SseSink;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/** {@code /workflows}: submit operations and batches, list and inspect workflows, read their events. */
public final class WorkflowService implements Route.Table {
    private final Store store;
    private final Scheduler scheduler;
    private final Submissions submissions;
    private final WorkflowSpecParser specParser;
    private final Http http;
    private final Metrics metrics;
    private final ChangeSignal changes;
    private final long maxWorkflowBytes;
    private final long keepaliveNanos;

    public WorkflowService(Store store, Scheduler scheduler, Submissions submissions, WorkflowSpecParser specParser,
                           Http http, Metrics metrics, ChangeSignal changes, long maxWorkflowBytes, Duration keepalive) {
        this.keepaliveNanos = keepalive.toNanos();
        this.changes = changes;
        this.maxWorkflowBytes = maxWorkflowBytes;
        this.store = store;
        this.scheduler = scheduler;
        this.submissions = submissions;
        this.specParser = specParser;
        this.http = http;
        this.metrics = metrics;
    }

    @Override
    public List<Route> routes() {
        return List.of(
                Route.post("/servers/create", this::postServerCreate),
                Route.post("/taskserv/create", this::postTaskservCreate),
                Route.post("/cluster/create", this::postClusterCreate),
                Route.post("/batch/submit", this::postBatch),
                Route.post("/batch/validate", this::postValidate),
                Route.get("/", this::listWorkflows),
                Route.get("/{id}", this::getWorkflow),
                Route.get("/{id}/events", this::listEvents),
                Route.post("/{id}/cancel", this::postCancel),
                Route.post("/{id}/resume", this::postResume),
                Route.post("/{id}/rollback", this::postRollback));
    }

    private void postServerCreate(ServerRequest req, ServerResponse res) {
        submit(res, submissions.operation(Submissions.SERVER_CREATE, http.jsonObject(req)));
    }

    private void postTaskservCreate(ServerRequest req, ServerResponse res) {
        submit(res, submissions.operation(Submissions.TASKSERV_CREATE, http.jsonObject(req)));
    }

    /** A workflow document: JSON, TOML or YAML by Content-Type. */
    private void postBatch(ServerRequest req, ServerResponse res) {
        submit(res, document(req, "batch"));
    }

    /** A cluster is a workflow document too (servers, then task services on them); its kind says so. */
    private void postClusterCreate(ServerRequest req, ServerResponse res) {
        submit(res, document(req, "cluster"));
    }

    /** Validates a workflow document without storing it; answers the plan as levels of tasks that run together. */
    private void postValidate(ServerRequest req, ServerResponse res) {
        NewWorkflow wf = document(req, "batch");
        ObjectNode body = Json.MAPPER.createObjectNode().put("valid", true).put("name", wf.name()).put("tasks", wf.tasks().size());
        ArrayNode levels = body.putArray("levels");
        for (List<String> level : Levels.of(wf)) {
            ArrayNode l = levels.addArray();
            level.forEach(l::add);
        }
        Http.json(res, Status.OK_200, body);
    }

    private NewWorkflow document(ServerRequest req, String kind) {
        String ct = req.headers().first(HeaderNames.CONTENT_TYPE).orElse(null);
        WorkflowDocuments.Format format = WorkflowDocuments.byContentType(ct);
        if (format == null)
            throw new ProvisioningException(ErrorCode.UNSUPPORTED_MEDIA_TYPE,
                    "Content-Type '" + ct + "' is not supported; use application/json, application/toml or application/yaml", "header Content-Type");
        byte[] body = http.body(req, maxWorkflowBytes, "server.max_workflow_bytes");
        String source = Http.query(req, "source").orElse("request body");
        Priority priority = Http.query(req, "priority").map(p -> Priority.parse(p, "query.priority")).orElse(null);
        JsonNode doc = WorkflowDocuments.read(body, format, source);
        if (priority != null) withPriority(doc, priority);
        NewWorkflow wf = specParser.parse(doc, source, WorkflowDocuments.lines(body, format));
        return kind.equals(wf.kind()) ? wf
                : new NewWorkflow(wf.id(), wf.name(), kind, wf.priority(), wf.onFailure(), wf.parallelLimit(), wf.request(), wf.tasks());
    }

    /**
     * {@code ?priority=}: sets {@code workflow.priority} in the document read, so that its tasks inherit it as from the
     * file, while error locations stay lines of the body as sent (the CLI's {@code --priority} sends the file as is).
     * A {@code workflow} that is not a table is left for the parser to report.
     */
    private static void withPriority(JsonNode doc, Priority priority) {
        JsonNode wf = doc.get("workflow");
        if (wf == null || wf.isNull()) ((ObjectNode) doc).putObject("workflow").put("priority", priority.name());
        else if (wf instanceof ObjectNode o) o.put("priority", priority.name());
    }

    private void postCancel(ServerRequest req, ServerResponse res) {
        String id = Http.pathParam(req, "id");
        scheduler.cancelWorkflow(id);
        control(res, id, "cancel");
    }

    private void postResume(ServerRequest req, ServerResponse res) {
        String id = Http.pathParam(req, "id");
        scheduler.resumeWorkflow(id);
        control(res, id, "resume");
    }

    private void postRollback(ServerRequest req, ServerResponse res) {
        String id = Http.pathParam(req, "id");
        scheduler.rollbackWorkflow(id);
        control(res, id, "rollback");
    }

    private void control(ServerResponse res, String id, String action) {
        Workflow w = store.workflow(id).orElseThrow(() -> ApiException.notFound("workflow", id));
        Http.json(res, Status.ACCEPTED_202, Json.MAPPER.createObjectNode().put("workflow_id", id).put("action", action)
                .put("state", w.state().name()));
    }

    private void submit(ServerResponse res, NewWorkflow wf) {
        store.insertWorkflow(wf);
        metrics.submitted(wf.tasks().size());
        scheduler.wake();
        ObjectNode body = Json.MAPPER.createObjectNode().put("workflow_id", wf.id()).put("status", "queued");
        ArrayNode ids = body.putArray("task_ids");
        wf.tasks().forEach(t -> ids.add(t.id()));
        Http.json(res, Status.ACCEPTED_202, body);
    }

    private void listWorkflows(ServerRequest req, ServerResponse res) {
        WorkflowState state = Http.query(req, "status").map(s -> parseState(s)).orElse(null);
        int limit = Http.intQuery(req, "limit", 50, 1, 1000);
        int offset = Http.intQuery(req, "offset", 0, 0, Integer.MAX_VALUE);
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode arr = body.putArray("workflows");
        for (Workflow w : store.workflows(state, limit, offset))
            arr.add(Views.workflow(w, store.tasks(null, w.id(), 10_000, 0), false));
        body.put("limit", limit).put("offset", offset);
        Http.json(res, Status.OK_200, body);
    }

    private void getWorkflow(ServerRequest req, ServerResponse res) {
        String id = Http.pathParam(req, "id");
        Workflow w = store.workflow(id).orElseThrow(() -> ApiException.notFound("workflow", id));
        Http.json(res, Status.OK_200, Views.workflow(w, store.tasks(null, id, 10_000, 0), true));
    }

    /**
     * The workflow's events. With {@code Accept: text/event-stream} this is an SSE stream: it replays from
     * {@code Last-Event-ID} (or {@code ?after=}), then sends new events as they commit, and ends once the
     * workflow is in a terminal state and every event has been sent. Otherwise a JSON page.
     */
    private void listEvents(ServerRequest req, ServerResponse res) throws InterruptedException {
        String id = Http.pathParam(req, "id");
        store.workflow(id).orElseThrow(() -> ApiException.notFound("workflow", id));
        long after = Http.intQuery(req, "after", 0, 0, Integer.MAX_VALUE);
        boolean sse = req.headers().first(HeaderNames.ACCEPT).map(a -> a.contains("text/event-stream")).orElse(false);
        if (sse) {
            String last = req.headers().first(HeaderNames.create("Last-Event-ID")).orElse(null);
            if (last != null) {
                try {
                    after = Long.parseLong(last.trim());
                } catch (NumberFormatException e) {
                    throw ApiException.invalid("header Last-Event-ID", "must be an event id (integer), got '" + last + "'");
                }
            }
            stream(id, after, res);
            return;
        }
        int limit = Http.intQuery(req, "limit", 500, 1, 10_000);
        Http.jsonText(res, Status.OK_200, Views.events(store.events(id, after, limit)));
    }

    /**
     * A live stream reads the store at most this often, so events reach its client at most this much later; the
     * commit that ends a workflow is read at once.
     */
    static final long STREAM_COALESCE_NANOS = 50_000_000;

    /**
     * Sends events from {@code after} on, then follows new ones. The workflow's state is read once; after that
     * the {@code workflow.state} events (committed with every change of it) keep it current, so a live stream
     * costs one events query per change, and at most one per {@link #STREAM_COALESCE_NANOS}.
     */
    private void stream(String id, long after, ServerResponse res) throws InterruptedException {
        try (SseSink sink = res.sink(SseSink.TYPE)) {
            long cursor = after;
            long seen = changes.version();
            WorkflowState state = store.workflow(id).map(Workflow::state).orElse(null);
            long lastSent = System.nanoTime();
            while (true) {
                long queried = System.nanoTime();
                long ends = changes.ends(); // before the query: a workflow ending after it cuts the wait below short
                List<Event> batch = store.events(id, cursor, 500);
                for (Event e : batch) {
                    // as bytes, which the sink writes as they are (a String goes through its media writers)
                    byte[] data = Views.event(e).getBytes(StandardCharsets.UTF_8);
                    sink.emit(SseEvent.builder().id(Long.toString(e.id())).name(e.type()).data(data).build());
                    cursor = e.id();
                    if ("workflow.state".equals(e.type()) && e.to() != null) state = WorkflowState.valueOf(e.to());
                }
                if (!batch.isEmpty()) lastSent = System.nanoTime();
                if (batch.size() == 500) continue;
                if (state == null || state.isTerminal()) return;
                // nothing sent for a while: a keepalive event lets both sides notice a dead connection
                if (System.nanoTime() - lastSent > keepaliveNanos) {
                    sink.emit(SseEvent.builder().name("keepalive").data("{}").build()); // no id: resumption is unaffected
                    lastSent = System.nanoTime();
                }
                // woken by this daemon's commits at once; the timeout also picks up other daemons' (PostgreSQL)
                seen = changes.awaitChange(seen, 1000);
                // a burst of commits (a busy workflow commits every few ms) costs one query, not one each; but a
                // commit that ended a workflow is read at once (it may be this one's last: the end of a --wait)
                long early = queried + STREAM_COALESCE_NANOS - System.nanoTime();
                if (early > 0) changes.awaitEnd(ends, early);
            }
        }
    }

    static WorkflowState parseState(String s) {
        for (WorkflowState w : WorkflowState.values()) if (w.name().equalsIgnoreCase(s)) return w;
        throw ApiException.invalid("query.status", "unknown workflow state '" + s + "'; one of " + List.of(WorkflowState.values()));
    }

}
