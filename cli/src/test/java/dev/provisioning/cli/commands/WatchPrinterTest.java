package dev.provisioning.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import dev.provisioning.cli.client.Api;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The lines of a live workflow: aligned columns, durations and the summary. */
class WatchPrinterTest {
    static Api.Workflow wf(String state, Map<String, Integer> counts, String created, String finished) {
        return new Api.Workflow("w1", "cluster", "batch", state, "normal", "fail", created, null, finished, counts, null);
    }

    @Test
    void stateLinesAlignTheKeyAndStateColumns() {
        assertThat(WatchPrinter.stateLine(21, "server-cp-1", "Running", 1, 1, null, null, null))
                .isEqualTo("  server-cp-1          Running    attempt 1");
        assertThat(WatchPrinter.stateLine(21, "server-cp-1", "Running", 2, 3, null, null, null))
                .isEqualTo("  server-cp-1          Running    attempt 2/3");
        assertThat(WatchPrinter.stateLine(21, "server-cp-1", "Completed", 1, 1, Duration.ofMillis(420), null, null))
                .isEqualTo("  server-cp-1          Completed  (0.4s)");
        assertThat(WatchPrinter.stateLine(21, "kubernetes-worker-1", "Failed", 1, 1, Duration.ofMillis(90), "exit 1:\n  boom", null))
                .isEqualTo("  kubernetes-worker-1  Failed     (0.1s): exit 1: boom");
        assertThat(WatchPrinter.stateLine(21, "x", "Skipped", null, null, null, null, null))
                .isEqualTo("  x                    Skipped");
        assertThat(WatchPrinter.stateLine(21, "x", "RetryWait", 1, 3, null, "exit 2", null))
                .isEqualTo("  x                    RetryWait  attempt 1/3 failed: exit 2");
        assertThat(WatchPrinter.stateLine(21, "x", "RetryWait", 1, 3, null, null, "2025-01-02T03:04:05Z"))
                .startsWith("  x                    RetryWait  attempt 1/3 failed; next try at ").matches(".*\\d\\d:\\d\\d:\\d\\d");
    }

    @Test
    void aKeyLongerThanTheColumnStillGetsASpace() {
        assertThat(WatchPrinter.stateLine(4, "very-long-key", "Running", 1, 1, null, null, null))
                .isEqualTo("  very-long-key Running    attempt 1");
    }

    @Test
    void progressLinesRightAlignThePercent() {
        assertThat(WatchPrinter.progressLine(21, "server-cp-1", 40, "creating server"))
                .isEqualTo("  server-cp-1           40%  creating server");
        assertThat(WatchPrinter.progressLine(21, "server-cp-1", 100, "done"))
                .isEqualTo("  server-cp-1          100%  done");
        assertThat(WatchPrinter.progressLine(21, "server-cp-1", 5, null)).isEqualTo("  server-cp-1            5%");
    }

    @Test
    void summaryCountsCompletedFirstAndTakesTheDaemonsTimes() {
        Map<String, Integer> counts = new LinkedHashMap<>();
        counts.put("Failed", 1);
        counts.put("Completed", 5);
        counts.put("Skipped", 1);
        assertThat(WatchPrinter.summaryLine(wf("Failed", counts, "2025-01-02T03:04:05.000Z", "2025-01-02T03:04:06.234Z"), null))
                .isEqualTo("workflow w1 Failed: 7 tasks (5 Completed, 1 Failed, 1 Skipped) in 1.2s");
        assertThat(WatchPrinter.summaryLine(wf("Completed", Map.of("Completed", 1), null, null), Duration.ofSeconds(3)))
                .isEqualTo("workflow w1 Completed: 1 task (1 Completed) in 3.0s");
        assertThat(WatchPrinter.summaryLine(wf("Cancelled", Map.of(), null, null), null)).isEqualTo("workflow w1 Cancelled: 0 tasks");
    }

    @Test
    void durations() {
        assertThat(WatchPrinter.duration(Duration.ZERO)).isEqualTo("0.0s");
        assertThat(WatchPrinter.duration(Duration.ofMillis(12_345))).isEqualTo("12.3s");
        assertThat(WatchPrinter.duration(Duration.ofSeconds(125))).isEqualTo("2m05s");
        assertThat(WatchPrinter.duration(Duration.ofMinutes(62))).isEqualTo("1h02m");
        assertThat(WatchPrinter.duration(Duration.ofMillis(-5))).isEqualTo("0.0s");
        assertThat(WatchPrinter.between("2025-01-02T03:04:05Z", "garbage")).isNull();
    }

    @Test
    void theKeyColumnWidensToTheLongestKeyAndNeverNarrows() {
        StringWriter sw = new StringWriter();
        WatchPrinter p = new WatchPrinter(new PrintWriter(sw, true));
        assertThat(p.keyWidth()).isEqualTo(WatchPrinter.MIN_KEY_WIDTH);
        p.fit(List.of("a", "kubernetes-worker-1"));
        assertThat(p.keyWidth()).isEqualTo(21);
        p.fit(List.of("b"));
        assertThat(p.keyWidth()).isEqualTo(21);
        p.progress("a", 10, "go");
        assertThat(sw.toString()).isEqualTo("  a                     10%  go" + System.lineSeparator());
    }
}
