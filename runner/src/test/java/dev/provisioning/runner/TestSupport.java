package dev.provisioning.runner;


import com.fasterxml.jackson.databind.JsonNode;
import dev.provisioning.core.port.Runner.AttemptExit;
import dev.provisioning.core.port.Runner.AttemptListener;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/** Finds the real tools for the tests and records listener calls. */
final class TestSupport {
    private TestSupport() {}

    static Path root() {
        return Path.of(System.getProperty("provisioning.root", "..")).toAbsolutePath().normalize();
    }

    /** $PROVISIONING_NUSHELL_BINARY, else nu on PATH, else the one the build installed into tools/. */
    static String nu() {
        String env = System.getenv("PROVISIONING_NUSHELL_BINARY");
        if (env != null && !env.isBlank() && Files.isExecutable(Path.of(env))) return env;
        String path = System.getenv("PATH");
        if (path != null)
            for (String dir : path.split(":")) {
                if (dir.isEmpty()) continue;
                Path p = Path.of(dir, "nu");
                if (Files.isRegularFile(p) && Files.isExecutable(p)) return p.toString();
            }
        Path local = root().resolve("tools/node_modules/@nushell/linux-x64/bin/nu");
        if (Files.isExecutable(local)) return local.toString();
        throw new IllegalStateException("no nu binary: set PROVISIONING_NUSHELL_BINARY, put nu on PATH, or build once"
                + " so that dist/libexec/ensure-nu installs it into " + local);
    }

    static Path testLib() {
        try {
            return Path.of(TestSupport.class.getResource("/testlib").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Path nulib() {
        return root().resolve("nulib");
    }

    /** Non-zombie processes whose process group is {@code pgid}, according to ps(1). */
    static List<Long> liveGroupMembers(long pgid) {
        List<Long> out = new ArrayList<>();
        try {
            Process p = new ProcessBuilder("ps", "-eo", "pid=,pgid=,stat=").redirectErrorStream(true).start();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(10, TimeUnit.SECONDS);
            for (String line : text.split("\n")) {
                String[] f = line.trim().split("\\s+");
                if (f.length < 3) continue;
                if (f[1].equals(Long.toString(pgid)) && !f[2].startsWith("Z")) out.add(Long.parseLong(f[0]));
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return out;
    }

    /** Whether {@code pid} is a running (non-zombie) process. */
    static boolean alive(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String state = stat.substring(stat.lastIndexOf(')') + 2).split(" ")[0];
            return !state.equals("Z") && !state.equals("X");
        } catch (IOException e) {
            return false;
        }
    }

    /** Fields of /proc/<pid>/stat after comm: [0] state, [2] pgrp, [3] session. */
    static String[] stat(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    }

    /** The session of this JVM (field 6 of its stat). */
    static long ourSession() throws IOException {
        return Long.parseLong(stat(ProcessHandle.current().pid())[3]);
    }

    static long readPid(Path file) throws IOException {
        return Long.parseLong(Files.readString(file).trim());
    }

    /** Records every listener call, in order. */
    static final class Recorder implements AttemptListener {
        record Progress(int percent, String message) {}

        final List<Object> events = new CopyOnWriteArrayList<>();
        final List<Progress> progress = new CopyOnWriteArrayList<>();
        final List<JsonNode> checkpoints = new CopyOnWriteArrayList<>();
        final AtomicInteger exitedCalls = new AtomicInteger();
        final AtomicReference<AttemptExit> exit = new AtomicReference<>();

        @Override
        public void progress(int percent, String message) {
            Progress p = new Progress(percent, message);
            progress.add(p);
            events.add(p);
        }

        @Override
        public void checkpoint(JsonNode checkpoint) {
            checkpoints.add(checkpoint);
            events.add(checkpoint);
        }

        @Override
        public void exited(AttemptExit e) {
            exitedCalls.incrementAndGet();
            exit.compareAndSet(null, e);
            events.add(e);
        }

        AttemptExit await() {
            return awaitExit(Duration.ofSeconds(30));
        }

        AttemptExit awaitExit(Duration max) {
            org.awaitility.Awaitility.await().atMost(max).pollInterval(Duration.ofMillis(20)).until(() -> exit.get() != null);
            return exit.get();
        }
    }
}
