package dev.provisioning.core.spec;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as users write them: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, {@code 2d}, or {@code 1h30m}. */
public final class Durations {
    private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h|d)");

    private Durations() {}

    /** The longest duration accepted anywhere (timeouts, delays). */
    public static final Duration MAX = Duration.ofDays(365);

    /** Returns null if {@code s} is not a valid duration or exceeds {@link #MAX}. */
    public static Duration parse(String s) {
        try {
            Duration d = parseUnchecked(s);
            return d == null || d.compareTo(MAX) > 0 ? null : d;
        } catch (NumberFormatException | ArithmeticException e) {
            return null;
        }
    }

    /** {@code 1h30m}, {@code 45s}, {@code 250ms}: the shortest exact form. */
    public static String format(Duration d) {
        if (d.isZero()) return "0s";
        StringBuilder b = new StringBuilder();
        long ms = d.toMillis();
        long[] unit = {86_400_000L, 3_600_000L, 60_000L, 1000L, 1L};
        String[] name = {"d", "h", "m", "s", "ms"};
        for (int i = 0; i < unit.length; i++) {
            if (ms >= unit[i]) {
                b.append(ms / unit[i]).append(name[i]);
                ms %= unit[i];
            }
        }
        return b.toString();
    }

    private static Duration parseUnchecked(String s) {
        if (s == null) return null;
        String t = s.trim();
        if (t.isEmpty()) return null;
        Matcher m = PART.matcher(t);
        Duration total = Duration.ZERO;
        int pos = 0;
        while (m.find()) {
            if (m.start() != pos) return null;
            long n = Long.parseLong(m.group(1));
            total = total.plus(switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            });
            pos = m.end();
        }
        return pos == t.length() && pos > 0 ? total : null;
    }
}
