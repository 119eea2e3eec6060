package dev.provisioning.runner;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Starts child processes for the runner. Two implementations, picked once per JVM by {@link Spawners#system()}:
 * <ul>
 *   <li>{@code posix_spawn} through the Java 22 foreign-function API ({@code NativeSpawner}, compiled separately
 *       with {@code --release 22} and loaded only on a JDK 22 or newer): the child is the program itself, made a
 *       process-group leader by {@code POSIX_SPAWN_SETPGROUP} (or a session leader by {@code POSIX_SPAWN_SETSID}
 *       when the daemon has a controlling terminal), with no helper process in between;</li>
 *   <li>{@link ProcessBuilder} ({@link JdkSpawner}): the JDK's {@code jspawnhelper}, then {@code setsid(1)} for a
 *       new session, then the program. Two extra {@code exec}s per spawn, about 0.8 ms of CPU each.</li>
 * </ul>
 * Both give the child stdin from {@code /dev/null}, the given files as stdout and stderr (opened for append), the
 * given working directory and exactly the given environment, and no other descriptor of the daemon.
 */
public interface Spawner {

    /** A started child process. */
    interface Child {
        long pid();

        /** Completes with the exit status once the child has ended (and been reaped): 128+N if signal N killed it. */
        CompletableFuture<Integer> onExit();
    }

    /**
     * Starts {@code argv}.
     *
     * @param argv       {@code argv[0]} is an absolute path (no {@code PATH} search)
     * @param env        the child's whole environment
     * @param stdout     appended to; null for {@code /dev/null}
     * @param stderr     appended to; null for the same file as stdout
     * @param newGroup   make the child the leader of a new process group (its pid is the group id), which
     *                   timeouts and cancels signal as a whole; see the implementations for whether it also gets a
     *                   new session
     * @param nice       run the child this much nicer (lower CPU priority) than the calling thread, capped at 19;
     *                   0 = the same. Where the implementation cannot, it says so in {@link #setsNice()}
     * @throws IOException the program could not be started (the message names the OS error)
     */
    Child spawn(List<String> argv, Map<String, String> env, Path dir, Path stdout, Path stderr, boolean newGroup,
                int nice) throws IOException;

    /** {@link #spawn(List, Map, Path, Path, Path, boolean, int)} at the caller's own priority. */
    default Child spawn(List<String> argv, Map<String, String> env, Path dir, Path stdout, Path stderr, boolean newGroup)
            throws IOException {
        return spawn(argv, env, dir, stdout, stderr, newGroup, 0);
    }

    /** Whether {@code nice} is applied (posix_spawn); false where it is ignored (ProcessBuilder, see there). */
    boolean setsNice();

    /**
     * Whether any process (zombies included) is in process group {@code pgid}, when this spawner can tell with one
     * system call ({@code kill(-pgid, 0)}); null when it cannot, and the caller scans {@code /proc}.
     */
    Boolean groupExists(long pgid);

    /**
     * Whether a child started with {@code newGroup} also leads a new session, and with it (Linux
     * {@code sched_autogroup}) a scheduling group of its own instead of sharing the daemon's.
     */
    boolean newGroupIsNewSession();

    /** "posix_spawn" or "ProcessBuilder+setsid", for logs and benchmarks. */
    String name();
}
