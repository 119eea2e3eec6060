package dev.provisioning.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Slow-loris clients: a request trickled a byte at a time (each byte well inside the read timeout), and a request whose
 * body never comes. The server closes each within a bound of {@code server.read_timeout_seconds} (2 s here), and
 * serves other clients meanwhile.
 */
@Timeout(120)
class SlowClientTest {
    static final Duration READ_TIMEOUT = Duration.ofSeconds(2);
    /** Generous for a loaded 2-core machine, and far below "forever". */
    static final Duration BOUND = Duration.ofSeconds(12);

    @TempDir
    static Path tmp;
    static TestDaemon d;

    @BeforeAll
    static void start() {
        d = new TestDaemon(tmp.resolve("data"), Map.of("server.read_timeout_seconds", Long.toString(READ_TIMEOUT.toSeconds())));
    }

    @AfterAll
    static void stop() {
        if (d != null) d.close();
    }

    /** Sends {@code head} at once, then {@code trickle} one byte per {@code every}; returns how long until the server closed. */
    /** Slow clients that have sent their head, so a test can wait until they all hang on the server. */
    static final java.util.concurrent.atomic.AtomicInteger HEADS_SENT = new java.util.concurrent.atomic.AtomicInteger();

    static Duration holdOpen(String head, String trickle, Duration every) throws IOException {
        try (Socket s = new Socket("127.0.0.1", d.daemon.port())) {
            s.setSoTimeout(200);
            long t0 = System.nanoTime();
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            HEADS_SENT.incrementAndGet();
            byte[] rest = trickle.getBytes(StandardCharsets.US_ASCII);
            int i = 0;
            long next = System.nanoTime();
            while (Duration.ofNanos(System.nanoTime() - t0).compareTo(BOUND.multipliedBy(2)) < 0) {
                try {
                    if (in.read() == -1) return Duration.ofNanos(System.nanoTime() - t0); // closed by the server
                } catch (java.net.SocketTimeoutException e) {
                    // nothing yet
                } catch (SocketException e) {
                    return Duration.ofNanos(System.nanoTime() - t0); // reset by the server
                }
                if (System.nanoTime() - next >= 0 && rest.length > 0) {
                    try {
                        out.write(rest[i++ % rest.length]);
                        out.flush();
                    } catch (SocketException e) {
                        return Duration.ofNanos(System.nanoTime() - t0);
                    }
                    next = System.nanoTime() + every.toNanos();
                }
            }
            return Duration.ofNanos(System.nanoTime() - t0);
        }
    }

    @Test
    void headersTrickledAByteAtATimeAreCutOff() throws Exception {
        Duration held = holdOpen("GET /health HTTP/1.1\r\nHost: x\r\n", "X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n", Duration.ofMillis(500));
        assertThat(held).isLessThan(BOUND);
    }

    @Test
    void aBodyTrickledAByteAtATimeIsCutOff() throws Exception {
        Duration held = holdOpen("POST /workflows/batch/submit HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + d.daemon.token()
                + "\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{", "                    ", Duration.ofMillis(500));
        assertThat(held).isLessThan(BOUND);
    }

    @Test
    void aBodyThatNeverComesIsCutOff() throws Exception {
        Duration held = holdOpen("POST /workflows/batch/submit HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + d.daemon.token()
                + "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"task\":", "", Duration.ofMillis(500));
        assertThat(held).isLessThan(BOUND);
    }

    @Test
    void otherClientsAreServedWhileSlowOnesHang() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(20);
        try {
            List<Future<Duration>> slow = new ArrayList<>();
            HEADS_SENT.set(0);
            for (int i = 0; i < 20; i++)
                slow.add(pool.submit(() -> holdOpen("GET /health HTTP/1.1\r\nHost: x\r\n", "X-Slow: aaaaaaaaaaaaaaaaaaaaaa\r\n", Duration.ofMillis(500))));
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> HEADS_SENT.get() == 20);
            for (int i = 0; i < 10; i++) {
                long t0 = System.nanoTime();
                assertThat(d.get("/health").statusCode()).isEqualTo(200);
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
            }
            for (Future<Duration> f : slow) assertThat(f.get(60, TimeUnit.SECONDS)).isLessThan(BOUND);
        } finally {
            pool.shutdownNow();
        }
    }
}
