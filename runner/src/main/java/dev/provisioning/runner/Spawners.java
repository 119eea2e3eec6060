package dev.provisioning.runner;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks the {@link Spawner}: {@code posix_spawn} when the JDK is 22 or newer on Linux and the C library has
 * {@code posix_spawn_file_actions_addchdir_np} and {@code addclosefrom_np} (glibc 2.34+), else ProcessBuilder.
 * The system property {@code provisioning.spawner=jdk} forces ProcessBuilder.
 */
public final class Spawners {
    private static final Logger LOG = LoggerFactory.getLogger(Spawners.class);

    private Spawners() {}

    private static final class Holder {
        static final Spawner SYSTEM = pick();
    }

    /** The spawner of this JVM (one, shared: the native one owns the threads that reap its children). */
    public static Spawner system() {
        return Holder.SYSTEM;
    }

    /** ProcessBuilder with {@code setsid(1)}: works on any JDK 21+. */
    public static Spawner jdk() {
        return new JdkSpawner(systemTool("setsid"));
    }

    private static Spawner pick() {
        Spawner s = loadNative("NativeSpawner", Spawner.class, "starting tasks with ProcessBuilder and setsid");
        return s != null ? s : jdk();
    }

    /**
     * {@code dev.provisioning.runner.<simpleName>.create()}, one of the classes compiled with {@code --release 22};
     * null (and a log line saying {@code fallback}) on a JDK older than 22, off Linux, with
     * {@code provisioning.spawner=jdk}, or when it cannot be loaded (e.g. a C library without a needed function).
     */
    static <T> T loadNative(String simpleName, Class<T> type, String fallback) {
        if ("jdk".equals(System.getProperty("provisioning.spawner")) || Runtime.version().feature() < 22
                || !System.getProperty("os.name", "").startsWith("Linux")) return null;
        try {
            return type.cast(Class.forName("dev.provisioning.runner." + simpleName).getDeclaredMethod("create").invoke(null));
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            Throwable c = e instanceof java.lang.reflect.InvocationTargetException ite ? ite.getCause() : e;
            LOG.info("{} is not available ({}); {}", simpleName, c.toString(), fallback);
            return null;
        }
    }

    /** A util-linux or coreutils tool from the system directories, else from {@code PATH}. */
    static Path systemTool(String name) {
        for (String dir : List.of("/usr/bin", "/bin", "/usr/sbin", "/sbin")) {
            Path p = Path.of(dir, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) return p;
        }
        return ProcessRunner.resolveExecutable(name, "runner", "the runner needs util-linux '" + name + "' (Linux only)");
    }
}
