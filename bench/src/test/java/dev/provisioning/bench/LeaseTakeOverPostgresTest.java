package dev.provisioning.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Leases between daemons on one PostgreSQL (docs/decisions.md D37), with two real daemon processes and a 2 s lease.
 * Node a runs a one-task workflow whose task writes {@code start N} to a ledger, sleeps 8 s, then writes
 * {@code end N} (N: the attempt). Then node a dies, or hangs, and node b must take the attempt over.
 */
@Timeout(240)
class LeaseTakeOverPostgresTest {
    @TempDir
    Path work;
    EmbeddedPostgres pg;
    Launchers a, b;
    final List<Process> daemons = new ArrayList<>();
    Path ledger;

    @BeforeEach
    void twoNodes() throws Exception {
        pg = EmbeddedPostgres.builder().start();
        String config = Launchers.postgresNodeConfig(pg.getJdbcUrl("postgres", "postgres"), "lease_seconds = 2");
        a = new Launchers(Files.createDirectories(work.resolve("a")), config);
        b = new Launchers(Files.createDirectories(work.resolve("b")), config);
        ledger = work.resolve("ledger.txt");
        Files.createFile(ledger);
    }

    @AfterEach
    void stop() throws Exception {
        for (Process d : daemons) {
            d.toHandle().descendants().forEach(p -> signal("CONT", p.pid()));
            signal("CONT", d.pid());
            Launchers.stop(d.toHandle(), Duration.ofSeconds(30));
        }
        for (Launchers l : List.of(a, b)) Launchers.processesMentioning(l.dataDir.toString()).forEach(Launchers::kill);
        if (pg != null) pg.close();
    }

    /** Starts node a, submits the workflow to it and waits until its task runs there; then starts node b. */
    Process submitToAThenStartB() throws Exception {
        Process daemonA = a.startDaemonAndWait("--port", "0");
        daemons.add(daemonA);
        Path f = Files.writeString(work.resolve("wf.toml"), """
                [workflow]
                name = "lease"
                max_attempts = 3
                retry = { backoff = "fixed", initial_delay = "1s" }

                [[task]]
                id = "slow"
                command = ["sh", "-c", "echo $$ > \\"$1.$PROVISIONING_ATTEMPT.pid\\"; echo \\"start $PROVISIONING_ATTEMPT\\" >> \\"$1\\"; sleep 12; echo \\"end $PROVISIONING_ATTEMPT\\" >> \\"$1\\"", "sh", "%s"]
                """.formatted(ledger));
        Launchers.Result r = a.cli("workflow", "submit", f.toString());
        assertThat(r.code()).as(r.toString()).isZero();
        Awaitility.await("attempt 1 runs on node a").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                .until(() -> Files.readAllLines(ledger).contains("start 1"));
        Process daemonB = b.startDaemonAndWait("--port", "0");
        daemons.add(daemonB);
        return daemonA;
    }

