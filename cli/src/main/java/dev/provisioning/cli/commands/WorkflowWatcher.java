package dev.provisioning.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.provisioning.cli.CliException;
import dev.provisioning.cli.ExitCode;
import dev.provisioning.cli.client.Api;
import dev.provisioning.cli.client.EventStream;
import dev.provisioning.cli.client.OrchestratorClient;
import dev.provisioning.cli.client.UnreachableException;
import dev.provisioning.core.model.TaskState;
import dev.provisioning.core.model.WorkflowState;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Follows a workflow to its end and prints what happens, through a {@link WatchPrinter}: task state changes,
 * progress reports and a summary line.
 *
 * <p>It reads the daemon's SSE stream {@code GET /workflows/{id}/events}, from the first event (so a fresh
 * workflow is shown whole). The daemon ends the stream once the workflow is terminal. When the connection drops
 * before that, it reconnects with {@code Last-Event-ID} and carries on where it was; when the daemon cannot be
 * reached for {@link #LOST_CONTACT} it gives up (the workflow keeps running in the daemon). When the daemon
 * answers but offers no event stream, it polls {@code GET /workflows/{id}} instead.
 *
 * <p>Events name tasks by id; the id → key map comes from {@code GET /workflows/{id}}, fetched at the start and
 * again when an unknown task id shows up.
 */
final class WorkflowWatcher {
    static final Duration POLL = Duration.ofMillis(200);
    /** How long the daemon may be unreachable before following gives up. */
    static final Duration LOST_CONTACT = Duration.ofSeconds(15);
    /** States that every task passes through quickly and that would only be noise. */
    private static final Set<String> QUIET = Set.of("Pending", "Ready");

    /** {@code perRun}: the task's max_attempts; {@code maxAttempts}: the last attempt number of this run. */
    private record TaskInfo(String key, Integer perRun, Integer maxAttempts) {}

    private record Seen(String state, Integer attempt, Integer progress, String message) {}

    private record Progress(int percent, String message) {}

    /** Where the daemon is found again after losing contact (it may come back on another port). */
    private final Supplier<OrchestratorClient> reconnect;
    private OrchestratorClient client;
    private final WatchPrinter printer;
    private final Map<String, TaskInfo> tasks = new HashMap<>();
    private final Set<String> unknown = new HashSet<>();
    private final Map<String, Instant> runningSince = new HashMap<>();
    private final Map<String, Progress> lastProgress = new HashMap<>();
    private final Map<String, Seen> seen = new HashMap<>();
    private String workflowId;

    WorkflowWatcher(OrchestratorClient client, PrintWriter out) {
        this(client, () -> client, out);
    }

    /**
     * @param reconnect gives the client to use after the daemon stopped answering: a daemon restarted on
     *                  {@code --port 0} is found again through its new {@code daemon.json}
     */
    WorkflowWatcher(OrchestratorClient client, Supplier<OrchestratorClient> reconnect, PrintWriter out) {
        this(client, reconnect, WatchPrinter.forOutput(out));
    }

    /** Prints through {@code printer}: a live view on a terminal ({@link WatchPrinter#forOutput}), plain lines else. */
    WorkflowWatcher(OrchestratorClient client, Supplier<OrchestratorClient> reconnect, WatchPrinter printer) {
        this.client = client;
        this.reconnect = reconnect;
        this.printer = printer;
    }

    /** Follows the workflow until it is terminal, prints the summary line, and returns its final state. */
    Api.Workflow follow(String id) {
        return follow(id, null);
    }

    /**
     * Like {@link #follow(String)}, showing only what happens after the event {@code afterEventId} (null: from the
     * first event). That is how {@code workflow cancel|resume|rollback --wait} show what their action does, not
     * the workflow's history. The summary then gives the time followed, not the time since the workflow was
     * created.
     */
    Api.Workflow follow(String id, Long afterEventId) {
        try (WatchPrinter p = printer) {
            long t0 = System.nanoTime();
            workflowId = id;
            Api.Workflow start = retrying(() -> client.workflow(id), id);
            Instant created = WatchPrinter.instant(start.createdAt());
            p.start(id, start.state(), afterEventId == null && created != null ? created : Instant.now());
            learn(start);
            if (afterEventId != null) resumeFrom(start);
            Api.Workflow end = stream(id, afterEventId);
            if (end == null) end = poll(id);
            Duration followed = Duration.ofNanos(System.nanoTime() - t0);
            if (afterEventId == null) p.summary(end, followed);
            else p.summaryOver(end, followed);
            return end;
        }
    }

    /**
     * Following from the middle: running tasks' durations count from their start, and polling shows only what
     * changes from now on.
     */
    private void resumeFrom(Api.Workflow w) {
        for (Api.Task t : w.tasks() == null ? List.<Api.Task>of() : w.tasks()) {
            // also for a task the action has ended already (e.g. cancelled): its end event comes next
            Instant started = WatchPrinter.instant(t.startedAt());
            if (started != null) runningSince.put(t.id(), started);
            seen.put(t.id(), new Seen(t.state(), t.attempt(), t.progress(), t.progressMessage()));
        }
    }

    // ---- SSE ---------------------------------------------------------------------------------------------------

    /**
     * Follows the event stream to the end, from after {@code after} (null: from the first event); null when the
     * daemon offers none (the caller polls instead).
     */
    private Api.Workflow stream(String id, Long after) {
        Long last = after;
        long lostSince = 0;
        while (true) {
            Optional<EventStream> opened;
            try {
                opened = client.openEvents(id, last);
            } catch (UnreachableException e) {
                lostSince = lostContact(lostSince, id);
                continue;
            }
            if (opened.isEmpty()) return null;
            lostSince = 0;
            boolean any = false;
            try (EventStream events = opened.get()) {
                Api.Event e;
                while ((e = events.next()) != null) {
                    if (last != null && e.id() <= last) continue; // already shown before a reconnect
                    last = e.id();
                    any = true;
                    if (onEvent(e)) {
                        Api.Workflow now = retrying(() -> client.workflow(id), id);
                        if (terminal(now.state())) return now; // else it was resumed since: keep following
                    }
                }
            } catch (UncheckedIOException dropped) {
                // the connection dropped: reconnect below, after the last event seen
            }
            if (!any) {
                // the stream ended (or dropped) without anything new: maybe it ended before we saw the end
                Api.Workflow now = retrying(() -> client.workflow(id), id);
                if (terminal(now.state())) return now;
                sleep();
            }
        }
    }

    /** Prints one event; true when it says the workflow reached a terminal state. */
    boolean onEvent(Api.Event e) {
        String type = e.type() == null ? "" : e.type();
        switch (type) {
            case "task.state" -> taskState(e);
            case "task.progress" -> taskProgress(e);
            case "workflow.state" -> {
                if (e.to() != null) printer.workflowState(e.to());
                return e.to() != null && terminal(e.to());
            }
            default -> { /* workflow.submitted, and types this CLI does not know */ }
        }
        return false;
    }

    private void taskState(Api.Event e) {
        String to = e.to();
        if (to == null || e.taskId() == null) return;
        Instant at = WatchPrinter.instant(e.at());
        JsonNode d = e.data() == null ? com.fasterxml.jackson.databind.node.NullNode.getInstance() : e.data();
        Duration took = null;
        if ("Running".equals(e.from()) || "RollingBack".equals(e.from())) {
            Instant since = runningSince.remove(e.taskId());
            if (since != null && at != null) took = Duration.between(since, at);
        }
        if (("Running".equals(to) || "RollingBack".equals(to)) && at != null) {
            runningSince.put(e.taskId(), at);
            lastProgress.remove(e.taskId());
        }
        if (d.hasNonNull("attemptBase")) {
            // resumed: max_attempts new tries, numbered on from the last one
            TaskInfo r = task(e.taskId());
            if (r.perRun() != null)
                tasks.put(e.taskId(), new TaskInfo(r.key(), r.perRun(), d.get("attemptBase").asInt() + r.perRun()));
        }
        TaskInfo t = task(e.taskId());
        printer.track(e.taskId(), t.key(), to);
        if (QUIET.contains(to)) return;
        Integer attempt = d.hasNonNull("attempt") ? d.get("attempt").asInt() : null;
        printer.state(t.key(), to, attempt, t.maxAttempts(), took, text(d, "error"),
                text(d, "nextAttemptAt") != null ? text(d, "nextAttemptAt") : text(d, "next_attempt_at"));
    }

    private void taskProgress(Api.Event e) {
        JsonNode d = e.data();
        if (e.taskId() == null || d == null || !d.has("percent")) return;
        Progress p = new Progress(d.get("percent").asInt(), text(d, "message"));
        if (p.equals(lastProgress.put(e.taskId(), p))) return;
        printer.progress(e.taskId(), task(e.taskId()).key(), p.percent(), p.message());
    }

    private TaskInfo task(String taskId) {
        TaskInfo t = tasks.get(taskId);
        if (t == null && workflowId != null && unknown.add(taskId)) {
            try {
                learn(client.workflow(workflowId));
            } catch (CliException ignored) {
                // shown by its id below
            }
            t = tasks.get(taskId);
        }
        if (t == null) t = new TaskInfo(taskId.length() > 8 ? taskId.substring(0, 8) : taskId, null, null);
        return t;
    }

    /** Learns the task keys of a workflow, and widens the key column to fit them. */
    void learn(Api.Workflow w) {
        if (w.tasks() == null) return;
        for (Api.Task t : w.tasks())
            tasks.put(t.id(), new TaskInfo(t.key() == null ? t.id() : t.key(), t.maxAttempts(), t.lastAttempt()));
        printer.fit(tasks.values().stream().map(TaskInfo::key).toList());
        printer.tasks(w);
    }

    private static String text(JsonNode d, String field) {
        JsonNode v = d.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    // ---- polling (a daemon without the event stream) --------------------------------------------------------

    /** Polls until the workflow is in a terminal state; returns it. */
    private Api.Workflow poll(String id) {
        long lostSince = 0;
        while (true) {
            Api.Workflow w;
            try {
                w = client.workflow(id);
                lostSince = 0;
            } catch (UnreachableException e) {
                lostSince = lostContact(lostSince, id);
                continue;
            }
            report(w);
            if (terminal(w.state())) return w;
            sleep();
        }
    }

    /** Prints what changed since the last poll. */
    void report(Api.Workflow w) {
        learn(w);
        List<Api.Task> list = w.tasks() == null ? List.of() : w.tasks();
        for (Api.Task t : list) {
            String key = tasks.get(t.id()).key();
            Seen before = seen.get(t.id());
            Seen now = new Seen(t.state(), t.attempt(), t.progress(), t.progressMessage());
            boolean stateChanged = before == null || !Objects.equals(before.state(), now.state())
                    || !Objects.equals(before.attempt(), now.attempt());
            boolean progressed = now.progress() != null && !QUIET.contains(now.state())
                    && (before == null ? now.progress() > 0 || !isBlank(now.message())
                            : !Objects.equals(before.progress(), now.progress()) || !Objects.equals(before.message(), now.message()));
            // within one poll: a task starts, then progresses; or progresses, then ends
            boolean ended = stateChanged && terminalTask(now.state());
            if (progressed && ended) printer.progress(t.id(), key, t.progress(), t.progressMessage());
            if (stateChanged && !QUIET.contains(t.state())) {
                Duration took = ended ? WatchPrinter.between(t.startedAt(), t.finishedAt()) : null;
                printer.state(key, t.state(), t.attempt(), t.lastAttempt(), took, t.error(), t.nextAttemptAt());
            }
            if (progressed && !ended) printer.progress(t.id(), key, t.progress(), t.progressMessage());
            seen.put(t.id(), now);
        }
    }

    // ---- shared ------------------------------------------------------------------------------------------------

    /** Calls {@code call}, retrying while the daemon is unreachable, for up to {@link #LOST_CONTACT}. */
    private <T> T retrying(Supplier<T> call, String id) {
        // call reads this.client each time: lostContact may have switched it
        long lostSince = 0;
        while (true) {
            try {
                return call.get();
            } catch (UnreachableException e) {
                lostSince = lostContact(lostSince, id);
            }
        }
    }

    /** Notes that the daemon did not answer; throws once that has lasted {@link #LOST_CONTACT}, else waits. */
    private long lostContact(long since, String id) {
        long now = System.nanoTime();
        if (since == 0) since = now;
        if (now - since > LOST_CONTACT.toNanos())
            throw new CliException(ExitCode.UNREACHABLE, "E_UNREACHABLE",
                    "lost contact with the orchestrator at " + client.baseUrl() + " while following workflow " + id
                            + "; it keeps running there: check it with 'provisioning workflow status " + id + "'", client.baseUrl());
        sleep();
        try {
            client = reconnect.get();
        } catch (RuntimeException e) {
            // keep the one we have
        }
        return since;
    }

    static String progress(Api.Task t) {
        if (t.progress() == null) return "-";
        String m = t.progressMessage();
        return t.progress() + "%" + (m == null || m.isBlank() ? "" : " " + m);
    }

    private static boolean isBlank(String s) { return s == null || s.isBlank(); }

    private static boolean terminalTask(String state) {
        try {
            return TaskState.valueOf(state).isTerminal();
        } catch (IllegalArgumentException | NullPointerException e) {
            return false;
        }
    }

    static boolean terminal(String state) {
        try {
            return WorkflowState.valueOf(state).isTerminal();
        } catch (IllegalArgumentException | NullPointerException e) {
            return false;
        }
    }

    /**
     * The error for a workflow that ended other than Completed, naming each task that did not complete, with its
     * error and the tail of its stderr.
     */
    static CliException failure(Api.Workflow w) {
        StringBuilder detail = new StringBuilder();
        for (Api.Task t : w.tasks() == null ? List.<Api.Task>of() : w.tasks()) {
            if ("Completed".equals(t.state()) || t.error() == null && t.stderrTail() == null) continue;
            detail.append("task ").append(t.key() == null ? t.id() : t.key()).append(" (").append(t.state());
            if (t.attempt() != null) detail.append(", attempt ").append(t.attempt());
            if (t.exitCode() != null) detail.append(", exit ").append(t.exitCode());
            detail.append(")");
            if (t.error() != null) detail.append(": ").append(t.error());
            detail.append('\n');
            if (t.stderrTail() != null && !t.stderrTail().isBlank()) {
                detail.append("stderr:\n");
                t.stderrTail().strip().lines().forEach(l -> detail.append("  ").append(l).append('\n'));
            }
        }
        String what = w.name() != null ? w.name() : w.kind() != null ? w.kind() : "";
        return new CliException(ExitCode.FAILED, "E_WORKFLOW_FAILED", "workflow " + what + " ended " + w.state(), w.id(),
                detail.toString());
    }

    private static void sleep() {
        try {
            Thread.sleep(POLL);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCode.FAILED, "E_INTERRUPTED", "interrupted", null);
        }
    }
}
