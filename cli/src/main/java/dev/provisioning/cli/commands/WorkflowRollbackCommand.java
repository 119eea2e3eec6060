package dev.provisioning.cli.commands;

import picocli.CommandLine.Command;

/** {@code provisioning workflow rollback ID [--wait]} (also {@code batch rollback}). */
@Command(name = "rollback",
        description = "Roll back a Completed, Failed or Cancelled workflow: the rollback actions of its completed tasks "
                + "run in reverse dependency order (a task is undone after the tasks that depend on it). Tasks "
                + "without a rollback action count as rolled back at once; a task whose rollback failed is tried "
                + "again. The workflow ends RolledBack, or Failed with the rollback errors.",
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {"  provisioning workflow rollback 0b6f7c1e-2d1c-4a53-9f0e-4d2c8f1a9b3e",
                "  provisioning batch rollback 0b6f7c1e-2d1c-4a53-9f0e-4d2c8f1a9b3e --wait",
                "",
                "Exits 0 when the daemon accepted it (with --wait: when the workflow ended",
                "RolledBack), 1 when with --wait it ended otherwise, 4 when there is no",
                "such workflow, 5 when its state does not allow it:",
                "(it still runs, or has been rolled back already)."})
public final class WorkflowRollbackCommand extends WorkflowControlCommand {
    @Override
    String action() { return "rollback"; }

    @Override
    String goal() { return "RolledBack"; }
}
