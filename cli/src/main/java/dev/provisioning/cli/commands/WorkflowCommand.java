package dev.provisioning.cli.commands;

import picocli.CommandLine.Command;

/** {@code provisioning workflow list|status}. */
@Command(name = "workflow",
        description = "Query the workflows of the orchestrator.",
        mixinStandardHelpOptions = true,
        subcommands = {WorkflowListCommand.class, WorkflowStatusCommand.class},
        footerHeading = "%nExamples:%n",
        footer = {"  provisioning workflow list", "  provisioning workflow status 0b6f7c1e-2d1c-4a53-9f0e-4d2c8f1a9b3e"})
public final class WorkflowCommand {}
