package dev.provisioning.server;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What readers (SSE streams) wait on: a version counter bumped after every committed store change, and a second one
 * bumped after every commit that ended a workflow, which cuts a stream's batching wait short so that the last events
 * of a workflow (and the end of a {@code --wait}) are not held back.
 */
public final class ChangeSignal {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Condition ended = lock.newCondition();
    // Written under the lock (so that a waiter cannot miss a change between its check and its wait); volatile, so the
    // getters read them without it.
    private volatile long version;
    private volatile long ends;

    public void bump() {
        lock.lock();
        try {
            version++;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** A commit ended a workflow (called before the {@link #bump} of that commit). */
    public void workflowEnded() {
        lock.lock();
        try {
            ends++;
            ended.signalAll();
        } finally {
            lock.unlock();
        }
    }

    public long version() {
        return version;
    }

    /** How many commits have ended a workflow so far. */
    public long ends() {
        return ends;
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

    /**
     * Waits until {@link #ends} differs from {@code seen} or {@code timeoutNanos} pass (the ordinary commits do not
     * wake it); returns the current count.
     */
    public long awaitEnd(long seen, long timeoutNanos) throws InterruptedException {
        lock.lock();
        try {
            long nanos = timeoutNanos;
            while (ends == seen && nanos > 0) nanos = ended.awaitNanos(nanos);
            return ends;
        } finally {
            lock.unlock();
        }
    }
}
