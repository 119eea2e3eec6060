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

    @Test
    void anAgedTaskBehindALongerQueueOfHigherPrioritiesIsSeenAndRunsFirst() {
        String libs = Path.of("src/test/resources/testlib").toAbsolutePath() + ":" + TestDaemon.ROOT.resolve("nulib");
        try (TestDaemon d = new TestDaemon(tmp.resolve("data"), Map.of("nushell.provisioning_lib", libs,
                "executor.max_concurrent_tasks", "1", "executor.priority_aging_seconds", "1"))) {
            String blocker = submit(d, "normal", "slow", "{\"seconds\":5}");
            await().atMost(Duration.ofSeconds(30)).until(() -> state(d, blocker).equals("Running"));
            String low = submit(d, "low", "echo", "{}");
            // Once it has waited 3 s, 40 high-priority tasks: more than a round reads by priority (4 with one slot).
            // When the blocker ends, the low task has waited ~5 s (0 + 5 levels), the high ones ~2 s (2 + 2 levels):
            // the low one is first, but only if the round looks past the head of the queue.
            Instant lowReady = Instant.parse(task(d, low).get("created_at").asText());
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                    .until(() -> Instant.now().isAfter(lowReady.plusSeconds(3)));
            assertThat(state(d, blocker)).as("the scenario needs the blocker still running").isEqualTo("Running");
            StringBuilder tasks = new StringBuilder();
            for (int i = 0; i < 40; i++)
                tasks.append(i == 0 ? "" : ",").append("{\"id\":\"h").append(i).append("\",\"module\":\"test/tasks.nu\",\"function\":\"echo\",\"args\":{}}");
            var r = d.post("/workflows/batch/submit", "{\"workflow\":{\"name\":\"h\",\"priority\":\"high\"},\"task\":[" + tasks + "]}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
            List<String> high = new ArrayList<>();
            TestDaemon.json(r).get("task_ids").forEach(n -> high.add(n.asText()));
            await().atMost(Duration.ofSeconds(60)).until(() -> state(d, low).equals("Completed")
                    && high.stream().allMatch(id -> state(d, id).equals("Completed")));

            Instant lowStart = Instant.parse(task(d, low).get("started_at").asText());
            for (String id : high)
                assertThat(Instant.parse(task(d, id).get("started_at").asText())).as("high task %s", id).isAfter(lowStart);
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
