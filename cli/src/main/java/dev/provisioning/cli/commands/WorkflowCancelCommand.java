package dev.provisioning.cli.commands;

import picocli.CommandLine.Command;

/** {@code provisioning workflow cancel ID [--wait]} (also {@code batch cancel}). */
@Command(name = "cancel",
        description = "Cancel a Pending or Running workflow. Its waiting tasks end Cancelled at once; the process groups "
                + "of its running tasks get TERM, then KILL after a grace period, and those tasks end Cancelled. A "
                + "rollback in progress runs to its end. The workflow is Cancelled once nothing of it runs any more. "
                + "'workflow resume' runs it again from where it stopped.",
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {"  provisioning workflow cancel 0b6f7c1e-2d1c-4a53-9f0e-4d2c8f1a9b3e",
                "  provisioning batch cancel 0b6f7c1e-2d1c-4a53-9f0e-4d2c8f1a9b3e --wait",
                "",
                "Exits 0 when the daemon accepted it (with --wait: when the workflow ended",
                "Cancelled), 1 when with --wait it ended otherwise, 4 when there is no",
                "such workflow, 5 when its state does not allow it:",
                "(it has ended already)."})
public final class WorkflowCancelCommand extends WorkflowControlCommand {
    @Override
    String action() { return "cancel"; }

    @Override
    String goal() { return "Cancelled"; }
}
