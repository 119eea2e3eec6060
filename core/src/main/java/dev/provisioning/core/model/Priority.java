package dev.provisioning.core.model;

import dev.provisioning.core.error.ErrorCode;
import dev.provisioning.core.error.ProvisioningException;
import java.util.Locale;

/** Scheduling priority; higher {@link #weight()} runs first. */
public enum Priority {
    low(0), normal(1), high(2), critical(3);

    private final int weight;

    Priority(int weight) { this.weight = weight; }

    public int weight() { return weight; }

    public static Priority fromWeight(int w) {
        for (Priority p : values()) if (p.weight == w) return p;
        throw new IllegalArgumentException("no priority with weight " + w);
    }

    public static Priority parse(String s, String where) {
        if (s == null) return normal;
        try {
            return valueOf(s.toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ProvisioningException(ErrorCode.INVALID_VALUE,
                    "priority must be one of low, normal, high, critical; got '" + s + "'", where);
        }
    }
}
