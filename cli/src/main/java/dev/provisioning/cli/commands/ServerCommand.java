package dev.provisioning.cli.commands;

import picocli.CommandLine.Command;

/** {@code provisioning server create|delete|list|show}. */
@Command(name = "server",
        description = "Create, delete, list and show servers (nulib/servers/*.nu).",
        mixinStandardHelpOptions = true,
        subcommands = {ServerCreateCommand.class, ServerDeleteCommand.class, ServerListCommand.class, ServerShowCommand.class},
        footerHeading = "%nExamples:%n",
        footer = {"  provisioning server create web-1 --wait", "  provisioning server list", "  provisioning server show web-1",
                "  provisioning server delete web-1 --wait"})
public final class ServerCommand {}
