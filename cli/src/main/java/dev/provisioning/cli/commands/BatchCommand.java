package dev.provisioning.cli.commands;

import picocli.CommandLine.Command;

/**
 * {@code provisioning batch submit|validate|list|status|cancel|resume|rollback}: the original design's name for
 * workflow files; the same commands as {@code workflow}.
 */
@Command(name = "batch",
        description = "Batch workflows: the same commands as 'provisioning workflow'.",
        mixinStandardHelpOptions = true,
        subcommands = {BatchStatsCommand.class,
                WorkflowSubmitCommand.class, WorkflowValidateCommand.class, WorkflowListCommand.class,
                WorkflowStatusCommand.class, WorkflowCancelCommand.class, WorkflowResumeCommand.class,
                WorkflowRollbackCommand.class, WorkflowMonitorCommand.class, WorkflowLogsCommand.class},
        footerHeading = "%nExamples:%n",
        footer = {"  provisioning batch submit examples/cluster-local.toml --wait", "  provisioning batch list",
                "  provisioning batch status 0b6f7c1e-2d1c-4a53-9f0e-4d2c8f1a9b3e", "  provisioning batch stats",
                "  provisioning batch rollback 0b6f7c1e-2d1c-4a53-9f0e-4d2c8f1a9b3e --wait"})
public final class BatchCommand {}
