package dev.provisioning.cli.commands;

import static dev.provisioning.cli.commands.FakeDaemon.event;
import static dev.provisioning.cli.commands.FakeDaemon.task;
import static dev.provisioning.cli.commands.FakeDaemon.workflow;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.provisioning.cli.CliException;
import dev.provisioning.cli.ExitCode;
import dev.provisioning.cli.client.Api;
import dev.provisioning.cli.client.OrchestratorClient;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Following a workflow live: the SSE stream, reconnecting after a drop, polling without a stream, the lines shown. */
class WorkflowWatcherTest {
    static final String T1_PENDING = task("t1", "server-cp-1", "Ready", 0, 0, null, null);
    static final String T2_PENDING = task("t2", "kubernetes-cp-1", "Pending", 0, 0, null, null);
    static final String DONE = workflow("Completed", task("t1", "server-cp-1", "Completed", 1, 100, null, null),
            task("t2", "kubernetes-cp-1", "Completed", 1, 100, null, null));
    static final String FAILED = workflow("Failed", task("t1", "server-cp-1", "Completed", 1, 100, null, null),
            task("t2", "kubernetes-cp-1", "Failed", 1, 10, "exited with code 1: boom", "Error: boom\n  at line 3\n"));

    FakeDaemon daemon;
    final StringWriter sw = new StringWriter();

    @BeforeEach
    void start() throws Exception {
        daemon = new FakeDaemon();
    }

    @AfterEach
    void stop() {
        daemon.close();
    }

    WorkflowWatcher watcher(Duration timeout) {
        return new WorkflowWatcher(new OrchestratorClient(daemon.base, null, timeout), new PrintWriter(sw, true));
    }

    List<String> lines() {
        return sw.toString().lines().toList();
    }

    static final List<String> COMPLETED_LINES = List.of(
            "  server-cp-1      Running    attempt 1",
            "  server-cp-1       40%  creating server",
            "  server-cp-1      Completed  (0.4s)",
            "  kubernetes-cp-1  Running    attempt 1",
            "  kubernetes-cp-1  Completed  (1.2s)",
            "workflow w1 Completed: 2 tasks (2 Completed) in 1.5s");

    @Test
    void followsTheEventStreamShowingTaskKeys() {
        daemon.workflows.add(workflow("Pending", T1_PENDING, T2_PENDING));
        daemon.workflows.add(DONE);
        daemon.connections.add(FakeDaemon.run(false));
        Api.Workflow w = watcher(Duration.ofSeconds(5)).follow("w1");
        assertThat(w.state()).isEqualTo("Completed");
        assertThat(lines()).containsExactlyElementsOf(COMPLETED_LINES);
        assertThat(daemon.lastEventIds).containsExactly("null");
        assertThat(daemon.requests).containsExactly("GET /workflows/w1", "GET /workflows/w1/events", "GET /workflows/w1");
    }

    @Test
    void reconnectsAfterADropWithLastEventIdAndShowsNothingTwice() {
        daemon.workflows.add(workflow("Pending", T1_PENDING, T2_PENDING));
        daemon.workflows.add(workflow("Running", T1_PENDING, T2_PENDING)); // asked when a stream ends with nothing new
        daemon.workflows.add(DONE);
        List<String> all = FakeDaemon.run(false);
        daemon.connections.add(all.subList(0, 6));              // drops after event 6
        daemon.connections.add(List.of());                      // a connection that ends at once
        daemon.connections.add(all.subList(5, all.size()));     // replays 6 again (at-least-once), then the rest
        watcher(Duration.ofSeconds(5)).follow("w1");
        assertThat(lines()).containsExactlyElementsOf(COMPLETED_LINES);
        assertThat(daemon.lastEventIds).containsExactly("null", "6", "6");
    }

    @Test
    void afterLosingContactItAsksWhereTheDaemonIsNow() {
        daemon.workflows.add(workflow("Pending", T1_PENDING, T2_PENDING));
        daemon.workflows.add(DONE);
        daemon.connections.add(FakeDaemon.run(false));
        OrchestratorClient gone = new OrchestratorClient("http://127.0.0.1:1", null, Duration.ofSeconds(1));
        OrchestratorClient moved = new OrchestratorClient(daemon.base, null, Duration.ofSeconds(5));
        Api.Workflow w = new WorkflowWatcher(gone, () -> moved, new PrintWriter(sw, true)).follow("w1");
        assertThat(w.state()).isEqualTo("Completed");
        assertThat(lines()).containsExactlyElementsOf(COMPLETED_LINES);
    }

    @Test
    void aStreamOutlivingTheRequestTimeoutIsFine() {
        daemon.workflows.add(workflow("Pending", T1_PENDING, T2_PENDING));
        daemon.workflows.add(DONE);
        daemon.connections.add(FakeDaemon.run(false));
        daemon.eventDelayMs = 150; // 12 events: ~1.8 s, longer than the 1 s request timeout
        watcher(Duration.ofSeconds(1)).follow("w1");
        assertThat(lines()).containsExactlyElementsOf(COMPLETED_LINES);
        assertThat(daemon.lastEventIds).containsExactly("null");
    }

