package dev.provisioning.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import dev.provisioning.cli.CliException;
import dev.provisioning.cli.ExitCode;
import dev.provisioning.cli.client.Api;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The live progress lines of {@code --wait}, from successive polls of a workflow. */
class WorkflowWatcherTest {
    final StringWriter sw = new StringWriter();
    final WorkflowWatcher watcher = new WorkflowWatcher(
            new dev.provisioning.cli.client.OrchestratorClient("http://127.0.0.1:1", null, Duration.ofSeconds(1)),
            new PrintWriter(sw, true));

    static Api.Task task(String state, Integer attempt, Integer progress, String msg, String error, String stderr) {
        return new Api.Task("t1", "w1", "create", state, "normal", attempt, 3, progress, msg, null, null, error, stderr,
                List.of(), null, null, null, null, state.equals("RetryWait") ? "2025-01-02T03:04:05Z" : null);
    }

    static Api.Workflow wf(String state, Api.Task... tasks) {
        return new Api.Workflow("w1", "server create web-1", "server.create", state, "normal", "fail", null, null, null,
                Map.of(), List.of(tasks));
    }

    List<String> lines() {
        return sw.toString().lines().map(l -> l.substring(10)).toList(); // drop "HH:mm:ss  "
    }

    @Test
    void printsEachStateAndProgressChangeOnce() {
        watcher.report(wf("Pending", task("Pending", 0, 0, null, null, null)));
        watcher.report(wf("Running", task("Running", 1, 0, null, null, null)));
        watcher.report(wf("Running", task("Running", 1, 0, null, null, null)));
        watcher.report(wf("Running", task("Running", 1, 40, "creating server", null, null)));
        watcher.report(wf("Running", task("RetryWait", 1, 40, "creating server", "exit 1", null)));
        watcher.report(wf("Running", task("Running", 2, 90, "almost", null, null)));
        watcher.report(wf("Completed", task("Completed", 2, 100, "done", null, null)));
        assertThat(lines()).containsExactly(
                "create  Pending",
                "workflow Pending",
                "create  Running (attempt 1/3)",
                "workflow Running",
                "create  40% creating server",
                "create  RetryWait (attempt 1/3 failed: exit 1; next try at 2025-01-02 03:04:05)",
                "create  Running (attempt 2/3)",
                "create  90% almost",
                "create  100% done",
                "create  Completed",
                "workflow Completed");
    }

    @Test
    void failureNamesTheTaskWithItsErrorAndStderr() {
        CliException e = WorkflowWatcher.failure(wf("Failed", task("Failed", 3, 10, "x", "cannot create web-1", "line 1\nline 2\n")));
        assertThat(e.exitCode()).isEqualTo(ExitCode.FAILED);
        assertThat(e.code()).isEqualTo("E_WORKFLOW_FAILED");
        assertThat(e.getMessage()).isEqualTo("workflow server create web-1 ended Failed");
        assertThat(e.where()).isEqualTo("w1");
        assertThat(e.detail()).isEqualTo("task create (Failed, attempt 3): cannot create web-1\nstderr:\n  line 1\n  line 2\n");
    }

    @Test
    void terminalStatesEndTheWait() {
        assertThat(WorkflowWatcher.terminal("Completed")).isTrue();
        assertThat(WorkflowWatcher.terminal("RolledBack")).isTrue();
        assertThat(WorkflowWatcher.terminal("Running")).isFalse();
        assertThat(WorkflowWatcher.terminal("SomethingNew")).isFalse();
    }
}
