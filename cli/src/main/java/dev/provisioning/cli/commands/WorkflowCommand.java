package dev.provisioning.cli.commands;

import picocli.CommandLine.Command;

/** {@code provisioning workflow submit|list|status}. */
@Command(name = "workflow",
        description = "Submit workflow files to the orchestrator and query its workflows.",
        mixinStandardHelpOptions = true,
        subcommands = {WorkflowSubmitCommand.class, WorkflowListCommand.class, WorkflowStatusCommand.class},
        footerHeading = "%nExamples:%n",
        footer = {"  provisioning workflow submit examples/cluster-local.toml --wait", "  provisioning workflow list",
                "  provisioning workflow status 0b6f7c1e-2d1c-4a53-9f0e-4d2c8f1a9b3e"})
public final class WorkflowCommand {}