    @Test
    void aDeadNodesAttemptIsTakenOverByTheOtherAndRunAgainThere() throws Exception {
        Process daemonA = submitToAThenStartB();
        // node b recovered at its start (before it wrote daemon.json), and its rounds run: it leaves node a's attempt alone
        assertThat(b.daemonLog()).doesNotContain("recovered the run");
        List<List<String>> running = List.of(List.of("1", "Running", owner(a), ""));
        Awaitility.await("node a's attempt stays its own").during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5))
                .until(() -> attempts().equals(running));

        // node a's host dies: the daemon and its task's processes
        List<ProcessHandle> task = Launchers.processesMentioning(a.dataDir.toString());
        assertThat(task).as("node a's task processes").isNotEmpty();
        daemonA.destroyForcibly();
        task.forEach(Launchers::kill);
        assertThat(Launchers.gone(List.of(daemonA.toHandle()), Duration.ofSeconds(10))).isTrue();

        awaitWorkflow("Completed");
        List<List<String>> attempts = attempts();
        assertThat(attempts).hasSize(2);
        assertThat(attempts.get(0).subList(0, 3)).containsExactly("1", "RetryWait", owner(a));
        assertThat(attempts.get(0).get(3)).isEqualTo("attempt lost: daemon " + owner(a) + " stopped renewing its lease (2s); taken over by " + owner(b));
        assertThat(attempts.get(1)).containsExactly("2", "Completed", owner(b), "");
        assertThat(Files.readAllLines(ledger)).containsExactly("start 1", "start 2", "end 2");
    }

    @Test
    void aHungNodeLosesItsAttemptAndStopsItsProcessWhenItWakesUp() throws Exception {
        Process daemonA = submitToAThenStartB();
        signal("STOP", daemonA.pid()); // hung: its lease runs out while its task goes on
        try {
            Awaitility.await("node b takes attempt 1 over").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> attempts().getFirst().get(1).equals("RetryWait"));
        } finally {
            signal("CONT", daemonA.pid());
        }
        assertThat(attempts().getFirst().get(3)).startsWith("attempt lost: daemon " + owner(a) + " stopped renewing its lease");
        awaitWorkflow("Completed");
        // attempt 1 would have written "end 1" 12 s after its start, before attempt 2 ended: node a stopped it when it
        // woke up and saw that its lease was gone
        List<String> lines = Files.readAllLines(ledger);
        assertThat(lines).as("ledger; node a's log:\n%s", a.daemonLog()).doesNotContain("end 1").contains("start 1", "start 2", "end 2");
        assertThat(a.daemonLog()).contains("another daemon took the attempt over");
        assertThat(attempts()).hasSize(2);
        assertThat(attempts().get(1).subList(0, 2)).containsExactly("2", "Completed");
        assertThat(Launchers.gone(Launchers.processesMentioning(a.dataDir.resolve("runs").toString()), Duration.ofSeconds(10)))
                .as("attempt 1's processes").isTrue();
    }

    @Test
    void aDaemonThatComesBackAfterItsAttemptWasTakenOverStopsTheOldAttemptsProcess() throws Exception {
        Process daemonA = submitToAThenStartB();
        daemonA.destroyForcibly(); // the daemon dies; its task goes on
        assertThat(Launchers.gone(List.of(daemonA.toHandle()), Duration.ofSeconds(10))).isTrue();
        Awaitility.await("node b takes attempt 1 over").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> attempts().getFirst().get(1).equals("RetryWait"));
        assertThat(Launchers.processesMentioning(a.dataDir.resolve("runs").toString())).as("attempt 1 still runs").isNotEmpty();
        daemons.add(a.startDaemonAndWait("--port", "0"));
        assertThat(Launchers.gone(Launchers.processesMentioning(a.dataDir.resolve("runs").toString()), Duration.ofSeconds(15)))
                .as("attempt 1's processes, stopped by node a's start").isTrue();
        awaitWorkflow("Completed");
        assertThat(Files.readAllLines(ledger)).as("node a's log:\n%s", a.daemonLog()).containsExactly("start 1", "start 2", "end 2");
        assertThat(a.daemonLog()).contains("an attempt this daemon no longer runs");
    }

    @Test
    void aRestartedDaemonRecoversItsOwnAttemptsAlsoThoseClaimedUnderItsOldName() throws Exception {
        Process daemonA = a.startDaemonAndWait("--port", "0");
        daemons.add(daemonA);
        StringBuilder wf = new StringBuilder("[workflow]\nname = \"restart\"\n");
        for (String id : List.of("mine", "legacy"))
            wf.append("""
                    [[task]]
                    id = "%s"
                    command = ["sh", "-c", "echo \\"$2 start $PROVISIONING_ATTEMPT\\" >> \\"$1\\"; sleep 6; echo \\"$2 end $PROVISIONING_ATTEMPT\\" >> \\"$1\\"", "sh", "%s", "%s"]
                    """.formatted(id, ledger, id));
        Launchers.Result r = a.cli("workflow", "submit", Files.writeString(work.resolve("restart.toml"), wf).toString());
        assertThat(r.code()).as(r.toString()).isZero();
        Awaitility.await("both tasks run on node a").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                .until(() -> Files.readAllLines(ledger).containsAll(List.of("mine start 1", "legacy start 1")));
        daemonA.destroyForcibly(); // the daemon dies; its tasks go on
        assertThat(Launchers.gone(List.of(daemonA.toHandle()), Duration.ofSeconds(10))).isTrue();
        // "legacy" as a daemon before D37 claimed it: owner host:pid, no lease
        String legacyOwner = java.net.InetAddress.getLocalHost().getHostName() + ":4242";
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            assertThat(st.executeUpdate("UPDATE tasks SET owner = '" + legacyOwner + "', lease_until = NULL WHERE task_key = 'legacy'")).isEqualTo(1);
            assertThat(st.executeUpdate("UPDATE attempts SET owner = '" + legacyOwner + "' WHERE task_id = "
                    + "(SELECT id FROM tasks WHERE task_key = 'legacy')")).isEqualTo(1);
        }
        daemons.add(a.startDaemonAndWait("--port", "0"));
        awaitWorkflow("Completed");
        assertThat(Files.readAllLines(ledger)).containsExactlyInAnyOrder("mine start 1", "legacy start 1", "mine end 1", "legacy end 1");
        assertThat(attempts()).containsExactlyInAnyOrder(List.of("1", "Completed", owner(a), ""), List.of("1", "Completed", legacyOwner, ""));
        assertThat(a.daemonLog()).contains("recovered the run of task");
    }

    @Test
    void aCancelTakenByOneDaemonStopsTheTaskThatTheOtherRuns() throws Exception {
        Process daemonA = submitToAThenStartB();
        String id;
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT id FROM workflows")) {
            assertThat(rs.next()).isTrue();
            id = rs.getString(1);
        }
        long cancelled = System.nanoTime();
        Launchers.Result r = b.cli("workflow", "cancel", id);
        assertThat(r.code()).as(r.toString()).isZero();
        awaitWorkflow("Cancelled");
        // node a stops it at its next renewal (at most 2 s here, as with the default lease), TERM first
        assertThat(Duration.ofNanos(System.nanoTime() - cancelled)).isLessThan(Duration.ofSeconds(8));
        assertThat(attempts()).containsExactly(List.of("1", "Cancelled", owner(a), "cancelled"));
        assertThat(Launchers.gone(Launchers.processesMentioning(a.dataDir.resolve("runs").toString()), Duration.ofSeconds(10)))
                .as("the task's processes").isTrue();
        // the shell that would write "end 1" is gone
        long writer = Long.parseLong(Files.readString(Path.of(ledger + ".1.pid")).trim());
        assertThat(Launchers.gone(ProcessHandle.of(writer).stream().toList(), Duration.ofSeconds(10))).isTrue();
        assertThat(Files.readAllLines(ledger)).containsExactly("start 1");
        assertThat(daemonA.isAlive()).isTrue();
    }

    static String owner(Launchers node) throws Exception {
        return java.net.InetAddress.getLocalHost().getHostName() + ":" + node.dataDir;
    }

    void awaitWorkflow(String state) {
        Awaitility.await("the workflow ends " + state).atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement();
                         ResultSet rs = st.executeQuery("SELECT state FROM workflows")) {
                        return rs.next() && rs.getString(1).equals(state);
                    }
                });
    }

    /** Each attempt of the task: number, state, owner, error ("" for none). */
    List<List<String>> attempts() throws Exception {
        List<List<String>> out = new ArrayList<>();
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT attempt_no, state, owner, error FROM attempts ORDER BY attempt_no")) {
            while (rs.next())
                out.add(List.of(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4) == null ? "" : rs.getString(4)));
        }
        return out;
    }

    static void signal(String sig, long pid) {
        try {
            new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).start().waitFor();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
