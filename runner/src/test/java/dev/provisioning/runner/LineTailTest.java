package dev.provisioning.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LineTailTest {
    @TempDir
    Path dir;

    private static void append(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    @Test
    void tailsSharingOneBufferEachKeepTheirOwnPartialLines() throws IOException {
        ByteBuffer shared = LineTail.buffer();
        Path a = dir.resolve("a.log"), b = dir.resolve("b.log");
        List<String> fromA = new ArrayList<>(), fromB = new ArrayList<>();
        try (LineTail ta = new LineTail(a, shared); LineTail tb = new LineTail(b, shared)) {
            append(a, "PROGRESS: 10\nhalf of a");
            append(b, "CHECKPOINT: {\"b\":1}\nhalf of b");
            ta.poll(0, false, fromA::add);
            tb.poll(0, false, fromB::add);
            append(a, " line\n");
            append(b, " line\r\nlast of b");
            tb.poll(0, false, fromB::add);
            ta.poll(0, false, fromA::add);
            tb.poll(0, true, fromB::add);
        }
        assertThat(fromA).containsExactly("PROGRESS: 10", "half of a line");
        assertThat(fromB).containsExactly("CHECKPOINT: {\"b\":1}", "half of b line", "last of b");
    }

    @Test
    void aLineLongerThanTheBufferArrivesWholeAndATooLongOneIsDropped() throws IOException {
        Path f = dir.resolve("long.log");
        String longLine = "x".repeat(200_000);
        append(f, longLine + "\nshort\n" + "y".repeat(LineTail.MAX_LINE + 1) + "\nafter\n");
        List<String> lines = new ArrayList<>();
        try (LineTail t = new LineTail(f, LineTail.buffer())) {
            t.poll(0, true, lines::add);
        }
        assertThat(lines).containsExactly(longLine, "short", "after");
    }

    @Test
    void aFileThatDoesNotExistYetIsReadOnceItDoes() throws IOException {
        Path f = dir.resolve("later.log");
        List<String> lines = new ArrayList<>();
        try (LineTail t = new LineTail(f, LineTail.buffer())) {
            t.poll(0, false, lines::add);
            assertThat(lines).isEmpty();
            append(f, "first\nsec");
            t.poll(0, false, lines::add);
            assertThat(lines).containsExactly("first");
            append(f, "ond\n");
            t.poll(0, false, lines::add);
        }
        assertThat(lines).containsExactly("first", "second");
    }
}
