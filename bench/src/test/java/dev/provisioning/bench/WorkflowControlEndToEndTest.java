package dev.provisioning.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.provisioning.core.model.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code workflow validate} and {@code workflow cancel|resume|rollback} (and {@code batch rollback}) against the real
 * daemon, all through their launchers: one {@code bin/provisioning-orchestrator --port 0} for the class, on a temp
 * data dir of its own, and one {@code bin/provisioning} process per command.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WorkflowControlEndToEndTest {
    Path work;
    Launchers l;
    Process daemon;

    @BeforeAll
    void startDaemon(@TempDir Path dir) throws Exception {
        work = dir;
        l = new Launchers(work, CliEndToEndTest.CONFIG);
        daemon = l.startDaemonAndWait("--port", "0");
    }

    @AfterAll
    void stopDaemon() {
        l.stopDaemonAndCheck(daemon);
    }

    static void ok(Launchers.Result r) {
        assertThat(r.code()).as(r.toString()).isZero();
    }

    JsonNode status(String id) {
        Launchers.Result r = l.cli("workflow", "status", id, "--json");
        ok(r);
        return Json.read(r.out());
    }

    static JsonNode task(JsonNode workflow, String key) {
        for (JsonNode t : workflow.get("tasks")) if (key.equals(t.get("key").asText())) return t;
        throw new AssertionError("no task " + key + " in " + workflow);
    }

    int workflowCount() {
        return Json.read(l.cli("workflow", "list", "--json", "--limit", "1000").out()).get("workflows").size();
    }

    // ---- validate ----------------------------------------------------------------------------------------------

    @Test
    void validateOfTheLocalClusterExamplePrintsItsThreeLevels() {
        int before = workflowCount();
        Launchers.Result r = l.cli("workflow", "validate", "examples/cluster-local.toml");
        ok(r);
        assertThat(r.outLines()).containsExactly(
                "examples/cluster-local.toml: valid workflow 'cluster-local', 7 tasks in 3 levels",
                "level 1: server-cp-1 server-worker-1 server-worker-2",
                "level 2: kubernetes-cp-1 kubernetes-worker-1 kubernetes-worker-2",
                "level 3: apps");

        r = l.cli("batch", "validate", "examples/multi-cloud-deployment.toml", "--json");
        ok(r);
        JsonNode plan = Json.read(r.out());
        assertThat(plan.get("valid").asBoolean()).isTrue();
        assertThat(plan.get("levels").get(0)).as("5 servers in parallel").hasSize(5);
        assertThat(workflowCount()).as("validating submits nothing").isEqualTo(before);
    }

    @Test
    void validateOfABrokenFileListsEveryErrorWithFileAndLineAndExits2() throws Exception {
        Path f = Files.writeString(work.resolve("broken.toml"), Launchers.brokenWorkflow("broken"));
        int before = workflowCount();
        Launchers.Result r = l.cli("workflow", "validate", f.toString());
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        List<String> lines = r.err().lines().toList();
        assertThat(lines.get(0)).as(r.toString()).matches(Pattern.quote("error[E_INVALID_WORKFLOW]: " + f + ": ") + "\\d+ errors in the workflow");
        List<String> details = lines.subList(1, lines.size());
        assertThat(details).as(r.toString()).hasSizeGreaterThanOrEqualTo(4)
                .contains("  " + f + ":5: task 'a': depends_on: unknown task 'missing'")
                .anyMatch(d -> d.startsWith("  " + f + ":5: task 'a': timeout: bad duration '5 parsecs'"))
                .anyMatch(d -> d.startsWith("  " + f + ":12: task 'b'") && d.contains("nope/nope.nu"))
                .anyMatch(d -> d.startsWith("  " + f + ": dependency cycle: ") && d.contains("b -> c -> b"))
                .allMatch(d -> d.startsWith("  " + f + ":"));
        assertThat(workflowCount()).isEqualTo(before);
    }

    // ---- cancel and resume -------------------------------------------------------------------------------------

    /** The live processes running {@code sleep ARG} (the task itself, or its launcher). */
    static List<ProcessHandle> sleeping(String arg) {
        return Launchers.processesMentioning("sleep " + arg);
    }

    /** Waits for the task's {@code sleep} to run; returns its pid. */
    static long awaitSleep(String arg, long notPid) {
        long[] pid = new long[1];
        await("sleep " + arg + " runs").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
                pid[0] = all.filter(p -> p.isAlive() && p.pid() != notPid)
                        .filter(p -> p.info().command().map(c -> c.endsWith("/sleep") || c.equals("sleep")).orElse(false))
                        .filter(p -> p.info().arguments().map(a -> a.length == 1 && a[0].equals(arg)).orElse(false))
                        .mapToLong(ProcessHandle::pid).findFirst().orElse(0);
            }
            return pid[0] != 0;
        });
        return pid[0];
    }

    /** The sleep is gone once the cancel has ended: it is given 2 s to be reaped, no more. */
    static void assertGone(String arg) {
        if (sleeping(arg).isEmpty()) return;
        boolean gone = Launchers.gone(sleeping(arg), Duration.ofSeconds(2));
        assertThat(gone).as("no process of the cancelled task is left:\n%s", Launchers.describe(sleeping(arg))).isTrue();
    }

    @Test
    void cancelWaitStopsTheRunningTaskAndResumeRunsItAgain() throws IOException {
        // a unique argument, so that the test finds its own sleep and nobody else's
        String arg = "3600." + String.format("%06d", ThreadLocalRandom.current().nextInt(1_000_000));
        Path f = Files.writeString(work.resolve("long.toml"), """
                [workflow]
                name = "long"
                max_attempts = 1

                [[task]]
                id = "quick"
                command = ["true"]

                [[task]]
                id = "long"
                command = ["sleep", "%s"]
                depends_on = ["quick"]
                """.formatted(arg));
        Launchers.Result r = l.cli("workflow", "submit", f.toString());
        ok(r);
        String id = r.out().strip();
        long first = awaitSleep(arg, 0);

        r = l.cli("workflow", "cancel", id, "--wait");
        ok(r);
        assertThat(r.outLines().get(0)).isEqualTo("workflow " + id + ": cancel accepted; it is Running now; following it");
        assertThat(r.out()).as(r.toString()).containsPattern("(?m)^  long +Cancelled +\\(\\d+\\.\\ds\\)")
                .doesNotContain("quick"); // the history before the cancel is not shown again
        assertThat(r.outLines().get(r.outLines().size() - 1)).as(r.toString())
                .matches("workflow " + id + " Cancelled: 2 tasks \\(1 Completed, 1 Cancelled\\) in \\d+\\.\\ds");
        assertThat(ProcessHandle.of(first).filter(ProcessHandle::isAlive)).as("the sleep of attempt 1").isEmpty();
        assertGone(arg);
        JsonNode w = status(id);
        assertThat(w.get("state").asText()).isEqualTo("Cancelled");
        assertThat(task(w, "long").get("state").asText()).isEqualTo("Cancelled");
        String quickStarted = task(w, "quick").get("started_at").asText();

        r = l.cli("workflow", "cancel", id);
        assertThat(r.code()).as("a Cancelled workflow cannot be cancelled: " + r).isEqualTo(5);
        assertThat(r.err()).startsWith("error[E_CONFLICT]: workflow " + id + " is already Cancelled");

        r = l.cli("workflow", "resume", id);
        ok(r);
        assertThat(r.out()).isEqualTo("workflow " + id + ": resume accepted; it is Running now\n");
        long second = awaitSleep(arg, first);
        w = status(id);
        assertThat(w.get("state").asText()).isEqualTo("Running");
        assertThat(task(w, "long").get("state").asText()).isEqualTo("Running");
        assertThat(task(w, "long").get("attempt").asInt()).isEqualTo(2);
        assertThat(task(w, "quick").get("state").asText()).isEqualTo("Completed");
        assertThat(task(w, "quick").get("attempt").asInt()).as("a completed task is not run again").isEqualTo(1);
        assertThat(task(w, "quick").get("started_at").asText()).isEqualTo(quickStarted);
        Launchers.Result shown = l.cli("workflow", "status", id);
        assertThat(shown.out()).containsPattern("(?m)^long +Running +2/2 ");

        r = l.cli("batch", "resume", id);
        assertThat(r.code()).as("a Running workflow cannot be resumed: " + r).isEqualTo(5);

        r = l.cli("batch", "cancel", id, "--wait", "--json");
        ok(r);
        assertThat(Json.read(r.out()).get("state").asText()).isEqualTo("Cancelled");
        assertThat(r.err()).containsPattern("(?m)^  long +Cancelled ");
        assertThat(ProcessHandle.of(second).filter(ProcessHandle::isAlive)).as("the sleep of attempt 2").isEmpty();
        assertGone(arg);
    }

    @Test
    void anUnknownWorkflowExits4() {
        for (String action : List.of("cancel", "resume", "rollback")) {
            Launchers.Result r = l.cli("workflow", action, "00000000-0000-0000-0000-000000000000");
            assertThat(r.code()).as(r.toString()).isEqualTo(4);
            assertThat(r.err()).startsWith("error[E_NOT_FOUND]: ");
        }
    }

    // ---- rollback ------------------------------------------------------------------------------------------------

    @Test
    void rollbackWaitUndoesACompletedWorkflowInReverseOrder() throws IOException {
        Launchers.Result r = l.cli("workflow", "submit", "examples/cluster-local.toml", "--wait");
        ok(r);
        String id = CliEndToEndTest.idOf(r);
        Path servers = l.dataDir.resolve("local-provider/cluster-local/servers");
        for (String s : List.of("cp-1", "worker-1", "worker-2")) assertThat(servers.resolve(s + ".json")).isRegularFile();

        r = l.cli("batch", "rollback", id, "--wait");
        ok(r);
        assertThat(r.outLines().get(0)).isEqualTo("workflow " + id + ": rollback accepted; it is Running now; following it");
        for (String key : CliEndToEndTest.CLUSTER_KEYS)
            assertThat(r.out()).as(r.toString()).containsPattern("(?m)^  " + key + " +RolledBack +\\(\\d+\\.\\ds\\)$");
        assertThat(r.outLines().get(r.outLines().size() - 1)).as(r.toString())
                .matches("workflow " + id + " RolledBack: 7 tasks \\(7 RolledBack\\) in \\d+\\.\\ds");
        // reverse dependency order: apps, then the kubernetes tasks, then the servers they run on
        assertThat(rolledBackAt(r, "apps")).isLessThan(rolledBackAt(r, "kubernetes-cp-1"));
        for (String s : List.of("cp-1", "worker-1", "worker-2"))
            assertThat(rolledBackAt(r, "kubernetes-" + s)).isLessThan(rolledBackAt(r, "server-" + s));

        try (Stream<Path> left = Files.exists(servers) ? Files.list(servers) : Stream.empty()) {
            assertThat(left.toList()).as("the local provider's servers are gone").isEmpty();
        }
        JsonNode w = status(id);
        assertThat(w.get("state").asText()).isEqualTo("RolledBack");
        w.get("tasks").forEach(t -> assertThat(t.get("state").asText()).isEqualTo("RolledBack"));

        r = l.cli("workflow", "rollback", id);
        assertThat(r.code()).as("a RolledBack workflow cannot be rolled back again: " + r).isEqualTo(5);
        r = l.cli("workflow", "resume", id);
        assertThat(r.code()).as("a RolledBack workflow cannot be resumed: " + r).isEqualTo(5);
        assertThat(r.err()).startsWith("error[E_CONFLICT]: ");
    }

    /** Where in the output {@code key} is shown RolledBack. */
    static int rolledBackAt(Launchers.Result r, String key) {
        Matcher m = Pattern.compile("(?m)^  " + Pattern.quote(key) + " +RolledBack").matcher(r.out());
        assertThat(m.find()).as(key + " RolledBack in\n" + r).isTrue();
        return m.start();
    }
}
