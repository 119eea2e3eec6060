package dev.provisioning.runner;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ExitWatch} on the inotify system calls themselves (Java 22 foreign-function API; loaded reflectively like
 * {@link NativeSpawner}). The JDK's {@code WatchService} costs two threads and a hand-off per registration (the
 * caller waits for its poller thread); here a watch is one {@code inotify_add_watch} on the caller's thread, and
 * one thread reads the events and runs the callback of the watch whose {@code exit} file was written.
 *
 * <p>It watches for the {@code exit} file's close after writing ({@code IN_CLOSE_WRITE}), not for its creation: a
 * creation event often comes while the writer is between its open and its write, and the runner would have to look
 * again later (a millisecond between a task's end and its dependents' start). Renames into the dir count too. The
 * rest is {@link ExitWatcher}'s contract: after a queue overflow every callback runs, and each checks the file
 * itself; a dir that cannot be watched gives null. A watch ends at its {@code exit} event (its callback runs once).
 */
final class NativeExitWatch implements ExitWatch {
    private static final Logger LOG = LoggerFactory.getLogger(NativeExitWatch.class);
    private static final int IN_CLOEXEC = 02000000, IN_CLOSE_WRITE = 0x08, IN_MOVED_TO = 0x80, IN_ONLYDIR = 0x01000000,
            IN_Q_OVERFLOW = 0x4000, POLLIN = 1, EINTR = 4;
    private static final byte[] EXIT = RunDir.EXIT.getBytes(StandardCharsets.US_ASCII);
    private static final int BUFFER = 64 * 1024, POLL_MILLIS = 500;

    private final MethodHandle addWatch, rmWatch, read, poll, close;
    private final int fd;
    private final Map<Integer, Runnable> callbacks = new ConcurrentHashMap<>();
    private volatile boolean closed, warned;

    /** Called reflectively by {@link ExitWatcher#best()}; throws if inotify is not there. */
    static ExitWatch create() throws Throwable {
        return new NativeExitWatch();
    }

    private NativeExitWatch() throws Throwable {
        MethodHandle init = Libc.withErrno("inotify_init1", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        addWatch = Libc.withErrno("inotify_add_watch", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
        rmWatch = Libc.function("inotify_rm_watch", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
        read = Libc.withErrno("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
        poll = Libc.function("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
        close = Libc.function("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(Libc.CALL_STATE);
            fd = (int) init.invokeExact(state, IN_CLOEXEC);
            if (fd < 0) throw new IllegalStateException("inotify_init1: errno " + Libc.errno(state));
        }
        Thread t = new Thread(this::loop, "provisioning-exit-watch");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public Object watch(Path dir, Runnable onExitFile) {
        if (closed) return null;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(Libc.CALL_STATE);
            int wd = (int) addWatch.invokeExact(state, fd, a.allocateFrom(dir.toString()), IN_CLOSE_WRITE | IN_MOVED_TO | IN_ONLYDIR);
            if (wd < 0) {
                if (!warned) {
                    warned = true;
                    LOG.warn("cannot watch {} (inotify_add_watch: errno {}); attempt ends are noticed when their "
                            + "process ends", dir, Libc.errno(state));
                }
                return null;
            }
            callbacks.put(wd, onExitFile);
            return wd;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    @Override
    public void unwatch(Object key) {
        if (!(key instanceof Integer wd) || callbacks.remove(wd) == null || closed) return; // null: its exit ended it
        removeWatch(wd);
    }

    private void removeWatch(int wd) {
        try {
            int ignored = (int) rmWatch.invokeExact(fd, wd); // EINVAL if the dir is gone already: fine
        } catch (Throwable t) {
            LOG.debug("inotify_rm_watch: {}", t.toString());
        }
    }

    private void loop() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(BUFFER, 8);
            MemorySegment pfd = a.allocate(8, 4);
            MemorySegment state = a.allocate(Libc.CALL_STATE);
            while (!closed) {
                try {
                    pfd.set(JAVA_INT, 0, fd);
                    pfd.set(JAVA_SHORT, 4, (short) POLLIN);
                    pfd.set(JAVA_SHORT, 6, (short) 0);
                    if ((int) poll.invokeExact(pfd, 1L, POLL_MILLIS) <= 0) continue; // timeout (look at 'closed'), EINTR
                    long n = (long) read.invokeExact(state, fd, buf, (long) BUFFER);
                    if (n < 0) {
                        int err = Libc.errno(state);
                        if (err == EINTR) continue;
                        // not expected on a good descriptor; rather than spin, stop watching: watch() then returns
                        // null and attempt ends are noticed when their process ends
                        LOG.error("reading inotify events failed (errno {}); exit files are no longer watched", err);
                        closed = true;
                        break;
                    }
                    dispatch(buf, n);
                } catch (Throwable t) {
                    LOG.warn("exit watch failed: {}", t.toString());
                }
            }
        } finally {
            try {
                int ignored = (int) close.invokeExact(fd);
            } catch (Throwable t) {
                LOG.debug("closing inotify: {}", t.toString());
            }
        }
    }

    /** struct inotify_event { int wd; uint32 mask, cookie, len; char name[len]; }, back to back. */
    private void dispatch(MemorySegment buf, long n) {
        for (long off = 0; off + 16 <= n; ) {
            int wd = buf.get(JAVA_INT, off), mask = buf.get(JAVA_INT, off + 4), len = buf.get(JAVA_INT, off + 12);
            if ((mask & IN_Q_OVERFLOW) != 0) callbacks.values().forEach(this::run);
            else if (len > EXIT.length && isExit(buf, off + 16)) {
                // The watch ends here, on this thread, which is awake: the IN_IGNORED of its removal is read at once,
                // and the logs' closes when nu exits come to nobody. Removed later by the runner, each was a wake-up.
                Runnable r = callbacks.remove(wd);
                if (r != null) {
                    removeWatch(wd);
                    run(r);
                }
            }
            off += 16 + len;
        }
    }

    private static boolean isExit(MemorySegment buf, long at) {
        for (int i = 0; i < EXIT.length; i++) if (buf.get(java.lang.foreign.ValueLayout.JAVA_BYTE, at + i) != EXIT[i]) return false;
        return buf.get(java.lang.foreign.ValueLayout.JAVA_BYTE, at + EXIT.length) == 0;
    }

    private void run(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.warn("exit watch callback failed: {}", e.toString());
        }
    }

    @Override
    public void close() {
        closed = true; // the thread sees it within POLL_MILLIS and closes the descriptor
        callbacks.clear();
    }
}
