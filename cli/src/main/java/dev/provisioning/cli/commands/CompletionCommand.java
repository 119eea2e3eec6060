package dev.provisioning.cli.commands;

import dev.provisioning.cli.ExitCode;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code provisioning completion bash|zsh|fish}: a completion script for the shell, on stdout. */
@Command(name = "completion",
        description = "Print a shell completion script for bash, zsh or fish, generated from this command tree.",
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {"  source <(provisioning completion bash)                      # bash, this shell",
                "  provisioning completion bash > /etc/bash_completion.d/provisioning",
                "  source <(provisioning completion zsh)                       # zsh (~/.zshrc)",
                "  provisioning completion fish > ~/.config/fish/completions/provisioning.fish"})
public final class CompletionCommand extends BaseCommand {
    public enum Shell { bash, zsh, fish }

    @Parameters(index = "0", paramLabel = "SHELL", description = "bash, zsh or fish.")
    Shell shell;

    @Override
    public Integer call() {
        var root = spec.root().commandLine();
        String name = spec.root().name();
        switch (shell) {
            case bash -> out().print(AutoComplete.bash(name, root));
            // picocli's script runs in zsh through bashcompinit
            case zsh -> out().print("#compdef " + name + "\nautoload -U +X compinit && compinit\n"
                    + "autoload -U +X bashcompinit && bashcompinit\n" + AutoComplete.bash(name, root));
            case fish -> out().print(FishCompletion.script(spec.root()));
        }
        out().flush();
        return ExitCode.OK;
    }
}
