package dev.provisioning.runner;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Process-group primitives on Linux: signalling a group with {@code kill(1)} (argv, no shell) and finding the
 * group's live members in {@code /proc}. Zombies do not count as alive: an orphan's zombie lingers when PID 1 does
 * not reap (common in containers), and it can neither run nor be killed.
 */
final class ProcessGroups {
    private static final Logger LOG = LoggerFactory.getLogger(ProcessGroups.class);
    private static final Path PROC = Path.of("/proc");

    private final Path kill;

    ProcessGroups(Path kill) {
        this.kill = kill;
    }

    /**
     * Sends {@code signal} (TERM, KILL, 0...) to the group {@code pgid}, and also to the single process {@code pgid}
     * when {@code leaderToo}: the leader may not have called setsid yet, in which case the group does not exist yet.
     * Only pass {@code leaderToo} while that process is known to be alive (not yet reaped), so its pid cannot have
     * been reused. Returns true if kill(1) reported success for every target.
     */
    boolean signal(String signal, long pgid, boolean leaderToo) {
        if (pgid <= 1) throw new IllegalArgumentException("refusing to signal process group " + pgid);
        List<String> cmd = new ArrayList<>(List.of(kill.toString(), "-s", signal, "--", "-" + pgid));
        if (leaderToo) cmd.add(Long.toString(pgid));
        try {
            Process p = new ProcessBuilder(cmd)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                LOG.warn("{} -s {} -{} did not return in 10 s", kill, signal, pgid);
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            LOG.warn("cannot run {} -s {} -{}: {}", kill, signal, pgid, e.toString());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static final Path LAST_PID = Path.of("/proc/sys/kernel/ns_last_pid");

    /**
     * Pids of the group's members that are not zombies, from {@code /proc/<pid>/stat}. A member was created after
     * its leader, so while the kernel has not wrapped pids since ({@code ns_last_pid >= pgid}, read after the
     * listing) only pids in {@code [pgid, ns_last_pid]} are read; otherwise every process is.
     */
    static List<Long> liveMembers(long pgid) {
        List<Long> out = new ArrayList<>();
        List<Long> pids = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(PROC)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (name.isEmpty() || !Character.isDigit(name.charAt(0))) continue;
                try {
                    pids.add(Long.parseLong(name));
                } catch (NumberFormatException ignored) {
                    // not a process
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot scan /proc for group {}: {}", pgid, e.toString());
        }
        long last = lastPid();
        boolean bounded = last >= pgid;
        String group = Long.toString(pgid);
        for (long pid : pids) {
            if (bounded && (pid < pgid || pid > last)) continue;
            String[] f = statFields(PROC.resolve(Long.toString(pid)).resolve("stat"));
            // f[0] = state (field 3), f[2] = pgrp (field 5)
            if (f == null || f.length < 3) continue;
            if (f[0].equals("Z") || f[0].equals("X")) continue;
            if (f[2].equals(group)) out.add(pid);
        }
        return out;
    }

    /** Whether any live process has {@code dir} as its working directory (from {@code /proc/<pid>/cwd}). */
    static boolean anyWorkingIn(Path dir) {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(PROC)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (name.isEmpty() || !Character.isDigit(name.charAt(0))) continue;
                try {
                    if (Files.readSymbolicLink(p.resolve("cwd")).equals(dir)) {
                        String[] f = statFields(p.resolve("stat"));
                        if (f != null && f.length > 0 && !f[0].equals("Z") && !f[0].equals("X")) return true;
                    }
                } catch (IOException | RuntimeException ignored) {
                    // gone, or not ours to read
                }
            }
        } catch (IOException e) {
            LOG.warn("cannot scan /proc: {}", e.toString());
            return true; // unknown: assume it may run
        }
        return false;
    }

    /** The last pid the kernel handed out, or -1 if unknown (then group scans read every process). */
    static long lastPid() {
        try {
            return Long.parseLong(Files.readString(LAST_PID).trim());
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Whether {@code pid} is a live (non-zombie) process that started at {@code startTime} clock ticks. */
    static boolean isAlive(long pid, long startTime) {
        String[] f = statFields(PROC.resolve(Long.toString(pid)).resolve("stat"));
        if (f == null || f.length < 20) return false;
        if (f[0].equals("Z") || f[0].equals("X")) return false;
        return f[19].equals(Long.toString(startTime));
    }

    /** Start time of a process in clock ticks since boot (field 22 of {@code /proc/<pid>/stat}). */
    static OptionalLong startTime(long pid) {
        String[] f = statFields(PROC.resolve(Long.toString(pid)).resolve("stat"));
        if (f == null || f.length < 20) return OptionalLong.empty();
        try {
            return OptionalLong.of(Long.parseLong(f[19]));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** The fields after {@code comm} (which may contain spaces and parentheses): index 0 is field 3 (state). */
    static String[] statFields(Path stat) {
        String s;
        try {
            s = Files.readString(stat, StandardCharsets.ISO_8859_1);
        } catch (IOException | RuntimeException e) {
            return null;
        }
        int i = s.lastIndexOf(')');
        if (i < 0 || i + 2 > s.length()) return null;
        return s.substring(i + 2).trim().split(" ");
    }
}
