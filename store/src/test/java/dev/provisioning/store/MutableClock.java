package dev.provisioning.store;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/** A clock that tests move by hand. */
final class MutableClock extends Clock {
    private final AtomicReference<Instant> now;

    MutableClock(Instant start) { this.now = new AtomicReference<>(start); }

    void advance(Duration d) { now.updateAndGet(t -> t.plus(d)); }

    void set(Instant t) { now.set(t); }

    @Override public Instant instant() { return now.get(); }

    @Override public ZoneId getZone() { return ZoneOffset.UTC; }

    @Override public Clock withZone(ZoneId zone) { return this; }
}
