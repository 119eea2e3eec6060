package dev.provisioning.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;

/**
 * A retry policy: how many attempts a task gets and how long it waits between them. The wait after failed
 * attempt {@code n} is {@code initialDelay × 2^(n-1)} (exponential), {@code initialDelay × n} (linear) or
 * {@code initialDelay} (fixed), capped at {@code maxDelay}, then spread by ± {@code jitter} (a fraction, 0..1).
 */
public record RetrySpec(int maxAttempts, Backoff backoff, Duration initialDelay, Duration maxDelay, double jitter) {

    public enum Backoff { exponential, linear, fixed }

    public static final RetrySpec DEFAULT = new RetrySpec(1, Backoff.exponential, Duration.ofSeconds(1), Duration.ofMinutes(5), 0.2);

    public RetrySpec {
        if (maxAttempts < 1) throw new IllegalArgumentException("maxAttempts must be >= 1");
        if (jitter < 0 || jitter > 1) throw new IllegalArgumentException("jitter must be within 0..1");
        if (maxDelay.compareTo(initialDelay) < 0) maxDelay = initialDelay;
    }

    public RetrySpec withMaxAttempts(int n) {
        return new RetrySpec(n, backoff, initialDelay, maxDelay, jitter);
    }

    /** The wait after failed attempt {@code attemptNo} (1-based); {@code random01} is uniform in [0,1). */
    public Duration delayAfter(int attemptNo, double random01) {
        long base = initialDelay.toMillis();
        long cap = maxDelay.toMillis();
        long ms = switch (backoff) {
            case fixed -> base;
            case linear -> satMul(base, attemptNo);
            case exponential -> {
                long v = base;
                for (int i = 1; i < attemptNo && v < cap; i++) v = satMul(v, 2);
                yield v;
            }
        };
        ms = Math.min(ms, cap);
        double factor = 1 + jitter * (2 * random01 - 1);
        return Duration.ofMillis(Math.max(0, Math.round(ms * factor)));
    }

    private static long satMul(long a, long b) {
        long r = a * b;
        return (a != 0 && r / a != b) || r < 0 ? Long.MAX_VALUE : r;
    }

    public ObjectNode toJson() {
        return Json.MAPPER.createObjectNode().put("max_attempts", maxAttempts).put("backoff", backoff.name())
                .put("initial_delay_ms", initialDelay.toMillis()).put("max_delay_ms", maxDelay.toMillis()).put("jitter", jitter);
    }

    /** Reads {@link #toJson()}'s form; null or missing gives {@link #DEFAULT}. */
    public static RetrySpec fromJson(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) return DEFAULT;
        return new RetrySpec(n.path("max_attempts").asInt(1), Backoff.valueOf(n.path("backoff").asText("exponential")),
                Duration.ofMillis(n.path("initial_delay_ms").asLong(1000)), Duration.ofMillis(n.path("max_delay_ms").asLong(300_000)),
                n.path("jitter").asDouble(0.2));
    }
}
