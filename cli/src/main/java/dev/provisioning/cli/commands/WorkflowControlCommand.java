package dev.provisioning.cli.commands;

import dev.provisioning.cli.CliException;
import dev.provisioning.cli.ExitCode;
import dev.provisioning.cli.client.Api;
import dev.provisioning.cli.client.OrchestratorClient;
import java.io.PrintWriter;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code workflow cancel|resume|rollback ID}: one {@code POST /workflows/{id}/ACTION}, then, with {@code --wait},
 * the workflow followed to its end with {@link WorkflowWatcher}, showing only what happens from the action on.
 *
 * <p>Exit codes: 0 when the daemon accepted the action (and, with {@code --wait}, the workflow ended in the state
 * the action aims for: {@link #goal()}); 1 when, with {@code --wait}, it ended otherwise; 4 for an unknown
 * workflow; 5 ({@link ExitCode#CONFLICT}) when its state does not allow the action (the daemon's 409
 * {@code E_CONFLICT}, whose message says why).
 */
abstract class WorkflowControlCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "ID", description = "The workflow id.")
    String id;

    @Option(names = "--wait", description = "Then follow the workflow live to its end; exit 1 unless it ends in the state this command aims for.")
    boolean wait;

    /** {@code cancel}, {@code resume} or {@code rollback}: the route {@code POST /workflows/{id}/ACTION}. */
    abstract String action();

    /** The state the action aims for: with {@code --wait}, any other end exits 1. */
    abstract String goal();

    @Override
    public Integer call() {
        checkWorkflowId(id);
        OrchestratorClient client = main().connect();
        // before the action, so that --wait shows every event the action causes and none of the history
        Long after = wait ? client.lastEventId(id) : null;
        Api.ControlAnswer a = client.control(id, action());
        PrintWriter human = json() ? err() : out();
        String state = a.state() == null ? "?" : a.state();
        boolean ended = WorkflowWatcher.terminal(state);
        if (!wait) {
            if (json()) machine(a);
            else {
                out().println("workflow " + id + ": " + action() + " accepted; it is " + state + (ended ? "" : " now"));
                if (!ended) err().println("follow it with: provisioning workflow status " + id);
            }
            return ExitCode.OK;
        }
        human.println("workflow " + id + ": " + action() + " accepted; it is " + state + (ended ? "" : " now") + "; following it");
        human.flush();
        Api.Workflow w = new WorkflowWatcher(client, main().daemon()::client, human).follow(id, after);
        if (json()) machine(w);
        if (!goal().equals(w.state())) throw notReached(w);
        return ExitCode.OK;
    }

    /** The workflow ended, but not where the action aims: exit 1, with each task that did not complete. */
    private CliException notReached(Api.Workflow w) {
        CliException f = WorkflowWatcher.failure(w);
        String what = w.name() != null ? w.name() : w.kind() != null ? w.kind() : "";
        return new CliException(ExitCode.FAILED, "Failed".equals(w.state()) ? "E_WORKFLOW_FAILED" : "E_UNEXPECTED_STATE",
                "workflow " + what + " ended " + w.state() + ", not " + goal() + " (the aim of " + action() + ")", w.id(),
                f.detail());
    }
}
