package dev.provisioning.runner;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * {@link Spawner} over {@link ProcessBuilder}, with {@code setsid(1)} in front for a new group (there is no
 * {@code setpgid(1)}), so such a child also gets a new session, and with it its own scheduler autogroup. Any JDK 21+.
 */
final class JdkSpawner implements Spawner {
    private static final File DEV_NULL = new File("/dev/null");
    private final Path setsid;

    JdkSpawner(Path setsid) {
        this.setsid = setsid;
    }

    @Override
    public Child spawn(List<String> argv, Map<String, String> env, Path dir, Path stdout, Path stderr,
                       boolean newGroup, int nice) throws IOException {
        List<String> cmd = argv;
        if (newGroup) {
            cmd = new ArrayList<>(argv.size() + 1);
            cmd.add(setsid.toString());
            cmd.addAll(argv);
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(DEV_NULL));
        pb.redirectOutput(stdout == null ? ProcessBuilder.Redirect.DISCARD : ProcessBuilder.Redirect.appendTo(stdout.toFile()));
        if (stderr == null) pb.redirectErrorStream(true);
        else pb.redirectError(ProcessBuilder.Redirect.appendTo(stderr.toFile()));
        Map<String, String> e = pb.environment();
        e.clear();
        e.putAll(env);
        Process p = pb.start();
        CompletableFuture<Integer> exit = p.onExit().thenApply(Process::exitValue);
        return new Child() {
            @Override public long pid() { return p.pid(); }
            @Override public CompletableFuture<Integer> onExit() { return exit; }
        };
    }

    @Override
    public Boolean groupExists(long pgid) {
        return null;
    }

    @Override
    public boolean newGroupIsNewSession() {
        return true;
    }

    @Override
    public String name() {
        return "ProcessBuilder+setsid";
    }

    /**
     * {@inheritDoc}
     * <p>Not here: the JDK cannot set a child's priority, and a {@code nice(1)} in front would cost one more
     * {@code exec} per task. A child in a new group is in a new session here, so with Linux's
     * {@code sched_autogroup} it gets a scheduling group of its own, and shares the CPU with the daemon as a whole
     * rather than thread by thread.
     */
    @Override
    public boolean setsNice() {
        return false;
    }
}
