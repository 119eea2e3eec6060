package dev.provisioning.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A daemon restart neither kills nor repeats a running attempt, run or rollback: the new daemon reattaches and
 * records the outcome.
 */
class RestartTest {
    @TempDir
    Path tmp;

    @Test
    void runningAttemptSurvivesARestartAndCompletesOnce() {
        Map<String, String> flags = Map.of("nushell.provisioning_lib",
                Path.of("src/test/resources/testlib").toAbsolutePath() + ":" + TestDaemon.ROOT.resolve("nulib"));
        Path data = tmp.resolve("data");
        String taskId;
        long pid;
        try (TestDaemon d = new TestDaemon(data, flags)) {
            var r = d.post("/workflows/batch/submit", "{\"task\":[{\"id\":\"s\",\"module\":\"test/tasks.nu\",\"function\":\"slow\","
                    + "\"args\":{\"seconds\":3},\"timeout\":\"60s\"}]}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
            taskId = TestDaemon.json(r).get("task_ids").get(0).asText();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                JsonNode a = TestDaemon.json(d.get("/tasks/" + taskId + "/attempts")).get("attempts");
                return a.size() == 1 && a.get(0).get("pid").asLong() > 0;
            });
            pid = TestDaemon.json(d.get("/tasks/" + taskId + "/attempts")).get("attempts").get(0).get("pid").asLong();
        } // daemon stops; the attempt keeps running
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("attempt outlives the daemon").isTrue();

        try (TestDaemon d = new TestDaemon(data, flags)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> TestDaemon.json(d.get("/tasks/" + taskId)).get("state").asText().equals("Completed"));
            JsonNode t = TestDaemon.json(d.get("/tasks/" + taskId));
            assertThat(t.get("attempt").asInt()).as("not run twice").isEqualTo(1);
            assertThat(t.get("result").get("slept").asBoolean()).isTrue();
            assertThat(TestDaemon.json(d.get("/tasks/" + taskId + "/attempts")).get("attempts")).hasSize(1);
        }
    }

    @Test
    void runningRollbackSurvivesARestartAndEndsOnce() throws Exception {
        Map<String, String> flags = Map.of("nushell.provisioning_lib", TestDaemon.ROOT.resolve("nulib").toString());
        Path data = tmp.resolve("data");
        Path ledger = tmp.resolve("undo.txt");
        // a completes; b fails, so a's rollback runs: it notes itself in the ledger, then takes 3 s
        String toml = "[workflow]\nname = \"saga-restart\"\non_failure = \"rollback\"\n\n"
                + "[[task]]\nid = \"a\"\ncommand = [\"true\"]\n"
                + "rollback = { command = [\"sh\", \"-c\", \"echo undo >> \\\"$1\\\"; sleep 3\", \"sh\", \"" + ledger + "\"] }\n\n"
                + "[[task]]\nid = \"b\"\ncommand = [\"false\"]\ndepends_on = [\"a\"]\nretry = { max_attempts = 1 }\n";
        String wf;
        String a;
        try (TestDaemon d = new TestDaemon(data, flags)) {
            var r = d.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(d.url("/workflows/batch/submit")))
                    .header("Content-Type", "application/toml").header("Authorization", "Bearer " + d.daemon.token())
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(toml)).build());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
            wf = TestDaemon.json(r).get("workflow_id").asText();
            a = TestDaemon.json(r).get("task_ids").get(0).asText();
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> Files.exists(ledger)
                    && TestDaemon.json(d.get("/tasks/" + a)).get("state").asText().equals("RollingBack"));
        } // daemon stops mid-rollback; the rollback's process keeps running

        try (TestDaemon d = new TestDaemon(data, flags)) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                    .until(() -> TestDaemon.json(d.get("/workflows/" + wf)).get("state").asText().equals("RolledBack"));
            assertThat(TestDaemon.json(d.get("/tasks/" + a)).get("state").asText()).isEqualTo("RolledBack");
            assertThat(Files.readAllLines(ledger)).as("the rollback ran once, not again after the restart").containsExactly("undo");
        }
    }
}
