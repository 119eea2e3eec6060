package dev.provisioning.runner;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells {@link NativeSpawner} when its children end, for all of them on one thread: a pidfd per child
 * ({@code pidfd_open}, Linux 5.3), all in one epoll set. A pidfd turns readable when its process ends, and the
 * thread then hands that child (its pid and its exit) to the spawner, which reaps exactly that child ({@code waitpid(pid)}, which no longer
 * blocks), so the JDK's own children are never touched.
 *
 * <p>It replaces a thread per running child blocked in {@code waitpid}. A spawn no longer hands its child to a pool
 * thread (one wake-up less per task), and a thousand running tasks no longer hold a thousand threads.
 * {@link #create} returns null where {@code pidfd_open} or epoll is missing, and {@link #follow} returns false for a
 * child it cannot follow (no descriptor left): the spawner then gives that child a thread of its own, as before.
 * If waiting on the set ever fails for good, every child followed so far is handed back the same way.
 */
final class PidfdReaper {
    private static final Logger LOG = LoggerFactory.getLogger(PidfdReaper.class);
    private static final int EPOLL_CLOEXEC = 02000000, EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2, EPOLLIN = 1,
            EPOLLONESHOT = 1 << 30, EINTR = 4, MAX_EVENTS = 64;
    /** {@code struct epoll_event} is packed on x86-64 (12 bytes); elsewhere its 64-bit data is aligned (16 bytes). */
    private static final boolean PACKED = System.getProperty("os.arch", "").matches("amd64|x86_64");
    private static final long EVENT_BYTES = PACKED ? 12 : 16, DATA_OFFSET = PACKED ? 4 : 8;

    private final MethodHandle pidfdOpen, epollCtl, epollWait, close;
    private final int epfd;
    /** A followed child: its pid, and its exit, which the spawner completes when it reaps it. */
    private record Followed(int pid, CompletableFuture<Integer> exit) {}
    /** The followed children, by pidfd. */
    private final Map<Integer, Followed> children = new ConcurrentHashMap<>();
    /** Called for a child that ended (or, after a failure of the set, for every child still followed). */
    private final BiConsumer<Integer, CompletableFuture<Integer>> ended, handBack;
    private volatile boolean broken;

    /**
     * @param ended    runs on this class's thread for a child that has ended: it reaps it
     * @param handBack runs for a child this class stops following without having seen its end: it waits for it
     * @return null where the system lacks pidfds or epoll
     */
    static PidfdReaper create(BiConsumer<Integer, CompletableFuture<Integer>> ended,
                              BiConsumer<Integer, CompletableFuture<Integer>> handBack) {
        try {
            return new PidfdReaper(ended, handBack);
        } catch (Throwable t) {
            LOG.info("children are reaped by a thread each ({})", t.toString());
            return null;
        }
    }

    private PidfdReaper(BiConsumer<Integer, CompletableFuture<Integer>> ended,
                        BiConsumer<Integer, CompletableFuture<Integer>> handBack) throws Throwable {
        this.ended = ended;
        this.handBack = handBack;
        pidfdOpen = Libc.function("pidfd_open", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
        MethodHandle create = Libc.function("epoll_create1", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        epollCtl = Libc.function("epoll_ctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
        epollWait = Libc.withErrno("epoll_wait", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        close = Libc.function("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        epfd = (int) create.invokeExact(EPOLL_CLOEXEC);
        if (epfd < 0) throw new IllegalStateException("epoll_create1 failed");
        // pidfd_open exists in the C library but the kernel may lack it (ENOSYS): try it on this process
        int self = (int) pidfdOpen.invokeExact((int) ProcessHandle.current().pid(), 0);
        if (self < 0) throw new IllegalStateException("pidfd_open failed (a kernel older than 5.3?)");
        int ignored = (int) close.invokeExact(self);
        Thread t = new Thread(null, this::loop, "provisioning-reaper", 128 * 1024);
        t.setDaemon(true);
        t.start();
    }

    /**
     * Follows our own child {@code pid}, not yet reaped (so its pid cannot have been reused), until it ends and
     * {@code ended} gets it with {@code exit}; false if it cannot, and the caller must wait for it some other way.
     */
    boolean follow(int pid, CompletableFuture<Integer> exit) {
        if (broken) return false;
        try {
            int fd = (int) pidfdOpen.invokeExact(pid, 0);
            if (fd < 0) return false;
            Followed f = new Followed(pid, exit);
            children.put(fd, f);
            try (Arena a = Arena.ofConfined()) {
                MemorySegment ev = a.allocate(EVENT_BYTES, 4);
                ev.set(JAVA_INT, 0, EPOLLIN | EPOLLONESHOT);
                ev.set(JAVA_LONG_UNALIGNED, DATA_OFFSET, ((long) pid << 32) | (fd & 0xffffffffL));
                if ((int) epollCtl.invokeExact(epfd, EPOLL_CTL_ADD, fd, ev) == 0) {
                    // The loop may have failed since the check above, after handing back what it held: take this
                    // child back unless the hand-back got it first (one of the two removes it, never both)
                    if (!broken || !children.remove(fd, f)) return true;
                    release(fd);
                    return false;
                }
            }
            children.remove(fd);
            int ignored = (int) close.invokeExact(fd); // never added to the set
            return false;
        } catch (Throwable t) {
            LOG.warn("cannot follow child {} with a pidfd: {}", pid, t.toString());
            return false;
        }
    }

    private void loop() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment events = a.allocate(EVENT_BYTES * MAX_EVENTS, 8);
            MemorySegment state = a.allocate(Libc.CALL_STATE);
            while (true) {
                int n = (int) epollWait.invokeExact(state, epfd, events, MAX_EVENTS, -1);
                if (n < 0) {
                    if (Libc.errno(state) == EINTR) continue;
                    throw new IllegalStateException("epoll_wait: errno " + Libc.errno(state));
                }
                for (int i = 0; i < n; i++) {
                    long data = events.get(JAVA_LONG_UNALIGNED, i * EVENT_BYTES + DATA_OFFSET);
                    int fd = (int) data, pid = (int) (data >>> 32);
                    // Ours only if the pidfd still maps to that child: its number is never acted on once reused
                    Followed f = children.get(fd);
                    if (f == null || f.pid() != pid || !children.remove(fd, f)) continue;
                    release(fd);
                    run(ended, f);
                }
            }
        } catch (Throwable t) {
            // Not expected. Nothing may be left unreaped: every child followed so far gets a thread of its own.
            broken = true;
            LOG.error("the pidfd reaper failed; its children are handed to a thread each", t);
            for (Integer fd : children.keySet()) {
                Followed f = children.remove(fd);
                if (f == null) continue;
                try {
                    release(fd);
                } catch (Throwable e) {
                    LOG.debug("closing pidfd {}: {}", fd, e.toString());
                }
                run(handBack, f);
            }
        }
    }

    /**
     * Takes a pidfd out of the set, then closes it. A close alone would leave it in the set while a child being
     * spawned (vfork) still holds a copy of it, and the set would report its number again once reused.
     */
    private void release(int fd) throws Throwable {
        int ignored = (int) epollCtl.invokeExact(epfd, EPOLL_CTL_DEL, fd, MemorySegment.NULL);
        ignored = (int) close.invokeExact(fd);
    }

    private static void run(BiConsumer<Integer, CompletableFuture<Integer>> c, Followed f) {
        try {
            c.accept(f.pid(), f.exit());
        } catch (RuntimeException e) {
            LOG.error("reaping child {} failed", f.pid(), e);
        }
    }
}
