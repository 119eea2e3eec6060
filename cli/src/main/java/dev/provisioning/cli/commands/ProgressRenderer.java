package dev.provisioning.cli.commands;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jline.utils.AttributedString;
import org.jline.utils.AttributedStringBuilder;
import org.jline.utils.AttributedStyle;

/**
 * Renders a {@link ProgressBoard} as the lines of the live view, for a terminal {@code width} columns wide and
 * {@code height} rows high: one progress bar per running task, then the counts and the elapsed time.
 * <pre>
 *   server-cp-1      [########------------]  40%  local: creating server cluster-local/cp-1
 *   server-worker-1  [                    ]   -
 * workflow 9a787eb2 Running: 1 done, 2 running, 4 pending, 0 failed - elapsed 3.2s
 * </pre>
 * Pure: no terminal; {@code color} false gives lines without any style, and {@code toString()} of a line is its
 * text either way.
 */
final class ProgressRenderer {
    static final int BAR = 20;

    private ProgressRenderer() {}

    static List<AttributedString> render(ProgressBoard board, Instant now, int width, int height, boolean color,
                                         boolean unicode) {
        List<ProgressBoard.Row> running = board.running();
        int room = Math.max(1, height - 2); // rows for tasks: leave the footer and the cursor's row
        int shown = running.size() <= room ? running.size() : room - 1;
        int keyWidth = 0;
        for (ProgressBoard.Row r : running) keyWidth = Math.max(keyWidth, r.key().length());
        keyWidth = Math.min(keyWidth, Math.max(8, width / 3));
        int bar = width >= 60 ? BAR : Math.max(5, Math.min(BAR, width / 5));
        List<AttributedString> lines = new ArrayList<>();
        for (int i = 0; i < shown; i++) lines.add(fit(taskLine(running.get(i), keyWidth, bar, color, unicode), width));
        if (shown < running.size())
            lines.add(fit(new AttributedString("  ... and " + (running.size() - shown) + " more running"), width));
        lines.add(fit(footer(board, now, color), width));
        return lines;
    }

    /** {@code "  KEY  [####------]  40%  message"}; a task without a report yet has an empty bar and {@code -}. */
    static AttributedString taskLine(ProgressBoard.Row r, int keyWidth, int bar, boolean color, boolean unicode) {
        AttributedStringBuilder b = new AttributedStringBuilder();
        String key = r.key().length() > keyWidth ? r.key().substring(0, Math.max(1, keyWidth - 1)) + "~" : r.key();
        b.append("  ").append(key).append(" ".repeat(keyWidth - key.length() + 2));
        int pct = r.percent() == null ? 0 : Math.max(0, Math.min(100, r.percent()));
        int filled = pct * bar / 100;
        b.append('[');
        style(b, color, AttributedStyle.DEFAULT.foreground(AttributedStyle.GREEN),
                (unicode ? "\u2588" : "#").repeat(filled));
        style(b, color, AttributedStyle.DEFAULT.foreground(AttributedStyle.BRIGHT),
                (r.percent() == null ? " " : unicode ? "\u2591" : "-").repeat(bar - filled));
        b.append(']');
        b.append(String.format("%5s", r.percent() == null ? "-" : pct + "%"));
        if ("RollingBack".equals(r.state())) b.append("  rolling back");
        if (r.message() != null && !r.message().isBlank()) b.append("  ").append(r.message().strip().replaceAll("\\s+", " "));
        return b.toAttributedString();
    }

    /** {@code "workflow 9a787eb2 Running: 3 done, 2 running, 1 pending, 0 failed - elapsed 1m05s"}. */
    static AttributedString footer(ProgressBoard board, Instant now, boolean color) {
        ProgressBoard.Counts c = board.counts();
        AttributedStringBuilder b = new AttributedStringBuilder();
        String id = board.workflowId() == null ? "" : board.workflowId();
        b.append("workflow ").append(id.length() > 8 ? id.substring(0, 8) : id);
        if (board.workflowState() != null) b.append(' ').append(board.workflowState());
        b.append(": ");
        style(b, color, AttributedStyle.DEFAULT.foreground(AttributedStyle.GREEN), c.done() + " done");
        b.append(", ");
        style(b, color, AttributedStyle.DEFAULT.foreground(AttributedStyle.CYAN), c.running() + " running");
        b.append(", ").append(String.valueOf(c.pending())).append(" pending, ");
        style(b, color, c.failed() > 0 ? AttributedStyle.BOLD.foreground(AttributedStyle.RED) : AttributedStyle.DEFAULT,
                c.failed() + " failed");
        if (c.cancelled() > 0 || c.skipped() > 0) {
            List<String> more = new ArrayList<>();
            if (c.cancelled() > 0) more.add(c.cancelled() + " cancelled");
            if (c.skipped() > 0) more.add(c.skipped() + " skipped");
            b.append(" (").append(String.join(", ", more)).append(')');
        }
        b.append(" - elapsed ").append(WatchPrinter.duration(board.elapsed(now)));
        return b.toAttributedString();
    }

    private static void style(AttributedStringBuilder b, boolean color, AttributedStyle s, String text) {
        if (color) b.styled(s, text);
        else b.append(text);
    }

    /** Cut to {@code width - 1} columns: the last column is left free, so no line wraps. */
    private static AttributedString fit(AttributedString s, int width) {
        int max = Math.max(1, width - 1);
        return s.columnLength() <= max ? s : s.columnSubSequence(0, max);
    }
}
