package dev.provisioning.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import dev.provisioning.cli.client.Api;
import dev.provisioning.cli.client.OrchestratorClient;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.junit.jupiter.api.Test;

/**
 * The live view on a virtual xterm (JLine), fed by the real watcher over real SSE from the {@link FakeDaemon}; and
 * its absence where stdout is not a terminal.
 */
class ProgressDisplayTest {
    final ByteArrayOutputStream raw = new ByteArrayOutputStream();
    final TerminalScreen screen = new TerminalScreen(100);

    /** A virtual 100x24 xterm: what is written goes to {@link #raw} and to the {@link #screen} emulator. */
    Terminal xterm() throws Exception {
        OutputStream both = new OutputStream() {
            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                raw.write(b, off, len);
                screen.write(b, off, len);
            }
        };
        return TerminalBuilder.builder().system(false).type("xterm-256color").encoding(StandardCharsets.UTF_8)
                .size(new Size(100, 24)).streams(InputStream.nullInputStream(), both).build();
    }

    @Test
    void permanentLinesScrollAboveTheBarsWhichAreErasedAtTheEnd() throws Exception {
        ProgressBoard board = ProgressRendererTest.board();
        board.since(java.time.Instant.now());
        try (ProgressDisplay d = new ProgressDisplay(xterm(), null, board, false, false, null)) {
            d.redraw();
            assertThat(screen.rows()).containsExactly(
                    "  server-worker-1  [########------------]  40%  creating server worker-1",
                    "  apps             [                    ]    -",
                    "workflow 9a787eb2 Running: 1 done, 2 running, 1 pending, 1 failed (1 skipped) - elapsed 0.0s");
            board.state("t3", null, "Completed");
            d.println("  apps             Completed  (1.0s)");
            assertThat(screen.rows()).containsExactly(
                    "  apps             Completed  (1.0s)",
                    "  server-worker-1  [########------------]  40%  creating server worker-1",
                    "workflow 9a787eb2 Running: 2 done, 1 running, 1 pending, 1 failed (1 skipped) - elapsed 0.0s");
        }
        assertThat(screen.rows()).containsExactly("  apps             Completed  (1.0s)");
    }

    @Test
    void coloursAreDrawnUnlessTurnedOff() throws Exception {
        try (ProgressDisplay d = new ProgressDisplay(xterm(), null, ProgressRendererTest.board(), true, false, null)) {
            d.redraw();
        }
        assertThat(raw.toString(StandardCharsets.UTF_8)).contains("\u001b[32m1 done").contains("\u001b[31;1m1 failed");
    }

    @Test
    void theWatcherDrawsBarsInsteadOfProgressLinesOnATerminal() throws Exception {
        try (FakeDaemon daemon = new FakeDaemon()) {
            daemon.workflows.add(FakeDaemon.workflow("Pending", WorkflowWatcherTest.T1_PENDING, WorkflowWatcherTest.T2_PENDING));
            daemon.workflows.add(WorkflowWatcherTest.DONE);
            daemon.connections.add(FakeDaemon.run(false));
            Terminal term = xterm();
            StringWriter plain = new StringWriter();
            WatchPrinter printer = WatchPrinter.withDisplay(new PrintWriter(plain, true),
                    b -> new ProgressDisplay(term, null, b, false, false, Duration.ofMillis(20)));
            OrchestratorClient client = new OrchestratorClient(daemon.base, null, Duration.ofSeconds(5));
            Api.Workflow w = new WorkflowWatcher(client, () -> client, printer).follow("w1");
            assertThat(w.state()).isEqualTo("Completed");
            assertThat(printer.isLive()).isFalse(); // closed at the summary
            assertThat(screen.seen()).contains("  server-cp-1  [########------------]  40%  creating server")
                    .anyMatch(l -> l.startsWith("workflow w1 Running: 1 done, 1 running, 0 pending, 0 failed - elapsed"));
            // what stays: the state lines, no progress line (the bar showed it) and no bars
            assertThat(screen.rows()).containsExactly("  server-cp-1      Running    attempt 1",
                    "  server-cp-1      Completed  (0.4s)", "  kubernetes-cp-1  Running    attempt 1",
                    "  kubernetes-cp-1  Completed  (1.2s)");
            // the summary is printed plain, after the view is gone
            assertThat(plain.toString()).isEqualTo("workflow w1 Completed: 2 tasks (2 Completed) in 1.5s\n");
        }
    }

    @Test
    void noLiveViewWhenStdoutIsNotATerminal() {
        // surefire's stdout and stderr are pipes: the watcher falls back to plain lines
        assertThat(WatchPrinter.forOutput(new PrintWriter(new StringWriter())).isLive()).isFalse();
        assertThat(ProgressDisplay.open(new PrintWriter(new StringWriter()), new ProgressBoard())).isNull();
    }
}
