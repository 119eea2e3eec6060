package dev.provisioning.runner;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ExitWatch} through one inotify-backed {@link WatchService} and one thread (any JDK 21+).
 *
 * <p>Best effort: if a run dir cannot be watched (e.g. the inotify watch limit is reached), {@link #watch} returns
 * null and the runner notices the end when the process ends, as without this class. After an event overflow every
 * callback is run, and each one checks the file itself.
 */
final class ExitWatcher implements ExitWatch {
    private static final Logger LOG = LoggerFactory.getLogger(ExitWatcher.class);
    private final WatchService service;
    private final Map<WatchKey, Runnable> callbacks = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean warned;

    /**
     * inotify through the foreign-function API on a JDK 22+ on Linux ({@code NativeExitWatch}), else this class;
     * null if the platform offers no watch service. The system property {@code provisioning.spawner=jdk} forces
     * this class, as it forces ProcessBuilder for spawning.
     */
    static ExitWatch best() {
        ExitWatch w = Spawners.loadNative("NativeExitWatch", ExitWatch.class, "using the JDK's WatchService");
        return w != null ? w : create();
    }

    /** Null if the platform offers no watch service. */
    static ExitWatcher create() {
        try {
            return new ExitWatcher(FileSystems.getDefault().newWatchService());
        } catch (IOException | UnsupportedOperationException e) {
            LOG.warn("no file watch service ({}); attempt ends are noticed when their process ends", e.toString());
            return null;
        }
    }

    private ExitWatcher(WatchService service) {
        this.service = service;
        this.thread = new Thread(this::loop, "provisioning-exit-watch");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public WatchKey watch(Path dir, Runnable onExitFile) {
        try {
            // Creations only (and renames into the dir): modifications would wake this thread on every log write.
            WatchKey key = dir.register(service, StandardWatchEventKinds.ENTRY_CREATE);
            callbacks.put(key, onExitFile);
            return key;
        } catch (IOException | RuntimeException e) {
            if (!warned) {
                warned = true;
                LOG.warn("cannot watch {} ({}); attempt ends are noticed when their process ends", dir, e.toString());
            }
            return null;
        }
    }

    @Override
    public void unwatch(Object key) {
        if (!(key instanceof WatchKey k)) return;
        callbacks.remove(k);
        k.cancel();
    }

    private void loop() {
        while (true) {
            WatchKey key;
            try {
                key = service.take();
            } catch (ClosedWatchServiceException | InterruptedException e) {
                return;
            }
            try {
                boolean fire = false, overflow = false;
                for (WatchEvent<?> ev : key.pollEvents()) {
                    if (ev.kind() == StandardWatchEventKinds.OVERFLOW) overflow = true;
                    else if (ev.context() instanceof Path p && RunDir.EXIT.equals(p.toString())) fire = true;
                }
                key.reset();
                if (overflow) callbacks.values().forEach(Runnable::run);
                else if (fire) {
                    Runnable r = callbacks.get(key);
                    if (r != null) r.run();
                }
            } catch (RuntimeException e) {
                LOG.warn("exit watch callback failed: {}", e.toString());
            }
        }
    }

    @Override
    public void close() {
        try {
            service.close();
        } catch (IOException e) {
            LOG.debug("closing the watch service: {}", e.toString());
        }
        callbacks.clear();
    }
}
