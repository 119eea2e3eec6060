package dev.provisioning.core.model;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the message out of a Nushell error report on stderr. Nushell prints {@code Error: <code>}, then the
 * headline as {@code  x message} (ASCII, when stderr is a file) or {@code  × message} (a terminal), wrapped at 80
 * columns onto {@code  | rest} lines, then the source frame. The headline's pieces are joined again here.
 */
public final class NuErrors {
    private static final Pattern HEADLINE = Pattern.compile("^\\s*[x×] (.*)$");
    private static final Pattern CONTINUATION = Pattern.compile("^\\s*[|│] (.*)$");
    private static final int MAX = 300;

    private NuErrors() {}

    /** The last error headline in {@code stderr}, joined across wrapped lines; null if there is none. */
    public static String headline(String stderr) {
        if (stderr == null || stderr.isBlank()) return null;
        String[] lines = stderr.split("\r?\n");
        String found = null;
        boolean afterError = false;
        for (int i = 0; i < lines.length; i++) {
            String l = lines[i];
            if (l.strip().startsWith("Error:")) {
                afterError = true;
                continue;
            }
            Matcher h = HEADLINE.matcher(l);
            if (afterError && h.matches()) {
                StringBuilder b = new StringBuilder(h.group(1).strip());
                while (i + 1 < lines.length) {
                    Matcher c = CONTINUATION.matcher(lines[i + 1]);
                    if (!c.matches()) break;
                    b.append(' ').append(c.group(1).strip());
                    i++;
                }
                found = b.toString();
                afterError = false;
            }
        }
        return found == null ? null : truncate(found);
    }

    /** The headline if there is one, else the last line that is not frame drawing; null for blank input. */
    public static String summary(String stderr) {
        String h = headline(stderr);
        if (h != null) return h;
        if (stderr == null) return null;
        String[] lines = stderr.split("\r?\n");
        for (int i = lines.length - 1; i >= 0; i--) {
            String l = lines[i].strip();
            if (!l.isEmpty() && !l.matches("[─╭╰│·`'|,\\-\\s]*")) return truncate(l);
        }
        return null;
    }

    private static String truncate(String s) {
        return s.length() > MAX ? s.substring(0, MAX) + "…" : s;
    }
}
