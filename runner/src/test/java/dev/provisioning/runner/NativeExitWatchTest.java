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
     * The watch ends at its exit event, on the watch's own thread (D43): a second write of the file, or the logs'
     * closes when nu exits, run nothing, and the runner's unwatch afterwards is harmless.
     */
    @Test
    void theWatchEndsAtItsExitEvent() throws Exception {
        watch = create();
        Path a = Files.createDirectory(tmp.resolve("a")), b = Files.createDirectory(tmp.resolve("b"));
        AtomicInteger seenA = new AtomicInteger(), seenB = new AtomicInteger();
        Object keyA = watch.watch(a, seenA::incrementAndGet);
        watch.watch(b, seenB::incrementAndGet);
        long inoA = ((Number) Files.getAttribute(a, "unix:ino")).longValue();
        assertThat(watchedInodes()).contains(inoA);
        Files.writeString(a.resolve("exit"), "0\n");
        await().atMost(Duration.ofSeconds(5)).until(() -> seenA.get() == 1);
        // the kernel's watch is gone before the runner's unwatch
        await().atMost(Duration.ofSeconds(5)).until(() -> !watchedInodes().contains(inoA));
        Files.writeString(a.resolve("exit"), "0\n");
        Files.writeString(a.resolve("stdout.log"), "x");
        // one inotify queue: once b's later event has run its callback, a's second write was delivered too
        Files.writeString(b.resolve("exit"), "0\n");
        await().atMost(Duration.ofSeconds(5)).until(() -> seenB.get() == 1);
        assertThat(seenA.get()).isEqualTo(1);
        watch.unwatch(keyA);
        // a watch made after that works as before (the removed one did not take the inotify descriptor with it)
        Path c = Files.createDirectory(tmp.resolve("c"));
        AtomicInteger seenC = new AtomicInteger();
        watch.watch(c, seenC::incrementAndGet);
        Files.writeString(c.resolve("exit"), "0\n");
        await().atMost(Duration.ofSeconds(5)).until(() -> seenC.get() == 1);
    }

    private static final java.util.regex.Pattern WATCH_LINE =
            java.util.regex.Pattern.compile("^inotify wd:\\S+ ino:([0-9a-f]+) ");

    /** The inodes that this process's inotify descriptors watch, from {@code /proc/self/fdinfo}. */
    static java.util.Set<Long> watchedInodes() throws java.io.IOException {
        java.util.Set<Long> out = new java.util.HashSet<>();
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    if (!Files.readSymbolicLink(fd).toString().contains("inotify")) continue;
                    for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo", fd.getFileName().toString()))) {
                        java.util.regex.Matcher m = WATCH_LINE.matcher(line);
                        if (m.find()) out.add(Long.parseLong(m.group(1), 16));
                    }
                } catch (java.io.IOException e) {
                    // closed meanwhile
                }
            }
        }
        return out;
    }

    /**
     * The callback waits for the writer's close: an {@code exit} file that is created but still open and empty wakes
     * nobody (the runner would only find it empty and have to look again).
     */
    @Test
    void anExitFileStillOpenForWritingRunsNoCallbackUntilItIsClosed() throws Exception {
        watch = create();
        Path a = Files.createDirectory(tmp.resolve("a")), b = Files.createDirectory(tmp.resolve("b")),
                c = Files.createDirectory(tmp.resolve("c"));
        AtomicInteger seenA = new AtomicInteger(), seenB = new AtomicInteger(), seenC = new AtomicInteger();
        watch.watch(a, seenA::incrementAndGet);
        watch.watch(b, seenB::incrementAndGet);
        watch.watch(c, seenC::incrementAndGet);
        try (FileChannel ch = FileChannel.open(a.resolve("exit"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            // one inotify queue: once b's later event has run its callback, a's creation was delivered too
            Files.writeString(b.resolve("exit"), "0\n");
            await().atMost(Duration.ofSeconds(5)).until(() -> seenB.get() == 1);
            assertThat(seenA.get()).isZero();
            ch.write(ByteBuffer.wrap("0\n".getBytes(StandardCharsets.US_ASCII)));
            Files.writeString(c.resolve("exit"), "0\n");
            await().atMost(Duration.ofSeconds(5)).until(() -> seenC.get() == 1);
            assertThat(seenA.get()).as("written but not closed").isZero();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> seenA.get() == 1);
    }
}
