package dev.provisioning.cli.commands;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the live view of a workflow shows: each task's state and last progress report, the workflow's state, and
 * when following started. Fed by the {@link WorkflowWatcher} (through {@link WatchPrinter}); read by the
 * {@link ProgressRenderer}. Synchronized: the {@link ProgressDisplay}'s ticker reads it while events update it.
 */
final class ProgressBoard {
    /** One task: its display key, state, and progress (null before its first report of this run). */
    record Row(String key, String state, Integer percent, String message) {}

    /** The four counts the view shows, plus the tasks that ended neither done nor failed. */
    record Counts(int done, int running, int pending, int failed, int cancelled, int skipped) {
        int total() { return done + running + pending + failed + cancelled + skipped; }
    }

    private final Map<String, Row> rows = new LinkedHashMap<>();
    private String workflowId;
    private String workflowState;
    private Instant since = Instant.now();

    synchronized void workflow(String id, String state) {
        if (id != null) workflowId = id;
        if (state != null) workflowState = state;
    }

    /** The elapsed time counts from {@code start}. */
    synchronized void since(Instant start) {
        if (start != null) since = start;
    }

    synchronized Instant since() { return since; }

    synchronized String workflowId() { return workflowId; }

    synchronized String workflowState() { return workflowState; }

    /** A task's state; a task that (re)starts running loses its old progress. */
    synchronized void state(String taskId, String key, String state) {
        Row r = rows.get(taskId);
        boolean restarted = r != null && !running(r.state()) && running(state);
        rows.put(taskId, new Row(key != null ? key : r != null ? r.key() : taskId, state,
                r == null || restarted ? null : r.percent(), r == null || restarted ? null : r.message()));
    }

    synchronized void progress(String taskId, String key, int percent, String message) {
        Row r = rows.get(taskId);
        rows.put(taskId, new Row(key != null ? key : r != null ? r.key() : taskId, r == null ? "Running" : r.state(),
                percent, message));
    }

    /** The running tasks, in the order they were first seen. */
    synchronized List<Row> running() {
        List<Row> l = new ArrayList<>();
        for (Row r : rows.values()) if (running(r.state())) l.add(r);
        return l;
    }

    synchronized Counts counts() {
        int done = 0, running = 0, pending = 0, failed = 0, cancelled = 0, skipped = 0;
        for (Row r : rows.values()) {
            switch (r.state() == null ? "Pending" : r.state()) {
                case "Completed", "RolledBack" -> done++;
                case "Running", "RollingBack" -> running++;
                case "Failed", "RollbackFailed" -> failed++;
                case "Cancelled" -> cancelled++;
                case "Skipped" -> skipped++;
                default -> pending++; // Pending, Ready, RetryWait
            }
        }
        return new Counts(done, running, pending, failed, cancelled, skipped);
    }

    synchronized Duration elapsed(Instant now) {
        return Duration.between(since, now);
    }

    static boolean running(String state) {
        return "Running".equals(state) || "RollingBack".equals(state);
    }
}
