package dev.provisioning.cli.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import dev.provisioning.cli.CliException;
import dev.provisioning.cli.ExitCode;
import dev.provisioning.core.model.Json;
import dev.provisioning.core.model.Priority;
import java.io.IOException;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.URI;
import java.net.URL;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;

/**
 * A small typed client of the orchestrator's REST API. Every request carries {@code Authorization: Bearer
 * <token>} when a token is known. Failures are {@link UnreachableException} (no HTTP answer) or
 * {@link ApiException} (an HTTP error, with the daemon's error code), both {@link CliException}s.
 */
public final class OrchestratorClient {
    /** snake_case on the wire, tolerant of fields this CLI does not know. */
    public static final ObjectMapper MAPPER = Json.MAPPER.copy()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);

    private final String base;
    private final String token;
    private final Duration timeout;

    /**
     * @param baseUrl e.g. {@code http://127.0.0.1:9090} (a trailing slash is dropped)
     * @param token   the bearer token, or null to send none
     * @param timeout per-request timeout
     */
    public OrchestratorClient(String baseUrl, String token, Duration timeout) {
        this.base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.token = token;
        this.timeout = timeout;
    }

    static {
        // HttpURLConnection silently sends a POST again when a kept-alive connection turns out closed: that could
        // submit a workflow twice. Read once, when the HTTP classes are first used; a -D setting wins.
        if (System.getProperty("sun.net.http.retryPost") == null) System.setProperty("sun.net.http.retryPost", "false");
    }

    public String baseUrl() { return base; }

    public Api.Health health() { return as(healthJson(), Api.Health.class); }

    /** The raw health document, with any fields the daemon adds. */
    public JsonNode healthJson() { return send("GET", "/health", null); }

    /** True when {@code GET /health} answers {@code "healthy"}; never throws. */
    public boolean isHealthy() {
        try {
            return health().healthy();
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** {@code POST /admin/drain}: the daemon starts nothing new; running attempts finish. */
    public JsonNode drain() { return send("POST", "/admin/drain", null); }

    public Api.Version version() { return as(send("GET", "/version", null), Api.Version.class); }

    public Api.Submission createServer(Api.CreateRequest req) {
        return as(send("POST", "/workflows/servers/create", req), Api.Submission.class);
    }

    public Api.Submission createTaskserv(Api.CreateRequest req) {
        return as(send("POST", "/workflows/taskserv/create", req), Api.Submission.class);
    }

    /**
     * {@code POST /workflows/batch/submit}: a workflow document as is, in the format {@code contentType} names
     * ({@code application/toml}, {@code application/json}, {@code application/yaml}). The daemon parses and
     * validates it; an invalid one is an {@link ApiException} {@code E_INVALID_WORKFLOW} with every error in
     * {@link ApiException#details()}.
     */
    public Api.Submission submitBatch(byte[] document, String contentType) {
        return submitBatch(document, contentType, null);
    }

    /**
     * Like {@link #submitBatch(byte[], String)}, with {@code ?source=}: the name the daemon gives the document in
     * its error locations ({@code deploy.toml:13: task 'c': ...}) instead of "request body"; null for none.
     */
    public Api.Submission submitBatch(byte[] document, String contentType, String source) {
        return submitBatch(document, contentType, source, null);
    }

    /**
     * Like {@link #submitBatch(byte[], String, String)}, with {@code ?priority=} when {@code priority} is not null:
     * the daemon sets {@code workflow.priority} in the document it read, so its error locations stay lines of it.
     */
    public Api.Submission submitBatch(byte[] document, String contentType, String source, Priority priority) {
        String query = sourceQuery(source);
        if (priority != null) query += (query.isEmpty() ? "?" : "&") + "priority=" + priority.name();
        return as(send("POST", "/workflows/batch/submit" + query, document, contentType), Api.Submission.class);
    }

    /**
     * {@code POST /workflows/cluster/create}: a cluster's workflow document (JSON), validated like a batch; the
     * workflow's kind is {@code cluster}.
     */
    public Api.Submission submitCluster(byte[] document) {
        return as(send("POST", "/workflows/cluster/create", document, "application/json"),
                Api.Submission.class);
    }

    /**
     * {@code POST /workflows/batch/validate}: validates a workflow document like {@link #submitBatch} does, without
     * storing it, and answers its plan. An invalid one is an {@link ApiException} {@code E_INVALID_WORKFLOW} with
     * every error in {@link ApiException#details()}.
     */
    public Api.Plan validateBatch(byte[] document, String contentType, String source) {
        return as(send("POST", "/workflows/batch/validate" + sourceQuery(source), document,
                contentType), Api.Plan.class);
    }

    /**
     * {@code POST /workflows/{id}/ACTION}, ACTION one of {@code cancel}, {@code resume}, {@code rollback}. A
     * workflow in a state that does not allow it is an {@link ApiException} 409 {@code E_CONFLICT}; an unknown
     * one a 404.
     */
    public Api.ControlAnswer control(String workflowId, String action) {
        if (!CONTROL_ACTIONS.contains(action)) throw new IllegalArgumentException("not a workflow action: " + action);
        return as(send("POST", "/workflows/" + encode(workflowId) + "/" + action, null), Api.ControlAnswer.class);
    }

    public static final java.util.Set<String> CONTROL_ACTIONS = java.util.Set.of("cancel", "resume", "rollback");

    /** How many events {@link #lastEventId} asks for per page (the daemon's maximum). */
    static final int EVENT_PAGE = 10_000;

    /** A page of the workflow's events after {@code after}, as JSON (not the SSE stream). */
    public Api.EventPage events(String workflowId, long after, int limit) {
        return as(send("GET", "/workflows/" + encode(workflowId) + "/events?after=" + after + "&limit=" + limit, null),
                Api.EventPage.class);
    }

    /** The id of the workflow's latest event (0 when it has none), paging through {@code GET /workflows/{id}/events}. */
    public long lastEventId(String workflowId) {
        long after = 0;
        while (true) {
            List<Api.Event> page = events(workflowId, after, EVENT_PAGE).events();
            if (page.isEmpty()) return after;
            after = Math.max(after, page.get(page.size() - 1).id());
            if (page.size() < EVENT_PAGE) return after;
        }
    }

    private static String sourceQuery(String source) {
        return source == null || source.isBlank() ? "" : "?source=" + encode(source);
    }

    /**
     * Opens the SSE stream {@code GET /workflows/{id}/events} ({@code Accept: text/event-stream}), resuming after
     * {@code lastEventId} when it is not null. Empty when the daemon answers, but not with an event stream (an
     * HTTP error, e.g. an older daemon without the route, or a workflow it does not know): the caller can poll
     * instead. Throws {@link UnreachableException} when nothing answers.
     */
    public Optional<EventStream> openEvents(String workflowId, Long lastEventId) {
        String path = "/workflows/" + encode(workflowId) + "/events";
        HttpURLConnection c = open("GET", path, "text/event-stream", null, streamReadTimeout());
        if (lastEventId != null) c.setRequestProperty("Last-Event-ID", Long.toString(lastEventId));
        int status;
        try {
            status = c.getResponseCode();
        } catch (IOException e) {
            c.disconnect();
            throw new UnreachableException(base, describe(e));
        }
        String type = c.getContentType() == null ? "" : c.getContentType();
        if (status != 200 || !type.toLowerCase(java.util.Locale.ROOT).startsWith("text/event-stream")) {
            drain(c, status);
            return Optional.empty();
        }
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.UTF_8));
            return Optional.of(new EventStream(r.lines().onClose(() -> {
                try {
                    r.close();
                } catch (IOException ignored) {
                    // closing a dropped stream
                }
                c.disconnect();
            })));
        } catch (IOException e) {
            c.disconnect();
            throw new UnreachableException(base, describe(e));
        }
    }

    /**
     * The read timeout of an event stream: a stream is quiet between events, and the daemon sends a keepalive every
     * {@code sse_keepalive_seconds} (15 s), so it is at least a minute. A stream quiet for longer has died, and
     * the watcher reconnects.
     */
    private int streamReadTimeout() {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(timeout.toMillis(), STREAM_QUIET.toMillis()));
    }

    private static final Duration STREAM_QUIET = Duration.ofSeconds(60);

    public Api.WorkflowPage listWorkflows(String status, Integer limit, Integer offset) {
        return as(send("GET", "/workflows" + query(status, limit, offset), null), Api.WorkflowPage.class);
    }

    public Api.Workflow workflow(String id) {
        return as(send("GET", "/workflows/" + encode(id), null), Api.Workflow.class);
    }

    public Api.TaskPage listTasks(String status, Integer limit, Integer offset) {
        return as(send("GET", "/tasks" + query(status, limit, offset), null), Api.TaskPage.class);
    }

    public Api.Task task(String id) {
        return as(send("GET", "/tasks/" + encode(id), null), Api.Task.class);
    }

    private static String query(String status, Integer limit, Integer offset) {
        Map<String, Object> q = new LinkedHashMap<>();
        if (status != null) q.put("status", status);
        if (limit != null) q.put("limit", limit);
        if (offset != null) q.put("offset", offset);
        if (q.isEmpty()) return "";
        StringJoiner j = new StringJoiner("&", "?", "");
        q.forEach((k, v) -> j.add(k + "=" + encode(String.valueOf(v))));
        return j.toString();
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /**
     * A connection for {@code method path} with the timeouts and the token, not yet sent. Plain
     * {@link HttpURLConnection}: it starts in a fraction of the time {@code java.net.http.HttpClient} takes (no
     * selector thread, no executor), which a CLI command pays on every run. No proxy and no redirects, as before.
     */
    private HttpURLConnection open(String method, String path, String accept, String contentType, int readTimeoutMs) {
        URL url;
        try {
            url = URI.create(base + path).toURL();
        } catch (IllegalArgumentException | java.net.MalformedURLException e) {
            throw new CliException(ExitCode.USAGE, "E_INVALID_VALUE", "bad orchestrator endpoint '" + base + "': " + e.getMessage(),
                    "orchestrator.endpoint");
        }
        HttpURLConnection c;
        try {
            c = (HttpURLConnection) url.openConnection(Proxy.NO_PROXY);
            c.setRequestMethod(method);
        } catch (IOException | ClassCastException e) {
            throw new CliException(ExitCode.USAGE, "E_INVALID_VALUE", "bad orchestrator endpoint '" + base + "': " + e.getMessage(),
                    "orchestrator.endpoint");
        }
        c.setConnectTimeout((int) CONNECT_TIMEOUT.toMillis());
        c.setReadTimeout(readTimeoutMs);
        c.setInstanceFollowRedirects(false);
        c.setUseCaches(false);
        c.setRequestProperty("Accept", accept);
        if (contentType != null) c.setRequestProperty("Content-Type", contentType);
        if (token != null && !token.isBlank()) c.setRequestProperty("Authorization", "Bearer " + token);
        return c;
    }

    private int readTimeout() {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis()));
    }

    /** Sends one request; returns the parsed JSON body (an empty object for an empty 2xx body). */
    JsonNode send(String method, String path, Object body) {
        return body == null ? send(method, path, (byte[]) null, null)
                : send(method, path, write(body).getBytes(StandardCharsets.UTF_8), "application/json");
    }

    private JsonNode send(String method, String path, byte[] body, String contentType) {
        HttpURLConnection c = open(method, path, "application/json", contentType, readTimeout());
        int status;
        String text;
        try {
            if ("POST".equals(method)) {
                byte[] b = body == null ? new byte[0] : body;
                c.setDoOutput(true);
                c.setFixedLengthStreamingMode(b.length);
                try (OutputStream o = c.getOutputStream()) {
                    o.write(b);
                }
            }
            status = c.getResponseCode();
            InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
            text = in == null ? "" : readAll(in);
        } catch (IOException e) {
            c.disconnect();
            throw new UnreachableException(base, describe(e));
        }
        if (status >= 400) throw error(method, path, status, text);
        if (text.isBlank()) return MAPPER.createObjectNode();
        try {
            return MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new CliException(ExitCode.FAILED, "E_PROTOCOL",
                    "the orchestrator answered " + method + " " + path + " with something that is not JSON: " + abbreviate(text),
                    base + path);
        }
    }

    private static String readAll(InputStream in) throws IOException {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Reads and drops an answer that is not used, so the connection can be reused. */
    private static void drain(HttpURLConnection c, int status) {
        try {
            InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
            if (in != null) readAll(in);
        } catch (IOException e) {
            c.disconnect();
        }
    }

    private ApiException error(String method, String path, int status, String text) {
        try {
            Api.ErrorBody eb = MAPPER.readValue(text, Api.ErrorBody.class);
            if (eb.error() != null && eb.error().code() != null)
                return new ApiException(status, eb.error().code(),
                        eb.error().message() == null ? "HTTP " + status : eb.error().message(), eb.error().where(),
                        eb.error().details());
        } catch (JsonProcessingException ignored) {
            // not the documented error shape; fall through
        }
        return new ApiException(status, "E_HTTP_" + status,
                method + " " + path + " answered HTTP " + status + (text.isBlank() ? "" : ": " + abbreviate(text)), base + path);
    }

    private static String describe(IOException e) {
        String name = e.getClass().getSimpleName();
        String msg = e.getMessage();
        if (e instanceof java.net.ConnectException) return "connection refused";
        if (e instanceof java.net.SocketTimeoutException) return "timed out";
        return msg == null || msg.isBlank() ? name : name + ": " + msg;
    }

    private static String write(Object body) {
        try {
            return MAPPER.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot serialize request body", e);
        }
    }

    private <T> T as(JsonNode n, Class<T> type) {
        try {
            return MAPPER.treeToValue(n, type);
        } catch (JsonProcessingException e) {
            throw new CliException(ExitCode.FAILED, "E_PROTOCOL",
                    "unexpected answer shape for " + type.getSimpleName() + ": " + e.getOriginalMessage(), base);
        }
    }

    private static String abbreviate(String s) {
        String one = s.strip().replaceAll("\\s+", " ");
        return one.length() > 200 ? one.substring(0, 200) + "..." : one;
    }
}
