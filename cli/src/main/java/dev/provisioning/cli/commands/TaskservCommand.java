package dev.provisioning.cli.commands;

import picocli.CommandLine.Command;

/** {@code provisioning taskserv create|delete|list}. */
@Command(name = "taskserv",
        description = "Install, remove and list task services on servers (nulib/taskservs/*.nu).",
        mixinStandardHelpOptions = true,
        subcommands = {TaskservCreateCommand.class, TaskservDeleteCommand.class, TaskservListCommand.class},
        footerHeading = "%nExamples:%n",
        footer = {"  provisioning taskserv create kubernetes --server cp-1 --infra prod --wait",
                "  provisioning taskserv list --infra prod",
                "  provisioning taskserv delete kubernetes --server cp-1 --infra prod"})
public final class TaskservCommand {}
