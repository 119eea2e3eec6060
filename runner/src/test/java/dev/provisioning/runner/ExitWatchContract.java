package dev.provisioning.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What every {@link ExitWatch} promises, on real directories; one subclass per implementation. */
abstract class ExitWatchContract {
    @TempDir
    Path tmp;
    ExitWatch watch;

    abstract ExitWatch create();

    @AfterEach
    void close() {
        if (watch != null) watch.close();
    }

    @Test
    void theCallbackRunsWhenExitIsWrittenAndNotForOtherFilesOrAfterUnwatch() throws Exception {
        watch = create();
        Path a = Files.createDirectory(tmp.resolve("a")), b = Files.createDirectory(tmp.resolve("b")),
                c = Files.createDirectory(tmp.resolve("c"));
        AtomicInteger seenA = new AtomicInteger(), seenB = new AtomicInteger(), seenC = new AtomicInteger();
        Object keyA = watch.watch(a, seenA::incrementAndGet);
        Object keyB = watch.watch(b, seenB::incrementAndGet);
        assertThat(keyA).isNotNull();
        assertThat(keyB).isNotNull();
        assertThat(watch.watch(c, seenC::incrementAndGet)).isNotNull();
        Files.writeString(a.resolve("stdout.log"), "x");
        Files.writeString(a.resolve("exit.tmp"), "x");
        Files.writeString(a.resolve("exit"), "0\n");
        await().atMost(Duration.ofSeconds(5)).until(() -> seenA.get() >= 1);
        watch.unwatch(keyA); // after its callback, as the runner does
        watch.unwatch(keyB);
        Files.writeString(b.resolve("exit"), "0\n");
        // one queue, read in order: once c's later event has run its callback, b's was delivered too
        Files.writeString(c.resolve("exit"), "1\n");
        await().atMost(Duration.ofSeconds(5)).until(() -> seenC.get() == 1);
        assertThat(seenA.get()).isEqualTo(1);
        assertThat(seenB.get()).isZero();
    }

    @Test
    void aDirThatCannotBeWatchedGivesNull() {
        watch = create();
        assertThat(watch.watch(tmp.resolve("missing"), () -> {})).isNull();
        watch.unwatch(null);
    }
}
