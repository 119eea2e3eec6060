package dev.provisioning.runner;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * {@link Spawner} over glibc's {@code posix_spawn} (Java 22 foreign-function API; compiled with {@code --release 22}
 * and loaded reflectively by {@link Spawners}, so the rest of the runner stays Java 21).
 *
 * <p>One {@code posix_spawn} per child: glibc clones the daemon with {@code CLONE_VM|CLONE_VFORK} (no page-table
 * copy), and the child, before it execs the program:
 * <ol>
 *   <li>becomes the leader of a new process group when asked ({@code POSIX_SPAWN_SETPGROUP}). It stays in the
 *       daemon's session, and so in the daemon's scheduler autogroup: with {@code sched_autogroup} (the Linux
 *       default), a task that leads its own session is its own autogroup, and with P tasks running the daemon got
 *       about 1/(P+1) of the CPU, which delayed every next start (docs/decisions.md D23). Only when the daemon has a
 *       controlling terminal (started in the foreground from a shell) does the child get its own session
 *       ({@code POSIX_SPAWN_SETSID}) instead: in the terminal's session a task opening {@code /dev/tty} (ssh or
 *       sudo asking for a password) would be stopped by {@code SIGTTIN} as a background group, where without a
 *       terminal it fails at once;</li>
 *   <li>gets an empty signal mask and the default action for the usual signals (the daemon's Java threads block
 *       some, and a daemon started under {@code nohup} ignores HUP);</li>
 *   <li>opens {@code /dev/null} as stdin and its log files (append) as stdout and stderr, changes to its working
 *       directory, and closes every other descriptor ({@code close_range}).</li>
 * </ol>
 * An error in any step, or in the {@code exec}, is the return value of {@code posix_spawn}, reported as an
 * {@link IOException} naming it.
 *
 * <p>Children are reaped by this class only, each by its pid ({@code waitpid(pid)}); nothing calls
 * {@code waitpid(-1)}, so the JDK's own children are untouched. One thread learns of every child's end through
 * pidfds ({@link PidfdReaper}); where that is not available, or for a child it cannot follow, one small platform
 * thread per running child blocks in {@code waitpid(pid)}, as the JDK's process reaper does for
 * {@link ProcessBuilder} children.
 */
final class NativeSpawner implements Spawner {
    private static final int O_RDONLY = 0, O_WRONLY = 1, O_CREAT = 0100, O_APPEND = 02000;
    private static final short POSIX_SPAWN_SETPGROUP = 0x02, POSIX_SPAWN_SETSIGDEF = 0x04, POSIX_SPAWN_SETSIGMASK = 0x08,
            POSIX_SPAWN_SETSID = 0x80;
    private static final int EPERM = 1, ESRCH = 3, EINTR = 4, WNOHANG = 1;
    private static final int PRIO_PROCESS = 0;
    /** HUP INT QUIT PIPE ALRM TERM USR1 USR2 CHLD XFSZ: reset to their default action in the child. */
    private static final int[] DEFAULT_SIGNALS = {1, 2, 3, 13, 14, 15, 10, 12, 17, 25};
    /** Room for glibc's opaque posix_spawn_file_actions_t (80 bytes), posix_spawnattr_t (336) and sigset_t (128). */
    private static final long OPAQUE_BYTES = 1024;

    private final MethodHandle spawn, faInit, faDestroy, faOpen, faDup2, faChdir, faCloseFrom, attrInit,
            attrFlags, attrMask, attrDefault, sigEmpty, sigAdd, kill, waitpid, strerror, getPriority, setPriority;
    private final ExecutorService reapers;
    /** Null where pidfds are not available: then every child gets a reaper thread. */
    private final PidfdReaper pidfds;
    /** {@link #attributes}, for a child in the daemon's group and for one that leads a new group. */
    private final MemorySegment plainAttr, groupAttr;
    /** How a new group is made: SETSID when this process has a controlling terminal, else SETPGROUP (group 0 = own). */
    private final short newGroupFlag = hasControllingTerminal() ? POSIX_SPAWN_SETSID : POSIX_SPAWN_SETPGROUP;

