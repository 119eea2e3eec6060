package dev.provisioning.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Priority order and the global concurrency limit, through the real daemon. */
class SchedulingTest {
    @TempDir
    Path tmp;

    @Test
    void higherPriorityRunsFirstAndTheGlobalLimitHolds() {
        String libs = Path.of("src/test/resources/testlib").toAbsolutePath() + ":" + TestDaemon.ROOT.resolve("nulib");
        try (TestDaemon d = new TestDaemon(tmp.resolve("data"), Map.of("nushell.provisioning_lib", libs, "executor.max_concurrent_tasks", "1"))) {
            String blocker = submit(d, "normal", "slow", "{\"seconds\":2}");
            await().atMost(Duration.ofSeconds(30)).until(() -> state(d, blocker).equals("Running"));
            List<String> ids = new ArrayList<>();
            for (String p : new String[] {"low", "normal", "high", "critical"}) ids.add(submit(d, p, "echo", "{}"));
            await().atMost(Duration.ofSeconds(60)).until(() -> ids.stream().allMatch(id -> state(d, id).equals("Completed")));

            List<JsonNode> tasks = new ArrayList<>();
            for (String id : ids) tasks.add(task(d, id));
            tasks.sort(Comparator.comparing(t -> Instant.parse(t.get("started_at").asText())));
            assertThat(tasks.stream().map(t -> t.get("priority").asText()).toList()).containsExactly("critical", "high", "normal", "low");

            // never more than one attempt at a time: each starts after the previous one finished
            tasks.add(0, task(d, blocker));
            for (int i = 1; i < tasks.size(); i++) {
                Instant prevEnd = Instant.parse(tasks.get(i - 1).get("finished_at").asText());
                Instant start = Instant.parse(tasks.get(i).get("started_at").asText());
                assertThat(start).isAfterOrEqualTo(prevEnd);
            }
        }
    }

    private static String submit(TestDaemon d, String priority, String fn, String args) {
        var r = d.post("/workflows/batch/submit", "{\"workflow\":{\"name\":\"p\",\"priority\":\"" + priority + "\"},"
                + "\"task\":[{\"id\":\"t\",\"module\":\"test/tasks.nu\",\"function\":\"" + fn + "\",\"args\":" + args + "}]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        return TestDaemon.json(r).get("task_ids").get(0).asText();
    }

    private static JsonNode task(TestDaemon d, String id) {
        return TestDaemon.json(d.get("/tasks/" + id));
    }

    private static String state(TestDaemon d, String id) {
        return task(d, id).get("state").asText();
    }
}
