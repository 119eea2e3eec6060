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

