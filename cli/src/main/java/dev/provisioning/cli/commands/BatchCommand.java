package dev.provisioning.cli.commands;

import picocli.CommandLine.Command;

/** {@code provisioning batch submit|list|status}: the original design's name for workflow files; same commands. */
@Command(name = "batch",
        description = "Batch workflows: the same commands as 'provisioning workflow'.",
        mixinStandardHelpOptions = true,
        subcommands = {WorkflowSubmitCommand.class, WorkflowListCommand.class, WorkflowStatusCommand.class},
        footerHeading = "%nExamples:%n",
        footer = {"  provisioning batch submit examples/cluster-local.toml --wait", "  provisioning batch list",
                "  provisioning batch status 0b6f7c1e-2d1c-4a53-9f0e-4d2c8f1a9b3e"})
public final class BatchCommand {}
