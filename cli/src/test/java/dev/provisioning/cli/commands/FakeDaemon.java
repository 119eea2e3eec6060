package dev.provisioning.cli.commands;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.provisioning.core.model.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stand-in for the daemon's REST and SSE contract, for the watcher and submit tests: {@code GET /health},
 * {@code POST /workflows/batch/submit} and {@code /batch/validate}, {@code POST /workflows/w1/cancel|resume|rollback},
 * {@code GET /workflows/w1/events} as JSON (the {@link #history}), {@code GET /workflows/{id}} (a scripted sequence of answers, the last one
 * repeating) and {@code GET /workflows/{id}/events} (one scripted list of events per connection; 404 when
 * {@link #sse} is false, like a daemon without the route), and {@code GET /tasks/{id}/logs} from the {@link #logs}
 * map, by offset like the daemon (see {@link #logs(HttpExchange, String)}).
 */
final class FakeDaemon implements AutoCloseable {
    final HttpServer server;
    final String base;
    volatile boolean sse = true;
    /** Milliseconds between two events of a stream. */
    volatile long eventDelayMs;
    final ConcurrentLinkedDeque<String> workflows = new ConcurrentLinkedDeque<>();
    final ConcurrentLinkedDeque<List<String>> connections = new ConcurrentLinkedDeque<>();
    final List<String> lastEventIds = new CopyOnWriteArrayList<>();
    final List<String> requests = new CopyOnWriteArrayList<>();
    volatile int submitStatus = 202;
    volatile String submitAnswer = "{\"workflow_id\":\"w1\",\"status\":\"queued\",\"task_ids\":[\"t1\",\"t2\"]}";
    volatile String submittedContentType;
    volatile byte[] submittedBody;
    /** The raw query of the last submit or validate ({@code source=...}), null when it had none. */
    volatile String submittedQuery;
    volatile int validateStatus = 200;
    volatile String validateAnswer = "{\"valid\":true,\"name\":\"cluster\",\"tasks\":2,\"levels\":[[\"server-cp-1\"],[\"kubernetes-cp-1\"]]}";
    /** The answer of {@code POST /workflows/w1/ACTION}; {@code %s} is replaced by the action. */
    volatile int controlStatus = 202;
    volatile String controlAnswer = "{\"workflow_id\":\"w1\",\"action\":\"%s\",\"state\":\"Running\"}";
    /** The events {@code GET /workflows/w1/events} answers as JSON (not SSE), paged by {@code after} and {@code limit}. */
    final List<String> history = new CopyOnWriteArrayList<>();

    /** {@code "taskId/stream/attempt"} → the log's bytes so far; an attempt exists when either of its logs does. */
    final Map<String, byte[]> logs = new ConcurrentHashMap<>();
    /** The most bytes one read by offset answers (the daemon's is a MiB). */
    volatile int maxChunk = 1 << 20;
    /** Answer like a daemon older than the offset API: the last MiB as text, offset ignored, no headers. */
    volatile boolean logsWithoutOffsets;
    /** The raw query of every logs request, in order. */
    final List<String> logReads = new CopyOnWriteArrayList<>();
    /** {@code "taskId/stream/attempt"} → the bytes of that log sent so far (to show nothing is fetched twice). */
    final Map<String, Long> logBytesSent = new ConcurrentHashMap<>();

    FakeDaemon() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getRawPath();
        requests.add(ex.getRequestMethod() + " " + path);
        byte[] body = ex.getRequestBody().readAllBytes();
        if (ex.getRequestMethod().equals("GET") && path.startsWith("/tasks/") && path.endsWith("/logs")) {
            logs(ex, path.substring("/tasks/".length(), path.length() - "/logs".length()));
            return;
        }
        switch (ex.getRequestMethod() + " " + path) {
            case "GET /health" -> reply(ex, 200, "{\"status\":\"healthy\"}");
            case "POST /workflows/batch/submit" -> {
                submittedContentType = ex.getRequestHeaders().getFirst("Content-Type");
                submittedBody = body;
                submittedQuery = ex.getRequestURI().getRawQuery();
                reply(ex, submitStatus, submitAnswer);
            }
            case "POST /workflows/batch/validate" -> {
                submittedContentType = ex.getRequestHeaders().getFirst("Content-Type");
                submittedBody = body;
                submittedQuery = ex.getRequestURI().getRawQuery();
                reply(ex, validateStatus, validateAnswer);
            }
            case "POST /workflows/w1/cancel", "POST /workflows/w1/resume", "POST /workflows/w1/rollback" ->
                    reply(ex, controlStatus, controlAnswer.replace("%s", path.substring(path.lastIndexOf('/') + 1)));
            case "GET /workflows/w1" -> {
                String w = workflows.size() > 1 ? workflows.pollFirst() : workflows.peekFirst();
                if (w == null) reply(ex, 404, "{\"error\":{\"code\":\"E_NOT_FOUND\",\"message\":\"no workflow 'w1'\",\"where\":\"id\"}}");
                else reply(ex, 200, w);
            }
            case "GET /workflows/w1/events" -> events(ex);
            default -> reply(ex, 404, "{\"error\":{\"code\":\"E_NOT_FOUND\",\"message\":\"no route\",\"where\":\"path\"}}");
        }
    }

    private void events(HttpExchange ex) throws IOException {
        String accept = String.valueOf(ex.getRequestHeaders().getFirst("Accept"));
        if (!accept.contains("text/event-stream")) {
            page(ex);
            return;
        }
        List<String> events = connections.pollFirst();
        if (!sse || !accept.contains("text/event-stream") || events == null) {
            reply(ex, 404, "{\"error\":{\"code\":\"E_NOT_FOUND\",\"message\":\"no route\",\"where\":\"path\"}}");
            return;
        }
        lastEventIds.add(String.valueOf(ex.getRequestHeaders().getFirst("Last-Event-ID")));
        ex.getResponseHeaders().add("Content-Type", "text/event-stream");
        ex.sendResponseHeaders(200, 0);
        try (OutputStream out = ex.getResponseBody()) {
            for (String e : events) {
                ObjectNode n = (ObjectNode) Json.read(e);
                String frame = "id:" + n.get("id").asText() + "\nevent:" + n.get("type").asText() + "\ndata:" + e + "\n\n";
                out.write(frame.getBytes(StandardCharsets.UTF_8));
                out.flush();
                if (eventDelayMs > 0) sleep(eventDelayMs);
            }
        } catch (IOException closedByClient) {
            // the watcher stops reading once it has seen the end
        }
    }

    /** {@code GET /workflows/w1/events?after=N&limit=M} as JSON: the {@link #history} events after N. */
    private void page(HttpExchange ex) throws IOException {
        long after = 0;
        int limit = 500;
        String q = ex.getRequestURI().getRawQuery();
        if (q != null)
            for (String kv : q.split("&")) {
                if (kv.startsWith("after=")) after = Long.parseLong(kv.substring(6));
                if (kv.startsWith("limit=")) limit = Integer.parseInt(kv.substring(6));
            }
        var arr = Json.MAPPER.createArrayNode();
        for (String e : history) {
            var n = Json.read(e);
            if (n.get("id").asLong() > after && arr.size() < limit) arr.add(n);
        }
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.set("events", arr);
        reply(ex, 200, body.toString());
    }

    /**
     * {@code GET /tasks/{id}/logs?stream=&attempt=&offset=&limit=} as the daemon answers it: without offset, the
     * last MiB as text; with one, the bytes from it (at most {@link #maxChunk} or {@code limit}) with
     * {@code X-Log-Size}, {@code X-Next-Offset}, {@code X-Attempt} and {@code X-Log-Complete} (true once the
     * current workflow document shows the task past that attempt or no longer Running). A bad stream, offset or
     * limit is 400 E_INVALID_VALUE; an unknown attempt 404 E_NOT_FOUND.
     */
    private void logs(HttpExchange ex, String taskId) throws IOException {
        Map<String, String> q = new java.util.HashMap<>();
        String raw = ex.getRequestURI().getRawQuery();
        logReads.add(String.valueOf(raw));
        if (raw != null) for (String kv : raw.split("&")) q.put(kv.substring(0, Math.max(0, kv.indexOf('='))), kv.substring(kv.indexOf('=') + 1));
        String stream = q.getOrDefault("stream", "stdout");
        if (!stream.equals("stdout") && !stream.equals("stderr")) {
            invalid(ex, "query.stream", "must be stdout or stderr");
            return;
        }
        int attempt = 0;
        for (String k : logs.keySet())
            if (k.startsWith(taskId + "/")) attempt = Math.max(attempt, Integer.parseInt(k.substring(k.lastIndexOf('/') + 1)));
        if (q.containsKey("attempt")) attempt = Integer.parseInt(q.get("attempt"));
        String key = taskId + "/" + stream + "/" + attempt;
        if (!logs.containsKey(taskId + "/stdout/" + attempt) && !logs.containsKey(taskId + "/stderr/" + attempt)) {
            reply(ex, 404, "{\"error\":{\"code\":\"E_NOT_FOUND\",\"message\":\"attempt " + attempt + " of task '" + taskId
                    + "' not found\",\"where\":\"" + taskId + "\"}}");
            return;
        }
        byte[] log = logs.getOrDefault(key, new byte[0]);
        if (logsWithoutOffsets || !q.containsKey("offset")) {
            byte[] last = java.util.Arrays.copyOfRange(log, Math.max(0, log.length - (1 << 20)), log.length);
            sendLog(ex, key, "text/plain; charset=utf-8", last);
            return;
        }
        long offset, limit;
        try {
            offset = Long.parseLong(q.get("offset"));
            limit = Long.parseLong(q.getOrDefault("limit", Integer.toString(maxChunk)));
        } catch (NumberFormatException e) {
            invalid(ex, "query.offset", "must be an integer");
            return;
        }
        if (offset < 0 || offset > log.length) {
            invalid(ex, "query.offset", "is " + offset + ", beyond the log's size of " + log.length + " bytes");
            return;
        }
        byte[] chunk = java.util.Arrays.copyOfRange(log, (int) offset, (int) Math.min(log.length, offset + Math.min(limit, maxChunk)));
        ex.getResponseHeaders().add("X-Log-Size", Integer.toString(log.length));
        ex.getResponseHeaders().add("X-Next-Offset", Long.toString(offset + chunk.length));
        ex.getResponseHeaders().add("X-Attempt", Integer.toString(attempt));
        ex.getResponseHeaders().add("X-Log-Complete", Boolean.toString(attemptEnded(taskId, attempt)));
        sendLog(ex, key, "application/octet-stream", chunk);
    }

    /** Whether the current workflow document shows the task past {@code attempt}, or that attempt not running. */
    private boolean attemptEnded(String taskId, int attempt) {
        String w = workflows.peekFirst();
        if (w == null) return false;
        for (var t : Json.read(w).path("tasks"))
            if (t.path("id").asText().equals(taskId))
                return t.path("attempt").asInt() > attempt || !t.path("state").asText().equals("Running");
        return false;
    }

    private void sendLog(HttpExchange ex, String key, String type, byte[] b) throws IOException {
        logBytesSent.merge(key, (long) b.length, Long::sum);
        ex.getResponseHeaders().add("Content-Type", type);
        ex.sendResponseHeaders(200, b.length == 0 ? -1 : b.length);
        ex.getResponseBody().write(b);
        ex.close();
    }

    private static void invalid(HttpExchange ex, String where, String message) throws IOException {
        reply(ex, 400, "{\"error\":{\"code\":\"E_INVALID_VALUE\",\"message\":\"" + where + ": " + message
                + "\",\"where\":\"" + where + "\"}}");
    }

    /** Sets the log {@code "taskId/stream/attempt"} to {@code text}. */
    void log(String key, String text) {
        logs.put(key, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Workflow w1 answers {@code doc} from now on. */
    void workflowNow(String doc) {
        workflows.addLast(doc);
        while (workflows.size() > 1) workflows.pollFirst();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void reply(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
        ex.close();
    }

    // ---- documents ---------------------------------------------------------------------------------------------

    /** A task of workflow w1 as {@code GET /workflows/w1} shows it. */
    static String task(String id, String key, String state, int attempt, int progress, String error, String stderr) {
        ObjectNode t = Json.MAPPER.createObjectNode().put("id", id).put("workflow_id", "w1").put("key", key).put("state", state)
                .put("attempt", attempt).put("max_attempts", 1).put("progress", progress).put("progress_message", "working")
                .put("error", error).put("stderr_tail", stderr);
        t.putArray("depends_on");
        return t.toString();
    }

    /** Workflow w1 with these tasks (JSON texts from {@link #task}). */
    static String workflow(String state, String... tasks) {
        ObjectNode w = Json.MAPPER.createObjectNode().put("id", "w1").put("name", "cluster").put("kind", "batch").put("state", state)
                .put("priority", "normal").put("on_failure", "fail").put("created_at", "2025-01-02T03:04:05.000Z");
        if (state.equals("Completed") || state.equals("Failed")) w.put("finished_at", "2025-01-02T03:04:06.500Z");
        ObjectNode counts = w.putObject("task_counts");
        var arr = w.putArray("tasks");
        for (String t : tasks) {
            ObjectNode n = (ObjectNode) Json.read(t);
            arr.add(n);
            counts.put(n.get("state").asText(), counts.path(n.get("state").asText()).asInt(0) + 1);
        }
        return w.toString();
    }

    /** One event; {@code data} is JSON text or null; {@code ms} is the time after 03:04:05 in milliseconds. */
    static String event(long id, String taskId, String type, String from, String to, String data, int ms) {
        ObjectNode e = Json.MAPPER.createObjectNode().put("id", id).put("workflow_id", "w1").put("task_id", taskId)
                .put("type", type).put("from", from).put("to", to);
        e.set("data", data == null ? null : Json.read(data));
        e.put("at", java.time.Instant.parse("2025-01-02T03:04:05Z").plusMillis(ms).toString());
        return e.toString();
    }

    /** The events of a one-task run of t1 (key "server-cp-1") and t2 ("kubernetes-cp-1"): both complete, or t2 fails. */
    static List<String> run(boolean t2Fails) {
        List<String> e = new ArrayList<>();
        e.add(event(1, null, "workflow.submitted", null, "Pending", "{\"name\":\"cluster\",\"tasks\":2}", 0));
        e.add(event(2, "t1", "task.state", null, "Ready", null, 0));
        e.add(event(3, "t2", "task.state", null, "Pending", null, 0));
        e.add(event(4, "t1", "task.state", "Ready", "Running", "{\"attempt\":1,\"owner\":\"vm:1\"}", 10));
        e.add(event(5, null, "workflow.state", "Pending", "Running", null, 10));
        e.add(event(6, "t1", "task.progress", null, null, "{\"percent\":40,\"message\":\"creating server\"}", 100));
        e.add(event(7, "t1", "task.progress", null, null, "{\"percent\":40,\"message\":\"creating server\"}", 110));
        e.add(event(8, "t1", "task.state", "Running", "Completed", "{\"attempt\":1,\"exitCode\":0}", 410));
        e.add(event(9, "t2", "task.state", "Pending", "Ready", null, 410));
        e.add(event(10, "t2", "task.state", "Ready", "Running", "{\"attempt\":1}", 420));
        if (t2Fails) {
            e.add(event(11, "t2", "task.state", "Running", "Failed", "{\"attempt\":1,\"exitCode\":1,\"error\":\"exited with code 1: boom\"}", 520));
            e.add(event(12, null, "workflow.state", "Running", "Failed", null, 520));
        } else {
            e.add(event(11, "t2", "task.state", "Running", "Completed", "{\"attempt\":1,\"exitCode\":0}", 1620));
            e.add(event(12, null, "workflow.state", "Running", "Completed", null, 1620));
        }
        return Collections.unmodifiableList(e);
    }
}
