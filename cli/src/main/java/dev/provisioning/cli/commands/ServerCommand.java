package dev.provisioning.cli.commands;

import picocli.CommandLine.Command;

/** {@code provisioning server create|list}. */
@Command(name = "server",
        description = "Create and list servers (nulib/servers/*.nu).",
        mixinStandardHelpOptions = true,
        subcommands = {ServerCreateCommand.class, ServerListCommand.class},
        footerHeading = "%nExamples:%n",
        footer = {"  provisioning server create web-1 --wait", "  provisioning server list"})
public final class ServerCommand {}
