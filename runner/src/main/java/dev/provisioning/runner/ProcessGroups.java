package dev.provisioning.runner;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
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

    /** Wraps of the kernel's pid counter seen by {@link #samplePids}, and its last sample (-1: none). */
    private static long wraps, lastSample = -1;

    /** One sample of the pid counter: the wraps seen so far and {@code ns_last_pid} (-1 if unknown). */
    record PidSample(long wraps, long last) {}

    /**
     * Reads {@code ns_last_pid} and counts a wrap when it went down since the last sample. The runner samples on
     * every tick (100 ms) and every scan; a full cycle of pids between two samples would take hundreds of thousands of
     * forks per second.
     *
     */
    static synchronized PidSample samplePids() {
        long l = lastPid();
        if (l >= 0) {
            if (lastSample >= 0 && l < lastSample) wraps++;
            lastSample = l;
        }
        return new PidSample(wraps, l);
    }

    /**
     * The wraps counted so far, without a sample: what the runner records at a spawn. A wrap shortly before the spawn
     * is counted only by the next sample (within one tick); a later scan then takes it for a wrap after the spawn and
     * reads every process ({@link #liveMembers(long, long)}): slower, never wrong.
     */
    static synchronized long wrapsSeen() {
        return wraps;
    }

    /** {@link #liveMembers(long, long)} of a group whose pid history is unknown: every process is read. */
    static List<Long> liveMembers(long pgid) {
        return liveMembers(pgid, -1);
    }

    /**
     * Pids of the group's members that are not zombies, from {@code /proc/<pid>/stat}. A member was created after
     * its leader, so when no pid wrap was seen since the leader's spawn ({@code wrapsAtSpawn}, from
     * {@link #samplePids} just after it; -1 if unknown) only pids in {@code [pgid, ns_last_pid]} are read; otherwise
     * every process is. (Checking only {@code ns_last_pid >= pgid} would miss a member of a long task on a box whose
     * pid_max is 32768, where the counter can come round past the leader's pid again.)
     */
    static List<Long> liveMembers(long pgid, long wrapsAtSpawn) {
        List<Long> out = new ArrayList<>();
        List<Long> pids;
        try {
            pids = pids();
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot scan /proc for group {}: {}", pgid, e.toString());
            pids = List.of();
        }
        PidSample now = samplePids();
        long last = now.last();
        boolean bounded = wrapsAtSpawn >= 0 && now.wraps() == wrapsAtSpawn && last >= pgid;
        // Every candidate's stat is read each time. (A cache of pids seen in other sessions, tried in session 2, can
        // go stale: on a box whose pid_max is 32768 pids wrap within minutes, and a pid reused by a new member would
        // have been skipped, its group taken for empty and the leftover never killed.)
        for (long pid : pids) {
            if (bounded && (pid < pgid || pid > last)) continue;
            Stat st = stat(pid);
            if (st != null && st.alive() && st.pgrp() == pgid) out.add(pid);
        }
        return out;
    }

    /** The pids in {@code /proc}. */
    private static List<Long> pids() throws IOException {
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
        }
        return pids;
    }

    /** A live process accepted by {@code accept} whose working directory is {@code dir} (from {@code /proc/<pid>/cwd}). */
    private static Optional<Stat> workingIn(Path dir, Predicate<Stat> accept) throws IOException {
        return working(dir::equals, accept, true).keySet().stream().findFirst();
    }

    /**
     * The live processes accepted by {@code accept} whose working directory ({@code /proc/<pid>/cwd}, symlinks
     * resolved) {@code where} accepts, with that directory, in one scan; only the first one found when {@code first}.
     */
    private static Map<Stat, Path> working(Predicate<Path> where, Predicate<Stat> accept, boolean first) throws IOException {
        Map<Stat, Path> out = new LinkedHashMap<>();
        for (long pid : pids()) {
            Path cwd;
            try {
                cwd = Files.readSymbolicLink(PROC.resolve(Long.toString(pid)).resolve("cwd"));
            } catch (IOException | RuntimeException ignored) {
                continue; // gone, or not ours to read
            }
            if (!where.test(cwd)) continue;
            Stat st = stat(pid);
            if (st == null || !st.alive() || !accept.test(st)) continue;
            out.put(st, cwd);
            if (first) break;
        }
        return out;
    }

    /**
     * The pid and start time of a live process that leads its own process group (as an attempt's launched process
     * does, with or without its own session) and has {@code dir} as its working directory, if there is one.
     */
    static Optional<Stat> groupLeaderWorkingIn(Path dir) {
        try {
            return workingIn(dir, st -> st.pgrp() == st.pid());
        } catch (IOException e) {
            LOG.warn("cannot scan /proc: {}", e.toString());
            return Optional.empty();
        }
    }

    /**
     * The live process-group leaders whose working directory is under {@code root}, with that directory: one scan
     * of {@code /proc}.
     */
    static Map<Long, Path> groupLeadersWorkingUnder(Path root) {
        Map<Long, Path> out = new LinkedHashMap<>();
        try {
            working(cwd -> cwd.startsWith(root) && !cwd.equals(root), st -> st.pgrp() == st.pid(), false)
                    .forEach((st, cwd) -> out.put(st.pid(), cwd));
        } catch (IOException e) {
            LOG.warn("cannot scan /proc: {}", e.toString());
        }
        return out;
    }

    /** Whether any live process has {@code dir} as its working directory. */
    static boolean anyWorkingIn(Path dir) {
        try {
            return workingIn(dir, st -> true).isPresent();
        } catch (IOException e) {
            LOG.warn("cannot scan /proc: {}", e.toString());
            return true; // unknown: assume it may run
        }
    }

    /** The last pid the kernel handed out, or -1 if unknown (then group scans read every process). */
    static long lastPid() {
        // Read into a buffer: a sysctl file answers only a read at offset 0, and Files.readString of this zero-size
        // file reads one byte first, then gets end-of-file at offset 1 (it returned "1" for 19380).
        byte[] b = new byte[32];
        int n = readProc(LAST_PID.toString(), b);
        int end = 0;
        while (end < n && b[end] != '\n') end++;
        return parseLong(b, 0, end);
    }

    /** Whether {@code pid} is a live (non-zombie) process that started at {@code startTime} clock ticks. */
    static boolean isAlive(long pid, long startTime) {
        Stat st = stat(pid);
        return st != null && st.alive() && st.startTime() == startTime;
    }

    /**
     * What the runner reads of {@code /proc/<pid>/stat}: field 1 (pid), field 3 (state), field 5 (process group),
     * field 6 (session), field 7 (the controlling terminal's device number, 0 for none) and field 22 (start time in
     * clock ticks since boot).
     */
    record Stat(long pid, char state, long pgrp, long session, long tty, long startTime) {
        /** Zombies (Z) and dead tasks (X) can neither run nor be signalled usefully. */
        boolean alive() {
            return state != 'Z' && state != 'X';
        }
    }

    /**
     * Reads and parses {@code /proc/<pid>/stat} with one read into a small buffer, parsing bytes in place: group
     * scans read one such file per candidate process, so this is on the path from a task's exit to its completion.
     * Null if the process is gone or the file cannot be parsed.
     */
    static Stat stat(long pid) {
        byte[] b = new byte[1024];
        int n = readProc("/proc/" + pid + "/stat", b);
        return n < 0 ? null : parseStat(b, n);
    }

    /** Reads a small {@code /proc} file into {@code b} from offset 0; the bytes read, or -1 if it cannot be read. */
    private static int readProc(String path, byte[] b) {
        int n = 0;
        try (java.io.FileInputStream in = new java.io.FileInputStream(path)) {
            for (int r; n < b.length && (r = in.read(b, n, b.length - n)) > 0; ) n += r;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return n;
    }

    /** Parses a stat line; {@code comm} (field 2) may hold spaces and parentheses, so fields start after the last ')'. */
    static Stat parseStat(byte[] b, int n) {
        int i = n - 1;
        while (i >= 0 && b[i] != ')') i--;
        if (i < 0 || i + 2 >= n) return null;
        int sp = 0;
        while (sp < i && b[sp] != ' ') sp++;
        long pid = parseLong(b, 0, sp);
        int pos = i + 2; // field 3
        char state = (char) b[pos];
        long pgrp = -1, session = -1, tty = -1, start = -1;
        for (int field = 3; pos < n && field <= 22; field++) {
            int end = pos;
            while (end < n && b[end] != ' ' && b[end] != '\n') end++;
            if (field == 5) pgrp = parseLong(b, pos, end);
            else if (field == 6) session = parseLong(b, pos, end);
            else if (field == 7) tty = parseLong(b, pos, end);
            else if (field == 22) start = parseLong(b, pos, end);
            pos = end + 1;
        }
        return pid < 0 || pgrp < 0 || session < 0 || tty < 0 || start < 0 ? null
                : new Stat(pid, state, pgrp, session, tty, start);
    }

    private static long parseLong(byte[] b, int from, int to) {
        if (from >= to) return -1;
        long v = 0;
        for (int k = from; k < to; k++) {
            int d = b[k] - '0';
            if (d < 0 || d > 9) return -1;
            v = v * 10 + d;
        }
        return v;
    }
}
