package dev.provisioning.cli;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.UnmatchedArgumentException;

/** Picocli's parse errors as one line: an unknown command or option names itself and, when it can, a suggestion. */
public final class UsageErrors {
    private UsageErrors() {}

    static String oneLine(CommandLine.ParameterException ex) {
        String msg = ex.getMessage() == null ? "invalid usage" : ex.getMessage().strip().replace('\n', ' ');
        if (!(ex instanceof UnmatchedArgumentException u)) return msg;
        List<String> unmatched = u.getUnmatched();
        String first = unmatched.isEmpty() ? "" : unmatched.get(0);
        CommandLine cmd = ex.getCommandLine();
        boolean command = !first.startsWith("-") && !cmd.getSubcommands().isEmpty();
        if (command) msg = "unknown command '" + first + "'";
        else if (first.startsWith("-")) msg = "Unknown option: '" + first + "'";
        else if (!u.isUnknownOption()) msg = "unexpected argument" + (unmatched.size() > 1 ? "s '" : " '") + String.join("', '", unmatched) + "'";
        List<String> suggestions = u.getSuggestions();
        if (!suggestions.isEmpty()) return msg + "; did you mean '" + suggestions.get(0) + "'?";
        List<String> names = new ArrayList<>(cmd.getSubcommands().keySet());
        if (first.startsWith("-")) cmd.getCommandSpec().options().forEach(o -> names.addAll(List.of(o.names())));
        return msg + suggestion(first, names);
    }

    /**
     * {@code "; did you mean 'x'?"} for the closest of {@code names} within two edits (a swap of two neighbours is
     * one), else empty. Picocli's own suggestions miss swaps such as {@code lsit}.
     */
    public static String suggestion(String word, Collection<String> names) {
        String best = null;
        int bestDistance = 3;
        for (String n : names) {
            int d = distance(word, n);
            if (d < bestDistance) {
                best = n;
                bestDistance = d;
            }
        }
        return best == null ? "" : "; did you mean '" + best + "'?";
    }

    /** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) d[i][0] = i;
        for (int j = 0; j <= b.length(); j++) d[0][j] = j;
        for (int i = 1; i <= a.length(); i++)
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1))
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
            }
        return d[a.length()][b.length()];
    }
}
