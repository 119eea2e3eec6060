package dev.provisioning.cli;

import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.UnmatchedArgumentException;

/** Picocli's parse errors as one line: an unknown command or option names itself and, when it can, a suggestion. */
final class UsageErrors {
    private UsageErrors() {}

    static String oneLine(CommandLine.ParameterException ex) {
        String msg = ex.getMessage() == null ? "invalid usage" : ex.getMessage().strip().replace('\n', ' ');
        if (!(ex instanceof UnmatchedArgumentException u)) return msg;
        List<String> unmatched = u.getUnmatched();
        String first = unmatched.isEmpty() ? "" : unmatched.get(0);
        boolean command = !first.startsWith("-") && !ex.getCommandLine().getSubcommands().isEmpty();
        if (command) msg = "unknown command '" + first + "'";
        else if (first.startsWith("-") && !u.isUnknownOption()) msg = "unknown option '" + first + "'";
        else if (!u.isUnknownOption()) msg = "unexpected argument" + (unmatched.size() > 1 ? "s " : " ") + quoted(unmatched);
        List<String> suggestions = u.getSuggestions();
        if (!suggestions.isEmpty())
            msg += "; did you mean " + quoted(suggestions.subList(0, 1)).replace("', '", "' or '") + "?";
        return msg;
    }

    private static String quoted(List<String> words) {
        return "'" + String.join("', '", words) + "'";
    }
}
