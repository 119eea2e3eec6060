package dev.provisioning.runner;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;

/**
 * Follows a growing log file and hands out complete lines (UTF-8, without the line break). Not thread-safe: the
 * runner calls it from its one tailer thread only. A line longer than {@link #MAX_LINE} bytes is dropped.
 *
 * <p>The read buffer is the caller's: one {@link #buffer()} serves every tail polled from the same thread. A buffer of
 * its own per attempt was 64 KiB allocated and zeroed for each task: more than half of what the scheduler's thread
 * allocated per task (docs/decisions.md D45).
 */
final class LineTail implements AutoCloseable {
    static final int MAX_LINE = 1 << 20;
    private static final int CHUNK = 64 * 1024;

    private final Path file;
    private final ByteBuffer buf;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private FileChannel ch;
    private long offset;
    private boolean skipping;

    /** {@code buf}: a read buffer ({@link #buffer()}) that only the thread polling this tail uses. */
    LineTail(Path file, ByteBuffer buf) {
        this.file = file;
        this.buf = buf;
    }

    /** A read buffer to share between the tails polled from one thread. */
    static ByteBuffer buffer() {
        return ByteBuffer.allocate(CHUNK);
    }

    /**
     * Reads up to {@code maxBytes} new bytes (all of them if {@code maxBytes <= 0}) and passes each complete line to
     * {@code sink}. With {@code flush}, a trailing line without a line break is passed too.
     */
    void poll(long maxBytes, boolean flush, Consumer<String> sink) throws IOException {
        if (ch == null) {
            try {
                ch = FileChannel.open(file, StandardOpenOption.READ);
            } catch (NoSuchFileException e) {
                return;
            }
            ch.position(offset);
        }
        long read = 0;
        while (maxBytes <= 0 || read < maxBytes) {
            buf.clear();
            int n = ch.read(buf);
            if (n <= 0) break;
            read += n;
            offset += n;
            byte[] a = buf.array();
            int start = 0;
            for (int i = 0; i < n; i++) {
                if (a[i] != '\n') continue;
                append(a, start, i - start);
                emit(sink);
                start = i + 1;
            }
            append(a, start, n - start);
        }
        if (flush && (line.size() > 0 || skipping)) emit(sink);
    }

    private void append(byte[] a, int off, int len) {
        if (len == 0 || skipping) return;
        if (line.size() + len > MAX_LINE) {
            skipping = true;
            line.reset();
            return;
        }
        line.write(a, off, len);
    }

    private void emit(Consumer<String> sink) {
        if (!skipping) {
            String s = line.toString(StandardCharsets.UTF_8);
            if (s.endsWith("\r")) s = s.substring(0, s.length() - 1);
            sink.accept(s);
        }
        skipping = false;
        line.reset();
    }

    @Override
    public void close() {
        if (ch == null) return;
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing to do
        }
        ch = null;
    }
}
