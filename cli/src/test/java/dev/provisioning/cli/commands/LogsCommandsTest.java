package dev.provisioning.cli.commands;

import static dev.provisioning.cli.TestSupport.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.provisioning.cli.ExitCode;
import dev.provisioning.cli.Main;
import dev.provisioning.cli.TestSupport;
import dev.provisioning.cli.TestSupport.Run;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code workflow logs} against the {@link FakeDaemon}, which answers {@code GET /workflows/w1} and
 * {@code GET /tasks/{id}/logs} like the daemon (raw bytes from an offset, with the log's size and the next offset),
 * and {@code orchestrator logs} on a real file.
 */
class LogsCommandsTest {
    @TempDir
    Path tmp;
    FakeDaemon d;
    String base;
    Path cfg;

    @BeforeEach
    void setUp() throws Exception {
        d = new FakeDaemon();
        base = d.base;
        cfg = TestSupport.config(tmp, "", "");
        d.workflowNow(FakeDaemon.workflow("Completed", FakeDaemon.task("t1", "server-cp-1", "Completed", 1, 100, null, null),
                FakeDaemon.task("t2", "kubernetes-cp-1", "Completed", 2, 100, null, null),
                FakeDaemon.task("t3", "apps", "Pending", 0, 0, null, null)));
        d.log("t1/stdout/1", "creating cp-1\ndone\n");
        d.log("t1/stderr/1", "warning: slow disk\n");
        d.log("t2/stdout/1", "first try\n");
        d.log("t2/stdout/2", "second try\n");
    }

    /** Waits up to 10 s for {@code cond}. */
    static void until(java.util.concurrent.Callable<Boolean> cond) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(cond);
    }

    @AfterEach
    void tearDown() {
        d.close();
    }

    List<String> args(String... args) {
        List<String> a = new ArrayList<>(List.of(args));
        a.addAll(List.of("--config", cfg.toString(), "--data-dir", tmp.resolve("data").toString(), "--endpoint", base));
        return a;
    }

    Run cli(String... a) {
        return run(args(a).toArray(String[]::new));
    }

    @Test
    void oneTasksStdoutGoesToStdoutAndItsStderrToStderr() {
        Run r = cli("workflow", "logs", "w1", "server-cp-1");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo("creating cp-1\ndone\n");
        assertThat(r.err()).isEqualTo("warning: slow disk\n");
    }

    @Test
    void everyTaskIsPrefixedByItsKeyAndShowsItsCurrentAttempt() {
        Run r = cli("batch", "logs", "w1");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out().lines().toList()).containsExactly("server-cp-1     | creating cp-1", "server-cp-1     | done",
                "kubernetes-cp-1 | second try");
        assertThat(r.err()).isEqualTo("server-cp-1     | warning: slow disk\n");
    }

    @Test
    void anEarlierAttemptByTaskId() {
        Run r = cli("workflow", "logs", "w1", "t2", "--attempt", "1");
        assertThat(r.out()).isEqualTo("first try\n");
    }

    @Test
    void unknownTaskWorkflowOrAttemptIsExit4WithOneLine() {
        Run task = cli("workflow", "logs", "w1", "nope");
        assertThat(task.code()).isEqualTo(ExitCode.NOT_FOUND);
        assertThat(task.err()).isEqualTo("error[E_NOT_FOUND]: workflow w1 has no task 'nope'; its tasks: server-cp-1, "
                + "kubernetes-cp-1, apps (TASK)\n");
        Run wf = cli("workflow", "logs", "x");
        assertThat(wf.code()).isEqualTo(ExitCode.NOT_FOUND);
        assertThat(wf.err().lines()).hasSize(1).first().asString().startsWith("error[E_NOT_FOUND]: ");
        Run attempt = cli("workflow", "logs", "w1", "server-cp-1", "--attempt", "7");
        assertThat(attempt.code()).isEqualTo(ExitCode.NOT_FOUND);
        assertThat(attempt.err()).isEqualTo("error[E_NOT_FOUND]: task server-cp-1 has no attempt 7 (--attempt)\n");
        Run pending = cli("workflow", "logs", "w1", "apps");
        assertThat(pending.code()).isZero();
        assertThat(pending.err()).isEqualTo("task apps has not run yet (Pending); no logs\n");
    }

    /** {@code workflow logs ... -f} on a thread, with its output captured; {@link Following#join} waits for its end. */
    record Following(Thread thread, StringWriter out, StringWriter err, int[] code) {
        int join() throws InterruptedException {
            thread.join(10_000);
            assertThat(thread.isAlive()).as("logs -f ended").isFalse();
            return code[0];
        }
    }

    Following follow(String... a) {
        WorkflowLogsCommand.poll = Duration.ofMillis(20);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int[] code = {-1};
        Thread t = new Thread(() -> code[0] = Main.commandLine(new PrintWriter(out, true), new PrintWriter(err, true))
                .execute(args(a).toArray(String[]::new)));
        t.start();
        return new Following(t, out, err, code);
    }

    @Test
    void followPrintsNewCompleteLinesFromTheirOffsetUntilTheTaskEnds() throws Exception {
        d.workflowNow(FakeDaemon.workflow("Running", FakeDaemon.task("t1", "server-cp-1", "Running", 1, 10, null, null)));
        d.log("t1/stdout/1", "one\ntw");
        d.log("t1/stderr/1", "");
        Following f = follow("workflow", "logs", "w1", "server-cp-1", "-f");
        until(() -> f.out().toString().equals("one\n")); // "tw" waits for its end
        d.log("t1/stdout/1", "one\ntwo\nthree");
        until(() -> f.out().toString().equals("one\ntwo\n"));
        d.log("t1/stderr/1", "a warning\n");
        until(() -> f.err().toString().equals("a warning\n"));
        d.workflowNow(FakeDaemon.workflow("Completed", FakeDaemon.task("t1", "server-cp-1", "Completed", 1, 100, null, null)));
        assertThat(f.join()).isZero();
        assertThat(f.out().toString()).isEqualTo("one\ntwo\nthree\n");
        assertThat(f.err().toString()).isEqualTo("a warning\n");
        // every read started where the last one ended: each byte was fetched once
        assertThat(d.logBytesSent.get("t1/stdout/1")).isEqualTo("one\ntwo\nthree".length());
        assertThat(d.logReads).allMatch(q -> q.contains("offset="));
        assertThat(d.logReads).contains("stream=stdout&attempt=1&offset=6", "stream=stdout&attempt=1&offset=13");
    }

    /** A log growing by more than a read's limit between polls: read in several chunks, split anywhere, nothing lost. */
    @Test
    void followReadsALongLogInChunksWithNothingLostOrRepeated() throws Exception {
        d.maxChunk = 7; // split inside lines and inside multi-byte characters
        d.workflowNow(FakeDaemon.workflow("Running", FakeDaemon.task("t1", "server-cp-1", "Running", 1, 10, null, null)));
        StringBuilder log = new StringBuilder();
        d.log("t1/stdout/1", "");
        Following f = follow("workflow", "logs", "w1", "server-cp-1", "-f");
        for (int i = 1; i <= 200; i++) {
            log.append("line ").append(i).append(" héllo ✓\n");
            if (i % 20 == 0) {
                d.log("t1/stdout/1", log.toString());
                int n = i;
                until(() -> f.out().toString().endsWith("line " + n + " héllo ✓\n"));
            }
        }
        d.workflowNow(FakeDaemon.workflow("Completed", FakeDaemon.task("t1", "server-cp-1", "Completed", 1, 100, null, null)));
        assertThat(f.join()).isZero();
        assertThat(f.out().toString()).isEqualTo(log.toString());
        assertThat(d.logBytesSent.get("t1/stdout/1")).isEqualTo(log.toString().getBytes(StandardCharsets.UTF_8).length);
    }

    @Test
    void followGoesOnToTheNextAttemptAfterReadingThePreviousOneToItsEnd() throws Exception {
        d.workflowNow(FakeDaemon.workflow("Running", FakeDaemon.task("t1", "server-cp-1", "Running", 1, 10, null, null)));
        d.log("t1/stdout/1", "try 1 starts\n");
        d.log("t1/stderr/1", "");
        Following f = follow("workflow", "logs", "w1", "server-cp-1", "-f");
        until(() -> f.out().toString().equals("try 1 starts\n"));
        // between two polls: attempt 1 writes its last (partial) line and fails, attempt 2 starts and writes
        d.log("t1/stdout/1", "try 1 starts\ntry 1 fails");
        d.log("t1/stdout/2", "try 2 starts\n");
        d.workflowNow(FakeDaemon.workflow("Running", FakeDaemon.task("t1", "server-cp-1", "Running", 2, 10, null, null)));
        until(() -> f.out().toString().endsWith("try 2 starts\n"));
        d.log("t1/stdout/2", "try 2 starts\ntry 2 done\n");
        d.workflowNow(FakeDaemon.workflow("Completed", FakeDaemon.task("t1", "server-cp-1", "Completed", 2, 100, null, null)));
        assertThat(f.join()).isZero();
        assertThat(f.out().toString()).isEqualTo("try 1 starts\ntry 1 fails\ntry 2 starts\ntry 2 done\n");
        assertThat(f.err().toString()).isEqualTo("--- attempt 2 ---\n");
    }

    @Test
    void followOfEveryTaskPrefixesEachLineUntilTheWorkflowEnds() throws Exception {
        d.workflowNow(FakeDaemon.workflow("Running", FakeDaemon.task("t1", "server-cp-1", "Running", 1, 10, null, null),
                FakeDaemon.task("t3", "apps", "Pending", 0, 0, null, null)));
        d.log("t1/stdout/1", "a\n");
        Following f = follow("batch", "logs", "w1", "-f");
        until(() -> f.out().toString().equals("server-cp-1 | a\n"));
        d.log("t1/stdout/1", "a\nb\n");
        d.log("t3/stdout/1", "c\n");
        d.workflowNow(FakeDaemon.workflow("Running", FakeDaemon.task("t1", "server-cp-1", "Completed", 1, 100, null, null),
                FakeDaemon.task("t3", "apps", "Running", 1, 0, null, null)));
        until(() -> f.out().toString().contains("apps        | c\n"));
        d.workflowNow(FakeDaemon.workflow("Completed", FakeDaemon.task("t1", "server-cp-1", "Completed", 1, 100, null, null),
                FakeDaemon.task("t3", "apps", "Completed", 1, 100, null, null)));
        assertThat(f.join()).isZero();
        assertThat(f.out().toString().lines().toList()).containsExactlyInAnyOrder("server-cp-1 | a", "server-cp-1 | b", "apps        | c");
    }

    /** Without -f the whole log is read, chunk after chunk, not just the last window. */
    @Test
    void withoutFollowTheWholeLogIsPrintedInChunks() {
        d.maxChunk = 5;
        d.log("t1/stdout/1", "creating cp-1\ndone\n");
        Run r = cli("workflow", "logs", "w1", "server-cp-1");
        assertThat(r.out()).isEqualTo("creating cp-1\ndone\n");
        assertThat(d.logReads.stream().filter(q -> q.startsWith("stream=stdout")).count()).isEqualTo(4);
    }

    /** A daemon older than the offset API: the last MiB without -f, a clear error with -f. */
    @Test
    void aDaemonWithoutOffsetsStillPrintsButCannotBeFollowed() {
        d.logsWithoutOffsets = true;
        Run r = cli("workflow", "logs", "w1", "server-cp-1");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo("creating cp-1\ndone\n");
        Run f = cli("workflow", "logs", "w1", "server-cp-1", "-f");
        assertThat(f.code()).isEqualTo(ExitCode.FAILED);
        assertThat(f.err()).startsWith("error[E_INCOMPATIBLE]: the orchestrator at " + base + " does not serve logs by offset")
                .hasLineCount(1);
    }

    @Test
    void orchestratorLogsPrintsTheLastLinesAndFollowsAppends() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("data"));
        Path log = data.resolve("orchestrator.log");
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= 100; i++) sb.append("line ").append(i).append('\n');
        Files.writeString(log, sb);
        Run three = cli("orchestrator", "logs", "-n", "3");
        assertThat(three.out()).isEqualTo("line 98\nline 99\nline 100\n");
        assertThat(cli("orchestrator", "logs").out().lines()).hasSize(50).first().isEqualTo("line 51");

        OrchestratorLogsCommand.poll = Duration.ofMillis(20);
        StringWriter out = new StringWriter();
        Thread t = new Thread(() -> Main.commandLine(new PrintWriter(out, true), new PrintWriter(new StringWriter(), true))
                .execute(args("orchestrator", "logs", "-f", "-n", "1").toArray(String[]::new)));
        t.start();
        until(() -> out.toString().equals("line 100\n"));
        Files.writeString(log, "line 101\n", StandardOpenOption.APPEND);
        until(() -> out.toString().equals("line 100\nline 101\n"));
        t.interrupt();
        t.join(10_000);
        assertThat(t.isAlive()).isFalse();
    }

    @Test
    void orchestratorLogsWithoutALogIsExit4() {
        Run r = cli("orchestrator", "logs");
        assertThat(r.code()).isEqualTo(ExitCode.NOT_FOUND);
        assertThat(r.err()).startsWith("error[E_NOT_FOUND]: no orchestrator log at ").hasLineCount(1);
    }
}
