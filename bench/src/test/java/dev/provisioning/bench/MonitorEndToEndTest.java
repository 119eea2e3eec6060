package dev.provisioning.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The original design's monitoring command lines, as typed, against the real daemon through the launchers:
 * {@code provisioning batch submit FILE} prints an id, {@code workflow monitor ID} and {@code batch monitor ID}
 * follow it to its end (exit 0 on Completed, 1 otherwise), {@code workflow logs ID TASK} prints a task's output and
 * {@code workflow logs ID TASK -f} follows a task that prints over time until it ends. Output is not a terminal
 * here, so every command prints plain lines.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MonitorEndToEndTest {
    static final String FIXTURE = """
            # Tasks that print over time, for the monitor and logs end-to-end tests.

            # Prints "tick I" on stdout req.n times, one every req.ms milliseconds; every 4th also "warn I" on stderr.
            export def ticks [req: record] {
                for i in 1..($req.n) {
                    print $"tick ($i)"
                    if $i mod 4 == 0 { print -e $"warn ($i)" }
                    sleep ($req.ms * 1ms)
                }
                { printed: $req.n }
            }

            # Prints a line, then fails.
            export def fails [req: record] {
                print "about to fail"
                error make { msg: "e2e failure on purpose" }
            }
            """;

    Path work;
    Launchers l;
    Process daemon;

    @BeforeAll
    void startDaemon(@TempDir Path dir) throws Exception {
        work = dir;
        Path fixtures = work.resolve("fixtures");
        Files.createDirectories(fixtures.resolve("e2e"));
        Files.writeString(fixtures.resolve("e2e/monitor.nu"), FIXTURE);
        l = new Launchers(work, """
                [nushell]
                provisioning_lib = "%s/nulib:%s"
                [orchestrator]
                endpoint = "http://127.0.0.1:1"   # never a daemon of someone else's: daemon.json gives the real one
                auto_start = false
                [execution]
                fallback_to_direct = false
                """.formatted(Launchers.root(), fixtures));
        daemon = l.startDaemonAndWait("--port", "0");
    }

    @AfterAll
    void stopDaemon() {
        l.stopDaemonAndCheck(daemon);
    }

    static Launchers.Result ok(Launchers.Result r) {
        assertThat(r.code()).as(r.toString()).isZero();
        return r;
    }

    /** {@code batch submit FILE}: one line, the workflow id, and nothing else. */
    String submit(String name, String toml) throws Exception {
        Path f = Files.writeString(work.resolve(name + ".toml"), toml);
        Launchers.Result r = ok(l.cli("batch", "submit", f.toString()));
        assertThat(r.outLines()).as(r.toString()).hasSize(1);
        String id = r.out().strip();
        assertThat(id).as(r.toString()).matches("[0-9a-f-]{36}");
        return id;
    }

    /**
     * The CLI's own stderr lines: without the JVM's {@code WARNING:} lines (and the blank line after them) that
     * JDK 22+ prints when JLine loads its native library to probe the terminal with TERM set.
     */
    static List<String> ownErr(Launchers.Result r) {
        List<String> lines = r.err().lines().toList();
        int i = 0;
        while (i < lines.size() && (lines.get(i).startsWith("WARNING: ") || (i > 0 && lines.get(i).isEmpty()))) i++;
        return lines.subList(i, lines.size());
    }

    static List<String> ticks(int n) {
        return IntStream.rangeClosed(1, n).mapToObj(i -> "tick " + i).toList();
    }

    static List<String> warns(int n) {
        return IntStream.rangeClosed(1, n).filter(i -> i % 4 == 0).mapToObj(i -> "warn " + i).toList();
    }

    @Test
    void submitMonitorAndLogsFollowAWorkflowToCompleted() throws Exception {
        String id = submit("ticks", """
                [workflow]
                name = "ticks"

                [[task]]
                id = "hello"
                module = "e2e/monitor.nu"
                function = "ticks"
                args = { n = 3, ms = 10 }

                [[task]]
                id = "count"
                module = "e2e/monitor.nu"
                function = "ticks"
                args = { n = 40, ms = 75 }
                depends_on = ["hello"]
                """);
        // all three follow at once, from before "count" has started
        Launchers.Running monitor = l.cliAsync("workflow", "monitor", id);
        Launchers.Running batchMonitor = l.cliAsync("batch", "monitor", id);
        Launchers.Running follow = l.cliAsync("workflow", "logs", id, "count", "-f");

        Launchers.Result m = monitor.finish(Launchers.COMMAND_TIMEOUT);
        Launchers.Result bm = batchMonitor.finish(Launchers.COMMAND_TIMEOUT);
        Launchers.Result f = follow.finish(Launchers.COMMAND_TIMEOUT);
        for (Launchers.Result r : List.of(m, bm)) {
            ok(r);
            assertThat(r.out()).as(r.toString()).doesNotContain("\u001b[")
                    .containsPattern("(?m)^  hello +Completed +\\(\\d+\\.\\ds\\)$")
                    .containsPattern("(?m)^  count +Running +attempt 1$")
                    .containsPattern("(?m)^  count +Completed +\\(\\d+\\.\\ds\\)$");
            assertThat(r.outLines().get(r.outLines().size() - 1)).as(r.toString())
                    .matches("workflow " + id + " Completed: 2 tasks \\(2 Completed\\) in \\d+\\.\\ds");
            assertThat(r.out().indexOf("  hello ")).as("hello before count").isLessThan(r.out().indexOf("  count "));
        }

        // -f: every line once, in order, nothing lost, nothing repeated; stdout to stdout and stderr to stderr
        ok(f);
        assertThat(f.outLines()).as(f.toString()).containsExactlyElementsOf(ticks(40));
        assertThat(f.err().lines().toList()).as(f.toString()).containsExactlyElementsOf(warns(40));

        // without -f: the task's whole output, now that it has ended
        Launchers.Result count = ok(l.cli("workflow", "logs", id, "count"));
        assertThat(count.outLines()).containsExactlyElementsOf(ticks(40));
        assertThat(count.err().lines().toList()).containsExactlyElementsOf(warns(40));
        Launchers.Result hello = ok(l.cli("workflow", "logs", id, "hello"));
        assertThat(hello.out()).isEqualTo("tick 1\ntick 2\ntick 3\n");
        assertThat(hello.err()).isEmpty();
        // every task, each line prefixed by its key
        Launchers.Result all = ok(l.cli("batch", "logs", id));
        assertThat(all.outLines()).startsWith("hello | tick 1", "hello | tick 2", "hello | tick 3", "count | tick 1")
                .hasSize(43).endsWith("count | tick 40");

        // a monitor of a workflow that has ended shows it whole and exits 0 again
        Launchers.Result again = ok(l.cli("workflow", "monitor", id));
        assertThat(again.outLines().get(again.outLines().size() - 1))
                .matches("workflow " + id + " Completed: 2 tasks \\(2 Completed\\) in \\d+\\.\\ds");
    }

    @Test
    void monitorOfAFailingWorkflowExits1NamingTheTaskAndLogsShowItsOutput() throws Exception {
        String id = submit("fails", """
                [workflow]
                name = "fails"

                [[task]]
                id = "breaks"
                module = "e2e/monitor.nu"
                function = "fails"
                args = {}
                """);
        for (String group : List.of("workflow", "batch")) {
            Launchers.Result r = l.cli(group, "monitor", id);
            assertThat(r.code()).as(r.toString()).isEqualTo(1);
            assertThat(r.out()).as(r.toString()).containsPattern("(?m)^  breaks +Failed")
                    .containsPattern("(?m)^workflow " + id + " Failed: 1 task \\(1 Failed\\) in \\d+\\.\\ds$");
            assertThat(r.outLines()).as(r.toString()).hasSize(3);
            // stderr: the state, then the task that did not complete with its error and its stderr's tail
            assertThat(r.err()).as(r.toString())
                    .containsPattern("(?m)^error\\[E_WORKFLOW_FAILED\\]: workflow fails ended Failed \\(" + id + "\\)$")
                    .containsPattern("(?m)^  task breaks \\(Failed, attempt 1, exit 1\\): exited with code 1: e2e failure on purpose$");
        }
        Launchers.Result logs = ok(l.cli("workflow", "logs", id, "breaks"));
        assertThat(logs.out()).isEqualTo("about to fail\n");
        assertThat(logs.err()).contains("e2e failure on purpose");
        Launchers.Result follow = ok(l.cli("workflow", "logs", id, "breaks", "-f"));
        assertThat(follow.out()).isEqualTo("about to fail\n");

        Launchers.Result none = l.cli("workflow", "monitor", "00000000-0000-0000-0000-000000000000");
        assertThat(none.code()).as(none.toString()).isEqualTo(4);
        assertThat(ownErr(none)).hasSize(1).first().asString().startsWith("error[E_NOT_FOUND]: ");
        Launchers.Result noTask = l.cli("workflow", "logs", id, "nope");
        assertThat(noTask.code()).as(noTask.toString()).isEqualTo(4);
    }
}
