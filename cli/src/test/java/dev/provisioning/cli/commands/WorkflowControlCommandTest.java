package dev.provisioning.cli.commands;

import static dev.provisioning.cli.commands.FakeDaemon.event;
import static dev.provisioning.cli.commands.FakeDaemon.task;
import static dev.provisioning.cli.commands.FakeDaemon.workflow;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.provisioning.cli.ExitCode;
import dev.provisioning.cli.TestSupport.Run;
import dev.provisioning.core.model.Json;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code workflow validate} and {@code workflow cancel|resume|rollback} (and their {@code batch} aliases) through
 * the real command line, against {@link FakeDaemon}.
 */
class WorkflowControlCommandTest extends FakeDaemonCommandTest {
    // ---- validate ----------------------------------------------------------------------------------------------

    @Test
    void validatePostsTheFileNamingItAndPrintsThePlanAsLevels() throws Exception {
        Path f = Files.writeString(tmp.resolve("my cluster.toml"), TOML);
        daemon.validateAnswer = """
                {"valid":true,"name":"cluster-local","tasks":7,"levels":[["server-cp-1","server-worker-1","server-worker-2"],
                 ["kubernetes-cp-1","kubernetes-worker-1","kubernetes-worker-2"],["apps"]]}""";
        Run r = cli("workflow", "validate", f.toString());
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out().lines().toList()).containsExactly(
                f + ": valid workflow 'cluster-local', 7 tasks in 3 levels",
                "level 1: server-cp-1 server-worker-1 server-worker-2",
                "level 2: kubernetes-cp-1 kubernetes-worker-1 kubernetes-worker-2",
                "level 3: apps");
        assertThat(r.err()).isEmpty();
        assertThat(daemon.requests).containsExactly("GET /health", "POST /workflows/batch/validate");
        assertThat(daemon.submittedContentType).isEqualTo("application/toml");
        assertThat(new String(daemon.submittedBody, StandardCharsets.UTF_8)).isEqualTo(TOML);
        assertThat(daemon.submittedQuery).isEqualTo("source=" + URLEncoder.encode(f.toString(), StandardCharsets.UTF_8).replace("+", "%20"));
    }

    @Test
    void validateWithJsonPrintsThePlan() throws Exception {
        Path f = Files.writeString(tmp.resolve("deploy.yaml"), "task: []\n");
        Run r = cli("batch", "validate", f.toString(), "--json");
        assertThat(r.code()).as(r.toString()).isZero();
        JsonNode n = Json.read(r.out());
        assertThat(n.get("valid").asBoolean()).isTrue();
        assertThat(n.get("tasks").asInt()).isEqualTo(2);
        assertThat(n.at("/levels/1/0").asText()).isEqualTo("kubernetes-cp-1");
        assertThat(daemon.submittedContentType).isEqualTo("application/yaml");
    }

    static final String INVALID = """
            {"error":{"code":"E_INVALID_WORKFLOW","message":"3 error(s) in workflow FILE: FILE:13: task 'c': x (and more, see details)",
             "where":"FILE","details":["FILE:5: task 'a': depends_on: unknown task 'missing'",
             "FILE:13: task 'c': timeout: bad duration '5 parsecs'", "FILE: dependency cycle: b -> c -> b"]}}""";

    @Test
    void anInvalidFileListsEveryErrorWithFileAndLineAndExits2() throws Exception {
        Path f = Files.writeString(tmp.resolve("bad.toml"), TOML);
        daemon.validateStatus = 400;
        daemon.validateAnswer = INVALID.replace("FILE", f.toString());
        Run r = cli("workflow", "validate", f.toString());
        assertThat(r.code()).as(r.toString()).isEqualTo(ExitCode.USAGE);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo("error[E_INVALID_WORKFLOW]: " + f + ": 3 errors in the workflow\n"
                + "  " + f + ":5: task 'a': depends_on: unknown task 'missing'\n"
                + "  " + f + ":13: task 'c': timeout: bad duration '5 parsecs'\n"
                + "  " + f + ": dependency cycle: b -> c -> b\n");

        r = cli("workflow", "validate", f.toString(), "--json");
        assertThat(r.code()).as(r.toString()).isEqualTo(ExitCode.USAGE);
        JsonNode n = Json.read(r.out());
        assertThat(n.get("valid").asBoolean()).isFalse();
        assertThat(n.get("errors")).hasSize(3);
        assertThat(n.at("/errors/1").asText()).isEqualTo(f + ":13: task 'c': timeout: bad duration '5 parsecs'");
        assertThat(r.err()).startsWith("error[E_INVALID_WORKFLOW]: ");
    }

    @Test
    void aDaemonIgnoringSourceStillHasItsErrorsToldPerFile() throws Exception {
        Path f = Files.writeString(tmp.resolve("bad.json"), "{}");
        daemon.validateStatus = 400;
        daemon.validateAnswer = INVALID.replace("FILE", "request body");
        Run r = cli("batch", "validate", f.toString());
        assertThat(r.code()).as(r.toString()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("  " + f + ":5: task 'a': depends_on: unknown task 'missing'").doesNotContain("request body");
    }

    @Test
    void validateChecksTheFileBeforeContactingTheDaemon() {
        Run r = cli("workflow", "validate", tmp.resolve("deploy.txt").toString());
        assertThat(r.code()).as(r.toString()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).startsWith("error[E_UNSUPPORTED_FORMAT]: ");
        assertThat(daemon.requests).isEmpty();
    }

    // ---- cancel, resume, rollback ----------------------------------------------------------------------------

    @Test
    void eachActionPostsItsRouteAndPrintsTheStateAfter() {
        for (String action : List.of("cancel", "resume", "rollback")) {
            daemon.requests.clear();
            Run r = cli("workflow", action, "w1");
            assertThat(r.code()).as(r.toString()).isZero();
            assertThat(r.out()).isEqualTo("workflow w1: " + action + " accepted; it is Running now\n");
            assertThat(r.err()).isEqualTo("follow it with: provisioning workflow status w1\n");
            assertThat(daemon.requests).containsExactly("GET /health", "POST /workflows/w1/" + action);
        }
        Run r = cli("batch", "rollback", "w1", "--json");
        assertThat(r.code()).as(r.toString()).isZero();
        JsonNode n = Json.read(r.out());
        assertThat(n.get("workflow_id").asText()).isEqualTo("w1");
        assertThat(n.get("action").asText()).isEqualTo("rollback");
        assertThat(n.get("state").asText()).isEqualTo("Running");

        daemon.controlAnswer = "{\"workflow_id\":\"w1\",\"action\":\"%s\",\"state\":\"Cancelled\"}";
        r = cli("batch", "cancel", "w1");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo("workflow w1: cancel accepted; it is Cancelled\n");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void aWorkflowInTheWrongStateExits5WithTheDaemonsReason() {
        daemon.controlStatus = 409;
        daemon.controlAnswer = "{\"error\":{\"code\":\"E_CONFLICT\",\"message\":\"workflow w1 is already Completed; only a Pending "
                + "or Running workflow can be cancelled\",\"where\":\"w1\"}}";
        Run r = cli("workflow", "cancel", "w1", "--wait");
        assertThat(r.code()).as(r.toString()).isEqualTo(ExitCode.CONFLICT);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo("error[E_CONFLICT]: workflow w1 is already Completed; only a Pending or Running workflow "
                + "can be cancelled (w1)\n");
    }

    @Test
    void anUnknownWorkflowExits4() {
        Run r = cli("workflow", "resume", "nope");
        assertThat(r.code()).as(r.toString()).isEqualTo(ExitCode.NOT_FOUND);
        assertThat(r.err()).startsWith("error[E_NOT_FOUND]: ");
        r = cli("workflow", "rollback", "nope", "--wait");
        assertThat(r.code()).as(r.toString()).isEqualTo(ExitCode.NOT_FOUND);
    }

    @Test
    void anIdThatCannotBeAWorkflowExits4NamingItAndSendsNothing() {
        for (String id : List.of("../../etc", "a/b", "..")) {
            for (List<String> cmd : List.of(List.of("workflow", "resume", id, "--wait"), List.of("workflow", "cancel", id),
                    List.of("batch", "rollback", id, "--json"), List.of("workflow", "status", id), List.of("workflow", "monitor", id),
                    List.of("workflow", "logs", id, "-f"))) {
                Run r = cli(cmd.toArray(String[]::new));
                assertThat(r.code()).as(r.toString()).isEqualTo(ExitCode.NOT_FOUND);
                assertThat(r.err()).as(r.toString()).startsWith("error[E_NOT_FOUND]: workflow '" + id + "' not found: a workflow id has no '/'");
            }
        }
        assertThat(daemon.requests).isEmpty();
        Run empty = cli("workflow", "cancel", " ");
        assertThat(empty.code()).as(empty.toString()).isEqualTo(ExitCode.USAGE);
    }

    /** A failed run (events 1-12), then what a resume does (13-18). */
    static List<String> resumed() {
        List<String> e = new ArrayList<>(FakeDaemon.run(true));
        e.add(event(13, "t2", "task.state", "Failed", "Pending", "{\"attemptBase\":1}", 5000));
        e.add(event(14, null, "workflow.state", "Failed", "Running", null, 5000));
        e.add(event(15, "t2", "task.state", "Pending", "Ready", null, 5000));
        e.add(event(16, "t2", "task.state", "Ready", "Running", "{\"attempt\":2}", 5010));
        e.add(event(17, "t2", "task.state", "Running", "Completed", "{\"attempt\":2,\"exitCode\":0}", 5310));
        e.add(event(18, null, "workflow.state", "Running", "Completed", null, 5310));
        return e;
    }

    @Test
    void resumeWaitShowsOnlyWhatHappensFromTheResumeOn() {
        List<String> all = resumed();
        daemon.history.addAll(all.subList(0, 12)); // what the daemon has before the resume
        daemon.connections.add(all);               // it may replay; the CLI skips up to Last-Event-ID
        daemon.workflows.add(workflow("Running", task("t1", "server-cp-1", "Completed", 1, 100, null, null),
                task("t2", "kubernetes-cp-1", "Pending", 1, 0, null, null)));
        daemon.workflows.add(WorkflowWatcherTest.DONE);
        Run r = cli("workflow", "resume", "w1", "--wait");
        assertThat(r.code()).as(r.toString()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0)).isEqualTo("workflow w1: resume accepted; it is Running now; following it");
        assertThat(lines.get(1)).isEqualTo("  kubernetes-cp-1  Running    attempt 2/2");
        assertThat(lines.get(2)).isEqualTo("  kubernetes-cp-1  Completed  (0.3s)");
        assertThat(lines.get(3)).matches("workflow w1 Completed: 2 tasks \\(2 Completed\\) in \\d+\\.\\ds");
        assertThat(r.err()).isEmpty();
        assertThat(daemon.lastEventIds).containsExactly("12");
        assertThat(daemon.requests).containsSubsequence("GET /workflows/w1/events", "POST /workflows/w1/resume",
                "GET /workflows/w1", "GET /workflows/w1/events");
    }

    @Test
    void waitExits1WhenTheWorkflowEndsOtherThanTheActionAims() {
        daemon.history.addAll(FakeDaemon.run(false));
        List<String> after = new ArrayList<>(FakeDaemon.run(false));
        after.add(event(13, "t2", "task.state", "Completed", "RollingBack", null, 6000));
        after.add(event(14, null, "workflow.state", "Completed", "Running", null, 6000));
        after.add(event(15, "t2", "task.state", "RollingBack", "RollbackFailed", "{\"error\":\"exited with code 2: no\"}", 6100));
        after.add(event(16, null, "workflow.state", "Running", "Failed", null, 6100));
        daemon.connections.add(after);
        String failed = workflow("Failed", task("t1", "server-cp-1", "Completed", 1, 100, null, null),
                task("t2", "kubernetes-cp-1", "RollbackFailed", 2, 100, "exited with code 2: no", null));
        daemon.workflows.add(WorkflowWatcherTest.DONE);
        daemon.workflows.add(failed);
        Run r = cli("batch", "rollback", "w1", "--wait");
        assertThat(r.code()).as(r.toString()).isEqualTo(ExitCode.FAILED);
        assertThat(r.out()).contains("  kubernetes-cp-1  RollingBack", "  kubernetes-cp-1  RollbackFailed (0.1s): exited with code 2: no")
                .doesNotContain("attempt 1");
        assertThat(r.err()).isEqualTo("error[E_WORKFLOW_FAILED]: workflow cluster ended Failed, not RolledBack (the aim of rollback) (w1)\n"
                + "  task kubernetes-cp-1 (RollbackFailed, attempt 2): exited with code 2: no\n");
    }

    @Test
    void cancelWaitWithJsonPrintsTheFinalWorkflowOnStdout() {
        daemon.history.addAll(FakeDaemon.run(false).subList(0, 10));
        List<String> after = new ArrayList<>(FakeDaemon.run(false).subList(0, 10));
        after.add(event(11, null, "workflow.cancel", null, null, "{\"running\":[\"t2\"]}", 900));
        after.add(event(12, "t2", "task.state", "Running", "Cancelled", "{\"attempt\":1,\"error\":\"cancelled\"}", 1000));
        after.add(event(13, null, "workflow.state", "Running", "Cancelled", null, 1000));
        daemon.connections.add(after);
        daemon.workflows.add(workflow("Running", task("t1", "server-cp-1", "Completed", 1, 100, null, null),
                task("t2", "kubernetes-cp-1", "Running", 1, 0, null, null)));
        daemon.workflows.add(workflow("Cancelled", task("t1", "server-cp-1", "Completed", 1, 100, null, null),
                task("t2", "kubernetes-cp-1", "Cancelled", 1, 0, "cancelled", null)));
        Run r = cli("workflow", "cancel", "w1", "--wait", "--json");
        assertThat(r.code()).as(r.toString()).isZero();
        JsonNode w = Json.read(r.out());
        assertThat(w.get("state").asText()).isEqualTo("Cancelled");
        assertThat(r.err()).contains("workflow w1: cancel accepted", "  kubernetes-cp-1  Cancelled  cancelled",
                "workflow w1 Cancelled: 2 tasks (1 Completed, 1 Cancelled)");
        assertThat(daemon.lastEventIds).containsExactly("10");
    }

    @Test
    void lastEventIdPagesThroughTheEvents() {
        for (int i = 1; i <= 25; i++) daemon.history.add(event(i, null, "task.progress", null, null, "{\"percent\":1}", i));
        var client = new dev.provisioning.cli.client.OrchestratorClient(daemon.base, null, java.time.Duration.ofSeconds(5));
        assertThat(client.lastEventId("w1")).isEqualTo(25);
        assertThat(client.events("w1", 20, 3).events()).extracting(e -> e.id()).containsExactly(21L, 22L, 23L);
        daemon.history.clear();
        assertThat(client.lastEventId("w1")).isZero();
    }
}
