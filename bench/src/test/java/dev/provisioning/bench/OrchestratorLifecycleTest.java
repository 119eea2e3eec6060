package dev.provisioning.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.provisioning.core.model.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code provisioning orchestrator start|status|stop} and auto-start, through {@code bin/provisioning}: the CLI
 * starts the daemon detached, so it is not our child; {@link #killLeftovers} finds it through the data dir.
 */
class OrchestratorLifecycleTest {
    static final String CONFIG = """
            [server]
            port = 0                          # the daemon picks a free port and writes it to daemon.json
            [orchestrator]
            endpoint = "http://127.0.0.1:1"
            auto_start = %s
            """;
    static final String ONE_TASK = """
            [workflow]
            name = "life"

            [[task]]
            id = "server-life-1"
            module = "servers/create.nu"
            function = "create-server"
            args = { infra = "e2e-life", params = { name = "life-1" } }
            """;

    @TempDir
    Path work;
    Launchers l;

    @BeforeEach
    void setUp() throws Exception {
        l = new Launchers(work, CONFIG.formatted("false"));
    }

    @AfterEach
    void killLeftovers() {
        Optional<ProcessHandle> d = daemonPid().flatMap(ProcessHandle::of);
        d.ifPresent(h -> Launchers.stop(h, Duration.ofSeconds(20)));
        Launchers.processesMentioning(l.dataDir.toString()).forEach(Launchers::kill);
    }

    Optional<Long> daemonPid() {
        for (String f : new String[] {"orchestrator.pid", "daemon.json"}) {
            Path p = l.dataDir.resolve(f);
            try {
                if (!Files.exists(p)) continue;
                String s = Files.readString(p).strip();
                return Optional.of(f.endsWith(".json") ? Json.read(s).get("pid").asLong() : Long.parseLong(s));
            } catch (Exception ignored) {
                // being written; try the other
            }
        }
        return Optional.empty();
    }

    @Test
    void startStatusStopLeavesNoProcessBehind() throws Exception {
        Launchers.Result start = l.cli("orchestrator", "start", "--timeout", "90");
        assertThat(start.code()).as(start.toString()).isZero();
        Matcher m = Pattern.compile("orchestrator started \\(pid (\\d+)\\) at (http://127\\.0\\.0\\.1:\\d+)").matcher(start.out());
        assertThat(m.find()).as(start.toString()).isTrue();
        long pid = Long.parseLong(m.group(1));
        String endpoint = m.group(2);
        assertThat(endpoint).doesNotEndWith(":1").doesNotEndWith(":9090");
        assertThat(ProcessHandle.of(pid)).as("the daemon runs").hasValueSatisfying(h -> assertThat(h.isAlive()).isTrue());
        assertThat(Json.read(Files.readString(l.dataDir.resolve("daemon.json"))).get("endpoint").asText()).isEqualTo(endpoint);

        Launchers.Result again = l.cli("orchestrator", "start");
        assertThat(again.code()).as(again.toString()).isZero();
        assertThat(again.out()).contains("orchestrator already running (pid " + pid + ") at " + endpoint);

        Launchers.Result status = l.cli("orchestrator", "status");
        assertThat(status.code()).as(status.toString()).isZero();
        assertThat(status.out()).contains(String.valueOf(pid), endpoint, "healthy");

        Path f = Files.writeString(work.resolve("life.toml"), ONE_TASK);
        Launchers.Result run = l.cli("workflow", "submit", f.toString(), "--wait");
        assertThat(run.code()).as(run.toString()).isZero();
        assertThat(run.out()).containsPattern("(?m)^  server-life-1 +Completed");

        Launchers.Result stop = l.cli("orchestrator", "stop");
        assertThat(stop.code()).as(stop.toString()).isZero();
        assertThat(stop.out()).contains("orchestrator stopped (pid " + pid + ")");
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("the daemon is gone").isFalse();
        var left = Launchers.processesMentioning(l.dataDir.toString());
        assertThat(left).as("no process of this data dir is left: %s", Launchers.describe(left)).isEmpty();
        assertThat(l.dataDir.resolve("orchestrator.pid")).doesNotExist();

        Launchers.Result after = l.cli("orchestrator", "status");
        assertThat(after.code()).as(after.toString()).isEqualTo(3);
        Launchers.Result stopAgain = l.cli("orchestrator", "stop");
        assertThat(stopAgain.code()).as(stopAgain.toString()).isZero();
        assertThat(stopAgain.out()).startsWith("orchestrator is not running");
    }

    @Test
    void submitStartsTheDaemonWhenAutoStartIsOn() throws Exception {
        l = new Launchers(work, CONFIG.formatted("true"));
        Path f = Files.writeString(work.resolve("life.toml"), ONE_TASK);
        Launchers.Result run = l.cli("workflow", "submit", f.toString(), "--wait");
        assertThat(run.code()).as(run.toString()).isZero();
        assertThat(run.err()).contains("orchestrator not running; starting it (orchestrator.auto_start = true)")
                .containsPattern("orchestrator started at http://127\\.0\\.0\\.1:\\d+ \\(pid \\d+\\)");
        assertThat(run.out()).containsPattern("(?m)^workflow \\S+ Completed: 1 task \\(1 Completed\\)");
        assertThat(daemonPid()).as("the daemon it started keeps running").hasValueSatisfying(
                pid -> assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isTrue());

        Launchers.Result stop = l.cli("orchestrator", "stop");
        assertThat(stop.code()).as(stop.toString()).isZero();
        assertThat(Launchers.processesMentioning(l.dataDir.toString())).isEmpty();
    }

    @Test
    void stopDrainLetsTheRunningTaskFinishFirst() throws Exception {
        assertThat(l.cli("orchestrator", "start", "--timeout", "90").code()).isZero();
        long pid = daemonPid().orElseThrow();
        Path f = Files.writeString(work.resolve("drain.toml"), """
                [[task]]
                id = "sleeper"
                command = ["sleep", "2"]
                """);
        Launchers.Result submit = l.cli("workflow", "submit", f.toString());
        assertThat(submit.code()).as(submit.toString()).isZero();
        String id = submit.out().strip();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
                l.cli("workflow", "status", id).out().contains("Running"));

        Launchers.Result stop = l.cli("orchestrator", "stop", "--drain");
        assertThat(stop.code()).as(stop.toString()).isZero();
        assertThat(stop.err()).contains("draining");
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        // the task finished before the daemon went: its exit is recorded in its run dir, and nothing is left running
        try (var files = Files.walk(l.dataDir.resolve("runs"))) {
            assertThat(files.filter(p -> p.getFileName().toString().equals("exit")).toList()).singleElement()
                    .satisfies(p -> assertThat(Files.readString(p).strip()).isEqualTo("0"));
        }
        assertThat(Launchers.processesMentioning(l.dataDir.toString())).isEmpty();
    }
}
