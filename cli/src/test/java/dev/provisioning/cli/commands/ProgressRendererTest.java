package dev.provisioning.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.jline.utils.AttributedString;
import org.junit.jupiter.api.Test;

/** The live view's lines, rendered to strings at a fixed size: bars, counts, elapsed time, truncation. */
class ProgressRendererTest {
    static final Instant T0 = Instant.parse("2025-01-02T03:04:05Z");

    static ProgressBoard board() {
        ProgressBoard b = new ProgressBoard();
        b.workflow("9a787eb2-4634-43fc-bc8e-b32e5abcff4d", "Running");
        b.since(T0);
        b.state("t1", "server-cp-1", "Completed");
        b.state("t2", "server-worker-1", "Running");
        b.progress("t2", null, 40, "creating  server\nworker-1");
        b.state("t3", "apps", "Running");
        b.state("t4", "kubernetes-cp-1", "Pending");
        b.state("t5", "kubernetes-worker-1", "Failed");
        b.state("t6", "old", "Skipped");
        return b;
    }

    static List<String> text(List<AttributedString> lines) {
        return lines.stream().map(AttributedString::toString).toList();
    }

    @Test
    void aBarPerRunningTaskThenTheCountsAndTheElapsedTime() {
        List<String> lines = text(ProgressRenderer.render(board(), T0.plusSeconds(65), 100, 24, false, false));
        assertThat(lines).containsExactly(
                "  server-worker-1  [########------------]  40%  creating server worker-1",
                "  apps             [                    ]    -",
                "workflow 9a787eb2 Running: 1 done, 2 running, 1 pending, 1 failed (1 skipped) - elapsed 1m05s");
    }

    @Test
    void aBarFillsInProportionAndCountsFollowTheStates() {
        ProgressBoard b = board();
        b.progress("t3", "apps", 100, null);
        b.state("t2", null, "Completed");
        List<String> lines = text(ProgressRenderer.render(b, T0.plusMillis(2500), 100, 24, false, true));
        assertThat(lines).containsExactly("  apps  [" + "\u2588".repeat(20) + "] 100%",
                "workflow 9a787eb2 Running: 2 done, 1 running, 1 pending, 1 failed (1 skipped) - elapsed 2.5s");
    }

    @Test
    void aRestartedTaskLosesItsOldProgress() {
        ProgressBoard b = board();
        b.state("t2", null, "RetryWait");
        b.state("t2", null, "Running");
        assertThat(text(ProgressRenderer.render(b, T0, 100, 24, false, false)).get(0))
                .isEqualTo("  server-worker-1  [                    ]    -");
    }

    @Test
    void linesAreCutToTheWidthAndTasksToTheHeight() {
        ProgressBoard b = board();
        for (int i = 0; i < 10; i++) b.state("x" + i, "extra-" + i, "Running");
        List<String> lines = text(ProgressRenderer.render(b, T0, 40, 6, false, false));
        assertThat(lines).hasSize(5).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(39));
        assertThat(lines.get(3)).isEqualTo("  ... and 9 more running");
        assertThat(lines.get(4)).startsWith("workflow 9a787eb2 Running: 1 done, 12 ");
    }

    @Test
    void colourIsStyleOnlyAndCanBeLeftOut() {
        AttributedString coloured = ProgressRenderer.footer(board(), T0, true);
        AttributedString plain = ProgressRenderer.footer(board(), T0, false);
        assertThat(coloured.toString()).isEqualTo(plain.toString());
        assertThat(coloured.toAnsi()).contains("\u001b[").isNotEqualTo(plain.toAnsi());
        assertThat(plain.toAnsi()).doesNotContain("\u001b[");
    }
}
