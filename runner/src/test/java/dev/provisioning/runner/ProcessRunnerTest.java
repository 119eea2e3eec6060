package dev.provisioning.runner;

import com.fasterxml.jackson.databind.node.ObjectNode;

import static dev.provisioning.runner.TestSupport.alive;
import static dev.provisioning.runner.TestSupport.liveGroupMembers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.provisioning.core.error.ErrorCode;
import dev.provisioning.core.error.ProvisioningException;
import dev.provisioning.core.model.Action;
import dev.provisioning.core.model.Json;
import dev.provisioning.core.port.Runner.AttemptExit;
import dev.provisioning.core.port.Runner.AttemptSpec;
import dev.provisioning.core.port.Runner.RunHandle;
import dev.provisioning.runner.TestSupport.Recorder;
import dev.provisioning.runner.TestSupport.Recorder.Progress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessRunnerTest {
    @TempDir
    Path tmp;
    Path dataDir;
    ProcessRunner runner;

    @BeforeEach
    void setUp() throws IOException {
        dataDir = Files.createDirectories(tmp.resolve("data"));
        runner = newRunner();
    }

    @AfterEach
    void tearDown() {
        runner.close();
    }

    /** The spawner under test: the system's (posix_spawn on a JDK 22+); {@link ProcessRunnerJdkSpawnerTest} overrides it. */
    Spawner spawner() {
        return Spawners.system();
    }

    ProcessRunner newRunner() {
        RunnerSettings s = settings();
        return new ProcessRunner(s, new dev.provisioning.core.action.ActionValidator(s.libDirs()), spawner());
    }

    RunnerSettings settings() {
        return new RunnerSettings(TestSupport.nu(), List.of(TestSupport.testLib(), TestSupport.nulib()),
                Map.of("RUNNER_TEST_EXTRA", "from-config"), Duration.ofSeconds(1), "http://127.0.0.1:9", "test-token",
                dataDir);
    }

    Path runDir(String task) {
        return dataDir.resolve("runs").resolve("wf-1").resolve(task).resolve("1");
    }

    AttemptSpec spec(String task, Action action, Duration timeout) {
        return new AttemptSpec("wf-1", task, 1, action, "idem-" + task, null, null, timeout, runDir(task));
    }

    /** Waits until a test task has written a pid into {@code file}, and returns it. */
    static long awaitPidFile(Path file) {
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
                .until(() -> Files.readString(file).trim().matches("\\d+"));
        try {
            return TestSupport.readPid(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static Action nu(String function, String argsJson) {
        return new Action.Nu("fixtures/basic.nu", function, Json.read(argsJson));
    }

    // ---------------------------------------------------------------------------------------------------------

    @Test
    void nuActionReturnsResultAndLeavesAFullRunDir() throws IOException {
        Recorder rec = new Recorder();
        RunHandle h = runner.start(spec("echo", nu("echo-params", "{\"name\":\"wuji\",\"n\":3,\"list\":[1,2]}"),
                Duration.ZERO), rec);
        AttemptExit exit = rec.await();

        assertThat(exit.exitCode()).isZero();
        assertThat(exit.succeeded()).as("error: %s, stderr: %s", exit.error(), exit.stderrTail()).isTrue();
        assertThat(exit.result()).isEqualTo(Json.read("{\"name\":\"wuji\",\"n\":3,\"list\":[1,2]}"));
        Path rd = runDir("echo");
        assertThat(Files.readString(rd.resolve("exit")).trim()).isEqualTo("0");
        // the daemon writes nothing there itself: the logs are the spawn's redirections, result and exit nu's
        try (var files = Files.list(rd)) {
            assertThat(files.map(f -> f.getFileName().toString()))
                    .containsExactlyInAnyOrder("stdout.log", "stderr.log", "result.json", "exit");
        }
        String wrapper = ProcessRunner.nuWrapper(TestSupport.testLib().toRealPath().resolve("fixtures/basic.nu"), "echo-params");
        assertThat(wrapper).contains("use '" + TestSupport.testLib().toRealPath().resolve("fixtures/basic.nu") + "' [echo-params]")
                .doesNotContain("wuji");
        assertThat(rec.exitedCalls).hasValue(1);
        // reported at the exit file; the runner follows nu's teardown to its end
        await().atMost(Duration.ofSeconds(10)).until(() -> runner.runningCount() == 0);
        assertThat(liveGroupMembers(h.pid())).isEmpty();
    }

    @Test
    void aNuTaskEndsWithoutRenderingItsLastValue() throws IOException {
        // Left to end on its own, nu -c renders the script's last value; with no terminal it asks `tput` for the
        // size, 4 processes that cost a quarter of a trivial task's CPU (D39). A `tput` on PATH records any call.
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path calls = tmp.resolve("tput-calls");
        Path tput = Files.writeString(bin.resolve("tput"), "#!/bin/sh\necho \"$@\" >> '" + calls + "'\n");
        tput.toFile().setExecutable(true);
        RunnerSettings s = settings();
        runner.close();
        runner = new ProcessRunner(new RunnerSettings(s.nuBinary(), s.libDirs(), Map.of("PATH", bin + ":" + System.getenv("PATH")),
                s.killGrace(), s.orchestratorUrl(), s.token(), dataDir), new dev.provisioning.core.action.ActionValidator(s.libDirs()), spawner());
        Recorder rec = new Recorder();
        RunHandle h = runner.start(spec("quiet", nu("echo-params", "{\"n\":1}"), Duration.ZERO), rec);
        assertThat(rec.await().succeeded()).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> runner.runningCount() == 0);
        assertThat(liveGroupMembers(h.pid())).isEmpty();
        assertThat(calls).doesNotExist();
    }

    @Test
    void theExitIsReportedWhenTheExitFileAppearsAndAStragglingProcessIsKilledAfterTheGrace() throws IOException {
        Recorder rec = new Recorder();
        // writes a complete exit file into its run dir (its working directory), then lingers like a slow teardown
        RunHandle h = runner.start(spec("early", new Action.Command(List.of("sh", "-c",
                "echo $$ > straggler.pid; printf '0\\n' > exit; exec sleep 300")), Duration.ZERO), rec);
        AttemptExit exit = rec.awaitExit(Duration.ofSeconds(5));
        assertThat(exit.succeeded()).as("error: %s", exit.error()).isTrue();
        long straggler = TestSupport.readPid(runDir("early").resolve("straggler.pid"));
        assertThat(runner.runningCount()).as("still followed after the report").isEqualTo(1);
        // kill grace is 1 s: TERM to the group, then it is gone, and nothing is reported twice
        await().atMost(Duration.ofSeconds(10)).until(() -> runner.runningCount() == 0);
        assertThat(alive(straggler)).isFalse();
        assertThat(liveGroupMembers(h.pid())).isEmpty();
        assertThat(rec.exitedCalls).hasValue(1);
    }

    @Test
    void resultsWithControlCharactersArriveIntact() {
        Recorder rec = new Recorder();
        String args = "{\"s\":\"esc\\u001b[31m bell\\u0007 del\\u007f tab\\t nl\\n\"}";
        runner.start(spec("ctl", nu("echo-params", args), Duration.ZERO), rec);
        AttemptExit exit = rec.await();
        assertThat(exit.succeeded()).as("error: %s, stderr: %s", exit.error(), exit.stderrTail()).isTrue();
        assertThat(exit.result()).isEqualTo(Json.read(args));
    }

    @Test
    void functionReturningNothingGivesJsonNull() throws IOException {
        Recorder rec = new Recorder();
        runner.start(spec("nothing", nu("nothing", "{}"), Duration.ZERO), rec);
        AttemptExit exit = rec.await();
        assertThat(exit.succeeded()).as("%s / %s", exit.error(), exit.stderrTail()).isTrue();
        assertThat(exit.result()).isEqualTo(NullNode.getInstance());
        assertThat(Files.readString(runDir("nothing").resolve("result.json")).trim()).isEqualTo("null");
    }

    @Test
    void progressAndCheckpointLinesReachTheListenerBeforeTheExit() {
        Recorder rec = new Recorder();
        runner.start(spec("progress", nu("with-progress", "{}"), Duration.ZERO), rec);
        AttemptExit exit = rec.await();
        assertThat(exit.succeeded()).isTrue();
        assertThat(rec.progress).containsExactly(new Progress(10, "starting"), new Progress(100, "clamped high"),
                new Progress(0, "clamped low"), new Progress(100, "done"));
        assertThat(rec.checkpoints).containsExactly(Json.read("{\"step\":1,\"name\":\"first\"}"));
        assertThat(rec.events.getLast()).isSameAs(exit);
    }

    @Test
    void failingFunctionGivesNonZeroExitAndStderrTail() {
        Recorder rec = new Recorder();
        runner.start(spec("fail", nu("fail", "{\"reason\":\"disk full\"}"), Duration.ZERO), rec);
        AttemptExit exit = rec.await();
        assertThat(exit.exitCode()).isNotZero();
        assertThat(exit.succeeded()).isFalse();
        assertThat(exit.error()).as("a plain failure: the scheduler describes it from the stderr tail").isNull();
        assertThat(exit.stderrTail()).contains("about to fail").contains("deliberate failure: disk full");
        assertThat(exit.result()).isNull();
    }

    @Test
    void invalidResultJsonFailsAnAttemptThatExitedZero() {
        Recorder rec = new Recorder();
        runner.start(spec("bad", nu("bad-result", "{}"), Duration.ZERO), rec);
        AttemptExit exit = rec.await();
        assertThat(exit.exitCode()).isZero();
        assertThat(exit.succeeded()).isFalse();
        assertThat(exit.error()).contains("result.json is not valid JSON");
        assertThat(exit.result()).isNull();
    }

    @Test
    void hostileArgumentsArriveAsPlainData() throws IOException {
        Path marker = tmp.resolve("pwned");
        String[] hostile = {
                "'; rm -rf / #", "$(touch " + marker + ")", "`touch " + marker + "`", "\"; touch " + marker + "; \"",
                "(touch " + marker + ")", "'] ; touch " + marker + " ; ['", "line\nbreak ^touch " + marker, "ünï¢ødé ✓"};
        var args = Json.MAPPER.createObjectNode();
        var list = args.putArray("list");
        for (int i = 0; i < hostile.length; i++) {
            args.put("k" + i, hostile[i]);
            list.add(hostile[i]);
        }
        args.put("$(touch " + marker + ")", "key too");

        Recorder nuRec = new Recorder();
        runner.start(spec("hostile-nu", new Action.Nu("fixtures/basic.nu", "echo-params", args), Duration.ZERO), nuRec);
        AttemptExit nuExit = nuRec.await();
        assertThat(nuExit.succeeded()).as("%s / %s", nuExit.error(), nuExit.stderrTail()).isTrue();
        assertThat(nuExit.result()).isEqualTo(args);

        Recorder scriptRec = new Recorder();
        runner.start(spec("hostile-script", new Action.Script("scripts/args.nu", List.of(hostile)), Duration.ZERO),
                scriptRec);
        AttemptExit scriptExit = scriptRec.await();
        assertThat(scriptExit.succeeded()).as("%s / %s", scriptExit.error(), scriptExit.stderrTail()).isTrue();
        assertThat(scriptExit.result().get("args")).isEqualTo(list);

        Recorder cmdRec = new Recorder();
        List<String> argv = new java.util.ArrayList<>(List.of("printf", "%s\\n"));
        argv.addAll(List.of(hostile));
        runner.start(spec("hostile-cmd", new Action.Command(argv), Duration.ZERO), cmdRec);
        assertThat(cmdRec.await().succeeded()).isTrue();
        assertThat(Files.readString(runDir("hostile-cmd").resolve("stdout.log")))
                .isEqualTo(String.join("\n", hostile) + "\n");

        assertThat(marker).doesNotExist();
    }

    @Test
    void strayGroupsInTheRunsDirAreStoppedWithKillAfterTheGraceAndKeptOnesAreLeftAlone() throws Exception {
        Recorder keptRec = new Recorder(), strayRec = new Recorder();
        RunHandle kept = runner.start(spec("kept", new Action.Command(List.of("sleep", "30")), Duration.ZERO), keptRec);
        // ignores TERM (so does its sleep): only the KILL after the grace period (1 s here) stops it
        RunHandle stray = runner.start(spec("stray", new Action.Command(List.of("sh", "-c", "trap '' TERM; echo ready; sleep 30")),
                Duration.ZERO), strayRec);
        try {
            strayGroupIsStopped(kept, stray, strayRec);
        } finally { // whatever failed: no process of the test is left behind
            for (RunHandle h : List.of(kept, stray)) new ProcessBuilder("kill", "-KILL", "--", "-" + h.pid()).start().waitFor();
        }
        assertThat(keptRec.await().cancelled()).isTrue();
    }

    private void strayGroupIsStopped(RunHandle kept, RunHandle stray, Recorder strayRec) throws Exception {
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(runDir("stray").resolve("stdout.log"))
                && Files.readString(runDir("stray").resolve("stdout.log")).contains("ready"));
        // given through a symlink to the data dir: /proc shows the real paths
        Path link = Files.createSymbolicLink(dataDir.resolve("alias"), dataDir);
        Path keptViaLink = link.resolve(dataDir.relativize(runDir("kept")));
        assertThat(runner.stopStrays(link.resolve("runs"), java.util.Set.of(keptViaLink))).containsExactly(stray.pid());
        await("TERM is ignored").during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                .until(() -> !ProcessGroups.liveMembers(stray.pid()).isEmpty());
        await().atMost(Duration.ofSeconds(10)).until(() -> ProcessGroups.liveMembers(stray.pid()).isEmpty());
        assertThat(strayRec.await().exitCode()).isNotZero();
        assertThat(ProcessGroups.liveMembers(kept.pid())).as("the kept attempt runs on").isNotEmpty();
        assertThat(runner.stopStrays(dataDir.resolve("runs"), java.util.Set.of(runDir("kept")))).isEmpty();
        kept.cancel();
    }

    @Test
    void anEnvironmentValueOverTheOsLimitIsRefusedByItsUtf8SizeBeforeAnyProcessStarts() throws IOException {
        // 60,000 two-byte characters: 120,000 bytes, under the 120 KiB (122,880 bytes) limit; the task prints its size
        Recorder rec = new Recorder();
        ObjectNode fits = Json.MAPPER.createObjectNode().put("s", "é".repeat(60_000));
        runner.start(new AttemptSpec("wf-1", "fits", 1, new Action.Command(List.of("sh", "-c", "printf %s \"$PROVISIONING_INPUTS\" | wc -c")),
                "idem", fits, null, Duration.ZERO, runDir("fits")), rec);
        assertThat(rec.await().exitCode()).isZero();
        assertThat(Files.readString(runDir("fits").resolve("stdout.log")).trim()).isEqualTo("" + (120_000 + "{\"s\":\"\"}".length()));
        // 61,500 of them (123,000 bytes, though only 61,500 chars) is refused, naming the variable
        ObjectNode tooBig = Json.MAPPER.createObjectNode().put("s", "é".repeat(61_500));
        assertThatThrownBy(() -> runner.start(new AttemptSpec("wf-1", "big", 1, new Action.Command(List.of("true")), "idem",
                tooBig, null, Duration.ZERO, runDir("big")), new Recorder()))
                .isInstanceOfSatisfying(ProvisioningException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_VALUE);
                    assertThat(e.getMessage()).contains("PROVISIONING_INPUTS is 123008 bytes");
                });
        assertThat(runDir("big").resolve("stdout.log")).doesNotExist();
    }

    @Test
    void pathTraversalAndCodeInFunctionNamesAreRejectedBeforeAnyProcessStarts() {
        assertThatThrownBy(() -> runner.start(spec("trav", new Action.Nu("../../etc/passwd", "x", Json.read("{}")),
                Duration.ZERO), new Recorder()))
                .isInstanceOfSatisfying(ProvisioningException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.MODULE_OUTSIDE_LIB));
        assertThatThrownBy(() -> runner.start(spec("fn", new Action.Nu("fixtures/basic.nu", "x; rm -rf /",
                Json.read("{}")), Duration.ZERO), new Recorder()))
                .isInstanceOfSatisfying(ProvisioningException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_FUNCTION));
        assertThatThrownBy(() -> runner.start(spec("unexported", new Action.Nu("fixtures/basic.nu", "not-there",
                Json.read("{}")), Duration.ZERO), new Recorder()))
                .isInstanceOfSatisfying(ProvisioningException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_FUNCTION));
        assertThatThrownBy(() -> runner.start(spec("script", new Action.Script("/etc/passwd.nu", List.of()),
                Duration.ZERO), new Recorder()))
                .isInstanceOfSatisfying(ProvisioningException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.MODULE_OUTSIDE_LIB));
        assertThat(dataDir.resolve("runs")).doesNotExist();
        assertThat(runner.runningCount()).isZero();
    }

    @Test
    void wrapperGenerationRechecksItsInputs() {
        assertThatThrownBy(() -> ProcessRunner.nuWrapper(Path.of("/tmp/x'; rm -rf /; '.nu"), "f"))
                .isInstanceOf(ProvisioningException.class);
        assertThatThrownBy(() -> ProcessRunner.nuWrapper(Path.of("/tmp/x.nu"), "f; rm -rf /"))
                .isInstanceOf(ProvisioningException.class);
        assertThat(ProcessRunner.nuWrapper(Path.of("/lib/servers/create.nu"), "create-server")).isEqualTo("""
                use '/lib/servers/create.nu' [create-server]
                let r = try { create-server ($env.PROVISIONING_PARAMS | from json) } catch {|e| print -e $e.rendered; "1\\n" | save -f ($env.PROVISIONING_RUN_DIR | path join exit); exit 1 }
                $r | to json -r | save -f $env.PROVISIONING_RESULT_FILE
                "0\\n" | save -f ($env.PROVISIONING_RUN_DIR | path join exit)
                exit 0
                """);
    }

    @Test
    void attemptEnvironmentCarriesTheProtocolVariables() throws IOException {
        Recorder rec = new Recorder();
        AttemptSpec spec = new AttemptSpec("wf-9", "env", 3, nu("env-info", "{}"), "key-123",
                Json.read("{\"dep\":{\"ip\":\"10.0.0.1\"}}"), Json.read("{\"step\":2}"), Duration.ZERO, runDir("env"));
        runner.start(spec, rec);
        AttemptExit exit = rec.await();
        assertThat(exit.succeeded()).as("%s / %s", exit.error(), exit.stderrTail()).isTrue();
        JsonNode r = exit.result();
        Path rd = runDir("env").toAbsolutePath();
        assertThat(r.get("workflow").asText()).isEqualTo("wf-9");
        assertThat(r.get("task").asText()).isEqualTo("env");
        assertThat(r.get("attempt").asText()).isEqualTo("3");
        assertThat(r.get("key").asText()).isEqualTo("key-123");
        assertThat(r.get("inputs")).isEqualTo(Json.read("{\"dep\":{\"ip\":\"10.0.0.1\"}}"));
        assertThat(r.get("checkpoint").asText()).isEqualTo("{\"step\":2}");
        assertThat(r.get("result_file").asText()).isEqualTo(rd.resolve("result.json").toString());
        assertThat(r.get("run_dir").asText()).isEqualTo(rd.toString());
        assertThat(r.get("pwd").asText()).isEqualTo(rd.toRealPath().toString());
        assertThat(r.get("url").asText()).isEqualTo("http://127.0.0.1:9");
        assertThat(r.get("token").asText()).isEqualTo("test-token");
        assertThat(r.get("data_dir").asText()).isEqualTo(dataDir.toAbsolutePath().toString());
        assertThat(r.get("extra").asText()).isEqualTo("from-config");
        // nu turns the ':'-joined NU_LIB_DIRS into a list
        assertThat(r.get("lib_dirs").isArray()).isTrue();
        assertThat(r.get("lib_dirs").get(0).asText()).isEqualTo(TestSupport.testLib().toString());

        Recorder rec2 = new Recorder();
        runner.start(new AttemptSpec("wf-9", "env2", 1, nu("env-info", "{}"), "k", null, null, Duration.ZERO,
                runDir("env2")), rec2);
        JsonNode r2 = rec2.await().result();
        assertThat(r2.get("inputs")).isEqualTo(Json.read("{}"));
        assertThat(r2.get("checkpoint").asText()).isEqualTo("none");
    }

    @Test
    void modulesFindOtherModulesThroughNuLibDirs() {
        Recorder rec = new Recorder();
        runner.start(spec("lib", new Action.Nu("fixtures/uses-lib.nu", "greet-via-lib", Json.read("{\"name\":\"ann\"}")),
                Duration.ZERO), rec);
        AttemptExit exit = rec.await();
        assertThat(exit.succeeded()).as("%s / %s", exit.error(), exit.stderrTail()).isTrue();
        assertThat(exit.result()).isEqualTo(Json.read("{\"greeting\":\"hello, ann\"}"));
    }

    /** An ended attempt leaves no timer behind (its timeout and its leftovers check are cancelled and dropped). */
    @Test
    void endedAttemptsLeaveNoTimersQueued() {
        int before = runner.queuedTimers(); // the log tick
        List<Recorder> recs = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Recorder rec = new Recorder();
            recs.add(rec);
            runner.start(spec("quick-" + i, new Action.Command(List.of("sh", "-c", "exit 0")), Duration.ofHours(1)), rec);
        }
        for (Recorder r : recs) assertThat(r.await().succeeded()).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> runner.runningCount() == 0);
        assertThat(runner.queuedTimers()).isEqualTo(before);
    }

    /** executor.task_nice: the attempt's processes run that much nicer than the daemon (where the spawner can). */
    @Test
    void anAttemptRunsTaskNiceNicerThanTheDaemon() throws Exception {
        RunnerSettings s = settings();
        s = new RunnerSettings(s.nuBinary(), s.libDirs(), s.envVars(), s.killGrace(), s.orchestratorUrl(), s.token(),
                s.dataDir(), 4);
        try (ProcessRunner niced = new ProcessRunner(s, new dev.provisioning.core.action.ActionValidator(s.libDirs()), spawner())) {
            Recorder rec = new Recorder();
            // set before start returns; the command waits for a file made after that, in its run dir
            niced.start(spec("niced", new Action.Command(List.of("sh", "-c", "while [ ! -e go ]; do sleep 0.01; done; "
                    + "read -r s < /proc/$$/stat; set -- ${s##*) }; echo \"nice=${17}\"")), Duration.ZERO), rec);
            Files.createFile(runDir("niced").resolve("go"));
            AttemptExit exit = rec.await();
            assertThat(exit.succeeded()).as("%s / %s", exit.error(), exit.stderrTail()).isTrue();
            int daemon = NativeSpawnerTest.niceOf(Files.readString(Path.of("/proc/thread-self/stat")));
            int expected = niced.spawner().setsNice() ? Math.min(19, daemon + 4) : daemon;
            assertThat(Files.readString(runDir("niced").resolve("stdout.log"))).contains("nice=" + expected + "\n");
        }
    }

    @Test
    void commandActionRunsArgvWithoutAShellInItsOwnGroup() throws IOException {
        Recorder rec = new Recorder();
        RunHandle h = runner.start(spec("cmd", new Action.Command(List.of("sh", "-c",
                "echo 'PROGRESS: 40 from sh'; echo oops >&2; read -r x || echo \"stdin: eof\"; sleep 30; exit 3")),
                Duration.ZERO), rec);
        await().atMost(Duration.ofSeconds(10)).until(() -> rec.progress.size() == 1);
        // the launcher is the leader of its own process group; of its own session too only where the spawner says so
        String[] st = TestSupport.stat(h.pid());
        assertThat(Long.parseLong(st[2])).as("pgrp").isEqualTo(h.pid());
        assertThat(Long.parseLong(st[3])).as("session").isEqualTo(runner.spawner().newGroupIsNewSession() ? h.pid()
                : TestSupport.ourSession());
        assertThat(ProcessHandle.current().pid()).isNotEqualTo(h.pid());
        // the pid file holds the launcher's pid and its start time (field 22 of /proc/<pid>/stat)
        assertThat(Files.readString(runDir("cmd").resolve("pid")).trim()).isEqualTo(h.pid() + " " + st[19]);
        h.cancel();
        AttemptExit exit = rec.await();
        assertThat(exit.cancelled()).isTrue();
        assertThat(rec.progress).containsExactly(new Progress(40, "from sh"));
        assertThat(exit.stderrTail()).startsWith("oops\n");
        assertThat(Files.readString(runDir("cmd").resolve("stdout.log"))).contains("stdin: eof");

        Recorder rec2 = new Recorder();
        runner.start(spec("cmd-exit", new Action.Command(List.of("sh", "-c", "exit 3")), Duration.ZERO), rec2);
        AttemptExit exit2 = rec2.await();
        assertThat(exit2.exitCode()).isEqualTo(3);
        assertThat(exit2.error()).isNull();
        assertThat(exit2.succeeded()).isFalse();

        Recorder rec3 = new Recorder();
        runner.start(spec("cmd-missing", new Action.Command(List.of("no-such-command-xyz")), Duration.ZERO), rec3);
        AttemptExit exit3 = rec3.await();
        assertThat(exit3.exitCode()).isEqualTo(127);
        assertThat(exit3.stderrTail()).contains("no-such-command-xyz");
    }

    @Test
    void timeoutKillsTheWholeGroupIncludingGrandchildren() throws IOException {
        Recorder rec = new Recorder();
        RunHandle h = runner.start(spec("timeout", nu("spawn-sleep", "{}"), Duration.ofMillis(1500)), rec);
        Path gcFile = runDir("timeout").resolve("grandchild.pid");
        long grandchild = awaitPidFile(gcFile);
        assertThat(alive(grandchild)).isTrue();
        assertThat(liveGroupMembers(h.pid())).contains(h.pid(), grandchild);

        AttemptExit exit = rec.await();
        assertThat(exit.timedOut()).isTrue();
        assertThat(exit.cancelled()).isFalse();
        assertThat(exit.succeeded()).isFalse();
        assertThat(exit.error()).isNull();
        assertThat(exit.exitCode()).isEqualTo(143); // nu died of TERM; the launcher survived to record it
        assertThat(Files.readString(runDir("timeout").resolve("exit")).trim()).isEqualTo("143");
        assertThat(rec.progress).containsExactly(new Progress(5, "spawning"));
        assertThat(alive(grandchild)).isFalse();
        assertThat(liveGroupMembers(h.pid())).isEmpty();
    }

    @Test
    void timeoutKillsAChildThatIgnoresTerm() throws IOException {
        Recorder rec = new Recorder();
        RunHandle h = runner.start(spec("ignore-term", new Action.Command(List.of("sh", "-c",
                "trap '' TERM; sleep 300 & echo $! > grandchild.pid; wait")), Duration.ofMillis(500)), rec);
        Path gcFile = runDir("ignore-term").resolve("grandchild.pid");
        long grandchild = awaitPidFile(gcFile);

        AttemptExit exit = rec.await();
        assertThat(exit.timedOut()).isTrue();
        assertThat(exit.exitCode()).isEqualTo(137); // KILL took the launcher too; the runner wrote the exit file
        assertThat(Files.readString(runDir("ignore-term").resolve("exit")).trim()).isEqualTo("137");
        assertThat(alive(grandchild)).isFalse();
        assertThat(liveGroupMembers(h.pid())).isEmpty();
    }

    @Test
    void leftoversThatIgnoreTermAreKilledAfterTheTaskDies() throws IOException {
        Recorder rec = new Recorder();
        RunHandle h = runner.start(spec("leftover", nu("spawn-sleep-ignoring-term", "{}"), Duration.ofMillis(1500)), rec);
        Path gcFile = runDir("leftover").resolve("grandchild.pid");
        long grandchild = awaitPidFile(gcFile);

        AttemptExit exit = rec.await();
        assertThat(exit.timedOut()).isTrue();
        assertThat(alive(grandchild)).isFalse();
        assertThat(liveGroupMembers(h.pid())).isEmpty();
    }

    @Test
    void backgroundProcessesLeftByASuccessfulTaskAreCleanedUp() throws IOException {
        Recorder rec = new Recorder();
        RunHandle h = runner.start(spec("bg", new Action.Command(List.of("sh", "-c",
                "sleep 300 & echo $! > grandchild.pid; exit 0")), Duration.ZERO), rec);
        AttemptExit exit = rec.await();
        assertThat(exit.succeeded()).isTrue();
        long grandchild = TestSupport.readPid(runDir("bg").resolve("grandchild.pid"));
        // the exit is reported when the launcher records it; the leftover is killed while the group is followed
        await().atMost(Duration.ofSeconds(10)).until(() -> runner.runningCount() == 0);
        assertThat(alive(grandchild)).isFalse();
        assertThat(liveGroupMembers(h.pid())).isEmpty();
    }

    @Test
    void cancelKillsTheGroupAndExitedIsCalledOnce() throws IOException {
        Recorder rec = new Recorder();
        RunHandle h = runner.start(spec("cancel", nu("spawn-sleep", "{}"), Duration.ofSeconds(60)), rec);
        Path gcFile = runDir("cancel").resolve("grandchild.pid");
        long grandchild = awaitPidFile(gcFile);

        h.cancel();
        h.cancel();
        AttemptExit exit = rec.await();
        h.cancel();
        assertThat(exit.cancelled()).isTrue();
        assertThat(exit.timedOut()).isFalse();
        assertThat(exit.error()).isNull();
        assertThat(alive(grandchild)).isFalse();
        assertThat(liveGroupMembers(h.pid())).isEmpty();
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> rec.exitedCalls.get() == 1);
    }

    @Test
    void aRunDirIsNeverReused() {
        Recorder rec = new Recorder();
        runner.start(spec("reuse", new Action.Command(List.of("true")), Duration.ZERO), rec);
        rec.await();
        assertThatThrownBy(() -> runner.start(spec("reuse", new Action.Command(List.of("true")), Duration.ZERO),
                new Recorder()))
                .isInstanceOfSatisfying(ProvisioningException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.RUNNER_FAILURE))
                .hasMessageContaining("already used");
    }

    @Test
    void attemptsOutliveCloseAndAreReattached() throws IOException {
        Path rd = runDir("outlive");
        Path go = tmp.resolve("go");
        // waits until the test creates 'go', so the attempt is surely running across the runner swap
        Action action = new Action.Command(List.of("sh", "-c",
                "echo 'PROGRESS: 50 half'; while [ ! -e \"$1\" ]; do sleep 0.05; done; echo '{\"x\":1}' > result.json",
                "sh", go.toString()));
        Recorder first = new Recorder();
        RunHandle h = runner.start(spec("outlive", action, Duration.ZERO), first);
        await().atMost(Duration.ofSeconds(10)).until(() -> first.progress.size() == 1 && Files.exists(rd.resolve("pid")));
        runner.close();
        assertThat(alive(h.pid())).isTrue();

        runner = newRunner();
        Recorder second = new Recorder();
        RunHandle h2 = runner.reattach(spec("outlive", action, Duration.ZERO), second);
        assertThat(h2.pid()).isEqualTo(h.pid());
        await().atMost(Duration.ofSeconds(10)).until(() -> second.progress.size() == 1);
        Files.createFile(go);
        AttemptExit exit = second.await();
        assertThat(exit.succeeded()).as("%s", exit.error()).isTrue();
        assertThat(exit.result()).isEqualTo(Json.read("{\"x\":1}"));
        assertThat(second.progress).containsExactly(new Progress(50, "half"));
        assertThat(first.exitedCalls).hasValue(0);

        // once it has ended, a reattach reports the recorded outcome at once
        Recorder third = new Recorder();
        runner.reattach(spec("outlive", action, Duration.ZERO), third);
        assertThat(third.await().result()).isEqualTo(Json.read("{\"x\":1}"));
    }

    @Test
    void nuAttemptsRecordTheirOwnExitAndOutliveClose() throws IOException {
        Path rd = runDir("nu-outlive");
        Path go = tmp.resolve("nu-go");
        Action action = nu("wait-for", Json.write(Json.MAPPER.createObjectNode().put("go", go.toString()).put("value", 7)));
        Recorder first = new Recorder();
        RunHandle h = runner.start(spec("nu-outlive", action, Duration.ZERO), first);
        // no shell: the launched process is nu itself, leading its own session; no pid file
        await().atMost(Duration.ofSeconds(10)).until(() -> ProcessGroups.stat(h.pid()).pgrp() == h.pid());
        assertThat(rd.resolve("pid")).doesNotExist();
        runner.close();
        assertThat(alive(h.pid())).isTrue();

        runner = newRunner();
        assertThat(runner.neverStarted(rd)).isFalse();
        Recorder second = new Recorder();
        // found by its working directory, and recorded for the next restart
        assertThat(runner.reattach(spec("nu-outlive", action, Duration.ZERO), second).pid()).isEqualTo(h.pid());
        assertThat(Files.readString(rd.resolve("pid"))).startsWith(h.pid() + " ");
        Files.createFile(go);
        AttemptExit exit = second.await();
        assertThat(exit.succeeded()).as("%s / %s", exit.error(), exit.stderrTail()).isTrue();
        assertThat(exit.result()).isEqualTo(Json.read("7"));
        assertThat(Files.readString(rd.resolve("exit"))).isEqualTo("0\n");
        assertThat(first.exitedCalls).hasValue(0);
    }

    @Test
    void aFailingNuFunctionRecordsExit1AndItsErrorOnStderr() throws IOException {
        Recorder rec = new Recorder();
        runner.start(spec("nu-fail", nu("fail", "{\"reason\":\"disk full\"}"), Duration.ZERO), rec);
        AttemptExit exit = rec.await();
        assertThat(exit.exitCode()).isEqualTo(1);
        assertThat(exit.error()).isNull();
        assertThat(exit.stderrTail()).contains("disk full");
        assertThat(Files.readString(runDir("nu-fail").resolve("exit"))).isEqualTo("1\n");
    }

    @Test
    void reattachAdoptsALaunchWhosePidFileWasNeverWritten() throws Exception {
        // the daemon died between spawning an attempt and recording its pid: a group leader works in the run dir
        Path rd = Files.createDirectories(runDir("orphan"));
        // started as the runner starts attempts: its own process group (and, on the ProcessBuilder path, session)
        Spawner.Child orphan = spawner().spawn(List.of("/bin/sh", "-c", "while [ ! -e go ]; do sleep 0.05; done"),
                Map.of("PATH", "/usr/bin:/bin"), rd, null, null, true);
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> ProcessGroups.groupLeaderWorkingIn(rd).isPresent());
            assertThat(ProcessGroups.groupLeaderWorkingIn(rd)).get().extracting(ProcessGroups.Stat::pid).isEqualTo(orphan.pid());
            Recorder rec = new Recorder();
            RunHandle h = runner.reattach(spec("orphan", new Action.Command(List.of("true")), Duration.ZERO), rec);
            assertThat(h.pid()).isEqualTo(orphan.pid());
            assertThat(Files.readString(rd.resolve("pid"))).startsWith(orphan.pid() + " ");
            // followed, not reported lost: no exit for as long as it runs
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> rec.exitedCalls.get() == 0);
            Files.createFile(rd.resolve("go"));
            AttemptExit exit = rec.await();
            assertThat(exit.error()).doesNotStartWith("attempt lost").contains("ended without recording an exit status");
        } finally {
            ProcessHandle.of(orphan.pid()).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void aNuAttemptKilledWhileTheDaemonWasDownRunsAgainUnderItsNumber() throws IOException {
        Recorder first = new Recorder();
        RunHandle h = runner.start(spec("died", nu("wait-for", Json.write(Json.MAPPER.createObjectNode()
                .put("go", tmp.resolve("never").toString()).put("value", 1))), Duration.ZERO), first);
        await().atMost(Duration.ofSeconds(10)).until(() -> ProcessGroups.stat(h.pid()).pgrp() == h.pid());
        runner.close();
        ProcessHandle.of(h.pid()).orElseThrow().destroyForcibly(); // SIGKILL: no exit file, and no pid file was ever written
        await().atMost(Duration.ofSeconds(10)).until(() -> !alive(h.pid()));

        runner = newRunner();
        Path rd = runDir("died");
        // no pid, no exit, no process: as if its spawn had never happened (a daemon killed mid-spawn leaves the same)
        assertThat(runner.neverStarted(rd)).isTrue();
        Recorder second = new Recorder();
        runner.start(spec("died", nu("echo-params", "{\"again\":true}"), Duration.ZERO), second);
        AttemptExit exit = second.await();
        assertThat(exit.succeeded()).as("%s", exit.error()).isTrue();
        assertThat(exit.result()).isEqualTo(Json.read("{\"again\":true}"));
        assertThat(runner.neverStarted(rd)).isFalse();
    }

    @Test
    void reattachReportsALostAttempt() throws IOException {
        Files.createDirectories(runDir("lost"));
        Files.writeString(runDir("lost").resolve("pid"), "999999999 12345\n");
        Recorder rec = new Recorder();
        runner.reattach(spec("lost", new Action.Command(List.of("true")), Duration.ZERO), rec);
        AttemptExit exit = rec.await();
        assertThat(exit.exitCode()).isEqualTo(-1);
        assertThat(exit.succeeded()).isFalse();
        assertThat(exit.error()).startsWith("attempt lost");
    }

    @Test
    void reattachIgnoresAReusedPid() throws IOException {
        // our own pid, with a wrong start time: a pid reused by an unrelated process
        Files.createDirectories(runDir("reused"));
        Files.writeString(runDir("reused").resolve("pid"), ProcessHandle.current().pid() + " 1\n");
        Recorder rec = new Recorder();
        runner.reattach(spec("reused", new Action.Command(List.of("true")), Duration.ZERO), rec);
        assertThat(rec.await().error()).startsWith("attempt lost");
    }

    @Test
    void missingNuBinaryIsAConfigError() {
        assertThatThrownBy(() -> new ProcessRunner(new RunnerSettings("/nonexistent/nu", List.of(TestSupport.testLib()),
                Map.of(), Duration.ofSeconds(1), "", "", dataDir)))
                .isInstanceOfSatisfying(ProvisioningException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID);
                    assertThat(e.where()).isEqualTo("nushell.binary");
                });
    }
}
