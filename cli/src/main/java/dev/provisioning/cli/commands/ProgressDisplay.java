package dev.provisioning.cli.commands;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.jline.terminal.spi.SystemStream;
import org.jline.terminal.spi.TerminalProvider;
import org.jline.utils.Display;
import org.jline.utils.WriterOutputStream;

/**
 * The live view of a followed workflow: the {@link ProgressRenderer}'s lines (a bar per running task, the counts,
 * the elapsed time) redrawn in place at the bottom with JLine's {@link Display}, and permanent lines (task state
 * changes) printed above them. A ticker redraws it every {@link #TICK}, so the elapsed time moves between events.
 *
 * <p>It draws into the writer the command prints to (stdout, or stderr under {@code --json}), through a JLine
 * terminal of the real terminal's type and size. {@link #open} gives null when stdout or stderr is not a
 * terminal: the caller then prints plain lines.
 */
final class ProgressDisplay implements AutoCloseable {
    static final Duration TICK = Duration.ofMillis(250);

    private final Terminal term;
    /** The real terminal, for its size (null when drawing into a virtual one, in tests). */
    private final Terminal system;
    private final Display display;
    private final ProgressBoard board;
    private final boolean color;
    private final boolean unicode;
    private final ScheduledExecutorService ticker;
    private Size size;
    private boolean closed;

    ProgressDisplay(Terminal term, Terminal system, ProgressBoard board, boolean color, boolean unicode, Duration tick) {
        this.term = term;
        this.system = system;
        this.board = board;
        this.color = color;
        this.unicode = unicode;
        this.size = (system != null ? system : term).getSize();
        this.display = new Display(term, false);
        if (system != null) system.handle(Terminal.Signal.WINCH, s -> resized());
        if (tick == null) {
            ticker = null;
        } else {
            ticker = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "progress-ticker");
                t.setDaemon(true);
                return t;
            });
            ticker.scheduleAtFixedRate(this::redraw, tick.toMillis(), tick.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /**
     * A live view drawing into {@code out}, or null when there is no terminal to draw on (stdout or stderr is not
     * a terminal, {@code TERM} is dumb or unset): the caller prints plain lines then.
     */
    static ProgressDisplay open(PrintWriter out, ProgressBoard board) {
        if (!TerminalSupport.liveWanted()) return null;
        Terminal sys = null;
        try {
            if (!TerminalProvider.load("exec").isSystemStream(SystemStream.Error)) return null;
            sys = TerminalBuilder.builder().system(true).dumb(true).systemOutput(TerminalBuilder.SystemOutput.SysOut)
                    .nativeSignals(true).signalHandler(Terminal.SignalHandler.SIG_DFL).build();
            String type = sys.getType();
            if (type == null || type.startsWith(Terminal.TYPE_DUMB) || sys.getWidth() < 20) {
                sys.close();
                return null;
            }
            Terminal draw = TerminalBuilder.builder().system(false).type(type).encoding(StandardCharsets.UTF_8)
                    .size(sys.getSize()).streams(InputStream.nullInputStream(), keepOpen(new WriterOutputStream(out, StandardCharsets.UTF_8)))
                    .build();
            boolean unicode = StandardCharsets.UTF_8.equals(sys.encoding());
            return new ProgressDisplay(draw, sys, board, TerminalSupport.colorWanted(), unicode, TICK);
        } catch (IOException | RuntimeException | LinkageError e) {
            if (sys != null) closeQuietly(sys);
            return null;
        }
    }

    /** Prints a permanent line above the live lines, which are drawn again under it. */
    synchronized void println(String line) {
        if (closed) return;
        display.update(List.of(), 0, false);
        term.writer().println(line);
        draw();
    }

    /** Draws the live lines again from the board. */
    synchronized void redraw() {
        if (!closed) draw();
    }

    private void draw() {
        display.resize(size.getRows(), size.getColumns());
        display.update(ProgressRenderer.render(board, Instant.now(), size.getColumns(), size.getRows(), color, unicode), 0);
    }

    private synchronized void resized() {
        try {
            size = system.getSize();
        } catch (RuntimeException ignored) {
            // keep the old size
        }
        redraw();
    }

    /** Erases the live lines (the summary line follows) and lets the terminal go. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        if (ticker != null) ticker.shutdownNow();
        display.update(List.of(), 0);
        term.flush();
        closeQuietly(term);
        if (system != null) closeQuietly(system);
    }

    private static void closeQuietly(Terminal t) {
        try {
            t.close();
        } catch (IOException | RuntimeException ignored) {
            // nothing left to do
        }
    }

    /** Closing the terminal must not close the command's own writer. */
    private static OutputStream keepOpen(OutputStream os) {
        return new FilterOutputStream(os) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                flush();
            }
        };
    }
}