    @Test
    void anUnknownTaskIdFetchesTheWorkflowAgain() {
        daemon.workflows.add(workflow("Pending", T1_PENDING)); // t2 not in the first answer
        daemon.workflows.add(workflow("Running", T1_PENDING, T2_PENDING));
        daemon.workflows.add(DONE);
        daemon.connections.add(FakeDaemon.run(false));
        watcher(Duration.ofSeconds(5)).follow("w1");
        assertThat(lines()).contains("  kubernetes-cp-1  Running    attempt 1");
    }

    @Test
    void aFailedTaskShowsItsError() {
        daemon.workflows.add(workflow("Pending", T1_PENDING, T2_PENDING));
        daemon.workflows.add(FAILED);
        daemon.connections.add(FakeDaemon.run(true));
        Api.Workflow w = watcher(Duration.ofSeconds(5)).follow("w1");
        assertThat(w.state()).isEqualTo("Failed");
        assertThat(lines()).contains("  kubernetes-cp-1  Failed     (0.1s): exited with code 1: boom")
                .last().isEqualTo("workflow w1 Failed: 2 tasks (1 Completed, 1 Failed) in 1.5s");
    }

    @Test
    void aTerminalEventOfAWorkflowResumedSinceDoesNotEndTheWait() {
        daemon.workflows.add(workflow("Pending", T1_PENDING, T2_PENDING));
        daemon.workflows.add(workflow("Running", T1_PENDING, T2_PENDING)); // asked after the Failed event: resumed
        daemon.workflows.add(DONE);
        List<String> events = new ArrayList<>(FakeDaemon.run(true));
        events.add(event(13, null, "workflow.state", "Failed", "Running", null, 600));
        events.add(event(14, "t2", "task.state", "Failed", "Ready", null, 600));
        events.add(event(15, "t2", "task.state", "Ready", "Running", "{\"attempt\":2}", 700));
        events.add(event(16, "t2", "task.state", "Running", "Completed", "{\"attempt\":2}", 900));
        events.add(event(17, null, "workflow.state", "Running", "Completed", null, 900));
        daemon.connections.add(events);
        Api.Workflow w = watcher(Duration.ofSeconds(5)).follow("w1");
        assertThat(w.state()).isEqualTo("Completed");
        assertThat(lines()).contains("  kubernetes-cp-1  Completed  (0.2s)");
    }

    @Test
    void withoutAnEventStreamItPolls() {
        daemon.sse = false;
        daemon.workflows.add(workflow("Pending", T1_PENDING, T2_PENDING));
        daemon.workflows.add(workflow("Running", task("t1", "server-cp-1", "Running", 1, 40, null, null), T2_PENDING));
        daemon.workflows.add(FAILED);
        Api.Workflow w = watcher(Duration.ofSeconds(5)).follow("w1");
        assertThat(w.state()).isEqualTo("Failed");
        assertThat(lines()).containsExactly(
                "  server-cp-1      Running    attempt 1",
                "  server-cp-1       40%  working",
                "  server-cp-1      100%  working",
                "  server-cp-1      Completed",
                "  kubernetes-cp-1   10%  working",
                "  kubernetes-cp-1  Failed     exited with code 1: boom",
                "workflow w1 Failed: 2 tasks (1 Completed, 1 Failed) in 1.5s");
    }

    @Test
    void anUnknownWorkflowIsNotFound() {
        assertThatThrownBy(() -> watcher(Duration.ofSeconds(5)).follow("w1"))
                .isInstanceOfSatisfying(CliException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.NOT_FOUND));
    }

    static Api.Task t(String state, Integer attempt, String error, String stderr) {
        return new Api.Task("t1", "w1", "create", state, "normal", attempt, 3, 10, "x", null, 1, error, stderr,
                List.of(), null, null, null, null, null, null);
    }

    @Test
    void failureNamesEachUnfinishedTaskWithItsErrorAndStderr() {
        Api.Workflow w = new Api.Workflow("w1", "server create web-1", "server.create", "Failed", "normal", "fail", null, null,
                null, Map.of(), List.of(t("Failed", 3, "cannot create web-1", "line 1\nline 2\n"),
                        new Api.Task("t2", "w1", "ok", "Completed", "normal", 1, 1, 100, null, null, 0, null, "a warning",
                                List.of(), null, null, null, null, null, null)));
        CliException e = WorkflowWatcher.failure(w);
        assertThat(e.exitCode()).isEqualTo(ExitCode.FAILED);
        assertThat(e.code()).isEqualTo("E_WORKFLOW_FAILED");
        assertThat(e.getMessage()).isEqualTo("workflow server create web-1 ended Failed");
        assertThat(e.where()).isEqualTo("w1");
        assertThat(e.detail()).isEqualTo("task create (Failed, attempt 3, exit 1): cannot create web-1\nstderr:\n  line 1\n  line 2\n");
    }

    @Test
    void terminalStatesEndTheWait() {
        assertThat(WorkflowWatcher.terminal("Completed")).isTrue();
        assertThat(WorkflowWatcher.terminal("RolledBack")).isTrue();
        assertThat(WorkflowWatcher.terminal("Running")).isFalse();
        assertThat(WorkflowWatcher.terminal("SomethingNew")).isFalse();
    }
}
