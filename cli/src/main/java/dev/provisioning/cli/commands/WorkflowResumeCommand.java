package dev.provisioning.cli.commands;

import picocli.CommandLine.Command;

/** {@code provisioning workflow resume ID [--wait]} (also {@code batch resume}). */
@Command(name = "resume",
        description = "Resume a Failed or Cancelled workflow from where it stopped. Its Completed tasks are kept, with their "
                + "results; its Failed, Cancelled and Skipped tasks run again (attempt numbers carry on, and a task's "
                + "last checkpoint is passed to its next attempt). A workflow that has been rolled back cannot be "
                + "resumed: submit it again.",
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {"  provisioning workflow resume 0b6f7c1e-2d1c-4a53-9f0e-4d2c8f1a9b3e",
                "  provisioning batch resume 0b6f7c1e-2d1c-4a53-9f0e-4d2c8f1a9b3e --wait",
                "",
                "Exits 0 when the daemon accepted it (with --wait: when the workflow ended",
                "Completed), 1 when with --wait it ended otherwise, 4 when there is no",
                "such workflow, 5 when its state does not allow it:",
                "(it is not Failed or Cancelled, or it was rolled back)."})
public final class WorkflowResumeCommand extends WorkflowControlCommand {
    @Override
    String action() { return "resume"; }

    @Override
    String goal() { return "Completed"; }
}
