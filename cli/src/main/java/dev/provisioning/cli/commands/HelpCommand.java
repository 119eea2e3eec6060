package dev.provisioning.cli.commands;

import dev.provisioning.cli.CliException;
import dev.provisioning.cli.ExitCode;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code provisioning help [COMMAND...]}: the help of any command of the tree, as {@code COMMAND... --help} shows it. */
@Command(name = "help", helpCommand = true,
        description = "Show the help of a command: 'provisioning help server create' is 'provisioning server create --help'.",
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {"  provisioning help", "  provisioning help server create", "  provisioning help workflow submit"})
public final class HelpCommand extends BaseCommand {
    @Parameters(paramLabel = "COMMAND", arity = "0..*", description = "A command and its subcommands, e.g. server create.")
    List<String> words = new ArrayList<>();

    @Override
    public Integer call() {
        CommandLine c = spec.root().commandLine();
        for (String w : words) {
            CommandLine sub = c.getSubcommands().get(w);
            if (sub == null)
                throw new CliException(ExitCode.USAGE, "E_USAGE", "unknown command '" + w + "'"
                        + dev.provisioning.cli.UsageErrors.suggestion(w, c.getSubcommands().keySet())
                        + " (see '" + c.getCommandSpec().qualifiedName() + " --help')", null);
            c = sub;
        }
        c.usage(out(), CommandLine.Help.Ansi.OFF);
        return ExitCode.OK;
    }
}