    /** Called reflectively by {@link Spawners}; throws if a symbol is missing. */
    static Spawner create() {
        return new NativeSpawner();
    }

    private NativeSpawner() {
        spawn = Libc.function("posix_spawn", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        faInit = Libc.function("posix_spawn_file_actions_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        faDestroy = Libc.function("posix_spawn_file_actions_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        faOpen = Libc.function("posix_spawn_file_actions_addopen",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        faDup2 = Libc.function("posix_spawn_file_actions_adddup2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        faChdir = Libc.function("posix_spawn_file_actions_addchdir_np", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        faCloseFrom = Libc.function("posix_spawn_file_actions_addclosefrom_np", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        attrInit = Libc.function("posix_spawnattr_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        attrFlags = Libc.function("posix_spawnattr_setflags", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_SHORT));
        attrMask = Libc.function("posix_spawnattr_setsigmask", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        attrDefault = Libc.function("posix_spawnattr_setsigdefault", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        sigEmpty = Libc.function("sigemptyset", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        sigAdd = Libc.function("sigaddset", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        kill = Libc.withErrno("kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
        waitpid = Libc.withErrno("waitpid", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
        strerror = Libc.function("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        getPriority = Libc.function("getpriority", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
        setPriority = Libc.function("setpriority", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
        reapers = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(null, r, "provisioning-reaper", 128 * 1024);
            t.setDaemon(true);
            return t;
        });
        plainAttr = attributes(false);
        groupAttr = attributes(true);
        pidfds = PidfdReaper.create(this::reapEnded, (pid, exit) -> reapers.execute(() -> reap(pid, exit)));
    }

    @Override
    public Child spawn(List<String> argv, Map<String, String> env, Path dir, Path stdout, Path stderr,
                       boolean newGroup, int nice) throws IOException {
        if (nice < 0) throw new IllegalArgumentException("nice must not be negative: " + nice);
        if (nice > 0) return spawnNicer(argv, env, dir, stdout, stderr, newGroup, nice);
        if (argv.isEmpty() || !argv.get(0).startsWith("/"))
            throw new IllegalArgumentException("argv[0] must be an absolute path: " + argv);
        int pid;
        MemorySegment attr = newGroup ? groupAttr : plainAttr;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fa = arena.allocate(OPAQUE_BYTES, 16);
            check((int) faInit.invokeExact(fa), "posix_spawn_file_actions_init");
            try {
                MemorySegment devNull = arena.allocateFrom("/dev/null");
                MemorySegment out = stdout == null ? devNull : arena.allocateFrom(stdout.toString());
                check((int) faOpen.invokeExact(fa, 0, devNull, O_RDONLY, 0), "addopen stdin");
                check((int) faOpen.invokeExact(fa, 1, out, O_WRONLY | O_CREAT | O_APPEND, 0644), "addopen stdout");
                if (stderr == null) check((int) faDup2.invokeExact(fa, 1, 2), "adddup2 stderr");
                else check((int) faOpen.invokeExact(fa, 2, arena.allocateFrom(stderr.toString()),
                        O_WRONLY | O_CREAT | O_APPEND, 0644), "addopen stderr");
                check((int) faChdir.invokeExact(fa, arena.allocateFrom(dir.toString())), "addchdir");
                check((int) faCloseFrom.invokeExact(fa, 3), "addclosefrom");

                MemorySegment args = strings(arena, argv);
                MemorySegment envp = environment(arena, env);
                MemorySegment pidOut = arena.allocate(JAVA_INT);
                int rc = (int) spawn.invokeExact(pidOut, args.getAtIndex(ADDRESS, 0), fa, attr, args, envp);
                if (rc != 0)
                    throw new IOException("cannot run " + argv.get(0) + ": error=" + rc + ", " + describe(rc));
                pid = pidOut.get(JAVA_INT, 0);
            } finally {
                int ignored = (int) faDestroy.invokeExact(fa);
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        CompletableFuture<Integer> exit = new CompletableFuture<>();
        if (pidfds == null || !pidfds.follow(pid, exit)) reapers.execute(() -> reap(pid, exit));
        return new Child() {
            @Override public long pid() { return pid; }
            @Override public CompletableFuture<Integer> onExit() { return exit; }
        };
    }

    /** Blocks in waitpid until the child ends, reaps it, and completes {@code exit} with its status. */
    private void reap(int pid, CompletableFuture<Integer> exit) {
        if (!waitFor(pid, exit, 0)) exit.completeExceptionally(new IllegalStateException("waitpid(" + pid + ") returned 0"));
    }

    /**
     * Reaps a child whose pidfd said it ended, without blocking the pidfd thread: should it not be waitable yet (its
     * main thread ended before the others), it gets a reaper thread of its own.
     */
    private void reapEnded(int pid, CompletableFuture<Integer> exit) {
        if (!waitFor(pid, exit, WNOHANG)) reapers.execute(() -> reap(pid, exit));
    }

    /** One {@code waitpid(pid, options)}: completes {@code exit} and returns true, or false if not waitable yet. */
    private boolean waitFor(int pid, CompletableFuture<Integer> exit, int options) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment status = arena.allocate(JAVA_INT);
            MemorySegment state = arena.allocate(Libc.CALL_STATE);
            while (true) {
                int r = (int) waitpid.invokeExact(state, pid, status, options);
                if (r == pid) break;
                if (r == 0) return false;
                int err = Libc.errno(state);
                if (r == -1 && err == EINTR) continue;
                throw new IllegalStateException("waitpid(" + pid + "): error=" + err + ", " + describe(err));
            }
            int s = status.get(JAVA_INT, 0);
            int sig = s & 0x7f;
            exit.complete(sig == 0 ? (s >> 8) & 0xff : 0x80 + sig); // exited: its code; killed: 128 + the signal
        } catch (Throwable t) {
            exit.completeExceptionally(t);
        }
        return true;
    }

    @Override
    public Boolean groupExists(long pgid) {
        if (pgid <= 1 || pgid > Integer.MAX_VALUE) throw new IllegalArgumentException("process group " + pgid);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Libc.CALL_STATE);
            int r = (int) kill.invokeExact(state, (int) -pgid, 0);
            if (r == 0) return Boolean.TRUE;
            int err = Libc.errno(state);
            return err == ESRCH ? Boolean.FALSE : err == EPERM ? Boolean.TRUE : null;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * Spawns on a thread that runs {@code inc} nicer than the calling thread (at most 19): the vfork child inherits
     * that thread's nice value, so the program has it from its first instruction, and so does every process it
     * starts. (Renicing the group after the spawn raced with a launcher that forks at once: a child forked while
     * the kernel copied its parent could keep the old value.) posix_spawn has no attribute for it, and the daemon's
     * own threads must keep their value, since an unprivileged process cannot lower it again. One thread per value.
     */
    private Child spawnNicer(List<String> argv, Map<String, String> env, Path dir, Path stdout, Path stderr,
                             boolean newGroup, int inc) throws IOException {
        int own;
        try {
            own = (int) getPriority.invokeExact(PRIO_PROCESS, 0);
        } catch (Throwable t) {
            throw new IOException("getpriority failed: " + t, t);
        }
        int target = Math.min(19, own + inc);
        ExecutorService thread = nicer.computeIfAbsent(target, n -> Executors.newSingleThreadExecutor(r -> {
            int level = n;
            Thread t = new Thread(() -> {
                // This thread only (Linux). If it fails, the children run at the caller's value: the only effect.
                try {
                    int rc = (int) setPriority.invokeExact(PRIO_PROCESS, 0, level);
                    if (rc != 0) System.getLogger(NativeSpawner.class.getName()).log(System.Logger.Level.WARNING,
                            "setpriority(" + level + ") failed; tasks run at the daemon's priority");
                } catch (Throwable e) {
                    System.getLogger(NativeSpawner.class.getName()).log(System.Logger.Level.WARNING, "setpriority failed", e);
                }
                r.run();
            }, "provisioning-spawn-nice-" + level);
            t.setDaemon(true);
            return t;
        }));
        try {
            return thread.submit(() -> spawn(argv, env, dir, stdout, stderr, newGroup, 0)).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting " + argv.get(0), e);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof IOException io) throw io;
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw new IllegalStateException(e.getCause());
        }
    }

    /** {@link #spawnNicer}'s threads, by the nice value they run at. */
    private final Map<Integer, ExecutorService> nicer = new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public boolean setsNice() {
        return true;
    }

    @Override
    public String name() {
        return "posix_spawn";
    }

    @Override
    public boolean newGroupIsNewSession() { // only with a controlling terminal (see the class comment)
        return newGroupFlag == POSIX_SPAWN_SETSID;
    }

    /** This process's {@code tty_nr} is 0 without a controlling terminal; unknown counts as having one (the safe choice). */
    private static boolean hasControllingTerminal() {
        ProcessGroups.Stat self = ProcessGroups.stat(ProcessHandle.current().pid());
        return self == null || self.tty() != 0;
    }

    /**
     * The attributes of every spawn, made once: an empty signal mask, the default action for
     * {@link #DEFAULT_SIGNALS}, and with {@code newGroup} a new group. {@code posix_spawn} only reads them.
     */
    private MemorySegment attributes(boolean newGroup) {
        MemorySegment attr = Arena.global().allocate(OPAQUE_BYTES, 16);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sigs = arena.allocate(OPAQUE_BYTES, 16);
            check((int) attrInit.invokeExact(attr), "posix_spawnattr_init");
            check((int) sigEmpty.invokeExact(sigs), "sigemptyset");
            check((int) attrMask.invokeExact(attr, sigs), "setsigmask");
            for (int s : DEFAULT_SIGNALS) check((int) sigAdd.invokeExact(sigs, s), "sigaddset");
            check((int) attrDefault.invokeExact(attr, sigs), "setsigdefault");
            short flags = (short) (POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | (newGroup ? newGroupFlag : 0));
            check((int) attrFlags.invokeExact(attr, flags), "setflags");
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("posix_spawn attributes: " + t.getMessage(), t);
        }
        return attr;
    }

    /** A NULL-ended array of C strings, all in one allocation: {@code values} UTF-8 encoded, each NUL-ended. */
    private static MemorySegment strings(Arena arena, List<String> values) {
        byte[][] bytes = new byte[values.size()][];
        long size = 0;
        for (int i = 0; i < bytes.length; i++) size += (bytes[i] = values.get(i).getBytes(StandardCharsets.UTF_8)).length + 1;
        long pointers = ADDRESS.byteSize() * (bytes.length + 1);
        MemorySegment block = arena.allocate(pointers + size, ADDRESS.byteAlignment()); // zeroed: every NUL is there
        long at = pointers;
        for (int i = 0; i < bytes.length; i++) {
            MemorySegment.copy(bytes[i], 0, block, JAVA_BYTE, at, bytes[i].length);
            block.setAtIndex(ADDRESS, i, block.asSlice(at));
            at += bytes[i].length + 1;
        }
        block.setAtIndex(ADDRESS, bytes.length, MemorySegment.NULL);
        return block;
    }

    /** {@code env} as {@code KEY=value} C strings, for {@link #strings}. */
    private static MemorySegment environment(Arena arena, Map<String, String> env) {
        List<String> entries = new java.util.ArrayList<>(env.size());
        for (Map.Entry<String, String> e : env.entrySet()) entries.add(e.getKey() + "=" + e.getValue());
        return strings(arena, entries);
    }

    private String describe(int err) {
        try {
            MemorySegment s = (MemorySegment) strerror.invokeExact(err);
            return s.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "errno " + err;
        }
    }

    private static void check(int rc, String what) throws IOException {
        if (rc != 0) throw new IOException(what + " failed: error=" + rc);
    }
}
