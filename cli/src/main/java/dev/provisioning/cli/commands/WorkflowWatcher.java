package dev.provisioning.cli.commands;

import dev.provisioning.cli.CliException;
import dev.provisioning.cli.ExitCode;
import dev.provisioning.cli.client.Api;
import dev.provisioning.cli.client.OrchestratorClient;
import dev.provisioning.cli.client.UnreachableException;
import dev.provisioning.core.model.TaskState;
import dev.provisioning.core.model.WorkflowState;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Follows a workflow to its end by polling {@code GET /workflows/{id}}, printing one line per task state change
 * and per progress change. The daemon keeps running the workflow whatever happens here.
 */
final class WorkflowWatcher {
    static final Duration POLL = Duration.ofMillis(200);
    /** How long the daemon may be unreachable before following gives up. */
    static final Duration LOST_CONTACT = Duration.ofSeconds(15);
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

    private record Seen(String state, Integer attempt, Integer progress, String message) {}

    private final OrchestratorClient client;
    private final PrintWriter out;
    private final Map<String, Seen> seen = new HashMap<>();
    private String workflowState;

    WorkflowWatcher(OrchestratorClient client, PrintWriter out) {
        this.client = client;
        this.out = out;
    }

    /** Polls until the workflow is in a terminal state; returns it. */
    Api.Workflow follow(String id) {
        long lostSince = 0;
        while (true) {
            Api.Workflow w;
            try {
                w = client.workflow(id);
                lostSince = 0;
            } catch (UnreachableException e) {
                if (lostSince == 0) lostSince = System.nanoTime();
                if (System.nanoTime() - lostSince > LOST_CONTACT.toNanos())
                    throw new CliException(ExitCode.UNREACHABLE, "E_UNREACHABLE",
                            "lost contact with the orchestrator at " + client.baseUrl() + " while following workflow " + id
                                    + "; it keeps running there: check it with 'provisioning workflow status " + id + "'", id);
                sleep();
                continue;
            }
            report(w);
            if (terminal(w.state())) return w;
            sleep();
        }
    }

    /** Prints what changed since the last poll. */
    void report(Api.Workflow w) {
        List<Api.Task> tasks = w.tasks() == null ? List.of() : w.tasks();
        for (Api.Task t : tasks) {
            String key = t.key() == null ? t.id() : t.key();
            Seen before = seen.get(t.id());
            Seen now = new Seen(t.state(), t.attempt(), t.progress(), t.progressMessage());
            boolean stateChanged = before == null || !Objects.equals(before.state(), now.state())
                    || !Objects.equals(before.attempt(), now.attempt());
            boolean progressed = now.progress() != null
                    && (before == null ? now.progress() > 0 || !isBlank(now.message())
                            : !Objects.equals(before.progress(), now.progress()) || !Objects.equals(before.message(), now.message()));
            // within one poll: a task starts, then progresses; or progresses, then ends
            boolean ended = stateChanged && terminalTask(now.state());
            if (progressed && ended) line(key + "  " + progress(t));
            if (stateChanged) line(key + "  " + t.state() + stateDetail(t));
            if (progressed && !ended) line(key + "  " + progress(t));
            seen.put(t.id(), now);
        }
        if (!Objects.equals(workflowState, w.state())) {
            workflowState = w.state();
            line("workflow " + w.state());
        }
        out.flush();
    }

    static String progress(Api.Task t) {
        if (t.progress() == null) return "-";
        String m = t.progressMessage();
        return t.progress() + "%" + (m == null || m.isBlank() ? "" : " " + m);
    }

    private static String stateDetail(Api.Task t) {
        String attempt = t.attempt() == null ? "" : "attempt " + t.attempt() + (t.maxAttempts() == null ? "" : "/" + t.maxAttempts());
        return switch (t.state() == null ? "" : t.state()) {
            case "Running" -> attempt.isEmpty() ? "" : " (" + attempt + ")";
            case "RetryWait" -> " (" + attempt + " failed" + (t.error() == null ? "" : ": " + t.error())
                    + (t.nextAttemptAt() == null ? "" : "; next try at " + Output.time(t.nextAttemptAt())) + ")";
            case "Failed", "RollbackFailed" -> t.error() == null ? "" : ": " + t.error();
            default -> "";
        };
    }

    private void line(String s) {
        out.println(LocalTime.now().format(CLOCK) + "  " + s);
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

    /** The error for a workflow that ended other than Completed, naming each task that did not complete. */
    static CliException failure(Api.Workflow w) {
        StringBuilder detail = new StringBuilder();
        for (Api.Task t : w.tasks() == null ? List.<Api.Task>of() : w.tasks()) {
            if (t.error() == null && t.stderrTail() == null) continue;
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
