package dev.provisioning.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What every {@link Spawner} promises, through real processes; one subclass per implementation ({@link NativeSpawnerTest}, {@link JdkSpawnerTest}). */
abstract class SpawnerContract {
    @TempDir
    Path tmp;

    abstract Spawner spawner();

    private int run(String script, Map<String, String> env, Path out, Path err, boolean session) throws Exception {
        Spawner.Child c = spawner().spawn(List.of("/bin/sh", "-c", script), env, tmp, out, err, session);
        return c.onExit().get(10, TimeUnit.SECONDS);
    }

    @Test
    void theChildGetsExactlyItsEnvironmentDirectoryAndFiles() throws Exception {
        Path out = tmp.resolve("out.log"), err = tmp.resolve("err.log");
        Files.writeString(out, "before\n");
        int rc = run("echo \"$ONLY|$HOME|$(pwd)\"; echo oops >&2; read x && echo \"stdin:$x\"; exit 3",
                Map.of("ONLY", "a 'quoted' value; $(not run)", "PATH", "/usr/bin:/bin"), out, err, true);
        assertThat(rc).isEqualTo(3);
        assertThat(Files.readString(out)).isEqualTo("before\na 'quoted' value; $(not run)||" + tmp.toRealPath() + "\n");
        assertThat(Files.readString(err)).isEqualTo("oops\n");
    }

    @Test
    void argvAndEnvironmentReachTheChildByteForByteInUtf8() throws Exception {
        Path out = tmp.resolve("utf8.log");
        Map<String, String> env = new java.util.LinkedHashMap<>();
        for (int i = 0; i < 40; i++) env.put("V" + i, "x".repeat(i)); // many strings, of every length from 0
        env.put("UNI", "héllo ☃ 𝄞");
        Spawner.Child c = spawner().spawn(List.of("/bin/sh", "-c", "printf '%s|%s|%s|[%s]|[%s]\\n' \"$1\" \"$2\" \"$UNI\" \"$V0\" \"$V39\"",
                "sh", "ärg ☃", ""), env, tmp, out, null, false);
        assertThat(c.onExit().get(10, TimeUnit.SECONDS)).isZero();
        assertThat(Files.readString(out)).isEqualTo("ärg ☃||héllo ☃ 𝄞|[]|[" + "x".repeat(39) + "]\n");
    }

    @Test
    void stderrFollowsStdoutWhenNotGivenAndNullDiscards() throws Exception {
        Path out = tmp.resolve("both.log");
        assertThat(run("echo one; echo two >&2", Map.of(), out, null, false)).isZero();
        assertThat(Files.readString(out)).isEqualTo("one\ntwo\n");
        assertThat(run("echo gone; echo gone >&2", Map.of(), null, null, false)).isZero();
    }

    @Test
    void aNewGroupIsLedByTheChildWhichInheritsNoDescriptorAndNoBlockedSignal() throws Exception {
        Path out = tmp.resolve("out.log");
        // /proc/self/stat fields 5 and 6 (pgrp, session) of the shell itself; its own descriptors (listed by a subshell
        // without pipes, whose glob adds its own directory's descriptor); its blocked signals, read with builtins (dash blocks
        // every signal while it forks a command, and a grep would see that)
        String script = "read -r s < /proc/$$/stat; set -- ${s##*) }; echo \"$$ $3 $4\"; (cd /proc/$$/fd && echo *);"
                + " while read -r k v; do if [ \"$k\" = SigBlk: ]; then echo \"$k $v\"; fi; done < /proc/$$/status";
        assertThat(run(script, Map.of("PATH", "/usr/bin:/bin"), out, null, true)).isZero();
        List<String> lines = Files.readAllLines(out);
        String[] ids = lines.get(0).split(" ");
        assertThat(ids[1]).as("pgid = pid").isEqualTo(ids[0]);
        assertThat(Long.parseLong(ids[2])).as("session").isEqualTo(expectedSession(Long.parseLong(ids[0])));
        assertThat(lines.get(1).trim()).as("descriptors of the child").matches("0 1 2( \\d+)?");
        assertThat(lines.get(2)).matches("SigBlk:\\s+0+");
    }

    /**
     * The session a new group's leader {@code pid} should be in: its own, or this JVM's, where it shares the JVM's
     * scheduler autogroup (posix_spawn, unless the JVM has a controlling terminal; surefire's forked JVM has none).
     */
    long expectedSession(long pid) throws IOException {
        return spawner().newGroupIsNewSession() ? pid : TestSupport.ourSession();
    }

    @Test
    void withoutANewSessionTheChildStaysInTheDaemonsGroup() throws Exception {
        Path out = tmp.resolve("out.log");
        assertThat(run("read -r s < /proc/$$/stat; set -- ${s##*) }; echo $3", Map.of(), out, null, false)).isZero();
        long ourGroup = Long.parseLong(TestSupport.stat(ProcessHandle.current().pid())[2]);
        assertThat(Long.parseLong(Files.readString(out).trim())).isEqualTo(ourGroup);
    }

    @Test
    void aSignalledChildReports128PlusTheSignal() throws Exception {
        assertThat(run("kill -KILL $$", Map.of(), null, null, true)).isEqualTo(128 + 9);
    }

    @Test
    void childrenEndingTogetherEachGetTheirOwnStatus() throws Exception {
        List<Spawner.Child> children = new java.util.ArrayList<>();
        for (int i = 0; i < 40; i++) // ends spread over 0 to 40 ms, several at once
            children.add(spawner().spawn(List.of("/bin/sh", "-c", "sleep 0.0" + (i % 5) + "; exit " + (i + 3)), Map.of(),
                    tmp, null, null, i % 2 == 0));
        for (int i = 0; i < children.size(); i++)
            assertThat(children.get(i).onExit().get(10, TimeUnit.SECONDS)).as("child %d", i).isEqualTo(i + 3);
    }

    @Test
    void aMissingProgramIsAnIOExceptionNamingTheError() {
        assertThatThrownBy(() -> spawner().spawn(List.of(tmp.resolve("no-such-program").toString()), Map.of(), tmp,
                null, null, false)).isInstanceOf(IOException.class).hasMessageContaining("No such file or directory");
    }

    @Test
    void groupExistsIsTrueWhileAMemberLivesAndFalseAfterOrUnknown() throws Exception {
        Spawner.Child c = spawner().spawn(List.of("/bin/sh", "-c", "sleep 0.3 & wait"), Map.of(), tmp, null, null, true);
        Boolean during = spawner().groupExists(c.pid());
        assertThat(c.onExit().get(10, TimeUnit.SECONDS)).isZero();
        Boolean after = spawner().groupExists(c.pid());
        if (during == null) {
            assertThat(after).isNull();
        } else {
            assertThat(during).isTrue();
            assertThat(after).isFalse();
        }
    }
}
