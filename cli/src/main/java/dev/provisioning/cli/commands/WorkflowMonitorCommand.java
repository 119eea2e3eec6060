package dev.provisioning.cli.commands;

import dev.provisioning.cli.ExitCode;
import dev.provisioning.cli.client.Api;
import dev.provisioning.cli.client.OrchestratorClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code provisioning workflow monitor ID} (and {@code batch monitor ID}): follows a workflow live until it ends,
 * with the {@link WorkflowWatcher} that {@code --wait} uses. On a terminal: a progress bar per running task, the
 * counts and the elapsed time, redrawn in place; elsewhere: one plain line per change.
 */
@Command(name = "monitor",
        description = {"Follow a workflow live until it ends: a progress bar per running task (from its PROGRESS: "
                + "lines), the count of done, running, pending and failed tasks, and the elapsed time. Task state "
                + "changes scroll above the bars. When stdout is not a terminal (or TERM=dumb), it prints one plain "
                + "line per change instead. A workflow that has ended already is shown whole, then its summary.",
                "",
                "Exit codes of monitor: 0 the workflow ended Completed; 1 it ended otherwise (Failed, Cancelled, "
                        + "RolledBack: the state and each task that did not complete are named on stderr); 3 the "
                        + "orchestrator could not be reached for 15 s (the workflow keeps running); 4 no such "
                        + "workflow. Ctrl-C stops watching, not the workflow."},
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {"  provisioning workflow monitor 0b6f7c1e-2d1c-4a53-9f0e-4d2c8f1a9b3e",
                "  provisioning batch monitor 0b6f7c1e-2d1c-4a53-9f0e-4d2c8f1a9b3e --no-color",
                "  id=$(provisioning workflow submit deploy.toml) && provisioning workflow monitor \"$id\""})
public final class WorkflowMonitorCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "ID", description = "The workflow id.")
    String id;

    @Override
    public Integer call() {
        checkWorkflowId(id);
        OrchestratorClient client = main().connect();
        Api.Workflow w = new WorkflowWatcher(client, main().daemon()::client, json() ? err() : out()).follow(id);
        if (json()) Output.json(out(), w);
        if (!"Completed".equals(w.state())) throw WorkflowWatcher.failure(w);
        return ExitCode.OK;
    }
}
