package dev.provisioning.cli.commands;

import dev.provisioning.cli.client.Api;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Collection;
import java.util.Map;

/**
 * The lines a human watches while a workflow runs: one per task state change and per progress report, in
 * aligned columns, and a closing summary:
 * <pre>
 *   server-cp-1          Running    attempt 1
 *   server-cp-1           40%  local: creating server cluster-local/cp-1
 *   server-cp-1          Completed  (0.4s)
 *   kubernetes-cp-1      Failed     (0.1s): exited with code 1: ...
 * workflow 64c04acc-... Completed: 7 tasks (7 Completed) in 1.2s
 * </pre>
 * Formatting only: what to print and when is the {@link WorkflowWatcher}'s business.
 *
 * <p>On a terminal ({@link #forOutput}), the state lines scroll above a live view ({@link ProgressDisplay}): a
 * progress bar per running task, the counts and the elapsed time, redrawn in place; progress reports then update
 * the bars instead of printing lines. Elsewhere (a pipe, a file, {@code TERM=dumb}) it prints plain lines only.
 */
final class WatchPrinter implements AutoCloseable {
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");
    static final int MIN_KEY_WIDTH = 12;

    private final PrintWriter out;
    private final ProgressBoard board = new ProgressBoard();
    /** The live view; null when printing plain lines. */
    private ProgressDisplay live;
    private int keyWidth = MIN_KEY_WIDTH;

    /** Plain lines only. */
    WatchPrinter(PrintWriter out) {
        this.out = out;
    }

    /** A printer with a live view when {@code out} ends up on a terminal, plain lines otherwise. */
    static WatchPrinter forOutput(PrintWriter out) {
        WatchPrinter p = new WatchPrinter(out);
        p.live = ProgressDisplay.open(out, p.board);
        return p;
    }

    /** A printer drawing the live view on {@code display} (tests: a virtual terminal). */
    static WatchPrinter withDisplay(PrintWriter out, java.util.function.Function<ProgressBoard, ProgressDisplay> display) {
        WatchPrinter p = new WatchPrinter(out);
        p.live = display.apply(p.board);
        return p;
    }

    boolean isLive() { return live != null; }

    /** The workflow being followed; the elapsed time counts from {@code since}. */
    void start(String workflowId, String state, Instant since) {
        board.workflow(workflowId, state);
        board.since(since);
        redraw();
    }

    /** The workflow's state changed. */
    void workflowState(String state) {
        board.workflow(null, state);
        redraw();
    }

    /** Every task's current state and progress, from {@code GET /workflows/{id}}. */
    void tasks(Api.Workflow w) {
        if (w.tasks() == null) return;
        for (Api.Task t : w.tasks()) {
            String key = t.key() == null ? t.id() : t.key();
            board.state(t.id(), key, t.state());
            if (t.progress() != null && ProgressBoard.running(t.state()))
                board.progress(t.id(), key, t.progress(), t.progressMessage());
        }
        redraw();
    }

    /** A task's state, including the quiet ones that print no line. */
    void track(String taskId, String key, String state) {
        board.state(taskId, key, state);
        redraw();
    }

    private void redraw() {
        if (live != null) live.redraw();
    }

    /** Widens the task column to fit these keys (it never narrows, so columns stay put). */
    void fit(Collection<String> keys) {
        for (String k : keys) if (k != null) keyWidth = Math.max(keyWidth, k.length() + 2);
    }

    int keyWidth() { return keyWidth; }

    void state(String key, String state, Integer attempt, Integer maxAttempts, Duration took, String error, String nextAttemptAt) {
        print(stateLine(keyWidth, key, state, attempt, maxAttempts, took, error, nextAttemptAt));
    }

    /** A progress report of the task whose id is its key. */
    void progress(String key, int percent, String message) {
        progress(key, key, percent, message);
    }

    /** A progress report: the task's bar moves in the live view; a line otherwise. */
    void progress(String taskId, String key, int percent, String message) {
        board.progress(taskId, key, percent, message);
        if (live != null) live.redraw();
        else print(progressLine(keyWidth, key, percent, message));
    }

    void summary(Api.Workflow w, Duration fallback) {
        close();
        print(summaryLine(w, fallback));
    }

    /** The summary line with {@code took} as its time (how long it was followed), whatever the workflow's times. */
    void summaryOver(Api.Workflow w, Duration took) {
        close();
        print(summaryLine(w, took, true));
    }

    private void print(String line) {
        if (live != null) {
            live.println(line);
        } else {
            out.println(line);
            out.flush();
        }
    }

