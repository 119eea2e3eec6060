package dev.provisioning.cli.mode;

import dev.provisioning.core.config.Config;
import java.util.List;

/**
 * Decides whether an operation ({@code server.create}, {@code server.list}, ...) runs directly or through the
 * orchestrator. Pure: no I/O. The order, first answer wins:
 * <ol>
 *   <li>a {@code --direct} / {@code --orchestrated} flag;</li>
 *   <li>the {@code [execution] force_orchestrated} and {@code force_direct} glob lists ("always" lists, as in
 *       the original design). When both match, the more specific pattern wins (more literal characters, so
 *       {@code workflow.*} beats {@code *.list} for {@code workflow.list}); on a tie, orchestrated wins;</li>
 *   <li>{@code default_mode} {@code direct} or {@code orchestrated};</li>
 *   <li>{@code auto} with no pattern matching: direct, the simple thing.</li>
 * </ol>
 * A decision not made by a flag may fall back to direct when the daemon cannot be reached, if
 * {@code fallback_to_direct} is set.
 */
public final class ModeDecider {
    public enum Mode { DIRECT, ORCHESTRATED }

    /** What the user asked for on the command line. */
    public enum Requested { NONE, DIRECT, ORCHESTRATED }

    /**
     * @param mode          where to run
     * @param fallbackAllowed may run directly when the daemon cannot be reached
     * @param reason        why, for messages ({@code "force_orchestrated pattern 'server.create'"})
     */
    public record Decision(Mode mode, boolean fallbackAllowed, String reason) {}

    private ModeDecider() {}

    public static Decision decide(String operation, Requested requested, Config.Execution exec) {
        switch (requested) {
            case DIRECT -> { return new Decision(Mode.DIRECT, false, "--direct"); }
            case ORCHESTRATED -> { return new Decision(Mode.ORCHESTRATED, false, "--orchestrated"); }
            case NONE -> { }
        }
        boolean fallback = exec.fallbackToDirect();
        String orch = bestMatch(exec.forceOrchestrated(), operation);
        String direct = bestMatch(exec.forceDirect(), operation);
        if (orch != null && (direct == null || specificity(orch) >= specificity(direct)))
            return new Decision(Mode.ORCHESTRATED, fallback, "force_orchestrated pattern '" + orch + "'");
        if (direct != null) return new Decision(Mode.DIRECT, false, "force_direct pattern '" + direct + "'");
        return switch (exec.defaultMode()) {
            case "orchestrated" -> new Decision(Mode.ORCHESTRATED, fallback, "default_mode = \"orchestrated\"");
            case "direct" -> new Decision(Mode.DIRECT, false, "default_mode = \"direct\"");
            default -> new Decision(Mode.DIRECT, false, "default_mode = \"auto\" and no force_* pattern matches");
        };
    }

    /** The most specific pattern of {@code globs} matching {@code name}, or null. */
    static String bestMatch(List<String> globs, String name) {
        String best = null;
        for (String g : globs)
            if (matches(g, name) && (best == null || specificity(g) > specificity(best))) best = g;
        return best;
    }

    /** Number of literal (non-wildcard) characters. */
    static int specificity(String glob) {
        int n = 0;
        for (int i = 0; i < glob.length(); i++) if (glob.charAt(i) != '*' && glob.charAt(i) != '?') n++;
        return n;
    }

    /**
     * Glob match of the whole name: {@code *} is any run of characters (dots included), {@code ?} one character,
     * everything else literal and case-sensitive.
     */
    public static boolean matches(String glob, String name) {
        int g = 0, n = 0, star = -1, mark = 0;
        while (n < name.length()) {
            if (g < glob.length() && (glob.charAt(g) == '?' || glob.charAt(g) == name.charAt(n))) {
                g++;
                n++;
            } else if (g < glob.length() && glob.charAt(g) == '*') {
                star = g++;
                mark = n;
            } else if (star >= 0) {
                g = star + 1;
                n = ++mark;
            } else {
                return false;
            }
        }
        while (g < glob.length() && glob.charAt(g) == '*') g++;
        return g == glob.length();
    }
}
