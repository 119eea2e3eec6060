package dev.provisioning.cli.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.provisioning.cli.CliException;
import dev.provisioning.cli.ExitCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pid file, daemon.json, token and process handling with real processes. The "daemons" here are small bash
 * launchers standing in for bin/provisioning-orchestrator; the real daemon is exercised by the integration suite.
 */
class DaemonControlTest {
    static final String CONFIGURED = "http://127.0.0.1:1";

    @TempDir
    Path home;
    @TempDir
    Path data;
    DaemonControl control;

    DaemonControl control(boolean explicit) {
        return new DaemonControl(home, data, CONFIGURED, explicit, null, Duration.ofSeconds(2));
    }

    @AfterEach
    void stopLeftovers() {
        if (control != null) control.stop(Duration.ofSeconds(1));
    }

    void launcher(String body) throws Exception {
        Path bin = Files.createDirectories(home.resolve("bin"));
        Path f = bin.resolve("provisioning-orchestrator");
        Files.writeString(f, "#!/usr/bin/env bash\n" + body + "\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @Test
    void endpointComesFromALiveDaemonJsonUnlessGivenExplicitly() throws Exception {
        DaemonControl d = control(false);
        assertThat(d.endpoint()).isEqualTo(CONFIGURED);
        long me = ProcessHandle.current().pid();
        Files.writeString(data.resolve("daemon.json"),
                "{\"pid\":" + me + ",\"host\":\"127.0.0.1\",\"port\":43210,\"endpoint\":\"http://127.0.0.1:43210\",\"started_at\":\"x\"}");
        assertThat(d.endpoint()).isEqualTo("http://127.0.0.1:43210");
        assertThat(d.runningPid()).isEqualTo(me);
        assertThat(control(true).endpoint()).isEqualTo(CONFIGURED);

        // without "endpoint", host and port make one
        Files.writeString(data.resolve("daemon.json"), "{\"pid\":" + me + ",\"host\":\"127.0.0.1\",\"port\":43211}");
        assertThat(d.endpoint()).isEqualTo("http://127.0.0.1:43211");
        // a dead pid, or garbage, is ignored
        Files.writeString(data.resolve("daemon.json"), "{\"pid\":999999999,\"endpoint\":\"http://127.0.0.1:43210\"}");
        assertThat(d.endpoint()).isEqualTo(CONFIGURED);
        assertThat(d.runningPid()).isNull();
        Files.writeString(data.resolve("daemon.json"), "{\"pid\":");
        assertThat(d.endpoint()).isEqualTo(CONFIGURED);
    }

    @Test
    void tokenIsReadTrimmedFromTheDataDir() throws Exception {
        DaemonControl d = control(false);
        assertThat(d.token()).isNull();
        Files.writeString(data.resolve("token"), "s3cret\n");
        assertThat(d.token()).isEqualTo("s3cret");
        assertThat(d.client().baseUrl()).isEqualTo(CONFIGURED);
    }

    @Test
    void aLauncherThatDiesIsReportedWithItsLog() throws Exception {
        launcher("echo \"bad flag: $*\"; echo 'fatal: cannot bind' >&2; exit 7");
        control = control(false);
        assertThatThrownBy(() -> control.start(Duration.ofSeconds(10)))
                .isInstanceOfSatisfying(CliException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(ExitCode.FAILED);
                    assertThat(e.code()).isEqualTo("E_START_FAILED");
                    assertThat(e.getMessage()).contains("exited with status 7");
                    assertThat(e.detail()).contains("fatal: cannot bind").contains("bad flag: --data-dir " + data + "\n");
                });
        assertThat(control.pidFile()).doesNotExist();
        assertThat(control.logFile()).exists();
    }

    @Test
    void startTimesOutThenStopTerminatesIt() throws Exception {
        // runs detached like the daemon, never answers /health; its command line names it an orchestrator
        launcher("exec bash -c 'while :; do sleep 0.2; done' provisioning-orchestrator");
        control = control(false);
        assertThatThrownBy(() -> control.start(Duration.ofSeconds(1)))
                .isInstanceOfSatisfying(CliException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(ExitCode.UNREACHABLE);
                    assertThat(e.code()).isEqualTo("E_START_TIMEOUT");
                });
        Long pid = Long.parseLong(Files.readString(control.pidFile()).strip());
        ProcessHandle h = ProcessHandle.of(pid).orElseThrow();
        assertThat(h.isAlive()).isTrue();
        assertThat(control.runningPid()).isEqualTo(pid);
        // detached: its own session, so a terminal's Ctrl-C does not reach it
        assertThat(Files.readString(Path.of("/proc", pid.toString(), "stat")).split(" ")[5]).isEqualTo(pid.toString());

        DaemonControl.Status s = control.status();
        assertThat(s.pid()).isEqualTo(pid);
        assertThat(s.running()).isTrue();
        assertThat(s.health()).isNull();
        // a second start sees it running and does nothing
        assertThat(control.start(Duration.ofSeconds(1))).isEqualTo(new DaemonControl.Started(false, pid, CONFIGURED));

        assertThat(control.stop(Duration.ofSeconds(5))).isEqualTo(DaemonControl.Stopped.TERMINATED);
        assertThat(h.isAlive()).isFalse();
        assertThat(control.pidFile()).doesNotExist();
        assertThat(control.stop(Duration.ofSeconds(1))).isEqualTo(DaemonControl.Stopped.NOT_RUNNING);
    }

