package dev.provisioning.cli.commands;

import static dev.provisioning.cli.commands.FakeDaemon.task;
import static dev.provisioning.cli.commands.FakeDaemon.workflow;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.provisioning.cli.ExitCode;
import dev.provisioning.cli.TestSupport.Run;
import dev.provisioning.core.model.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code workflow submit} and {@code batch submit} through the real command line, against {@link FakeDaemon}. */
class WorkflowSubmitCommandTest extends FakeDaemonCommandTest {
    @Test
    void submitPostsTheFileAsItIsAndPrintsTheId() throws Exception {
        Path f = Files.writeString(tmp.resolve("deploy.toml"), TOML);
        Run r = cli("workflow", "submit", f.toString());
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo("w1\n");
        assertThat(r.err()).contains("submitted " + f + " (2 tasks) as workflow w1", "provisioning workflow status w1");
        assertThat(daemon.submittedContentType).isEqualTo("application/toml");
        assertThat(new String(daemon.submittedBody, StandardCharsets.UTF_8)).isEqualTo(TOML);
        assertThat(daemon.submittedQuery).as("the daemon names the file in its errors").isEqualTo("source=" + f.toString().replace("/", "%2F"));

        Path y = Files.writeString(tmp.resolve("deploy.yml"), "task: []\n");
        r = cli("batch", "submit", y.toString(), "--json");
        assertThat(r.code()).as(r.toString()).isZero();
        JsonNode n = Json.read(r.out());
        assertThat(n.get("workflow_id").asText()).isEqualTo("w1");
        assertThat(n.get("task_ids").size()).isEqualTo(2);
        assertThat(daemon.submittedContentType).isEqualTo("application/yaml");
    }

    @Test
    void priorityGoesInTheQueryWithTheFileAsItIs() throws Exception {
        Path f = Files.writeString(tmp.resolve("deploy.toml"), TOML);
        Run r = cli("workflow", "submit", f.toString(), "--priority", "HIGH");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(daemon.submittedContentType).isEqualTo("application/toml");
        assertThat(daemon.submittedBody).isEqualTo(Files.readAllBytes(f));
        assertThat(daemon.submittedQuery).as("the file's lines stay its own: it is named, and the priority goes aside")
                .isEqualTo("source=" + java.net.URLEncoder.encode(f.toString(), StandardCharsets.UTF_8).replace("+", "%20") + "&priority=high");
    }

    @Test
    void anInvalidWorkflowListsEveryErrorAndExits2() throws Exception {
        Path f = Files.writeString(tmp.resolve("bad.json"), "{}");
        daemon.submitStatus = 400;
        daemon.submitAnswer = """
                {"error":{"code":"E_INVALID_WORKFLOW","message":"2 error(s) in workflow request body: request body: task 'a': x",
                 "where":"request body","details":["request body: task 'a': depends_on: unknown task 'missing'",
                 "request body: dependency cycle: b -> c -> b"]}}""";
        Run r = cli("workflow", "submit", f.toString(), "--wait");
        assertThat(r.code()).as(r.toString()).isEqualTo(ExitCode.USAGE);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo("error[E_INVALID_WORKFLOW]: " + f + ": 2 errors in the workflow; nothing was submitted\n"
                + "  " + f + ": task 'a': depends_on: unknown task 'missing'\n"
                + "  " + f + ": dependency cycle: b -> c -> b\n");
    }

    @Test
    void waitFollowsTheWorkflowAndExits0WhenItCompleted() throws Exception {
        daemon.workflows.add(workflow("Pending", WorkflowWatcherTest.T1_PENDING, WorkflowWatcherTest.T2_PENDING));
        daemon.workflows.add(WorkflowWatcherTest.DONE);
        daemon.connections.add(FakeDaemon.run(false));
        Path f = Files.writeString(tmp.resolve("deploy.toml"), TOML);
        Run r = cli("workflow", "submit", f.toString(), "--wait");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out().lines().toList()).first().isEqualTo("workflow w1 queued: 2 tasks from " + f);
        assertThat(r.out().lines().skip(1).toList()).containsExactlyElementsOf(WorkflowWatcherTest.COMPLETED_LINES);
    }

    @Test
    void waitExits1AndShowsEachFailedTasksErrorAndStderr() throws Exception {
        daemon.workflows.add(workflow("Pending", WorkflowWatcherTest.T1_PENDING, WorkflowWatcherTest.T2_PENDING));
        daemon.workflows.add(WorkflowWatcherTest.FAILED);
        daemon.connections.add(FakeDaemon.run(true));
        Path f = Files.writeString(tmp.resolve("deploy.toml"), TOML);
        Run r = cli("batch", "submit", f.toString(), "--wait");
        assertThat(r.code()).as(r.toString()).isEqualTo(ExitCode.FAILED);
        assertThat(r.out()).contains("  kubernetes-cp-1  Failed     (0.1s): exited with code 1: boom",
                "workflow w1 Failed: 2 tasks (1 Completed, 1 Failed) in 1.5s");
        assertThat(r.err()).isEqualTo("error[E_WORKFLOW_FAILED]: workflow cluster ended Failed (w1)\n"
                + "  task kubernetes-cp-1 (Failed, attempt 1): exited with code 1: boom\n"
                + "  stderr:\n"
                + "    Error: boom\n"
                + "      at line 3\n");
    }

    @Test
    void waitWithJsonPrintsTheFinalWorkflowOnStdoutAndProgressOnStderr() throws Exception {
        daemon.workflows.add(workflow("Pending", WorkflowWatcherTest.T1_PENDING, WorkflowWatcherTest.T2_PENDING));
        daemon.workflows.add(WorkflowWatcherTest.DONE);
        daemon.connections.add(FakeDaemon.run(false));
        Path f = Files.writeString(tmp.resolve("deploy.json"), "{}");
        Run r = cli("workflow", "submit", f.toString(), "--wait", "--json");
        assertThat(r.code()).as(r.toString()).isZero();
        JsonNode w = Json.read(r.out());
        assertThat(w.get("state").asText()).isEqualTo("Completed");
        assertThat(w.get("tasks").size()).isEqualTo(2);
        assertThat(r.err()).contains("server-cp-1", "workflow w1 Completed: 2 tasks");
    }
}
