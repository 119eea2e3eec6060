package dev.provisioning.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The contract for posix_spawn (the system spawner on a JDK 22+). */
class NativeSpawnerTest extends SpawnerContract {
    @Override
    Spawner spawner() {
        assumeThat(Runtime.version().feature()).as("posix_spawn needs a JDK 22+").isGreaterThanOrEqualTo(22);
        return Spawners.system();
    }

    @Test
    void onAJdk22OrNewerTheSystemSpawnerIsPosixSpawnAndTellsGroupsApart() {
        assertThat(spawner().name()).isEqualTo("posix_spawn");
        assertThat(spawner().groupExists(ProcessHandle.current().pid() + 1_000_000)).isFalse();
    }

    /**
     * One thread follows every running child through its pidfd (D41): thirty children that sleep do not hold a reaper
     * thread each (idle ones from earlier tests may linger), and each is reaped once it ends.
     */
    @Test
    void runningChildrenDoNotHoldAThreadEach() throws Exception {
        Spawner s = spawner();
        java.util.function.LongSupplier reapers = () -> Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("provisioning-reaper") && t.isAlive()).count();
        Path release = tmp.resolve("release");
        List<Spawner.Child> children = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 30; i++)
                children.add(s.spawn(List.of("/bin/sh", "-c", "while [ ! -e release ]; do sleep 0.05; done; exit 7"),
                        Map.of(), tmp, null, null, true));
            assertThat(reapers.getAsLong()).isLessThan(children.size());
        } finally {
            Files.createFile(release); // the children end whatever failed
        }
        for (Spawner.Child c : children) assertThat(c.onExit().get(10, TimeUnit.SECONDS)).isEqualTo(7);
    }

    /**
     * Reaping closes only its own descriptors. While children are spawned and end at a high rate, other threads open,
     * read and close files; a reaper that closed a descriptor number after it was reused (a pidfd left in the epoll
     * set by a close while a child being spawned still held a copy of it) would close one of those files under them.
     */
    @Test
    void reapingNeverClosesAnotherThreadsFile() throws Exception {
        Spawner s = spawner();
        Path data = Files.writeString(tmp.resolve("data.txt"), "x".repeat(4096));
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicReference<Throwable> broken = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicLong reads = new java.util.concurrent.atomic.AtomicLong();
        List<Thread> readers = new java.util.ArrayList<>();
        for (int r = 0; r < 2; r++)
            readers.add(Thread.ofPlatform().start(() -> {
                java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(512);
                while (!done.get() && broken.get() == null) {
                    try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(data)) {
                        for (int i = 0; i < 8; i++) { // a few reads on the open descriptor, as a log tail makes
                            buf.clear();
                            ch.read(buf, i * 512L);
                        }
                        reads.incrementAndGet();
                    } catch (Throwable t) {
                        broken.compareAndSet(null, t);
                    }
                }
            }));
        try {
            List<Thread> spawners = new java.util.ArrayList<>();
            for (int w = 0; w < 2; w++)
                spawners.add(Thread.ofPlatform().start(() -> {
                    try {
                        for (int i = 0; i < 150 && broken.get() == null; i++)
                            assertThat(s.spawn(List.of("/bin/true"), Map.of(), tmp, null, null, true).onExit()
                                    .get(10, TimeUnit.SECONDS)).isZero();
                    } catch (Throwable t) {
                        broken.compareAndSet(null, t);
                    }
                }));
            for (Thread t : spawners) t.join();
        } finally {
            done.set(true);
            for (Thread t : readers) t.join();
        }
        assertThat(broken.get()).as("a reader's or spawner's failure").isNull();
        assertThat(reads.get()).isPositive();
    }

    /**
     * D23: without a controlling terminal a task stays in the daemon's session; with one (a JVM started by
     * {@code script(1)} on a pseudo-terminal) it gets a session of its own. Each JVM spawns a shell that prints
     * its pid and session.
     */
    @Test
    void aTaskGetsItsOwnSessionOnlyWhenTheDaemonHasAControllingTerminal() throws Exception {
        spawner(); // the JDK 22+ assumption
        assumeThat(Path.of("/usr/bin/script")).as("util-linux script(1)").isExecutable();
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> jvm = List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                WhatANewGroupGets.class.getName(), tmp.resolve("out.log").toString());

        assertThat(runAndRead(new ProcessBuilder(jvm))).as("no terminal").isEqualTo("shared");

        StringBuilder cmd = new StringBuilder();
        for (String a : jvm) cmd.append('\'').append(a.replace("'", "'\\''")).append("' ");
        assertThat(runAndRead(new ProcessBuilder("/usr/bin/script", "-qec", cmd.toString(), "/dev/null")))
                .as("on a pseudo-terminal").isEqualTo("own");
    }

    private String runAndRead(ProcessBuilder pb) throws Exception {
        Path out = tmp.resolve("out.log");
        Files.deleteIfExists(out);
        Process p = pb.redirectInput(ProcessBuilder.Redirect.PIPE).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(tmp.resolve("jvm.log").toFile())).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the JVM ended").isTrue();
        assertThat(p.exitValue()).as(Files.readString(tmp.resolve("jvm.log"))).isZero();
        return Files.readString(out, StandardCharsets.UTF_8).trim();
    }

    /** Spawns a shell in a new group and writes "own" if it leads its own session, "shared" if it is in ours. */
    public static final class WhatANewGroupGets {
        public static void main(String[] args) throws Exception {
            Path dir = Path.of(args[0]).getParent();
            Path ids = dir.resolve("ids.log");
            Files.deleteIfExists(ids);
            int rc = Spawners.system().spawn(List.of("/bin/sh", "-c", "read -r s < /proc/$$/stat; set -- ${s##*) }; echo \"$$ $4\""),
                    Map.of(), dir, ids, null, true).onExit().get(30, TimeUnit.SECONDS);
            if (rc != 0) throw new IllegalStateException("sh exited " + rc);
            String[] f = Files.readString(ids).trim().split(" ");
            Files.writeString(Path.of(args[0]), f[0].equals(f[1]) ? "own" : "shared");
            System.exit(0);
        }
    }

    /**
     * {@code nice} makes the child that much nicer than the spawning thread, capped at 19, and what the child starts
     * afterwards inherits it. It is set once the child has exec'd, before {@code spawn} returns: the shell waits for
     * a file made after that, then prints its own nice value (field 19 of /proc/PID/stat) and its child's.
     */
    @Test
    void aChildSpawnedWithNiceRunsThatMuchNicerAndSoDoesWhatItStarts() throws Exception {
        assertThat(spawner().setsNice()).isTrue();
        int own = niceOf(Files.readString(Path.of("/proc/thread-self/stat")));
        String script = "while [ ! -e go ]; do sleep 0.01; done; read -r s < /proc/$$/stat; set -- ${s##*) }; echo ${17}; "
                + "sh -c 'read -r s < /proc/$$/stat; set -- ${s##*) }; echo ${17}'";
        for (int inc : new int[] {0, 7, 19}) {
            Path dir = Files.createDirectory(tmp.resolve("nice-" + inc)), out = dir.resolve("out.log");
            Spawner.Child c = spawner().spawn(List.of("/bin/sh", "-c", script), Map.of(), dir, out, null, true, inc);
            Files.createFile(dir.resolve("go"));
            assertThat(c.onExit().get(30, TimeUnit.SECONDS)).isZero();
            String expected = String.valueOf(Math.min(19, own + inc));
            assertThat(Files.readAllLines(out)).as("nice + %d", inc).containsExactly(expected, expected);
        }
    }

    /** Field 19 of a /proc stat line (after the parenthesised command, which may contain spaces). */
    static int niceOf(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        return Integer.parseInt(f[19 - 3]);
    }

    @Test
    void aMissingProgramInANewSessionFailsTheSpawnItself() {
        // (ProcessBuilder's setsid(1) starts, and its exec of the program fails later, with exit 127)
        assertThatThrownBy(() -> spawner().spawn(List.of(tmp.resolve("no-such-program").toString()), Map.of(),
                tmp, null, null, true)).isInstanceOf(IOException.class).hasMessageContaining("error=2, No such file");
    }
}