    /** Erases the live view, if any; later lines are plain. */
    @Override
    public void close() {
        if (live != null) {
            live.close();
            live = null;
        }
    }

    // ---- pure formatting ---------------------------------------------------------------------------------------

    /** {@code "  KEY  State      detail"}: the detail depends on the state. */
    static String stateLine(int keyWidth, String key, String state, Integer attempt, Integer maxAttempts, Duration took,
                            String error, String nextAttemptAt) {
        String s = state == null ? "?" : state;
        String detail = switch (s) {
            case "Running" -> attempt(attempt, maxAttempts);
            case "Completed", "RolledBack" -> took == null ? "" : "(" + duration(took) + ")";
            case "RetryWait" -> join(attempt(attempt, maxAttempts) + " failed", error)
                    + (nextAttemptAt == null ? "" : "; next try at " + clock(nextAttemptAt));
            default -> join(took == null ? "" : "(" + duration(took) + ")", error);
        };
        return (pad("  " + key, keyWidth + 2) + String.format("%-10s ", s) + detail).stripTrailing();
    }

    /** {@code "  KEY  40%  message"}. */
    static String progressLine(int keyWidth, String key, int percent, String message) {
        return (pad("  " + key, keyWidth + 2) + String.format("%4s  ", percent + "%") + oneLine(message)).stripTrailing();
    }

    /** {@code "workflow ID Completed: 7 tasks (7 Completed) in 1.2s"}. */
    static String summaryLine(Api.Workflow w, Duration fallback) {
        return summaryLine(w, fallback, false);
    }

    /** {@code measured}: the time is {@code fallback}, not the time from the workflow's creation to its end. */
    static String summaryLine(Api.Workflow w, Duration fallback, boolean measured) {
        Map<String, Integer> counts = w.taskCounts();
        int total = counts.values().stream().mapToInt(i -> i == null ? 0 : i).sum();
        if (total == 0 && w.tasks() != null) total = w.tasks().size();
        StringBuilder sb = new StringBuilder("workflow ").append(w.id()).append(' ').append(w.state()).append(": ")
                .append(total).append(total == 1 ? " task" : " tasks");
        if (!counts.isEmpty()) {
            StringBuilder c = new StringBuilder();
            // Completed first, then the others in the daemon's order
            Integer done = counts.get("Completed");
            if (done != null && done > 0) c.append(done).append(" Completed");
            counts.forEach((k, v) -> {
                if (!k.equals("Completed") && v != null && v > 0) c.append(c.isEmpty() ? "" : ", ").append(v).append(' ').append(k);
            });
            if (!c.isEmpty()) sb.append(" (").append(c).append(')');
        }
        Duration took = measured ? null : between(w.createdAt(), w.finishedAt());
        if (took == null) took = fallback;
        if (took != null) sb.append(" in ").append(duration(took));
        return sb.toString();
    }

    /** {@code 0.4s}, {@code 12.3s}, {@code 2m05s}, {@code 1h02m}. */
    static String duration(Duration d) {
        long ms = Math.max(0, d.toMillis());
        if (ms < 60_000) return String.format(java.util.Locale.ROOT, "%.1fs", ms / 1000.0);
        long s = ms / 1000;
        if (s < 3600) return String.format("%dm%02ds", s / 60, s % 60);
        return String.format("%dh%02dm", s / 3600, (s % 3600) / 60);
    }

    /** The time between two ISO-8601 instants, or null when either is missing or unreadable. */
    static Duration between(String from, String to) {
        Instant a = instant(from);
        Instant b = instant(to);
        return a == null || b == null ? null : Duration.between(a, b);
    }

    static Instant instant(String iso) {
        if (iso == null || iso.isBlank()) return null;
        try {
            return Instant.parse(iso);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static String attempt(Integer attempt, Integer max) {
        if (attempt == null) return "";
        return "attempt " + attempt + (max != null && max > 1 ? "/" + max : "");
    }

    /** A retry time as local wall-clock time (HH:mm:ss); the raw text if it is not an instant. */
    private static String clock(String iso) {
        Instant i = instant(iso);
        return i == null ? iso : LocalTime.ofInstant(i, ZoneId.systemDefault()).format(CLOCK);
    }

    private static String join(String a, String error) {
        if (error == null || error.isBlank()) return a;
        return a.isEmpty() ? oneLine(error) : a + ": " + oneLine(error);
    }

    private static String pad(String s, int width) {
        return s.length() >= width ? s + " " : s + " ".repeat(width - s.length());
    }

    private static String oneLine(String s) {
        if (s == null) return "";
        return s.strip().replaceAll("\\s*\\n\\s*", " ");
    }
}
