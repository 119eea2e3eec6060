package dev.provisioning.runner;

import java.nio.file.Path;

/**
 * Tells the runner the moment an attempt's {@code exit} file appears. A nu attempt's wrapper writes {@code exit} as
 * its last act; nu then takes several milliseconds to tear down, and waiting for the process to end would put that
 * teardown between a task and its dependents. Two implementations: {@code NativeExitWatch} (inotify itself, JDK
 * 22+) and {@link ExitWatcher} (the JDK's WatchService); {@link ExitWatcher#best()} picks one.
 */
interface ExitWatch extends AutoCloseable {
    /**
     * Watches {@code dir} for the creation of its {@code exit} file; {@code onExitFile} may run more than once, and
     * may run before the file's content is written. Returns the key for {@link #unwatch}, or null if not watched
     * (the runner then notices the end when the process ends).
     */
    Object watch(Path dir, Runnable onExitFile);

    /** Stops watching; null is ignored. */
    void unwatch(Object key);

    @Override
    void close();
}
