package dev.provisioning.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioning.core.error.ErrorCode;
import dev.provisioning.core.error.ProvisioningException;
import dev.provisioning.core.model.Attempt;
import dev.provisioning.core.model.Json;
import dev.provisioning.core.model.Task;
import dev.provisioning.core.model.TaskState;
import dev.provisioning.core.port.Store;
import dev.provisioning.runner.RunDir;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** {@code /tasks}: list and inspect tasks, their attempts and logs; scripts report progress here. */
public final class TaskService implements Route.Table {
    private static final Set<String> PROGRESS_FIELDS = Set.of("percent", "progress", "message", "attempt", "status");
    private static final long MAX_LOG_BYTES = 1 << 20;
    /** The log files a client may read, by stream name: nothing else of the run dir is served. */
    private static final Map<String, String> LOG_FILES = Map.of("stdout", RunDir.STDOUT, "stderr", RunDir.STDERR);
    /** Headers of a read by offset: the file's size when read, where the next read starts, the attempt, and
     *  whether that attempt had ended (its log no longer grows). */
    public static final String LOG_SIZE = "X-Log-Size";
    public static final String NEXT_OFFSET = "X-Next-Offset";
    public static final String ATTEMPT = "X-Attempt";
    public static final String LOG_COMPLETE = "X-Log-Complete";

    private final Store store;
    private final Http http;

    public TaskService(Store store, Http http) {
        this.store = store;
        this.http = http;
    }

    @Override
    public List<Route> routes() {
        return List.of(
                Route.get("/", this::listTasks),
                Route.get("/{id}", this::getTask),
                Route.get("/{id}/attempts", this::listAttempts),
                Route.get("/{id}/logs", this::getLogs),
                Route.post("/{id}/progress", this::postProgress));
    }

    private void listTasks(ServerRequest req, ServerResponse res) {
        TaskState state = Http.query(req, "status").map(TaskService::parseState).orElse(null);
        String wf = Http.query(req, "workflow_id").orElse(null);
        int limit = Http.intQuery(req, "limit", 100, 1, 1000);
        int offset = Http.intQuery(req, "offset", 0, 0, Integer.MAX_VALUE);
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode arr = body.putArray("tasks");
        store.tasks(state, wf, limit, offset).forEach(t -> arr.add(Views.task(t)));
        body.put("limit", limit).put("offset", offset);
        Http.json(res, Status.OK_200, body);
    }

    private Task task(ServerRequest req) {
        String id = Http.pathParam(req, "id");
        return store.task(id).orElseThrow(() -> ApiException.notFound("task", id));
    }

    private void getTask(ServerRequest req, ServerResponse res) {
        Http.json(res, Status.OK_200, Views.task(task(req)));
    }

    private void listAttempts(ServerRequest req, ServerResponse res) {
        Task t = task(req);
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode arr = body.putArray("attempts");
        store.attempts(t.id()).forEach(a -> arr.add(Views.attempt(a)));
        Http.json(res, Status.OK_200, body);
    }

