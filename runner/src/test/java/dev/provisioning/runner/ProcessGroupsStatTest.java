package dev.provisioning.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The byte-level {@code /proc/<pid>/stat} parser, against the kernel's own files and awkward command names. */
class ProcessGroupsStatTest {
    @Test
    void readsStateGroupAndStartTimeOfARealProcessAsTheTextFieldsSay() throws Exception {
        Process p = new ProcessBuilder("sleep", "5").start();
        try {
            String text = Files.readString(Path.of("/proc/" + p.pid() + "/stat"), StandardCharsets.ISO_8859_1);
            String[] f = text.substring(text.lastIndexOf(')') + 2).trim().split(" ");
            ProcessGroups.Stat st = ProcessGroups.stat(p.pid());
            assertThat(st).isNotNull();
            assertThat(st.pid()).isEqualTo(p.pid());
            assertThat(st.pgrp()).isEqualTo(Long.parseLong(f[2]));
            assertThat(st.session()).isEqualTo(Long.parseLong(f[3]));
            assertThat(st.startTime()).isEqualTo(Long.parseLong(f[19]));
            assertThat(st.alive()).isTrue();
            assertThat(ProcessGroups.isAlive(p.pid(), st.startTime())).isTrue();
            assertThat(ProcessGroups.isAlive(p.pid(), st.startTime() + 1)).isFalse();
        } finally {
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
        }
        assertThat(ProcessGroups.stat(p.pid())).isNull();
    }

    @Test
    void theLastPidIsReadWhole() throws Exception {
        long before = ProcessGroups.lastPid();
        Process p = new ProcessBuilder("true").start();
        p.waitFor(5, TimeUnit.SECONDS);
        long after = ProcessGroups.lastPid();
        // the counter is at least the new process's pid, unless it wrapped in between
        assertThat(after).isGreaterThan(0);
        if (after >= before) assertThat(after).isGreaterThanOrEqualTo(p.pid()); // Files.readString gave "1" here
    }

    @Test
    void groupScansFindTheGroupsMembersEveryTimeAndNeverAProcessOfAnotherSession() throws Exception {
        // a new session and group led by sh, with a background child; then a process of ours created after it
        Process leader = new ProcessBuilder("setsid", "sh", "-c", "sleep 30 & wait").start();
        long wrapsAtSpawn = ProcessGroups.samplePids().wraps(); // as the runner records it just after a spawn
        Process foreign = null;
        try {
            long pgid = leader.pid();
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                    .until(() -> ProcessGroups.liveMembers(pgid).size() == 2);
            foreign = new ProcessBuilder("sleep", "30").start();
            for (int scan = 0; scan < 3; scan++) {
                assertThat(ProcessGroups.liveMembers(pgid)).hasSize(2).contains(pgid).doesNotContain(foreign.pid());
                // the scan bounded to pids created since the spawn (unless the pid counter wrapped) finds the same
                assertThat(ProcessGroups.liveMembers(pgid, wrapsAtSpawn)).hasSize(2).contains(pgid).doesNotContain(foreign.pid());
            }
        } finally {
            new ProcessBuilder("kill", "-KILL", "--", "-" + leader.pid()).start().waitFor(5, TimeUnit.SECONDS);
            leader.waitFor(5, TimeUnit.SECONDS);
            if (foreign != null) {
                foreign.destroyForcibly();
                foreign.waitFor(5, TimeUnit.SECONDS);
            }
        }
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> ProcessGroups.liveMembers(leader.pid()).isEmpty());
    }

    @Test
    void commandNamesWithSpacesAndParenthesesDoNotShiftTheFields() {
        String line = "4242 (a) (b ) c) Z 1 777 777 34816 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 123456 0 0\n";
        byte[] b = line.getBytes(StandardCharsets.ISO_8859_1);
        ProcessGroups.Stat st = ProcessGroups.parseStat(b, b.length);
        assertThat(st).isEqualTo(new ProcessGroups.Stat(4242, 'Z', 777, 777, 34816, 123456));
        assertThat(st.alive()).isFalse();
        assertThat(ProcessGroups.parseStat(b, 10)).isNull();
        byte[] junk = "12 (x) R 1 notanumber".getBytes(StandardCharsets.ISO_8859_1);
        assertThat(ProcessGroups.parseStat(junk, junk.length)).isNull();
    }
}
