package dev.provisioning.cli.commands;

import static dev.provisioning.cli.TestSupport.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.provisioning.cli.ExitCode;
import dev.provisioning.cli.Main;
import dev.provisioning.cli.TestSupport;
import dev.provisioning.cli.TestSupport.Run;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code workflow logs} against a loopback server that answers {@code GET /workflows/w1} and
 * {@code GET /tasks/{id}/logs} like the daemon (the last MiB of an attempt's log, as text), and
 * {@code orchestrator logs} on a real file.
 */
class LogsCommandsTest {
    @TempDir
    Path tmp;
    HttpServer server;
    String base;
    Path cfg;
    volatile String workflow;
    /** "taskId/stream/attempt" -> the log text served. */
    final Map<String, String> logs = new ConcurrentHashMap<>();

    @BeforeEach
    void setUp() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
        cfg = TestSupport.config(tmp, "", "");
        workflow = FakeDaemon.workflow("Completed", FakeDaemon.task("t1", "server-cp-1", "Completed", 1, 100, null, null),
                FakeDaemon.task("t2", "kubernetes-cp-1", "Completed", 2, 100, null, null),
                FakeDaemon.task("t3", "apps", "Pending", 0, 0, null, null));
        logs.put("t1/stdout/1", "creating cp-1\ndone\n");
        logs.put("t1/stderr/1", "warning: slow disk\n");
        logs.put("t2/stdout/1", "first try\n");
        logs.put("t2/stdout/2", "second try\n");
    }

    /** Waits up to 10 s for {@code cond} (awaitility is not on the cli module's test classpath). */
    static void until(java.util.concurrent.Callable<Boolean> cond) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!cond.call()) {
            if (System.nanoTime() > deadline) throw new AssertionError("condition not met within 10 s");
            Thread.onSpinWait();
            Thread.sleep(5);
        }
    }

    @AfterEach
    void tearDown() {
        server.stop(0);
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getRawPath();
        String q = ex.getRequestURI().getRawQuery();
        String body;
        int status = 200;
        if (path.equals("/health")) body = "{\"status\":\"healthy\"}";
        else if (path.equals("/workflows/w1")) body = workflow;
        else if (path.startsWith("/tasks/") && path.endsWith("/logs")) {
            String id = path.substring(7, path.length() - 5);
            String stream = q.replaceAll(".*stream=(\\w+).*", "$1");
            String attempt = q.replaceAll(".*attempt=(\\d+).*", "$1");
            String text = logs.get(id + "/" + stream + "/" + attempt);
            boolean known = text != null || logs.containsKey(id + "/stdout/" + attempt);
            body = known ? (text == null ? "" : text) : "{\"error\":{\"code\":\"E_NOT_FOUND\",\"message\":\"no attempt\"}}";
            status = known ? 200 : 404;
        } else {
            status = 404;
            body = "{\"error\":{\"code\":\"E_NOT_FOUND\",\"message\":\"no workflow 'x'\",\"where\":\"id\"}}";
        }
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
        ex.close();
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

    @Test
    void followPrintsNewCompleteLinesUntilTheTaskEnds() throws Exception {
        WorkflowLogsCommand.poll = Duration.ofMillis(20);
        workflow = FakeDaemon.workflow("Running", FakeDaemon.task("t1", "server-cp-1", "Running", 1, 10, null, null));
        logs.put("t1/stdout/1", "one\ntw");
        logs.put("t1/stderr/1", "");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int[] code = {-1};
        Thread t = new Thread(() -> code[0] = Main.commandLine(new PrintWriter(out, true), new PrintWriter(err, true))
                .execute(args("workflow", "logs", "w1", "server-cp-1", "-f").toArray(String[]::new)));
        t.start();
        until(() -> out.toString().equals("one\n")); // "tw" waits for its end
        logs.put("t1/stdout/1", "one\ntwo\nthree");
        until(() -> out.toString().equals("one\ntwo\n"));
        workflow = FakeDaemon.workflow("Completed", FakeDaemon.task("t1", "server-cp-1", "Completed", 1, 100, null, null));
        t.join(10_000);
        assertThat(code[0]).isZero();
        assertThat(out.toString()).isEqualTo("one\ntwo\nthree\n");
    }

    @Test
    void aWindowThatMovedIsFoundAgainByItsLastCharacters() {
        WorkflowLogsCommand.Window w = new WorkflowLogsCommand.Window();
        assertThat(w.next("a\nb\nc\n", false)).isEqualTo("a\nb\nc\n");
        assertThat(w.next("b\nc\nd\n", false)).isEqualTo("d\n"); // the daemon's last-MiB window slid by "a\n"
        assertThat(w.dropped).isFalse();
        assertThat(w.next("x\ny\n", false)).isEqualTo("x\ny\n");
        assertThat(w.dropped).isTrue();
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
