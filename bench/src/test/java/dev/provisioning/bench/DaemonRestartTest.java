package dev.provisioning.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.provisioning.core.model.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code workflow submit --wait} while the daemon restarts under it: the running task survives (it lives in its
 * own process group), the new daemon comes up on another port (--port 0), and the CLI finds it through
 * daemon.json, resumes the event stream after the last event it showed, and follows the workflow to its end.
 */
class DaemonRestartTest {
    static final String CONFIG = """
            [orchestrator]
            endpoint = "http://127.0.0.1:1"
            auto_start = false
            """;
    static final String SLOW = """
            [workflow]
            name = "restart"

            [[task]]
            id = "slow"
            command = ["sh", "-c", "echo 'PROGRESS: 10 starting'; sleep 4; echo 'PROGRESS: 90 nearly done'"]

            [[task]]
            id = "after"
            command = ["true"]
            depends_on = ["slow"]
            """;

    @TempDir
    Path work;
    Launchers l;
    Process daemon;

    @AfterEach
    void stopDaemon() {
        if (daemon != null) assertThat(Launchers.stop(daemon.toHandle(), Duration.ofSeconds(30))).isTrue();
        Launchers.processesMentioning(l.dataDir.toString()).forEach(Launchers::kill);
    }

    Process start() throws Exception {
        Process p = l.startDaemon("--port", "0", "--data-dir", l.dataDir.toString(), "--config", l.config.toString());
        Path info = l.dataDir.resolve("daemon.json");
        await("daemon.json of pid " + p.pid()).atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100))
                .failFast("the daemon exited", () -> !p.isAlive())
                .until(() -> Files.exists(info) && Json.read(Files.readString(info)).path("pid").asLong() == p.pid());
        return p;
    }

    @Test
    void waitFollowsTheWorkflowAcrossADaemonRestart() throws Exception {
        l = new Launchers(work, CONFIG);
        daemon = start();
        String before = Json.read(Files.readString(l.dataDir.resolve("daemon.json"))).get("endpoint").asText();
        Path f = Files.writeString(work.resolve("restart.toml"), SLOW);
        Launchers.Running cli = l.cliAsync("workflow", "submit", f.toString(), "--wait");

        await("the task reports progress").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                .failFast("the CLI exited", () -> !cli.process().isAlive())
                .until(() -> cli.outSoFar().contains("10%  starting"));
        // TERM the daemon alone, as systemd or 'orchestrator stop' would: its tasks keep running
        daemon.toHandle().destroy();
        assertThat(Launchers.gone(java.util.List.of(daemon.toHandle()), Duration.ofSeconds(30))).as("the daemon stops").isTrue();
        daemon = start();
        String after = Json.read(Files.readString(l.dataDir.resolve("daemon.json"))).get("endpoint").asText();

        Launchers.Result r = cli.finish(Duration.ofSeconds(60));
        assertThat(r.code()).as(r + "\n--- daemon log\n" + l.daemonLog()).isZero();
        assertThat(r.out().split("10%  starting", -1)).as("shown once, not again after the restart: %s", r).hasSize(2);
        assertThat(r.out()).containsPattern("(?m)^  slow +10%  starting$")
                .containsPattern("(?m)^  slow +90%  nearly done$")
                .containsPattern("(?m)^  slow +Completed +\\(\\d+\\.\\ds\\)$")
                .containsPattern("(?m)^  after +Completed")
                .containsPattern("(?m)^workflow \\S+ Completed: 2 tasks \\(2 Completed\\)");
        assertThat(after).as("the new daemon listens elsewhere").isNotEqualTo(before);
    }
}
