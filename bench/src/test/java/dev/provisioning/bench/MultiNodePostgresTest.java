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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two daemons ({@code bin/provisioning-orchestrator}, two processes, two data dirs) on one PostgreSQL, as two nodes.
 * Two workflows are submitted at once, one to each; every task appends its key and attempt to a ledger. Each node
 * claims from the one ready queue, so the nodes run tasks of the same workflow side by side (a node's round records
 * its ends and claims in one transaction that can lock both workflows' rows, D36, so the nodes' rounds can deadlock;
 * PostgreSQL aborts one and it runs again). Every task must run exactly once, and both workflows complete.
 */
@Timeout(300)
class MultiNodePostgresTest {
    @TempDir
    Path work;
    EmbeddedPostgres pg;
    final List<Process> daemons = new ArrayList<>();
    final List<Launchers> nodes = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (Process d : daemons) Launchers.stop(d.toHandle(), Duration.ofSeconds(30));
        for (Launchers l : nodes) Launchers.processesMentioning(l.dataDir.toString()).forEach(Launchers::kill);
        if (pg != null) pg.close();
    }

    /** 30 tasks: 10 without dependencies, each other on 1-2 earlier ones; each task sleeps 0.3 s after its ledger line. */
    static String workflow(String name, Path ledger, long seed) {
        Random r = new Random(seed);
        StringBuilder t = new StringBuilder("[workflow]\nname = \"" + name + "\"\n\n");
        for (int i = 0; i < 30; i++) {
            t.append("[[task]]\nid = \"t").append(i).append("\"\n");
            t.append("command = [\"sh\", \"-c\", \"printf '%s %s\\\\n' \\\"$1\\\" \\\"$PROVISIONING_ATTEMPT\\\" >> \\\"$2\\\"; sleep 0.3\", \"sh\", \"t")
                    .append(i).append("\", \"").append(ledger).append("\"]\n");
            if (i >= 10) {
                int a = r.nextInt(i), b = r.nextInt(i);
                t.append("depends_on = [\"t").append(a).append("\"").append(a == b ? "" : ", \"t" + b + "\"").append("]\n");
            }
            t.append("\n");
        }
        return t.toString();
    }

    @Test
    void twoNodesOnOnePostgresRunEveryTaskOnceAndBothWork() throws Exception {
        pg = EmbeddedPostgres.builder().start();
        String config = Launchers.postgresNodeConfig(pg.getJdbcUrl("postgres", "postgres"), "");
        for (String n : List.of("a", "b")) {
            Launchers l = new Launchers(Files.createDirectories(work.resolve(n)), config);
            nodes.add(l);
            daemons.add(l.startDaemonAndWait("--port", "0"));
        }
        List<Path> ledgers = new ArrayList<>();
        List<Launchers.Running> clis = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Path ledger = work.resolve("ledger-" + i + ".txt");
            ledgers.add(ledger);
            Path f = Files.writeString(work.resolve("wf-" + i + ".toml"), workflow("multi-node-" + i, ledger, 42 + i));
            clis.add(nodes.get(i).cliAsync("workflow", "submit", f.toString(), "--wait"));
        }
        for (int i = 0; i < 2; i++) {
            Launchers.Result r = clis.get(i).finish(Duration.ofSeconds(180));
            assertThat(r.code()).as(r + "\n--- daemon logs\n" + nodes.get(0).daemonLog() + nodes.get(1).daemonLog()).isZero();
            assertThat(r.out()).containsPattern("(?m)^workflow \\S+ Completed: 30 tasks \\(30 Completed\\)");
            Map<String, Integer> runs = new HashMap<>();
            for (String line : Files.readAllLines(ledgers.get(i))) runs.merge(line, 1, Integer::sum);
            assertThat(runs).as("ledger %d: each task once, as attempt 1", i).hasSize(30).allSatisfy((k, v) -> {
                assertThat(k).endsWith(" 1");
                assertThat(v).isEqualTo(1);
            });
        }
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            Map<String, Integer> byOwner = new HashMap<>();
            try (ResultSet rs = st.executeQuery("SELECT owner, count(*) FROM attempts GROUP BY owner")) {
                while (rs.next()) byOwner.put(rs.getString(1), rs.getInt(2));
            }
            assertThat(byOwner.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(60);
            assertThat(byOwner).as("attempts by node").hasSize(2);
            int most = 0;
            try (ResultSet rs = st.executeQuery("SELECT t.workflow_id, count(DISTINCT a.owner) FROM attempts a "
                    + "JOIN tasks t ON t.id = a.task_id GROUP BY t.workflow_id")) {
                while (rs.next()) most = Math.max(most, rs.getInt(2));
            }
            assertThat(most).as("nodes that ran tasks of one workflow").isEqualTo(2);
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM (SELECT task_id FROM events WHERE type = 'task.state' "
                    + "AND to_state = 'Completed' GROUP BY task_id HAVING count(*) > 1) twice")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(1)).as("tasks completed twice").isZero();
            }
        }
    }
}
