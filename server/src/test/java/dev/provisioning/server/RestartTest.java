package dev.provisioning.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A daemon restart neither kills nor repeats a running attempt: the new daemon reattaches and records the outcome. */
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
}
