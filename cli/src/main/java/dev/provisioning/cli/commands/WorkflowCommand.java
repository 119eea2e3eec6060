package dev.provisioning.cli.commands;

import picocli.CommandLine.Command;

/** {@code provisioning workflow submit|validate|list|status|cancel|resume|rollback}. */
@Command(name = "workflow",
        description = "Submit and validate workflow files, query the orchestrator's workflows, and cancel, resume or "
                + "roll them back.",
        mixinStandardHelpOptions = true,
        subcommands = {WorkflowSubmitCommand.class, WorkflowValidateCommand.class, WorkflowListCommand.class,
                WorkflowStatusCommand.class, WorkflowCancelCommand.class, WorkflowResumeCommand.class,
                WorkflowRollbackCommand.class, WorkflowMonitorCommand.class, WorkflowLogsCommand.class},
        footerHeading = "%nExamples:%n",
        footer = {"  provisioning workflow validate examples/cluster-local.toml",
                "  provisioning workflow submit examples/cluster-local.toml --wait", "  provisioning workflow list",
                "  provisioning workflow status 0b6f7c1e-2d1c-4a53-9f0e-4d2c8f1a9b3e",
                "  provisioning workflow cancel 0b6f7c1e-2d1c-4a53-9f0e-4d2c8f1a9b3e --wait",
                "  provisioning workflow resume 0b6f7c1e-2d1c-4a53-9f0e-4d2c8f1a9b3e --wait",
                "  provisioning workflow rollback 0b6f7c1e-2d1c-4a53-9f0e-4d2c8f1a9b3e --wait"})
public final class WorkflowCommand {}
