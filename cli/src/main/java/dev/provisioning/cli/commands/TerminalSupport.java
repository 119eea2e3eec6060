package dev.provisioning.cli.commands;

import dev.provisioning.cli.Main;

/**
 * The decisions about the terminal that need no terminal library: whether colours are wanted and whether a live
 * view may be tried at all. The terminal checks themselves (is stdout a terminal, how wide) are JLine's, in
 * {@link ProgressDisplay}, so that JLine is loaded only on the monitor and {@code --wait} paths.
 */
final class TerminalSupport {
    private TerminalSupport() {}

    /** Colours unless {@code --no-color}, or {@code NO_COLOR} is set to anything (no-color.org). */
    static boolean colorWanted() {
        String v = System.getenv("NO_COLOR");
        return !Main.noColor() && (v == null || v.isEmpty());
    }

    /**
     * A live view is worth trying: {@code TERM} names a terminal that can move the cursor (not unset, not
     * {@code dumb}), and {@code PROVISIONING_PLAIN} is not set (an escape hatch for screen readers and logs).
     */
    static boolean liveWanted() {
        String term = System.getenv("TERM");
        String plain = System.getenv("PROVISIONING_PLAIN");
        return term != null && !term.isBlank() && !term.startsWith("dumb") && (plain == null || plain.isEmpty());
    }
}