    /**
     * {@code ?stream=stdout|stderr&attempt=N}: the last MiB of that attempt's log as text. With {@code offset=N}
     * (and optionally {@code limit=BYTES}, at most a MiB): the log's raw bytes from that offset, with the headers
     * {@link #LOG_SIZE}, {@link #NEXT_OFFSET}, {@link #ATTEMPT} and {@link #LOG_COMPLETE}. The file is one of a
     * fixed set in the attempt's run dir, chosen by the stream's name, never a path from the request.
     */
    private void getLogs(ServerRequest req, ServerResponse res) {
        Task t = task(req);
        String stream = Http.query(req, "stream").orElse("stdout");
        String fileName = LOG_FILES.get(stream);
        if (fileName == null) throw ApiException.invalid("query.stream", "must be stdout or stderr, got '" + stream + "'");
        Optional<Long> offset = Http.query(req, "offset").map(v -> longQuery("offset", v, 0, Long.MAX_VALUE));
        Optional<Long> limit = Http.query(req, "limit").map(v -> longQuery("limit", v, 1, MAX_LOG_BYTES));
        if (limit.isPresent() && offset.isEmpty()) throw ApiException.invalid("query.limit", "needs offset");
        List<Attempt> attempts = store.attempts(t.id());
        if (attempts.isEmpty()) throw ApiException.notFound("attempt of task", t.id());
        int n = Http.intQuery(req, "attempt", attempts.get(attempts.size() - 1).attemptNo(), 1, 10_000);
        Attempt a = attempts.stream().filter(x -> x.attemptNo() == n).findFirst()
                .orElseThrow(() -> ApiException.notFound("attempt " + n + " of task", t.id()));
        Path file = a.dir().resolve(fileName);
        if (offset.isEmpty()) {
            String text = Files.exists(file) ? tail(file) : "";
            res.status(Status.OK_200);
            res.header(HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
            res.send(text);
            return;
        }
        // read the state before the bytes: an attempt that had ended then has all its output in the file
        boolean complete = a.state() != TaskState.Running;
        Chunk c = chunk(file, offset.get(), limit.orElse(MAX_LOG_BYTES));
        res.status(Status.OK_200);
        res.header(HeaderNames.CONTENT_TYPE, "application/octet-stream");
        res.header(LOG_SIZE, Long.toString(c.size));
        res.header(NEXT_OFFSET, Long.toString(offset.get() + c.bytes.length));
        res.header(ATTEMPT, Integer.toString(a.attemptNo()));
        res.header(LOG_COMPLETE, Boolean.toString(complete));
        res.send(c.bytes);
    }

    private record Chunk(long size, byte[] bytes) {}

    /** Up to {@code limit} bytes of {@code file} from {@code offset}; a missing file is an empty log. */
    private static Chunk chunk(Path file, long offset, long limit) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (offset > size) throw beyond(offset, size);
            ByteBuffer buf = ByteBuffer.allocate((int) Math.min(limit, size - offset));
            while (buf.hasRemaining()) {
                int r = ch.read(buf, offset + buf.position());
                if (r <= 0) break;
            }
            byte[] b = new byte[buf.position()];
            buf.flip().get(b);
            return new Chunk(size, b);
        } catch (NoSuchFileException e) {
            if (offset > 0) throw beyond(offset, 0);
            return new Chunk(0, new byte[0]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ProvisioningException beyond(long offset, long size) {
        return ApiException.invalid("query.offset", "is " + offset + ", beyond the log's size of " + size + " bytes");
    }

    private static long longQuery(String name, String v, long min, long max) {
        try {
            long l = Long.parseLong(v);
            if (l < min || l > max) throw ApiException.invalid("query." + name, "must be between " + min + " and " + max + ", got " + l);
            return l;
        } catch (NumberFormatException e) {
            throw ApiException.invalid("query." + name, "must be an integer, got '" + v + "'");
        }
    }

    private static String tail(Path file) {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long start = Math.max(0, f.length() - MAX_LOG_BYTES);
            byte[] b = new byte[(int) (f.length() - start)];
            f.seek(start);
            f.readFully(b);
            return new String(b, java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Body {@code {"percent": 0-100, "message": "...", "attempt": N}}; attempt defaults to the current one. */
    private void postProgress(ServerRequest req, ServerResponse res) {
        Task t = task(req);
        JsonNode body = http.jsonObject(req);
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!PROGRESS_FIELDS.contains(f))
                throw new ProvisioningException(ErrorCode.UNKNOWN_FIELD, "unknown field '" + f + "'; allowed: percent, message, attempt", f);
        }
        JsonNode pct = body.has("percent") ? body.get("percent") : body.get("progress");
        if (pct == null || !pct.canConvertToInt() || pct.asInt() < 0 || pct.asInt() > 100)
            throw ApiException.invalid("percent", "must be an integer from 0 to 100");
        JsonNode msg = body.get("message");
        if (msg != null && !msg.isNull() && !msg.isTextual()) throw ApiException.invalid("message", "must be a string");
        JsonNode att = body.get("attempt");
        if (att != null && !att.canConvertToInt()) throw ApiException.invalid("attempt", "must be an integer");
        int attempt = att == null ? t.attempt() : att.asInt();
        if (t.state() != TaskState.Running)
            throw new ProvisioningException(ErrorCode.CONFLICT, "task " + t.id() + " is " + t.state() + ", not Running", t.id());
        String message = msg == null || msg.isNull() ? "" : msg.asText();
        if (message.length() > 1000) message = message.substring(0, 1000);
        if (!store.recordProgress(t.id(), attempt, pct.asInt(), message))
            throw new ProvisioningException(ErrorCode.CONFLICT, "attempt " + attempt + " of task " + t.id() + " is not the running one", t.id());
        Http.json(res, Status.OK_200, Json.MAPPER.createObjectNode().put("task_id", t.id()).put("progress", pct.asInt()));
    }

    static TaskState parseState(String s) {
        for (TaskState st : TaskState.values()) if (st.name().equalsIgnoreCase(s)) return st;
        throw ApiException.invalid("query.status", "unknown task state '" + s + "'; one of " + List.of(TaskState.values()));
    }
}
