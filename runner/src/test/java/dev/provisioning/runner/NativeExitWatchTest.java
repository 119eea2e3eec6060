package dev.provisioning.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import static org.awaitility.Awaitility.await;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The contract for inotify through the foreign-function API (the runner's choice on a JDK 22+). */
class NativeExitWatchTest extends ExitWatchContract {
    @Override
    ExitWatch create() {
        assumeThat(Runtime.version().feature()).as("needs a JDK 22+").isGreaterThanOrEqualTo(22);
        return ExitWatcher.best();
    }

    @Test
    void onAJdk22OrNewerItIsTheNativeOne() {
        watch = create();
        assertThat(watch.getClass().getSimpleName()).isEqualTo("NativeExitWatch");
    }

    /**
     * The callback waits for the writer's close: an {@code exit} file that is created but still open and empty wakes
     * nobody (the runner would only find it empty and have to look again).
     */
    @Test
    void anExitFileStillOpenForWritingRunsNoCallbackUntilItIsClosed() throws Exception {
        watch = create();
        Path a = Files.createDirectory(tmp.resolve("a")), b = Files.createDirectory(tmp.resolve("b"));
        AtomicInteger seenA = new AtomicInteger(), seenB = new AtomicInteger();
        watch.watch(a, seenA::incrementAndGet);
        watch.watch(b, seenB::incrementAndGet);
        try (FileChannel ch = FileChannel.open(a.resolve("exit"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            // one inotify queue: once b's later event has run its callback, a's creation was delivered too
            Files.writeString(b.resolve("exit"), "0\n");
            await().atMost(Duration.ofSeconds(5)).until(() -> seenB.get() == 1);
            assertThat(seenA.get()).isZero();
            ch.write(ByteBuffer.wrap("0\n".getBytes(StandardCharsets.US_ASCII)));
            Files.writeString(b.resolve("exit"), "0\n");
            await().atMost(Duration.ofSeconds(5)).until(() -> seenB.get() == 2);
            assertThat(seenA.get()).as("written but not closed").isZero();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> seenA.get() == 1);
    }
}
