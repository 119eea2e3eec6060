package dev.provisioning.server;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/** A version counter that readers (SSE streams) wait on; bumped after every committed store change. */
public final class ChangeSignal {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private long version;

    public void bump() {
        lock.lock();
        try {
            version++;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    public long version() {
        lock.lock();
        try {
            return version;
        } finally {
            lock.unlock();
        }
    }

    /** Waits until the version differs from {@code seen} or the timeout passes; returns the current version. */
    public long awaitChange(long seen, long timeoutMillis) throws InterruptedException {
        lock.lock();
        try {
            long nanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
            while (version == seen && nanos > 0) nanos = changed.awaitNanos(nanos);
            return version;
        } finally {
            lock.unlock();
        }
    }
}