    @Test
    void stopKillsADaemonThatIgnoresTerm() throws Exception {
        launcher("exec bash -c \"trap '' TERM; while :; do sleep 0.2; done\" provisioning-orchestrator");
        control = control(false);
        assertThatThrownBy(() -> control.start(Duration.ofSeconds(1))).isInstanceOf(CliException.class);
        assertThat(control.stop(Duration.ofMillis(500))).isEqualTo(DaemonControl.Stopped.KILLED);
        assertThat(control.pidFile()).doesNotExist();
    }

    @Test
    void stopRefusesToSignalAProcessThatIsNotAnOrchestrator() throws Exception {
        Process p = new ProcessBuilder("sleep", "300").start();
        try {
            Files.writeString(data.resolve("orchestrator.pid"), p.pid() + "\n");
            DaemonControl d = control(false);
            assertThatThrownBy(() -> d.stop(Duration.ofSeconds(1)))
                    .isInstanceOfSatisfying(CliException.class, e -> assertThat(e.code()).isEqualTo("E_NOT_OURS"));
            assertThat(p.isAlive()).isTrue();
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void aDaemonStartedForAnExplicitEndpointIsToldToListenThere() throws Exception {
        launcher("echo \"args: $*\"; exit 3");
        control = new DaemonControl(home, data, "http://127.0.0.1:9191", true, home.resolve("c.toml"), Duration.ofSeconds(2));
        assertThatThrownBy(() -> control.start(Duration.ofSeconds(10)))
                .isInstanceOfSatisfying(CliException.class, e -> assertThat(e.detail()).contains(
                        "args: --data-dir " + data + " --config " + home.resolve("c.toml") + " --host 127.0.0.1 --port 9191"));
        assertThat(DaemonControl.listenFlags("http://[::1]:80/")).containsExactly("--host", "::1", "--port", "80");
        assertThat(DaemonControl.listenFlags("http://localhost")).isEmpty();
        assertThat(DaemonControl.listenFlags("https://127.0.0.1:8443")).isEmpty();
    }

    @Test
    void aMissingLauncherIsReported() {
        assertThatThrownBy(() -> control(false).start(Duration.ofSeconds(1)))
                .isInstanceOfSatisfying(CliException.class, e -> assertThat(e.code()).isEqualTo("E_NOT_INSTALLED"));
    }
}
